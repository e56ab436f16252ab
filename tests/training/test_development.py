"""Part B of issue 16 against the database: growth paths from the registry, degree study and its
completion into the registry, the balance effect of degrees expected, the science teachers'
figures, the literacy aggregates, and the bulk assignment of the top recommendation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.org.models import SchoolEnrollment, SchoolFacility
from qiangshi.teachers import services as teacher_services
from qiangshi.teachers.models import EducationRecord, TeacherCurrent
from qiangshi.training import assign, degrees, growth, literacy, literacy_stats, science
from qiangshi.training.models import (
    DegreeStudyStatus,
    Enrolment,
    LiteracyAssessment,
    RecordSource,
    TrainingRecord,
)
from tests import factories

from .conftest import make_programme

TODAY = date(2026, 6, 1)


def _record(teacher, day, hours, category="centralised", enrolment=None):
    return TrainingRecord.objects.create(
        teacher=teacher,
        date=day,
        hours=Decimal(hours),
        category=category,
        title="培训",
        source=RecordSource.IMPORT,
        enrolment=enrolment,
    )


# --- Growth paths ------------------------------------------------------------------------------


def test_a_xiamen_teacher_gets_the_xiamen_paths_and_others_the_default(world):
    siming, xinluo = world["tree"]["siming"], world["tree"]["xinluo"]
    assert growth.path_file_for(siming, TODAY)["region"] == "3502"
    assert growth.path_file_for(xinluo, TODAY)["region"] == ""
    # before the Xiamen file took effect, the default applies there too
    assert growth.path_file_for(siming, date(2022, 1, 1))["region"] == ""


def test_teacher_growth_reads_titles_recognitions_and_hours_from_the_registry(world):
    admin, teacher = world["users"]["admin"], world["teachers"]["a"]
    teacher.work_start_date = date(2015, 9, 1)
    teacher.save(update_fields=["work_start_date"])
    teacher_services.teacher_record_add(
        actor=admin,
        teacher=teacher,
        kind="title",
        data={"rank": "first", "obtained_on": date(2020, 9, 1)},
    )
    _record(teacher, date(2016, 6, 1), 130)
    result = growth.teacher_growth(actor=world["users"]["school"], teacher_pk=teacher.pk, on=TODAY)
    teaching = next(r for r in result.results if r.path.code == "teaching")
    assert teaching.current.milestone.code == "qualified"
    assert teaching.milestones[1].reached_on == date(2016, 9, 1)
    assert teaching.next.milestone.code == "backbone"
    assert [c.criterion.kind for c in teaching.next.missing] == ["recognition"]

    teacher_services.teacher_record_add(
        actor=admin, teacher=teacher, kind="recognition",
        data={"kind": "backbone", "level": "district", "start_date": date(2023, 1, 1)},
    )  # fmt: skip
    result = growth.teacher_growth(actor=world["users"]["school"], teacher_pk=teacher.pk, on=TODAY)
    teaching = next(r for r in result.results if r.path.code == "teaching")
    assert teaching.current.milestone.code == "backbone"
    assert teaching.current.reached_on == date(2023, 1, 1)


def test_growth_of_a_teacher_outside_the_school_is_not_found(world):
    with pytest.raises(NotFound):
        growth.teacher_growth(
            actor=world["users"]["school"], teacher_pk=world["teachers"]["b"].pk, on=TODAY
        )


def test_school_growth_counts_each_teacher_at_their_last_milestone(world):
    a = world["schools"]["a"]
    new = factories.teacher(world["users"]["admin"], a, "周敏", work_start_date=date(2025, 9, 1))
    world["teachers"]["a"].work_start_date = date(2010, 9, 1)
    world["teachers"]["a"].save(update_fields=["work_start_date"])
    _record(world["teachers"]["a"], date(2012, 1, 1), 200)
    overview = growth.school_growth(actor=world["users"]["school"], school=a, on=TODAY)
    assert overview.total == 2
    counts = overview.counts["teaching"]
    assert counts["qualified"] == 1 and counts["new"] == 1 and counts[""] == 0
    assert {r["teacher"].pk for r in overview.teachers} == {world["teachers"]["a"].pk, new.pk}


# --- Degree upgrading ------------------------------------------------------------------------


def _study(world, teacher=None, **extra):
    values = {
        "teacher_pk": (teacher or world["teachers"]["a"]).pk,
        "level": "bachelor",
        "institution": "福建师范大学",
        "programme": "小学教育（函授）",
        "start_date": date(2024, 3, 1),
        "expected_on": date(2026, 7, 1),
    }
    values.update(extra)
    return degrees.degree_study_create(actor=world["users"]["school"], **values)


def test_a_completed_study_becomes_an_education_record_and_moves_the_projection(world):
    teacher = world["teachers"]["a"]
    study = _study(world)
    assert study.status == DegreeStudyStatus.STUDYING
    done = degrees.degree_study_complete(
        actor=world["users"]["school"], study_pk=study.pk, completed_on=date(2026, 1, 10)
    )
    record = EducationRecord.objects.get(pk=done.education_record_id)
    assert (record.level, record.end_date, record.major) == (
        "bachelor",
        date(2026, 1, 10),
        "小学教育（函授）",
    )
    assert TeacherCurrent.objects.get(teacher=teacher).education_level == "bachelor"
    assert AuditLog.objects.filter(action="training.degree_study_complete").count() == 1
    assert AuditLog.objects.filter(action="teacher.education_add").count() == 1
    with pytest.raises(ApplicationError):  # closed once
        degrees.degree_study_discontinue(actor=world["users"]["school"], study_pk=study.pk)


def test_a_study_for_a_degree_already_held_is_refused(world):
    teacher_services.teacher_record_add(
        actor=world["users"]["admin"], teacher=world["teachers"]["a"], kind="education",
        data={"level": "master", "institution": "厦门大学", "end_date": date(2012, 6, 30)},
    )  # fmt: skip
    with pytest.raises(ApplicationError) as exc:
        _study(world)
    assert "level" in exc.value.fields


def test_a_study_outside_the_school_is_not_found(world):
    with pytest.raises(NotFound):
        _study(world, teacher=world["teachers"]["b"])


def test_the_expected_completion_cannot_precede_the_start(world):
    with pytest.raises(ApplicationError) as exc:
        _study(world, expected_on=date(2023, 1, 1))
    assert "expected_on" in exc.value.fields


def _balance_data(school, year, students=100):
    SchoolEnrollment.objects.create(school=school, year=year, grade=1, students=students, classes=2)
    SchoolFacility.objects.create(
        school=school,
        year=year,
        teaching_area_m2=Decimal(500),
        sports_area_m2=Decimal(800),
        equipment_value_yuan=Decimal(200000),
        multimedia_rooms=3,
    )


def test_degree_effect_projects_the_indicator_with_the_balance_function(world):
    a = world["schools"]["a"]
    year = timezone.localdate().year - 1
    _balance_data(a, year)
    _balance_data(world["schools"]["b"], year)
    second = factories.teacher(world["users"]["admin"], a, "周敏")
    by = date(year + 2, 8, 31)
    _study(world, level="associate", expected_on=by - timedelta(days=30))  # counts
    _study(world, teacher=second, expected_on=by + timedelta(days=30))  # after the date
    effect = degrees.degree_effect(actor=world["users"]["school"], school=a, by=by)
    (primary,) = effect.stages
    assert primary.stage == "primary" and primary.minimum == 4.2
    assert primary.now == 0.0 and primary.projected == pytest.approx(1.0)  # 1 per 100 pupils
    assert primary.added == 1 and len(effect.studies) == 1

    later = degrees.degree_effect(
        actor=world["users"]["school"], school=a, by=by + timedelta(days=60)
    )
    assert later.stages[0].projected == pytest.approx(2.0)


def test_a_teacher_already_above_the_required_degree_adds_nothing(world):
    a = world["schools"]["a"]
    year = timezone.localdate().year - 1
    _balance_data(a, year)
    teacher_services.teacher_record_add(
        actor=world["users"]["admin"], teacher=world["teachers"]["a"], kind="education",
        data={"level": "associate", "institution": "集美大学", "end_date": date(2008, 6, 30)},
    )  # fmt: skip
    _study(world, level="bachelor", expected_on=date(year + 1, 6, 1))
    effect = degrees.degree_effect(
        actor=world["users"]["school"], school=a, by=date(year + 2, 1, 1)
    )
    assert effect.stages[0].now == pytest.approx(1.0)
    assert effect.stages[0].projected == pytest.approx(1.0) and not effect.studies


# --- Science teachers ------------------------------------------------------------------------


def test_science_report_counts_science_subject_teachers_and_science_programme_hours(world):
    a, district = world["schools"]["a"], world["users"]["district"]
    physics = factories.teacher(world["users"]["admin"], a, "周敏", subject="physics")
    chem = factories.teacher(
        world["users"]["admin"], world["schools"]["b"], "吴刚", subject="chemistry"
    )
    programme = make_programme(district, subject="physics", capacity=5, target_groups=[])
    enrolment = Enrolment.objects.create(programme=programme, teacher=physics, status="completed")
    today = timezone.localdate()
    start = science.selectors.cycle_bounds(today)[0]
    _record(physics, start, 24, enrolment=enrolment)
    _record(physics, start, 300, category="school_based")
    report = science.science_report(actor=district, on=today)
    assert report.total.teachers == 2  # teacher a teaches Chinese: not counted
    rows = {r.school.pk: r for r in report.schools}
    assert rows[a.pk].science_hours == Decimal(24) and rows[a.pk].trained == 1
    assert rows[world["schools"]["b"].pk].trained == 0
    assert report.total.coverage == 0.5
    assert chem.pk not in {physics.pk}
    school_view = science.science_report(actor=world["users"]["school"], on=today)
    assert school_view.total.teachers == 1


# --- Literacy aggregates -------------------------------------------------------------------


def _assess(teacher, year, value):
    answers = {code: value for code in literacy.question_codes()}
    return LiteracyAssessment.objects.create(
        teacher=teacher,
        framework_version=literacy.framework()["version"],
        year=year,
        answers=answers,
    )


def test_literacy_overview_means_histograms_and_change(world):
    a, b = world["teachers"]["a"], world["teachers"]["b"]
    _assess(a, 2025, 2)
    _assess(a, 2026, 4)
    _assess(b, 2026, 5)
    overview = literacy_stats.literacy_overview(actor=world["users"]["district"], year=2026)
    first = overview.dimensions[0][0]
    assert overview.assessed == 2 and overview.teachers == 2
    assert overview.area[first].mean == 4.5
    assert overview.histograms[first] == [0, 0, 0, 2]
    assert [(y.year, y.mean, y.change) for y in overview.trend[first]] == [
        (2025, 2.0, None),
        (2026, 4.5, 2.5),
    ]
    school = literacy_stats.literacy_overview(actor=world["users"]["school"], year=2026)
    assert school.assessed == 1 and school.area[first].mean == 4.0


# --- Bulk assignment ---------------------------------------------------------------------------


def test_bulk_assignment_uses_the_enrolment_service_with_its_waiting_list(world):
    school_user, a = world["users"]["school"], world["schools"]["a"]
    today = timezone.localdate()
    second = factories.teacher(world["users"]["admin"], a, "周敏")
    programme = make_programme(
        world["users"]["district"],
        starts_on=today + timedelta(days=10),
        ends_on=today + timedelta(days=12),
        capacity=1,
        subject="",
        stage="",
        target_groups=[],
    )
    teachers = list(assign.school_teachers(actor=school_user, school=a))
    proposals = assign.proposals(actor=school_user, teachers=teachers, on=today)
    assert {p.programme.pk for p in proposals} == {programme.pk}
    result = assign.recommendations_assign(
        actor=school_user,
        school=a,
        pairs=[(p.teacher.pk, p.programme.pk) for p in proposals],
        today=today,
    )
    assert len(result.enrolled) == 1 and len(result.waiting) == 1 and not result.refused
    assert Enrolment.objects.filter(programme=programme).count() == 2
    assert AuditLog.objects.filter(action="training.recommend_assign").count() == 1
    assert AuditLog.objects.filter(action="training.assign").count() == 2
    again = assign.recommendations_assign(
        actor=school_user, school=a, pairs=[(second.pk, programme.pk)], today=today
    )
    assert len(again.refused) == 1  # already on it


def test_bulk_assignment_of_a_teacher_of_another_school_is_not_found(world):
    today = timezone.localdate()
    programme = make_programme(
        world["users"]["district"],
        starts_on=today + timedelta(days=3),
        ends_on=today + timedelta(days=4),
    )
    with pytest.raises(NotFound):
        assign.recommendations_assign(
            actor=world["users"]["school"],
            school=world["schools"]["a"],
            pairs=[(world["teachers"]["b"].pk, programme.pk)],
            today=today,
        )
    assert not Enrolment.objects.exists()


def test_the_new_audit_actions_read_as_words():
    from django.utils import translation

    from qiangshi.web.audit_labels import action_label

    with translation.override("zh-hans"):
        assert action_label("training.degree_study_complete") == "培训：已取得学历"
        assert action_label("training.recommend_assign") == "培训：推荐培训项目已分配"
    with translation.override("en"):
        assert action_label("training.degree_study_create") == "Training: degree study recorded"
