"""Reads for staffing and forward planning: the registry adapter that turns a district's schools,
enrollment and staff into inputs of `engines.staffing` and `engines.forecast`.

How each figure is counted (shown next to the figures in the UI and the export):
- students: the school's latest `SchoolEnrollment` of school year `year` or, when that year is
  not loaded yet, of the latest earlier year (the year used is in the row); grades 1–6 make the
  primary part, 7–9 the junior part, 10–12 the senior part, within the grades the school's
  stage teaches (a nine- or twelve-year school has one quota per part); the classes of the same
  rows feed the small-school rule;
- rule set: the staffing standard in force on `on` (`engines.staffing.rules_in_force`);
- staff on roll on `on`: employments that have started (start_date ≤ on) and not ended
  (end_date empty or ≥ on). Established (在编) staff count against the quota; other employment
  types (non-established, contract, substitute) are shown beside it. Teaching posts are teachers;
  administration, auxiliary and logistics posts are the non-teaching staff of the cap;
  full-time teachers (专任教师) are those flagged `is_full_time_teacher`, whatever the type;
- private schools (民办, `School.ownership == "private"`, POLICY.md §2): quotas are public posts,
  so a private school gets no quota, vacancy, overstaffing or allocation and stays out of every
  quota total and of the district pool; its staff-to-student ratio is shown apart
  (`PrivateSchoolStaff`, `DistrictStaffing.private_schools`).

Forecast (`district_forecast`): for the public schools (private ones recruit their own teachers),
enrollment per school over its compulsory grades (1–9) from the
history up to `year` (cohort progression; entrants from the district's births series, births past
the last loaded year being an explicit assumption, held at that year by default; the intake trend
only where no births series can be used), classes with the class-size caps,
demand with the curriculum table and the weekly load; supply from the full-time teachers on roll
on `on` by main subject (retirement table, attrition). The stage of a teacher is the school's;
in a nine- or twelve-year school it is the stage of their teaching load of `year` (the later
term), else the stage whose grades alone teach their subject, else the larger part. Teachers of
a senior school or a senior part are outside the forecast (the curriculum covers grades 1–9).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.query import QuerySet
from django.utils.translation import gettext_lazy

from qiangshi.access.scoping import scope
from qiangshi.core.errors import ApplicationError, InvalidInput, NotFound, bilingual
from qiangshi.core.shared import query_key, shared
from qiangshi.engines import forecast as fc
from qiangshi.engines.staffing import (
    BANDS,
    RULE_VERSIONS,
    TITLE_BANDS,
    OnRoll,
    PostStructure,
    Quota,
    StaffingRuleSet,
    StaffPosition,
    load_rules,
    post_structure_by_parts,
    post_structure_sum,
    rules_in_force,
    school_quota,
    staff_position,
)
from qiangshi.org.models import Ownership, Region, RegionLevel, School, SchoolEnrollment, Stage
from qiangshi.teachers.models import (
    Employment,
    EmploymentType,
    PostCategory,
    TeachingLoad,
    TitleRecord,
)

PART_GRADES = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
SCHOOL_PARTS = {
    Stage.PRIMARY: ("primary",),
    Stage.JUNIOR: ("junior",),
    Stage.SENIOR: ("senior",),
    Stage.NINE_YEAR: ("primary", "junior"),
    Stage.TWELVE_YEAR: ("primary", "junior", "senior"),
}
FORECAST_STAGES = ("primary", "junior")
COMPULSORY = (Stage.PRIMARY, Stage.JUNIOR, Stage.NINE_YEAR, Stage.TWELVE_YEAR)
UNSPECIFIED_SUBJECT = "unspecified"


def current_school_year(today: date | None = None) -> int:
    """The school year running today (it starts on 1 September)."""
    today = today or date.today()
    return today.year if today.month >= 9 else today.year - 1


def default_on(year: int, today: date | None = None) -> date:
    """The registry date for school year `year`: today while the year runs (1 September to 31
    August), else its first day."""
    today = today or date.today()
    start, end = date(year, 9, 1), date(year + 1, 8, 31)
    return today if start <= today <= end else start


def district_in_scope(district, actor=None) -> Region:
    """The district Region (given as a Region or its code) if the actor may view it; NotFound
    otherwise, and for a code that is not a district. `actor=None` reads as a system operator."""
    code = district.code if isinstance(district, Region) else str(district)
    qs = Region.objects.filter(code=code, level=RegionLevel.DISTRICT)
    if actor is not None:
        qs = scope(qs, actor, "view")
    region = qs.first()
    if region is None:
        raise NotFound(f"No district with code {code}.")
    return region


def _district_schools(region: Region, actor, stages=None, ownership=None) -> QuerySet:
    qs = School.objects.filter(district=region, is_active=True)
    if stages is not None:
        qs = qs.filter(stage__in=stages)
    if ownership is not None:
        qs = qs.filter(ownership=ownership)
    if actor is not None:
        qs = scope(qs, actor, "view")
    return qs.order_by("code")


# --- quotas and staff on roll ---------------------------------------------------------------

# The engine's codes for the adjustments a school's quota received (POLICY §1).
QUOTA_ADJUSTMENTS = {
    "small_school": gettext_lazy("small school: at least the minimum for its classes"),
    "boarding": gettext_lazy("boarding school: extra staff for boarding"),
}


@dataclass(frozen=True)
class SchoolStaffing:
    """One school's quota, staff on roll and position (vacancies or overstaffing)."""

    school_id: int
    code: str
    name: str
    stage: str
    location: str
    boarding: bool
    enrollment_year: int | None  # the year the students were read from (None: no enrollment)
    students: dict[str, int]  # stage part → students
    classes: dict[str, int]  # stage part → classes
    quota: Quota
    on_roll: OnRoll
    full_time_teachers: int  # flagged is_full_time_teacher, any employment type
    position: StaffPosition
    missing: tuple[str, ...] = ()  # ("enrollment",) when no enrollment up to the year
    allocated: int | None = None  # the district's allocation (None: no allocation for the year)

    @property
    def adjustment_labels(self) -> list[str]:
        """The quota's adjustments in the reader's language ("small school", "boarding")."""
        return [str(QUOTA_ADJUSTMENTS.get(a, a)) for a in self.quota.adjustments]

    @property
    def net(self) -> int:
        """Quota − established staff: positive is vacancies, negative overstaffing."""
        return self.position.quota - self.position.established

    @property
    def effective_quota(self) -> int:
        """The allocation when the district has allocated the year's pool, else the quota."""
        return self.quota.total if self.allocated is None else self.allocated

    @property
    def effective_net(self) -> int:
        """Effective quota − established staff (positive: vacancies, negative: overstaffing)."""
        return self.effective_quota - self.position.established

    def as_dict(self) -> dict[str, Any]:
        p = self.position
        return {
            "school_code": self.code,
            "school_name": self.name,
            "stage": self.stage,
            "location": self.location,
            "boarding": self.boarding,
            "enrollment_year": self.enrollment_year,
            "students": dict(self.students),
            "classes": dict(self.classes),
            "rule_set": self.quota.rule_version,
            "quota_by_stage": self.quota.by_stage,
            "quota": self.quota.total,
            "adjustments": list(self.quota.adjustments),
            "established": p.established,
            "established_teachers": self.on_roll.established_teachers,
            "established_non_teaching": self.on_roll.established_non_teaching,
            "other_teachers": self.on_roll.other_teachers,
            "other_non_teaching": self.on_roll.other_non_teaching,
            "other_employment": p.other_employment,
            "full_time_teachers": self.full_time_teachers,
            "vacancies": p.vacancies,
            "overstaffing": p.overstaffing,
            "net": self.net,
            "non_teaching_max": p.non_teaching.allowed,
            "non_teaching_excess": p.non_teaching.excess,
            "non_teaching_ok": p.non_teaching.ok,
            "missing": list(self.missing),
            "allocated": self.allocated,
            "allocation_difference": (
                None if self.allocated is None else self.allocated - self.quota.total
            ),
            "effective_net": self.effective_net,
        }


def _latest_enrollment(school_ids: list[int], year: int):
    """{school_id: (year, {part: students}, {part: classes})}: one query (the latest year ≤ year
    of each school, chosen by a correlated subquery)."""
    latest = (
        SchoolEnrollment.objects.filter(school=OuterRef("school"), year__lte=year)
        .order_by("-year")
        .values("year")[:1]
    )
    rows = (
        SchoolEnrollment.objects.filter(school_id__in=school_ids, year=Subquery(latest))
        .order_by()
        .values_list("school_id", "year", "grade", "students", "classes")
    )
    found: dict[int, tuple[int, dict, dict]] = {}
    for school_id, y, grade, students, classes in rows:
        _, by_part, classes_by_part = found.setdefault(school_id, (y, {}, {}))
        for part, grades in PART_GRADES.items():
            if grade in grades:
                by_part[part] = by_part.get(part, 0) + students
                classes_by_part[part] = classes_by_part.get(part, 0) + classes
    return found


def _staff_counts(school_ids: list[int], on: date) -> dict[int, dict[str, int]]:
    """{school_id: {established_teachers, established_non_teaching, other_teachers,
    other_non_teaching, full_time_teachers}}: one grouped query."""
    rows = (
        Employment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            Q(start_date__isnull=True) | Q(start_date__lte=on),  # a missing start: on the roll
            school_id__in=school_ids,
        )
        .order_by()
        .values("school_id", "employment_type", "post_category", "is_full_time_teacher")
        .annotate(n=Count("teacher_id", distinct=True))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        c = counts[r["school_id"]]
        kind = "established" if r["employment_type"] == EmploymentType.ESTABLISHED else "other"
        post = "teachers" if r["post_category"] == PostCategory.TEACHING else "non_teaching"
        c[f"{kind}_{post}"] += r["n"]
        if r["is_full_time_teacher"]:
            c["full_time_teachers"] += r["n"]
    return counts


def first_standard_date() -> date:
    """The day the first staffing standard took effect."""
    return min(load_rules(v).effective_from for v in RULE_VERSIONS)


def first_school_year() -> int:
    """The first school year whose first day (1 September) a staffing standard covers."""
    first = first_standard_date()
    return first.year + (first > date(first.year, 9, 1))


def check_school_year(year: int) -> int:
    """`year` when a staffing standard covers it; InvalidInput otherwise."""
    if year < first_school_year():
        staffing_rules_on(date(year, 9, 1))
    return year


def staffing_rules_on(on: date) -> StaffingRuleSet:
    """The staffing standard in force on `on`; InvalidInput (both languages) before the first
    one took effect, so that a request for such a year is refused instead of failing."""
    try:
        return rules_in_force(on)
    except ValueError:
        first = first_standard_date()
        year = first_school_year()
        error = bilingual(
            f"No staffing standard was in force on {on.isoformat()}: the first took effect on "
            f"{first.isoformat()}. Choose school year {year} or later.",
            f"{on.isoformat()}尚无编制标准：最早的标准自{first.isoformat()}起施行。"
            f"请选择{year}学年或以后。",
            error=InvalidInput,
        )
        error.fields = {"year": error.message}
        raise error from None


def school_staffing(
    *,
    schools: Iterable[School] | QuerySet,
    year: int,
    on: date,
    rules: StaffingRuleSet | None = None,
) -> list[SchoolStaffing]:
    """Quota, staff on roll and position for each public school (in the order given). Three
    queries whatever the number of schools (the schools themselves, enrollment, employment).
    A private school has no quota (POLICY.md §2): ApplicationError (see `private_staffing`)."""
    rules = rules or staffing_rules_on(on)
    schools = list(schools)
    private = [s.code for s in schools if s.ownership == Ownership.PRIVATE]
    if private:
        raise bilingual(
            f"Private schools have no staffing quota: {', '.join(private)}.",
            f"民办学校不核定编制：{'、'.join(private)}。",
        )
    ids = [s.pk for s in schools]
    enrollment = _latest_enrollment(ids, year)
    staff = _staff_counts(ids, on)
    rows = []
    for s in schools:
        parts = SCHOOL_PARTS.get(s.stage, ())
        enrolled_year, by_part, classes_by_part = enrollment.get(s.pk, (None, {}, {}))
        students = {p: by_part.get(p, 0) for p in parts}
        classes = {p: classes_by_part.get(p, 0) for p in parts}
        try:
            quota = school_quota(
                students, s.location, rules, boarding=s.is_boarding, classes_by_stage=classes
            )
        except ValueError as exc:
            raise ApplicationError(f"School {s.code}: {exc}") from None
        c = staff.get(s.pk, {})
        on_roll = OnRoll(
            established_teachers=c.get("established_teachers", 0),
            established_non_teaching=c.get("established_non_teaching", 0),
            other_teachers=c.get("other_teachers", 0),
            other_non_teaching=c.get("other_non_teaching", 0),
        )
        rows.append(
            SchoolStaffing(
                school_id=s.pk,
                code=s.code,
                name=s.name,
                stage=s.stage,
                location=s.location,
                boarding=s.is_boarding,
                enrollment_year=enrolled_year,
                students=students,
                classes=classes,
                quota=quota,
                on_roll=on_roll,
                full_time_teachers=c.get("full_time_teachers", 0),
                position=staff_position(quota, on_roll),
                missing=() if sum(students.values()) else ("enrollment",),
            )
        )
    return rows


@dataclass(frozen=True)
class PrivateSchoolStaff:
    """A private (民办) school's staff against its students: no quota, vacancy or shortfall
    (quotas are public posts, POLICY.md §2), only the staff-to-student ratio, shown apart."""

    school_id: int
    code: str
    name: str
    stage: str
    enrollment_year: int | None
    students: dict[str, int]  # stage part → students
    teachers: int  # teaching posts on roll, every employment type
    non_teaching: int  # administration, auxiliary and logistics posts on roll
    full_time_teachers: int

    @property
    def staff(self) -> int:
        return self.teachers + self.non_teaching

    @property
    def students_total(self) -> int:
        return sum(self.students.values())

    @property
    def students_per_staff(self) -> float | None:
        """Students per staff member (the x of 1 : x); None without staff or students."""
        if not self.staff or not self.students_total:
            return None
        return self.students_total / self.staff

    @property
    def students_per_full_time_teacher(self) -> float | None:
        if not self.full_time_teachers or not self.students_total:
            return None
        return self.students_total / self.full_time_teachers

    def as_dict(self) -> dict[str, Any]:
        per_staff, per_teacher = self.students_per_staff, self.students_per_full_time_teacher
        return {
            "school_code": self.code,
            "school_name": self.name,
            "stage": self.stage,
            "ownership": Ownership.PRIVATE.value,
            "enrollment_year": self.enrollment_year,
            "students": dict(self.students),
            "staff": self.staff,
            "teachers": self.teachers,
            "non_teaching": self.non_teaching,
            "full_time_teachers": self.full_time_teachers,
            "students_per_staff": None if per_staff is None else round(per_staff, 2),
            "students_per_full_time_teacher": (
                None if per_teacher is None else round(per_teacher, 2)
            ),
        }


def private_staffing(
    *, schools: Iterable[School] | QuerySet, year: int, on: date
) -> list[PrivateSchoolStaff]:
    """Staff on roll (every employment type) and students of each private school, in the order
    given: the ratio shown beside the quotas. Three queries whatever the number of schools."""
    schools = list(schools)
    ids = [s.pk for s in schools]
    enrollment = _latest_enrollment(ids, year)
    staff = _staff_counts(ids, on)
    rows = []
    for s in schools:
        parts = SCHOOL_PARTS.get(s.stage, ())
        enrolled_year, by_part, _classes = enrollment.get(s.pk, (None, {}, {}))
        c = staff.get(s.pk, {})
        rows.append(
            PrivateSchoolStaff(
                school_id=s.pk,
                code=s.code,
                name=s.name,
                stage=s.stage,
                enrollment_year=enrolled_year,
                students={p: by_part.get(p, 0) for p in parts},
                teachers=c.get("established_teachers", 0) + c.get("other_teachers", 0),
                non_teaching=c.get("established_non_teaching", 0) + c.get("other_non_teaching", 0),
                full_time_teachers=c.get("full_time_teachers", 0),
            )
        )
    return rows


def private_totals(rows: list[PrivateSchoolStaff]) -> dict[str, Any]:
    """The private schools' sums and their overall ratio (students per staff member)."""
    students = sum(r.students_total for r in rows)
    staff = sum(r.staff for r in rows)
    full_time = sum(r.full_time_teachers for r in rows)
    return {
        "schools": len(rows),
        "students": students,
        "staff": staff,
        "full_time_teachers": full_time,
        "students_per_staff": round(students / staff, 2) if staff and students else None,
        "students_per_full_time_teacher": (
            round(students / full_time, 2) if full_time and students else None
        ),
    }


@dataclass(frozen=True)
class DistrictStaffing:
    """A district's public schools (those in the actor's scope) with their quotas and totals,
    and its private schools apart (staff-to-student ratio only, no quota)."""

    district: Region
    year: int
    on: date
    rules: StaffingRuleSet
    schools: list[SchoolStaffing]
    totals: dict[str, Any] = field(default_factory=dict)
    pool: dict[str, Any] | None = None  # see `quota_pool`; None while nothing is allocated
    private_schools: list[PrivateSchoolStaff] = field(default_factory=list)

    @property
    def private_totals(self) -> dict[str, Any]:
        return private_totals(self.private_schools)


def staffing_totals(rows: list[SchoolStaffing]) -> dict[str, Any]:
    """District totals: sums over the schools. `vacancies` and `overstaffing` are summed per
    school (a surplus in one school does not fill a vacancy in another); `net` is the district's
    quota − established staff."""
    totals: dict[str, Any] = {
        "schools": len(rows),
        "schools_without_enrollment": sum(1 for r in rows if r.missing),
        "students": dict.fromkeys(PART_GRADES, 0),
        "quota_by_stage": dict.fromkeys(PART_GRADES, 0),
    }
    keys = (
        "quota",
        "established",
        "established_teachers",
        "established_non_teaching",
        "other_employment",
        "full_time_teachers",
        "vacancies",
        "overstaffing",
        "net",
        "non_teaching_max",
        "non_teaching_excess",
    )
    totals.update(dict.fromkeys(keys, 0))
    for r in rows:
        d = r.as_dict()
        for k in keys:
            totals[k] += d[k]
        for part, n in r.students.items():
            totals["students"][part] += n
        for part, q in r.quota.by_stage.items():
            totals["quota_by_stage"][part] += q
    totals["schools_over_non_teaching_cap"] = sum(1 for r in rows if not r.position.non_teaching.ok)
    return totals


def district_staffing(*, actor, district, year: int, on: date | None = None) -> DistrictStaffing:
    """Staffing of every active public school of a district in the actor's scope, with the
    totals, and the staff-to-student ratio of its private schools apart (they get no quota).
    NotFound when the district does not exist or is outside the scope; `actor=None` reads as a
    system operator (the command)."""
    region = district_in_scope(district, actor)
    on = on or default_on(year)
    # Shared briefly between the readers of the same schools (core.shared), until a write.
    return shared(
        "district staffing",
        (query_key(_district_schools(region, actor)), region.pk, year, on),
        lambda: _district_staffing(region, actor, year, on),
    )


def _district_staffing(region: Region, actor, year: int, on: date) -> DistrictStaffing:
    rules = staffing_rules_on(on)
    rows = school_staffing(
        schools=_district_schools(region, actor, ownership=Ownership.PUBLIC),
        year=year,
        on=on,
        rules=rules,
    )
    private = private_staffing(
        schools=_district_schools(region, actor, ownership=Ownership.PRIVATE), year=year, on=on
    )
    allocations = allocations_for(region, year)
    pool = None
    if allocations:
        rows = [replace(r, allocated=allocations.get(r.school_id, r.quota.total)) for r in rows]
        pool = quota_pool(region, year, on=on, allocations=allocations)
    totals = staffing_totals(rows)
    if pool is not None:
        totals["allocated"] = sum(r.effective_quota for r in rows)
        totals["effective_net"] = sum(r.effective_net for r in rows)
    return DistrictStaffing(
        district=region,
        year=year,
        on=on,
        rules=rules,
        schools=rows,
        totals=totals,
        pool=pool,
        private_schools=private,
    )


def districts_staffing(*, actor, districts: list[Region], year: int) -> list[dict[str, Any]]:
    """The totals of `district_staffing` of each district and its pool's reserve (None without
    a pool), for the region page: [{"totals": …, "reserve": …}], shared briefly between the
    users of one area (`core.shared`, keyed by the schools the actor may read and the year): a
    province's fifty districts read every teacher on roll (1.3 s)."""

    def totals(district: Region) -> dict[str, Any]:
        report = district_staffing(actor=actor, district=district, year=year)
        return {"totals": report.totals, "reserve": report.pool["reserve"] if report.pool else None}

    schools = School.objects.filter(district__in=[d.pk for d in districts])
    if actor is not None:
        schools = scope(schools, actor, "view")
    return shared(
        "staffing",
        (query_key(schools), [d.pk for d in districts], year),
        lambda: [totals(d) for d in districts],
    )


# --- the district pool (县管校聘) -------------------------------------------------------------


def allocations_for(region: Region, year: int) -> dict[int, int]:
    """{school_id: allocated quota} of the district's active schools for the year ({} when the
    district has not allocated that year: the computed quotas stand)."""
    from .models import QuotaAllocation

    return dict(
        QuotaAllocation.objects.filter(
            district=region,
            year=year,
            school__is_active=True,
            school__ownership=Ownership.PUBLIC,
        )
        .order_by()
        .values_list("school_id", "quota")
    )


def quota_pool(
    region: Region, year: int, *, on: date | None = None, allocations: dict[int, int] | None = None
) -> dict[str, Any]:
    """The district's pool for the year, over all its active schools whatever the reader's scope:
    `pool` is the sum of the computed quotas, `allocated` the sum of the allocations (a school
    without an allocation row holds its computed quota), `reserve` what the district keeps back;
    `schools` maps school_id → {code, name, quota, allocated}."""
    on = on or default_on(year)
    rows = school_staffing(
        schools=_district_schools(region, None, ownership=Ownership.PUBLIC), year=year, on=on
    )
    if allocations is None:
        allocations = allocations_for(region, year)
    schools = {
        r.school_id: {
            "code": r.code,
            "name": r.name,
            "quota": r.quota.total,
            "allocated": allocations.get(r.school_id, r.quota.total),
        }
        for r in rows
    }
    total = sum(s["quota"] for s in schools.values())
    allocated = sum(s["allocated"] for s in schools.values())
    return {
        "district": region.code,
        "year": year,
        "initialised": bool(allocations),
        "pool": total,
        "allocated": allocated,
        "reserve": total - allocated,
        "schools": schools,
    }


def default_year(district: Region | list[Region] | None = None) -> int:
    """The latest school year with enrollment recorded (in the district or districts) up to the
    running one, else the running school year."""
    current = current_school_year()
    qs = SchoolEnrollment.objects.filter(year__lte=current).order_by("-year")
    if isinstance(district, Region):
        qs = qs.filter(school__district=district)
    elif district is not None:
        qs = qs.filter(school__district__in=list(district))
    years = qs.values_list("year", flat=True)
    latest = shared("latest year", query_key(years), years.first)
    return latest or current


def school_for(actor, school_pk) -> School:
    """A school in the actor's scope for aggregates; NotFound otherwise."""
    try:
        pk = int(school_pk)
    except (TypeError, ValueError):
        raise NotFound("Not found") from None
    school = (
        scope(School.objects.select_related("district"), actor, "aggregate").filter(pk=pk).first()
    )
    if school is None:
        raise NotFound("Not found")
    return school


# --- forward planning -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    year: int
    stage: str
    subject: str
    demand: float  # full-time equivalents, central variant
    demand_low: float
    demand_high: float
    supply: float
    gap: float  # demand − supply: positive is teachers to recruit or train

    @property
    def recruit(self) -> int:
        """Whole teachers to recruit or train (the gap rounded up; 0 for a surplus)."""
        return fc.round_up(self.gap)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "stage": self.stage,
            "subject": self.subject,
            "demand": round(self.demand, 4),
            "demand_low": round(self.demand_low, 4),
            "demand_high": round(self.demand_high, 4),
            "supply": round(self.supply, 4),
            "gap": round(self.gap, 4),
            "recruit": self.recruit,
        }


@dataclass(frozen=True)
class DistrictForecast:
    district: Region
    year: int  # the base school year (the last history year used)
    on: date  # the roll date of today's teachers
    years: tuple[int, ...]
    rows: list[ForecastRow]
    enrollment: dict[int, dict[str, float]]  # year → stage → students (central)
    parameters: fc.TeacherParameters
    curriculum: fc.Curriculum
    schools_without_history: list[str] = field(default_factory=list)
    teachers: int = 0  # full-time teachers counted in the supply
    births: dict[int, int] = field(default_factory=dict)  # the district's births series
    # (school, forecast year) pairs by how their entrants were forecast: "births" (known
    # births), "assumed" (births past the last loaded year, see `births_assumption`), "cohort"
    # (a junior school's grade 7 from the district's grade 6 of the year before) or "trend"
    intake_methods: dict[str, int] = field(default_factory=dict)
    intake_scale: float = 1.0  # a scenario's scaling of the entrants (1: as forecast)
    births_assumption: fc.BirthsAssumption = field(default_factory=fc.BirthsAssumption)
    # birth year → births assumed past the last loaded year, for the years the forecast used
    assumed_births: dict[int, float] = field(default_factory=dict)
    # The base school year itself (`year`): stage → subject → FTE demanded by each school's
    # latest enrollment up to `year` (the students the quotas count), and the full-time
    # teachers on roll on `on`; see `curriculum_gap`.
    base_demand: dict[str, dict[str, float]] = field(default_factory=dict)
    base_supply: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def last_births_year(self) -> int | None:
        return max(self.births) if self.births else None

    @property
    def intake_method(self) -> str:
        """ "births" when every school-year drew on births (known or assumed past the last
        loaded year, directly or through the grade-6 cohort), "trend" when none did, else
        "mixed"."""
        used = {m for m, n in self.intake_methods.items() if n}
        if not used & {"births", "assumed"}:
            return "trend"
        return "mixed" if "trend" in used else "births"

    @property
    def births_assumed(self) -> bool:
        """Whether some entrants draw on births past the last loaded year (an assumption)."""
        return bool(self.intake_methods.get("assumed"))

    def births_assumption_as_dict(self) -> dict[str, Any]:
        """The births assumption as shown in the reports: the last loaded year and its births,
        the rule past it, and the births assumed for each year the forecast used."""
        last = self.last_births_year
        return {
            "last_known_year": last,
            "last_known_births": None if last is None else self.births[last],
            "rule": "held" if self.births_assumption.held else "annual_change",
            "annual_change_percent": self.births_assumption.annual_change,
            "used": self.births_assumed,
            "assumed_births": {str(y): round(b, 1) for y, b in sorted(self.assumed_births.items())},
        }

    def by_year(self) -> list[dict[str, Any]]:
        """Totals per forecast year: demand, supply, gap (FTE) and teachers to recruit."""
        totals = {
            y: {"year": y, "demand": 0.0, "supply": 0.0, "gap": 0.0, "recruit": 0}
            for y in self.years
        }
        for r in self.rows:
            t = totals[r.year]
            t["demand"] += r.demand
            t["supply"] += r.supply
            t["gap"] += r.gap
            t["recruit"] += r.recruit
        return [totals[y] for y in self.years]


def _subject_stages(curriculum: fc.Curriculum, stage_grades) -> dict[str, set[str]]:
    stages: dict[str, set[str]] = defaultdict(set)
    for grade, by_subject in curriculum.periods.items():
        for subject in by_subject:
            stages[subject].add(fc.stage_of_grade(grade, stage_grades))
    return stages


def district_forecast(
    *,
    actor,
    district,
    years: int,
    year: int,
    on: date | None = None,
    parameters: fc.TeacherParameters | None = None,
    curriculum: fc.Curriculum | None = None,
    variant: str = "central",
    intake_scale: float = 1.0,
    births_assumption: fc.BirthsAssumption | None = None,
) -> DistrictForecast:
    """Demand, supply and gap per future school year (year + 1 … year + years), stage (primary,
    junior) and subject for the public schools of a district in the actor's scope (private
    schools recruit their own teachers). Four queries.

    New entrants come from the district's births series (`BirthRecord`, six years before
    grade 1) when one is loaded and covers a history year to estimate each school's ratio of
    entrants to births; births past the last loaded year follow `births_assumption` (held at
    the last loaded year by default; POLICY.md §13), never the trend of past intakes. Only a
    school whose history no loaded births year reaches (or a district with no series) takes
    its entrants from the trend of its intake (`engines.forecast.cohort_forecast`).
    `intake_scale` multiplies the entrants (a scenario)."""
    if not 1 <= years <= 30:
        raise ApplicationError("years must be between 1 and 30")
    region = district_in_scope(district, actor)
    on = on or default_on(year)
    arguments = (years, year, on, parameters, curriculum, variant, intake_scale)
    if parameters is None and curriculum is None and births_assumption is None:
        # The plan with the published parameters: shared briefly between the readers of the
        # same schools (core.shared), until a write.
        return shared(
            "district forecast",
            (query_key(_district_schools(region, actor)), region.pk, arguments),
            lambda: _district_forecast(region, actor, *arguments, births_assumption),
        )
    return _district_forecast(region, actor, *arguments, births_assumption)


def _district_forecast(
    region: Region,
    actor,
    years: int,
    year: int,
    on: date,
    parameters: fc.TeacherParameters | None,
    curriculum: fc.Curriculum | None,
    variant: str,
    intake_scale: float,
    births_assumption: fc.BirthsAssumption | None,
) -> DistrictForecast:
    params = parameters or fc.load_parameters()
    curriculum = curriculum or fc.load_curriculum()
    stage_grades = params.stage_grades
    future = tuple(range(year + 1, year + 1 + years))
    compulsory = {
        g for s in FORECAST_STAGES for g in range(stage_grades[s][0], stage_grades[s][1] + 1)
    }

    # Public schools only, like the quotas: private schools recruit their own teachers.
    schools = list(
        _district_schools(region, actor, COMPULSORY, ownership=Ownership.PUBLIC).values(
            "id", "code", "stage"
        )
    )
    ids = [s["id"] for s in schools]
    history: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for school_id, y, grade, students in SchoolEnrollment.objects.filter(
        school_id__in=ids, year__lte=year, grade__in=sorted(compulsory)
    ).values_list("school_id", "year", "grade", "students"):
        history[school_id][y][grade] = students

    demand: dict[str, dict[int, dict[str, dict[str, float]]]] = {
        v: {y: {} for y in future} for v in fc.VARIANTS
    }
    enrollment: dict[int, dict[str, float]] = {
        y: dict.fromkeys(FORECAST_STAGES, 0.0) for y in future
    }
    births = births_series(actor=actor, district=region)
    assumption = births_assumption or fc.BirthsAssumption()
    assumed_births: dict[int, float] = {}
    methods = {"births": 0, "assumed": 0, "cohort": 0, "trend": 0}
    base_demand: dict[str, dict[str, float]] = {}
    larger_part: dict[int, str] = {}
    without_history = []
    fitted = _school_forecasts(
        schools,
        history,
        year=year,
        years=years,
        births=births,
        intake_scale=intake_scale,
        assumption=assumption,
        stage_grades=stage_grades,
    )
    for s in schools:
        past = history.get(s["id"])
        if not past:
            without_history.append(s["code"])
            continue
        base = max(past)
        latest = past[base]
        by_stage = defaultdict(int)
        for grade, n in latest.items():
            by_stage[fc.stage_of_grade(grade, stage_grades)] += n
        larger_part[s["id"]] = max(FORECAST_STAGES, key=lambda st: (by_stage[st], st == "primary"))
        now = fc.teacher_demand(
            fc.classes_needed(latest, params.class_size_cap, stage_grades=stage_grades),
            curriculum,
            params.weekly_load,
            stage_grades=stage_grades,
        )
        for stage, by_subject in now.items():
            target = base_demand.setdefault(stage, {})
            for subject, fte in by_subject.items():
                target[subject] = target.get(subject, 0.0) + fte
        forecast, fed = fitted[s["id"]]
        lead = 6 + forecast.grades[0] - 1  # the entry grade draws on births `lead` years before
        assumed_births.update(
            (born, b) for born, b in forecast.assumed_births.items() if born + lead in future
        )
        for y in future:
            method = "cohort" if fed else forecast.intake_method.get(y)
            if method in methods:
                methods[method] += 1
        for v in fc.VARIANTS:
            by_year = fc.teacher_demand_by_year(
                forecast,
                curriculum,
                params.class_size_cap,
                params.weekly_load,
                variant=v,
                stage_grades=stage_grades,
            )
            for y in future:
                for stage, by_subject in by_year.get(y, {}).items():
                    target = demand[v][y].setdefault(stage, {})
                    for subject, fte in by_subject.items():
                        target[subject] = target.get(subject, 0.0) + fte
        for y in future:
            for grade, n in forecast.variant(variant).get(y, {}).items():
                enrollment[y][fc.stage_of_grade(grade, stage_grades)] += n

    load_stage = (
        TeachingLoad.objects.filter(teacher=OuterRef("teacher_id"), school_year=year)
        .order_by("-term")
        .values("stage")[:1]
    )
    staff = (
        Employment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            Q(start_date__isnull=True) | Q(start_date__lte=on),  # a missing start: on the roll
            school_id__in=ids,
            is_full_time_teacher=True,
        )
        .annotate(load_stage=Subquery(load_stage))
        .order_by()
        .values_list(
            "school_id",
            "teacher_id",
            "teacher__birth_date",
            "teacher__gender",
            "main_subject",
            "load_stage",
        )
    )
    stage_of_school = {s["id"]: s["stage"] for s in schools}
    subject_stages = _subject_stages(curriculum, stage_grades)
    records = []
    seen = set()
    for school_id, teacher_id, birth, gender, subject, loaded in staff:
        if teacher_id in seen:
            continue
        seen.add(teacher_id)
        subject = subject or UNSPECIFIED_SUBJECT
        school_stage = stage_of_school[school_id]
        if school_stage in FORECAST_STAGES:
            stage = school_stage
        elif loaded in SCHOOL_PARTS[school_stage]:
            stage = loaded
        elif len(subject_stages.get(subject, ())) == 1:
            stage = next(iter(subject_stages[subject]))
        else:
            stage = larger_part.get(school_id, "primary")
        if stage not in FORECAST_STAGES:
            continue  # a senior-part teacher: outside the curriculum of grades 1–9
        records.append(fc.TeacherRecord(birth, gender, subject, stage))
    base_supply: dict[str, dict[str, float]] = {}
    for r in records:
        by_subject = base_supply.setdefault(r.stage, {})
        by_subject[r.subject] = by_subject.get(r.subject, 0.0) + 1.0

    supply = fc.teacher_supply(
        records, future, params.retirement, params.attrition_rate, base_year=year
    )
    gaps = fc.gap(demand[variant], supply)
    rows = []
    for y in future:
        for stage in FORECAST_STAGES:
            for subject, g in gaps.get(y, {}).get(stage, {}).items():
                rows.append(
                    ForecastRow(
                        year=y,
                        stage=stage,
                        subject=subject,
                        demand=demand[variant][y].get(stage, {}).get(subject, 0.0),
                        demand_low=demand["low"][y].get(stage, {}).get(subject, 0.0),
                        demand_high=demand["high"][y].get(stage, {}).get(subject, 0.0),
                        supply=supply.get(y, {}).get(stage, {}).get(subject, 0.0),
                        gap=g,
                    )
                )
    return DistrictForecast(
        district=region,
        year=year,
        on=on,
        years=future,
        rows=rows,
        enrollment=enrollment,
        parameters=params,
        curriculum=curriculum,
        schools_without_history=without_history,
        teachers=len(records),
        births=births,
        intake_methods=methods,
        intake_scale=intake_scale,
        births_assumption=assumption,
        assumed_births=assumed_births,
        base_demand=base_demand,
        base_supply=base_supply,
    )


def _births_reach(past, births: dict[int, int]) -> bool:
    """Whether a history year of the school has the births of its entrants' birth year."""
    entry = min(g for by_grade in past.values() for g in by_grade)
    lead = 6 + entry - 1
    return any(births.get(y - lead) for y in past)


def _school_forecasts(
    schools, history, *, year, years, births, intake_scale, assumption, stage_grades
) -> dict[int, tuple[fc.Forecast, bool]]:
    """{school id: (cohort forecast, entrants fed by the district's grade-6 cohort)} up to
    year + years. A school entering at grade 1 (or whose history the births reach) draws on
    births (`_school_forecast`); a junior school that the births do not reach takes its grade 7
    from the district's grade 6 of the year before (the primary schools' history and forecast,
    `engines.forecast.feeder_entrants`), so that its entrants follow the births too; failing
    that (no year to learn its share from), the trend of its intake."""
    junior_first = stage_grades["junior"][0]
    primary_last = stage_grades["primary"][1]
    fitted: dict[int, tuple[fc.Forecast, bool]] = {}
    waiting = []
    for s in schools:
        past = history.get(s["id"])
        if not past:
            continue
        entry = min(g for by_grade in past.values() for g in by_grade)
        if entry >= junior_first and not _births_reach(past, births):
            waiting.append(s)
            continue
        try:
            forecast = _school_forecast(
                past, year + years - max(past), births, intake_scale, assumption
            )
        except ValueError as exc:
            raise ApplicationError(f"School {s['code']}: {exc}") from None
        fitted[s["id"]] = (forecast, False)
    if not waiting:
        return fitted
    feeder: dict[int, float] = defaultdict(float)
    for s in schools:
        if s["stage"] != Stage.PRIMARY or s["id"] not in fitted:
            continue
        for y, by_grade in history[s["id"]].items():
            feeder[y] += by_grade.get(primary_last, 0)
        forecast = fitted[s["id"]][0]
        for y in forecast.years:
            feeder[y] += forecast.central[y].get(primary_last, 0.0)
    for s in waiting:
        past = history[s["id"]]
        base = max(past)
        entry = min(g for by_grade in past.values() for g in by_grade)
        n = year + years - base
        try:
            try:
                _, entrants = fc.feeder_entrants(
                    {y: by_grade.get(entry, 0) for y, by_grade in past.items()},
                    feeder,
                    range(base + 1, base + 1 + n),
                )
            except ValueError:
                # no year to learn the school's share of the cohort from: its intake trend
                forecast = fc.cohort_forecast(past, n, intake_scale=intake_scale)
                fitted[s["id"]] = (forecast, False)
            else:  # the feeder already carries a scenario's scaling of the entrants
                fitted[s["id"]] = (fc.cohort_forecast(past, n, first_grade_intake=entrants), True)
        except ValueError as exc:
            raise ApplicationError(f"School {s['code']}: {exc}") from None
    return fitted


def _school_forecast(
    past, years: int, births: dict[int, int], intake_scale: float, assumption=None
):
    """The cohort forecast of one school: entrants from births (known, or assumed past the last
    loaded year) when the series covers a history year of the school (to estimate its entry
    ratio), else from its intake trend."""
    if births and _births_reach(past, births):
        return fc.cohort_forecast(
            past, years, births=births, intake_scale=intake_scale, births_assumption=assumption
        )
    # no history year has births to estimate the ratio from: the trend it is
    return fc.cohort_forecast(past, years, intake_scale=intake_scale)


def births_series(*, actor, district) -> dict[int, int]:
    """{year: births} loaded for a district (in the actor's scope; `actor=None` reads all)."""
    from .models import BirthRecord

    region = district if isinstance(district, Region) else district_in_scope(district, actor)
    qs = BirthRecord.objects.filter(district=region)
    if actor is not None:
        qs = scope(qs, actor, "view")
    return dict(qs.order_by("year").values_list("year", "births"))


# --- the two "gaps": one name and one definition each -------------------------------------


@dataclass(frozen=True)
class QuotaShortfall:
    """编制缺口, the quota shortfall of a district's public schools in a school year: the quota
    (the staffing standard's posts for the students, teachers and non-teaching staff alike)
    minus the established (在编) staff on roll. Positive: posts to fill; negative: more
    established staff than posts. `vacancies` and `overstaffing` are the same difference
    school by school (a surplus in one school fills no vacancy in another)."""

    year: int
    on: date
    quota: int
    established: int
    vacancies: int
    overstaffing: int

    @property
    def value(self) -> int:
        return self.quota - self.established


@dataclass(frozen=True)
class CurriculumGap:
    """师资缺口, the curriculum gap of a district's public schools in a school year: the
    teachers the curriculum needs, in full-time equivalents (classes at the class-size caps ×
    weekly periods ÷ the standard weekly load, from each school's latest enrollment up to the
    year), minus the full-time teachers on roll of every employment type. Positive: teaching
    time nobody covers; `recruit` sums the positive gaps of each stage and subject, rounded up
    to whole teachers."""

    year: int
    on: date
    demand: float
    supply: float
    recruit: int

    @property
    def value(self) -> float:
        return self.demand - self.supply


def quota_shortfall(
    *, actor, district, year: int, on: date | None = None, report: DistrictStaffing | None = None
) -> QuotaShortfall:
    """The quota shortfall (编制缺口) of a district: the only place it is computed. `report`
    is the district's `district_staffing` of the same year, when the caller has it already."""
    if report is None:
        report = district_staffing(actor=actor, district=district, year=year, on=on)
    t = report.totals
    return QuotaShortfall(
        year=report.year,
        on=report.on,
        quota=t["quota"],
        established=t["established"],
        vacancies=t["vacancies"],
        overstaffing=t["overstaffing"],
    )


def curriculum_gap(
    *, actor, district, year: int, on: date | None = None, plan: DistrictForecast | None = None
) -> CurriculumGap:
    """The curriculum gap (师资缺口) of a district in school year `year`: the only place it is
    computed. `plan` is the district's `district_forecast` from the same base year, when the
    caller has it already (any number of years ahead: the base year is the same)."""
    if plan is None:
        plan = district_forecast(actor=actor, district=district, years=1, year=year, on=on)
    demand = plan.base_demand
    supply = plan.base_supply
    gaps = fc.gap({0: demand}, {0: supply}).get(0, {})
    return CurriculumGap(
        year=plan.year,
        on=plan.on,
        demand=sum(v for by_subject in demand.values() for v in by_subject.values()),
        supply=sum(v for by_subject in supply.values() for v in by_subject.values()),
        recruit=sum(fc.round_up(g) for by_subject in gaps.values() for g in by_subject.values()),
    )


@dataclass(frozen=True)
class GapComparison:
    """The two figures side by side, for the same district and school year."""

    quota_shortfall: QuotaShortfall
    curriculum_gap: CurriculumGap


def gap_comparison(
    *,
    actor,
    district,
    year: int,
    on: date | None = None,
    report: DistrictStaffing | None = None,
    plan: DistrictForecast | None = None,
) -> GapComparison:
    """The quota shortfall and the curriculum gap of one district and school year, each from its
    one selector (`quota_shortfall`, `curriculum_gap`): what the staffing and forecast pages
    show side by side."""
    return GapComparison(
        quota_shortfall=quota_shortfall(
            actor=actor, district=district, year=year, on=on, report=report
        ),
        curriculum_gap=curriculum_gap(actor=actor, district=district, year=year, on=on, plan=plan),
    )


# --- scenarios ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """Changes to the planning parameters, compared with the baseline (unset: as the baseline).

    `class_size_cap` stage → pupils per class; `births_change` percent more (+) or fewer (−)
    entrants than forecast (applied to the births series, or to the intake trend where no
    series is loaded); `births_trend` percent change of births per year past the last loaded
    year (the baseline holds them at that year); `retirement_age` gender → years, for everyone
    of that gender; `attrition_rate` the yearly share of other leavers (0.02 for 2%)."""

    class_size_cap: dict[str, int] = field(default_factory=dict)
    births_change: float = 0.0
    retirement_age: dict[str, int] = field(default_factory=dict)
    attrition_rate: float | None = None
    births_trend: float = 0.0

    @property
    def is_baseline(self) -> bool:
        return (
            not self.class_size_cap
            and not self.births_change
            and not self.births_trend
            and not self.retirement_age
            and self.attrition_rate is None
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "class_size_cap": dict(self.class_size_cap),
            "births_change": self.births_change,
            "births_trend": self.births_trend,
            "retirement_age": dict(self.retirement_age),
            "attrition_rate": self.attrition_rate,
        }


def scenario_parameters(base: fc.TeacherParameters, scenario: Scenario) -> fc.TeacherParameters:
    """The baseline parameters with the scenario's changes (ApplicationError for bad values)."""
    caps = dict(base.class_size_cap)
    for stage, cap in scenario.class_size_cap.items():
        if stage not in caps:
            raise ApplicationError(f"unknown stage {stage!r} for a class size cap")
        if not 1 <= int(cap) <= 100:
            raise ApplicationError("a class size cap must be between 1 and 100")
        caps[stage] = int(cap)
    retirement = base.retirement
    for gender, age in scenario.retirement_age.items():
        try:
            retirement = retirement.with_fixed_age(gender, int(age) * 12)
        except ValueError as exc:
            raise ApplicationError(str(exc)) from None
    attrition = base.attrition_rate
    if scenario.attrition_rate is not None:
        if not 0 <= scenario.attrition_rate < 0.5:
            raise ApplicationError("the attrition rate must be between 0 and 50%")
        attrition = float(scenario.attrition_rate)
    return replace(base, class_size_cap=caps, retirement=retirement, attrition_rate=attrition)


@dataclass(frozen=True)
class ScenarioComparison:
    """A district's forecast under the baseline and under a scenario, year by year."""

    scenario: Scenario
    baseline: DistrictForecast
    changed: DistrictForecast

    def by_year(self) -> list[dict[str, Any]]:
        """Per year: baseline and scenario demand, supply, gap and recruits, and the gap's
        difference (scenario − baseline)."""
        out = []
        for b, s in zip(self.baseline.by_year(), self.changed.by_year(), strict=True):
            out.append(
                {
                    "year": b["year"],
                    "baseline": {k: b[k] for k in ("demand", "supply", "gap", "recruit")},
                    "scenario": {k: s[k] for k in ("demand", "supply", "gap", "recruit")},
                    "gap_difference": s["gap"] - b["gap"],
                    "recruit_difference": s["recruit"] - b["recruit"],
                }
            )
        return out

    def by_stage(self) -> list[dict[str, Any]]:
        """Per year and stage: the gap and recruits of both, for the side-by-side table."""

        def sums(plan):
            t: dict[tuple[int, str], list] = defaultdict(lambda: [0.0, 0])
            for r in plan.rows:
                t[(r.year, r.stage)][0] += r.gap
                t[(r.year, r.stage)][1] += r.recruit
            return t

        b, s = sums(self.baseline), sums(self.changed)
        return [
            {
                "year": y,
                "stage": stage,
                "baseline_gap": b[(y, stage)][0],
                "baseline_recruit": b[(y, stage)][1],
                "scenario_gap": s[(y, stage)][0],
                "scenario_recruit": s[(y, stage)][1],
                "gap_difference": s[(y, stage)][0] - b[(y, stage)][0],
            }
            for y in self.baseline.years
            for stage in FORECAST_STAGES
        ]


def district_scenario(
    *, actor, district, years: int, year: int, scenario: Scenario, on: date | None = None
) -> ScenarioComparison:
    """The baseline forecast and the forecast under `scenario`, for the same district, years
    and roll date (see `district_forecast`)."""
    base_params = fc.load_parameters()
    params = scenario_parameters(base_params, scenario)
    if not -90 <= scenario.births_change <= 200:
        raise ApplicationError("the change in births must be between −90% and +200%")
    try:
        assumption = fc.BirthsAssumption(annual_change=float(scenario.births_trend))
    except ValueError:
        raise bilingual(
            "The yearly change of births must be between −50% and +50%.",
            "出生人口年变化率须在 −50% 至 +50% 之间。",
        ) from None
    baseline = district_forecast(
        actor=actor, district=district, years=years, year=year, on=on, parameters=base_params
    )
    changed = district_forecast(
        actor=actor,
        district=district,
        years=years,
        year=year,
        on=on,
        parameters=params,
        intake_scale=1 + scenario.births_change / 100,
        births_assumption=assumption,
    )
    return ScenarioComparison(scenario=scenario, baseline=baseline, changed=changed)


# --- post structure -------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolPosts:
    """One school's title posts: allowed by band (shares × posts per stage part), used by the
    established staff holding a title, and the promotions possible this year."""

    school_id: int
    code: str
    name: str
    stage: str
    posts: int  # the school's quota (its allocation when the district has allocated)
    structure: PostStructure
    untitled: int  # established staff without a title (not counted in any band)

    def as_dict(self) -> dict[str, Any]:
        return {
            "school_code": self.code,
            "school_name": self.name,
            "stage": self.stage,
            "posts": self.posts,
            "untitled": self.untitled,
            "bands": {
                b.band: {
                    "allowed": b.allowed,
                    "used": b.used,
                    "vacant": b.vacant,
                    "over": b.over,
                    "promotions": b.promotions,
                }
                for b in self.structure.bands
            },
            "promotions": sum(b.promotions for b in self.structure.bands if b.band != "junior"),
        }


def _titles_by_school(school_ids: list[int], on: date) -> dict[int, dict[str | None, int]]:
    """{school_id: {band or None: established staff}} on `on`, by each person's highest title
    obtained by then. Two queries."""
    staff = dict(
        Employment.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on),
            Q(start_date__isnull=True) | Q(start_date__lte=on),  # a missing start: on the roll
            school_id__in=school_ids,
            employment_type=EmploymentType.ESTABLISHED,
        )
        .order_by()
        .values_list("teacher_id", "school_id")
    )
    order = {rank: i for i, rank in enumerate(("third", "second", "first", "senior", "professor"))}
    best: dict[int, str] = {}
    for teacher_id, rank in TitleRecord.objects.filter(
        Q(obtained_on__isnull=True) | Q(obtained_on__lte=on),  # held, date unknown
        teacher_id__in=list(staff),
    ).values_list("teacher_id", "rank"):
        if teacher_id not in best or order[rank] > order[best[teacher_id]]:
            best[teacher_id] = rank
    counts: dict[int, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    for teacher_id, school_id in staff.items():
        rank = best.get(teacher_id)
        counts[school_id][TITLE_BANDS[rank] if rank else None] += 1
    return counts


def school_posts(
    rows: list[SchoolStaffing], on: date, shares: dict[str, dict[str, float]] | None = None
) -> list[SchoolPosts]:
    """Post structure of each school from its staffing row (quota by stage part) and the
    province's shares per stage (`teacher-parameters.json`, `post_shares`). When the district
    has allocated a different quota, the difference goes to the school's largest part."""
    shares = shares if shares is not None else dict(fc.load_parameters().post_shares)
    titles = _titles_by_school([r.school_id for r in rows], on)
    out = []
    for r in rows:
        parts = dict(r.quota.by_stage)
        if r.allocated is not None and parts:
            largest = max(parts, key=lambda p: (parts[p], p))
            parts[largest] = max(0, parts[largest] + r.allocated - r.quota.total)
        try:
            structure = post_structure_by_parts(
                {b: n for b, n in titles.get(r.school_id, {}).items() if b},
                {p: (shares[p], n) for p, n in parts.items()},
            )
        except (KeyError, ValueError) as exc:
            raise ApplicationError(f"School {r.code}: no post shares ({exc})") from None
        out.append(
            SchoolPosts(
                school_id=r.school_id,
                code=r.code,
                name=r.name,
                stage=r.stage,
                posts=r.effective_quota,
                structure=structure,
                untitled=titles.get(r.school_id, {}).get(None, 0),
            )
        )
    return out


@dataclass(frozen=True)
class DistrictPosts:
    district: Region
    year: int
    on: date
    schools: list[SchoolPosts]
    total: PostStructure
    shares: dict[str, dict[str, float]]
    parameters_version: str


def district_posts(*, actor, district, year: int, on: date | None = None) -> DistrictPosts:
    """Posts used against allowed by title band, and promotions possible this year, for every
    school of a district in the actor's scope and for the district (sums over its schools)."""
    report = district_staffing(actor=actor, district=district, year=year, on=on)
    params = fc.load_parameters()
    shares = dict(params.post_shares)
    schools = school_posts(report.schools, report.on, shares)
    return DistrictPosts(
        district=report.district,
        year=year,
        on=report.on,
        schools=schools,
        total=post_structure_sum(s.structure for s in schools),
        shares=shares,
        parameters_version=params.version,
    )


BAND_ORDER = BANDS
