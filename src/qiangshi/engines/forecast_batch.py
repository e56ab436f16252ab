"""The forecast of many units at once, with numpy: the same numbers as `engines.forecast`.

`cohort_forecast_many` computes, for every unit (school) of a province in one pass over arrays,
what `forecast.cohort_forecast` computes for one: survival ratios from the last k observed
years (min, mean, max), entrants from births (known, or assumed past the last known year) or
from the least-squares trend of the intake, and the three paths. `ForecastBatch.forecast(i)`
gives unit i as the `Forecast` the scalar function returns; the tests check that both agree
on random histories, births series and gaps. `classes_array` and `DemandMatrix` do the same for
classes and teacher demand (`forecast.classes_needed`, `forecast.teacher_demand`).

The supply side needs no batch form: `forecast.teacher_supply` itself works on arrays.

Plain Python and numpy; no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .forecast import (
    _EPSILON,
    DEFAULT_STAGE_GRADES,
    VARIANTS,
    BirthsAssumption,
    Curriculum,
    Forecast,
    stage_of_grade,
)

__all__ = ["DemandMatrix", "ForecastBatch", "Histories", "classes_array", "cohort_forecast_many"]

N_GRADES = 12
METHODS = ("births", "assumed", "trend")


@dataclass(frozen=True)
class Histories:
    """Enrollment histories of S units over the consecutive calendar years `years` (Y of them),
    for grades 1..G: `students` (S, Y, G), `present` (S, Y) whether the unit has a row for the
    year (a missing year is not a year of zeros), `grades` (S, G) whether the unit teaches the
    grade (it appears in any year of its history)."""

    years: np.ndarray
    students: np.ndarray
    present: np.ndarray
    grades: np.ndarray

    @classmethod
    def from_mappings(
        cls, histories: Sequence[Mapping[int, Mapping[int, float]]], n_grades: int = N_GRADES
    ) -> Histories:
        """From year → grade → students mappings, one per unit (as `cohort_forecast` takes)."""
        if not histories or any(not h for h in histories):
            raise ValueError("every unit needs a history")
        first = min(min(h) for h in histories)
        last = max(max(h) for h in histories)
        years = np.arange(first, last + 1)
        students = np.zeros((len(histories), len(years), n_grades))
        present = np.zeros((len(histories), len(years)), dtype=bool)
        for i, history in enumerate(histories):
            for year, by_grade in history.items():
                j = year - first
                present[i, j] = True
                row = students[i, j]
                for grade, n in by_grade.items():
                    if not 1 <= grade <= n_grades:
                        raise ValueError(f"grade {grade} is outside 1–{n_grades}")
                    row[grade - 1] = n
        grades = np.zeros((len(histories), n_grades), dtype=bool)
        for i, history in enumerate(histories):
            for by_grade in history.values():
                for grade in by_grade:
                    grades[i, grade - 1] = True
        return cls(years=years, students=students, present=present, grades=grades)


@dataclass(frozen=True)
class ForecastBatch:
    """Forecasts of S units for the F years `future` (see `cohort_forecast_many`)."""

    base_year: int
    future: np.ndarray  # (F,)
    grades: np.ndarray  # (S, G) bool
    paths: np.ndarray  # (3, S, F, G): low, central, high
    survival: np.ndarray  # (S, G, 3): ratio of grade g to the unit's next grade
    intake: np.ndarray  # (S, F, 3)
    method: np.ndarray  # (S, F) index into METHODS
    entry_ratio: np.ndarray  # (S, 3), NaN where the unit has no births series
    born: np.ndarray  # (S, F) birth year of the entrants (births-based units)
    births_used: np.ndarray  # (S, F) the births behind the entrants (NaN for trend units)
    last_births_year: np.ndarray  # (S,) int, −1 where the unit has no births series
    assumption: BirthsAssumption

    @property
    def central(self) -> np.ndarray:
        return self.paths[1]

    def variant(self, name: str = "central") -> np.ndarray:
        if name not in VARIANTS:
            raise ValueError(f"unknown variant {name!r}; expected one of {VARIANTS}")
        return self.paths[VARIANTS.index(name)]

    def forecast(self, i: int) -> Forecast:
        """Unit i as the `Forecast` that `forecast.cohort_forecast` returns."""
        grades = tuple(int(g) + 1 for g in np.flatnonzero(self.grades[i]))
        years = tuple(int(y) for y in self.future)
        paths = {
            name: {
                year: {g: float(self.paths[v, i, f, g - 1]) for g in grades}
                for f, year in enumerate(years)
            }
            for v, name in enumerate(VARIANTS)
        }
        survival = {g: tuple(float(x) for x in self.survival[i, g - 1]) for g in grades[:-1]}
        intake = {year: tuple(float(x) for x in self.intake[i, f]) for f, year in enumerate(years)}
        method = {year: METHODS[self.method[i, f]] for f, year in enumerate(years)}
        with_births = self.last_births_year[i] >= 0
        assumed = {
            int(self.born[i, f]): float(self.births_used[i, f])
            for f in range(len(years))
            if METHODS[self.method[i, f]] == "assumed"
        }
        return Forecast(
            base_year=self.base_year,
            years=years,
            grades=grades,
            central=paths["central"],
            low=paths["low"],
            high=paths["high"],
            survival=survival,
            intake=intake,
            intake_method=method,
            entry_ratio=tuple(float(x) for x in self.entry_ratio[i]) if with_births else None,
            births_assumption=self.assumption if with_births else None,
            last_births_year=int(self.last_births_year[i]) if with_births else None,
            assumed_births=assumed,
        )


def _births_table(births: Sequence[Mapping[int, float]]):
    """Series → (first year, values (D, T), known (D, T)) over one span of years."""
    known_years = [y for series in births for y in series]
    first = min(known_years)
    span = max(known_years) - first + 1
    values = np.zeros((len(births), span))
    known = np.zeros((len(births), span), dtype=bool)
    for d, series in enumerate(births):
        for year, b in series.items():
            values[d, year - first] = b
            known[d, year - first] = True
    return first, values, known


def cohort_forecast_many(
    histories: Histories,
    years: int,
    *,
    births: Sequence[Mapping[int, float]] = (),
    births_of: np.ndarray | None = None,
    k: int = 3,
    trend_years: int | None = None,
    intake_scale: float = 1.0,
    births_assumption: BirthsAssumption | None = None,
) -> ForecastBatch:
    """`forecast.cohort_forecast` for every unit of `histories` at once.

    `births` is a list of births series (year → births); `births_of[i]` is the index of unit
    i's series in it, or −1 for a unit whose entrants follow its intake trend. Every unit must
    share the last history year (the base year). Raises ValueError naming the unit where the
    scalar function would raise.
    """
    if years < 0:
        raise ValueError("years must not be negative")
    if k < 1:
        raise ValueError("k must be at least 1")
    if intake_scale < 0:
        raise ValueError("intake_scale must not be negative")
    students, present, taught = histories.students, histories.present, histories.grades
    n_units, n_years, n_grades = students.shape
    hist_years = histories.years
    last_present = n_years - 1 - np.argmax(present[:, ::-1], axis=1)
    if (last_present != last_present[0]).any():
        raise ValueError("every unit must share the last year of its history")
    base = int(hist_years[last_present[0]])
    b_index = last_present[0]
    future = np.arange(base + 1, base + 1 + years)
    rows = np.arange(n_units)
    assumption = births_assumption or BirthsAssumption()

    # Each taught grade's next taught grade (−1 for the top grade).
    nxt = np.full((n_units, n_grades), -1)
    following = np.full(n_units, -1)
    for g in range(n_grades - 1, -1, -1):
        nxt[:, g] = np.where(taught[:, g], following, -1)
        following = np.where(taught[:, g], g, following)
    entry = np.argmax(taught, axis=1)  # the lowest taught grade (index)

    # Survival: ratio N[y, next] / N[y−1, g] where both years are present and N[y−1, g] > 0,
    # over the last k such years.
    has_next = nxt >= 0
    safe_next = np.where(has_next, nxt, 0)
    after = np.take_along_axis(
        students[:, 1:, :],
        np.broadcast_to(safe_next[:, None, :], (n_units, n_years - 1, n_grades)),
        axis=2,
    )
    before = students[:, :-1, :]
    valid = (present[:, 1:] & present[:, :-1])[:, :, None] & (before > 0) & has_next[:, None, :]
    ratio = np.divide(after, before, out=np.zeros_like(after), where=valid)
    from_end = np.cumsum(valid[:, ::-1, :], axis=1)[:, ::-1, :]
    use = valid & (from_end <= k)
    count = use.sum(axis=1)
    seen = count > 0
    survival = np.ones((n_units, n_grades, 3))
    survival[..., 0] = np.where(seen, np.where(use, ratio, np.inf).min(axis=1), 1.0)
    survival[..., 1] = np.where(seen, (ratio * use).sum(axis=1) / np.maximum(count, 1), 1.0)
    survival[..., 2] = np.where(seen, np.where(use, ratio, -np.inf).max(axis=1), 1.0)

    # Intake trend over the present years (the last `trend_years` of them).
    intake_hist = students[rows, :, entry]  # (S, Y)
    weight = present.copy()
    if trend_years:
        from_end = np.cumsum(present[:, ::-1], axis=1)[:, ::-1]
        weight &= from_end <= trend_years
    n = weight.sum(axis=1)
    x = hist_years.astype(float)[None, :]
    mean_x = (weight * x).sum(axis=1) / n
    mean_y = (weight * intake_hist).sum(axis=1) / n
    dx = (x - mean_x[:, None]) * weight
    sxx = (dx * dx).sum(axis=1)
    slope = np.divide(
        (dx * (intake_hist - mean_y[:, None])).sum(axis=1),
        sxx,
        out=np.zeros(n_units),
        where=sxx != 0,
    )
    resid = (intake_hist - mean_y[:, None] - slope[:, None] * (x - mean_x[:, None])) * weight
    rms = np.sqrt((resid * resid).sum(axis=1) / n)
    fitted = mean_y[:, None] + slope[:, None] * (future[None, :] - mean_x[:, None])
    trend = np.stack(
        [
            np.maximum(0.0, fitted - rms[:, None]),
            np.maximum(0.0, fitted),
            np.maximum(0.0, fitted + rms[:, None]),
        ],
        axis=2,
    )

    intake = trend
    method = np.full((n_units, len(future)), METHODS.index("trend"))
    entry_ratio = np.full((n_units, 3), np.nan)
    born = np.zeros((n_units, len(future)), dtype=int)
    births_used = np.full((n_units, len(future)), np.nan)
    last_births_year = np.full(n_units, -1)
    births_of = np.full(n_units, -1) if births_of is None else np.asarray(births_of)
    with_births = births_of >= 0
    if with_births.any():
        first, values, known = _births_table(births)
        lead = 6 + entry  # entry is the grade's index: grade g0 = entry + 1, lead = 6 + g0 − 1
        d = np.where(with_births, births_of, 0)
        # Entry ratios over the history years whose births (lead years earlier) are known, > 0.
        t = hist_years[None, :] - lead[:, None] - first  # (S, Y) index into the births table
        inside = (t >= 0) & (t < values.shape[1])
        tt = np.clip(t, 0, values.shape[1] - 1)
        b = values[d[:, None], tt]
        ok = present & inside & known[d[:, None], tt] & (b != 0) & with_births[:, None]
        ratios = np.divide(intake_hist, b, out=np.zeros_like(intake_hist), where=ok)
        found = ok.sum(axis=1)
        missing = with_births & (found == 0)
        if missing.any():
            i = int(np.flatnonzero(missing)[0])
            raise ValueError(
                f"unit {i}: no history year has births {int(lead[i])} years earlier to "
                "estimate from"
            )
        entry_ratio[with_births, 0] = np.where(ok, ratios, np.inf).min(axis=1)[with_births]
        entry_ratio[with_births, 1] = (ratios.sum(axis=1) / np.maximum(found, 1))[with_births]
        entry_ratio[with_births, 2] = np.where(ok, ratios, -np.inf).max(axis=1)[with_births]

        # Births of each entrants' birth year: known, or held (changed by the assumption) from
        # the last known year before it.
        span = values.shape[1]
        born = future[None, :] - lead[:, None]  # (S, F)
        last_known = np.where(known, np.arange(span)[None, :], -1)
        last_known = np.maximum.accumulate(last_known, axis=1)  # per table column
        final_known = last_known[:, -1]  # each series' last known column
        col = born - first
        if (col[with_births] < 0).any():
            i = int(np.flatnonzero(with_births & (col < 0).any(axis=1))[0])
            raise ValueError(f"unit {i}: no births known up to {int(born[i].min())}")
        held_col = np.where(
            col >= span, final_known[d][:, None], last_known[d[:, None], np.clip(col, 0, span - 1)]
        )
        if (held_col[with_births] < 0).any():
            i = int(np.flatnonzero(with_births & (held_col < 0).any(axis=1))[0])
            raise ValueError(f"unit {i}: no births known up to {int(born[i].min())}")
        held = values[d[:, None], np.maximum(held_col, 0)]
        is_known = (col >= 0) & (col < span) & known[d[:, None], np.clip(col, 0, span - 1)]
        past_end = held_col == final_known[d][:, None]
        factor = np.where(
            past_end & ~is_known,
            (1 + assumption.annual_change / 100) ** (col - held_col),
            1.0,
        )
        b_future = held * factor
        by_births = entry_ratio[:, None, :] * b_future[:, :, None]
        intake = np.where(with_births[:, None, None], by_births, trend)
        method = np.where(
            with_births[:, None],
            np.where(is_known, METHODS.index("births"), METHODS.index("assumed")),
            method,
        )
        births_used = np.where(with_births[:, None], b_future, np.nan)
        last_births_year = np.where(with_births, first + final_known[d], -1)
        born = np.where(with_births[:, None], born, 0)
    if intake_scale != 1.0:
        intake = intake * intake_scale

    # The three paths.
    paths = np.zeros((3, n_units, len(future), n_grades))
    src_units, src_grades = np.nonzero(has_next)
    dst_grades = nxt[src_units, src_grades]
    for v in range(3):
        previous = students[:, b_index, :] * taught
        for f in range(len(future)):
            current = paths[v, :, f, :]
            current[src_units, dst_grades] = (
                previous[src_units, src_grades] * survival[src_units, src_grades, v]
            )
            current[rows, entry] = intake[:, f, v]
            previous = current
    return ForecastBatch(
        base_year=base,
        future=future,
        grades=taught,
        paths=paths,
        survival=survival,
        intake=intake,
        method=method,
        entry_ratio=entry_ratio,
        born=born,
        births_used=births_used,
        last_births_year=last_births_year,
        assumption=assumption,
    )


def classes_array(students: np.ndarray, cap_by_grade: np.ndarray) -> np.ndarray:
    """`forecast.classes_needed` on an array whose last axis is grades 1..G."""
    if (cap_by_grade <= 0).any():
        raise ValueError("the class size cap must be positive")
    if ((students > 0) & np.isnan(cap_by_grade)).any():
        raise ValueError("no class size cap for a grade with students")
    with np.errstate(invalid="ignore"):
        return np.where(students <= 0, 0.0, np.ceil(students / cap_by_grade - _EPSILON))


def caps_by_grade(
    class_size_cap, stage_grades: Mapping[str, Sequence[int]] | None = None, n_grades=N_GRADES
) -> np.ndarray:
    """The class size cap of each grade 1..G (one number, or stage → cap; NaN for a grade of a
    stage without a cap)."""
    return np.array(
        [
            class_size_cap.get(stage_of_grade(g, stage_grades), np.nan)
            if isinstance(class_size_cap, Mapping)
            else class_size_cap
            for g in range(1, n_grades + 1)
        ],
        dtype=float,
    )


@dataclass(frozen=True)
class DemandMatrix:
    """Teacher demand as a matrix: classes (…, G) @ `matrix` (G, C) = full-time teachers per
    column, each column a (stage, subject) — `forecast.teacher_demand` on arrays."""

    columns: tuple[tuple[str, str], ...]
    matrix: np.ndarray
    grades_in_curriculum: np.ndarray  # (G,) bool

    @classmethod
    def build(
        cls,
        curriculum: Curriculum,
        weekly_load,
        *,
        stage_grades: Mapping[str, Sequence[int]] | None = None,
        n_grades: int = N_GRADES,
    ) -> DemandMatrix:
        columns: dict[tuple[str, str], int] = {}
        entries = []
        for grade in range(1, n_grades + 1):
            periods_of = curriculum.periods.get(grade)
            if not periods_of:
                continue
            stage = stage_of_grade(grade, stage_grades or DEFAULT_STAGE_GRADES)
            load = weekly_load[stage] if isinstance(weekly_load, Mapping) else weekly_load
            shared = sum(p for s, p in periods_of.items() if s in curriculum.shared_subjects)
            own = {s: p for s, p in periods_of.items() if s not in curriculum.shared_subjects}
            spread = shared / sum(own.values()) if shared and own else 0.0
            for subject, periods in own.items():
                c = columns.setdefault((stage, subject), len(columns))
                entries.append((grade - 1, c, periods * (1 + spread) / load))
        matrix = np.zeros((n_grades, len(columns)))
        for g, c, value in entries:
            matrix[g, c] = value
        present = np.array([g in curriculum.periods for g in range(1, n_grades + 1)], dtype=bool)
        return cls(columns=tuple(columns), matrix=matrix, grades_in_curriculum=present)

    def demand(self, classes: np.ndarray) -> np.ndarray:
        """Full-time teachers per column for classes (…, G)."""
        outside = classes[..., ~self.grades_in_curriculum]
        if (outside > 0).any():
            raise ValueError("the curriculum has no periods for a grade with classes")
        return classes @ self.matrix
