"""The talent API: scoped lists, writes through the services, refusals."""

from datetime import date

import pytest

from qiangshi.talent import services
from qiangshi.training.models import TrainingRecord

pytestmark = pytest.mark.django_db


def test_plans_and_recruitment_against_plan(world, api_as):
    bureau = api_as("bureau")
    created = bureau.post("/api/talent/plans", {"year": 2026, "remarks": "博士优培"})
    assert created.status_code == 201, created.content
    plan = created.json()["id"]
    assert (
        bureau.put(
            f"/api/talent/plans/{plan}/targets", {"category": "doctoral", "target": 4}
        ).status_code
        == 200
    )
    hire = api_as("school").post(
        "/api/talent/hires",
        {"plan": plan, "category": "doctoral", "name": "林博", "school": world["schools"]["a"].pk,
         "hired_on": "2026-06-01"},
    )  # fmt: skip
    assert hire.status_code == 201, hire.content

    answer = bureau.get("/api/talent/recruitment", {"year": 2026}).json()
    listed = bureau.get("/api/talent/plans").json()

    assert answer["categories"] == [{"category": "doctoral", "target": 4, "hires": 1, "rate": 0.25}]
    assert listed["count"] == 1 and listed["items"][0]["rate"] == 0.25


def test_a_district_office_may_not_change_the_city_plan(world, api_as):
    plan = services.recruitment_plan_create(actor=world["users"]["bureau"], year=2026)
    response = api_as("district").put(
        f"/api/talent/plans/{plan.pk}/targets", {"category": "doctoral", "target": 4}
    )
    assert response.status_code == 403


def test_a_school_does_not_see_another_schools_hires(world, api_as):
    plan = services.recruitment_plan_create(actor=world["users"]["bureau"], year=2026)
    services.hire_record(
        actor=world["users"]["bureau"], plan_pk=plan.pk, category="doctoral", name="周物",
        school_pk=world["schools"]["b"].pk, hired_on=date(2026, 6, 1),
    )  # fmt: skip
    assert api_as("school").get("/api/talent/hires").json()["count"] == 0
    assert api_as("district").get("/api/talent/hires").json()["count"] == 1


def test_activity_confirmation_through_the_api_is_idempotent(world, api_as, longyan_partnership):
    bureau = api_as("bureau")
    activity = longyan_partnership["training"].pk
    added = bureau.post(
        f"/api/talent/activities/{activity}/participants",
        {"teachers": [world["teachers"]["a"].pk]},
    )
    assert added.status_code == 200, added.content
    first = bureau.post(f"/api/talent/activities/{activity}/confirm").json()
    again = bureau.post(f"/api/talent/activities/{activity}/confirm").json()
    assert (first["credited_now"], again["credited_now"]) == (1, 0)
    assert TrainingRecord.objects.count() == 1
    mine = api_as("teacher").get("/api/talent/hours").json()
    assert [x["credited_hours"] for x in mine["items"]] == [12.0]
    cancelled = bureau.post(f"/api/talent/activities/{activity}/cancel").json()
    assert cancelled["taken_back"] == 1 and TrainingRecord.objects.count() == 0


def test_partnership_summary_for_another_area_is_not_found(world, api_as, longyan_partnership):
    ok = api_as("bureau").get("/api/talent/partnership-summary", {"year": 2025})
    outside = api_as("district").get(
        "/api/talent/partnership-summary", {"year": 2025, "region": "3508"}
    )
    assert ok.status_code == 200 and ok.json()["total"]["partnerships"] == 1
    assert outside.status_code == 404


def test_olympiad_result_and_school_totals(world, api_as):
    school = api_as("school")
    made = school.post(
        "/api/talent/olympiad",
        {"olympiad": "informatics", "competition": "NOI 2025", "coach": world["teachers"]["a"].pk,
         "pupil": "小林", "level": "provincial_first", "awarded_on": "2025-08-01"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    assert made.json()["reward"] == 5000.0
    totals = api_as("bureau").get("/api/talent/olympiad/schools", {"year": 2025}).json()
    assert [(r["school_name"], r["reward"]) for r in totals["items"]] == [("思明第一小学", 5000.0)]


def test_teachers_read_perks_but_may_not_add_them(world, api_as):
    services.perk_create(
        actor=world["users"]["bureau"], name="教师免费体检", provider="市总工会",
        eligibility="全市在编教师", starts_on=date(2025, 1, 1),
    )  # fmt: skip
    teacher = api_as("teacher")
    assert teacher.get("/api/talent/perks").json()["count"] == 1
    refused = teacher.post(
        "/api/talent/perks",
        {"name": "x", "provider": "y", "eligibility": "z", "starts_on": "2025-01-01"},
    )
    assert refused.status_code == 403


def test_people_activities_and_take_up_are_recorded_through_the_api(world, api_as):
    bureau = api_as("bureau")
    teacher = world["teachers"]["a"]
    p = bureau.post(
        "/api/talent/partnerships",
        {"kind": "off_island", "title": "名师出岛", "partner": "翔安区教育局",
         "starts_on": "2025-09-01", "region": "3502"},
    )  # fmt: skip
    assert p.status_code == 201, p.content
    pid = p.json()["id"]
    person = bureau.post(
        f"/api/talent/partnerships/{pid}/people",
        {"direction": "sent", "teacher": teacher.pk, "starts_on": "2025-09-01"},
    )
    activity = bureau.post(
        f"/api/talent/partnerships/{pid}/activities",
        {"title": "送教下乡", "kind": "demonstration", "starts_on": "2025-10-09",
         "ends_on": "2025-10-10", "hours": "7.5", "others": 12},
    )  # fmt: skip
    perk = services.perk_create(
        actor=world["users"]["bureau"], name="教师免费体检", provider="市总工会",
        eligibility="在编教师", starts_on=date(2025, 1, 1),
    )  # fmt: skip
    uptake = api_as("school").post(
        f"/api/talent/perks/{perk.pk}/uptake",
        {"school": world["schools"]["a"].pk, "on": "2025-03-01", "teacher": teacher.pk},
    )

    assert person.status_code == 201 and person.json()["name"] == teacher.name
    assert activity.status_code == 201, activity.content
    assert (activity.json()["hours"], activity.json()["others"]) == (7.5, 12)
    assert uptake.status_code == 201 and uptake.json()["count"] == 1
    detail = bureau.get(f"/api/talent/partnerships/{pid}").json()
    assert [x["teacher_id"] for x in detail["people"]] == [teacher.pk]
    assert [a["title"] for a in detail["activities"]] == ["送教下乡"]
