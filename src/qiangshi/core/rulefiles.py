"""Versioned parameter files (`<area>/rules/*.json`, each with `version` and `effective_from`):
load a directory's sets once, and pick the one in force on a date."""

import json
from datetime import date
from functools import cache
from pathlib import Path


@cache
def rule_sets(directory: Path) -> tuple[dict, ...]:
    """Every rule set in `directory`, oldest first."""
    sets = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]
    return tuple(sorted(sets, key=lambda s: s["effective_from"]))


def in_force(directory: Path, on: date) -> dict:
    """The rule set in force on `on` (the earliest one before any took effect)."""
    sets = rule_sets(directory)
    current = sets[0]
    for rule_set in sets:
        if date.fromisoformat(rule_set["effective_from"]) <= on:
            current = rule_set
    return current


def by_version(directory: Path, version: str) -> dict:
    for rule_set in rule_sets(directory):
        if rule_set["version"] == version:
            return rule_set
    raise KeyError(version)
