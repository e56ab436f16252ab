"""Science teachers' training (加大科学类学科教师培训力度): per school and for the area, the
science-subject teachers (which subjects count: the parameter file `science/*.json`), their
hours in the current cycle, the share keeping the cycle's pace, and the hours they took on
science programmes (a programme for a science subject or for the science-teacher target group).

Reads only; the cycle figures come from the same function as the cycle report
(`selectors.cycle_statuses`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db.models import Sum

from qiangshi.access.scoping import scope
from qiangshi.core import rulefiles
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Employment, Teacher

from . import selectors
from .models import Programme, TargetGroup, TrainingRecord

PARAMS_DIR = Path(__file__).resolve().parent / "science"


def science_parameters(on: date) -> dict:
    """The science-subject parameter set in force on `on`."""
    return rulefiles.in_force(PARAMS_DIR, on)


def science_programme_ids(subjects) -> list[int]:
    """Programmes for science teachers: for a science subject, or for the science-teacher
    target group (read in Python: a JSON list's "contains" is not portable to SQLite)."""
    wanted = set(subjects)
    return [
        pk
        for pk, subject, groups in Programme.objects.values_list("pk", "subject", "target_groups")
        if subject in wanted or TargetGroup.SCIENCE_TEACHERS in (groups or [])
    ]


@dataclass
class ScienceRow:
    school: School | None  # None: the area's total
    teachers: int = 0
    on_pace: int = 0
    complete: int = 0
    hours: Decimal = Decimal(0)
    science_hours: Decimal = Decimal(0)
    trained: int = 0  # teachers with some science-programme hours in the cycle

    @property
    def on_pace_share(self) -> float | None:
        return self.on_pace / self.teachers if self.teachers else None

    @property
    def hours_per_teacher(self) -> Decimal | None:
        return (self.hours / self.teachers).quantize(Decimal("0.1")) if self.teachers else None

    @property
    def science_hours_per_teacher(self) -> Decimal | None:
        if not self.teachers:
            return None
        return (self.science_hours / self.teachers).quantize(Decimal("0.1"))

    @property
    def coverage(self) -> float | None:
        """The share of science teachers with hours from a science programme in the cycle."""
        return self.trained / self.teachers if self.teachers else None

    def add(self, other: ScienceRow) -> None:
        for name in ("teachers", "on_pace", "complete", "hours", "science_hours", "trained"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class ScienceReport:
    on: date
    start: date
    end: date
    rule_version: str
    parameters: dict
    schools: list[ScienceRow] = field(default_factory=list)
    total: ScienceRow = field(default_factory=lambda: ScienceRow(None))
    programmes: list = field(default_factory=list)  # open science programmes of the area


def science_report(
    *, actor, on: date, region: Region | None = None, school: School | None = None
) -> ScienceReport:
    """The science teachers' training per school over the current teachers the actor may see
    (in `region` or `school` when given)."""
    params = science_parameters(on)
    subjects = params["subjects"]
    start, end, rules = selectors.cycle_bounds(on)
    jobs = Employment.objects.filter(end_date__isnull=True, main_subject__in=subjects)
    if actor is not None:
        jobs = jobs.filter(teacher__in=scope(Teacher.objects.all(), actor, "view").values("pk"))
    if region is not None:
        jobs = jobs.filter(school__district__path__startswith=region.path)
    if school is not None:
        jobs = jobs.filter(school=school)
    pairs = list(jobs.order_by().values_list("teacher_id", "school_id"))
    ids = [t for t, _ in pairs]
    programme_ids = science_programme_ids(subjects)
    statuses = selectors.cycle_statuses(jobs.values("teacher_id"), start, on, ids)
    science_hours = dict(
        TrainingRecord.objects.filter(
            teacher_id__in=jobs.values("teacher_id"),
            date__gte=start,
            date__lt=end,
            enrolment__programme_id__in=programme_ids,
        )
        .order_by()
        .values_list("teacher_id")
        .annotate(total=Sum("hours"))
    )
    schools = School.objects.in_bulk({s for _, s in pairs})
    rows: dict[int, ScienceRow] = {}
    report = ScienceReport(on, start, end, rules.version, params)
    for teacher_id, school_id in pairs:
        row = rows.setdefault(school_id, ScienceRow(schools[school_id]))
        status = statuses[teacher_id]
        row.teachers += 1
        row.complete += status.complete
        row.on_pace += status.complete or status.projected_shortfall == 0
        row.hours += status.hours
        extra = Decimal(science_hours.get(teacher_id) or 0)
        row.science_hours += extra
        row.trained += extra > 0
    report.schools = sorted(rows.values(), key=lambda r: r.school.code)
    for row in report.schools:
        report.total.add(row)
    if actor is not None:
        report.programmes = list(
            selectors.programme_list(actor=actor, filters={"open": "1", "today": on}).filter(
                pk__in=programme_ids
            )[:50]
        )
    return report
