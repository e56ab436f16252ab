"""Talent pages: lists with filters and exports, forms with validation, confirmation-guarded
actions, and who may do what."""

from datetime import date

import pytest
from django.urls import reverse

from qiangshi.talent import services
from qiangshi.talent.models import ActivityStatus, Hire, PerkUptake, RecruitmentPlan
from qiangshi.training.models import TrainingRecord

pytestmark = pytest.mark.django_db


def test_the_bureau_creates_a_plan_and_sets_a_target(world, client):
    client.force_login(world["users"]["bureau"])
    response = client.post(
        reverse("web:talent_plans"),
        {"year": 2026, "region": world["tree"]["xiamen"].pk, "remarks": "博士优培"},
    )
    plan = RecruitmentPlan.objects.get()
    assert response.status_code == 302
    client.post(
        reverse("web:talent_plan", args=[plan.pk]),
        {"form": "target", "category": "doctoral", "subject": "", "target": 5},
    )
    page = client.get(reverse("web:talent_plan", args=[plan.pk]))
    assert (page.context["total"]["target"], page.context["total"]["hires"]) == (5, 0)
    assert plan.targets.get().target == 5


def test_a_plan_form_with_a_bad_year_shows_the_error_and_saves_nothing(world, client):
    client.force_login(world["users"]["bureau"])
    response = client.post(
        reverse("web:talent_plans"), {"year": 1800, "region": world["tree"]["xiamen"].pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    assert not RecruitmentPlan.objects.exists()


def test_a_school_records_a_hire_on_the_plan_page(world, client):
    plan = services.recruitment_plan_create(actor=world["users"]["bureau"], year=2026)
    client.force_login(world["users"]["school"])
    response = client.post(
        reverse("web:talent_plan", args=[plan.pk]),
        {"form": "hire", "category": "shortage", "subject": "physics", "name": "周物",
         "school": world["schools"]["a"].pk, "university": "", "hired_on": "2026-07-01"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Hire.objects.get().school == world["schools"]["a"]
    # but may not set targets
    denied = client.post(
        reverse("web:talent_plan", args=[plan.pk]),
        {"form": "target", "category": "doctoral", "target": 3},
    )
    assert denied.status_code == 403


def test_lists_export_to_excel(world, client):
    services.recruitment_plan_create(actor=world["users"]["bureau"], year=2026)
    client.force_login(world["users"]["bureau"])
    for name in ("talent_plans", "talent_hires", "talent_olympiad", "talent_partnerships",
                 "talent_perks", "talent_uptake", "talent_olympiad_schools"):  # fmt: skip
        response = client.get(reverse(f"web:{name}") + "?format=xlsx")
        assert response.status_code == 200, name
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), name


def test_confirming_and_cancelling_an_activity_on_its_page(world, client, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    client.force_login(bureau)
    url = reverse("web:talent_activity", args=[training.pk])
    client.post(url, {"action": "add", "teachers": [world["teachers"]["a"].pk]})
    client.post(url, {"action": "confirm"})
    client.post(url, {"action": "confirm"})
    assert TrainingRecord.objects.filter(teacher=world["teachers"]["a"]).count() == 1
    page = client.get(url).content.decode()
    assert "data-confirm" in page
    client.post(url, {"action": "cancel"})
    training.refresh_from_db()
    assert training.status == ActivityStatus.CANCELLED
    assert not TrainingRecord.objects.exists()


def test_the_district_office_may_read_the_citys_partnership_but_not_change_it(
    world, client, longyan_partnership
):
    client.force_login(world["users"]["district"])
    p = longyan_partnership["partnership"]
    assert client.get(reverse("web:talent_partnership", args=[p.pk])).status_code == 200
    url = reverse("web:talent_activity", args=[longyan_partnership["training"].pk])
    assert client.post(url, {"action": "confirm"}).status_code == 403
    assert client.post(reverse("web:talent_partnership_delete", args=[p.pk])).status_code == 403


def test_a_teacher_sees_their_own_partnership_hours(world, client, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk,
        teacher_pks=[world["teachers"]["a"].pk, world["teachers"]["b"].pk],
    )  # fmt: skip
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    client.force_login(world["users"]["teacher"])
    page = client.get(reverse("web:talent_participations")).content.decode()
    assert training.title in page
    assert world["teachers"]["b"].name not in page
    assert client.get(reverse("web:talent_plans")).status_code == 403


def test_a_school_records_take_up_for_itself_only(world, client):
    perk = services.perk_create(
        actor=world["users"]["bureau"], name="教师免费体检", provider="市总工会",
        eligibility="全市在编教师", starts_on=date(2025, 1, 1),
    )  # fmt: skip
    client.force_login(world["users"]["school"])
    url = reverse("web:talent_perk", args=[perk.pk])
    ok = client.post(url, {"school": world["schools"]["a"].pk, "count": 12, "on": "2025-05-01"})
    other = client.post(url, {"school": world["schools"]["b"].pk, "count": 3, "on": "2025-05-01"})
    assert ok.status_code == 302
    assert other.status_code == 200 and other.context["form"].errors["school"]
    assert list(PerkUptake.objects.values_list("count", flat=True)) == [12]
    empty = client.post(url, {"school": world["schools"]["a"].pk, "on": "2025-05-01"})
    assert empty.context["form"].errors["count"]
