"""The award eligibility engine at its edges: each rule passes, fails or says the data is
missing, with a stable key; the long-service count."""

import doctest
from datetime import date

import pytest

from qiangshi.engines import awards
from qiangshi.engines.awards import Candidate, Criteria, check, eligible, full_years, long_service

GRADES = ("excellent", "competent", "basic", "incompetent")
TITLES = ("third", "second", "first", "senior", "professor")
ON = date(2026, 8, 31)
GOOD = {2025: "excellent", 2024: "competent", 2023: "competent"}


def crit(**kw):
    base = dict(
        min_teaching_years=5, appraisal_years=3, appraisal_min_grade="competent",
        appraisal_excellent_min=1, grade_order=GRADES, repeat_years=5, title_order=TITLES,
    )  # fmt: skip
    base.update(kw)
    return Criteria(**base)


def by_rule(results):
    return {r.rule: r for r in results}


def test_doctests_hold():
    assert doctest.testmod(awards).failed == 0


def test_a_good_candidate_meets_every_rule_in_a_fixed_order():
    results = check(Candidate(date(2015, 9, 1), GOOD), crit(), on=ON, year=2026)
    assert [r.rule for r in results] == [
        "teaching_years", "appraisals", "appraisal_excellent", "ethics_bar",
        "not_recently_awarded",
    ]  # fmt: skip
    assert eligible(results)


@pytest.mark.parametrize(
    ("start", "status"),
    [(date(2021, 8, 31), "pass"), (date(2021, 9, 1), "fail"), (None, "missing")],
)
def test_teaching_years_count_whole_years_to_the_reference_date(start, status):
    result = by_rule(check(Candidate(start, GOOD), crit(), on=ON, year=2026))["teaching_years"]
    assert result.status == status
    assert not eligible([result]) or status == "pass"


def test_full_years_turn_on_the_anniversary():
    assert full_years(date(1996, 9, 1), date(2026, 8, 31)) == 29
    assert full_years(date(1996, 9, 1), date(2026, 9, 1)) == 30


def test_a_missing_appraisal_year_is_missing_not_a_failure():
    results = by_rule(check(Candidate(date(2010, 1, 1), {2025: "excellent", 2024: "competent"}),
                            crit(), on=ON, year=2026))  # fmt: skip
    assert results["appraisals"].status == "missing"
    assert results["appraisals"].params["missing"] == [2023]
    # One excellent is already there: the count is met whatever 2023 was.
    assert results["appraisal_excellent"].status == "pass"
    assert not eligible(list(results.values()))


def test_a_grade_below_the_minimum_fails_even_with_a_year_missing():
    r = by_rule(check(Candidate(date(2010, 1, 1), {2025: "basic", 2024: "excellent"}), crit(),
                      on=ON, year=2026))["appraisals"]  # fmt: skip
    assert (r.status, r.params["below"]) == ("fail", [2025])


def test_not_appraised_meets_no_minimum():
    grades = {**GOOD, 2024: "not_appraised"}
    r = by_rule(check(Candidate(date(2010, 1, 1), grades), crit(), on=ON, year=2026))
    assert r["appraisals"].status == "fail"


def test_excellent_count_missing_when_the_unrecorded_years_could_make_it():
    c = Candidate(date(2010, 1, 1), {2025: "competent"})
    r = by_rule(check(c, crit(appraisal_excellent_min=2), on=ON, year=2026))
    assert r["appraisal_excellent"].status == "missing"
    c = Candidate(date(2010, 1, 1), {2025: "competent", 2024: "competent"})
    r = by_rule(check(c, crit(appraisal_excellent_min=2), on=ON, year=2026))
    assert r["appraisal_excellent"].status == "fail"


def test_an_ethics_bar_fails_with_its_end():
    c = Candidate(date(2010, 1, 1), GOOD, barred=True, barred_until=date(2027, 3, 1))
    r = by_rule(check(c, crit(), on=ON, year=2026))["ethics_bar"]
    assert (r.status, r.params["until"]) == ("fail", date(2027, 3, 1))


@pytest.mark.parametrize(
    ("awarded", "status"),
    [(date(2021, 9, 1), "fail"), (date(2021, 8, 28), "pass"), (date(2026, 8, 31), "fail")],
)
def test_not_awarded_within_the_repeat_years(awarded, status):
    c = Candidate(date(2010, 1, 1), GOOD, previous_awards=(awarded,))
    assert by_rule(check(c, crit(), on=ON, year=2026))["not_recently_awarded"].status == status


@pytest.mark.parametrize(
    ("title", "status"), [("senior", "pass"), ("professor", "pass"), ("first", "fail"),
                          (None, "missing")],
)  # fmt: skip
def test_minimum_title(title, status):
    c = Candidate(date(2010, 1, 1), GOOD, title=title)
    assert by_rule(check(c, crit(min_title="senior"), on=ON, year=2026))["title"].status == status


@pytest.mark.parametrize(
    ("homeroom", "status"), [(True, "pass"), (False, "fail"), (None, "missing")]
)
def test_homeroom_post(homeroom, status):
    c = Candidate(date(2010, 1, 1), GOOD, is_homeroom=homeroom)
    assert by_rule(check(c, crit(homeroom=True), on=ON, year=2026))["homeroom"].status == status


def test_rules_not_asked_are_not_checked():
    results = check(Candidate(None, {}), Criteria(), on=ON, year=2026)
    assert [r.rule for r in results] == ["ethics_bar"]


@pytest.mark.parametrize(
    ("start", "answer"),
    [(date(1996, 1, 1), "reached"), (date(1996, 12, 31), "reached"), (date(1995, 12, 31), "earlier"),
     (date(1997, 1, 1), "not_yet"), (None, "unknown")],
)  # fmt: skip
def test_long_service_is_reached_in_the_thirtieth_year(start, answer):
    assert long_service(start, 2026, years=30) == answer
