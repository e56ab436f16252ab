"""The public notice of a round as PDF: the page's content (under notice with the objection
period, the awarded), read back from the file, in either language, scoped as the page is."""

import io
import os
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from qiangshi.awards import selectors, services
from qiangshi.web.balance_pdf import cjk_font
from tests import factories

from .conftest import NOMINATED, nominate, qualify
from .test_flow import NOTICE, step, to_notice

AWARDED_ON = NOTICE + timedelta(days=8)
SECOND_NOTICE = AWARDED_ON + timedelta(days=1)


@pytest.fixture(autouse=True)
def font():
    if cjk_font() is None:
        message = "No CJK font for the PDF: install fonts-wqy-microhei (make system-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def decided(qualified, round_):
    """Teacher A (陈静) awarded; a second teacher of school A (周敏) under public notice."""
    world = qualified
    first = to_notice(world, round_)
    step(world, "bureau", first, "award", AWARDED_ON)
    bureau = world["users"]["bureau"]
    services.quota_set(
        actor=bureau, round_pk=round_.pk, quota=2, school_pk=world["schools"]["a"].pk
    )
    zhou = factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏")
    qualify(world["users"]["admin"], zhou)
    world["teachers"]["zhou"] = zhou
    second = nominate(world, round_, teacher="zhou")
    step(world, "school", second, "submit", NOMINATED)
    step(world, "district", second, "district_approve", date(2026, 7, 5))
    step(world, "bureau", second, "bureau_approve", date(2026, 7, 15))
    services.round_publish(actor=bureau, round_pk=round_.pk, today=SECOND_NOTICE)
    return world


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_holds_the_notice_and_the_decision(decided, round_):
    from qiangshi.web.awards_pdf import notice_pdf

    bureau = decided["users"]["bureau"]
    notice = selectors.round_notice(actor=bureau, round_=round_)
    assert [r.nomination.teacher.name for r in notice.notice] == ["周敏"]
    assert [n.teacher.name for n in notice.decided] == ["陈静"]
    with translation.override("zh-hans"):
        text = _text(notice_pdf(notice, on=SECOND_NOTICE + timedelta(days=2)))
    for expected in (
        "2026年厦门市优秀教师评选",
        "公示",
        "周敏",
        "陈静",
        "思明第一小学",
        SECOND_NOTICE.isoformat(),  # under notice from
        (SECOND_NOTICE + timedelta(days=7)).isoformat(),  # objections until
        AWARDED_ON.isoformat(),  # decided on
    ):
        assert expected in text, expected
    assert "ended" not in text
    with translation.override("en"):
        text = _text(notice_pdf(notice, on=SECOND_NOTICE + timedelta(days=30)))
    for expected in ("Public notice", "Under public notice", "Objections until", "Awarded"):
        assert expected in text, expected
    assert "ended" in text  # the objection period is over on that day


def test_an_empty_round_says_so(world, round_):
    from qiangshi.web.awards_pdf import notice_pdf

    notice = selectors.round_notice(actor=world["users"]["bureau"], round_=round_)
    with translation.override("en"):
        text = _text(notice_pdf(notice, on=date(2026, 8, 1)))
    assert "No nomination is under public notice." in text and "Nothing decided yet." in text


def test_the_download_is_scoped_like_the_page(decided, round_, client):
    url = reverse("web:awards_notice_pdf", args=[round_.pk])
    client.force_login(decided["users"]["bureau"])
    page = client.get(reverse("web:awards_notice", args=[round_.pk])).content.decode()
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "周敏" in _text(response.content)
    # The teacher sees their own nomination only, as on the page.
    client.force_login(decided["users"]["teacher"])
    text = _text(client.get(url).content)
    assert "陈静" in text and "周敏" not in text
    client.force_login(decided["users"]["reviewer"])
    assert client.get(url).status_code == 403
    other_city = factories.user("bureau", region=decided["tree"]["longyan"])
    client.force_login(other_city)
    assert client.get(url).status_code == 404
