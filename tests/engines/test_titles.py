"""The title evaluation engine: eligibility at each edge of the Xiamen rule file, the panel
draw (same seed, same panel; conflicts avoided), scores, aggregation and ranking."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from qiangshi.engines import titles as engine

RULES = json.loads(
    (
        Path(__file__).resolve().parents[2]
        / "src/qiangshi/titles/rules/eligibility/titles-xiamen-2024.json"
    ).read_text()
)
ON = date(2024, 12, 31)


def candidate(**kw):
    base = dict(
        teacher=1,
        current_title="first",
        title_since=date(2019, 12, 31),
        degree="bachelor",
        work_start=date(2005, 9, 1),
        stages=frozenset({"primary"}),
        location="rural",
        rural_days=0,
        weak_days=0,
        training_complete=True,
        training_hours=Decimal(360),
        training_required=Decimal(360),
    )
    return engine.Candidate(**{**base, **kw})


def status(result, rule):
    return next(c for c in result.checks if c.rule == rule).status


def test_the_rule_file_is_consistent():
    engine.validate_rules(RULES)


def test_exactly_five_years_as_first_qualifies_for_senior():
    result = engine.evaluate(candidate(), "senior", RULES, ON)
    assert result.eligible, result.failed


def test_one_day_short_of_five_years_fails_on_title_years_only():
    result = engine.evaluate(candidate(title_since=date(2020, 1, 1)), "senior", RULES, ON)
    assert not result.eligible
    assert [(c.rule, c.status) for c in result.failed] == [("title_years", "fail")]
    assert result.failed[0].params["due"] == date(2025, 1, 1)


def test_a_title_obtained_on_29_february_counts_to_28_february():
    c = candidate(current_title="second", title_since=date(2020, 2, 29), degree="master")
    assert engine.evaluate(c, "first", RULES, date(2022, 2, 28)).eligible
    assert not engine.evaluate(c, "first", RULES, date(2022, 2, 27)).eligible


@pytest.mark.parametrize(
    ("degree", "years", "eligible"),
    [
        ("doctorate", 2, True),
        ("doctorate", 1, False),
        ("master", 5, True),
        ("master", 4, False),
        ("bachelor", 5, True),
        ("associate", 5, True),
        ("associate", 4, False),
        ("secondary_normal", 10, False),
        ("senior_secondary", 10, False),
    ],
)
def test_senior_years_by_degree(degree, years, eligible):
    c = candidate(degree=degree, title_since=date(2024 - years, 12, 31))
    assert engine.evaluate(c, "senior", RULES, ON).eligible is eligible


def test_a_degree_without_a_route_fails_on_degree_and_says_which_qualify():
    result = engine.evaluate(candidate(degree="senior_secondary"), "senior", RULES, ON)
    degree = next(c for c in result.checks if c.rule == "degree")
    assert degree.status == "fail"
    assert degree.params["accepted"] == ["doctorate", "master", "bachelor", "associate"]


def test_junior_college_route_to_senior_is_for_primary_and_junior_only():
    c = candidate(degree="associate", title_since=date(2015, 1, 1))
    assert engine.evaluate(c, "senior", RULES, ON).eligible
    high = engine.evaluate(replace(c, stages=frozenset({"senior"})), "senior", RULES, ON)
    assert [(x.rule, x.status) for x in high.failed] == [("stage", "fail")]


def test_secondary_normal_route_to_first_is_for_primary_only():
    c = candidate(current_title="second", degree="secondary_normal", title_since=date(2019, 12, 31))
    assert engine.evaluate(c, "first", RULES, ON).eligible
    junior = replace(c, stages=frozenset({"junior"}))
    assert status(engine.evaluate(junior, "first", RULES, ON), "stage") == "fail"


def test_first_by_degree_exactly_and_one_day_short():
    for degree, years in (("master", 2), ("bachelor", 4), ("associate", 4)):
        c = candidate(current_title="second", degree=degree, title_since=date(2024 - years, 12, 31))
        assert engine.evaluate(c, "first", RULES, ON).eligible, degree
        short = replace(c, title_since=date(2025 - years, 1, 1))
        assert status(engine.evaluate(short, "first", RULES, ON), "title_years") == "fail"


def test_a_doctorate_is_assessed_first_grade_directly():
    c = candidate(current_title=None, title_since=None, degree="doctorate")
    assert engine.target_for(c, RULES) == "first"
    assert engine.evaluate(c, "first", RULES, ON).eligible


def test_second_grade_after_the_bachelor_probation_year():
    c = candidate(
        current_title=None, title_since=None, degree="bachelor", work_start=date(2023, 12, 31)
    )
    assert engine.target_for(c, RULES) == "second"
    assert engine.evaluate(c, "second", RULES, ON).eligible
    late = replace(c, work_start=date(2024, 1, 1))
    assert status(engine.evaluate(late, "second", RULES, ON), "title_years") == "fail"


def test_the_wrong_title_for_the_route_fails_on_current_title():
    c = candidate(current_title="third", degree="bachelor", title_since=date(2010, 1, 1))
    result = engine.evaluate(c, "first", RULES, ON)
    assert status(result, "current_title") == "fail"
    assert (
        next(x for x in result.checks if x.rule == "current_title").params["required"] == "second"
    )


def test_holding_the_target_already_is_not_eligible():
    result = engine.evaluate(candidate(current_title="senior"), "senior", RULES, ON)
    assert status(result, "current_title") == "fail"


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"degree": None}, "degree"),
        ({"title_since": None}, "title_years"),
        ({"stages": None, "degree": "associate"}, "stage"),
        ({"location": None}, "rural_service"),
        ({"training_complete": None, "training_hours": None}, "training_hours"),
        ({"location": "urban", "rural_days": None}, "rural_service"),
    ],
)
def test_missing_data_stays_unknown_and_is_not_eligible(changes, rule):
    result = engine.evaluate(candidate(**changes), "senior", RULES, ON)
    assert not result.eligible
    assert status(result, rule) == "unknown"
    assert "fail" not in {c.status for c in result.checks if c.rule == rule}


def test_urban_teachers_need_a_year_rural_or_three_in_a_weak_school_before_senior():
    urban = candidate(location="urban")
    assert status(engine.evaluate(urban, "senior", RULES, ON), "rural_service") == "fail"
    assert engine.evaluate(replace(urban, rural_days=365), "senior", RULES, ON).eligible
    assert not engine.evaluate(replace(urban, rural_days=364), "senior", RULES, ON).eligible
    assert engine.evaluate(replace(urban, weak_days=3 * 365), "senior", RULES, ON).eligible
    assert not engine.evaluate(replace(urban, weak_days=3 * 365 - 1), "senior", RULES, ON).eligible
    # Not before first-grade, and not for teachers outside urban schools.
    first = candidate(location="urban", current_title="second", title_since=date(2015, 1, 1))
    assert status(engine.evaluate(first, "first", RULES, ON), "rural_service") == "pass"
    assert (
        status(engine.evaluate(candidate(location="town"), "senior", RULES, ON), "rural_service")
        == "pass"
    )


def test_an_incomplete_cycle_and_an_ethics_bar_each_block():
    short = engine.evaluate(
        candidate(training_complete=False, training_hours=Decimal(300)), "senior", RULES, ON
    )
    assert [c.rule for c in short.failed] == ["training_hours"]
    barred = engine.evaluate(
        candidate(barred=True, barred_until=date(2025, 3, 1)), "senior", RULES, ON
    )
    assert [(c.rule, c.code) for c in barred.failed] == [("ethics_bar", "ethics_barred")]
    for_ever = engine.evaluate(candidate(barred=True), "senior", RULES, ON)
    assert for_ever.failed[0].code == "ethics_barred_no_end"


def test_every_check_has_a_stable_rule_key_in_rule_order():
    result = engine.evaluate(candidate(), "senior", RULES, ON)
    assert [c.rule for c in result.checks] == list(engine.RULES)


def test_target_is_the_next_title_and_none_at_the_top():
    assert engine.target_for(candidate(current_title="second"), RULES) == "first"
    assert engine.target_for(candidate(current_title="professor"), RULES) is None
    assert engine.target_for(candidate(current_title=None, degree=None), RULES) == "third"


# --- panel --------------------------------------------------------------------------------


def pool():
    return [
        engine.Reviewer(1, frozenset({"math"}), frozenset({"primary"}), school=10, district=100),
        engine.Reviewer(2, frozenset({"math"}), frozenset({"primary"}), school=11, district=100),
        engine.Reviewer(3, frozenset({"math"}), frozenset({"primary"}), school=12, district=200),
        engine.Reviewer(4, frozenset({"math"}), frozenset({"junior"}), school=13, district=200),
        engine.Reviewer(5, frozenset({"chinese"}), frozenset({"primary"}), school=14, district=200),
        engine.Reviewer(
            6,
            frozenset({"math"}),
            frozenset({"primary"}),
            school=15,
            district=300,
            related=frozenset({77}),
        ),
        engine.Reviewer(7, frozenset({"math"}), frozenset({"primary"}), school=16, district=300),
        engine.Reviewer(8, frozenset({"math"}), frozenset({"primary"}), school=17, district=400),
    ]


APPLICANT = engine.Applicant(
    id=5, teacher=77, subject="math", stage="primary", school=10, district=100
)


def test_same_seed_same_panel_and_another_seed_may_differ():
    a = engine.draw_panel(pool(), APPLICANT, 3, "seed-1")
    assert a == engine.draw_panel(list(reversed(pool())), APPLICANT, 3, "seed-1")
    panels = {engine.draw_panel(pool(), APPLICANT, 3, f"seed-{i}").members for i in range(20)}
    assert len(panels) > 1


def test_the_panel_avoids_every_conflict():
    p = engine.draw_panel(pool(), APPLICANT, 10, "s", avoid_same_district=True)
    assert p.excluded == {
        1: "same_school",
        2: "same_district",
        4: "stage",
        5: "subject",
        6: "relation",
    }
    assert sorted(p.members) == [3, 7, 8]
    loose = engine.draw_panel(pool(), APPLICANT, 10, "s", avoid_same_district=False)
    assert 2 in loose.members and 1 not in loose.members


def test_a_short_pool_gives_every_eligible_reviewer():
    p = engine.draw_panel(pool(), APPLICANT, 10, "s", avoid_same_district=True)
    assert p.eligible == 3 and len(p.members) == 3


# --- scores -------------------------------------------------------------------------------

RUBRIC = {"criteria": {"a": {"max": 10}, "b": {"max": 5}}}


@pytest.mark.parametrize(
    ("scores", "code"),
    [
        ({"a": 5}, "missing"),
        ({"a": 11, "b": 1}, "out_of_range"),
        ({"a": -1, "b": 1}, "out_of_range"),
        ({"a": "x", "b": 1}, "not_a_number"),
        ({"a": 1, "b": 1, "c": 1}, "unknown_criterion"),
    ],
)
def test_bad_scores_are_refused(scores, code):
    with pytest.raises(engine.ScoreError) as e:
        engine.score_total(RUBRIC, scores)
    assert e.value.code == code


def test_the_maximum_is_allowed():
    assert engine.score_total(RUBRIC, {"a": 10, "b": 5}) == 15


def test_trimmed_mean_drops_the_extremes_and_needs_three():
    assert engine.aggregate([Decimal(60), Decimal(80), Decimal(100)], "trimmed_mean") == Decimal(
        "80.00"
    )
    assert engine.aggregate([Decimal(60), Decimal(100)], "trimmed_mean") is None
    assert engine.aggregate([Decimal(60), Decimal(100)], "mean") == Decimal("80.00")
    assert engine.aggregate([], "mean") is None


def test_ranking_within_quota_breaks_ties_by_application():
    ranked = engine.rank_within_quota([(3, Decimal(70)), (1, Decimal(70)), (2, Decimal(90))], 2)
    assert [(r.id, r.rank, r.within_quota) for r in ranked] == [
        (2, 1, True),
        (1, 2, True),
        (3, 3, False),
    ]
    assert all(not r.within_quota for r in engine.rank_within_quota([(1, Decimal(99))], 0))
