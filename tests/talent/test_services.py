"""Talent and partnerships: plans and hires, olympiad rewards, partnership hours credited to
training records (idempotent, reversed on cancellation), perks and their take-up."""

from datetime import date
from decimal import Decimal

import pytest

from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.talent import selectors, services
from qiangshi.talent.models import HireStatus, OlympiadResult
from qiangshi.training.models import RecordSource, TrainingRecord

pytestmark = pytest.mark.django_db


def _plan(world, year=2025):
    bureau = world["users"]["bureau"]
    plan = services.recruitment_plan_create(actor=bureau, year=year)
    services.recruitment_target_set(actor=bureau, plan_pk=plan.pk, category="doctoral", target=4)
    services.recruitment_target_set(
        actor=bureau, plan_pk=plan.pk, category="shortage", subject="physics", target=2
    )
    return plan


def test_hires_count_against_the_plan_until_withdrawn(world):
    plan = _plan(world)
    school, bureau = world["users"]["school"], world["users"]["bureau"]
    a = services.hire_record(
        actor=school, plan_pk=plan.pk, category="doctoral", name="林博", subject="mathematics",
        school_pk=world["schools"]["a"].pk, hired_on=date(2025, 6, 1), university="厦门大学",
    )  # fmt: skip
    services.hire_record(
        actor=bureau, plan_pk=plan.pk, category="doctoral", name="", school_pk=world["schools"]["c"].pk,
        hired_on=date(2025, 7, 1), teacher_pk=world["teachers"]["c"].pk,
    )  # fmt: skip
    withdrawn = services.hire_record(
        actor=bureau, plan_pk=plan.pk, category="shortage", subject="physics", name="周物",
        school_pk=world["schools"]["b"].pk, hired_on=date(2025, 7, 1),
    )  # fmt: skip
    services.hire_withdraw(actor=bureau, hire_pk=withdrawn.pk)

    answer = selectors.recruitment_against_plan(world["tree"]["xiamen"], 2025)

    assert answer["has_plan"] is True
    assert answer["categories"] == [
        {"category": "doctoral", "target": 4, "hires": 2, "rate": 0.5},
        {"category": "shortage", "target": 2, "hires": 0, "rate": 0.0},
    ]
    assert (answer["target"], answer["hires"]) == (6, 2)
    assert a.status == HireStatus.SIGNED
    assert selectors.recruitment_against_plan(world["tree"]["xiamen"], 2024) == {
        "region": "3502", "year": 2024, "has_plan": False, "categories": [],
        "target": 0, "hires": 0, "rate": None,
    }  # fmt: skip


def test_linking_a_hire_to_the_registry_marks_them_joined(world):
    plan = _plan(world)
    school = world["users"]["school"]
    hire = services.hire_record(
        actor=school, plan_pk=plan.pk, category="doctoral", name="陈静",
        school_pk=world["schools"]["a"].pk, hired_on=date(2025, 6, 1),
    )  # fmt: skip
    services.hire_link_teacher(actor=school, hire_pk=hire.pk, teacher_pk=world["teachers"]["a"].pk)
    hire.refresh_from_db()
    assert (hire.status, hire.teacher) == (HireStatus.JOINED, world["teachers"]["a"])


def test_a_school_records_hires_only_for_itself(world):
    plan = _plan(world)
    with pytest.raises(NotFound):
        services.hire_record(
            actor=world["users"]["school"], plan_pk=plan.pk, category="doctoral", name="林博",
            school_pk=world["schools"]["b"].pk, hired_on=date(2025, 6, 1),
        )  # fmt: skip


def test_a_district_office_reads_the_city_plan_but_cannot_change_it(world):
    plan = _plan(world)
    district = world["users"]["district"]
    assert plan in selectors.plan_list(actor=district)
    with pytest.raises(Forbidden):
        services.recruitment_target_set(
            actor=district, plan_pk=plan.pk, category="doctoral", target=9
        )


def test_a_hire_outside_the_plans_region_is_refused(world):
    siming_plan = services.recruitment_plan_create(actor=world["users"]["district"], year=2025)
    with pytest.raises(ApplicationError) as caught:
        services.hire_record(
            actor=world["users"]["bureau"], plan_pk=siming_plan.pk, category="doctoral",
            name="林博", school_pk=world["schools"]["c"].pk, hired_on=date(2025, 6, 1),
        )  # fmt: skip
    assert "school" in caught.value.fields


def test_olympiad_rewards_follow_the_rule_file_and_the_yearly_cap(world):
    district = world["users"]["district"]
    coach = world["teachers"]["a"].pk

    def record(level, day):
        return services.olympiad_result_record(
            actor=district, olympiad="physics", competition="全国中学生物理竞赛", coach_pk=coach,
            pupil="小明", level=level, awarded_on=day,
        )  # fmt: skip

    first = record("national_gold", date(2025, 9, 1))
    second = record("national_gold", date(2025, 10, 1))
    third = record("national_silver", date(2025, 11, 1))
    rows = {r.pk: r for r in OlympiadResult.objects.all()}

    # The illustrative rule set: gold 30,000, silver 20,000, at most 60,000 a coach a year.
    assert [rows[r.pk].reward for r in (first, second, third)] == [30000, 30000, 0]
    assert rows[first.pk].rule_version == "2023"

    services.olympiad_result_delete(actor=district, result_pk=second.pk)
    assert OlympiadResult.objects.get(pk=third.pk).reward == 20000
    [total] = selectors.olympiad_totals_by_school(actor=district, year=2025)
    assert (total.school, total.results, total.reward) == (world["schools"]["a"], 2, 50000)


def test_confirming_an_activity_credits_training_hours_once(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    teachers = [world["teachers"]["a"].pk, world["teachers"]["c"].pk]
    services.activity_participants_add(actor=bureau, activity_pk=training.pk, teacher_pks=teachers)

    assert services.activity_confirm(actor=bureau, activity_pk=training.pk) == 2
    assert services.activity_confirm(actor=bureau, activity_pk=training.pk) == 0

    records = TrainingRecord.objects.filter(source=RecordSource.PARTNERSHIP)
    assert sorted(records.values_list("teacher_id", flat=True)) == sorted(teachers)
    assert {r.hours for r in records} == {Decimal("12.0")}
    assert {r.category for r in records} == {"centralised"}


def test_a_teacher_added_after_confirmation_is_credited_at_once(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk, teacher_pks=[world["teachers"]["b"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    assert TrainingRecord.objects.filter(teacher=world["teachers"]["b"]).count() == 1


def test_cancelling_an_activity_takes_the_hours_back(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=training.pk)

    assert services.activity_cancel(actor=bureau, activity_pk=training.pk) == 1

    assert not TrainingRecord.objects.filter(source=RecordSource.PARTNERSHIP).exists()
    assert AuditLog.objects.filter(action="talent.activity_cancel").count() == 1
    with pytest.raises(ApplicationError):
        services.activity_confirm(actor=bureau, activity_pk=training.pk)


def test_removing_a_participant_takes_their_hours_back(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    row = training.participants.get()
    services.activity_participant_remove(actor=bureau, participant_pk=row.pk)
    assert not TrainingRecord.objects.exists()


def test_an_activity_kind_the_rules_do_not_credit_adds_no_hours(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    visit = longyan_partnership["visit"]
    services.activity_participants_add(
        actor=bureau, activity_pk=visit.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    assert services.activity_confirm(actor=bureau, activity_pk=visit.pk) == 0
    assert not TrainingRecord.objects.exists()


def test_a_teacher_sees_only_their_own_partnership_hours(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk,
        teacher_pks=[world["teachers"]["a"].pk, world["teachers"]["b"].pk],
    )  # fmt: skip
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    mine = selectors.participation_list(actor=world["users"]["teacher"])
    assert [(p.teacher, p.credited_hours) for p in mine] == [
        (world["teachers"]["a"], Decimal("12.0"))
    ]


def test_partnership_summary_counts_people_activities_and_hours(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    p, training = longyan_partnership["partnership"], longyan_partnership["training"]
    services.exchange_add(
        actor=bureau, partnership_pk=p.pk, direction="sent", teacher_pk=world["teachers"]["a"].pk,
        starts_on=date(2025, 3, 1),
    )  # fmt: skip
    services.exchange_add(
        actor=bureau, partnership_pk=p.pk, direction="received", name="黄老师",
        organisation="龙岩市第一中学", starts_on=date(2025, 3, 1),
    )  # fmt: skip
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=training.pk)

    summary = selectors.partnership_summary(world["tree"]["xiamen"], 2025)

    mountain_sea = next(k for k in summary["kinds"] if k["kind"] == "mountain_sea")
    assert mountain_sea == {
        "kind": "mountain_sea", "partnerships": 1, "sent": 1, "received": 1, "activities": 1,
        "activity_hours": 12.0, "participations": 1, "credited_hours": 12.0,
    }  # fmt: skip
    assert summary["total"]["activities"] == 1  # the visit is still planned
    assert (
        selectors.partnership_summary(world["tree"]["xiamen"], 2023)["total"]["partnerships"] == 0
    )


def test_deleting_a_partnership_takes_back_the_hours(world, longyan_partnership):
    bureau = world["users"]["bureau"]
    training = longyan_partnership["training"]
    services.activity_participants_add(
        actor=bureau, activity_pk=training.pk, teacher_pks=[world["teachers"]["a"].pk]
    )
    services.activity_confirm(actor=bureau, activity_pk=training.pk)
    services.partnership_delete(actor=bureau, partnership_pk=longyan_partnership["partnership"].pk)
    assert not TrainingRecord.objects.exists()


def test_perk_take_up_per_school(world):
    bureau, school = world["users"]["bureau"], world["users"]["school"]
    perk = services.perk_create(
        actor=bureau, name="教师免费体检", provider="市总工会", eligibility="全市在编教师",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    services.perk_uptake_record(
        actor=school, perk_pk=perk.pk, school_pk=world["schools"]["a"].pk, on=date(2025, 3, 1),
        teacher_pk=world["teachers"]["a"].pk,
    )  # fmt: skip
    services.perk_uptake_record(
        actor=bureau, perk_pk=perk.pk, school_pk=world["schools"]["c"].pk, on=date(2025, 3, 1),
        count=1,
    )  # fmt: skip
    with pytest.raises(ApplicationError):  # each teacher once
        services.perk_uptake_record(
            actor=school, perk_pk=perk.pk, school_pk=world["schools"]["a"].pk,
            on=date(2025, 3, 2), teacher_pk=world["teachers"]["a"].pk,
        )  # fmt: skip

    rows = selectors.uptake_by_school(actor=bureau)
    assert [(r.school, r.taken, r.teachers, r.share) for r in rows] == [
        (world["schools"]["a"], 1, 1, Decimal("1.000")),
        (world["schools"]["c"], 1, 1, Decimal("1.000")),
    ]
    assert [r.school for r in selectors.uptake_by_school(actor=school)] == [world["schools"]["a"]]
    assert perk in selectors.perk_list(actor=world["users"]["teacher"])
