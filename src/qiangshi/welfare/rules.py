"""The versioned welfare parameters: salary parity components (rules/parity/*.json) and the
non-teaching burden caps (rules/burden/*.json). Policy numbers live there, never in code."""

from datetime import date
from pathlib import Path

from django.utils.translation import get_language

from qiangshi.core import rulefiles
from qiangshi.engines.burden import Caps

RULES_DIR = Path(__file__).resolve().parent / "rules"
PARITY_DIR = RULES_DIR / "parity"
BURDEN_DIR = RULES_DIR / "burden"


def parity_rules(year: int) -> dict:
    """The parity rule set for a calendar year: the one in force on its 1 January."""
    return rulefiles.in_force(PARITY_DIR, date(year, 1, 1))


def components(year: int) -> list[str]:
    return [c["key"] for c in parity_rules(year)["components"]]


def all_components() -> list[dict]:
    """Every component of every parity rule set, in first-seen order (import columns)."""
    seen: dict[str, dict] = {}
    for rule_set in rulefiles.rule_sets(PARITY_DIR):
        for c in rule_set["components"]:
            seen.setdefault(c["key"], c)
    return list(seen.values())


def component_label(key: str) -> str:
    """A component's name in the active language (the key itself if no rule set names it)."""
    english = (get_language() or "").startswith("en")
    for c in all_components():
        if c["key"] == key:
            return c["en"] if english else c["zh"]
    return key


def burden_rules(on: date) -> dict:
    return rulefiles.in_force(BURDEN_DIR, on)


def caps(rule_set: dict) -> Caps:
    return Caps(
        activities_per_semester=rule_set.get("activities_per_school_per_semester"),
        activities_per_year=rule_set.get("activities_per_school_per_year"),
        comprehensive_per_year=rule_set.get("comprehensive_inspections_per_school_per_year"),
    )


def semester_of(day: date) -> tuple[int, str]:
    """(school year, "spring" | "autumn") of a date, by the rule set's semester starts: the
    autumn semester of year Y runs from its start in Y to the spring start of Y + 1."""
    starts = burden_rules(day)["semester_starts"]
    spring = date(day.year, *map(int, starts["spring"].split("-")))
    autumn = date(day.year, *map(int, starts["autumn"].split("-")))
    if day >= autumn:
        return day.year, "autumn"
    if day >= spring:
        return day.year - 1, "spring"
    return day.year - 1, "autumn"


def semester_bounds(day: date) -> tuple[date, date]:
    """[start, end) of the semester containing `day`."""
    starts = burden_rules(day)["semester_starts"]
    year, term = semester_of(day)

    def at(y, key):
        return date(y, *map(int, starts[key].split("-")))

    if term == "autumn":
        return at(year, "autumn"), at(year + 1, "spring")
    return at(year + 1, "spring"), at(year + 1, "autumn")
