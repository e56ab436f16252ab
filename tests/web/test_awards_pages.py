"""Award pages: opening a round, nominating from the candidate list (each rule shown, a
refusal with its reason), the reviews and the public notice with an objection, the honours
lists and their exports."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from qiangshi.awards import services
from qiangshi.awards.models import AwardNomination, AwardRound
from qiangshi.workflow.selectors import item_for
from tests import factories
from tests.awards.conftest import qualify

TODAY = date.today()


@pytest.fixture
def open_round(world):
    qualify(world["users"]["admin"], world["teachers"]["a"], years_before=TODAY.year)
    return services.round_create(
        actor=world["users"]["bureau"], kind="excellent_teacher", year=TODAY.year, level="city",
        title="优秀教师评选", nominations_open_on=TODAY - timedelta(days=3),
        nominations_close_on=TODAY + timedelta(days=3), reference_date=TODAY,
    )  # fmt: skip


def test_bureau_opens_a_round_with_the_form(client, world):
    client.force_login(world["users"]["bureau"])
    response = client.post(
        reverse("web:awards_round_create"),
        {"kind": "master_teacher", "level": "city", "year": 2026, "title": "名师评选",
         "nominations_open_on": "2026-03-01", "nominations_close_on": "2026-02-01"},
    )  # fmt: skip
    assert response.status_code == 200 and not AwardRound.objects.exists()
    assert "不能早于" in response.content.decode()
    response = client.post(
        reverse("web:awards_round_create"),
        {"kind": "master_teacher", "level": "city", "year": 2026, "title": "名师评选",
         "nominations_open_on": "2026-03-01", "nominations_close_on": "2026-03-31"},
    )  # fmt: skip
    round_ = AwardRound.objects.get()
    assert response.url == reverse("web:awards_round", args=[round_.pk])
    assert round_.school_quota == 1


def test_school_sees_each_rule_and_nominates(client, world, open_round):
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = "en"
    url = reverse("web:awards_nominate", args=[open_round.pk])
    page = client.get(url).content.decode()
    assert "Years of teaching" in page and "eligible" in page
    response = client.post(url, {"teacher": world["teachers"]["a"].pk, "citation": "事迹突出"})
    n = AwardNomination.objects.get()
    assert response.url == reverse("web:awards_nomination", args=[n.pk])
    # Over quota now: refused with the reason, nothing written.
    other = factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏")
    qualify(world["users"]["admin"], other, years_before=TODAY.year)
    response = client.post(url, {"teacher": other.pk, "citation": "事迹"}, follow=True)
    assert "quota of 1 nominations in this round is used up" in response.content.decode()
    assert AwardNomination.objects.count() == 1


def test_reviews_notice_and_objection_through_the_pages(client, world, open_round):
    n = services.nomination_create(
        actor=world["users"]["school"], round_pk=open_round.pk,
        teacher_pk=world["teachers"]["a"].pk, citation="事迹",
    )  # fmt: skip
    step_url = reverse("web:awards_nomination_step", args=[n.pk])
    client.force_login(world["users"]["school"])
    client.post(step_url, {"step": "submit"})
    client.force_login(world["users"]["district"])
    client.post(step_url, {"step": "district_approve"})
    client.force_login(world["users"]["bureau"])
    client.post(step_url, {"step": "bureau_approve"})
    client.post(reverse("web:awards_round_publish", args=[open_round.pk]))
    assert item_for("award_nomination", n.pk).state == "notice"
    client.post(
        reverse("web:awards_objection", args=[n.pk]),
        {"received_on": TODAY.isoformat(), "summary": "反映材料不实"},
    )
    objection = n.objections.get()
    page = client.get(reverse("web:awards_nomination", args=[n.pk])).content.decode()
    assert "反映材料不实" in page
    client.post(
        reverse("web:awards_objection_handle", args=[objection.pk]),
        {"outcome": "upheld", "response": "经核查属实", "nomination": n.pk},
    )
    assert item_for("award_nomination", n.pk).state == "not_awarded"
    # The school sees the nomination but not the objection.
    client.force_login(world["users"]["school"])
    page = client.get(reverse("web:awards_nomination", args=[n.pk])).content.decode()
    assert "反映材料不实" not in page


def test_honours_lists_and_exports(client, world):
    from qiangshi.teachers.models import Teacher

    Teacher.objects.filter(pk=world["teachers"]["a"].pk).update(
        work_start_date=date(TODAY.year - 30, 9, 1)
    )
    client.force_login(world["users"]["district"])
    page = client.get(reverse("web:awards_long_service")).content.decode()
    assert world["teachers"]["a"].name in page and world["teachers"]["b"].name in page
    export = client.get(reverse("web:awards_long_service") + "?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    day = client.get(reverse("web:awards_teachers_day")).content.decode()
    assert world["teachers"]["a"].name in day and world["teachers"]["b"].name not in day
