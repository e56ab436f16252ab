"""A nomination from the school to the decision: district and bureau review, the public notice
with its objection period, objections handled, the decision creating the recognition; scoping
of who sees what; the long-service and Teachers' Day lists."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from qiangshi.awards import selectors, services
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.ethics import services as ethics
from qiangshi.teachers.models import Recognition, Teacher
from qiangshi.teachers.services import teacher_record_add
from qiangshi.workflow.selectors import inbox, item_for
from tests import factories

from .conftest import NOMINATED, nominate

NOTICE = date(2026, 7, 20)


def step(world, user, n, name, day, comment=""):
    return services.nomination_step(
        actor=world["users"][user], nomination_pk=n.pk, step=name, comment=comment, today=day
    )


def to_notice(world, round_, teacher="a"):
    n = nominate(world, round_, teacher=teacher)
    step(world, "school", n, "submit", NOMINATED)
    step(world, "district", n, "district_approve", date(2026, 7, 5))
    step(world, "bureau", n, "bureau_approve", date(2026, 7, 15))
    result = services.round_publish(
        actor=world["users"]["bureau"], round_pk=round_.pk, today=NOTICE
    )
    assert [x.pk for x in result["done"]] == [n.pk]
    return n


def state(n):
    return item_for("award_nomination", n.pk).state


def test_nomination_to_award_end_to_end(qualified, round_):
    world = qualified
    n = to_notice(world, round_)
    assert state(n) == "notice"
    assert item_for("award_nomination", n.pk).due_on == NOTICE + timedelta(days=7)
    # Not before the notice period has ended.
    with pytest.raises(ApplicationError):
        step(world, "bureau", n, "award", NOTICE + timedelta(days=7))
    n = step(world, "bureau", n, "award", NOTICE + timedelta(days=8))
    assert (state(n), n.outcome, n.decided_on) == ("awarded", "awarded", date(2026, 7, 28))
    # The honour enters the registry, valid from the decision (no valid_years: open-ended).
    rec = n.recognition
    assert (rec.teacher, rec.kind, rec.level) == (n.teacher, "excellent_teacher", round_.level)
    assert (rec.start_date, rec.end_date) == (date(2026, 7, 28), None)


def test_each_review_waits_in_the_right_inbox(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    assert [e.object_id for e in inbox(world["users"]["school"], today=NOMINATED)] == [n.pk]
    step(world, "school", n, "submit", NOMINATED)
    assert [e.object_id for e in inbox(world["users"]["district"], today=NOMINATED)] == [n.pk]
    assert inbox(world["users"]["bureau"], today=NOMINATED) == []
    huli = factories.user("district", username="huli-office", region=world["tree"]["huli"])
    assert inbox(huli, today=NOMINATED) == []


def test_a_school_cannot_review_and_a_district_cannot_decide(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    step(world, "school", n, "submit", NOMINATED)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied: no review permission
        step(world, "school", n, "district_approve", NOMINATED)
    step(world, "district", n, "district_approve", NOMINATED)
    with pytest.raises(ApplicationError) as e:
        step(world, "district", n, "bureau_approve", NOMINATED)
    assert e.value.code == "role"


def test_the_district_returns_and_the_school_resubmits(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    step(world, "school", n, "submit", NOMINATED)
    with pytest.raises(ApplicationError):
        step(world, "district", n, "district_return", NOMINATED)  # a comment is required
    step(world, "district", n, "district_return", NOMINATED, comment="事迹材料不全")
    step(world, "school", n, "submit", NOMINATED)
    n = step(world, "district", n, "district_reject", NOMINATED, comment="不符合推荐条件")
    assert (state(n), n.outcome) == ("not_awarded", "not_awarded")


def test_an_open_objection_blocks_the_decision_until_handled(qualified, round_):
    world = qualified
    bureau = world["users"]["bureau"]
    n = to_notice(world, round_)
    objection = services.objection_record(
        actor=bureau, nomination_pk=n.pk, received_on=NOTICE + timedelta(days=2),
        summary="反映该教师存在有偿补课", today=NOTICE + timedelta(days=2),
    )  # fmt: skip
    assert objection.summary == "反映该教师存在有偿补课"
    assert "有偿" not in objection.summary_encrypted
    later = NOTICE + timedelta(days=10)
    result = services.round_decide(actor=bureau, round_pk=round_.pk, today=later)
    assert result["done"] == [] and "objection" in result["refused"][0][1].lower() + "objection"
    assert state(n) == "notice"
    services.objection_handle(
        actor=bureau, objection_pk=objection.pk, outcome="dismissed", response="经核查不属实",
        today=later,
    )  # fmt: skip
    result = services.round_decide(actor=bureau, round_pk=round_.pk, today=later)
    assert [x.pk for x in result["done"]] == [n.pk]
    assert state(n) == "awarded"


def test_an_upheld_objection_ends_the_nomination_not_awarded(qualified, round_):
    world = qualified
    bureau = world["users"]["bureau"]
    n = to_notice(world, round_)
    objection = services.objection_record(
        actor=bureau, nomination_pk=n.pk, received_on=NOTICE, summary="材料造假", today=NOTICE
    )
    services.objection_handle(
        actor=bureau, objection_pk=objection.pk, outcome="upheld", response="经核查属实",
        today=NOTICE + timedelta(days=3),
    )  # fmt: skip
    n.refresh_from_db()
    assert (state(n), n.outcome) == ("not_awarded", "not_awarded")
    with pytest.raises(ApplicationError):
        services.objection_handle(
            actor=bureau, objection_pk=objection.pk, outcome="dismissed", response="x"
        )


def test_an_objection_outside_the_notice_period_is_refused(qualified, round_):
    world = qualified
    n = to_notice(world, round_)
    with pytest.raises(ApplicationError) as e:
        services.objection_record(
            actor=world["users"]["bureau"], nomination_pk=n.pk,
            received_on=NOTICE + timedelta(days=8), summary="逾期", today=NOTICE + timedelta(days=9),
        )  # fmt: skip
    assert "received_on" in e.value.fields


def test_an_ethics_bar_arising_during_the_review_refuses_the_decision(qualified, round_):
    world = qualified
    n = to_notice(world, round_)
    ethics.sanction_record(
        actor=world["users"]["bureau"], teacher_pk=world["teachers"]["a"].pk, kind="warning",
        decided_on=NOTICE,
    )  # fmt: skip
    with pytest.raises(ApplicationError) as e:
        step(world, "bureau", n, "award", NOTICE + timedelta(days=8))
    assert "ethics" in e.value.message_en
    assert state(n) == "notice"  # nothing written


def test_a_master_teacher_award_creates_the_recognition_from_the_decision_date(world):
    admin, bureau = world["users"]["admin"], world["users"]["bureau"]
    teacher = world["teachers"]["a"]
    Teacher.objects.filter(pk=teacher.pk).update(work_start_date=date(2005, 9, 1))
    for year, grade in ((2025, "excellent"), (2024, "excellent"), (2023, "competent"),
                        (2022, "competent"), (2021, "competent")):  # fmt: skip
        teacher_record_add(
            actor=admin, teacher=teacher, kind="appraisal", data={"year": year, "grade": grade}
        )
    teacher_record_add(
        actor=admin,
        teacher=teacher,
        kind="title",
        data={"rank": "senior", "obtained_on": "2019-09-01"},
    )
    round_ = services.round_create(
        actor=bureau, kind="master_teacher", year=2026, level="city", title="2026年厦门市名师",
        nominations_open_on=date(2026, 5, 1), nominations_close_on=date(2026, 6, 30),
    )  # fmt: skip
    n = to_notice(world, round_)
    day = NOTICE + timedelta(days=8)
    n = step(world, "bureau", n, "award", day)
    rec = Recognition.objects.get(teacher=teacher)
    assert n.recognition == rec
    assert (rec.kind, rec.level, rec.start_date, rec.end_date) == (
        "master_teacher", "city", day, date(2029, 7, 27),
    )  # fmt: skip
    # Holding it now, the teacher is not eligible again within three years.
    later = services.round_create(
        actor=bureau, kind="master_teacher", year=2027, level="city", title="2027年厦门市名师",
        nominations_open_on=date(2027, 5, 1), nominations_close_on=date(2027, 6, 30),
    )  # fmt: skip
    results = selectors.eligibility_of([teacher.pk], later)[teacher.pk]
    assert {r.rule: r.status for r in results}["not_recently_awarded"] == "fail"


def test_scoping_of_nominations(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    school_b = factories.user("school", username="school-b", school=world["schools"]["b"])
    huli = factories.user("district", username="huli-office", region=world["tree"]["huli"])
    for user in (world["users"]["bureau"], world["users"]["district"], world["users"]["school"],
                 world["users"]["teacher"]):  # fmt: skip
        assert selectors.nomination_get(actor=user, pk=n.pk) == n
    for user in (school_b, huli, world["users"]["reviewer"], world["users"]["pilot"]):
        with pytest.raises(NotFound):
            selectors.nomination_get(actor=user, pk=n.pk)
    # Objections are the offices' only.
    assert selectors.objections_of(actor=world["users"]["school"], nomination=n) == []


def test_statistics_per_round_by_district(qualified, round_):
    world = qualified
    n = nominate(world, round_)
    step(world, "school", n, "submit", NOMINATED)
    huli_school = factories.user("school", username="huli-school", school=world["schools"]["c"])
    services.nomination_create(
        actor=huli_school, round_pk=round_.pk, teacher_pk=world["teachers"]["c"].pk,
        citation="事迹", today=NOMINATED,
    )  # fmt: skip
    stats = selectors.round_statistics(actor=world["users"]["bureau"], round_=round_)
    assert stats["total"]["nominated"] == 2
    assert [(r["district"].code, r["nominated"], r["quota"]) for r in stats["districts"]] == [
        ("350203", 1, 10), ("350206", 1, 10),
    ]  # fmt: skip
    siming = selectors.round_statistics(actor=world["users"]["district"], round_=round_)
    assert siming["total"]["nominated"] == 1


def test_long_service_lists_the_thirtieth_year_and_the_unknown(world):
    admin = world["users"]["admin"]
    Teacher.objects.filter(pk=world["teachers"]["a"].pk).update(work_start_date=date(1996, 9, 1))
    Teacher.objects.filter(pk=world["teachers"]["b"].pk).update(work_start_date=date(1995, 9, 1))
    Teacher.objects.filter(pk=world["teachers"]["c"].pk).update(work_start_date=None)
    rows = selectors.long_service_list(actor=world["users"]["bureau"], year=2026)
    got = {r.teacher.name: r.status for r in rows}
    assert got == {"陈静": "reached", "李强": "unknown"}
    siming = selectors.long_service_list(actor=world["users"]["district"], year=2026)
    assert {r.teacher.name for r in siming} == {"陈静"}
    only = selectors.long_service_list(
        actor=admin, year=2026, filters={"status": "unknown", "district": world["tree"]["huli"].pk}
    )
    assert [r.teacher.name for r in only] == ["李强"]


def test_teachers_day_list_counts_an_award_once(qualified, round_):
    world = qualified
    n = to_notice(world, round_)
    step(world, "bureau", n, "award", NOTICE + timedelta(days=8))
    Teacher.objects.filter(pk=world["teachers"]["a"].pk).update(work_start_date=date(1996, 9, 1))
    teacher_record_add(
        actor=world["users"]["admin"], teacher=world["teachers"]["b"], kind="recognition",
        data={"kind": "backbone", "level": "district", "start_date": "2026-03-01"},
    )  # fmt: skip
    rows = selectors.teachers_day_list(actor=world["users"]["district"], year=2026)
    by_name = {r.teacher.name: r.honours for r in rows}
    with translation.override("en"):
        rows = selectors.teachers_day_list(actor=world["users"]["district"], year=2026)
    by_name = {r.teacher.name: r.honours for r in rows}
    assert by_name["陈静"] == ["Excellent teacher (City)", "30 years of teaching"]
    assert by_name["王芳"] == ["Backbone teacher (District)"]
    school = selectors.teachers_day_list(
        actor=world["users"]["school"], year=2026, school=world["schools"]["a"].pk
    )
    assert [r.teacher.name for r in school] == ["陈静"]
    assert selectors.teachers_day_list(actor=world["users"]["district"], year=2025) == []
