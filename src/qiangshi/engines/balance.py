"""Quality-balanced compulsory education (POLICY.md §1): the seven resource indicators of each
school, the school pass rule, the enrollment-weighted coefficient of variation of each indicator
across a district's schools, and the smallest changes that would make a failing school pass.

Plain Python and numpy; every number (minimums, CV limits, the 6-of-7 and 85% rule, the scope
thresholds) comes from a `RuleSet`, loaded from a reviewed data file by `qiangshi.balance.rules`.

Formulas, for the schools i = 1..n of one district and stage, enrollment P_i, P = Σ P_i:

- indicator value X_i = per · total_i / P_i, where `per` is 100 for "per 100 students"
  indicators and 1 for "per student" ones;
- district mean X̄ = per · Σ total_i / P (the enrollment-weighted mean of the X_i);
- S = sqrt( Σ (P_i / P) · (X_i − X̄)² ),  CV = S / X̄  (the CV does not depend on `per`);
- a school passes when it meets at least `min_met` (6) of the 7 minimums and every indicator it
  misses is at least `missed_floor` (85%) of its minimum;
- the district passes when every school in scope passes and every indicator's CV is at most the
  stage's limit (0.50 primary, 0.45 junior). POLICY states the two conditions separately and no
  other district verdict; the 2017 办法 requires both, so the verdict is their conjunction.

Comparisons with a minimum or a limit allow a relative 1e-9 for floating-point rounding, so that
a value exactly at 85% in decimal (3.57 of 4.2) is not failed by a binary rounding error.

>>> weighted_cv([10, 90], [100, 100])   # X = 0.1, 0.9; mean 0.5; S = 0.4
0.8
>>> rules = RuleSet.from_dict(EXAMPLE_RULES)
>>> schools = [
...     SchoolInput("A", "primary", 100, higher_degree_teachers=5, backbone_teachers=1,
...                 pe_arts_teachers=1, teaching_area_m2=500, sports_area_m2=800,
...                 equipment_value_yuan=210_000, multimedia_rooms=3),
...     SchoolInput("B", "primary", 200, higher_degree_teachers=8, backbone_teachers=1,
...                 pe_arts_teachers=2, teaching_area_m2=900, sports_area_m2=1500,
...                 equipment_value_yuan=400_000, multimedia_rooms=4),
... ]
>>> result = evaluate_district(schools, "primary", rules)
>>> result.schools[1].values["backbone_teachers_per_100"], result.schools[1].passed
(0.5, False)
>>> [(s.resource, s.add) for s in result.schools[1].shortfalls]
[('backbone_teachers', 1.0)]
>>> round(result.indicators["backbone_teachers_per_100"].cv, 4), result.passed
(0.3536, False)
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial

import numpy as np

__all__ = [
    "EXAMPLE_RULES",
    "INTEGER_RESOURCES",
    "RESOURCES",
    "STAGES",
    "DistrictResult",
    "Exclusion",
    "Indicator",
    "IndicatorResult",
    "ManyResult",
    "RuleSet",
    "SchoolInput",
    "SchoolResult",
    "Shortfall",
    "evaluate_district",
    "evaluate_many",
    "school_shortfalls",
    "split_school",
    "weighted_cv",
]

STAGES = ("primary", "junior")
PARTS = ("primary", "junior", "senior")  # stage parts of a through-school; senior is not judged
RESOURCES = (
    "higher_degree_teachers",
    "backbone_teachers",
    "pe_arts_teachers",
    "teaching_area_m2",
    "sports_area_m2",
    "equipment_value_yuan",
    "multimedia_rooms",
)
# Counted in whole units: a suggested change is rounded up to a whole teacher or room; areas and
# values are rounded up to one decimal.
INTEGER_RESOURCES = frozenset(
    {"higher_degree_teachers", "backbone_teachers", "pe_arts_teachers", "multimedia_rooms"}
)
EPS = 1e-9

# A made-up rule set for examples and tests of the engine alone (round minimums, not POLICY's).
EXAMPLE_RULES = {
    "version": "example",
    "effective_from": "2000-01-01",
    "source": "example",
    "indicators": [
        {"key": "higher_degree_teachers_per_100", "resource": "higher_degree_teachers", "per": 100},
        {"key": "backbone_teachers_per_100", "resource": "backbone_teachers", "per": 100},
        {"key": "pe_arts_teachers_per_100", "resource": "pe_arts_teachers", "per": 100},
        {"key": "teaching_area_per_student", "resource": "teaching_area_m2", "per": 1},
        {"key": "sports_area_per_student", "resource": "sports_area_m2", "per": 1},
        {"key": "equipment_value_per_student", "resource": "equipment_value_yuan", "per": 1},
        {"key": "multimedia_rooms_per_100", "resource": "multimedia_rooms", "per": 100},
    ],
    "minimums": {
        stage: {
            "higher_degree_teachers_per_100": 4,
            "backbone_teachers_per_100": 1,
            "pe_arts_teachers_per_100": 1,
            "teaching_area_per_student": 4,
            "sports_area_per_student": 7,
            "equipment_value_per_student": 2000,
            "multimedia_rooms_per_100": 2,
        }
        for stage in STAGES
    },
    "cv_limits": {"primary": 0.5, "junior": 0.45},
}


# ---------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class Indicator:
    """One indicator: `per` · (school total of `resource`) / students."""

    key: str
    resource: str
    per: int
    label: str = ""
    label_en: str = ""
    definition: str = ""


@dataclass(frozen=True)
class RuleSet:
    """A versioned set of the §1 parameters. `from_dict` reads the data-file layout."""

    version: str
    effective_from: date
    source: str
    indicators: tuple[Indicator, ...]
    minimums: Mapping[str, Mapping[str, float]]  # stage → indicator key → minimum
    cv_limits: Mapping[str, float]  # stage → limit
    min_met: int = 6
    missed_floor: float = 0.85
    teaching_point_below: int = 50  # schools with fewer students are teaching points, excluded
    small_school_range: tuple[int, int] = (50, 99)  # rural small schools: PE/arts rule
    excluded_kinds: tuple[str, ...] = ("special_education", "vocational")
    # Whether private (民办) schools are judged and enter the district's means and CVs; the
    # 2017 办法 covers every compulsory school, so by default they count.
    include_private: bool = True
    # How the registry counts the teachers (used by the registry adapter, not by the engine).
    higher_degree_min_level: Mapping[str, str] = field(default_factory=dict)
    backbone_kinds: tuple[str, ...] = ()
    backbone_levels: tuple[str, ...] = ()
    pe_arts_subjects: tuple[str, ...] = ()
    authored_by: str = ""
    reviewed_by: str = ""
    notes: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for i in self.indicators)

    def indicator(self, key: str) -> Indicator:
        for i in self.indicators:
            if i.key == key:
                return i
        raise KeyError(key)

    def minimum_vector(self, stage: str) -> np.ndarray:
        return np.array([float(self.minimums[stage][k]) for k in self.keys])

    @classmethod
    def from_dict(cls, data: Mapping) -> RuleSet:
        """Build and validate a rule set from the data-file layout (see rules/*.json)."""
        try:
            indicators = tuple(
                Indicator(
                    key=i["key"],
                    resource=i["resource"],
                    per=int(i["per"]),
                    label=i.get("label", ""),
                    label_en=i.get("label_en", ""),
                    definition=i.get("definition", ""),
                )
                for i in data["indicators"]
            )
            school_pass = data.get("school_pass", {})
            scope = data.get("scope", {})
            counting = data.get("registry_counting", {})
            rules = cls(
                version=str(data["version"]),
                effective_from=date.fromisoformat(data["effective_from"]),
                source=data["source"],
                indicators=indicators,
                minimums={s: dict(m) for s, m in data["minimums"].items()},
                cv_limits={s: float(v) for s, v in data["cv_limits"].items()},
                min_met=int(school_pass.get("min_met", 6)),
                missed_floor=float(school_pass.get("missed_floor", 0.85)),
                teaching_point_below=int(scope.get("teaching_point_below", 50)),
                small_school_range=(
                    int(scope.get("small_school_min", 50)),
                    int(scope.get("small_school_max", 99)),
                ),
                excluded_kinds=tuple(scope.get("excluded_kinds", cls.excluded_kinds)),
                include_private=_boolean(scope.get("include_private_schools", True)),
                higher_degree_min_level=dict(counting.get("higher_degree_min_level", {})),
                backbone_kinds=tuple(counting.get("backbone_kinds", ())),
                backbone_levels=tuple(counting.get("backbone_levels", ())),
                pe_arts_subjects=tuple(counting.get("pe_arts_subjects", ())),
                authored_by=data.get("authored_by", ""),
                reviewed_by=data.get("reviewed_by", "") or "",
                notes=data.get("notes", ""),
            )
        except KeyError as exc:
            raise ValueError(f"rule set: missing field {exc.args[0]!r}") from None
        rules.validate()
        return rules

    def validate(self) -> None:
        where = f"rule set {self.version}"
        keys = self.keys
        if len(set(keys)) != len(keys):
            raise ValueError(f"{where}: indicator keys repeat")
        for i in self.indicators:
            if i.resource not in RESOURCES:
                raise ValueError(f"{where}: {i.key}: unknown resource {i.resource!r}")
            if i.per <= 0:
                raise ValueError(f"{where}: {i.key}: 'per' must be positive")
        for stage in STAGES:
            if stage not in self.minimums or stage not in self.cv_limits:
                raise ValueError(f"{where}: no minimums or CV limit for {stage}")
            for k in keys:
                value = self.minimums[stage].get(k)
                if value is None or not float(value) > 0:
                    raise ValueError(f"{where}: {stage} minimum of {k} must be positive")
            if not self.cv_limits[stage] > 0:
                raise ValueError(f"{where}: the {stage} CV limit must be positive")
        if not 0 < self.min_met <= len(keys):
            raise ValueError(f"{where}: min_met must be between 1 and {len(keys)}")
        if not 0 < self.missed_floor <= 1:
            raise ValueError(f"{where}: missed_floor must be in (0, 1]")


def _boolean(value) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"include_private_schools must be true or false, not {value!r}")


# ---------------------------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class SchoolInput:
    """One school (or one stage part of a through-school): its students and resource totals.

    `school_enrollment` is the whole school's enrollment (all parts), used for the teaching-point
    exclusion and the small-school rule; None means `enrollment`. `pe_arts_part_time` counts
    rotating, part-time and itinerant PE/arts teachers, which only a rural school of the
    small-school size may add. `missing` names data the registry lacks for the school (such a
    school is reported as excluded rather than judged on zeros).
    """

    code: str
    stage: str
    enrollment: float
    higher_degree_teachers: float = 0.0
    backbone_teachers: float = 0.0
    pe_arts_teachers: float = 0.0
    teaching_area_m2: float = 0.0
    sports_area_m2: float = 0.0
    equipment_value_yuan: float = 0.0
    multimedia_rooms: float = 0.0
    pe_arts_part_time: float = 0.0
    rural: bool = False
    special_education: bool = False
    vocational: bool = False
    school_enrollment: float | None = None
    missing: tuple[str, ...] = ()
    private: bool = False  # a private (民办) school: judged only if the rule set counts them

    @property
    def whole_enrollment(self) -> float:
        return self.enrollment if self.school_enrollment is None else self.school_enrollment

    def totals(self) -> dict[str, float]:
        return {r: float(getattr(self, r)) for r in RESOURCES}


def split_school(
    code: str,
    part_enrollments: Mapping[str, float],
    totals: Mapping[str, float],
    *,
    per_stage: Mapping[str, Mapping[str, float]] | None = None,
    assigned: Mapping[str, Mapping[str, float]] | None = None,
    rural: bool = False,
) -> list[SchoolInput]:
    """Split a school's totals into its primary and junior parts by enrollment (POLICY §1).

    Each part gets `share = students of the part / students of the whole school` of every total
    (the senior part of a twelve-year school keeps its share, and is not judged: it is outside
    compulsory education). `per_stage[part][resource]` replaces `totals[resource]` for that part
    before the split: a figure that depends on the stage's definition, such as teachers with a
    degree above the requirement (专科 counts for primary, not for junior). `assigned[part]` is
    added to the part as is: resources already known to belong to it (for example teachers
    whose teaching load is in that stage). Keys may be the seven resources and
    "pe_arts_part_time". A single-stage school gives one part with share 1.

    >>> parts = split_school("S", {"primary": 600, "junior": 300},
    ...                      {"teaching_area_m2": 4500, "multimedia_rooms": 18})
    >>> [(p.stage, p.enrollment, p.teaching_area_m2, p.multimedia_rooms) for p in parts]
    [('primary', 600, 3000.0, 12.0), ('junior', 300, 1500.0, 6.0)]
    """
    unknown = set(part_enrollments) - set(PARTS)
    if unknown:
        raise ValueError(f"school {code}: unknown stage part {sorted(unknown)[0]!r}")
    keys = (*RESOURCES, "pe_arts_part_time")
    for source in (totals, *(per_stage or {}).values(), *(assigned or {}).values()):
        bad = set(source) - set(keys)
        if bad:
            raise ValueError(f"school {code}: unknown resource {sorted(bad)[0]!r}")
    whole = float(sum(part_enrollments.values()))
    if not whole > 0:
        raise ValueError(f"school {code}: no students in any stage part")
    parts = []
    for part in STAGES:
        students = part_enrollments.get(part, 0)
        if not students:
            continue
        share = students / whole
        base = {**totals, **(per_stage or {}).get(part, {})}
        extra = (assigned or {}).get(part, {})
        values = {k: float(base.get(k, 0.0)) * share + float(extra.get(k, 0.0)) for k in keys}
        parts.append(
            SchoolInput(
                code=code,
                stage=part,
                enrollment=students,
                rural=rural,
                school_enrollment=whole,
                **values,
            )
        )
    return parts


TEACHER_RESOURCES = ("higher_degree_teachers", "backbone_teachers", "pe_arts_teachers")


def apply_teacher_changes(
    inputs: Sequence[SchoolInput],
    changes: Mapping[tuple[str, str | None], Mapping[str, float]],
) -> list[SchoolInput]:
    """The inputs with teachers added or taken away (a rotation plan's moves, for the figures
    after it): `changes[(school code, stage)]` adds to the teacher counts of that stage part
    (`TEACHER_RESOURCES`, negative to take away). A stage of None, or one the school has no part
    for, is spread over its parts by enrollment, as `split_school` spreads a teacher without a
    teaching load. Changes for schools not among the inputs are ignored.

    >>> parts = split_school("S", {"primary": 600, "junior": 300}, {"backbone_teachers": 9})
    >>> after = apply_teacher_changes(parts, {("S", "junior"): {"backbone_teachers": 1},
    ...                                       ("S", None): {"backbone_teachers": -3}})
    >>> [(p.stage, p.backbone_teachers) for p in after]
    [('primary', 4.0), ('junior', 3.0)]
    """
    added: list[dict[str, float]] = [dict.fromkeys(TEACHER_RESOURCES, 0.0) for _ in inputs]
    by_code: dict[str, list[int]] = {}
    for i, part in enumerate(inputs):
        by_code.setdefault(part.code, []).append(i)
    for (code, stage), delta in changes.items():
        parts = by_code.get(code, [])
        if not parts:
            continue
        bad = set(delta) - set(TEACHER_RESOURCES)
        if bad:
            raise ValueError(f"school {code}: not a teacher count {sorted(bad)[0]!r}")
        chosen = [i for i in parts if stage is not None and inputs[i].stage == stage]
        if chosen:
            shares = [(i, 1.0 / len(chosen)) for i in chosen]
        else:
            whole = sum(inputs[i].enrollment for i in parts)
            shares = [
                (i, inputs[i].enrollment / whole if whole else 1.0 / len(parts)) for i in parts
            ]
        for i, share in shares:
            for key, value in delta.items():
                added[i][key] += share * float(value)
    return [
        replace(part, **{k: getattr(part, k) + v for k, v in add.items()})
        if any(add.values())
        else part
        for part, add in zip(inputs, added, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# The weighted coefficient of variation


def weighted_cv(totals: Sequence[float], enrollments: Sequence[float]) -> float:
    """The enrollment-weighted coefficient of variation of total_i / P_i across schools.

    mean X̄ = Σ total_i / Σ P_i;  X_i = total_i / P_i;  S = sqrt(Σ (P_i/P)(X_i − X̄)²);  CV = S / X̄.
    Scaling (per 100 students) does not change it. The unweighted CV (plain mean and standard
    deviation of the X_i) is a different number and must not be used.

    >>> round(weighted_cv([300, 100], [100, 100]), 6)   # X = 3, 1; mean 2; S = 1
    0.5
    >>> round(weighted_cv([300, 100], [300, 100]), 6)   # X = 1, 1: no variation
    0.0
    >>> weighted_cv([], [])
    Traceback (most recent call last):
    ...
    ValueError: weighted_cv: no schools
    """
    t = np.asarray(totals, dtype=float)
    p = np.asarray(enrollments, dtype=float)
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError("weighted_cv: totals and enrollments must be flat sequences")
    if t.shape != p.shape:
        raise ValueError(
            f"weighted_cv: {t.size} totals but {p.size} enrollments; they must pair up"
        )
    if t.size == 0:
        raise ValueError("weighted_cv: no schools")
    for name, a in (("totals", t), ("enrollments", p)):
        if not np.isfinite(a).all():
            i = int(np.flatnonzero(~np.isfinite(a))[0])
            raise ValueError(f"weighted_cv: {name}[{i}] is {a[i]} (NaN or infinite)")
    if (p <= 0).any():
        i = int(np.flatnonzero(p <= 0)[0])
        raise ValueError(f"weighted_cv: enrollments[{i}] is {p[i]:g}; it must be positive")
    if (t < 0).any():
        i = int(np.flatnonzero(t < 0)[0])
        raise ValueError(f"weighted_cv: totals[{i}] is {t[i]:g}; a resource cannot be negative")
    pop = float(p.sum())
    mean = float(t.sum()) / pop
    if mean == 0:
        raise ValueError("weighted_cv: the mean is 0 (no school has any), the CV is undefined")
    x = t / p
    s = math.sqrt(float(np.sum(p / pop * (x - mean) ** 2)))
    return s / mean


# ---------------------------------------------------------------------------------------------
# Vectorised evaluation (many districts at once)


@dataclass(frozen=True)
class ManyResult:
    """Arrays out of `evaluate_many`; n rows (schools), g groups (district × stage), k indicators
    in `rule_set`'s order. Groups without a school in scope have NaN means/CVs and do not pass;
    an indicator whose district mean is 0 has a NaN CV and is not within its limit."""

    rule_set: str
    values: np.ndarray  # (n, k) indicator values in the official unit
    met: np.ndarray  # (n, k) bool
    passed: np.ndarray  # (n,) bool; False out of scope
    in_scope: np.ndarray  # (n,) bool
    enrollment: np.ndarray  # (g,) students in scope
    mean: np.ndarray  # (g, k) enrollment-weighted mean, official unit
    cv: np.ndarray  # (g, k)
    limit: np.ndarray  # (g,)
    within_limit: np.ndarray  # (g, k) bool
    schools_passed: np.ndarray  # (g,) bool: every school in scope passes
    district_passed: np.ndarray  # (g,) bool


def evaluate_many(
    totals: np.ndarray,
    enrollments: np.ndarray,
    groups: np.ndarray,
    junior: np.ndarray,
    rules: RuleSet,
    *,
    in_scope: np.ndarray | None = None,
    n_groups: int | None = None,
    threads: int | None = None,
) -> ManyResult:
    """Evaluate many schools in many districts at once, with numpy and no Python loop per row.

    totals (n, k): each school's resource totals in the order of `rules.indicators`;
    enrollments (n,): students (> 0 in scope); groups (n,): the group index 0..g-1 of each
    school (one group per district and stage); junior (n,): the stage of each school (a group
    holds one stage); in_scope (n,): False for excluded schools (left out of every district
    figure). The district sums use np.bincount over the group index:
    P_g = Σ P_i, X̄_g = per · Σ total_i / P_g, S²_g = Σ P_i (X_i − X̄_g)² / P_g.

    How, for speed (benchmarks/balance.py: 190,000 schools in about 15 ms on one core, where
    the same formulas on (n, k) arrays took 50): the totals are turned into columns once, and
    the work goes one indicator at a time on contiguous arrays of n, with no (n, k) temporary
    and no (group, indicator) index; a minimum is met when the value reaches the least value
    whose ratio to the minimum passes (`_least_passing`), so comparisons with two constants
    replace a division per school. The k columns (and the count of each group's schools) are
    shared among `threads` threads: default `os.cpu_count()`, 1 for the calling thread only,
    which is also where inputs under `THREADED_ROWS` rows stay. numpy releases the GIL in its
    ufunc loops, fancy indexing and bincount (not in bincount's first pass over the index).
    Every sum is taken in row order whatever the number of threads: the results are the same
    bit for bit with one thread or many, and as with the (n, k) formulas. `values` and `met`
    come out as (n, k) views of (k, n) arrays (Fortran order).
    """
    totals = np.asarray(totals, dtype=float)
    enrollments = np.asarray(enrollments, dtype=float)
    groups = np.asarray(groups, dtype=np.intp)
    junior = np.asarray(junior, dtype=bool)
    n, k = totals.shape if totals.ndim == 2 else (totals.size, -1)
    if k != len(rules.indicators):
        raise ValueError(f"evaluate_many: totals must have {len(rules.indicators)} columns")
    if not (enrollments.shape == groups.shape == junior.shape == (n,)):
        raise ValueError("evaluate_many: enrollments, groups and junior must have one row each")
    scope = np.ones(n, dtype=bool) if in_scope is None else np.asarray(in_scope, dtype=bool)
    if scope.shape != (n,):
        raise ValueError("evaluate_many: in_scope must have one row each")
    g = int(n_groups if n_groups is not None else (groups.max() + 1 if n else 0))
    if n and groups.min() < 0:
        raise ValueError("evaluate_many: group indices must be non-negative")
    if n and groups.max() >= g:
        raise ValueError("evaluate_many: a group index is not below n_groups")
    # 1 for the rows out of scope, so that their values are their totals times `per`.
    safe_p = np.where(scope, enrollments, 1.0)
    # Rows out of scope go to one more bin, g, which every district figure leaves out: no
    # weight to zero, and nothing of an excluded row (not even a NaN) reaches a district.
    bins = np.where(scope, groups, g)
    stages = (~junior, junior)  # the rows of each stage, in the order of STAGES
    per = [float(i.per) for i in rules.indicators]
    minimums = [rules.minimum_vector(stage) for stage in STAGES]
    # A minimum is met when value / minimum >= 1 − EPS, and missed tolerably when it is
    # >= missed_floor − EPS: the same tests as value >= the least value that passes.
    meets = [[_least_passing(m[j], 1 - EPS) for m in minimums] for j in range(k)]
    floors = [[_least_passing(m[j], rules.missed_floor - EPS) for m in minimums] for j in range(k)]
    pop = np.bincount(bins, weights=safe_p, minlength=g + 1)

    by_column = np.empty((k, n))  # the totals, each indicator's contiguous
    values = np.empty((k, n))
    met = np.empty((k, n), dtype=bool)
    tolerable = np.empty((k, n), dtype=bool)
    mean = np.empty((g, k))
    sq = np.empty((g, k))
    clean = np.empty(k, dtype=bool)  # no NaN, infinite or negative total in the column

    def transpose(rows: slice) -> None:
        # A block of rows at a time, read once and whole; the columns one by one would each
        # read every row of `totals` again.
        by_column[:, rows] = totals[rows].T

    def at_least(value: np.ndarray, least: list[float], out: np.ndarray) -> None:
        """out = value >= least[stage of the row], by two comparisons with constants."""
        np.greater_equal(value, max(least), out=out)
        if least[0] != least[1]:
            lower = value >= min(least)
            lower &= stages[least.index(min(least))]
            out |= lower

    def column(j: int) -> None:
        """Indicator j: its values and minimums met, its district means and Σ P_i (X_i − X̄)²."""
        total = by_column[j]
        with np.errstate(invalid="ignore", divide="ignore"):  # errstate is per thread
            value = np.multiply(total, per[j], out=values[j])  # per · total / P
            np.divide(value, safe_p, out=value)
            at_least(value, meets[j], out=met[j])
            at_least(value, floors[j], out=tolerable[j])
            tolerable[j] |= met[j]  # (a missed_floor above 1 would not hold it by itself)
            sums = np.bincount(bins, weights=total, minlength=g + 1)
            # Σ over all the rows is NaN or infinite when a total is; min() is NaN then too.
            clean[j] = n == 0 or (total.min() >= 0 and np.isfinite(sums.sum()))
            group_mean = per[j] * sums / pop
            dev = group_mean[bins]
            np.subtract(value, dev, out=dev)
            weighted = np.multiply(safe_p, dev)
            weighted *= dev
            mean[:, j] = group_mean[:g]
            sq[:, j] = np.bincount(bins, weights=weighted, minlength=g + 1)[:g]

    def schools_per_group() -> tuple[np.ndarray, np.ndarray]:
        """The schools in scope of each group, and how many of them are junior schools."""
        count = np.bincount(bins, minlength=g + 1)[:g]
        return count, np.bincount(bins, weights=junior, minlength=g + 1)[:g]

    blocks = [slice(start, start + BLOCK_ROWS) for start in range(0, n, BLOCK_ROWS)]
    workers = min(k, threads or os.cpu_count() or 1) if n >= THREADED_ROWS else 1
    with ThreadPoolExecutor(workers) if workers > 1 else nullcontext() as pool:
        _run([partial(transpose, rows) for rows in blocks], pool)
        *_, (count, juniors) = _run(
            [*(partial(column, j) for j in range(k)), schools_per_group], pool
        )
    _check_scoped_inputs(totals, safe_p, scope, totals_clean=bool(clean.all()))

    met_count = np.add.reduce(met.view(np.uint8), axis=0, dtype=np.uint16)
    passed = (met_count >= rules.min_met) & tolerable.all(axis=0) & scope
    if ((juniors > 0) & (juniors < count)).any():
        raise ValueError("evaluate_many: a group mixes primary and junior schools")
    pop = pop[:g]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = np.sqrt(sq / pop[:, None])
        cv = np.where(mean > 0, s / np.where(mean > 0, mean, 1.0), np.nan)
    cv[count == 0] = np.nan
    mean[count == 0] = np.nan
    limit = np.where(juniors > 0, rules.cv_limits["junior"], rules.cv_limits["primary"])
    within = np.nan_to_num(cv, nan=np.inf) <= limit[:, None] * (1 + EPS)
    failing = np.bincount(bins, weights=~passed, minlength=g + 1)[:g]
    schools_passed = (failing == 0) & (count > 0)
    return ManyResult(
        rule_set=rules.version,
        values=values.T,
        met=met.T,
        passed=passed,
        in_scope=scope,
        enrollment=pop,
        mean=mean,
        cv=cv,
        limit=limit,
        within_limit=within,
        schools_passed=schools_passed,
        district_passed=schools_passed & within.all(axis=1),
    )


# Below this many rows, `evaluate_many` keeps to the calling thread: starting threads would
# cost more than they save. Rows are turned into columns this many at a time.
THREADED_ROWS = 20_000
BLOCK_ROWS = 16384


def _run(tasks: Sequence[Callable[[], object]], pool: ThreadPoolExecutor | None) -> list:
    """Each task's result, in order: from the pool's threads, or without a pool from this one.
    Returns when all are done, and raises the first task's exception, if any."""
    if pool is None:
        return [task() for task in tasks]
    return [future.result() for future in [pool.submit(task) for task in tasks]]


def _least_passing(minimum: float, ratio: float) -> float:
    """The least float v for which `v / minimum >= ratio` holds in floating point.

    A rounded division never decreases as v grows, so for every v (NaN and infinities too)
    `v >= _least_passing(m, r)` is exactly `v / m >= r`, and costs no division per school.
    The product ratio · minimum is within an ulp or two of it; the loops step to it.

    >>> least = _least_passing(4.2, 0.85 - EPS)
    >>> 3.57 >= least, 3.57 / 4.2 >= 0.85 - EPS, math.nextafter(least, 0) / 4.2 >= 0.85 - EPS
    (True, True, False)
    """
    if not 0 < minimum < math.inf:
        raise ValueError(f"a minimum must be positive and finite, not {minimum!r}")
    v = ratio * minimum
    while v / minimum >= ratio:
        v = math.nextafter(v, -math.inf)
    while not v / minimum >= ratio:
        v = math.nextafter(v, math.inf)
    return v


def _check_scoped_inputs(
    totals: np.ndarray, safe_p: np.ndarray, scope: np.ndarray, *, totals_clean: bool
) -> None:
    """Raise ValueError for a NaN, infinite, negative or (enrollment) zero input in scope.

    `safe_p` is 1 out of scope; `totals_clean` tells that no total at all, in scope or not, is
    NaN, infinite or negative. Only when a test on every row fails are the rows in scope taken
    out, to tell a bad row in scope (an error) from one out of scope.
    """
    finite_p = bool(np.isfinite(safe_p).all())
    if totals_clean and finite_p and (safe_p > 0).all():
        return
    t_in = totals[scope]
    if not (finite_p and np.isfinite(t_in).all()):
        raise ValueError("evaluate_many: NaN or infinite input in scope")
    if (safe_p <= 0).any():
        raise ValueError("evaluate_many: enrollment must be positive in scope")
    if (t_in < 0).any():
        raise ValueError("evaluate_many: resource totals cannot be negative")


# ---------------------------------------------------------------------------------------------
# One district, with explanations


@dataclass(frozen=True)
class Shortfall:
    """Add `add` of `resource` so that `key` reaches `target` (its minimum, or for the one
    indicator a school may miss, `missed_floor` of it); `value_after` is the value then."""

    key: str
    resource: str
    add: float
    target: float
    value_after: float


@dataclass(frozen=True)
class SchoolResult:
    code: str
    stage: str
    enrollment: float
    values: dict[str, float]
    minimums: dict[str, float]
    met: dict[str, bool]
    passed: bool
    shortfalls: tuple[Shortfall, ...]
    rule_set: str
    small_school_rule: bool = False  # part-time PE/arts teachers were counted


@dataclass(frozen=True)
class IndicatorResult:
    """One indicator across the district. `cv` is None when the district mean is 0 (no school
    has the resource: the CV is undefined, and the indicator is not within its limit).
    `contributions` are (school code, share of S²) from the largest down; shares sum to 1.

    Two separate tests, never to be read as one: the level (`mean_reaches_minimum`: the
    enrollment-weighted mean reaches the minimum) and the spread (`within_limit`: the CV is at
    most the limit). A district whose schools are uniformly poor has a small CV and a mean
    below the minimum: its spread passes and its level fails."""

    key: str
    minimum: float
    mean: float | None
    cv: float | None
    limit: float
    within_limit: bool
    contributions: tuple[tuple[str, float], ...]
    rule_set: str

    @property
    def mean_reaches_minimum(self) -> bool:
        """The level test: the district's enrollment-weighted mean is at least the minimum
        (with the module's relative tolerance for binary rounding)."""
        return self.mean is not None and self.mean >= self.minimum * (1 - EPS)


@dataclass(frozen=True)
class Exclusion:
    code: str
    stage: str
    reason: str  # special_education, vocational, teaching_point, missing_data:<what>


@dataclass(frozen=True)
class DistrictResult:
    stage: str
    rule_set: str
    passed: bool
    schools_passed: bool
    indicators_within_limits: bool
    schools: tuple[SchoolResult, ...]
    indicators: dict[str, IndicatorResult]
    excluded: tuple[Exclusion, ...]
    private_schools_counted: bool = True  # the rule set's include_private, as applied

    @property
    def failing_schools(self) -> tuple[SchoolResult, ...]:
        return tuple(s for s in self.schools if not s.passed)

    @property
    def means_below_minimum(self) -> tuple[str, ...]:
        """Keys of the indicators whose district mean is below the minimum (the level test)."""
        return tuple(k for k, i in self.indicators.items() if not i.mean_reaches_minimum)


def _exclusion(school: SchoolInput, rules: RuleSet) -> str | None:
    if school.missing:
        return "missing_data:" + ",".join(school.missing)
    if school.private and not rules.include_private:
        return "private"
    if school.special_education and "special_education" in rules.excluded_kinds:
        return "special_education"
    if school.vocational and "vocational" in rules.excluded_kinds:
        return "vocational"
    if school.whole_enrollment < rules.teaching_point_below:
        return "teaching_point"
    return None


def _small_school(school: SchoolInput, rules: RuleSet) -> bool:
    low, high = rules.small_school_range
    return school.rural and low <= school.whole_enrollment <= high


def _round_up(amount: float, resource: str) -> float:
    """Whole teachers and rooms; areas and yuan to one decimal. Never negative."""
    if amount <= EPS:
        return 0.0
    # Tolerate binary noise relative to the magnitude (1153324.9 can arrive as …24.9000000004);
    # `_addition` checks the rounded amount really reaches the target.
    scaled = amount if resource in INTEGER_RESOURCES else amount * 10
    whole = math.ceil(scaled - EPS * max(1.0, scaled))
    return float(whole) if resource in INTEGER_RESOURCES else whole / 10


def _reaches(total: float, enrollment: float, per: int, target: float) -> bool:
    return per * total / enrollment / target >= 1 - EPS


def school_shortfalls(
    totals: Mapping[str, float], enrollment: float, stage: str, rules: RuleSet
) -> tuple[Shortfall, ...]:
    """The smallest additions that make a school pass (empty if it passes already).

    A school passes when it meets all minimums but at most `7 − min_met` (one), each of those at
    `missed_floor` (85%) or more. Meeting all seven is never cheaper than leaving one indicator
    at 85%, so the candidates are: for each way of choosing the indicator(s) allowed to stay
    below the minimum, raise those to 85% and every other one to its minimum. "Smallest" is,
    in order: the fewest indicators to change (each is a separate action for the school), then
    the least total change measured as a fraction of each indicator's minimum requirement (so
    that teachers, m² and yuan become comparable), then the order of the indicators. Additions
    are rounded up: whole teachers and rooms, areas and yuan to one decimal.

    >>> rules = RuleSet.from_dict(EXAMPLE_RULES)
    >>> totals = {"higher_degree_teachers": 4, "backbone_teachers": 0.9, "pe_arts_teachers": 1,
    ...           "teaching_area_m2": 300, "sports_area_m2": 700,
    ...           "equipment_value_yuan": 200_000, "multimedia_rooms": 2}
    >>> [(s.resource, s.add) for s in school_shortfalls(totals, 100, "primary", rules)]
    [('teaching_area_m2', 100.0)]
    """
    minimum = rules.minimums[stage]
    need, tolerated = {}, {}
    for ind in rules.indicators:
        total = float(totals.get(ind.resource, 0.0))
        full = float(minimum[ind.key])
        need[ind.key] = _addition(total, enrollment, ind, full)
        tolerated[ind.key] = _addition(total, enrollment, ind, full * rules.missed_floor)
    keys = rules.keys
    allowed = len(keys) - rules.min_met
    best: tuple | None = None
    for size in range(allowed + 1):
        for exempt in itertools.combinations(keys, size):
            plan = {k: (tolerated[k] if k in exempt else need[k]) for k in keys}
            changed = [k for k in keys if plan[k] > 0]
            relative = sum(
                plan[k] * rules.indicator(k).per / enrollment / float(minimum[k]) for k in changed
            )
            cost = (len(changed), round(relative, 12))
            if best is None or cost < best[0]:
                best = (cost, plan, exempt)
    assert best is not None
    _, plan, exempt = best
    out = []
    for ind in rules.indicators:
        add = plan[ind.key]
        if add <= 0:
            continue
        full = float(minimum[ind.key])
        target = full * rules.missed_floor if ind.key in exempt else full
        total = float(totals.get(ind.resource, 0.0)) + add
        out.append(Shortfall(ind.key, ind.resource, add, target, ind.per * total / enrollment))
    return tuple(out)


def _addition(total: float, enrollment: float, ind: Indicator, target: float) -> float:
    """The rounded addition to `total` that brings per·total/enrollment to `target`."""
    add = _round_up(target * enrollment / ind.per - total, ind.resource)
    step = 1.0 if ind.resource in INTEGER_RESOURCES else 0.1
    while not _reaches(total + add, enrollment, ind.per, target):
        add = round(add + step, 1)  # guards against binary rounding below the target
    return add


def evaluate_district(schools: Iterable[SchoolInput], stage: str, rules: RuleSet) -> DistrictResult:
    """Judge the schools of one district for one stage (schools of another stage are ignored).

    Excluded (and listed with the reason): special-education and vocational schools, teaching
    points (whole school under `teaching_point_below` students), schools with missing data and,
    when the rule set does not count them (`include_private`), private schools.
    A rural school of `small_school_range` students counts its part-time PE/arts teachers. Then
    per school the seven values, what is met, the verdict and, if it fails, the shortfalls; per
    indicator the weighted CV against the stage's limit and each school's share of S².
    """
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    chosen = [s for s in schools if s.stage == stage]
    seen: set[str] = set()
    judged: list[SchoolInput] = []
    small: list[bool] = []
    excluded: list[Exclusion] = []
    for s in chosen:
        if s.code in seen:
            raise ValueError(f"school {s.code} appears twice for {stage}")
        seen.add(s.code)
        reason = _exclusion(s, rules)
        if reason:
            excluded.append(Exclusion(s.code, stage, reason))
            continue
        if not s.enrollment > 0:
            raise ValueError(f"school {s.code}: enrollment must be positive, is {s.enrollment}")
        is_small = _small_school(s, rules) and s.pe_arts_part_time > 0
        if is_small:
            s = replace(s, pe_arts_teachers=s.pe_arts_teachers + s.pe_arts_part_time)
        judged.append(s)
        small.append(is_small)
    if not judged:
        raise ValueError(f"no {stage} school in scope in this district")

    totals = np.array([[s.totals()[i.resource] for i in rules.indicators] for s in judged])
    enrollments = np.array([float(s.enrollment) for s in judged])
    many = evaluate_many(
        totals,
        enrollments,
        np.zeros(len(judged), dtype=np.int64),
        np.full(len(judged), stage == "junior"),
        rules,
    )
    keys = rules.keys
    minimum = {k: float(rules.minimums[stage][k]) for k in keys}
    results = []
    for row, s in enumerate(judged):
        passed = bool(many.passed[row])
        results.append(
            SchoolResult(
                code=s.code,
                stage=stage,
                enrollment=s.enrollment,
                values={k: float(many.values[row, j]) for j, k in enumerate(keys)},
                minimums=minimum,
                met={k: bool(many.met[row, j]) for j, k in enumerate(keys)},
                passed=passed,
                shortfalls=()
                if passed
                else school_shortfalls(s.totals(), s.enrollment, stage, rules),
                rule_set=rules.version,
                small_school_rule=small[row],
            )
        )
    indicators = {}
    share = enrollments / enrollments.sum()
    for j, k in enumerate(keys):
        mean, cv = float(many.mean[0, j]), float(many.cv[0, j])
        parts = share * (many.values[:, j] - mean) ** 2
        s2 = parts.sum()
        shares = parts / s2 if s2 > 0 else np.zeros_like(parts)
        order = sorted(range(len(judged)), key=lambda i, sh=shares: (-sh[i], judged[i].code))
        indicators[k] = IndicatorResult(
            key=k,
            minimum=minimum[k],
            mean=mean,
            cv=None if math.isnan(cv) else cv,
            limit=float(many.limit[0]),
            within_limit=bool(many.within_limit[0, j]),
            contributions=tuple((judged[i].code, float(shares[i])) for i in order),
            rule_set=rules.version,
        )
    schools_passed = bool(many.schools_passed[0])
    within = all(i.within_limit for i in indicators.values())
    return DistrictResult(
        stage=stage,
        rule_set=rules.version,
        passed=schools_passed and within,
        schools_passed=schools_passed,
        indicators_within_limits=within,
        schools=tuple(results),
        indicators=indicators,
        excluded=tuple(excluded),
        private_schools_counted=rules.include_private,
    )
