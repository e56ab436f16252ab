"""The balance PDF report (page and `qiangshi balance report --pdf`) and the district page's
history by year, on the tiny registry world of the balance adapter tests."""

import io
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader

from qiangshi.balance.selectors import district_report
from qiangshi.web.balance_pdf import cjk_font, wrap
from tests import factories
from tests.balance.conftest import YEAR, enroll, facility, tiny  # noqa: F401  (the fixture)


@pytest.fixture
def font():
    """The CJK font the report needs: missing, the test fails under CI and is skipped locally."""
    path = cjk_font()
    if path is None:
        message = "No CJK font for the PDF report: install fonts-wqy-microhei (make system-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture
def users(tiny, tree):  # noqa: F811
    return {
        "district": factories.user("district", region=tree["siming"]),
        "other_district": factories.user("district", region=tree["huli"]),
        "school_p": factories.user("school", school=tiny["p"]),
        "teacher": factories.user("teacher"),
    }


def _pdf_url(tiny, stage="primary"):  # noqa: F811
    return reverse("web:balance_district_pdf", args=[tiny["siming"].pk]) + (
        f"?year={YEAR}&stage={stage}"
    )


def _text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_report_in_chinese(client, tiny, users, font):  # noqa: F811
    client.force_login(users["district"])
    client.cookies["django_language"] = "zh-hans"
    response = client.get(_pdf_url(tiny))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    assert response.content.startswith(b"%PDF")
    assert b"FontFile2" in response.content  # the TrueType font is embedded
    pages, text = _text(response.content)
    assert pages > 1  # the summary page, then the chart pages
    name = tiny["siming"].display_name
    assert name in text and "优质均衡" in text and "报告" in text
    assert "2017.1" in text and "教督〔2017〕6号" in text
    assert "差异系数" in text
    (expected,) = district_report(district=tiny["siming"], year=YEAR, stages=("primary",))
    for school in expected.failing_schools:
        assert school.code in text


def test_pdf_report_in_english_lists_the_changes(client, tiny, users, font):  # noqa: F811
    client.force_login(users["district"])
    client.cookies["django_language"] = "en"
    pages, text = _text(client.get(_pdf_url(tiny)).content)
    flat = " ".join(text.split())
    assert "quality-balance evaluation report" in flat
    assert "+8 teachers with a degree above the requirement" in flat
    assert "Minimum" in flat


def test_pdf_report_scope_like_the_district_page(client, tiny, users):  # noqa: F811
    for role in ("other_district", "school_p"):
        client.force_login(users[role])
        assert client.get(_pdf_url(tiny)).status_code == 404, role
    client.force_login(users["teacher"])
    assert client.get(_pdf_url(tiny)).status_code == 403
    client.force_login(users["district"])
    url = reverse("web:balance_district_pdf", args=[999999]) + f"?year={YEAR}"
    assert client.get(url).status_code == 404
    assert client.get(_pdf_url(tiny).replace(str(YEAR), "2030")).status_code == 404


def test_district_page_links_the_pdf(client, tiny, users):  # noqa: F811
    client.force_login(users["district"])
    client.cookies["django_language"] = "en"
    url = reverse("web:balance_district", args=[tiny["siming"].pk]) + f"?year={YEAR}"
    body = client.get(url).content.decode().replace("&amp;", "&")
    assert _pdf_url(tiny) in body


def test_command_writes_the_pdf(tiny, tmp_path, font):  # noqa: F811
    path = tmp_path / "siming.pdf"
    out, err = StringIO(), StringIO()
    call_command(
        "balance",
        "report",
        "--district",
        tiny["siming"].code,
        "--year",
        str(YEAR),
        "--pdf",
        str(path),
        stdout=out,
        stderr=err,
    )
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    pages, text = _text(content)
    assert pages >= 8  # both stages: a summary page and three chart pages each
    assert str(path) in err.getvalue()
    assert "Verdict" in out.getvalue()  # the table report is still printed


def test_wrap_breaks_chinese_between_characters_and_words_between_words():
    assert wrap("思明区优质均衡报告", 8) == ["思明区优", "质均衡报", "告"]
    assert wrap("two backbone teachers", 10) == ["two", "backbone", "teachers"]
    assert wrap("", 10) == [""]


def test_history_by_year_on_the_district_page(client, tiny, users):  # noqa: F811
    # The year before: P has data already (tiny), N gets its primary part: a second row.
    earlier = YEAR - 1
    enroll(tiny["n"], range(1, 7), 40, year=earlier)
    facility(tiny["n"], year=earlier, teaching=900, sports=1500, equipment=500_000, rooms=6)
    client.force_login(users["district"])
    client.cookies["django_language"] = "en"
    url = reverse("web:balance_district", args=[tiny["siming"].pk]) + f"?year={YEAR}"
    response = client.get(url + "&stage=primary")
    history = response.context["history"]
    assert [r["year"] for r in history["rows"]] == [earlier, YEAR]
    for row in history["rows"]:
        (expected,) = district_report(
            district=tiny["siming"], year=row["year"], stages=("primary",)
        )
        assert row["state"] == ("passed" if expected.passed else "failed")
        cvs = [c["cv"] for c in row["cells"]]
        assert cvs == [
            None if i.cv is None else pytest.approx(i.cv) for i in expected.indicators.values()
        ]
    chart = history["chart"]
    assert chart["years"] == [str(earlier), str(YEAR)]
    assert len(chart["series"]) == 7
    body = response.content.decode()
    assert 'id="history-table"' in body and 'id="history-data"' in body
    # The junior part of the earlier year: no school has junior data then.
    junior = client.get(url + "&stage=junior").context["history"]
    assert junior["rows"][0]["state"] == "unjudged"
