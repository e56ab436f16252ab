"""The versioned rotation parameters (rules/rotation-*.json): eligibility, quotas, constraints,
objective weights and solver limits. Policy numbers live there, never in code."""

from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles

RULES_DIR = Path(__file__).resolve().parent / "rules"


def rules_on(on: date) -> dict:
    """The rule set in force on `on`."""
    return rulefiles.in_force(RULES_DIR, on)


def rules_version(version: str) -> dict:
    return rulefiles.by_version(RULES_DIR, version)
