"""The continuing-education cycle (继续教育, POLICY.md §4): a teacher's training hours in a
5-year cycle against the required 360, per-category minimums and caps, the shortfall now and the
shortfall projected at the cycle's end; and new teachers' 120-hour induction.

Plain data in, plain data out; the numbers come from a rule file (`training/rules/*.json`),
read into `CycleRules`.

A cycle runs from its start day for `cycle_years` years, the end day excluded: hours dated on
the start day count, hours dated on the day the next cycle starts do not.

Per category c, with the raw hours h_c dated inside the cycle:
    by_category[c] = min(h_c, cap_c)            (no cap: h_c)
    hours          = Σ by_category[c]
    shortfall      = max(required − hours, Σ max(0, min_c − by_category[c]), 0)
    complete       = shortfall == 0
The shortfall is the hours still to take: the minimums' own hours count towards the total, so the
larger of the two gaps is what remains. The projection carries each category's pace so far
(hours per day since the start) on to the cycle's end, caps it, and applies the same formula.

>>> rules = CycleRules.from_dict({"version": "t", "required_hours": 10, "cycle_years": 5,
...     "categories": {"a": {"min": 4, "cap": None}, "b": {"min": 0, "cap": 3}}})
>>> rows = [Hours("T1", date(2021, 1, 1), Decimal(5), "b"),
...         Hours("T1", date(2026, 1, 1), Decimal(9), "a")]
>>> s = evaluate_cycle(rows, date(2021, 1, 1), rules)
>>> (s.hours, s.by_category["b"], s.shortfall, s.complete)
(Decimal('3'), Decimal('3'), Decimal('7'), False)
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class CategoryRule:
    minimum: Decimal = ZERO
    cap: Decimal | None = None


@dataclass(frozen=True)
class CycleRules:
    """The parameters of a rule file."""

    version: str
    required_hours: Decimal
    cycle_years: int
    categories: dict[str, CategoryRule]
    induction_hours: Decimal = ZERO
    induction_window_years: int = 1
    induction_category: str = "induction"

    @classmethod
    def from_dict(cls, data: dict) -> CycleRules:
        def number(v) -> Decimal | None:
            return None if v is None else Decimal(str(v))

        return cls(
            version=str(data["version"]),
            required_hours=number(data["required_hours"]),
            cycle_years=int(data["cycle_years"]),
            categories={
                code: CategoryRule(number(c.get("min") or 0), number(c.get("cap")))
                for code, c in data["categories"].items()
            },
            induction_hours=number(data.get("induction_hours") or 0),
            induction_window_years=int(data.get("induction_window_years") or 1),
        )


@dataclass(frozen=True)
class Hours:
    """Training hours credited to a teacher on a day, in a category."""

    teacher: str
    day: date
    hours: Decimal
    category: str


@dataclass(frozen=True)
class CycleStatus:
    teacher: str
    start: date
    end: date  # exclusive
    hours: Decimal
    by_category: dict[str, Decimal]
    complete: bool
    shortfall: Decimal
    category_shortfall: dict[str, Decimal]  # below a minimum: the hours missing there
    projected_hours: Decimal
    projected_shortfall: Decimal
    rule_version: str

    @property
    def at_risk(self) -> bool:
        """Not complete, and the pace so far does not reach the requirement by the end."""
        return not self.complete and self.projected_shortfall > 0


@dataclass(frozen=True)
class Evaluation:
    teachers: list[CycleStatus] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        """The share of teachers whose cycle is complete; None for no teacher."""
        if not self.teachers:
            return None
        return sum(1 for t in self.teachers if t.complete) / len(self.teachers)


@dataclass(frozen=True)
class InductionStatus:
    start: date
    end: date  # exclusive
    hours: Decimal
    required: Decimal
    complete: bool
    shortfall: Decimal


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year.

    >>> add_years(date(2024, 2, 29), 5)
    datetime.date(2029, 2, 28)
    """
    year = day.year + years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def cycle_end(start: date, rules: CycleRules) -> date:
    """The first day after the cycle that starts on `start`."""
    return add_years(start, rules.cycle_years)


def cycle_start_on(anchor: date, rules: CycleRules, on: date) -> date:
    """The start of the cycle (counted in steps of `cycle_years` from `anchor`) holding `on`.

    >>> r = CycleRules("t", Decimal(1), 5, {})
    >>> cycle_start_on(date(2021, 1, 1), r, date(2026, 1, 1)), cycle_start_on(date(2021, 1, 1), r, date(2020, 12, 31))
    (datetime.date(2026, 1, 1), datetime.date(2016, 1, 1))
    """
    steps = (on.year - anchor.year) // rules.cycle_years
    start = add_years(anchor, steps * rules.cycle_years)
    while start > on:
        start = add_years(anchor, (steps := steps - 1) * rules.cycle_years)
    while cycle_end(start, rules) <= on:
        start = add_years(anchor, (steps := steps + 1) * rules.cycle_years)
    return start


def _cycle_factor(start: date, end: date, today: date | None) -> Decimal:
    """How much the hours so far are multiplied by to project them to the cycle's end."""
    if today is None or today >= end:
        return Decimal(1)
    if today < start:
        return ZERO
    return Decimal((end - start).days) / Decimal((today - start).days + 1)


def _status(
    teacher: str,
    raw: dict[str, Decimal],
    start: date,
    end: date,
    rules: CycleRules,
    factor: Decimal,
) -> CycleStatus:
    """The formula of the module docstring on one teacher's raw hours per category."""
    by_category = {code: ZERO for code in rules.categories}
    projected = dict(by_category)
    for code, hours in raw.items():
        rule = rules.categories.get(code)
        cap = rule.cap if rule is not None else None
        ahead = hours * factor
        if cap is not None:
            hours, ahead = min(hours, cap), min(ahead, cap)
        by_category[code] = hours
        projected[code] = ahead
    total = sum(by_category.values(), ZERO)
    projected_total = sum(projected.values(), ZERO)
    below: dict[str, Decimal] = {}
    below_ahead = ZERO
    for code, rule in rules.categories.items():
        if rule.minimum:
            if by_category[code] < rule.minimum:
                below[code] = rule.minimum - by_category[code]
            if projected[code] < rule.minimum:
                below_ahead += rule.minimum - projected[code]
    shortfall = max(rules.required_hours - total, sum(below.values(), ZERO), ZERO)
    projected_shortfall = max(rules.required_hours - projected_total, below_ahead, ZERO)
    return CycleStatus(
        teacher=teacher,
        start=start,
        end=end,
        hours=total,
        by_category=by_category,
        complete=shortfall == 0,
        shortfall=shortfall,
        category_shortfall=below,
        projected_hours=projected_total.quantize(TENTH),
        projected_shortfall=projected_shortfall.quantize(TENTH),
        rule_version=rules.version,
    )


def evaluate_cycle(
    hours: Iterable[Hours], start: date, rules: CycleRules, *, today: date | None = None
) -> CycleStatus:
    """One teacher's cycle from `start` (the rows of other teachers must be left out).

    `today` dates the projection; without it (or at or after the cycle's end) the projection is
    the hours themselves.
    """
    end = cycle_end(start, rules)
    raw: dict[str, Decimal] = {}
    teacher = ""
    for row in hours:
        teacher = teacher or row.teacher
        if start <= row.day < end:
            raw[row.category] = raw.get(row.category, ZERO) + row.hours
    return _status(teacher, raw, start, end, rules, _cycle_factor(start, end, today))


def evaluate_totals(
    totals: dict[str, dict[str, Decimal]],
    start: date,
    rules: CycleRules,
    *,
    today: date | None = None,
) -> dict[str, CycleStatus]:
    """`evaluate_cycle` for many teachers at once, from each one's hours already summed per
    category over the cycle ({teacher: {category: hours}}), as a report reads them."""
    end = cycle_end(start, rules)
    factor = _cycle_factor(start, end, today)
    return {t: _status(t, raw, start, end, rules, factor) for t, raw in totals.items()}


def evaluate(
    hours: Iterable[Hours], start: date, rules: CycleRules, *, today: date | None = None
) -> Evaluation:
    """Every teacher in `hours` (in order of first appearance), each over the cycle from
    `start`; a teacher whose hours all fall outside the cycle is evaluated with none."""
    by_teacher: dict[str, list[Hours]] = {}
    for row in hours:
        by_teacher.setdefault(row.teacher, []).append(row)
    return Evaluation(
        [evaluate_cycle(rows, start, rules, today=today) for rows in by_teacher.values()]
    )


def induction(hours: Iterable[Hours], employment_start: date, rules: CycleRules) -> InductionStatus:
    """A new teacher's induction: the hours of the induction category dated in the first
    `induction_window_years` from the day they started, against `induction_hours`."""
    end = add_years(employment_start, rules.induction_window_years)
    done = sum(
        (
            r.hours
            for r in hours
            if r.category == rules.induction_category and employment_start <= r.day < end
        ),
        ZERO,
    )
    short = max(rules.induction_hours - done, ZERO)
    return InductionStatus(employment_start, end, done, rules.induction_hours, short == 0, short)


def number(value: Decimal) -> int | float:
    """Hours for JSON: a whole number as an int, otherwise a float."""
    return int(value) if value == value.to_integral_value() else float(value)
