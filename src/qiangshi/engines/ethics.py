"""Ethics bars (POLICY.md §6): what a teacher is barred from on a date, derived from the
violations decided on them and a versioned rule set — never typed in.

Two windows per violation, from the day its sanction or measures start (`starts_on`):
- after a violation, the `after_violation` bars (awards, promotion, title evaluation, post
  appointment, salary step, talent programmes) last at least `violation_months` months;
- during a sanction, the `during_sanction` bars (title evaluation, rotation) last as long as the
  sanction (`sanction_ends_on`, exclusive; None: a sanction without end, dismissal).
A bar ends on the later of the windows that impose it. A violation revoked on appeal stops barring
on the day of revocation. Ends are exclusive: `ends_on` is the first day the teacher is free.

>>> rules = {"violation_months": 24, "after_violation": ["awards"],
...          "during_sanction": ["rotation"]}
>>> v = Violation(ref="s1", starts_on=date(2025, 1, 10), sanction="warning",
...               sanction_ends_on=date(2025, 7, 10))
>>> [(b.kind, b.ends_on) for b in bars_on([v], date(2025, 3, 1), lambda d: rules)]
[('awards', datetime.date(2027, 1, 10)), ('rotation', datetime.date(2025, 7, 10))]
>>> [b.kind for b in bars_on([v], date(2025, 7, 10), lambda d: rules)]
['awards']
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

# Every kind of bar, in display order.
BAR_KINDS = (
    "title_evaluation",
    "awards",
    "promotion",
    "post_appointment",
    "salary_step",
    "talent_programmes",
    "rotation",
)


def add_months(day: date, months: int) -> date:
    """`day` plus whole months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Violation:
    """One decided violation: a sanction (`sanction` set) or other measures only."""

    ref: str  # where it comes from, e.g. "sanction:12" or "case:3"
    starts_on: date
    sanction: str = ""  # warning, demerit, demotion, dismissal; "" for measures only
    sanction_ends_on: date | None = None  # exclusive; None with a sanction: no end
    revoked_on: date | None = None


@dataclass(frozen=True)
class Bar:
    """A bar in force: its kind, the first day it no longer applies (None: no end), and the
    violations that impose it."""

    kind: str
    ends_on: date | None
    refs: tuple[str, ...]
    rule_version: str = ""


def _later(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


def windows(v: Violation, rules: dict) -> dict[str, date | None]:
    """For each bar kind the violation imposes, when it ends (exclusive; None: never)."""
    out: dict[str, date | None] = {}
    after = add_months(v.starts_on, int(rules["violation_months"]))
    for kind in rules["after_violation"]:
        out[kind] = after
    if v.sanction:
        for kind in rules["during_sanction"]:
            out[kind] = _later(out[kind], v.sanction_ends_on) if kind in out else v.sanction_ends_on
    if v.revoked_on is not None:
        out = {k: v.revoked_on if end is None else min(end, v.revoked_on) for k, end in out.items()}
    return out


def bars_on(
    violations: Iterable[Violation], on: date, rules_for: Callable[[date], dict]
) -> list[Bar]:
    """The bars in force on `on`, one per kind (the latest end wins), in `BAR_KINDS` order.

    `rules_for(day)` gives the rule set in force on a day; each violation is judged by the rules
    of the day it started."""
    ends: dict[str, date | None] = {}
    refs: dict[str, list[str]] = {}
    versions: dict[str, str] = {}
    for v in violations:
        if v.starts_on > on:
            continue
        rules = rules_for(v.starts_on)
        for kind, end in windows(v, rules).items():
            if end is not None and end <= on:
                continue
            ends[kind] = _later(ends[kind], end) if kind in ends else end
            refs.setdefault(kind, []).append(v.ref)
            versions[kind] = str(rules.get("version", ""))
    order = {k: i for i, k in enumerate(BAR_KINDS)}
    return [
        Bar(kind=k, ends_on=ends[k], refs=tuple(refs[k]), rule_version=versions[k])
        for k in sorted(ends, key=lambda k: order.get(k, len(order)))
    ]
