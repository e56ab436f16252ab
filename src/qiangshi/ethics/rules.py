"""The versioned sanction durations (rules/sanctions-*.json)."""

import calendar
from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles

RULES_DIR = Path(__file__).resolve().parent / "rules"


def rules_on(on: date) -> dict:
    """The rule set in force on `on`."""
    return rulefiles.in_force(RULES_DIR, on)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def sanction_end(kind: str, decided_on: date) -> tuple[date | None, str]:
    """(the day the sanction ends, the rule version): decided_on + its duration."""
    rule_set = rules_on(decided_on)
    months = rule_set["duration_months"][kind]
    return (None if months is None else _add_months(decided_on, months)), rule_set["version"]
