"""Staffing quotas (编制) and post structure (岗位结构): pure computation on plain data.

The rules come from a versioned `StaffingRuleSet` (data/staffing-ratios-<version>.json, POLICY.md
§2): students per staff member by stage and location, caps on non-teaching staff, and the
small-school and boarding adjustments.

Quota of a school, computed per stage part s (a nine- or twelve-year school has one part per
stage) with enrollment N_s and the rule set's ratio r_s (students per staff, for its location):

    raw_s   = N_s / r_s
    small rural school (total enrollment < max_students, location listed, class counts given):
    raw_s   = max(raw_s, classes_s × staff_per_class_s)
    boarding school:
    raw_s   = raw_s × (1 + extra_share)
    quota_s = round half up (raw_s)            (四舍五入 per stage part, in exact fractions)
    quota   = Σ quota_s

Round half up rather than up: rounding each of thousands of schools up would inflate a district
total by about half a post per school part. Non-teaching staff (administration, auxiliary,
logistics) may be at most floor(Σ cap_s × quota_s) of the school's quota.

Post structure (POLICY.md §3): with shares p_senior, p_intermediate, p_junior of T posts,

    allowed_senior       = floor(p_senior × T)
    allowed_intermediate = floor((p_senior + p_intermediate) × T) − allowed_senior
    allowed_junior       = T − allowed_senior − allowed_intermediate

(cumulative flooring: the higher bands are capped, the junior band takes the remainder, and the
three add up to T). A nine- or twelve-year school applies each stage's shares to that stage
part's posts and adds the allowed posts up (`post_structure_by_parts`); T is the school's quota
(its allocation when the district has allocated the pool). A district's figures are the sums
over its schools (`post_structure_sum`): posts are held by schools, so a free senior post in one
school is no promotion for a teacher of another. Promotions possible into a band this year = its free posts, bounded by the
number of staff in the band below; for the junior band (entered by appointment after probation),
its free posts.

>>> rules = load_rules("2014")
>>> q = school_quota({"primary": 950}, "urban", rules)
>>> q.total, q.non_teaching_max
(50, 4)
>>> school_quota({"primary": 600, "junior": 270}, "rural", rules).by_stage
{'primary': 32, 'junior': 20}
>>> staff_position(q, OnRoll(established_teachers=44, established_non_teaching=3)).vacancies
3
>>> reallocate(100, {"A": 60, "B": 35}, [Move("A", "B", 5), Move(None, "B", 5)])
{'A': 55, 'B': 45}
>>> ps = post_structure({"senior": 6, "intermediate": 20, "junior": 20},
...                     {"senior": 0.1, "intermediate": 0.45, "junior": 0.45}, 50)
>>> ps.by_band["senior"].allowed, ps.by_band["senior"].promotions
(5, 0)
>>> ps.by_band["intermediate"].allowed, ps.by_band["intermediate"].promotions
(22, 2)
>>> nine = post_structure_by_parts(
...     {"senior": 3, "intermediate": 10, "junior": 12},
...     {"primary": ({"senior": 0.1, "intermediate": 0.45, "junior": 0.45}, 19),
...      "junior": ({"senior": 0.2, "intermediate": 0.45, "junior": 0.35}, 11)})
>>> [(b.band, b.allowed, b.promotions) for b in nine.bands]   # 1 + 2, 8 + 6, 10 + 3
[('senior', 3, 0), ('intermediate', 14, 4), ('junior', 13, 1)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from importlib import resources

__all__ = [
    "BANDS",
    "LOCATIONS",
    "STAGES",
    "TITLE_BANDS",
    "BandPosts",
    "DistrictPool",
    "Move",
    "NonTeachingCheck",
    "OnRoll",
    "PostStructure",
    "Quota",
    "ReallocationError",
    "SmallSchoolRule",
    "StaffPosition",
    "StaffingRuleSet",
    "StageQuota",
    "district_pool",
    "load_rules",
    "non_teaching_check",
    "post_structure",
    "post_structure_by_parts",
    "post_structure_sum",
    "reallocate",
    "round_half_up",
    "rules_from_dict",
    "rules_in_force",
    "school_quota",
    "staff_by_band",
    "staff_position",
]

STAGES = ("primary", "junior", "senior")
LOCATIONS = ("urban", "town", "rural")  # city, county town, rural (the 2001 standard's columns)
BANDS = ("senior", "intermediate", "junior")
TITLE_BANDS = {
    "professor": "senior",
    "senior": "senior",
    "first": "intermediate",
    "second": "junior",
    "third": "junior",
}
RULE_VERSIONS = ("2001", "2014")


def _fraction(value) -> Fraction:
    """Exact fraction of a JSON number or numeric string (12.5 → 25/2, not a binary float)."""
    if isinstance(value, Fraction):
        return value
    return Fraction(str(value))


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves up (四舍五入): 2.5 → 3, 2.49 → 2.

    >>> round_half_up(Fraction(5, 2)), round_half_up(Fraction(249, 100))
    (3, 2)
    """
    return math.floor(value + Fraction(1, 2))


# --- rule sets ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmallSchoolRule:
    """Small rural schools are staffed by class count as well as by student count (*unverified*
    default: schools under 100 students in rural locations, 1.5 staff per primary class)."""

    max_students: int
    locations: tuple[str, ...]
    staff_per_class: Mapping[str, Fraction]


@dataclass(frozen=True)
class StaffingRuleSet:
    """One version of the staffing standard, with its source and effective date."""

    version: str
    effective_from: date
    source: str
    ratios: Mapping[str, Mapping[str, Fraction]]  # stage → location → students per staff
    non_teaching_cap: Mapping[str, Fraction]  # stage → share of the quota
    small_school: SmallSchoolRule | None = None
    boarding_extra_share: Fraction = Fraction(0)
    title: str = ""
    unverified: tuple[str, ...] = ()

    def ratio(self, stage: str, location: str) -> Fraction:
        """Students per staff member for a stage part of a school in this location."""
        try:
            by_location = self.ratios[stage]
        except KeyError:
            raise ValueError(f"rule set {self.version} has no ratio for stage {stage!r}") from None
        try:
            return by_location[location]
        except KeyError:
            raise ValueError(
                f"unknown location {location!r}; expected one of {LOCATIONS}"
            ) from None


def rules_from_dict(data: Mapping) -> StaffingRuleSet:
    """Build a rule set from its JSON form (a data file or a database row).

    `ratios` maps each stage either to one number (unified for all locations, as since 2014) or
    to a number per location (as in 2001).
    """
    ratios = {}
    for stage, value in data["ratios"].items():
        if isinstance(value, Mapping):
            ratios[stage] = {loc: _fraction(value[loc]) for loc in LOCATIONS}
        else:
            ratios[stage] = dict.fromkeys(LOCATIONS, _fraction(value))
    small = data.get("small_school")
    small_rule = None
    if small:
        small_rule = SmallSchoolRule(
            max_students=int(small["max_students"]),
            locations=tuple(small["locations"]),
            staff_per_class={s: _fraction(v) for s, v in small["staff_per_class"].items()},
        )
    return StaffingRuleSet(
        version=str(data["version"]),
        effective_from=date.fromisoformat(data["effective_from"]),
        source=data.get("source", ""),
        title=data.get("title", ""),
        ratios=ratios,
        non_teaching_cap={s: _fraction(v) for s, v in data["non_teaching_cap"].items()},
        small_school=small_rule,
        boarding_extra_share=_fraction((data.get("boarding") or {}).get("extra_share", 0)),
        unverified=tuple(data.get("unverified", ())),
    )


def load_rules(version: str = "2014") -> StaffingRuleSet:
    """The rule set shipped as data/staffing-ratios-<version>.json."""
    if version not in RULE_VERSIONS:
        raise ValueError(f"no shipped staffing rule set {version!r}; have {RULE_VERSIONS}")
    text = resources.files("qiangshi.engines") / "data" / f"staffing-ratios-{version}.json"
    return rules_from_dict(json.loads(text.read_text(encoding="utf-8")))


def rules_in_force(on: date, rule_sets: Iterable[StaffingRuleSet] | None = None) -> StaffingRuleSet:
    """The rule set with the latest effective date on or before `on`.

    >>> rules_in_force(date(2010, 1, 1)).version, rules_in_force(date(2025, 1, 1)).version
    ('2001', '2014')
    """
    candidates = (
        list(rule_sets) if rule_sets is not None else [load_rules(v) for v in RULE_VERSIONS]
    )
    in_force = [r for r in candidates if r.effective_from <= on]
    if not in_force:
        raise ValueError(f"no staffing rule set in force on {on}")
    return max(in_force, key=lambda r: r.effective_from)


# --- quotas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageQuota:
    """One stage part of a school's quota, with the steps that produced it."""

    stage: str
    students: int
    ratio: Fraction
    by_students: Fraction  # students / ratio
    by_classes: Fraction | None  # classes × staff per class, when the small-school rule applied
    raw: Fraction  # after the adjustments, before rounding
    quota: int


@dataclass(frozen=True)
class Quota:
    """A school's staffing quota under one rule set: per stage part and in total."""

    rule_version: str
    location: str
    parts: tuple[StageQuota, ...]
    total: int
    non_teaching_max: int
    adjustments: tuple[str, ...] = ()  # "small_school", "boarding"

    @property
    def by_stage(self) -> dict[str, int]:
        return {p.stage: p.quota for p in self.parts}


def school_quota(
    enrollment_by_stage: Mapping[str, int],
    location: str,
    rules: StaffingRuleSet,
    *,
    boarding: bool = False,
    classes_by_stage: Mapping[str, int] | None = None,
) -> Quota:
    """Quota of one school from its enrollment per stage part (see the module docstring).

    `classes_by_stage` is needed only for the small-school rule; without it a small school is
    staffed by student count alone.

    >>> rules = load_rules("2014")
    >>> school_quota({"junior": 1000}, "urban", rules).total   # 1000 / 13.5 = 74.07
    74
    >>> school_quota({"primary": 60}, "rural", rules, classes_by_stage={"primary": 6}).total
    9
    """
    if location not in LOCATIONS:
        raise ValueError(f"unknown location {location!r}; expected one of {LOCATIONS}")
    for stage, students in enrollment_by_stage.items():
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}; expected one of {STAGES}")
        if students < 0:
            raise ValueError(f"negative enrollment for {stage}: {students}")
    total_students = sum(enrollment_by_stage.values())
    small = rules.small_school
    small_applies = (
        small is not None
        and classes_by_stage is not None
        and location in small.locations
        and total_students < small.max_students
    )
    adjustments = set()
    parts = []
    non_teaching = Fraction(0)
    for stage in STAGES:
        if stage not in enrollment_by_stage:
            continue
        students = int(enrollment_by_stage[stage])
        ratio = rules.ratio(stage, location)
        by_students = Fraction(students) / ratio
        raw = by_students
        by_classes = None
        if small_applies and students:
            by_classes = classes_by_stage.get(stage, 0) * small.staff_per_class.get(stage, 0)
            if by_classes > raw:
                raw = Fraction(by_classes)
                adjustments.add("small_school")
        if boarding and rules.boarding_extra_share and raw:
            raw = raw * (1 + rules.boarding_extra_share)
            adjustments.add("boarding")
        quota = round_half_up(raw)
        parts.append(StageQuota(stage, students, ratio, by_students, by_classes, raw, quota))
        non_teaching += rules.non_teaching_cap.get(stage, Fraction(0)) * quota
    return Quota(
        rule_version=rules.version,
        location=location,
        parts=tuple(parts),
        total=sum(p.quota for p in parts),
        non_teaching_max=math.floor(non_teaching),
        adjustments=tuple(a for a in ("small_school", "boarding") if a in adjustments),
    )


@dataclass(frozen=True)
class NonTeachingCheck:
    """Non-teaching staff on the quota against the cap."""

    allowed: int
    actual: int

    @property
    def excess(self) -> int:
        return max(0, self.actual - self.allowed)

    @property
    def ok(self) -> bool:
        return self.actual <= self.allowed


def non_teaching_check(quota: Quota, non_teaching: int) -> NonTeachingCheck:
    """Compare established non-teaching staff with floor(Σ cap_s × quota_s).

    >>> non_teaching_check(school_quota({"primary": 950}, "urban", load_rules()), 5).excess
    1
    """
    return NonTeachingCheck(allowed=quota.non_teaching_max, actual=non_teaching)


@dataclass(frozen=True)
class OnRoll:
    """Staff on a school's roll. Established (在编) staff count against the quota; other
    employment types (non-established, contract, substitute) are shown beside it."""

    established_teachers: int = 0
    established_non_teaching: int = 0
    other_teachers: int = 0
    other_non_teaching: int = 0

    @property
    def established(self) -> int:
        return self.established_teachers + self.established_non_teaching

    @property
    def full_time_teachers(self) -> int:
        return self.established_teachers + self.other_teachers


@dataclass(frozen=True)
class StaffPosition:
    """A school's established staff against its quota."""

    quota: int
    established: int
    vacancies: int  # quota − established, when positive
    overstaffing: int  # established − quota, when positive
    non_teaching: NonTeachingCheck
    other_employment: int  # staff outside the establishment (not counted against the quota)
    full_time_teachers: int


def staff_position(quota: Quota, on_roll: OnRoll) -> StaffPosition:
    """Vacancies or overstaffing: established staff against the quota, plus the non-teaching cap.

    >>> p = staff_position(school_quota({"primary": 950}, "urban", load_rules()),
    ...                    OnRoll(established_teachers=48, established_non_teaching=5))
    >>> p.vacancies, p.overstaffing, p.non_teaching.excess
    (0, 3, 1)
    """
    established = on_roll.established
    return StaffPosition(
        quota=quota.total,
        established=established,
        vacancies=max(0, quota.total - established),
        overstaffing=max(0, established - quota.total),
        non_teaching=non_teaching_check(quota, on_roll.established_non_teaching),
        other_employment=on_roll.other_teachers + on_roll.other_non_teaching,
        full_time_teachers=on_roll.full_time_teachers,
    )


# --- the district pool ----------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictPool:
    """The district's quota pool (县管校聘): what the schools are entitled to by the rules, what
    the bureau has allocated to each, and what is left in reserve."""

    total: int  # the pool the district holds
    entitled: int  # Σ school quotas computed from the rule set
    allocated: int  # Σ allocations to schools
    quotas: Mapping[Hashable, int] = field(default_factory=dict)
    allocations: Mapping[Hashable, int] = field(default_factory=dict)

    @property
    def unallocated(self) -> int:
        """Quota held in reserve (negative when the district has allocated more than it holds)."""
        return self.total - self.allocated

    @property
    def over_allocated(self) -> bool:
        return self.allocated > self.total

    def difference(self, school: Hashable) -> int:
        """Allocation minus the rule-set quota for one school (negative: allocated below need)."""
        return self.allocations.get(school, 0) - self.quotas.get(school, 0)


def district_pool(
    schools: Iterable[tuple[Hashable, int, int]], *, total: int | None = None
) -> DistrictPool:
    """Sum (school, quota, allocated) rows; `total` is the approved pool (Σ quotas if not given).

    >>> p = district_pool([("A", 50, 52), ("B", 30, 26)])
    >>> p.total, p.allocated, p.unallocated, p.difference("B")
    (80, 78, 2, -4)
    """
    quotas: dict[Hashable, int] = {}
    allocations: dict[Hashable, int] = {}
    for school, quota, allocated in schools:
        if school in quotas:
            raise ValueError(f"school {school!r} appears twice")
        quotas[school] = int(quota)
        allocations[school] = int(allocated)
    entitled = sum(quotas.values())
    return DistrictPool(
        total=entitled if total is None else int(total),
        entitled=entitled,
        allocated=sum(allocations.values()),
        quotas=quotas,
        allocations=allocations,
    )


@dataclass(frozen=True)
class Move:
    """Move `amount` posts of quota from one school to another; None is the district reserve."""

    source: Hashable | None
    target: Hashable | None
    amount: int


class ReallocationError(ValueError):
    """A re-allocation that cannot be made; `code` says why, `index` which move (or None)."""

    def __init__(self, code: str, message: str, index: int | None = None):
        super().__init__(message)
        self.code = code
        self.index = index


def reallocate(
    pool: int, allocations: Mapping[Hashable, int], moves: Sequence[Move]
) -> dict[Hashable, int]:
    """Apply moves of quota between schools and the reserve; return the new allocations.

    Each move is checked in order (positive whole amount, known schools, no school below zero)
    and the result must not exceed the pool. Nothing is changed when a move fails: the input is
    never mutated, and the caller saves the result only if no error was raised.

    >>> reallocate(80, {"A": 50, "B": 30}, [Move(None, "A", 1)])
    Traceback (most recent call last):
    ...
    qiangshi.engines.staffing.ReallocationError: the allocations would total 81, above the pool of 80
    """
    result = dict(allocations)
    for i, move in enumerate(moves):
        if not isinstance(move.amount, int) or isinstance(move.amount, bool) or move.amount <= 0:
            raise ReallocationError(
                "amount", f"move {i + 1}: amount must be a positive whole number", i
            )
        if move.source == move.target:
            raise ReallocationError(
                "same_school", f"move {i + 1}: source and target are the same", i
            )
        for school in (move.source, move.target):
            if school is not None and school not in result:
                raise ReallocationError(
                    "unknown_school", f"move {i + 1}: unknown school {school!r}", i
                )
        if move.source is not None:
            if result[move.source] < move.amount:
                raise ReallocationError(
                    "insufficient",
                    f"move {i + 1}: school {move.source!r} holds {result[move.source]}, "
                    f"cannot give {move.amount}",
                    i,
                )
            result[move.source] -= move.amount
        if move.target is not None:
            result[move.target] += move.amount
    allocated = sum(result.values())
    if allocated > pool:
        raise ReallocationError(
            "above_pool", f"the allocations would total {allocated}, above the pool of {pool}"
        )
    return result


# --- post structure -------------------------------------------------------------------------


def staff_by_band(titles: Iterable[str | None]) -> dict[str, int]:
    """Count post holders by band from their title ranks (untitled staff are not counted).

    >>> staff_by_band(["professor", "senior", "first", "third", None])
    {'senior': 2, 'intermediate': 1, 'junior': 1}
    """
    counts = dict.fromkeys(BANDS, 0)
    for title in titles:
        if title:
            counts[TITLE_BANDS[title]] += 1
    return counts


@dataclass(frozen=True)
class BandPosts:
    """Posts of one title band: allowed by the shares, used, and promotions possible."""

    band: str
    allowed: int
    used: int
    promotions: int  # promotions (appointments for the junior band) possible this year

    @property
    def vacant(self) -> int:
        return max(0, self.allowed - self.used)

    @property
    def over(self) -> int:
        return max(0, self.used - self.allowed)


@dataclass(frozen=True)
class PostStructure:
    """Posts used against posts allowed, by title band, for a school (or a sum of schools)."""

    total_posts: int
    bands: tuple[BandPosts, ...]

    @property
    def by_band(self) -> dict[str, BandPosts]:
        return {b.band: b for b in self.bands}


def post_structure(
    staff_by_band: Mapping[str, int], shares_by_band: Mapping[str, float], total_posts: int
) -> PostStructure:
    """Allowed posts per band from the province's shares (cumulative flooring, see the module
    docstring), posts used, and promotions possible this year.

    Promotions into a band = min(free posts in the band, staff in the band below). Posts freed by
    promotions out of a band in the same round are not counted again (no cascading within a year).
    """
    shares = {b: _fraction(shares_by_band.get(b, 0)) for b in BANDS}
    if any(s < 0 for s in shares.values()) or sum(shares.values()) != 1:
        raise ValueError(f"band shares must be non-negative and add up to 1, got {shares_by_band}")
    if total_posts < 0:
        raise ValueError("total_posts must not be negative")
    senior = math.floor(shares["senior"] * total_posts)
    intermediate = math.floor((shares["senior"] + shares["intermediate"]) * total_posts) - senior
    allowed = {"senior": senior, "intermediate": intermediate}
    allowed["junior"] = total_posts - senior - intermediate
    used = {b: int(staff_by_band.get(b, 0)) for b in BANDS}
    below = {"senior": "intermediate", "intermediate": "junior", "junior": None}
    bands = []
    for band in BANDS:
        free = max(0, allowed[band] - used[band])
        promotions = free if below[band] is None else min(free, used[below[band]])
        bands.append(BandPosts(band, allowed[band], used[band], promotions))
    return PostStructure(total_posts=total_posts, bands=tuple(bands))


def post_structure_by_parts(
    staff_by_band: Mapping[str, int],
    parts: Mapping[str, tuple[Mapping[str, float], int]],
) -> PostStructure:
    """Post structure of a school with several stage parts: `parts` maps stage → (shares of
    that stage, posts of that part). Allowed posts are computed per part (cumulative flooring)
    and added up; staff and promotions are the school's (titles are not held per part).
    """
    allowed = dict.fromkeys(BANDS, 0)
    total = 0
    for shares, posts in parts.values():
        part = post_structure({}, shares, posts)
        for b in part.bands:
            allowed[b.band] += b.allowed
        total += posts
    used = {b: int(staff_by_band.get(b, 0)) for b in BANDS}
    below = {"senior": "intermediate", "intermediate": "junior", "junior": None}
    bands = []
    for band in BANDS:
        free = max(0, allowed[band] - used[band])
        promotions = free if below[band] is None else min(free, used[below[band]])
        bands.append(BandPosts(band, allowed[band], used[band], promotions))
    return PostStructure(total_posts=total, bands=tuple(bands))


def post_structure_sum(structures: Iterable[PostStructure]) -> PostStructure:
    """A district's post structure: allowed, used and promotions summed over its schools.

    >>> a = post_structure({"senior": 6, "intermediate": 20}, {"senior": 0.1,
    ...     "intermediate": 0.45, "junior": 0.45}, 50)
    >>> b = post_structure({"intermediate": 1, "junior": 9}, {"senior": 0.1,
    ...     "intermediate": 0.45, "junior": 0.45}, 10)
    >>> [(x.band, x.allowed, x.used, x.promotions) for x in post_structure_sum([a, b]).bands]
    [('senior', 6, 6, 1), ('intermediate', 26, 21, 3), ('junior', 28, 9, 23)]
    """
    allowed = dict.fromkeys(BANDS, 0)
    used = dict.fromkeys(BANDS, 0)
    promotions = dict.fromkeys(BANDS, 0)
    total = 0
    for ps in structures:
        total += ps.total_posts
        for b in ps.bands:
            allowed[b.band] += b.allowed
            used[b.band] += b.used
            promotions[b.band] += b.promotions
    return PostStructure(
        total_posts=total,
        bands=tuple(BandPosts(b, allowed[b], used[b], promotions[b]) for b in BANDS),
    )
