"""The talent engine: recruitment rate, olympiad-coach rewards with the yearly cap, and the
hours a partnership activity credits."""

import doctest
from decimal import Decimal

from qiangshi.engines import talent
from qiangshi.engines.talent import Result, coach_rewards, credited_hours, progress, rate

RULES = {
    "amounts": {"national_gold": 30000, "national_bronze": 10000, "provincial_first": 5000},
    "olympiad_factors": {"informatics": 1.2},
    "coach_cap_per_year": 40000,
}


def test_docstring_examples_hold():
    assert doctest.testmod(talent).failed == 0


def test_rate_without_a_target_is_missing_not_zero():
    assert rate(3, 0) is None
    assert rate(0, 4) == Decimal("0.000")
    assert rate(5, 4) == Decimal("1.250")


def test_progress_sums_categories_and_keeps_hires_without_a_target():
    rows = progress([("doctoral", 3), ("doctoral", 2)], [("doctoral", 1), ("shortage", 2)])
    assert [(r.category, r.target, r.hires, r.rate) for r in rows] == [
        ("doctoral", 5, 1, Decimal("0.200")),
        ("shortage", 0, 2, None),
    ]


def test_reward_is_the_level_amount_times_the_olympiad_factor():
    [r] = coach_rewards([Result(1, "c", 2025, (1,), "informatics", "national_bronze")], RULES)
    assert r.reward == Decimal(12000)
    assert not r.capped


def test_a_level_the_rules_do_not_name_earns_nothing():
    [r] = coach_rewards([Result(1, "c", 2025, (1,), "physics", "provincial_third")], RULES)
    assert r.reward == 0


def test_the_yearly_cap_per_coach_cuts_the_later_results_in_date_order():
    results = [
        Result("late", "c", 2025, (3,), "physics", "national_gold"),
        Result("early", "c", 2025, (1,), "physics", "national_gold"),
        Result("other coach", "d", 2025, (2,), "physics", "national_gold"),
        Result("next year", "c", 2026, (1,), "physics", "national_gold"),
    ]
    rewards = {r.key: r for r in coach_rewards(results, RULES)}
    assert rewards["early"].reward == 30000
    assert rewards["late"].reward == 10000 and rewards["late"].capped
    assert rewards["other coach"].reward == 30000
    assert rewards["next year"].reward == 30000


def test_no_cap_when_the_rules_set_none():
    rules = {**RULES, "coach_cap_per_year": None}
    results = [Result(i, "c", 2025, (i,), "physics", "national_gold") for i in range(3)]
    assert sum(r.reward for r in coach_rewards(results, rules)) == 90000


CREDIT = {
    "credit": {"mountain_sea": {"activity_kinds": ["training"], "category": "centralised"}},
    "max_hours_per_activity": 24,
}


def test_an_activity_credits_its_hours_up_to_the_cap():
    assert credited_hours(Decimal(6), partnership_kind="mountain_sea", activity_kind="training",
                          rules=CREDIT) == Decimal(6)  # fmt: skip
    assert credited_hours(Decimal(30), partnership_kind="mountain_sea", activity_kind="training",
                          rules=CREDIT) == Decimal(24)  # fmt: skip


def test_kinds_the_rules_do_not_credit_give_nothing():
    assert credited_hours(Decimal(6), partnership_kind="mountain_sea", activity_kind="visit",
                          rules=CREDIT) == 0  # fmt: skip
    assert credited_hours(Decimal(6), partnership_kind="cross_strait", activity_kind="training",
                          rules=CREDIT) == 0  # fmt: skip
