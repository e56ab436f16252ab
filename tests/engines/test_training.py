"""The 5-year training cycle at its edges: the start day counts, the end day does not; caps;
minimums; the projection; induction."""

from datetime import date
from decimal import Decimal as D

from qiangshi.engines.training import (
    CycleRules,
    Hours,
    add_years,
    cycle_start_on,
    evaluate,
    evaluate_cycle,
    induction,
)

RULES = CycleRules.from_dict(
    {
        "version": "test",
        "required_hours": 360,
        "cycle_years": 5,
        "induction_hours": 120,
        "categories": {
            "centralised": {"min": 120, "cap": None},
            "online": {"min": 0, "cap": 150},
            "induction": {"min": 0, "cap": 120},
        },
    }
)
START = date(2021, 1, 1)


def h(day, hours, category="centralised", teacher="T1"):
    return Hours(teacher, day, D(hours), category)


def test_hours_on_the_start_day_count_and_the_day_before_does_not():
    s = evaluate_cycle([h(START, 10), h(date(2020, 12, 31), 50)], START, RULES)
    assert s.hours == D(10)


def test_the_end_day_is_excluded_and_the_last_day_included():
    s = evaluate_cycle([h(date(2025, 12, 31), 7), h(date(2026, 1, 1), 100)], START, RULES)
    assert s.end == date(2026, 1, 1)
    assert s.hours == D(7)


def test_exactly_the_requirement_is_complete_with_no_shortfall():
    s = evaluate_cycle([h(START, 120), h(date(2023, 5, 1), 240)], START, RULES)
    assert s.complete and s.shortfall == 0 and s.hours == D(360)


def test_a_cap_limits_what_a_category_contributes():
    s = evaluate_cycle([h(START, 200), h(START, 300, "online")], START, RULES)
    assert s.by_category["online"] == D(150)
    assert s.hours == D(350)
    assert s.shortfall == D(10) and not s.complete


def test_a_category_minimum_not_met_leaves_a_shortfall_despite_enough_hours():
    s = evaluate_cycle(
        [h(START, 100), h(START, 150, "online"), h(START, 120, "induction")], START, RULES
    )
    assert s.hours == D(370)
    assert not s.complete
    assert s.shortfall == D(20)
    assert s.category_shortfall == {"centralised": D(20)}


def test_the_shortfall_is_the_larger_of_the_total_and_the_minimums_gaps():
    s = evaluate_cycle([h(START, 100), h(START, 200, "online")], START, RULES)
    # 100 + 150 (capped) = 250: 110 short in total, of which 20 must be centralised.
    assert s.shortfall == D(110)


def test_no_hours_at_all():
    s = evaluate_cycle([], START, RULES)
    assert s.hours == 0 and s.shortfall == D(360) and not s.complete


def test_the_projection_carries_the_pace_to_the_end():
    # Half way through (day 913 of 1826) with 90 centralised hours: about 180 at the end.
    on = date(2023, 7, 2)
    s = evaluate_cycle([h(START, 90)], START, RULES, today=on)
    assert D(179) < s.projected_hours < D(181)
    assert s.at_risk and D(179) < s.projected_shortfall < D(181)
    done = evaluate_cycle([h(START, 210), h(START, 150, "online")], START, RULES, today=on)
    assert not done.at_risk and done.complete


def test_evaluate_groups_teachers_and_computes_the_completion_rate():
    rows = [
        h(START, 360, teacher="A"),
        h(START, 10, teacher="B"),
        h(date(2030, 1, 1), 400, teacher="C"),
    ]
    result = evaluate(rows, START, RULES)
    assert [t.teacher for t in result.teachers] == ["A", "B", "C"]
    assert [t.complete for t in result.teachers] == [True, False, False]
    assert result.teachers[2].hours == 0  # all outside the cycle
    assert abs(result.completion_rate - 1 / 3) < 1e-9
    assert evaluate([], START, RULES).completion_rate is None


def test_cycles_are_counted_from_the_anchor():
    assert cycle_start_on(START, RULES, date(2025, 12, 31)) == START
    assert cycle_start_on(START, RULES, date(2026, 1, 1)) == date(2026, 1, 1)
    assert cycle_start_on(START, RULES, date(2019, 6, 1)) == date(2016, 1, 1)
    assert add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_induction_counts_induction_hours_in_the_first_year_only():
    began = date(2024, 9, 1)
    rows = [
        h(began, 80, "induction"),
        h(date(2025, 8, 31), 40, "induction"),
        h(date(2025, 9, 1), 40, "induction"),  # a year on: outside the window
        h(began, 50, "centralised"),
    ]
    status = induction(rows, began, RULES)
    assert status.hours == D(120) and status.complete and status.shortfall == 0
    short = induction(rows[:1], began, RULES)
    assert short.shortfall == D(40) and not short.complete
