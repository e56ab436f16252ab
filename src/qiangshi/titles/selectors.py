"""Reads for title evaluation: rounds and applications in the actor's scope (offices their
area, a school its applicants, a teacher their own, a reviewer what was drawn for them), the
registry data an application is pre-filled with, the reviewers' pool, and a round's
statistics (one function per figure: the pages, the API and the export read them here)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.core.errors import NotFound
from qiangshi.engines import titles as engine
from qiangshi.ethics.selectors import ethics_bars
from qiangshi.org.models import RegionLevel
from qiangshi.teachers.models import Recognition, Teacher
from qiangshi.workflow.models import WorkItem

from . import eligibility
from .models import (
    PanelMember,
    ReviewerProfile,
    ReviewerRelation,
    RoundQuota,
    Score,
    TitleApplication,
    TitleRound,
    WeakSchool,
)
from .workflow import PROCESS, RECOMMENDED_ON


def round_list(*, actor, filters: dict | None = None) -> QuerySet[TitleRound]:
    """Rounds the actor may see: an office those of its area (and above it), a school or a
    teacher those covering their district, a reviewer those with an application drawn for
    them. Filters: `year`, `target`, `stage`."""
    filters = filters or {}
    qs = scope(TitleRound.objects.all(), actor, "view").select_related("region")
    for key in ("year", "target", "stage"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    return qs.order_by("-year", "region__code", "target", "stage")


def round_get(*, actor, pk) -> TitleRound:
    return get_in_scope(TitleRound.objects.select_related("region"), actor, "view", pk=pk)


def application_list(*, actor, filters: dict | None = None) -> QuerySet[TitleApplication]:
    """Applications the actor may see. Filters: `round`, `state`, `school`, `q` (name)."""
    filters = filters or {}
    qs = scope(TitleApplication.objects.all(), actor, "view").select_related(
        "teacher", "school", "district", "round"
    )
    if filters.get("round"):
        qs = qs.filter(round_id=filters["round"])
    if filters.get("school"):
        qs = qs.filter(school_id=filters["school"])
    if filters.get("q"):
        qs = qs.filter(teacher__name__icontains=filters["q"])
    if filters.get("state"):
        qs = qs.filter(
            pk__in=WorkItem.objects.filter(process=PROCESS, state=filters["state"]).values(
                "object_id"
            )
        )
    return qs.order_by("round_id", "district__code", "school__code", "pk")


def application_get(*, actor, pk) -> TitleApplication:
    return get_in_scope(
        TitleApplication.objects.select_related("teacher", "school", "district", "round"),
        actor,
        "view",
        pk=pk,
    )


def application_states(apps) -> dict[int, WorkItem]:
    """application id → its work item (state, deadline)."""
    return {
        item.object_id: item
        for item in WorkItem.objects.filter(process=PROCESS, object_id__in=[a.pk for a in apps])
    }


def state_of(app) -> str:
    item = WorkItem.objects.filter(process=PROCESS, object_id=app.pk).first()
    return item.state if item else ""


def own_application(*, actor, round_: TitleRound) -> TitleApplication | None:
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None:
        return None
    return TitleApplication.objects.filter(round=round_, teacher=teacher).first()


# --- the registry data an application is pre-filled with ------------------------------------


def prefill(teacher: Teacher, on: date, stage: str | None = None) -> tuple[dict, engine.Candidate]:
    """What the registry says for an application checked on `on`: education, the current title
    and years in it, teaching years, rural and weak-school service, training hours in the cycle,
    recognitions valid on the day and the ethics status; missing values stay None."""
    candidate = eligibility.candidates([teacher.pk], on, stage)[teacher.pk]
    education = teacher.highest_education
    years_in_title = None
    if candidate.title_since is not None:
        years_in_title = _full_years(candidate.title_since, on)
    bars = [b for b in ethics_bars(teacher, on=on) if b.kind == "title_evaluation"]
    snapshot = {
        "on": on.isoformat(),
        "education": candidate.degree,
        "institution": education.institution if education else None,
        "current_title": candidate.current_title,
        "title_obtained_on": _iso(candidate.title_since),
        "years_in_title": years_in_title,
        "work_start": _iso(candidate.work_start),
        "teaching_years": _full_years(candidate.work_start, on) if candidate.work_start else None,
        "school_location": candidate.location,
        "rural_days": candidate.rural_days,
        "weak_days": candidate.weak_days,
        "training_hours": _num(candidate.training_hours),
        "training_required": _num(candidate.training_required),
        "training_complete": candidate.training_complete,
        "recognitions": [
            {"kind": r.kind, "level": r.level, "start_date": r.start_date.isoformat()}
            for r in Recognition.objects.filter(teacher=teacher).order_by("-start_date")
            if r.is_valid_on(on)
        ],
        "ethics_barred": bool(bars),
        "ethics_barred_until": _iso(bars[0].ends_on) if bars else None,
    }
    return snapshot, candidate


def _full_years(start: date, on: date) -> int:
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def _iso(day):
    return day.isoformat() if day else None


def _num(value):
    return None if value is None else format(value.normalize(), "f")


# --- quotas, panels, scores ------------------------------------------------------------------


def quotas(round_: TitleRound) -> dict:
    """{"districts": {district id: quota}, "schools": {school id: quota}} of a round."""
    out: dict = {"districts": {}, "schools": {}}
    for q in RoundQuota.objects.filter(round=round_):
        if q.school_id:
            out["schools"][q.school_id] = q.quota
        else:
            out["districts"][q.district_id] = q.quota
    return out


def quota_rows(round_: TitleRound) -> list[RoundQuota]:
    return list(
        RoundQuota.objects.filter(round=round_)
        .select_related("district", "school")
        .order_by("district__code", "school__code")
    )


def recommended_count(round_: TitleRound, school_id: int) -> int:
    """Applications of a school recommended in a round (from the recommendation on)."""
    return WorkItem.objects.filter(
        process=PROCESS,
        state__in=RECOMMENDED_ON,
        object_id__in=TitleApplication.objects.filter(round=round_, school_id=school_id).values(
            "pk"
        ),
    ).count()


def reviewer_pool() -> list[engine.Reviewer]:
    """Every active reviewer with a profile, with their declared relations (system read: the
    draw is the offices', and the pool is never shown to applicants)."""
    related: dict[int, set[int]] = defaultdict(set)
    for reviewer, teacher in ReviewerRelation.objects.values_list("reviewer_id", "teacher_id"):
        related[reviewer].add(teacher)
    return [
        engine.Reviewer(
            id=p.user_id,
            subjects=frozenset(p.subjects),
            stages=frozenset(p.stages),
            school=p.school_id,
            district=p.district_id,
            related=frozenset(related.get(p.user_id, ())),
        )
        for p in ReviewerProfile.objects.filter(is_active=True, user__role=Role.REVIEWER)
    ]


def reviewer_profiles(*, actor, filters: dict | None = None) -> QuerySet[ReviewerProfile]:
    """The pool, for the offices that keep it: the profiles of their area and those of the
    city-wide experts (no district). Filters: `q` (name or login), `subject`, `stage`,
    `district` (id), `active` ("1" in the pool, "0" taken out)."""
    from qiangshi.access.scoping import can

    filters = filters or {}
    if not can(actor, "reviewerprofile", "view"):
        return ReviewerProfile.objects.none()
    qs = ReviewerProfile.objects.select_related("user", "school", "district")
    if actor.role != Role.ADMIN:
        if not actor.region_id:
            return ReviewerProfile.objects.none()
        qs = qs.filter(Q(district__isnull=True) | Q(district__path__startswith=actor.region.path))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(user__display_name__icontains=q) | Q(user__username__icontains=q))
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("active") in ("0", "1"):
        qs = qs.filter(is_active=filters["active"] == "1")
    profiles = qs.order_by("user__username")
    # Subjects and stages are JSON lists: filtered here, the same way on SQLite and PostgreSQL.
    for key in ("subject", "stage"):
        if value := filters.get(key):
            field = f"{key}s"
            ids = [pk for pk, codes in profiles.values_list("pk", field) if value in codes]
            profiles = profiles.filter(pk__in=ids)
    return profiles


def _profiles_writable(actor) -> Q:
    """The profiles an office may change: those of its area, and the city-wide experts (no
    district) for an office above district level."""
    if actor.role == Role.ADMIN:
        return Q()
    if not actor.region_id:
        return Q(pk__in=[])
    area = Q(district__path__startswith=actor.region.path)
    if actor.region.level != RegionLevel.DISTRICT:
        area |= Q(district__isnull=True)
    return area


def reviewer_profile_get(*, actor, pk, action: str = "view") -> ReviewerProfile:
    """One profile of the pool the actor may `action` ("view" or "change"); NotFound for a
    missing one and for one outside the actor's area alike."""
    qs = reviewer_profiles(actor=actor)
    if action != "view":
        from qiangshi.access.scoping import can

        if not can(actor, "reviewerprofile", action):
            raise NotFound("Not found")
        qs = qs.filter(_profiles_writable(actor))
    try:
        return qs.get(pk=pk)
    except (ReviewerProfile.DoesNotExist, ValueError, TypeError):
        raise NotFound("Not found") from None


def reviewer_profiles_writable(*, actor, pks) -> set[int]:
    """Which of the profiles `pks` the actor may change (for the list's buttons)."""
    from qiangshi.access.scoping import can

    if not can(actor, "reviewerprofile", "change"):
        return set()
    return set(
        reviewer_profiles(actor=actor)
        .filter(_profiles_writable(actor), pk__in=list(pks))
        .values_list("pk", flat=True)
    )


def reviewer_pending_count(reviewer) -> int:
    """Applications with the panel that the reviewer was drawn for and has not scored yet
    (they stay theirs when the reviewer is taken out of the pool)."""
    waiting = WorkItem.objects.filter(process=PROCESS, state="panel").values("object_id")
    return (
        PanelMember.objects.filter(reviewer=reviewer, application_id__in=waiting)
        .exclude(application__scores__reviewer=reviewer)
        .count()
    )


def reviewer_candidates(*, actor) -> QuerySet:
    """Expert reviewers' logins not yet in the pool (an office adds them): the accounts are
    the administrator's, the pool the offices'."""
    from qiangshi.access.models import User
    from qiangshi.access.scoping import can

    if not can(actor, "reviewerprofile", "create"):
        return User.objects.none()
    return User.objects.filter(
        role=Role.REVIEWER, is_active=True, reviewer_profile__isnull=True
    ).order_by("username")


def relation_list(*, actor, filters: dict | None = None) -> QuerySet[ReviewerRelation]:
    """Declared relations with the teachers of the actor's area (scoped through the teacher).
    Filters: `q` (teacher's or reviewer's name), `reviewer` (user id), `kind`."""
    filters = filters or {}
    qs = scope(ReviewerRelation.objects.all(), actor, "view").select_related("reviewer", "teacher")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(teacher__name__icontains=q)
            | Q(reviewer__display_name__icontains=q)
            | Q(reviewer__username__icontains=q)
        )
    if filters.get("reviewer"):
        qs = qs.filter(reviewer_id=filters["reviewer"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return qs.order_by("reviewer__username", "teacher__name", "pk")


def relation_get(*, actor, pk, action: str = "view") -> ReviewerRelation:
    return get_in_scope(
        ReviewerRelation.objects.select_related("reviewer", "teacher"), actor, action, pk=pk
    )


# --- weak schools ----------------------------------------------------------------------------

WEAK_STATUSES = ("current", "upcoming", "ended")


def weak_school_list(
    *, actor, filters: dict | None = None, today: date | None = None
) -> QuerySet[WeakSchool]:
    """Weak-school designations of the schools in the actor's area. Filters: `district` (id),
    `year` (designated at some time that year), `status` (current, upcoming or ended on
    `today`), `q` (school name or code). The end date is the first day no longer designated."""
    filters = filters or {}
    today = today or date.today()
    qs = scope(WeakSchool.objects.all(), actor, "view").select_related("school__district")
    if filters.get("district"):
        qs = qs.filter(school__district_id=filters["district"])
    if year := filters.get("year"):
        year = int(year)
        qs = qs.filter(start_date__lte=date(year, 12, 31)).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=date(year, 1, 1))
        )
    status = filters.get("status")
    if status == "current":
        qs = qs.filter(start_date__lte=today).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today)
        )
    elif status == "upcoming":
        qs = qs.filter(start_date__gt=today)
    elif status == "ended":
        qs = qs.filter(end_date__lte=today)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(school__name__icontains=q) | Q(school__code__icontains=q))
    return qs.order_by("school__district__code", "school__code", "-start_date", "pk")


def weak_school_get(*, actor, pk, action: str = "view") -> WeakSchool:
    return get_in_scope(WeakSchool.objects.select_related("school__district"), actor, action, pk=pk)


def weak_school_status(designation: WeakSchool, today: date | None = None) -> str:
    """current, upcoming or ended on `today`."""
    today = today or date.today()
    if designation.start_date > today:
        return "upcoming"
    if designation.end_date is not None and designation.end_date <= today:
        return "ended"
    return "current"


def panel(app: TitleApplication) -> list[PanelMember]:
    return list(app.panel_members.select_related("reviewer"))


def scored_by(reviewer) -> set[int]:
    """Ids of the applications the reviewer has scored."""
    return set(Score.objects.filter(reviewer=reviewer).values_list("application_id", flat=True))


def scores(app: TitleApplication) -> list[Score]:
    return list(app.scores.select_related("reviewer").order_by("reviewer__username"))


# --- statistics --------------------------------------------------------------------------------


@dataclass
class Rate:
    key: str
    label: str
    applications: int = 0
    decided: int = 0
    approved: int = 0

    @property
    def pass_rate(self) -> float | None:
        """Approved among the applications decided (approved or turned down at any step)."""
        return self.approved / self.decided if self.decided else None


@dataclass
class RoundStatistics:
    round: TitleRound
    applications: int
    by_state: dict[str, int]
    by_district: list[Rate] = field(default_factory=list)
    by_subject: list[Rate] = field(default_factory=list)
    by_location: list[Rate] = field(default_factory=list)

    @property
    def overall(self) -> Rate:
        rate = Rate("all", "")
        for r in self.by_district:
            rate.applications += r.applications
            rate.decided += r.decided
            rate.approved += r.approved
        return rate


TURNED_DOWN = {"not_approved", "not_selected", "rejected", "not_recommended"}


def round_statistics(*, actor, round_: TitleRound) -> RoundStatistics:
    """Applications of a round the actor may see, by state, and pass rates by district,
    subject and school location (rural vs town vs urban). Drafts and withdrawn applications
    are counted by state, never in a pass rate."""
    from qiangshi.org.models import Location
    from qiangshi.teachers.models import Subject

    apps = list(application_list(actor=actor, filters={"round": round_.pk}))
    states = application_states(apps)
    by_state = Counter(states[a.pk].state for a in apps if a.pk in states)
    groups: dict[str, dict[str, Rate]] = {"district": {}, "subject": {}, "location": {}}
    subjects = dict(Subject.choices)
    locations = dict(Location.choices)
    for a in apps:
        state = states[a.pk].state if a.pk in states else ""
        if state in ("draft", "withdrawn", ""):
            continue
        keys = {
            "district": (str(a.district_id), a.district.name),
            "subject": (a.subject or "-", str(subjects.get(a.subject, "—"))),
            "location": (a.school.location, str(locations.get(a.school.location, "—"))),
        }
        for group, (key, label) in keys.items():
            rate = groups[group].setdefault(key, Rate(key, label))
            rate.applications += 1
            if state == "approved":
                rate.decided += 1
                rate.approved += 1
            elif state in TURNED_DOWN:
                rate.decided += 1
    return RoundStatistics(
        round=round_,
        applications=len(apps),
        by_state=dict(by_state),
        by_district=sorted(groups["district"].values(), key=lambda r: r.label),
        by_subject=sorted(groups["subject"].values(), key=lambda r: r.label),
        by_location=sorted(groups["location"].values(), key=lambda r: r.key),
    )


def notice_list(*, actor, round_: TitleRound) -> list[TitleApplication]:
    """The applications on public notice (or past it) in a round, by rank."""
    apps = list(application_list(actor=actor, filters={"round": round_.pk}))
    states = application_states(apps)
    shown = [
        a
        for a in apps
        if a.pk in states
        and states[a.pk].state in ("notice", "objection", "approved", "not_approved")
    ]
    return sorted(shown, key=lambda a: (a.district.code, a.rank or 10**6, a.pk))
