"""Reads for training: programmes, enrolments, records, and the 5-year cycle per teacher,
school and district (every read starts from `scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.engines import training as engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Employment, Teacher

from .models import PLACE_HOLDING, Enrolment, EnrolmentStatus, Programme, TrainingRecord
from .rules import current_cycle_start, cycle_rules


def programme_list(*, actor, filters: dict | None = None) -> QuerySet[Programme]:
    """The programmes the actor may see, newest first, with `taken` (places held) and
    `waiting` counts; filters: q (title or provider), level, category, subject, stage, mode,
    open ("1": not yet ended)."""
    f = filters or {}
    qs = scope(Programme.objects.select_related("region"), actor, "view")
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(provider__icontains=q))
    for key in ("level", "category", "subject", "stage", "mode"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("open"):
        qs = qs.filter(ends_on__gte=f.get("today") or date.today())
    return qs.annotate(
        taken=Count("enrolments", filter=Q(enrolments__status__in=PLACE_HOLDING)),
        waiting=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.WAITING)),
    ).order_by("-starts_on", "id")


def programme_get(*, actor, pk) -> Programme:
    return get_in_scope(programme_list(actor=actor), actor, "view", pk=pk)


def enrolment_list(*, actor, filters: dict | None = None) -> QuerySet[Enrolment]:
    """The enrolments of the teachers the actor may see; filters: programme (id), status,
    teacher (id)."""
    f = filters or {}
    qs = scope(Enrolment.objects.select_related("programme", "teacher").distinct(), actor, "view")
    if f.get("programme"):
        qs = qs.filter(programme_id=f["programme"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("teacher"):
        qs = qs.filter(teacher_id=f["teacher"])
    return qs.order_by("programme__starts_on", "created_at", "id")


def enrolment_get(*, actor, pk) -> Enrolment:
    return get_in_scope(
        Enrolment.objects.select_related("programme", "teacher").distinct(), actor, "view", pk=pk
    )


def own_enrolments(*, actor) -> dict[int, Enrolment]:
    """The teacher's own enrolments by programme id (empty for other roles)."""
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None:
        return {}
    return {e.programme_id: e for e in Enrolment.objects.filter(teacher=teacher)}


def record_list(*, actor, teacher_pk=None) -> QuerySet[TrainingRecord]:
    """The training records the actor may see (one teacher's with `teacher_pk`)."""
    qs = scope(TrainingRecord.objects.select_related("teacher").distinct(), actor, "view")
    if teacher_pk is not None:
        qs = qs.filter(teacher_id=teacher_pk)
    return qs.order_by("-date", "-id")


def teacher_for_records(*, actor, pk) -> Teacher:
    """A teacher whose records the actor may see (NotFound outside scope)."""
    return get_in_scope(Teacher.objects.all(), actor, "view", pk=pk)


# --- The cycle ------------------------------------------------------------------------------


def cycle_bounds(on: date, start: date | None = None) -> tuple[date, date, engine.CycleRules]:
    """(start, end exclusive, rules) of the cycle holding `on` (or starting on `start`)."""
    start = start or current_cycle_start(on)
    rules = cycle_rules(start)
    return start, engine.cycle_end(start, rules), rules


def _statuses(teacher_ids, start: date, on: date, ids: list[int]) -> dict[int, engine.CycleStatus]:
    """Each teacher's cycle from `start`, evaluated on `on`, from the hours summed per
    category in the database; `teacher_ids` selects the records (a list or a subquery of
    ids), `ids` are the teachers to evaluate."""
    _, end, rules = cycle_bounds(on, start)
    sums = (
        TrainingRecord.objects.filter(teacher_id__in=teacher_ids, date__gte=start, date__lt=end)
        .order_by()
        .values_list("teacher_id", "category")
        .annotate(total=Sum("hours"))
    )
    totals: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    for teacher_id, category, total in sums:
        if teacher_id in totals:
            totals[teacher_id][category] = Decimal(total)
    return engine.evaluate_totals(totals, start, rules, today=on)


@dataclass
class TeacherCycle:
    status: engine.CycleStatus
    induction: engine.InductionStatus | None


def teacher_cycle(*, teacher: Teacher, on: date, start: date | None = None) -> TeacherCycle:
    """A teacher's cycle (the one holding `on` unless `start` is given), and their induction
    when they started work within the cycle (a new teacher)."""
    start, end, rules = cycle_bounds(on, start)
    status = _statuses([teacher.pk], start, on, [teacher.pk])[teacher.pk]
    began = teacher.work_start_date
    induction = None
    if began is not None and start <= began < end:
        hours = [
            engine.Hours(str(teacher.pk), d, h, c)
            for d, h, c in TrainingRecord.objects.filter(teacher=teacher).values_list(
                "date", "hours", "category"
            )
        ]
        induction = engine.induction(hours, began, rules)
    return TeacherCycle(status, induction)


@dataclass
class ReportRow:
    school: School
    teachers: int = 0
    complete: int = 0
    at_risk: int = 0

    @property
    def completion_rate(self) -> float | None:
        return self.complete / self.teachers if self.teachers else None


@dataclass
class CycleReport:
    start: date
    end: date
    on: date
    rule_version: str
    required_hours: Decimal
    schools: list[ReportRow] = field(default_factory=list)
    at_risk: list[dict] = field(default_factory=list)  # teacher, school, status

    @property
    def teachers(self) -> int:
        return sum(r.teachers for r in self.schools)

    @property
    def complete(self) -> int:
        return sum(r.complete for r in self.schools)

    @property
    def at_risk_count(self) -> int:
        return sum(r.at_risk for r in self.schools)

    @property
    def completion_rate(self) -> float | None:
        return self.complete / self.teachers if self.teachers else None


def cycle_report(
    *, actor, on: date, region: Region | None = None, school: School | None = None
) -> CycleReport:
    """Completion of the cycle holding `on` per school, over the current teachers the actor
    may see (in `region` or `school` when given), with the teachers at risk (not complete,
    and their pace so far falls short at the cycle's end)."""
    start, end, rules = cycle_bounds(on)
    jobs = Employment.objects.filter(end_date__isnull=True)
    if actor is not None:  # None: a system operator (the command line)
        jobs = jobs.filter(teacher__in=scope(Teacher.objects.all(), actor, "view").values("pk"))
    if region is not None:
        jobs = jobs.filter(school__district__path__startswith=region.path)
    if school is not None:
        jobs = jobs.filter(school=school)
    triples = list(jobs.order_by().values_list("teacher_id", "school_id", "teacher__name"))
    statuses = _statuses(jobs.values("teacher_id"), start, on, [t for t, _, _ in triples])
    schools = School.objects.in_bulk({s for _, s, _ in triples})
    names = {t: name for t, _, name in triples}
    rows: dict[int, ReportRow] = {}
    report = CycleReport(start, end, on, rules.version, rules.required_hours)
    for teacher_id, school_id, _name in triples:
        row = rows.setdefault(school_id, ReportRow(schools[school_id]))
        status = statuses[teacher_id]
        row.teachers += 1
        row.complete += status.complete
        if status.at_risk:
            row.at_risk += 1
            report.at_risk.append(
                {
                    "teacher_id": teacher_id,
                    "name": names[teacher_id],
                    "school": schools[school_id],
                    "status": status,
                }
            )
    report.schools = sorted(rows.values(), key=lambda r: r.school.code)
    report.at_risk.sort(
        key=lambda t: (-t["status"].projected_shortfall, t["school"].code, t["name"])
    )
    return report


# --- Digital literacy -----------------------------------------------------------------------


def literacy_assessment(*, teacher: Teacher, year: int):
    """The teacher's self-assessment of `year` under the framework in force, or None."""
    from .literacy import framework
    from .models import LiteracyAssessment

    return LiteracyAssessment.objects.filter(
        teacher=teacher, framework_version=framework()["version"], year=year
    ).first()


def literacy_history(*, teacher: Teacher) -> list[dict]:
    """Per year assessed: the dimension scores (change over time)."""
    from .literacy import dimension_scores, framework
    from .models import LiteracyAssessment

    return [
        {"year": a.year, "dimensions": dimension_scores(a.answers)}
        for a in LiteracyAssessment.objects.filter(
            teacher=teacher, framework_version=framework()["version"]
        ).order_by("year")
    ]


def recommendations(*, actor, teacher: Teacher, on: date, limit: int = 5):
    """The programmes the teacher may enrol on (those `actor` sees), ranked by the
    recommendation engine from their latest self-assessment and their cycle."""
    from qiangshi.engines import recommend as rec

    from .literacy import indicator_scores, scale

    assessment = literacy_assessment(teacher=teacher, year=on.year) or (
        teacher.literacy_assessments.order_by("-year").first()
    )
    cycle = teacher_cycle(teacher=teacher, on=on).status
    rules = cycle_bounds(on)[2]
    room = {
        code: float(rule.cap - cycle.by_category.get(code, 0))
        for code, rule in rules.categories.items()
        if rule.cap is not None
    }
    job = teacher.current_employment
    school = job.school if job else None
    groups = set()
    if teacher.work_start_date and (on - teacher.work_start_date).days < 3 * 365:
        groups.add("new_teachers")
    if job and job.is_homeroom:
        groups.add("homeroom_teachers")
    if job and job.main_subject in ("science", "physics", "chemistry", "biology", "geography"):
        groups.add("science_teachers")
    needs = rec.TeacherNeeds(
        scores=indicator_scores(assessment.answers) if assessment else {},
        shortfall=float(cycle.shortfall),
        category_room=room,
        below_minimum=set(cycle.category_shortfall),
        subject=job.main_subject if job else "",
        stage=school.stage if school else "",
        groups=frozenset(groups),
        enrolled=frozenset(
            teacher.training_enrolments.exclude(status=EnrolmentStatus.WITHDRAWN).values_list(
                "programme_id", flat=True
            )
        ),
        scale=tuple(float(x) for x in scale()),
    )
    programmes = {
        p.pk: p
        for p in programme_list(actor=actor, filters={"open": "1", "today": on}).filter(
            starts_on__gte=on
        )[:500]
    }
    offers = [
        rec.Offer(
            p.pk,
            hours=float(p.hours),
            category=p.category,
            covers=tuple(p.covers),
            starts_on=p.starts_on,
            subject=p.subject,
            stage=p.stage,
            target_groups=tuple(p.target_groups),
            places_left=p.capacity - p.taken,
        )
        for p in programmes.values()
    ]
    return [
        (programmes[r.offer.id], r) for r in rec.recommend(needs, offers, today=on, limit=limit)
    ]


def cycle_statuses(teacher_ids: list[int], on: date) -> dict[int, engine.CycleStatus]:
    """Each teacher's status in the cycle holding `on` (hours after the category caps, whether
    complete), for other areas asking many teachers at once (title eligibility). Two queries
    per call at most; the teachers are the caller's (it scopes them)."""
    ids = list(teacher_ids)
    return _statuses(ids, current_cycle_start(on), on, ids)
