"""The versioned talent parameters: olympiad-coach reward amounts (rules/olympiad/*.json) and
which partnership activities credit training hours (rules/partnership/*.json). The shipped sets
are illustrative (their `source` says so): amounts are the bureau's to set."""

from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles

RULES_DIR = Path(__file__).resolve().parent / "rules"
OLYMPIAD_DIR = RULES_DIR / "olympiad"
PARTNERSHIP_DIR = RULES_DIR / "partnership"


def olympiad_rules(on: date) -> dict:
    """The olympiad reward rule set in force on `on`."""
    return rulefiles.in_force(OLYMPIAD_DIR, on)


def olympiad_rules_by_version(version: str) -> dict:
    return rulefiles.by_version(OLYMPIAD_DIR, version)


def partnership_rules(on: date) -> dict:
    """The partnership credit rule set in force on `on`."""
    return rulefiles.in_force(PARTNERSHIP_DIR, on)
