"""Digital-literacy aggregates (POLICY §5): from each teacher's dimension scores of a year, the
mean per dimension of a group (a school, a district), the distribution of the scores per
dimension (a histogram of whole-point bins on the framework's scale) and the change of the means
from year to year.

A teacher who left a dimension unanswered has no score there and is not counted for it (never
as zero): each dimension's mean and histogram count only the teachers scored on it, `n` says how
many. A mean over no teacher is None.

Bins on a scale low..high: [low, low+1), [low+1, low+2), …, [high−1, high] (the last one closed).

>>> rows = [Score("t1", "A", 2026, {"d": 2.0}), Score("t2", "A", 2026, {"d": 4.5}),
...         Score("t1", "A", 2025, {"d": 1.0})]
>>> by = group_means(rows, year=2026)
>>> (by["A"]["d"].mean, by["A"]["d"].n)
(3.25, 2)
>>> histogram([2.0, 4.5, 5.0], (1, 5))
[0, 1, 0, 2]
>>> [(c.year, c.mean, c.change) for c in yearly_means(rows, "d")]
[(2025, 1.0, None), (2026, 3.25, 2.25)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """One teacher's self-assessment of a year: the score per dimension (None: not answered)."""

    teacher: str
    group: str  # the school (or any group) the teacher is counted in
    year: int
    dimensions: dict[str, float | None]


@dataclass(frozen=True)
class Mean:
    mean: float | None
    n: int


@dataclass(frozen=True)
class YearMean:
    year: int
    mean: float | None
    n: int
    change: float | None  # against the previous year shown (None for the first, or no mean)


def _mean(values: list[float]) -> Mean:
    return Mean(round(sum(values) / len(values), 4) if values else None, len(values))


def means(rows: Iterable[Score], dimensions: Iterable[str]) -> dict[str, Mean]:
    """The mean per dimension over `rows` (only the teachers scored on it)."""
    rows = list(rows)
    return {
        d: _mean([r.dimensions[d] for r in rows if r.dimensions.get(d) is not None])
        for d in dimensions
    }


def group_means(rows: Iterable[Score], *, year: int) -> dict[str, dict[str, Mean]]:
    """{group: {dimension: Mean}} of the year's assessments."""
    by_group: dict[str, list[Score]] = defaultdict(list)
    dims: set[str] = set()
    for r in rows:
        if r.year == year:
            by_group[r.group].append(r)
            dims |= set(r.dimensions)
    return {g: means(rs, sorted(dims)) for g, rs in by_group.items()}


def histogram(values: Iterable[float], scale: tuple[int, int]) -> list[int]:
    """How many values fall in each whole-point bin of the scale (the last bin closed)."""
    low, high = scale
    bins = [0] * (high - low)
    for v in values:
        if v is None or v < low or v > high:
            continue
        bins[min(int(v - low), high - low - 1)] += 1
    return bins


def histograms(
    rows: Iterable[Score], dimensions: Iterable[str], scale: tuple[int, int], *, year: int
) -> dict[str, list[int]]:
    """{dimension: histogram} of the year's scores."""
    rows = [r for r in rows if r.year == year]
    return {
        d: histogram([r.dimensions[d] for r in rows if r.dimensions.get(d) is not None], scale)
        for d in dimensions
    }


def yearly_means(rows: Iterable[Score], dimension: str) -> list[YearMean]:
    """The dimension's mean year by year (the years with an assessment), with the change
    from the previous year listed."""
    by_year: dict[int, list[float]] = defaultdict(list)
    for r in rows:
        by_year.setdefault(r.year, [])
        if r.dimensions.get(dimension) is not None:
            by_year[r.year].append(r.dimensions[dimension])
    out: list[YearMean] = []
    previous: float | None = None
    for year in sorted(by_year):
        m = _mean(by_year[year])
        change = None
        if out and m.mean is not None and previous is not None:
            change = round(m.mean - previous, 4)
        out.append(YearMean(year, m.mean, m.n, change))
        previous = m.mean
    return out
