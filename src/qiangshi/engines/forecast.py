"""Forward planning: enrollment by cohort progression, classes, teacher demand, supply and gap.

Enrollment (per school, or any unit with enrollment by grade), from the history N_{g,y}:

    survival ratio g → g+1 observed in year y:   s_{g,y} = N_{g+1,y} / N_{g,y−1}
    over the last k observed years:              s_g = mean (central), min (low), max (high)
    projection for each future year Y:           N_{g+1,Y} = N_{g,Y−1} × s_g

The low, central and high paths each use their own ratios and entrants, so the spread of the
observed ratios shows as the forecast's uncertainty. Entrants of the entry grade g0 are, in order:
the list given (`first_grade_intake`); or, with a births series B, N_{g0,Y} = e × B_{Y−lead}
with lead = 6 + g0 − 1 years (six years for grade 1) and the entry ratio e = mean of
N_{g0,y} / B_{y−lead} over the history (min and max for low and high); or, when no births
series is given, the least-squares line through (y, N_{g0,y}), floored at 0, ± the
root-mean-square residual for low and high.

Births past the last known year L are an explicit assumption (`BirthsAssumption`, POLICY.md
§13), never an extrapolation of past intakes: B_t = B_L × (1 + r)^(t − L), with r = 0 by default
(births held at the last known year) or a scenario's annual change r. A year missing inside the
series holds the last known year before it. Falling births therefore mean falling (or, past L,
flat) intakes six years later; the intake trend is used only when no births are known at all.

Scenarios scale the entrants: with `intake_scale` x every entrant figure above (births-based or
trend) is multiplied by x (1.1 for "10% more births"); survival ratios are unchanged.

Classes: ceil(students / cap) per grade, with the cap of the grade's stage (45 primary, 50 junior).

Teacher demand, per stage and subject, in full-time equivalents:

    D_subject = Σ_grades classes_g × periods_{subject,g} / weekly_load_{stage(g)}

Shared subjects (a decision, shipped in curriculum-2022.json): the curriculum's "other" periods
(integrated practice, local and school-based courses, 2–6 a week per grade) are taught by the
teachers of the other subjects; nobody is recruited "for other" and the registry has no such
teachers. Left as a subject of its own it showed a permanent phantom shortage (with zero supply) of
about an eighth of all periods (1,217 of the 9,522) while every real subject looked under-demanded; spread over the grade's
other subjects in proportion to their periods (`Curriculum.shared_subjects`), the total demand is
unchanged and each subject's gap carries its share of those periods, so the gaps are the ones a
district can actually recruit or train for. A province whose "other" periods have specialist
teachers removes "other" from `shared_subjects` in its curriculum file.

Fractions are kept through every sum (0.4 FTE of music in each of three schools is 1.2 FTE for
the district, not 3 teachers) and rounded up only when reported (`round_up`).

Supply for school year Y (from 1 September of Y, `reference`): today's teachers who have not
reached their retirement date by then (retirement age by gender and birth month, a table), times
(1 − attrition)^(Y − base_year) for the other leavers. Gap = demand − supply: positive means
teachers to recruit or train.

>>> history = {2023: {1: 100, 2: 90}, 2024: {1: 110, 2: 95}, 2025: {1: 120, 2: 99}}
>>> f = cohort_forecast(history, 2, k=2)
>>> f.survival[1]                     # 95/100 = 0.95 and 99/110 = 0.90
(0.9, 0.925, 0.95)
>>> f.central[2026]                   # trend 100, 110, 120 → 130; 120 × 0.925 = 111
{1: 130.0, 2: 111.0}
>>> classes_needed({1: 45, 2: 46}, 45)
{1: 1, 2: 2}
>>> curriculum = Curriculum(version="toy", periods={1: {"chinese": 8, "music": 2}})
>>> teacher_demand({1: 3}, curriculum, 15)     # 3 × 8 / 15 = 1.6 and 3 × 2 / 15 = 0.4
{'primary': {'chinese': 1.6, 'music': 0.4}}
"""

from __future__ import annotations

import bisect
import calendar
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import NamedTuple

import numpy as np

__all__ = [
    "DEFAULT_STAGE_GRADES",
    "BirthsAssumption",
    "Curriculum",
    "Forecast",
    "RetirementTable",
    "TeacherParameters",
    "TeacherRecord",
    "classes_needed",
    "cohort_forecast",
    "estimate_attrition_rate",
    "feeder_entrants",
    "gap",
    "load_curriculum",
    "load_parameters",
    "round_up",
    "stage_of_grade",
    "teacher_demand",
    "teacher_demand_by_year",
    "teacher_supply",
]

DEFAULT_STAGE_GRADES = {"primary": (1, 6), "junior": (7, 9), "senior": (10, 12)}
VARIANTS = ("low", "central", "high")
_UNIX_ORDINAL = date(1970, 1, 1).toordinal()
_EPSILON = 1e-9  # float noise allowed before a ceiling (45.000000001 pupils are 45)


def _data(name: str) -> dict:
    path = resources.files("qiangshi.engines") / "data" / name
    return json.loads(path.read_text(encoding="utf-8"))


def round_up(value: float) -> int:
    """Round a demand or gap up to whole teachers at report time (float noise ignored).

    >>> round_up(1.2), round_up(3.0000000001), round_up(-0.5)
    (2, 3, 0)
    """
    return max(0, math.ceil(value - _EPSILON))


def stage_of_grade(grade: int, stage_grades: Mapping[str, Sequence[int]] | None = None) -> str:
    """The stage teaching a grade: 1–6 primary, 7–9 junior, 10–12 senior by default (a 5+4
    province passes its own `stage_grades`).

    >>> stage_of_grade(6), stage_of_grade(7), stage_of_grade(6, {"primary": (1, 5), "junior": (6, 9)})
    ('primary', 'junior', 'junior')
    """
    for stage, (first, last) in (stage_grades or DEFAULT_STAGE_GRADES).items():
        if first <= grade <= last:
            return stage
    raise ValueError(f"grade {grade} belongs to no stage")


# --- enrollment forecast --------------------------------------------------------------------


@dataclass(frozen=True)
class BirthsAssumption:
    """Births past the last known year: held at the last known year's births (the default,
    `annual_change` 0) or changed by `annual_change` percent a year (a scenario's trend).

    >>> BirthsAssumption().births({2024: 100, 2025: 90}, 2028)
    90.0
    >>> round(BirthsAssumption(annual_change=-10).births({2024: 100, 2025: 90}, 2027), 6)
    72.9
    >>> BirthsAssumption().births({2020: 80, 2022: 70}, 2021)   # a gap holds the year before
    80.0
    """

    annual_change: float = 0.0  # percent a year past the last known year

    def __post_init__(self):
        if not -50 <= self.annual_change <= 50:
            raise ValueError("the annual change of births must be between −50% and +50%")

    @property
    def held(self) -> bool:
        return not self.annual_change

    def births(self, known: Mapping[int, float], year: int) -> float | None:
        """Births of `year`: the known figure, else the assumption from the last known year
        before it (None when no year up to `year` is known)."""
        if year in known:
            return float(known[year])
        earlier = [y for y in known if y < year]
        if not earlier:
            return None
        last = max(earlier)
        factor = (1 + self.annual_change / 100) ** (year - last) if last == max(known) else 1.0
        return float(known[last]) * factor


@dataclass(frozen=True)
class Forecast:
    """Enrollment by grade for each future year, in three variants (low, central, high)."""

    base_year: int
    years: tuple[int, ...]
    grades: tuple[int, ...]
    central: dict[int, dict[int, float]]  # year → grade → students
    low: dict[int, dict[int, float]]
    high: dict[int, dict[int, float]]
    survival: dict[int, tuple[float, float, float]]  # grade g → ratio g→next (low, central, high)
    intake: dict[int, tuple[float, float, float]]  # year → entrants (low, central, high)
    intake_method: dict[int, str]  # year → "given", "births", "assumed" or "trend"
    entry_ratio: tuple[float, float, float] | None = None  # entrants per birth, when births given
    births_assumption: BirthsAssumption | None = None  # how births past the last known year go
    last_births_year: int | None = None  # the last year of the births series given
    assumed_births: dict[int, float] = field(default_factory=dict)  # birth year → assumed births

    def variant(self, name: str = "central") -> dict[int, dict[int, float]]:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; expected one of {VARIANTS}")
        return getattr(self, name)

    def totals(self, name: str = "central") -> dict[int, float]:
        """Students over all grades, per year."""
        return {year: sum(by_grade.values()) for year, by_grade in self.variant(name).items()}


def _survival(history, grades, k):
    """(low, central, high) ratio per grade to the next, from the last k observed years."""
    years = sorted(history)
    ratios = {}
    for g, nxt in zip(grades, grades[1:], strict=False):
        observed = []
        for y in reversed(years):
            previous = history.get(y - 1)
            if previous is None:
                continue
            before = previous.get(g, 0)
            if before > 0:
                observed.append(history[y].get(nxt, 0) / before)
            if len(observed) == k:
                break
        if observed:
            ratios[g] = (min(observed), sum(observed) / len(observed), max(observed))
        else:
            ratios[g] = (1.0, 1.0, 1.0)  # nothing observed: assume the cohort stays whole
    return ratios


def _trend(points: list[tuple[int, float]]):
    """Least-squares line through (year, value), centred on the mean year (exact for small
    integers): returns (mean year, mean value, slope, rms residual)."""
    n = len(points)
    if n == 0:
        return 0.0, 0.0, 0.0, 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx if sxx else 0.0
    rms = math.sqrt(sum((y - mean_y - slope * (x - mean_x)) ** 2 for x, y in points) / n)
    return mean_x, mean_y, slope, rms


def cohort_forecast(
    history: Mapping[int, Mapping[int, float]],
    years: int,
    *,
    first_grade_intake: Sequence[float] | None = None,
    births: Mapping[int, float] | None = None,
    k: int = 3,
    trend_years: int | None = None,
    intake_scale: float = 1.0,
    births_assumption: BirthsAssumption | None = None,
) -> Forecast:
    """Forecast enrollment per grade for `years` years after the last year of `history`.

    `history` maps year → grade → students; its grades are the school's grades, the lowest being
    the entry grade. `first_grade_intake` gives the entrants for each forecast year directly;
    `births` maps year → births in the catchment (the entry grade g0 draws on births 6 + g0 − 1
    years earlier); `k` is how many recent years of survival ratios to average; `trend_years`
    limits the intake trend to the most recent years (all by default); `intake_scale`
    multiplies every entrant figure (a scenario of more or fewer births);
    `births_assumption` says how births go past the last known year (held by default). See
    the module docstring.

    >>> history = {2023: {1: 100, 2: 90}, 2024: {1: 110, 2: 95}, 2025: {1: 120, 2: 99}}
    >>> births = {2017: 200, 2018: 220, 2019: 240, 2020: 250}
    >>> f = cohort_forecast(history, 2, births=births, k=2)
    >>> f.entry_ratio, f.intake[2026], f.intake_method
    ((0.5, 0.5, 0.5), (125.0, 125.0, 125.0), {2026: 'births', 2027: 'assumed'})
    >>> f.intake[2027], f.assumed_births             # births of 2021 held at 2020's 250
    ((125.0, 125.0, 125.0), {2021: 250.0})
    >>> cohort_forecast(history, 1, births=births, intake_scale=0.9).intake[2026][1]
    112.5
    """
    if not history:
        raise ValueError("the history is empty")
    if years < 0:
        raise ValueError("years must not be negative")
    if k < 1:
        raise ValueError("k must be at least 1")
    if intake_scale < 0:
        raise ValueError("intake_scale must not be negative")
    base_year = max(history)
    grades = tuple(sorted({g for by_grade in history.values() for g in by_grade}))
    entry = grades[0]
    future = tuple(range(base_year + 1, base_year + 1 + years))
    if first_grade_intake is not None and len(first_grade_intake) < years:
        raise ValueError(
            f"first_grade_intake has {len(first_grade_intake)} values for {years} years"
        )

    survival = _survival(history, grades, k)

    observed_intake = [(y, float(history[y].get(entry, 0))) for y in sorted(history)]
    if trend_years:
        observed_intake = observed_intake[-trend_years:]
    mean_x, mean_y, slope, rms = _trend(observed_intake)

    lead = 6 + entry - 1
    entry_ratio = None
    assumption = births_assumption or BirthsAssumption()
    assumed: dict[int, float] = {}
    if births is not None and first_grade_intake is None:
        ratios = [
            history[y].get(entry, 0) / births[y - lead]
            for y in sorted(history)
            if births.get(y - lead)
        ]
        if not ratios:
            raise ValueError(f"no history year has births {lead} years earlier to estimate from")
        entry_ratio = (min(ratios), sum(ratios) / len(ratios), max(ratios))

    intake: dict[int, tuple[float, float, float]] = {}
    method: dict[int, str] = {}
    for i, year in enumerate(future):
        if first_grade_intake is not None:
            value = float(first_grade_intake[i])
            intake[year], method[year] = (value, value, value), "given"
        elif entry_ratio is not None:
            born = year - lead
            b = assumption.births(births, born)
            if b is None:  # cannot happen: the ratio needs a known year before every future one
                raise ValueError(f"no births known up to {born}")
            intake[year] = (entry_ratio[0] * b, entry_ratio[1] * b, entry_ratio[2] * b)
            if born in births:
                method[year] = "births"
            else:
                method[year], assumed[born] = "assumed", b
        else:
            fitted = mean_y + slope * (year - mean_x)
            intake[year] = (max(0.0, fitted - rms), max(0.0, fitted), max(0.0, fitted + rms))
            method[year] = "trend"
        if intake_scale != 1.0:
            intake[year] = tuple(v * intake_scale for v in intake[year])

    paths = {}
    for v, variant in enumerate(VARIANTS):
        previous = {g: float(history[base_year].get(g, 0)) for g in grades}
        path = {}
        for year in future:
            current = {entry: intake[year][v]}
            for g, nxt in zip(grades, grades[1:], strict=False):
                current[nxt] = previous[g] * survival[g][v]
            path[year] = current
            previous = current
        paths[variant] = path

    return Forecast(
        base_year=base_year,
        years=future,
        grades=grades,
        central=paths["central"],
        low=paths["low"],
        high=paths["high"],
        survival=survival,
        intake=intake,
        intake_method=method,
        entry_ratio=entry_ratio,
        births_assumption=assumption if entry_ratio is not None else None,
        last_births_year=max(births) if entry_ratio is not None else None,
        assumed_births=assumed,
    )


def feeder_entrants(
    entrants: Mapping[int, float], feeder: Mapping[int, float], years: Sequence[int]
) -> tuple[tuple[float, float, float], list[float]]:
    """Entrants of a school whose entry grade takes the pupils leaving a feeder grade (a junior
    school's grade 7 takes the district's grade 6 of the year before), so that they follow the
    cohort, hence the births, and not the trend of past intakes (POLICY.md §13).

    The ratio r_y = N_y / F_{y−1} over the years y where both are known gives (min, mean, max);
    the entrants of year Y are mean ratio × F_{Y−1}, for each Y of `years` (every F_{Y−1} must
    be given). ValueError when no year has both.

    >>> feeder_entrants({2024: 50, 2025: 60}, {2023: 500, 2024: 600, 2025: 550, 2026: 500},
    ...                 [2026, 2027])
    ((0.1, 0.1, 0.1), [55.0, 50.0])
    """
    ratios = [n / feeder[y - 1] for y, n in sorted(entrants.items()) if feeder.get(y - 1)]
    if not ratios:
        raise ValueError("no entry year has the feeder grade of the year before")
    ratio = (min(ratios), sum(ratios) / len(ratios), max(ratios))
    missing = [y - 1 for y in years if y - 1 not in feeder]
    if missing:
        raise ValueError(f"the feeder grade is not known for {missing[0]}")
    return ratio, [ratio[1] * feeder[y - 1] for y in years]


# --- classes and demand ---------------------------------------------------------------------


def classes_needed(students, cap, *, stage_grades: Mapping[str, Sequence[int]] | None = None):
    """Classes for a number of students, or per grade for a mapping grade → students:
    ceil(students / cap). `cap` is one number, or a mapping stage → cap.

    >>> classes_needed(90, 45), classes_needed(91, 45), classes_needed(0, 45)
    (2, 3, 0)
    >>> classes_needed({6: 46, 7: 46}, {"primary": 45, "junior": 50})
    {6: 2, 7: 1}
    """
    if isinstance(students, Mapping):
        result = {}
        for grade, count in students.items():
            grade_cap = (
                cap[stage_of_grade(grade, stage_grades)] if isinstance(cap, Mapping) else cap
            )
            result[grade] = classes_needed(count, grade_cap)
        return result
    if cap <= 0:
        raise ValueError("the class size cap must be positive")
    if students <= 0:
        return 0
    return math.ceil(students / cap - _EPSILON)


@dataclass(frozen=True)
class Curriculum:
    """Weekly periods per subject per grade (grade → subject → periods), with its version."""

    version: str
    periods: Mapping[int, Mapping[str, float]]
    teaching_weeks: Mapping[int, int] = field(default_factory=dict)
    weekly_totals: Mapping[int, int] = field(default_factory=dict)
    share_ranges: tuple[dict, ...] = ()  # {"group", "subjects", "min", "max"}
    source: str = ""
    # Courses taught by teachers of any subject (integrated practice, local and school-based
    # courses): no one is recruited for them, so teacher demand spreads their periods over the
    # grade's other subjects in proportion to those subjects' periods.
    shared_subjects: frozenset[str] = frozenset()

    def yearly_periods(self) -> dict[str, float]:
        """Periods per subject over all grades: Σ_g periods_{subject,g} × teaching weeks_g."""
        totals: dict[str, float] = defaultdict(float)
        for grade, by_subject in self.periods.items():
            for subject, periods in by_subject.items():
                totals[subject] += periods * self.teaching_weeks[grade]
        return dict(totals)

    def shares(self) -> dict[str, float]:
        """Each share group's part of the total periods over all grades (POLICY.md §13)."""
        yearly = self.yearly_periods()
        total = sum(yearly.values())
        return {
            r["group"]: sum(yearly.get(s, 0) for s in r["subjects"]) / total
            for r in self.share_ranges
        }


def load_curriculum(name: str = "curriculum-2022.json", data: Mapping | None = None) -> Curriculum:
    """The shipped curriculum table (or one given as its JSON form, e.g. a province's)."""
    data = data if data is not None else _data(name)
    return Curriculum(
        version=str(data["version"]),
        periods={int(g): dict(by_subject) for g, by_subject in data["periods"].items()},
        teaching_weeks={int(g): int(w) for g, w in data.get("teaching_weeks", {}).items()},
        weekly_totals={int(g): int(t) for g, t in data.get("weekly_totals", {}).items()},
        share_ranges=tuple(data.get("share_ranges", ())),
        source=data.get("source", ""),
        shared_subjects=frozenset(data.get("shared_subjects", ())),
    )


def teacher_demand(
    classes_by_grade: Mapping[int, int],
    curriculum: Curriculum,
    weekly_load,
    *,
    stage_grades: Mapping[str, Sequence[int]] | None = None,
) -> dict[str, dict[str, float]]:
    """Full-time teachers needed per stage and subject (fractions kept; see the module docstring).

    `weekly_load` is the standard weekly periods per teacher: one number, or stage → number.
    A grade with classes but no row in the curriculum is an error, not a silent zero. Periods of
    the curriculum's shared subjects are spread over the other subjects of the grade in
    proportion to their periods (the total demand is unchanged).
    """
    demand: dict[str, dict[str, float]] = {}
    for grade, classes in classes_by_grade.items():
        if not classes:
            continue
        if grade not in curriculum.periods:
            raise ValueError(f"curriculum {curriculum.version} has no periods for grade {grade}")
        stage = stage_of_grade(grade, stage_grades)
        load = weekly_load[stage] if isinstance(weekly_load, Mapping) else weekly_load
        by_subject = demand.setdefault(stage, {})
        periods_of = curriculum.periods[grade]
        shared = sum(p for s, p in periods_of.items() if s in curriculum.shared_subjects)
        own = {s: p for s, p in periods_of.items() if s not in curriculum.shared_subjects}
        spread = shared / sum(own.values()) if shared and own else 0.0
        for subject, periods in own.items():
            weekly = periods * (1 + spread)
            by_subject[subject] = by_subject.get(subject, 0.0) + classes * weekly / load
    return demand


def teacher_demand_by_year(
    forecast: Forecast,
    curriculum: Curriculum,
    class_size_cap,
    weekly_load,
    *,
    variant: str = "central",
    stage_grades: Mapping[str, Sequence[int]] | None = None,
) -> dict[int, dict[str, dict[str, float]]]:
    """Demand for each forecast year: classes from the forecast enrollment, then periods/load."""
    return {
        year: teacher_demand(
            classes_needed(by_grade, class_size_cap, stage_grades=stage_grades),
            curriculum,
            weekly_load,
            stage_grades=stage_grades,
        )
        for year, by_grade in forecast.variant(variant).items()
    }


# --- supply ---------------------------------------------------------------------------------


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True)
class RetirementTable:
    """Retirement age in months by gender and birth month: gender → sorted rows
    ((born from year, month), age in months); a row applies from its birth month onwards.

    >>> table = load_parameters().retirement
    >>> table.age_months("male", date(1964, 12, 31)), table.age_months("male", date(1965, 1, 1))
    (720, 721)
    >>> table.retirement_date("male", date(1967, 1, 10))    # 60 years 7 months
    datetime.date(2027, 8, 10)
    >>> table.age_months("female", date(1990, 6, 1)) // 12
    58
    """

    rows: Mapping[str, tuple[tuple[tuple[int, int], int], ...]]

    def age_months(self, gender: str, birth: date) -> int:
        rows = self.rows[gender]
        i = bisect.bisect_right([start for start, _ in rows], (birth.year, birth.month)) - 1
        if i < 0:
            raise ValueError(f"no retirement age for {gender} born {birth:%Y-%m}")
        return rows[i][1]

    def retirement_date(self, gender: str, birth: date) -> date:
        """The day the age is reached (a 29 February or 31st falls back to the month's end)."""
        year, month = _add_months(birth.year, birth.month, self.age_months(gender, birth))
        return date(year, month, min(birth.day, calendar.monthrange(year, month)[1]))

    def last_school_years(
        self, gender: str, born: np.ndarray, reference: tuple[int, int] = (9, 1)
    ) -> np.ndarray:
        """For birth dates (n, 3) of year, month, day: the last school year each teacher is in
        service: the year of `retirement_date` when it falls after `reference` (month, day) of
        that year, else the year before; `retirement_date` on arrays.

        >>> table = load_parameters().retirement
        >>> table.last_school_years("male", np.array([[1967, 1, 10], [1964, 9, 1]])).tolist()
        [2026, 2023]
        """
        rows = self.rows[gender]
        starts = np.array([y * 12 + m - 1 for (y, m), _ in rows])
        ages = np.array([age for _, age in rows])
        month_index = born[:, 0] * 12 + born[:, 1] - 1
        i = np.searchsorted(starts, month_index, side="right") - 1
        if (i < 0).any():
            first = born[np.flatnonzero(i < 0)[0]]
            raise ValueError(f"no retirement age for {gender} born {first[0]:04d}-{first[1]:02d}")
        retired = month_index + ages[i]
        year, month = retired // 12, retired % 12 + 1
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[month]
        days = np.where((month == 2) & leap, 29, days)
        day = np.minimum(born[:, 2], days)
        ref_month, ref_day = reference
        after = (month > ref_month) | ((month == ref_month) & (day > ref_day))
        return np.where(after, year, year - 1)

    def with_fixed_age(self, gender: str, age_months: int) -> RetirementTable:
        """The same table with one retirement age for every birth date of one gender (a
        scenario: "women retire at 58").

        >>> load_parameters().retirement.with_fixed_age("female", 58 * 12).age_months(
        ...     "female", date(1965, 1, 1)) // 12
        58
        """
        if gender not in self.rows:
            raise ValueError(f"unknown gender {gender!r}")
        if not 40 * 12 <= age_months <= 75 * 12:
            raise ValueError("a retirement age must be between 40 and 75 years")
        return RetirementTable(rows={**self.rows, gender: (((1, 1), int(age_months)),)})

    @classmethod
    def from_dict(cls, data: Mapping) -> RetirementTable:
        """Per gender either explicit `rows` [{"born_from": "YYYY-MM", "age_months": N}] or a
        gradual schedule: base age, first birth month affected, one step of `months_per_step`
        for every `birth_months_per_step` months of birth, up to `max_extra_months`."""
        rows = {}
        for gender in ("male", "female"):
            spec = data[gender]
            if "rows" in spec:
                table = [
                    (tuple(int(p) for p in r["born_from"].split("-")), int(r["age_months"]))
                    for r in spec["rows"]
                ]
            else:
                start = tuple(int(p) for p in spec["reform_from_birth"].split("-"))
                base, per, step = (
                    int(spec["base_age_months"]),
                    int(spec["birth_months_per_step"]),
                    int(spec["months_per_step"]),
                )
                table = [((1, 1), base)]
                for n in range(1, int(spec["max_extra_months"]) // step + 1):
                    table.append((_add_months(*start, (n - 1) * per), base + n * step))
            rows[gender] = tuple(sorted(table))
        return cls(rows=rows)


@dataclass(frozen=True)
class TeacherParameters:
    """Planning parameters (data/teacher-parameters.json): loads, caps, retirement, attrition."""

    version: str
    weekly_load: Mapping[str, float]
    class_size_cap: Mapping[str, int]
    stage_grades: Mapping[str, tuple[int, int]]
    retirement: RetirementTable
    attrition_rate: float
    post_shares: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    unverified: tuple[str, ...] = ()


def load_parameters(
    name: str = "teacher-parameters.json", data: Mapping | None = None
) -> TeacherParameters:
    """The shipped planning parameters (or ones given as their JSON form)."""
    data = data if data is not None else _data(name)
    numbers = {
        k: v for k, v in data["weekly_load"].items() if k not in ("unverified", "description")
    }
    shares = data.get("post_shares", {})
    return TeacherParameters(
        version=str(data["version"]),
        weekly_load=numbers,
        class_size_cap=dict(data["class_size_cap"]),
        stage_grades={s: (int(a), int(b)) for s, (a, b) in data["stage_grades"].items()},
        retirement=RetirementTable.from_dict(data["retirement"]),
        attrition_rate=float(data["attrition_rate"]["default"]),
        post_shares={s: v for s, v in shares.items() if isinstance(v, Mapping)},
        unverified=tuple(data.get("unverified", ())),
    )


class TeacherRecord(NamedTuple):
    """One teacher on roll today, as the supply forecast needs them (a plain tuple works too)."""

    birth_date: date
    gender: str
    subject: str
    stage: str


def teacher_supply(
    teachers: Iterable[tuple[date, str, str, str]],
    years: Sequence[int],
    retirement: RetirementTable,
    attrition_rate: float = 0.0,
    *,
    base_year: int | None = None,
    reference: tuple[int, int] = (9, 1),
) -> dict[int, dict[str, dict[str, float]]]:
    """Teachers available per school year, stage and subject (see the module docstring).

    A teacher counts in school year Y if their retirement date falls after `reference`
    (month, day) of Y. Attrition compounds from `base_year`, the year of today's roll (by
    default the year before the first year asked for).
    """
    years = list(years)
    if not years:
        return {}
    if not 0 <= attrition_rate < 1:
        raise ValueError("attrition_rate must be in [0, 1)")
    base = years[0] - 1 if base_year is None else base_year
    rows = teachers if isinstance(teachers, list | tuple) else list(teachers)
    supply: dict[int, dict[str, dict[str, float]]] = {year: {} for year in years}
    if not rows:
        return supply
    # The roll as arrays: each teacher's (stage, subject) code, in order of first appearance,
    # gender code and birth date (year, month, day from the day number, with numpy).
    keys: dict[tuple[str, str], int] = {}
    key = np.array([keys.setdefault((r[3], r[2]), len(keys)) for r in rows], dtype=np.int64)
    gender_code = {gender: i for i, gender in enumerate(retirement.rows)}
    gender = np.array([gender_code[r[1]] for r in rows], dtype=np.int64)
    day = np.array([r[0].toordinal() for r in rows], dtype=np.int64) - _UNIX_ORDINAL
    when = day.astype("datetime64[D]")
    month_start = when.astype("datetime64[M]")
    born = np.stack(
        [
            when.astype("datetime64[Y]").astype(np.int64) + 1970,
            month_start.astype(np.int64) % 12 + 1,
            (when - month_start).astype(np.int64) + 1,
        ],
        axis=1,
    )
    last = np.empty(len(rows), dtype=np.int64)
    for sex, code in gender_code.items():
        mask = gender == code
        if mask.any():
            last[mask] = retirement.last_school_years(sex, born[mask], reference)
    multiplier = {year: (1 - attrition_rate) ** max(0, year - base) for year in years}
    for year in years:
        staying = np.bincount(key[last >= year], minlength=len(keys))
        by_stage = supply[year]
        for (stage, subject), code in keys.items():
            by_stage.setdefault(stage, {})[subject] = int(staying[code]) * multiplier[year]
    return supply


def estimate_attrition_rate(history: Mapping[int, tuple[int, int]]) -> float:
    """Yearly attrition from the registry: Σ leavers / Σ headcount at the start of each year,
    counting leavers for reasons other than retirement. `history` maps year → (headcount, leavers).

    >>> estimate_attrition_rate({2023: (1000, 20), 2024: (1000, 30)})
    0.025
    """
    headcount = sum(h for h, _ in history.values())
    return sum(n for _, n in history.values()) / headcount if headcount else 0.0


def gap(
    demand: Mapping[int, Mapping[str, Mapping[str, float]]],
    supply: Mapping[int, Mapping[str, Mapping[str, float]]],
) -> dict[int, dict[str, dict[str, float]]]:
    """Demand − supply per year, stage and subject (a missing side counts as 0); positive is a
    shortage to recruit or train for, negative a surplus.

    >>> gap({2027: {"primary": {"music": 3.5}}}, {2027: {"primary": {"music": 2.0, "pe": 1.0}}})
    {2027: {'primary': {'music': 1.5, 'pe': -1.0}}}
    """
    result: dict[int, dict[str, dict[str, float]]] = {}
    for year in sorted(set(demand) | set(supply)):
        d_year, s_year = demand.get(year, {}), supply.get(year, {})
        by_stage: dict[str, dict[str, float]] = {}
        for stage in sorted(set(d_year) | set(s_year)):
            d, s = d_year.get(stage, {}), s_year.get(stage, {})
            by_stage[stage] = {
                subject: d.get(subject, 0.0) - s.get(subject, 0.0)
                for subject in sorted(set(d) | set(s))
            }
        result[year] = by_stage
    return result
