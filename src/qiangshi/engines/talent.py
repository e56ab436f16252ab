"""Talent and partnerships (POLICY.md §15): recruitment against plan, olympiad-coach rewards, and
the training hours a partnership activity credits.

Recruitment against plan, per category: the rate is hires / target, None when there is no target
(missing stays missing, never 0 % or 100 %).

Olympiad-coach reward of one result: the rule set's amount for the result's level (national gold
… provincial third), times the olympiad's factor (1 when the rule set names none). A coach's
rewards in one year are capped (`coach_cap_per_year`, None: no cap): results are taken in date
order and the one that crosses the cap gets what is left of it, later ones nothing.

Hours credited by an activity to each teacher who took part: the activity's hours, at most
`max_hours_per_activity` (None: no cap), if the rule set credits the partnership's kind and the
activity's kind; else nothing.

>>> progress([("doctoral", 10), ("shortage", 0)], [("doctoral", 4), ("shortage", 2)])[0]
PlanProgress(category='doctoral', target=10, hires=4, rate=Decimal('0.400'))
>>> rules = {"amounts": {"national_gold": 20000, "provincial_first": 3000},
...          "olympiad_factors": {}, "coach_cap_per_year": 21000}
>>> [r.reward for r in coach_rewards([
...     Result(1, coach=7, year=2025, order=(1,), olympiad="physics", level="national_gold"),
...     Result(2, coach=7, year=2025, order=(2,), olympiad="physics", level="provincial_first"),
... ], rules)]
[Decimal('20000'), Decimal('1000')]
>>> credited_hours(Decimal("12"), partnership_kind="mountain_sea", activity_kind="training",
...     rules={"credit": {"mountain_sea": {"activity_kinds": ["training"]}},
...            "max_hours_per_activity": 8})
Decimal('8')
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class PlanProgress:
    category: str
    target: int
    hires: int
    rate: Decimal | None


def rate(hires: int, target: int) -> Decimal | None:
    """hires / target to three places; None without a target."""
    if not target:
        return None
    return (Decimal(hires) / Decimal(target)).quantize(Decimal("0.001"), ROUND_HALF_UP)


def progress(
    targets: Iterable[tuple[str, int]], hires: Iterable[tuple[str, int]]
) -> list[PlanProgress]:
    """Targets and hires per category, summed, in the order categories first appear (targets
    first); a category with hires but no target is listed with rate None."""
    wanted: dict[str, int] = {}
    got: dict[str, int] = defaultdict(int)
    for category, n in targets:
        wanted[category] = wanted.get(category, 0) + int(n)
    for category, n in hires:
        got[category] += int(n)
        wanted.setdefault(category, 0)
    return [PlanProgress(c, t, got[c], rate(got[c], t)) for c, t in wanted.items()]


@dataclass(frozen=True)
class Result:
    """One pupil's olympiad result credited to one coach; `order` sorts a coach's results in the
    year (e.g. (awarded_on, id))."""

    key: object
    coach: object
    year: int
    order: tuple
    olympiad: str
    level: str


@dataclass(frozen=True)
class Reward:
    key: object
    base: Decimal  # amount × factor, before the cap
    reward: Decimal
    capped: bool


def base_reward(olympiad: str, level: str, rules: Mapping) -> Decimal:
    """The rule set's amount for `level` times the olympiad's factor; 0 for a level it does not
    reward."""
    amount = Decimal(str(rules["amounts"].get(level, 0)))
    factor = Decimal(str(rules.get("olympiad_factors", {}).get(olympiad, 1)))
    return (amount * factor).quantize(Decimal("1"), ROUND_HALF_UP)


def coach_rewards(results: Iterable[Result], rules: Mapping) -> list[Reward]:
    """The reward of each result (same order as given), the yearly cap per coach applied."""
    results = list(results)
    cap = rules.get("coach_cap_per_year")
    cap = None if cap is None else Decimal(str(cap))
    paid: dict[tuple, Decimal] = defaultdict(Decimal)
    out: dict[object, Reward] = {}
    for r in sorted(results, key=lambda r: (r.year, str(r.coach), r.order)):
        base = base_reward(r.olympiad, r.level, rules)
        reward = base
        if cap is not None:
            left = max(cap - paid[(r.coach, r.year)], Decimal(0))
            reward = min(base, left)
        paid[(r.coach, r.year)] += reward
        out[r.key] = Reward(r.key, base, reward, reward < base)
    return [out[r.key] for r in results]


def credited_hours(
    hours: Decimal, *, partnership_kind: str, activity_kind: str, rules: Mapping
) -> Decimal:
    """The training hours an activity credits to each teacher who took part (0: none)."""
    credit = rules.get("credit", {}).get(partnership_kind)
    if not credit or activity_kind not in credit.get("activity_kinds", ()):
        return Decimal(0)
    cap = rules.get("max_hours_per_activity")
    hours = Decimal(hours)
    return min(hours, Decimal(str(cap))) if cap is not None else hours
