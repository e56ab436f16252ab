"""Ethics bars at the edges of each duration (POLICY.md §6): the day before a violation starts,
the day it starts, the last barred day and the first free day."""

from datetime import date, timedelta

import pytest

from qiangshi.engines.ethics import Violation, bars_on
from qiangshi.ethics.rules import bar_rules_on, sanction_end

START = date(2025, 3, 10)
AFTER = {"title_evaluation", "awards", "promotion", "post_appointment", "salary_step",
         "talent_programmes"}  # fmt: skip


def _kinds(violations, on):
    return {b.kind: b.ends_on for b in bars_on(violations, on, bar_rules_on)}


def _sanction(kind, start=START):
    end, _ = sanction_end(kind, start)
    return Violation(ref="s", starts_on=start, sanction=kind, sanction_ends_on=end)


@pytest.mark.parametrize(
    ("kind", "rotation_end"),
    [
        ("warning", date(2025, 9, 10)),
        ("demerit", date(2026, 3, 10)),
        ("demotion", date(2027, 3, 10)),
    ],
)
def test_rotation_bar_lasts_as_long_as_the_sanction(kind, rotation_end):
    v = _sanction(kind)
    assert "rotation" not in _kinds([v], START - timedelta(days=1))
    assert _kinds([v], START)["rotation"] == rotation_end
    assert "rotation" in _kinds([v], rotation_end - timedelta(days=1))
    assert "rotation" not in _kinds([v], rotation_end)


@pytest.mark.parametrize("kind", ["warning", "demerit", "demotion"])
def test_a_violation_bars_awards_and_titles_for_24_months(kind):
    v = _sanction(kind)
    end = date(2027, 3, 10)
    assert _kinds([v], START - timedelta(days=1)) == {}
    on_start = _kinds([v], START)
    assert set(on_start) >= AFTER and all(on_start[k] == end for k in AFTER)
    last = _kinds([v], end - timedelta(days=1))
    assert set(last) >= AFTER
    assert _kinds([v], end) == {}


def test_dismissal_bars_without_end():
    v = _sanction("dismissal")
    bars = _kinds([v], date(2060, 1, 1))
    assert set(bars) == AFTER | {"rotation"} and all(e is None for e in bars.values())


def test_measures_without_sanction_bar_24_months_but_not_rotation():
    v = Violation(ref="c", starts_on=START)
    assert set(_kinds([v], START)) == AFTER
    assert _kinds([v], date(2027, 3, 9)) and _kinds([v], date(2027, 3, 10)) == {}


def test_revocation_ends_every_bar_on_its_day():
    end, _ = sanction_end("demerit", START)
    v = Violation("s", START, "demerit", end, revoked_on=date(2025, 6, 1))
    assert _kinds([v], date(2025, 5, 31))
    assert _kinds([v], date(2025, 6, 1)) == {}


def test_the_later_of_two_violations_wins_and_both_are_named():
    a = _sanction("warning")
    b = Violation(ref="c2", starts_on=date(2026, 1, 5))
    bars = {b.kind: b for b in bars_on([a, b], date(2026, 2, 1), bar_rules_on)}
    assert bars["awards"].ends_on == date(2028, 1, 5)
    assert bars["awards"].refs == ("s", "c2")
    assert bars["awards"].rule_version == "2018"


def test_a_month_end_start_clamps():
    v = Violation(ref="c", starts_on=date(2024, 2, 29))
    assert _kinds([v], date(2024, 3, 1))["awards"] == date(2026, 2, 28)
