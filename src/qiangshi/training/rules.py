"""The versioned continuing-education rules (rules/training-*.json): hours per cycle, the
per-category minimums and caps, the induction hours."""

from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles
from qiangshi.engines.training import CycleRules, cycle_start_on

RULES_DIR = Path(__file__).resolve().parent / "rules"


def rules_on(on: date) -> dict:
    """The rule set in force on `on`, as the file has it."""
    return rulefiles.in_force(RULES_DIR, on)


def cycle_rules(on: date) -> CycleRules:
    """The rule set in force on `on`, for the engine."""
    return CycleRules.from_dict(rules_on(on))


def current_cycle_start(on: date) -> date:
    """The start of the region's cycle holding `on` (cycles counted from the rule file's
    `cycle_anchor`)."""
    data = rules_on(on)
    return cycle_start_on(date.fromisoformat(data["cycle_anchor"]), CycleRules.from_dict(data), on)
