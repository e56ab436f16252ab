"""Reads for training: programmes, enrolments, records, and the 5-year cycle per teacher,
school and district (every read starts from `scope`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import NotFound
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


def may_transcript(actor, teacher: Teacher) -> bool:
    """Whether the actor may download the teacher's training transcript: the teacher
    themselves and their school (the school's scope is the caller's to check)."""
    if actor.role == Role.TEACHER:
        return getattr(actor, "teacher_profile", None) == teacher
    return actor.role == Role.SCHOOL and can(actor, "trainingrecord", "export")


def transcript_teacher(*, actor, pk: int | None = None) -> Teacher:
    """The teacher whose training transcript the actor downloads: a teacher's own (no `pk`),
    or a teacher of the school's (`pk`). The pages and the API ask here.

    PermissionDenied for a role without training records or one that may not download a
    transcript; NotFound for a teacher outside the actor's scope, or for no `pk` when the
    actor is not a teacher with a record of their own."""
    if not can(actor, "trainingrecord", "view"):
        raise PermissionDenied
    if pk is None:
        teacher = getattr(actor, "teacher_profile", None)
        if teacher is None or actor.role != Role.TEACHER:
            raise NotFound("Not found")
    else:
        teacher = teacher_for_records(actor=actor, pk=pk)
    if not may_transcript(actor, teacher):
        raise PermissionDenied
    return teacher


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


# The same evaluation for the other reads of the app (science teachers, growth paths).
cycle_statuses = _statuses


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


# --- Sessions and attendance ------------------------------------------------------------------


def session_list(*, actor, programme: Programme) -> QuerySet:
    """The sessions of a programme the actor sees."""
    from .models import Session

    return scope(Session.objects.filter(programme=programme), actor, "view").order_by(
        "date", "starts_at", "id"
    )


@dataclass
class AttendanceRow:
    enrolment: Enrolment
    marks: list  # per session: True, False or None (not marked)
    summary: object  # engines.attendance.Attendance


def attendance_grid(*, actor, programme: Programme) -> tuple[list, list[AttendanceRow]]:
    """(sessions, one row per enrolment the actor sees holding a place) with each session's
    mark and the attendance share."""
    from qiangshi.engines import attendance as engine

    from .models import Attendance

    sessions = list(session_list(actor=actor, programme=programme))
    enrolments = list(
        enrolment_list(actor=actor, filters={"programme": programme.pk}).filter(
            status__in=PLACE_HOLDING
        )
    )
    marks = {
        (a.enrolment_id, a.session_id): a.present
        for a in scope(Attendance.objects.all(), actor, "view").filter(
            enrolment__in=[e.pk for e in enrolments]
        )
    }
    rows = []
    for e in enrolments:
        row = [marks.get((e.pk, s.pk)) for s in sessions]
        summary = engine.attendance(
            engine.Mark(s.hours, m) for s, m in zip(sessions, row, strict=True)
        )
        rows.append(AttendanceRow(e, row, summary))
    return sessions, rows


def own_attendance(*, actor, teacher: Teacher) -> list[dict]:
    """A teacher's marks per programme with sessions: [{programme, sessions: [(session,
    present)], summary}] (what the teacher sees on their hours page)."""
    from qiangshi.engines import attendance as engine

    from .models import Attendance, Session

    enrolments = list(
        enrolment_list(actor=actor, filters={"teacher": teacher.pk})
        .filter(status__in=PLACE_HOLDING, programme__sessions__isnull=False)
        .distinct()
    )
    marks = dict(
        scope(Attendance.objects.filter(teacher=teacher), actor, "view").values_list(
            "session_id", "present"
        )
    )
    out = []
    for e in enrolments:
        sessions = list(Session.objects.filter(programme_id=e.programme_id))
        pairs = [(s, marks.get(s.pk)) for s in sessions]
        out.append(
            {
                "programme": e.programme,
                "sessions": pairs,
                "summary": engine.attendance(engine.Mark(s.hours, m) for s, m in pairs),
            }
        )
    return out


def min_attendance_share(on: date) -> Decimal:
    from .rules import rules_on

    return Decimal(str(rules_on(on).get("min_attendance_share", 0)))


# --- Hours entered by teachers ----------------------------------------------------------------


def claim_list(*, actor, filters: dict | None = None) -> QuerySet:
    """The hours entered by teachers the actor sees (their own; a school its teachers');
    filters: status, q (teacher or training)."""
    from .models import HoursClaim

    f = filters or {}
    qs = scope(HoursClaim.objects.select_related("teacher", "record").distinct(), actor, "view")
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(teacher__name__icontains=q) | Q(title__icontains=q))
    return qs.order_by("-created_at", "-id")


def claim_get(*, actor, pk):
    from .models import HoursClaim

    return get_in_scope(HoursClaim.objects.select_related("teacher"), actor, "view", pk=pk)


# --- Training spend ---------------------------------------------------------------------------


@dataclass
class SpendRow:
    school: School
    status: object  # engines.training_spend.SpendStatus


@dataclass
class SpendReport:
    year: int
    minimum: Decimal
    rule_version: str
    schools: list[SpendRow]
    area: object  # engines.training_spend.SpendStatus


def spend_report(
    *, actor, year: int, region: Region | None = None, school: School | None = None
) -> SpendReport:
    """Per school the actor sees (in `region` or just `school`): the year's public-funds
    budget (missing stays missing), the training spend and its share against the rule file's
    minimum; and the area's figure."""
    from qiangshi.engines import training_spend as engine

    from .models import TrainingBudget, TrainingSpend
    from .rules import rules_on

    rules = rules_on(date(year, 12, 31))
    minimum = Decimal(str(rules["min_training_spend_share"]))
    schools = scope(School.objects.select_related("district"), actor, "view")
    if region is not None:
        schools = schools.filter(district__path__startswith=region.path)
    if school is not None:
        schools = schools.filter(pk=school.pk)
    schools = list(schools.order_by("code", "pk")[:5000])
    ids = [s.pk for s in schools]
    budgets = dict(
        scope(
            TrainingBudget.objects.filter(year=year, school_id__in=ids), actor, "view"
        ).values_list("school_id", "public_budget")
    )
    spent = dict(
        scope(TrainingSpend.objects.filter(year=year, school_id__in=ids), actor, "view")
        .order_by()
        .values_list("school_id")
        .annotate(total=Sum("amount"))
    )
    rows = [
        SpendRow(s, engine.spend_status(budgets.get(s.pk), spent.get(s.pk) or Decimal(0), minimum))
        for s in schools
    ]
    area = engine.area_status([r.status for r in rows], minimum)
    return SpendReport(year, minimum, str(rules["version"]), rows, area)


def spend_list(*, actor, school: School, year: int) -> QuerySet:
    from .models import TrainingSpend

    return scope(
        TrainingSpend.objects.filter(school=school, year=year).select_related("programme"),
        actor,
        "view",
    ).order_by("-id")


# --- A school's training: charts and reminders ------------------------------------------------

HOUR_BINS = (0, 60, 120, 180, 240, 300, 360)


@dataclass
class SchoolTraining:
    report: CycleReport
    distribution: list[tuple[str, int]]  # (hours band, teachers)
    by_category: dict[str, Decimal]  # hours in the cycle, capped per teacher
    completion_over_time: list[tuple[date, float | None]]
    induction_behind: list[dict]  # teacher_id, name, induction
    open_reminders: set[tuple[int, str]]  # (teacher id, kind) not yet acknowledged


def school_training(*, actor, school: School, on: date) -> SchoolTraining:
    """A school's cycle in figures for its page: the distribution of teachers' hours, hours by
    category, the completion rate at the end of each year of the cycle so far (and today), the
    teachers at risk, new teachers behind on their induction, and the reminders still open."""
    from .models import TrainingReminder

    report = cycle_report(actor=actor, on=on, school=school)
    start, end, rules = cycle_bounds(on)
    teachers = list(
        scope(Teacher.objects.all(), actor, "view")
        .filter(employments__school=school, employments__end_date__isnull=True)
        .distinct()
        .order_by("name", "pk")
    )
    ids = [t.pk for t in teachers]
    statuses = _statuses(ids, start, on, ids)
    bands = [0] * len(HOUR_BINS)
    by_category: dict[str, Decimal] = {code: Decimal(0) for code in rules.categories}
    for status in statuses.values():
        band = sum(1 for b in HOUR_BINS[1:] if status.hours >= b)
        bands[band] += 1
        for code, hours in status.by_category.items():
            by_category[code] = by_category.get(code, Decimal(0)) + hours
    labels = [f"{lo}–{hi}" for lo, hi in zip(HOUR_BINS, HOUR_BINS[1:], strict=False)]
    labels.append(f"≥{HOUR_BINS[-1]}")
    over_time = []
    checkpoints = [
        date(y, 12, 31) for y in range(start.year, on.year) if start <= date(y, 12, 31) < on
    ] + [on]
    for day in checkpoints:
        done = _statuses_until(ids, start, day, rules)
        rate = sum(s.complete for s in done.values()) / len(done) if done else None
        over_time.append((day, rate))
    behind = []
    for t in teachers:
        if t.work_start_date is None or not start <= t.work_start_date < end:
            continue
        induction = teacher_cycle(teacher=t, on=on).induction
        if induction is not None and not induction.complete:
            behind.append({"teacher_id": t.pk, "name": t.name, "induction": induction})
    open_reminders = set(
        scope(TrainingReminder.objects.filter(teacher_id__in=ids), actor, "view")
        .filter(acknowledged_at__isnull=True)
        .values_list("teacher_id", "kind")
    )
    return SchoolTraining(
        report,
        list(zip(labels, bands, strict=True)),
        by_category,
        over_time,
        behind,
        open_reminders,
    )


def _statuses_until(ids: list[int], start: date, day: date, rules) -> dict:
    """Each teacher's cycle counting only the hours dated up to `day` (completion as it stood
    then)."""
    totals: dict[int, dict[str, Decimal]] = {pk: {} for pk in ids}
    for teacher_id, category, total in (
        TrainingRecord.objects.filter(teacher_id__in=ids, date__gte=start, date__lte=day)
        .order_by()
        .values_list("teacher_id", "category")
        .annotate(total=Sum("hours"))
    ):
        totals[teacher_id][category] = Decimal(total)
    return engine.evaluate_totals(totals, start, rules, today=day)


def school_for_training(*, actor, pk) -> School:
    return get_in_scope(School.objects.select_related("district"), actor, "view", pk=pk)


def open_reminders(*, actor, teacher: Teacher) -> QuerySet:
    """The teacher's reminders not yet acknowledged (newest first)."""
    from .models import TrainingReminder

    return scope(
        TrainingReminder.objects.filter(teacher=teacher, acknowledged_at__isnull=True),
        actor,
        "view",
    ).order_by("-created_at", "-id")


def cycle_statuses_on(teacher_ids: list[int], on: date) -> dict[int, engine.CycleStatus]:
    """Each teacher's status in the cycle holding `on` (hours after the category caps, whether
    complete), for other areas asking many teachers at once (title eligibility). Two queries
    per call at most; the teachers are the caller's (it scopes them)."""
    ids = list(teacher_ids)
    return _statuses(ids, current_cycle_start(on), on, ids)
