"""Rule sets of the balance standard, kept as reviewed data files in `rules/` (one per version).

Each file has a version, the date it takes effect, its official source, who wrote and who
reviewed it, and every number of POLICY §1. The rule set in effect on a date is the one with
the latest `effective_from` on or before it; a later file supersedes an earlier one without a
code change. Every result records the version it used.
"""

import json
from datetime import date
from functools import cache
from pathlib import Path

from qiangshi.core.errors import ApplicationError
from qiangshi.engines.balance import RuleSet

RULES_DIR = Path(__file__).resolve().parent / "rules"


def load_rule_sets(directory: Path = RULES_DIR) -> list[RuleSet]:
    """Every rule set in `directory`, oldest first. A broken file raises ApplicationError."""
    found = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found.append(RuleSet.from_dict(data))
        except (ValueError, TypeError) as exc:
            raise ApplicationError(f"Balance rule set {path.name}: {exc}") from None
    versions = [r.version for r in found]
    if len(set(versions)) != len(versions):
        raise ApplicationError(f"Balance rule sets in {directory} repeat a version: {versions}")
    return sorted(found, key=lambda r: r.effective_from)


@cache
def _installed() -> tuple[RuleSet, ...]:
    return tuple(load_rule_sets())


def rule_set_on(on: date | None = None, *, directory: Path | None = None) -> RuleSet:
    """The rule set in effect on `on` (default today)."""
    on = on or date.today()
    sets = load_rule_sets(directory) if directory is not None else _installed()
    in_effect = [r for r in sets if r.effective_from <= on]
    if not in_effect:
        raise ApplicationError(f"No balance rule set is in effect on {on.isoformat()}.")
    return in_effect[-1]


def rule_set_version(version: str, *, directory: Path | None = None) -> RuleSet:
    """The rule set with this version (for re-reading a stored result)."""
    sets = load_rule_sets(directory) if directory is not None else _installed()
    for r in sets:
        if r.version == version:
            return r
    raise ApplicationError(f"No balance rule set has version {version!r}.")
