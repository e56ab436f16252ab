"""The versioned award criteria (rules/awards-*.json): per kind, what eligibility asks, the
default quotas, and the long-service honour's number of years."""

from datetime import date
from pathlib import Path

from qiangshi.core import rulefiles
from qiangshi.engines.awards import Criteria

RULES_DIR = Path(__file__).resolve().parent / "rules"


def rules_on(on: date) -> dict:
    """The rule set in force on `on`."""
    return rulefiles.in_force(RULES_DIR, on)


def rules_of(version: str) -> dict:
    return rulefiles.by_version(RULES_DIR, version)


def kind_rules(rule_set: dict, kind: str) -> dict:
    return rule_set["kinds"][kind]


def criteria(rule_set: dict, kind: str) -> Criteria:
    """The engine's criteria for `kind` under `rule_set`."""
    k = rule_set["kinds"][kind]
    return Criteria(
        min_teaching_years=k.get("min_teaching_years"),
        appraisal_years=k.get("appraisal_years", 0),
        appraisal_min_grade=k.get("appraisal_min_grade"),
        appraisal_excellent_min=k.get("appraisal_excellent_min", 0),
        grade_order=tuple(rule_set["grade_order"]),
        repeat_years=k.get("repeat_years"),
        min_title=k.get("min_title"),
        title_order=tuple(rule_set["title_order"]),
        homeroom=bool(k.get("homeroom", False)),
    )
