"""Salary parity (POLICY.md §7): per district and year, the average annual wage of public
compulsory-school teachers must be at least that of the local civil servants.

Both averages are the sums of the components the rule set lists (basic pay, allowances and
subsidies, performance pay, year-end incentives, …; the list is a parameter). For each
component c: gap_c = teacher_c − civil_servant_c; the totals' gap = Σ gap_c. The district
passes when gap ≥ 0. When it fails, the component that drives the gap is the one with the most
negative gap_c (ties: the first in the rule set's order). Missing data stays missing: when a
component is missing for either group the totals, the gap and the verdict are None, and the
components with both figures still show their own gap.

>>> r = evaluate({"basic": 30000, "bonus": 50000}, {"basic": 28000, "bonus": 60000},
...              ["basic", "bonus"])
>>> r.teacher_wage, r.civil_servant_wage, r.gap, r.passed, r.driver
(Decimal('80000'), Decimal('88000'), Decimal('-8000'), False, 'bonus')
>>> evaluate({"basic": 1}, {}, ["basic"]).passed is None
True
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ComponentGap:
    """One component's figures for both groups; None where a figure is missing."""

    component: str
    teacher_wage: Decimal | None
    civil_servant_wage: Decimal | None

    @property
    def gap(self) -> Decimal | None:
        if self.teacher_wage is None or self.civil_servant_wage is None:
            return None
        return self.teacher_wage - self.civil_servant_wage


@dataclass(frozen=True)
class ParityResult:
    """The verdict of one district and year."""

    teacher_wage: Decimal | None
    civil_servant_wage: Decimal | None
    gap: Decimal | None
    passed: bool | None
    by_component: tuple[ComponentGap, ...]
    driver: str | None  # the component that drives a failing gap
    missing: tuple[str, ...]  # components without both figures

    @property
    def complete(self) -> bool:
        return not self.missing


def _dec(value) -> Decimal | None:
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def evaluate(
    teacher: Mapping[str, object],
    civil_servant: Mapping[str, object],
    components: Sequence[str],
) -> ParityResult:
    """Compare the two groups' wages over `components` (see the module docstring)."""
    parts = tuple(
        ComponentGap(c, _dec(teacher.get(c)), _dec(civil_servant.get(c))) for c in components
    )
    missing = tuple(p.component for p in parts if p.gap is None)
    if missing or not parts:
        return ParityResult(None, None, None, None, parts, None, missing)
    teacher_wage = sum((p.teacher_wage for p in parts), Decimal(0))
    civil_wage = sum((p.civil_servant_wage for p in parts), Decimal(0))
    gap = teacher_wage - civil_wage
    passed = gap >= 0
    driver = None
    if not passed:
        worst = min(parts, key=lambda p: p.gap)  # min keeps the first of equal gaps
        driver = worst.component if worst.gap < 0 else None
    return ParityResult(teacher_wage, civil_wage, gap, passed, parts, driver, missing)


def trend(gaps: Mapping[int, Decimal | None]) -> Decimal | None:
    """The change of the gap from the first to the last year that has one, per year:
    (gap_last − gap_first) / (last − first); None with fewer than two years.

    >>> trend({2021: Decimal(-3000), 2022: None, 2023: Decimal(-1000)})
    Decimal('1000')
    """
    known = sorted((y, g) for y, g in gaps.items() if g is not None)
    if len(known) < 2:
        return None
    (y0, g0), (y1, g1) = known[0], known[-1]
    return (g1 - g0) / (y1 - y0)
