"""Degree upgrading (学历提升): teachers studying for a higher degree, their completion (which
writes the degree into the teacher's history through `teachers.services`, keeping the
`TeacherCurrent` projection right), and the effect on the balance indicator "teachers above the
required degree per 100 pupils" (POLICY §1) when those expected to finish by a date do so.

Writes (`degree_study_*`) validate, run in one transaction and are audited, as in
`services.py`; reads start from `scope`. Kept in a module of its own beside them.

The projected indicator is computed by the balance module's own function
(`balance.selectors.stage_reports`, with the new higher-degree teachers as teacher changes):
the same function behind the balance pages, so "now" here is the number the balance page shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.balance import selectors as balance
from qiangshi.balance.rules import rule_set_on
from qiangshi.core.errors import ApplicationError, translated
from qiangshi.core.services import audit_record
from qiangshi.org.models import School
from qiangshi.teachers import services as teacher_services
from qiangshi.teachers.models import EDUCATION_RANK, EducationLevel, StudyMode, Teacher

from .models import DegreeStudy, DegreeStudyStatus

INDICATOR = "higher_degree_teachers_per_100"


def _error(message, field: str | None = None) -> ApplicationError:
    return translated(message, None, fields={field: message} if field else None)


def _highest_completed(teacher: Teacher, on: date) -> str | None:
    levels = teacher.education_records.filter(
        Q(end_date__lte=on) | Q(end_date__isnull=True, end_date_missing=True)
    ).values_list("level", flat=True)
    return max(levels, key=EDUCATION_RANK.__getitem__, default=None)


@transaction.atomic
def degree_study_create(
    *,
    actor,
    teacher_pk,
    level: str,
    institution: str,
    programme: str,
    start_date: date,
    expected_on: date,
    study_mode: str = StudyMode.IN_SERVICE,
) -> DegreeStudy:
    """Record that a teacher (of the actor's area) studies for a degree above the highest one
    they hold."""
    if not can(actor, "degreestudy", "create"):
        raise PermissionDenied
    teacher = get_in_scope(Teacher.objects.all(), actor, "change", pk=teacher_pk)
    if level not in EducationLevel.values:
        raise _error(_("Choose one of the listed values."), "level")
    if study_mode not in StudyMode.values:
        raise _error(_("Choose one of the listed values."), "study_mode")
    institution, programme = (institution or "").strip(), (programme or "").strip()
    if not institution or len(institution) > 120:
        raise _error(_("Name the institution (at most 120 characters)."), "institution")
    if not programme or len(programme) > 120:
        raise _error(_("Name the programme of study (at most 120 characters)."), "programme")
    if start_date is None or expected_on is None:
        raise _error(_("Enter a date (YYYY-MM-DD)."), "expected_on")
    if expected_on < start_date:
        raise _error(_("The expected completion is before the start."), "expected_on")
    held = _highest_completed(teacher, start_date)
    if held is not None and EDUCATION_RANK[level] <= EDUCATION_RANK[held]:
        raise _error(_("The teacher already holds this degree or a higher one."), "level")
    if teacher.degree_studies.filter(level=level, status=DegreeStudyStatus.STUDYING).exists():
        raise _error(_("The teacher already studies for this degree."), "level")
    study = DegreeStudy.objects.create(
        teacher=teacher,
        level=level,
        institution=institution,
        programme=programme,
        study_mode=study_mode,
        start_date=start_date,
        expected_on=expected_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="training.degree_study_create",
        target=study,
        changes={
            "level": [None, level],
            "institution": [None, institution],
            "expected_on": [None, expected_on.isoformat()],
        },
    )
    return study


def _studying(actor, study_pk) -> DegreeStudy:
    if not can(actor, "degreestudy", "change"):
        raise PermissionDenied
    study = get_in_scope(DegreeStudy.objects.all(), actor, "change", pk=study_pk)
    study = DegreeStudy.objects.select_for_update().get(pk=study.pk)
    if study.status != DegreeStudyStatus.STUDYING:
        raise _error(_("This study is already closed."))
    return study


@transaction.atomic
def degree_study_complete(*, actor, study_pk, completed_on: date) -> DegreeStudy:
    """The teacher obtained the degree on `completed_on`: it becomes an education record of
    their history (through `teachers.services.teacher_record_add`, which refreshes the
    teacher's current highest degree)."""
    study = _studying(actor, study_pk)
    if completed_on is None or completed_on < study.start_date:
        raise _error(_("The degree cannot be obtained before the study started."), "completed_on")
    record = teacher_services.teacher_record_add(
        actor=actor,
        teacher=study.teacher,
        kind="education",
        data={
            "level": study.level,
            "institution": study.institution,
            "major": study.programme,
            "study_mode": study.study_mode,
            "start_date": study.start_date,
            "end_date": completed_on,
        },
    )
    study.status = DegreeStudyStatus.COMPLETED
    study.completed_on = completed_on
    study.education_record = record
    study.save(update_fields=["status", "completed_on", "education_record", "updated_at"])
    audit_record(
        actor=actor,
        action="training.degree_study_complete",
        target=study,
        changes={
            "status": [DegreeStudyStatus.STUDYING, DegreeStudyStatus.COMPLETED],
            "completed_on": [None, completed_on.isoformat()],
        },
    )
    return study


@transaction.atomic
def degree_study_discontinue(*, actor, study_pk) -> DegreeStudy:
    """The teacher stopped studying: the study is closed without a degree."""
    study = _studying(actor, study_pk)
    study.status = DegreeStudyStatus.DISCONTINUED
    study.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="training.degree_study_discontinue",
        target=study,
        changes={"status": [DegreeStudyStatus.STUDYING, DegreeStudyStatus.DISCONTINUED]},
    )
    return study


# --- Reads ----------------------------------------------------------------------------------


def degree_study_list(*, actor, filters: dict | None = None) -> QuerySet[DegreeStudy]:
    """The degree studies of the teachers the actor may see; filters: q (teacher's name or
    institution), status, level, school (id), due (expected on or before, a date)."""
    f = filters or {}
    qs = scope(DegreeStudy.objects.select_related("teacher").distinct(), actor, "view")
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(teacher__name__icontains=q) | Q(institution__icontains=q))
    for key in ("status", "level"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("school"):
        qs = qs.filter(
            teacher__employments__school_id=f["school"], teacher__employments__end_date=None
        )
    if f.get("due"):
        qs = qs.filter(expected_on__lte=f["due"])
    return qs.order_by("expected_on", "id")


def degree_study_get(*, actor, pk) -> DegreeStudy:
    return get_in_scope(
        DegreeStudy.objects.select_related("teacher").distinct(), actor, "view", pk=pk
    )


@dataclass
class StageEffect:
    stage: str
    minimum: float
    now: float | None
    projected: float | None
    added: float  # teachers newly above the required degree


@dataclass
class DegreeEffect:
    school: School
    year: int
    by: date
    rule_set: str
    stages: list[StageEffect]
    studies: list[DegreeStudy]  # those expected to finish by `by` that count


def _parts(school: School) -> tuple[str, ...]:
    return tuple(p for p in balance.SCHOOL_PARTS.get(school.stage, ()) if p in balance.STAGES)


def projected_changes(
    studies: list[DegreeStudy], school: School, on: date, rules
) -> tuple[dict, list[DegreeStudy]]:
    """The teacher changes for `balance.stage_reports` when these studies end in their degree:
    a full-time teacher of the school whose degree moves from below the rule set's level for a
    stage to at or above it adds one higher-degree teacher to that stage part (to the whole
    school, spread by enrollment, when it crosses the level of every part). Returns the changes
    and the studies that count."""
    parts = _parts(school)
    changes: dict[tuple[str, str | None], dict[str, float]] = defaultdict(
        lambda: {"higher_degree_teachers": 0.0}
    )
    counted = []
    for study in studies:
        job = study.teacher.current_employment
        if job is None or job.school_id != school.pk or not job.is_full_time_teacher:
            continue
        held = _highest_completed(study.teacher, on)
        crossed = [
            p
            for p in parts
            if EDUCATION_RANK[study.level] >= EDUCATION_RANK[rules.higher_degree_min_level[p]]
            and (
                held is None
                or EDUCATION_RANK[held] < EDUCATION_RANK[rules.higher_degree_min_level[p]]
            )
        ]
        if not crossed:
            continue
        key = (school.code, None if len(crossed) == len(parts) else crossed[0])
        if len(parts) == 1:
            key = (school.code, parts[0])
        changes[key]["higher_degree_teachers"] += 1
        counted.append(study)
    return dict(changes), counted


def degree_effect(*, actor, school: School, by: date, year: int | None = None) -> DegreeEffect:
    """The school's "teachers above the required degree per 100 pupils" now and when the
    studies expected to finish by `by` do so (the school year: the latest with enrollment)."""
    school = get_in_scope(School.objects.select_related("district"), actor, "view", pk=school.pk)
    years = balance.enrollment_years(school.district)
    year = year or (years[0] if years else by.year)
    on = balance.default_on(year)
    rules = rule_set_on(on)
    studies = list(
        scope(DegreeStudy.objects.select_related("teacher"), actor, "view")
        .filter(
            status=DegreeStudyStatus.STUDYING,
            expected_on__lte=by,
            teacher__employments__school=school,
            teacher__employments__end_date=None,
        )
        .distinct()
        .order_by("expected_on", "id")
    )
    changes, counted = projected_changes(studies, school, on, rules)
    before = balance.stage_reports(district=school.district, year=year)
    after = balance.stage_reports(district=school.district, year=year, changes=changes)
    stages = []
    for stage in _parts(school):

        def value(reports, stage=stage):
            result = reports.get(stage)
            row = (
                next((s for s in result.schools if s.code == school.code), None) if result else None
            )
            return row.values.get(INDICATOR) if row else None

        added = sum(
            d["higher_degree_teachers"]
            for (code, part), d in changes.items()
            if part in (stage, None)
        )
        minimum = rules.minimums[stage][INDICATOR] if stage in rules.minimums else None
        stages.append(StageEffect(stage, minimum, value(before), value(after), added))
    return DegreeEffect(school, year, by, rules.version, stages, counted)
