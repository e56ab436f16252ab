"""The versioned sanction durations and ethics bars (rules/sanctions-*.json)."""

from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles
from qiangshi.engines.ethics import add_months

RULES_DIR = Path(__file__).resolve().parent / "rules"


def rules_on(on: date) -> dict:
    """The rule set in force on `on`."""
    return rulefiles.in_force(RULES_DIR, on)


def bar_rules_on(on: date) -> dict:
    """The bar parameters in force on `on`, with the rule set's version (for the engine)."""
    rule_set = rules_on(on)
    return {**rule_set["bars"], "version": rule_set["version"]}


def sanction_end(kind: str, decided_on: date) -> tuple[date | None, str]:
    """(the day the sanction ends, the rule version): decided_on + its duration."""
    rule_set = rules_on(decided_on)
    months = rule_set["duration_months"][kind]
    return (None if months is None else add_months(decided_on, months)), rule_set["version"]
