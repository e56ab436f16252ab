"""Growth paths (成长路径, issue 16): a path is a sequence of milestones a region defines as data
(new teacher → backbone → master teacher, …); each milestone has criteria read from the registry.
This engine evaluates one teacher's facts against a path: which milestones are reached and when,
and for the next one what is still missing.

Criteria (all of a milestone's must hold; `minimum` is a number, ranks are given as orders):

- years        teaching years since the work start date ≥ minimum (met on start + minimum years);
- title        a title of order ≥ minimum (met on the earliest such title's date);
- recognition  a recognition of one of `kinds` at level order ≥ minimum (met on its start);
- degree       a completed degree of order ≥ minimum (met on its graduation date);
- hours        training hours credited in total (of `kinds` categories if given) ≥ minimum
               (met on the day the running sum reaches it);
- literacy     a digital-literacy self-assessment mean score ≥ minimum (met in the year of the
               first such assessment; dated 1 January of that year).

A milestone is reached when every criterion is met; it is reached on the latest of its criteria's
dates (None when one of those dates is not known). Missing data stays missing: a teacher without a
work start date has `have=None` for "years", and the criterion is not met.

>>> facts = TeacherFacts(today=date(2026, 1, 1), work_start=date(2019, 9, 1))
>>> m = Milestone("m", {}, (Criterion("years", 5),))
>>> r = evaluate(Path("p", {}, (m,)), facts)
>>> (r.milestones[0].reached, r.milestones[0].reached_on)
(True, datetime.date(2024, 9, 1))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("years", "title", "recognition", "degree", "hours", "literacy")


@dataclass(frozen=True)
class Criterion:
    """One condition of a milestone (see the module docstring for each kind)."""

    kind: str
    minimum: float
    kinds: frozenset[str] = frozenset()  # recognition kinds, or training categories for hours


@dataclass(frozen=True)
class Milestone:
    code: str
    names: dict[str, str]
    criteria: tuple[Criterion, ...] = ()


@dataclass(frozen=True)
class Path:
    code: str
    names: dict[str, str]
    milestones: tuple[Milestone, ...] = ()


@dataclass(frozen=True)
class TeacherFacts:
    """What the registry knows of a teacher, as plain data (orders instead of codes)."""

    today: date
    work_start: date | None = None
    titles: tuple[tuple[int, date | None], ...] = ()  # (rank order, obtained on)
    recognitions: tuple[tuple[str, int, date], ...] = ()  # (kind, level order, start)
    degrees: tuple[tuple[int, date | None], ...] = ()  # completed: (level order, graduated on)
    training: tuple[tuple[date, float, str], ...] = ()  # (date, hours, category)
    literacy: tuple[tuple[int, float], ...] = ()  # (year, mean score)


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    met: bool
    met_on: date | None
    have: float | None  # what the teacher has (None: not known)


@dataclass(frozen=True)
class MilestoneResult:
    milestone: Milestone
    reached: bool
    reached_on: date | None
    criteria: tuple[CriterionResult, ...]

    @property
    def missing(self) -> tuple[CriterionResult, ...]:
        return tuple(c for c in self.criteria if not c.met)


@dataclass(frozen=True)
class PathResult:
    path: Path
    milestones: tuple[MilestoneResult, ...] = field(default_factory=tuple)

    @property
    def reached(self) -> tuple[MilestoneResult, ...]:
        """The milestones reached in order, up to the first one not reached."""
        out = []
        for m in self.milestones:
            if not m.reached:
                break
            out.append(m)
        return tuple(out)

    @property
    def current(self) -> MilestoneResult | None:
        """The last milestone reached (in order), or None."""
        reached = self.reached
        return reached[-1] if reached else None

    @property
    def next(self) -> MilestoneResult | None:
        """The first milestone not reached, or None at the path's end."""
        return next((m for m in self.milestones if not m.reached), None)


def _add_years(day: date, years: float) -> date:
    whole = int(years)
    try:
        shifted = day.replace(year=day.year + whole)
    except ValueError:  # 29 February
        shifted = day.replace(year=day.year + whole, day=28)
    extra = round((years - whole) * 365.25)
    return date.fromordinal(shifted.toordinal() + extra)


def _years_between(start: date, end: date) -> float:
    """Whole and part years from `start` to `end` (365.25 days a year), never negative."""
    return max((end - start).days / 365.25, 0.0)


def _earliest(dated: list[date | None]) -> date | None:
    known = [d for d in dated if d is not None]
    return min(known) if known else None


def _check(c: Criterion, f: TeacherFacts) -> CriterionResult:
    if c.kind == "years":
        if f.work_start is None:
            return CriterionResult(c, False, None, None)
        on = _add_years(f.work_start, c.minimum)
        have = round(_years_between(f.work_start, f.today), 1)
        return CriterionResult(c, on <= f.today, on if on <= f.today else None, have)
    if c.kind in ("title", "degree"):
        rows = f.titles if c.kind == "title" else f.degrees
        best = max((order for order, _ in rows), default=None)
        held = [d for order, d in rows if order >= c.minimum]
        return CriterionResult(c, bool(held), _earliest(held), best)
    if c.kind == "recognition":
        rows = [r for r in f.recognitions if not c.kinds or r[0] in c.kinds]
        best = max((level for _, level, _ in rows), default=None)
        held = [start for _, level, start in rows if level >= c.minimum and start <= f.today]
        return CriterionResult(c, bool(held), _earliest(held), best)
    if c.kind == "hours":
        total, met_on = 0.0, None
        for day, hours, category in sorted(f.training):
            if day > f.today or (c.kinds and category not in c.kinds):
                continue
            total += hours
            if met_on is None and total >= c.minimum:
                met_on = day
        return CriterionResult(c, met_on is not None, met_on, round(total, 1))
    if c.kind == "literacy":
        if not f.literacy:
            return CriterionResult(c, False, None, None)
        years = sorted(f.literacy)
        met = [year for year, score in years if score >= c.minimum]
        latest = round(years[-1][1], 2)
        return CriterionResult(c, bool(met), date(met[0], 1, 1) if met else None, latest)
    raise ValueError(f"unknown criterion kind {c.kind!r}")


def evaluate_milestone(m: Milestone, facts: TeacherFacts) -> MilestoneResult:
    results = tuple(_check(c, facts) for c in m.criteria)
    reached = all(r.met for r in results)
    when = None
    if reached and results and all(r.met_on is not None for r in results):
        when = max(r.met_on for r in results)
    return MilestoneResult(m, reached, when, results)


def evaluate(path: Path, facts: TeacherFacts) -> PathResult:
    """Each milestone of `path` for one teacher (see the module docstring)."""
    return PathResult(path, tuple(evaluate_milestone(m, facts) for m in path.milestones))
