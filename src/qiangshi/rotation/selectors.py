"""Reads for rotation planning: who is eligible (and why not), and the registry adapter that
turns a district's or city's schools and teachers into the optimiser's input.

Eligibility on a date `on` (the plan's effective date), rules from rules/rotation-*.json:
- in scope (POLICY §8): a full-time teacher on a teaching post, or a principal, with an open
  employment of an employment type the rules name (established by default) at an active public
  school of the region's compulsory stages, teaching its primary or junior part (a teacher of the
  senior part of a twelve-year school is out: "senior-high"); private schools are out;
- the stage taught: the school's stage, or for a nine- or twelve-year school the stage of the
  teacher's latest teaching load up to the plan's year (as the balance module counts them); a
  teacher with no stage or no subject on record is not moved ("stage missing", "subject
  missing"), nor one whose teaching certificates do not cover the stage taught;
- `min_years_at_school` full years at the current school on `on`, counting back through earlier
  employments at the same school with gaps of at most `tenure_gap_days` (a change of contract is
  not a new start); a principal needs `principal_terms` full terms at the school where the
  school leadership record holds their terms (leadership.selectors.principal_full_terms), and
  else, for schools without a recorded term, `principal_terms` × `principal_term_years` years;
- not within `retirement_margin_years` of their retirement date (the forecast's retirement table,
  by gender and birth month);
- personnel status not in `excluded_statuses` (on leave, seconded);
- not barred from rotation by ethics on `on` (`ethics_bars`: during an active sanction);
- no exemption for the year.
Each excluded teacher gets every reason that applies.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.balance.rules import rule_set_on
from qiangshi.balance.selectors import district_cvs, evaluation_years
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.engines import forecast as fc
from qiangshi.engines import rotation as engine
from qiangshi.ethics.selectors import barred_teacher_ids
from qiangshi.leadership.selectors import principal_full_terms
from qiangshi.org.models import Ownership, Region, RegionLevel, School, SchoolEnrollment, Stage
from qiangshi.staffing.selectors import current_school_year, district_staffing
from qiangshi.teachers.models import (
    EDUCATION_RANK,
    Certificate,
    EducationRecord,
    Employment,
    PostCategory,
    Recognition,
    Teacher,
    TeachingLoad,
)

from .models import (
    PlanStatus,
    RotationDecision,
    RotationExemption,
    RotationMove,
    RotationPlan,
    RotationPreference,
)
from .rules import rules_on, rules_version

COMPULSORY = (Stage.PRIMARY, Stage.JUNIOR, Stage.NINE_YEAR, Stage.TWELVE_YEAR)
PART_GRADES = {"primary": range(1, 7), "junior": range(7, 10)}

REASONS = {
    "private": gettext_lazy("Private school: outside the rotation"),
    "not_teaching": gettext_lazy("Not a teaching post (administrative, auxiliary or logistics)"),
    "part_time": gettext_lazy("Not a full-time teacher"),
    "senior": gettext_lazy("Teaches senior high school: outside the rotation"),
    "stage_missing": gettext_lazy("No stage taught on record (teaching load)"),
    "subject_missing": gettext_lazy("No subject on record"),
    "certificate": gettext_lazy("No teaching certificate for the stage taught"),
    "years": gettext_lazy("Fewer than %(years)s years at this school"),
    "start_missing": gettext_lazy(
        "Start date at this school missing: the years at the school cannot be counted"
    ),
    "principal_years": gettext_lazy("Principal for fewer than %(years)s years at this school"),
    "principal_terms": gettext_lazy(
        "Principal for fewer than %(terms)s full terms at this school (leadership record)"
    ),
    "retirement": gettext_lazy("Within %(years)s years of retirement"),
    "status": gettext_lazy("On leave or seconded"),
    "sanction": gettext_lazy("Active ethics sanction"),
    "exempt": gettext_lazy("Exempted: %(reason)s"),
    "employment_type": gettext_lazy("Not an established post"),
}

REASON_SHORT = {
    "private": gettext_lazy("Private school"),
    "not_teaching": gettext_lazy("Not a teaching post"),
    "part_time": gettext_lazy("Not full-time"),
    "senior": gettext_lazy("Senior-high"),
    "stage_missing": gettext_lazy("Stage missing"),
    "subject_missing": gettext_lazy("Subject missing"),
    "certificate": gettext_lazy("Certificate"),
    "years": gettext_lazy("Too few years at the school"),
    "start_missing": gettext_lazy("Start date missing"),
    "principal_years": gettext_lazy("Principal for under two terms"),
    "principal_terms": gettext_lazy("Principal for under two full terms"),
    "retirement": gettext_lazy("Near retirement"),
    "status": gettext_lazy("On leave or seconded"),
    "sanction": gettext_lazy("Ethics sanction"),
    "exempt": gettext_lazy("Exempted"),
    "employment_type": gettext_lazy("Not established"),
}


def default_effective_date(year: int) -> date:
    """Rotations take effect at the start of the school year."""
    return date(year, 9, 1)


# --- regions ----------------------------------------------------------------------------------


def plan_regions(actor) -> list[Region]:
    """Districts and cities the actor may plan for (their own area): offices and the
    administrator only."""
    if actor.role not in (Role.ADMIN, Role.BUREAU, Role.DISTRICT):
        return []
    regions = scope(Region.objects.all(), actor, "view").filter(
        level__in=(RegionLevel.DISTRICT, RegionLevel.CITY)
    )
    if actor.role in (Role.BUREAU, Role.DISTRICT) and actor.region_id:
        regions = regions.filter(path__startswith=actor.region.path)
    return list(regions.order_by("path"))


def region_for(actor, code: str) -> Region:
    """A district or city in the actor's area, by code (NotFound otherwise)."""
    for region in plan_regions(actor):
        if region.code == code:
            return region
    raise NotFound(_("Not found"))


def districts_of(region: Region) -> list[Region]:
    if region.level == RegionLevel.DISTRICT:
        return [region]
    return list(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=region.path).order_by(
            "code"
        )
    )


# --- eligibility --------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A teacher on the roll of one of the region's schools, with what eligibility needs."""

    teacher_id: int
    name: str
    gender: str
    birth_date: date
    status: str
    school_id: int
    employment_type: str
    subject: str
    is_principal: bool
    is_full_time: bool
    since: date | None  # at the current school since (contiguous employments); None: not given
    post_category: str = "teaching"
    stage: str = ""  # the stage taught: primary, junior (senior: out of scope), "" unknown
    certified_stages: frozenset[str] = frozenset()
    years: int = 0
    reasons: list[str] = field(default_factory=list)
    reason_texts: list[str] = field(default_factory=list)
    is_backbone: bool = False
    has_higher_degree: bool = False
    is_pe_arts: bool = False

    @property
    def eligible(self) -> bool:
        return not self.reasons


def _full_years(start: date, on: date) -> int:
    years = on.year - start.year - ((on.month, on.day) < (start.month, start.day))
    return max(years, 0)


def _schools(regions: list[Region], actor=None) -> QuerySet:
    qs = School.objects.filter(
        district__in=regions, is_active=True, stage__in=COMPULSORY
    ).select_related("district")
    if actor is not None:
        qs = scope(qs, actor, "view")
    return qs.order_by("code")


def candidates(
    region: Region, year: int, *, on: date | None = None, rules: dict | None = None, actor=None
) -> tuple[list[School], list[Candidate]]:
    """The region's compulsory schools and every teacher on their roll, each with eligibility
    reasons and the three indicator flags. A fixed number of queries whatever the size."""
    on = on or default_effective_date(year)
    rules = rules or rules_on(on)
    elig = rules["eligibility"]
    schools = list(_schools(districts_of(region), actor))
    stage_of = {s.pk: s.stage for s in schools}
    private = {s.pk for s in schools if s.ownership == Ownership.PRIVATE}
    balance_rules = rule_set_on(on)

    on_roll = Employment.objects.filter(school__in=_schools(districts_of(region), actor))
    on_roll = on_roll.filter(end_date__isnull=True)
    current = list(
        on_roll.values_list(
            "teacher_id",
            "teacher__name",
            "teacher__gender",
            "teacher__birth_date",
            "teacher__personnel_status",
            "school_id",
            "employment_type",
            "main_subject",
            "is_principal",
            "is_full_time_teacher",
            "start_date",
            "post_category",
        )
    )
    # The teachers as a subquery (not a list of ids: tens of thousands of parameters are slow).
    teacher_ids = on_roll.values("teacher_id")
    # Earlier employments, to count tenure back through contiguous records at the same school.
    history: dict[int, list[tuple[int, date, date | None]]] = defaultdict(list)
    for tid, sid, start, end in (
        Employment.objects.filter(teacher_id__in=teacher_ids, end_date__isnull=False)
        .order_by("teacher_id", "-start_date")
        .values_list("teacher_id", "school_id", "start_date", "end_date")
    ):
        history[tid].append((sid, start, end))

    # The stage taught at a nine- or twelve-year school: the latest teaching load up to the
    # plan's year (the later term first), as the balance module counts the parts.
    load_stage: dict[int, str] = {}
    for tid, stage in (
        TeachingLoad.objects.filter(teacher_id__in=teacher_ids, school_year__lte=year)
        .order_by("teacher_id", "-school_year", "-term")
        .values_list("teacher_id", "stage")
    ):
        load_stage.setdefault(tid, stage)
    certified: dict[int, set[str]] = defaultdict(set)
    for tid, stage in Certificate.objects.filter(teacher_id__in=teacher_ids).values_list(
        "teacher_id", "stage"
    ):
        certified[tid].add(stage)
    gap = timedelta(days=int(elig["tenure_gap_days"]))
    sanctioned = barred_teacher_ids(teacher_ids, on, "rotation")
    exempt = dict(
        RotationExemption.objects.filter(teacher_id__in=teacher_ids, year=year).values_list(
            "teacher_id", "reason"
        )
    )
    backbone = set(
        Recognition.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            teacher_id__in=teacher_ids,
            kind__in=balance_rules.backbone_kinds,
            level__in=balance_rules.backbone_levels,
            start_date__lte=on,
        ).values_list("teacher_id", flat=True)
    )
    best_education: dict[int, int] = {}
    for tid, level in EducationRecord.objects.filter(
        Q(end_date__lte=on) | Q(end_date_missing=True),  # graduated, date unknown
        teacher_id__in=teacher_ids,
    ).values_list("teacher_id", "level"):
        rank = EDUCATION_RANK.get(level, 0)
        if rank > best_education.get(tid, -1):
            best_education[tid] = rank
    retirement = fc.load_parameters().retirement
    margin_years = int(elig["retirement_margin_years"])
    min_years = int(elig["min_years_at_school"])
    principal_terms = int(elig["principal_terms"])
    principal_years = int(elig["principal_term_years"]) * principal_terms
    # The terms recorded by the school leadership module, where there are (the years at the
    # school stand in for the terms of a principal with none recorded).
    terms_served = principal_full_terms(_schools(districts_of(region), actor), on)
    types = set(elig["employment_types"])
    statuses = set(elig["excluded_statuses"])
    pe_arts = set(balance_rules.pe_arts_subjects)

    texts = {key: str(text) for key, text in REASONS.items()}  # translated once
    result = []
    for (
        teacher_id, name, gender, birth_date, status, school_id, employment_type, subject,
        is_principal, is_full_time, start_date, post_category,
    ) in current:  # fmt: skip
        since = start_date  # None: never given, so the tenure cannot be counted
        for sid, start, end in history.get(teacher_id, ()) if since is not None else ():
            if start is None:
                break
            if start >= since:
                continue
            if sid == school_id and end is not None and end + gap >= since:
                since = start
            else:
                break
        c = Candidate(
            teacher_id=teacher_id,
            name=name,
            gender=gender,
            birth_date=birth_date,
            status=status,
            school_id=school_id,
            employment_type=employment_type,
            subject=subject or "",
            is_principal=is_principal,
            is_full_time=is_full_time,
            since=since,
            years=_full_years(since, on) if since is not None else 0,
            post_category=post_category,
            certified_stages=frozenset(certified.get(teacher_id, ())),
        )
        school_stage = stage_of[school_id]
        if school_stage in (Stage.PRIMARY, Stage.JUNIOR):
            c.stage = school_stage
        else:
            c.stage = load_stage.get(teacher_id, "")
        if school_id in private:
            c.reasons.append("private")
            c.reason_texts.append(texts["private"])
        if not c.is_principal:
            if c.post_category != PostCategory.TEACHING:
                c.reasons.append("not_teaching")
                c.reason_texts.append(texts["not_teaching"])
            elif not c.is_full_time:
                c.reasons.append("part_time")
                c.reason_texts.append(texts["part_time"])
            if c.stage == Stage.SENIOR:
                c.reasons.append("senior")
                c.reason_texts.append(texts["senior"])
            elif not c.stage:
                c.reasons.append("stage_missing")
                c.reason_texts.append(texts["stage_missing"])
            elif c.stage not in c.certified_stages:
                c.reasons.append("certificate")
                c.reason_texts.append(texts["certificate"])
            if not c.subject:
                c.reasons.append("subject_missing")
                c.reason_texts.append(texts["subject_missing"])
        if c.employment_type not in types:
            c.reasons.append("employment_type")
            c.reason_texts.append(texts["employment_type"])
        needed = principal_years if c.is_principal else min_years
        served = terms_served.get((teacher_id, school_id)) if c.is_principal else None
        if served is not None:
            if served < principal_terms:
                c.reasons.append("principal_terms")
                c.reason_texts.append(texts["principal_terms"] % {"terms": principal_terms})
        elif c.since is None:
            c.reasons.append("start_missing")
            c.reason_texts.append(texts["start_missing"])
        elif c.years < needed:
            key = "principal_years" if c.is_principal else "years"
            c.reasons.append(key)
            c.reason_texts.append(texts[key] % {"years": needed})
        try:
            retires = retirement.retirement_date(gender, birth_date)
        except ValueError:
            retires = None
        if retires is not None and retires <= _add_years(on, margin_years):
            c.reasons.append("retirement")
            c.reason_texts.append(texts["retirement"] % {"years": margin_years})
        if c.status in statuses:
            c.reasons.append("status")
            c.reason_texts.append(texts["status"])
        if teacher_id in sanctioned:
            c.reasons.append("sanction")
            c.reason_texts.append(texts["sanction"])
        if teacher_id in exempt:
            c.reasons.append("exempt")
            c.reason_texts.append(texts["exempt"] % {"reason": exempt[teacher_id]})
        level = balance_rules.higher_degree_min_level.get(
            "junior" if c.stage == Stage.JUNIOR else "primary"
        )
        c.is_backbone = teacher_id in backbone
        c.has_higher_degree = c.is_full_time and best_education.get(
            teacher_id, -1
        ) >= EDUCATION_RANK.get(level, 99)
        c.is_pe_arts = c.is_full_time and c.subject in pe_arts
        result.append(c)
    result.sort(key=lambda c: (c.school_id, c.name, c.teacher_id))
    return schools, result


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class SchoolEligibility:
    school: School
    teachers: int
    eligible: int  # teachers (principals apart)
    backbone_eligible: int
    is_sending: bool
    excluded_by_reason: dict[str, int]
    principals_eligible: int = 0


def eligibility_summary(
    region: Region, year: int, *, actor=None, on: date | None = None
) -> tuple[list[SchoolEligibility], list[Candidate], dict]:
    """Per school: teachers, eligible, eligible backbone teachers, exclusions by reason, and
    whether the school sends (its location is one the rules name); plus the candidates."""
    on = on or default_effective_date(year)
    rules = rules_on(on)
    schools, people = candidates(region, year, on=on, rules=rules, actor=actor)
    sending = set(rules["quotas"]["sending_locations"])
    by_school: dict[int, list[Candidate]] = defaultdict(list)
    for c in people:
        by_school[c.school_id].append(c)
    rows = []
    for s in schools:
        staff = by_school.get(s.pk, [])
        reasons: dict[str, int] = defaultdict(int)
        for c in staff:
            for r in c.reasons:
                reasons[r] += 1
        rows.append(
            SchoolEligibility(
                school=s,
                teachers=len(staff),
                eligible=sum(c.eligible and not c.is_principal for c in staff),
                backbone_eligible=sum(
                    c.eligible and c.is_backbone and not c.is_principal for c in staff
                ),
                is_sending=s.location in sending and s.ownership != Ownership.PRIVATE,
                excluded_by_reason=dict(reasons),
                principals_eligible=sum(c.eligible and c.is_principal for c in staff),
            )
        )
    return rows, people, rules


def quota_summary(rows: list[SchoolEligibility], rules: dict) -> dict[str, Any]:
    """The year's minimum number of rotations (per sending school, rounded up, and summed; or
    of the district as a whole with quota_scope "district") and of backbone teachers among
    them; the principals' target apart."""
    q = rules["quotas"]
    eligible = sum(r.eligible for r in rows if r.is_sending)
    share = q["rotation_share"]
    if q.get("quota_scope", "district") == "school":
        minimum = sum(math.ceil(share * r.eligible - 1e-9) for r in rows if r.is_sending)
    else:
        minimum = math.ceil(share * eligible - 1e-9)
    principals = sum(r.principals_eligible for r in rows)
    per_district: dict[int, int] = defaultdict(int)
    for r in rows:
        per_district[r.school.district_id] += r.principals_eligible
    principal_target = sum(
        math.ceil(float(q.get("principal_share", 0)) * n - 1e-9)
        for n in per_district.values()
        if n >= 2
    )
    backbone_eligible = sum(r.backbone_eligible for r in rows if r.is_sending)
    if q.get("backbone_denominator") == "eligible":
        backbone = math.ceil(q["backbone_share"] * backbone_eligible - 1e-9)
    else:
        backbone = math.ceil(q["backbone_share"] * minimum - 1e-9)
    return {
        "sending_eligible": eligible,
        "minimum_rotations": minimum,
        "backbone_eligible": backbone_eligible,
        "minimum_backbone": backbone,
        "rotation_share": q["rotation_share"],
        "backbone_share": q["backbone_share"],
        "rotation_percent": round(q["rotation_share"] * 100, 1),
        "backbone_percent": round(q["backbone_share"] * 100, 1),
        "backbone_denominator": q.get("backbone_denominator", "rotating"),
        "quota_scope": q.get("quota_scope", "district"),
        "principals_eligible": principals,
        "principal_target": principal_target,
    }


# --- the optimiser's input -------------------------------------------------------------------


@dataclass
class PlanInput:
    schools: list[engine.School]
    teachers: list[engine.Teacher]
    params: engine.Params
    school_by_id: dict[str, School]
    candidate_by_id: dict[str, Candidate]
    rules: dict
    needs: dict[str, dict[str, int]]
    uncoverable: dict[str, dict[str, int]] = field(default_factory=dict)
    time_limit_set: bool = False  # the plan (or the command) set its own time limit


def _subject_needs(
    classes: dict[int, dict[int, int]], people: list[Candidate], cap: int
) -> dict[int, dict[str, int]]:
    """Teachers lacking per school and subject: the curriculum's demand for the school's classes
    (school → grade → classes, of its latest enrollment year; periods per subject ÷ the standard
    weekly load) minus the full-time teachers of that main subject, whole teachers only, at most
    `cap` per subject."""
    params = fc.load_parameters()
    curriculum = fc.load_curriculum()
    stage_grades = params.stage_grades
    staff: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in people:
        if c.is_full_time and c.subject:
            staff[c.school_id][c.subject] += 1
    needs: dict[int, dict[str, int]] = {}
    for sid, by_grade in classes.items():
        try:
            demand = fc.teacher_demand(
                by_grade, curriculum, params.weekly_load, stage_grades=stage_grades
            )
        except ValueError:  # a grade the curriculum has no row for: no need can be told
            continue
        total: dict[str, float] = defaultdict(float)
        for by_subject in demand.values():
            for subject, value in by_subject.items():
                total[subject] += value
        lacking = {}
        for subject, value in total.items():
            if subject in curriculum.shared_subjects:
                continue
            short = math.floor(value - staff[sid].get(subject, 0) + 1e-9)
            if short >= 1 and cap > 0:
                lacking[subject] = min(short, cap)
        if lacking:
            needs[sid] = lacking
    return needs


SCHOOL_STAGES = {
    Stage.PRIMARY: ("primary",),
    Stage.JUNIOR: ("junior",),
    Stage.NINE_YEAR: ("primary", "junior"),
    Stage.TWELVE_YEAR: ("primary", "junior"),  # the compulsory parts
}


def _main_part(school: School, students: dict[str, int]) -> str:
    """The stage whose CV a school's teachers weigh on most: its own, or a nine- or twelve-year
    school's larger compulsory part."""
    if school.stage in (Stage.PRIMARY, Stage.JUNIOR):
        return school.stage
    return "junior" if students.get("junior", 0) > students.get("primary", 0) else "primary"


def _teaches(schools: list[School], people: list[Candidate]) -> dict[int, frozenset]:
    """(stage, subject) pairs each school teaches: the curriculum's subjects of the grades of its
    compulsory parts, and the subjects its teachers teach now in each stage (POLICY §8: a teacher
    goes where their subject is taught or needed)."""
    params = fc.load_parameters()
    curriculum = fc.load_curriculum()
    by_stage: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for grade, periods in curriculum.periods.items():
        stage = fc.stage_of_grade(grade, params.stage_grades)
        for subject, n in periods.items():
            if n and subject not in curriculum.shared_subjects:
                by_stage[stage].add((stage, subject))
    taught: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for c in people:
        if c.subject and c.stage:
            taught[c.school_id].add((c.stage, c.subject))
    out = {}
    for s in schools:
        pairs = set(taught.get(s.pk, ()))
        for stage in SCHOOL_STAGES[s.stage]:
            pairs |= by_stage.get(stage, set())
        out[s.pk] = frozenset(pairs)
    return out


def _weighted_minimums(school: School, students: dict[str, int], minimums) -> tuple:
    keys = engine.INDICATORS
    total = sum(students.values())
    if not total:
        stage = "junior" if school.stage == Stage.JUNIOR else "primary"
        return tuple(float(minimums[stage][k]) for k in keys)
    return tuple(
        sum(float(minimums[stage][k]) * n for stage, n in students.items()) / total for k in keys
    )


def plan_input(
    region: Region,
    year: int,
    *,
    on: date | None = None,
    rules: dict | None = None,
    overrides: dict | None = None,
    decisions: list[RotationDecision] | None = None,
) -> PlanInput:
    """Read the region into the optimiser's dataclasses (as a system read: callers check that
    the actor may plan for the region). `overrides` may set origins/destinations (district
    codes: only moves from an origin district to a destination district are allowed),
    max_distance_km, quota_scope, subject_needs (bool), exchange (bool: receiving districts
    may send teachers back, default true) and time_limit."""
    on = on or default_effective_date(year)
    rules = rules or rules_on(on)
    overrides = overrides or {}
    balance_rules = rule_set_on(on)
    schools, people = candidates(region, year, on=on, rules=rules)
    # Private schools are outside the rotation: neither their staff nor their places.
    schools = [s for s in schools if s.ownership != Ownership.PRIVATE]
    school_by_pk = {s.pk: s for s in schools}
    people = [c for c in people if c.school_id in school_by_pk]
    appointments = set(overrides.get("appointments") or [])
    sending_locations = set(rules["quotas"]["sending_locations"])
    origins = set(overrides.get("origins") or [])
    destinations = set(overrides.get("destinations") or [])

    # Students per stage part and classes per grade, of each school's latest enrollment year.
    students: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    classes: dict[int, dict[int, int]] = defaultdict(dict)
    latest: dict[int, int] = {}
    enrollment = list(
        SchoolEnrollment.objects.filter(
            school_id__in=list(school_by_pk), year__lte=year, grade__lte=9
        ).values_list("school_id", "year", "grade", "students", "classes")
    )
    for sid, y, _grade, _n, _c in enrollment:
        latest[sid] = max(latest.get(sid, y), y)
    for sid, y, grade, n, c in enrollment:
        if latest[sid] == y:
            part = "primary" if grade in PART_GRADES["primary"] else "junior"
            students[sid][part] += n
            if c:
                classes[sid][grade] = c

    staffing_year = min(year, current_school_year())
    quota: dict[int, tuple[int, int]] = {}
    for district in districts_of(region):
        try:
            report = district_staffing(actor=None, district=district, year=staffing_year)
        except (ApplicationError, NotFound):
            continue
        for row in report.schools:
            quota[row.school_id] = (row.effective_quota, row.position.established)

    cap = int(overrides.get("subject_need_cap", rules["constraints"]["subject_need_cap"]))
    needs_pk = _subject_needs(classes, people, cap) if overrides.get("subject_needs", True) else {}

    # Needs are for receiving schools, and only for subjects some eligible teacher of a sending
    # school teaches: a subject nobody can bring is for recruitment, not rotation (listed apart).
    def sends(school: School) -> bool:
        if origins or destinations:
            return school.district.code in origins
        return school.location in sending_locations

    # How many eligible teachers of the sending schools teach each subject (principals apart):
    # the needs rotation can meet, the largest first; the rest is for recruitment.
    offered: dict[str, int] = defaultdict(int)
    for c in people:
        if c.eligible and not c.is_principal and sends(school_by_pk[c.school_id]):
            offered[c.subject] += 1
    uncoverable: dict[int, dict[str, int]] = defaultdict(dict)
    for sid in list(needs_pk):
        school = school_by_pk[sid]
        if sends(school) or (destinations and school.district.code not in destinations):
            del needs_pk[sid]
    wanted = sorted(
        ((n, sid, j) for sid, by_subject in needs_pk.items() for j, n in by_subject.items()),
        key=lambda x: (-x[0], school_by_pk[x[1]].code, x[2]),
    )
    for n, sid, j in wanted:
        met = min(n, offered.get(j, 0))
        offered[j] = offered.get(j, 0) - met
        if met < n:
            uncoverable[sid][j] = n - met
        if met:
            needs_pk[sid][j] = met
        else:
            del needs_pk[sid][j]
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in people:
        t = totals[c.school_id]
        t[0] += c.has_higher_degree
        t[1] += c.is_backbone
        t[2] += c.is_pe_arts

    established_at: dict[int, int] = defaultdict(int)
    principal_at: set[int] = set()
    for c in people:
        if c.employment_type == "established":
            established_at[c.school_id] += 1
        if c.is_principal:
            principal_at.add(c.school_id)
    teaches = _teaches(schools, people)
    eng_schools = []
    for s in schools:
        district_code = s.district.code
        sending = sends(s)
        mins = _weighted_minimums(s, dict(students.get(s.pk, {})), balance_rules.minimums)
        established = established_at.get(s.pk, 0)
        q, staff = quota.get(s.pk, (established, established))
        t = totals[s.pk]
        eng_schools.append(
            engine.School(
                id=str(s.pk),
                district=district_code,
                enrollment=float(sum(students.get(s.pk, {}).values())),
                quota=int(q),
                staff=int(staff),
                lat=float(s.latitude or 0),
                lon=float(s.longitude or 0),
                needs_subjects=dict(needs_pk.get(s.pk, {})),
                is_sending=sending,
                higher_degree_teachers=t[0],
                backbone_teachers=t[1],
                pe_arts_teachers=t[2],
                min_higher_degree_per_100=mins[0],
                min_backbone_per_100=mins[1],
                min_pe_arts_per_100=mins[2],
                stages=frozenset(SCHOOL_STAGES[s.stage]),
                balance_group=f"{district_code}:{_main_part(s, students.get(s.pk, {}))}",
                teaches=teaches[s.pk],
                has_principal=s.pk in principal_at,
                appoint_principal=s.code in appointments,
            )
        )

    preferences = {
        teacher_id: tuple(str(pk) for pk in schools)
        for teacher_id, schools in RotationPreference.objects.filter(
            year=year, teacher__employments__school__in=list(school_by_pk)
        )
        .distinct()
        .values_list("teacher_id", "schools")
        if schools
    }
    fixed: dict[int, list[RotationDecision]] = defaultdict(list)
    for d in decisions or ():
        fixed[d.teacher_id].append(d)
    eng_teachers = []
    for c in people:
        kw: dict[str, Any] = {}
        forbidden = set()
        for d in fixed.get(c.teacher_id, ()):
            if d.kind == "must":
                kw["fixed"] = "must"
                if d.school_id:
                    kw["fixed_school"] = str(d.school_id)
            elif d.kind == "must_not":
                kw["fixed"] = "must_not"
            elif d.kind == "not_to" and d.school_id:
                forbidden.add(str(d.school_id))
        eng_teachers.append(
            engine.Teacher(
                id=str(c.teacher_id),
                school=str(c.school_id),
                subject=c.subject,
                is_backbone=c.is_backbone,
                has_higher_degree=c.has_higher_degree,
                is_pe_arts=c.is_pe_arts,
                years_at_school=c.years,
                eligible=c.eligible or kw.get("fixed") == "must",
                forbidden_schools=frozenset(forbidden),
                preference=preferences.get(c.teacher_id),
                stage=c.stage if c.stage in ("primary", "junior") else "",
                certified_stages=c.certified_stages,
                is_principal=c.is_principal,
                **kw,
            )
        )

    cons = rules["constraints"]
    quotas = rules["quotas"]
    weights = rules["weights"]
    solver = rules["solver"]
    max_km = overrides.get("max_distance_km", cons.get("max_distance_km"))
    pairs = None
    if origins or destinations:
        # Teachers of the sending districts go to the receiving ones; with an exchange (the
        # default) teachers of the receiving districts may go the other way, so that staffing
        # stays within its band. Only the sending districts' moves count for the quotas.
        pairs = {(o, d) for o in origins for d in destinations}
        if overrides.get("exchange", True):
            pairs |= {(d, o) for o in origins for d in destinations}
        pairs = frozenset(pairs)
    params = engine.Params(
        rotation_share=float(quotas["rotation_share"]),
        backbone_share=float(quotas["backbone_share"]),
        backbone_denominator=quotas.get("backbone_denominator", "rotating"),
        quota_scope=overrides.get("quota_scope", quotas.get("quota_scope", "district")),
        backbone_scope=quotas.get("backbone_scope", "group"),
        unmeetable_quota=quotas.get("unmeetable_quota", "infeasible"),
        principal_share=float(quotas.get("principal_share", 0.0)),
        max_moves=overrides.get("max_moves"),
        quota_tolerance=float(cons["quota_tolerance"]),
        flow=overrides.get("flow", quotas.get("flow", "sending_out")),
        max_distance_km=None if max_km in (None, "") else float(max_km),
        allowed_pairs=pairs,
        w_shortfall=float(weights["shortfall"]),
        w_cv=float(weights["cv"]),
        w_distance=float(weights["distance"]),
        w_preference=float(weights["preference"]),
        w_move=float(weights["move"]),
        time_limit=float(overrides.get("time_limit", solver["time_limit"])),
        mip_rel_gap=float(solver["mip_rel_gap"]),
        threads=int(solver["threads"]),
    )
    return PlanInput(
        schools=eng_schools,
        teachers=eng_teachers,
        params=params,
        school_by_id={str(s.pk): s for s in schools},
        candidate_by_id={str(c.teacher_id): c for c in people},
        rules=rules,
        needs={str(k): v for k, v in needs_pk.items() if v},
        uncoverable={str(k): v for k, v in uncoverable.items()},
        time_limit_set="time_limit" in overrides,
    )


# --- plans ---------------------------------------------------------------------------------------


PLANNERS = (Role.ADMIN, Role.BUREAU, Role.DISTRICT)


def _own_moves(actor) -> Q | None:
    """The moves a school administrator or a teacher may see in a published plan: those of
    their school (in and out), or their own. None for the planning offices (every move)."""
    if actor.role == Role.SCHOOL:
        return Q(origin_id=actor.school_id) | Q(destination_id=actor.school_id)
    if actor.role == Role.TEACHER:
        teacher = getattr(actor, "teacher_profile", None)
        return Q(teacher_id=teacher.pk if teacher is not None else -1)
    return None


def plan_list(actor, *, region: Region | None = None, year: int | None = None) -> QuerySet:
    """Plans the actor may open. Offices: the plans of their area, every status. A school
    administrator or a teacher: a published (or effective) plan with a move of their school or
    their own, or one whose public notice is on today."""
    qs = scope(RotationPlan.objects.select_related("region"), actor, "view")
    own = _own_moves(actor)
    if own is not None:
        today = date.today()
        concerned = RotationMove.objects.filter(own).values("plan_id")
        qs = qs.filter(status__in=(PlanStatus.PUBLISHED, PlanStatus.EFFECTIVE)).filter(
            Q(pk__in=concerned) | Q(notice_start__lte=today, notice_end__gte=today)
        )
    if region is not None:
        qs = qs.filter(region=region)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def plan_get(actor, pk) -> RotationPlan:
    try:
        return plan_list(actor).get(pk=pk)
    except (RotationPlan.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("Not found")) from None


def plan_moves(plan: RotationPlan) -> QuerySet:
    return plan.moves.select_related("teacher", "origin", "destination", "origin__district")


def plan_moves_for(actor, plan: RotationPlan) -> QuerySet:
    """The moves of a plan (from `plan_get`) the actor may see in full (reason, flags): every
    move for the planning offices; a school administrator those into and out of their school,
    a teacher their own (a plan reaches them only once published)."""
    own = _own_moves(actor)
    moves = plan_moves(plan)
    if own is None:
        return moves if actor.role in PLANNERS else moves.none()
    return moves.filter(own)


def plan_notice(actor, plan: RotationPlan, today: date | None = None) -> QuerySet | None:
    """The public notice of a plan (公示): every move's teacher, from-school and to-school, while
    the notice period the bureau set is on; None outside it. Callers show those three columns
    only."""
    if not plan.notice_open(today or date.today()):
        return None
    return (
        plan.moves.select_related("teacher", "origin", "destination")
        .only("id", "teacher__name", "origin__name", "destination__name", "is_principal")
        .order_by("origin__name", "teacher__name", "id")
    )


def my_moves(actor) -> QuerySet:
    """A teacher's own moves in published or effective plans."""
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None:
        return RotationMove.objects.none()
    return (
        RotationMove.objects.filter(
            teacher=teacher, plan__status__in=(PlanStatus.PUBLISHED, PlanStatus.EFFECTIVE)
        )
        .select_related("plan", "plan__region", "origin", "destination")
        .order_by("-plan__year")
    )


def my_preference(actor, year: int) -> RotationPreference | None:
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None:
        return None
    return RotationPreference.objects.filter(teacher=teacher, year=year).first()


def preference_choices(actor) -> list[School]:
    """The schools a teacher may name: active compulsory schools of their city but their own."""
    teacher = getattr(actor, "teacher_profile", None)
    school = teacher.current_school if teacher is not None else None
    if school is None:
        return []
    city = school.district.parent or school.district
    return list(
        School.objects.filter(
            is_active=True, stage__in=COMPULSORY, district__path__startswith=city.path
        )
        .exclude(pk=school.pk)
        .select_related("district")
        .order_by("district__code", "name")
    )


def resolve_teacher(actor, plan: RotationPlan, text: str) -> int:
    """A teacher of the plan's region by ID or exact name (ApplicationError if none or several)."""
    text = (text or "").strip()
    if text.isdigit():
        return int(text)
    found = list(
        scope(Teacher.objects.all(), actor, "view")
        .filter(
            name=text,
            employments__end_date__isnull=True,
            employments__school__district__path__startswith=plan.region.path,
        )
        .distinct()
        .values_list("pk", flat=True)[:11]
    )
    if len(found) == 1:
        return found[0]
    if not found:
        raise ApplicationError(
            _("No teacher named %(name)s works in %(region)s.")
            % {"name": text, "region": plan.region.name},
            fields={"teacher": text},
        )
    raise ApplicationError(
        _("Several teachers are named %(name)s (IDs %(ids)s): give the ID.")
        % {"name": text, "ids": ", ".join(map(str, found[:10]))},
        fields={"teacher": text},
    )


def resolve_school(plan: RotationPlan, text: str) -> int | None:
    """A school of the plan's region by ID or code; None for an empty text."""
    text = (text or "").strip()
    if not text:
        return None
    schools = School.objects.filter(district__path__startswith=plan.region.path)
    school = schools.filter(code=text).values_list("pk", flat=True).first()
    if school is None and text.isdigit() and len(text) < 10:  # an ID (codes are longer)
        school = schools.filter(pk=int(text)).values_list("pk", flat=True).first()
    if school is None:
        raise ApplicationError(
            _("No school %(code)s in %(region)s.") % {"code": text, "region": plan.region.name},
            fields={"school": text},
        )
    return school


def teacher_for_decision(actor, teacher_pk) -> Teacher:
    return get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)


def exemptions(actor, region: Region, year: int, q: str = "") -> QuerySet:
    """The year's exemptions of teachers now working in `region` (within the actor's scope),
    newest first, each with `school_code` and `school_name` of the teacher's current school;
    `q` matches the teacher's name, the school's code or name, or the reason."""
    current = Employment.objects.filter(teacher=OuterRef("teacher"), end_date__isnull=True)
    rows = scope(
        RotationExemption.objects.filter(
            year=year,
            teacher__employments__end_date__isnull=True,
            teacher__employments__school__district__path__startswith=region.path,
        ).select_related("teacher", "created_by"),
        actor,
        "view",
    )
    rows = rows.annotate(
        school_code=Subquery(current.values("school__code")[:1]),
        school_name=Subquery(current.values("school__name")[:1]),
    )
    q = q.strip()
    if q:
        rows = rows.filter(
            Q(teacher__name__contains=q)
            | Q(reason__contains=q)
            | Q(school_code=q)
            | Q(school_name__contains=q)
        )
    return rows.order_by("-created_at", "-pk").distinct()


def rules_of(plan: RotationPlan) -> dict:
    version = plan.params.get("rule_version")
    if version:
        try:
            return rules_version(version)
        except KeyError:
            pass
    return rules_on(plan.effective_date)


# --- the balance before and after a plan ----------------------------------------------------------

STAGED = ("primary", "junior")


def balance_year(district: Region, year: int) -> int | None:
    """The school year whose balance a plan for `year` is compared with: the latest up to it
    with enrollment and facility records (the balance page's figure for that year)."""
    years = [y for y in evaluation_years(district) if y <= year]
    return max(years) if years else None


def mover_row(m: engine.Move, inp: PlanInput) -> list:
    """A stored move: [teacher, origin, destination, km, is principal, stage taught, higher
    degree, backbone, PE/arts] (the flags as the balance module counts them)."""
    c = inp.candidate_by_id[m.teacher]
    return [
        int(m.teacher),
        int(m.origin),
        int(m.destination),
        round(float(m.distance_km), 2),
        bool(m.is_principal),
        c.stage if c.stage in STAGED else "",
        int(c.has_higher_degree),
        int(c.is_backbone),
        int(c.is_pe_arts),
    ]


def teacher_changes(rows, codes: dict[int, str], terms: set[int] = frozenset()) -> dict:
    """The balance module's teacher changes of a plan's moves (rows as `mover_row`): each
    transfer takes the teacher's counts from the origin's part of their stage and adds them to
    the destination's. A term (teachers in `terms`) keeps the post, and the count, at home."""
    changes: dict[tuple[str, str | None], dict[str, float]] = defaultdict(
        lambda: {"higher_degree_teachers": 0.0, "backbone_teachers": 0.0, "pe_arts_teachers": 0.0}
    )
    for teacher, origin, dest, _km, _principal, stage, hd, bb, pe in rows:
        if teacher in terms:
            continue
        for school, sign in ((origin, -1.0), (dest, 1.0)):
            delta = changes[(codes[school], stage or None)]
            delta["higher_degree_teachers"] += sign * hd
            delta["backbone_teachers"] += sign * bb
            delta["pe_arts_teachers"] += sign * pe
    return dict(changes)


def plan_cvs(region: Region, year: int, changes: dict | None = None) -> tuple[dict, dict]:
    """({district code: {stage: {indicator: CV}}}, {district code: balance year}) of the
    plan's districts, by the balance module's own function (`district_cvs`), with `changes`
    applied for the figures after the plan."""
    cvs, years = {}, {}
    for district in districts_of(region):
        y = balance_year(district, year)
        if y is None:
            continue
        years[district.code] = y
        cvs[district.code] = district_cvs(district=district, year=y, changes=changes)
    return cvs, years


def plans_waiting(actor) -> dict[str, int]:
    """Rotation work waiting for the actor, for the dashboard: plans submitted for their review
    (the bureau) and drafts or returned plans of their area to finish (planning offices)."""
    from qiangshi.access.scoping import can

    out: dict[str, int] = {}
    if actor.role not in PLANNERS:
        return out
    plans = plan_list(actor)
    if actor.region_id:
        plans = plans.filter(region__path__startswith=actor.region.path)
    if can(actor, "rotation", "review"):
        out["review"] = plans.filter(status=PlanStatus.SUBMITTED).count()
    if can(actor, "rotation", "change"):
        out["drafts"] = plans.filter(status__in=(PlanStatus.DRAFT, PlanStatus.RETURNED)).count()
    return out


def default_form(rules: dict, params: dict | None = None) -> tuple[str, int | None]:
    """(form, term in years or None) of a plan's teachers' moves: the plan's own choice, else
    the rule set's default (a principal's move is always a transfer)."""
    forms = rules.get("forms", {})
    params = params or {}
    form = params.get("form") or forms.get("default", "transfer")
    if form != "term":
        return form, None
    return form, int(params.get("term_years") or forms.get("default_term_years", 3))


def move_stages(move: engine.Move, inp: PlanInput) -> tuple[str, str]:
    """The stage a mover teaches at the origin and at the destination: the teacher's own (the
    same at both), or for a principal (or a stage unknown) the two schools' stages."""
    c = inp.candidate_by_id[move.teacher]
    if c.stage in STAGED and not move.is_principal:
        return c.stage, c.stage
    return inp.school_by_id[move.origin].stage, inp.school_by_id[move.destination].stage


@dataclass(frozen=True)
class RotationOutcome:
    """What a region's approved plans of a school year move: teachers (principals apart), the
    backbone teachers among them, and the eligible teachers the plans were solved over."""

    plans: int
    eligible: int
    moves: int
    backbone_moves: int

    @property
    def rate(self) -> float | None:
        return self.moves / self.eligible if self.eligible else None

    @property
    def backbone_share(self) -> float | None:
        return self.backbone_moves / self.moves if self.moves else None


def rotation_outcome(*, region: Region, year: int) -> RotationOutcome | None:
    """The rotation of a region (and the regions below it) in a school year, over its plans
    approved, published or in effect: None when it has no such plan (the rate is missing, not
    zero). System read (aggregates only): the pilot office's indicators."""
    done = (PlanStatus.APPROVED, PlanStatus.PUBLISHED, PlanStatus.EFFECTIVE)
    plans = list(
        RotationPlan.objects.filter(
            region__path__startswith=region.path, year=year, status__in=done
        ).values_list("pk", "result")
    )
    if not plans:
        return None
    moves = RotationMove.objects.filter(plan_id__in=[pk for pk, _r in plans], is_principal=False)
    return RotationOutcome(
        plans=len(plans),
        eligible=sum(int((result or {}).get("eligible") or 0) for _pk, result in plans),
        moves=moves.count(),
        backbone_moves=moves.filter(is_backbone=True).count(),
    )
