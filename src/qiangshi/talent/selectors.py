"""Reads for talent and partnerships. Every read for a person starts from `scope()`; the two
system reads for the pilot report (`recruitment_against_plan`, `partnership_summary`) take a
region and a year and count everything at or below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.engines import talent as engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.selectors import teacher_count_by_school

from .models import (
    COUNTING,
    ActivityParticipant,
    ActivityStatus,
    Direction,
    Exchange,
    Hire,
    OlympiadResult,
    Partnership,
    PartnershipActivity,
    PartnershipKind,
    Perk,
    PerkUptake,
    RecruitmentCategory,
    RecruitmentPlan,
    RecruitmentTarget,
)


def office_covers(actor, region: Region) -> bool:
    """Whether the actor's office may change records of `region`: its own region or one below
    (a region above it it may only read)."""
    if actor.role == Role.ADMIN:
        return True
    if actor.role in (Role.BUREAU, Role.DISTRICT) and actor.region_id:
        return region.path.startswith(actor.region.path)
    return False


# --- recruitment ----------------------------------------------------------------------------


def plan_list(
    *, actor, year: int | None = None, region: int | None = None, q: str = ""
) -> QuerySet[RecruitmentPlan]:
    """The plans the actor sees (filters: year, region id, text in the region's name or the
    remarks), newest first."""
    qs = scope(RecruitmentPlan.objects.select_related("region"), actor, "view")
    if year:
        qs = qs.filter(year=year)
    if region:
        qs = qs.filter(region_id=region)
    if q := (q or "").strip():
        qs = qs.filter(Q(region__name__icontains=q) | Q(remarks__icontains=q))
    return qs.order_by("-year", "region__path", "pk")


def plan_get(*, actor, pk, action: str = "view") -> RecruitmentPlan:
    return get_in_scope(RecruitmentPlan.objects.select_related("region"), actor, action, pk=pk)


def _progress(plan_ids) -> dict[int, list[engine.PlanProgress]]:
    """Per plan: targets and counted hires per category."""
    targets = defaultdict(list)
    for plan_id, category, n in RecruitmentTarget.objects.filter(plan_id__in=plan_ids).values_list(
        "plan_id", "category", "target"
    ):
        targets[plan_id].append((category, n))
    hires = defaultdict(list)
    for plan_id, category, n in (
        Hire.objects.filter(plan_id__in=plan_ids, status__in=COUNTING)
        .values_list("plan_id", "category")
        .annotate(n=Count("id"))
        .order_by()
    ):
        hires[plan_id].append((category, n))
    return {pk: engine.progress(targets[pk], hires[pk]) for pk in plan_ids}


def plan_progress(plans) -> dict[int, dict]:
    """{plan id: {"categories": [PlanProgress], "target", "hires", "rate"}} for a page of plans."""
    by_plan = _progress([p.pk for p in plans])
    out = {}
    for pk, rows in by_plan.items():
        target = sum(r.target for r in rows)
        hires = sum(r.hires for r in rows)
        out[pk] = {
            "categories": rows,
            "target": target,
            "hires": hires,
            "rate": engine.rate(hires, target),
        }
    return out


@dataclass(frozen=True)
class SubjectProgress:
    category: str
    subject: str
    target: int
    hires: int
    rate: Decimal | None


def plan_subjects(plan: RecruitmentPlan) -> list[SubjectProgress]:
    """A plan's targets and counted hires per category and subject. Hires of a subject without
    a target of its own count towards the category's any-subject target when there is one."""
    targets = {(t.category, t.subject): t.target for t in plan.targets.all()}
    hires: dict[tuple[str, str], int] = defaultdict(int)
    for category, subject in plan.hires.filter(status__in=COUNTING).values_list(
        "category", "subject"
    ):
        key = (category, subject)
        if key not in targets and (category, "") in targets:
            key = (category, "")
        hires[key] += 1
    keys = sorted(set(targets) | set(hires))
    return [
        SubjectProgress(c, s, targets.get((c, s), 0), hires[(c, s)],
                        engine.rate(hires[(c, s)], targets.get((c, s), 0)))
        for c, s in keys
    ]  # fmt: skip


def recruitment_against_plan(region: Region, year: int) -> dict:
    """Recruitment against plan for the pilot report (system read): the targets and the counted
    hires (signed or joined) of every plan of `year` at or below `region`, per category.

    {"region": code, "year": y, "has_plan": bool,
     "categories": [{"category", "target", "hires", "rate"}], "target", "hires", "rate"}
    with `rate` = hires / target (a float), None where there is no target.
    """
    plans = list(
        RecruitmentPlan.objects.filter(region__path__startswith=region.path, year=year).values_list(
            "pk", flat=True
        )
    )
    rows: dict[str, list] = {"targets": [], "hires": []}
    for category, n in RecruitmentTarget.objects.filter(plan_id__in=plans).values_list(
        "category", "target"
    ):
        rows["targets"].append((category, n))
    for (category,) in Hire.objects.filter(plan_id__in=plans, status__in=COUNTING).values_list(
        "category"
    ):
        rows["hires"].append((category, 1))
    order = {c: i for i, c in enumerate(RecruitmentCategory.values)}
    progress = sorted(
        engine.progress(rows["targets"], rows["hires"]), key=lambda p: order.get(p.category, 99)
    )
    target = sum(p.target for p in progress)
    hires = sum(p.hires for p in progress)

    def num(value):
        return None if value is None else float(value)

    return {
        "region": region.code,
        "year": year,
        "has_plan": bool(plans),
        "categories": [
            {"category": p.category, "target": p.target, "hires": p.hires, "rate": num(p.rate)}
            for p in progress
        ],
        "target": target,
        "hires": hires,
        "rate": num(engine.rate(hires, target)),
    }


def hire_list(*, actor, filters: dict | None = None) -> QuerySet[Hire]:
    """Hires the actor sees. filters: q (name or university), year (the plan's), category,
    status, school (id)."""
    f = filters or {}
    qs = scope(Hire.objects.select_related("plan__region", "school", "teacher"), actor, "view")
    if q := (f.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(university__icontains=q))
    if f.get("year"):
        qs = qs.filter(plan__year=f["year"])
    for key in ("category", "status"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("school"):
        qs = qs.filter(school_id=f["school"])
    if f.get("plan"):
        qs = qs.filter(plan_id=f["plan"])
    return qs.order_by("-hired_on", "-pk")


# --- olympiad-coach incentives ---------------------------------------------------------------


def olympiad_list(*, actor, filters: dict | None = None) -> QuerySet[OlympiadResult]:
    """Results the actor sees. filters: q (pupil, coach or competition), year, olympiad, level,
    school (id)."""
    f = filters or {}
    qs = scope(OlympiadResult.objects.select_related("coach", "school"), actor, "view")
    if q := (f.get("q") or "").strip():
        qs = qs.filter(
            Q(pupil__icontains=q) | Q(coach__name__icontains=q) | Q(competition__icontains=q)
        )
    if f.get("year"):
        qs = qs.filter(awarded_on__year=f["year"])
    for key in ("olympiad", "level"):
        if f.get(key):
            qs = qs.filter(**{key: f[key]})
    if f.get("school"):
        qs = qs.filter(school_id=f["school"])
    return qs.order_by("-awarded_on", "-pk")


@dataclass(frozen=True)
class SchoolRewards:
    school: School
    results: int
    national: int
    coaches: int
    reward: Decimal


def olympiad_totals_by_school(*, actor, year: int | None = None) -> list[SchoolRewards]:
    """Per school: results, national prizes, coaches rewarded and the rewards, largest first."""
    qs = olympiad_list(actor=actor, filters={"year": year})
    rows = (
        qs.order_by()
        .values("school")
        .annotate(
            results=Count("id"),
            national=Count("id", filter=Q(level__startswith="national_")),
            coaches=Count("coach", distinct=True),
            reward=Sum("reward"),
        )
    )
    schools = School.objects.in_bulk([r["school"] for r in rows])
    out = [
        SchoolRewards(
            schools[r["school"]], r["results"], r["national"], r["coaches"], r["reward"] or 0
        )
        for r in rows
    ]
    out.sort(key=lambda r: (-r.reward, r.school.code))
    return out


# --- partnerships ---------------------------------------------------------------------------


def partnership_list(
    *, actor, kind: str | None = None, q: str = "", year: int | None = None
) -> QuerySet[Partnership]:
    """Partnerships the actor sees (filters: kind, text in title or partner, running in year),
    with their people and activities counted."""
    qs = scope(Partnership.objects.select_related("region"), actor, "view")
    if kind:
        qs = qs.filter(kind=kind)
    if q := (q or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(partner__icontains=q))
    if year:
        qs = qs.filter(starts_on__year__lte=year).filter(
            Q(ends_on__isnull=True) | Q(ends_on__year__gte=year)
        )
    return qs.annotate(
        sent=Count("people", filter=Q(people__direction=Direction.SENT), distinct=True),
        received=Count("people", filter=Q(people__direction=Direction.RECEIVED), distinct=True),
        activity_count=Count("activities", distinct=True),
    ).order_by("-starts_on", "-pk")


def partnership_get(*, actor, pk) -> Partnership:
    return get_in_scope(Partnership.objects.select_related("region"), actor, "view", pk=pk)


def activity_get(*, actor, pk) -> PartnershipActivity:
    return get_in_scope(
        PartnershipActivity.objects.select_related("partnership__region"), actor, "view", pk=pk
    )


def activity_participants(activity: PartnershipActivity) -> QuerySet[ActivityParticipant]:
    return activity.participants.select_related("teacher").order_by("teacher__name", "pk")


def participation_list(*, actor) -> QuerySet[ActivityParticipant]:
    """The partnership activities of the teachers the actor sees (a teacher: their own), with
    the hours credited."""
    return scope(
        ActivityParticipant.objects.select_related("activity__partnership", "teacher"),
        actor,
        "view",
    ).order_by("-activity__starts_on", "-pk")


def partnership_summary(region: Region, year: int) -> dict:
    """Partnership counts for the pilot report (system read): partnerships of regions at or
    below `region` running in `year`, per kind and in total — people sent and received in the
    year, confirmed activities held in it, their hours, teachers' participations and the
    training hours credited.

    {"region": code, "year": y, "kinds": [{"kind", "partnerships", "sent", "received",
     "activities", "activity_hours", "participations", "credited_hours"}], "total": {...}}
    """
    running = Partnership.objects.filter(
        region__path__startswith=region.path, starts_on__year__lte=year
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__year__gte=year))
    blank = {
        "partnerships": 0,
        "sent": 0,
        "received": 0,
        "activities": 0,
        "activity_hours": 0.0,
        "participations": 0,
        "credited_hours": 0.0,
    }
    kinds = {k: dict(blank) for k in PartnershipKind.values}
    for kind, n in running.values_list("kind").annotate(n=Count("id")).order_by():
        kinds[kind]["partnerships"] = n
    people = Exchange.objects.filter(partnership__in=running, starts_on__year=year)
    for kind, direction, n in (
        people.values_list("partnership__kind", "direction").annotate(n=Count("id")).order_by()
    ):
        kinds[kind][direction] += n
    activities = PartnershipActivity.objects.filter(
        partnership__in=running, status=ActivityStatus.CONFIRMED, starts_on__year=year
    )
    for kind, n, hours in (
        activities.values_list("partnership__kind")
        .annotate(n=Count("id"), hours=Sum("hours"))
        .order_by()
    ):
        kinds[kind]["activities"] = n
        kinds[kind]["activity_hours"] = float(hours or 0)
    for kind, n, hours in (
        ActivityParticipant.objects.filter(activity__in=activities)
        .values_list("activity__partnership__kind")
        .annotate(n=Count("id"), hours=Sum("credited_hours"))
        .order_by()
    ):
        kinds[kind]["participations"] = n
        kinds[kind]["credited_hours"] = float(hours or 0)
    total = {key: sum(k[key] for k in kinds.values()) for key in blank}
    return {
        "region": region.code,
        "year": year,
        "kinds": [{"kind": k, **v} for k, v in kinds.items()],
        "total": total,
    }


# --- teacher perks --------------------------------------------------------------------------


def perk_list(*, actor, q: str = "", current_on=None) -> QuerySet[Perk]:
    """Perks the actor sees (their region's and those of the regions above), with the teachers
    who took each up in the actor's area; filters: text, running on a date."""
    qs = scope(Perk.objects.select_related("region"), actor, "view")
    if q := (q or "").strip():
        qs = qs.filter(
            Q(name__icontains=q) | Q(provider__icontains=q) | Q(eligibility__icontains=q)
        )
    if current_on:
        qs = qs.filter(starts_on__lte=current_on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=current_on)
        )
    return qs.order_by("-starts_on", "name", "pk")


def perk_get(*, actor, pk) -> Perk:
    return get_in_scope(Perk.objects.select_related("region"), actor, "view", pk=pk)


def uptake_list(*, actor, perk: Perk | None = None, school: int | None = None):
    qs = scope(PerkUptake.objects.select_related("perk", "school", "teacher"), actor, "view")
    if perk is not None:
        qs = qs.filter(perk=perk)
    if school:
        qs = qs.filter(school_id=school)
    return qs.order_by("-on", "-pk")


@dataclass(frozen=True)
class SchoolUptake:
    school: School
    perk: Perk
    taken: int
    teachers: int
    share: Decimal | None  # taken / teachers at the school; None when it has none on record


def uptake_by_school(*, actor, perk: Perk | None = None) -> list[SchoolUptake]:
    """Take-up per school and perk in the actor's area: teachers who took the perk up (counts
    recorded plus teachers recorded one by one), the school's teachers and the share."""
    rows = (
        uptake_list(actor=actor, perk=perk)
        .order_by()
        .values("school", "perk")
        .annotate(taken=Sum("count"))
    )
    rows = list(rows)
    schools = School.objects.in_bulk({r["school"] for r in rows})
    perks = Perk.objects.in_bulk({r["perk"] for r in rows})
    counts = teacher_count_by_school(list(schools))
    out = [
        SchoolUptake(
            schools[r["school"]],
            perks[r["perk"]],
            r["taken"],
            counts.get(r["school"], 0),
            engine.rate(r["taken"], counts.get(r["school"], 0)),
        )
        for r in rows
    ]
    out.sort(key=lambda u: (u.school.code, u.perk.name))
    return out
