"""Non-teaching burden (POLICY.md §9): whether a request to enter schools may be approved, and
each school's burden index.

A request is refused, with every reason that applies, when
- it is not on the year's list of inspections or the whitelist of activities;
- its scope is announced less than `notice_days` ahead of its start;
- for any school it affects, approving it would exceed a cap: activities per school per
  semester, activities per school per year, comprehensive inspections per school per year
  (the caps are parameters of the rule set; a cap that is None does not apply).

Burden index of a school over a period: the number of demands that arrived, and hours per
teacher = Σ (hours × teachers involved) / teachers at the school.

>>> caps = Caps(activities_per_semester=6, activities_per_year=10, comprehensive_per_year=1)
>>> load = {7: SchoolLoad(activities_semester=6, activities_year=6, comprehensive_year=0)}
>>> [r.code for r in check_request(kind="activity", on_list=True, comprehensive=False,
...      notice_days=40, loads=load, caps=caps, min_notice_days=30)]
['semester_cap']
>>> burden_index([(2, 10), (1.5, 4)], teachers=20)
BurdenIndex(count=2, teacher_hours=Decimal('26.0'), hours_per_teacher=Decimal('1.30'))
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ACTIVITY, INSPECTION = "activity", "inspection"


@dataclass(frozen=True)
class Caps:
    activities_per_semester: int | None
    activities_per_year: int | None
    comprehensive_per_year: int | None


@dataclass(frozen=True)
class SchoolLoad:
    """What is already approved for one school: activities in the request's semester and
    year, comprehensive inspections in its year."""

    activities_semester: int = 0
    activities_year: int = 0
    comprehensive_year: int = 0


@dataclass(frozen=True)
class Refusal:
    code: str  # not_listed, notice, semester_cap, year_cap, comprehensive_cap
    school: int | None = None  # the school over a cap
    cap: int | None = None


def check_request(
    *,
    kind: str,
    on_list: bool,
    comprehensive: bool,
    notice_days: int,
    loads: Mapping[int, SchoolLoad],
    caps: Caps,
    min_notice_days: int,
) -> list[Refusal]:
    """Every reason to refuse the request (empty: it may be approved)."""
    reasons = []
    if not on_list:
        reasons.append(Refusal("not_listed"))
    if notice_days < min_notice_days:
        reasons.append(Refusal("notice", cap=min_notice_days))
    for school, load in sorted(loads.items()):
        if kind == ACTIVITY:
            cap = caps.activities_per_semester
            if cap is not None and load.activities_semester + 1 > cap:
                reasons.append(Refusal("semester_cap", school, cap))
            cap = caps.activities_per_year
            if cap is not None and load.activities_year + 1 > cap:
                reasons.append(Refusal("year_cap", school, cap))
        elif comprehensive:
            cap = caps.comprehensive_per_year
            if cap is not None and load.comprehensive_year + 1 > cap:
                reasons.append(Refusal("comprehensive_cap", school, cap))
    return reasons


@dataclass(frozen=True)
class BurdenIndex:
    count: int
    teacher_hours: Decimal
    hours_per_teacher: Decimal | None  # None when the school has no teachers on record


def burden_index(arrivals: Iterable[tuple[object, int]], *, teachers: int) -> BurdenIndex:
    """`arrivals` are (hours, teachers involved) of each demand that arrived."""
    count, total = 0, Decimal(0)
    for hours, involved in arrivals:
        count += 1
        total += Decimal(str(hours)) * involved
    per = (total / teachers).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if teachers else None
    return BurdenIndex(count, total, per)
