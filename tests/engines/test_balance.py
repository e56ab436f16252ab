"""The balance engine on hand-computed districts (POLICY.md §1)."""

import ast
import doctest
import json
import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qiangshi.engines import balance
from qiangshi.engines.balance import (
    RESOURCES,
    RuleSet,
    SchoolInput,
    evaluate_district,
    evaluate_many,
    school_shortfalls,
    split_school,
    weighted_cv,
)

RULES_FILE = (
    Path(__file__).resolve().parents[2] / "src/qiangshi/balance/rules/compulsory-balance-2017.json"
)
RULES = RuleSet.from_dict(json.loads(RULES_FILE.read_text(encoding="utf-8")))
KEYS = RULES.keys


def good_school(code: str, students: int, stage: str = "primary", **overrides) -> SchoolInput:
    """A school at exactly 1.2 × every minimum of its stage (it passes), with overrides."""
    totals = {}
    for ind in RULES.indicators:
        totals[ind.resource] = 1.2 * RULES.minimums[stage][ind.key] * students / ind.per
    totals.update(overrides)
    return SchoolInput(code, stage, students, **totals)


def unweighted_cv(values: list[float]) -> float:
    """The common spreadsheet mistake: plain mean and (population) standard deviation."""
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) / mean


# --- the engine is plain Python with runnable examples ---------------------------------------


def test_engine_imports_no_django():
    tree = ast.parse(Path(balance.__file__).read_text())
    imported = {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in (n.names if isinstance(n, ast.Import) else [n])
    }
    standard = {"__future__", "collections", "concurrent", "contextlib", "dataclasses"}
    standard |= {"datetime", "functools", "itertools", "math", "os"}
    assert imported <= standard | {"numpy"}


def test_docstring_examples_run():
    failures, tried = doctest.testmod(balance)
    assert tried >= 10 and failures == 0


# --- weighted_cv ------------------------------------------------------------------------------


def test_weighted_cv_by_hand():
    # P = 100, 300 (P = 400); totals 200, 300 → X = 2, 1; mean = 500/400 = 1.25
    # S² = 0.25·(0.75)² + 0.75·(0.25)² = 0.140625 + 0.046875 = 0.1875; S = 0.4330127
    # CV = 0.4330127 / 1.25 = 0.3464102
    assert weighted_cv([200, 300], [100, 300]) == pytest.approx(0.3464102, abs=1e-7)
    # Scaling to "per 100 students" does not change it.
    assert weighted_cv([20_000, 30_000], [100, 300]) == pytest.approx(0.3464102, abs=1e-7)


@pytest.mark.parametrize(
    ("totals", "enrollments", "message"),
    [
        ([], [], "no schools"),
        ([1, 2], [100], "2 totals but 1 enrollments"),
        ([1, 2], [100, 0], r"enrollments\[1\] is 0"),
        ([1, 2], [100, -5], r"enrollments\[1\] is -5"),
        ([1, float("nan")], [100, 100], r"totals\[1\] is nan"),
        ([1, 2], [100, float("inf")], r"enrollments\[1\] is inf"),
        ([0, 0], [100, 100], "the mean is 0"),
        ([-1, 2], [100, 100], "cannot be negative"),
    ],
)
def test_weighted_cv_refuses_bad_input_and_says_why(totals, enrollments, message):
    with pytest.raises(ValueError, match=message):
        weighted_cv(totals, enrollments)


# --- weighted vs unweighted: different verdicts -----------------------------------------------


def test_weighted_cv_passes_where_the_unweighted_one_fails():
    # Teaching area, primary (limit 0.50). A: 800 pupils at 5 m² (4000); B, C: 100 pupils at
    # 1 m² (100) and 9 m² (900). Weighted mean = 5000 / 1000 = 5.
    # S² = 0.8·0² + 0.1·(1−5)² + 0.1·(9−5)² = 3.2; S = 1.7889; CV = 0.3578 ≤ 0.50: within.
    # Unweighted: mean 5, sd = sqrt((0 + 16 + 16) / 3) = 3.266; CV = 0.653 > 0.50.
    schools = [
        good_school("A", 800, teaching_area_m2=4000),
        good_school("B", 100, teaching_area_m2=100),
        good_school("C", 100, teaching_area_m2=900),
    ]
    result = evaluate_district(schools, "primary", RULES)
    area = result.indicators["teaching_area_per_student"]
    assert area.cv == pytest.approx(math.sqrt(3.2) / 5)
    assert area.within_limit
    assert unweighted_cv([5, 1, 9]) > 0.50


def test_weighted_cv_fails_where_the_unweighted_one_passes():
    # Two big schools far apart, four small ones at the mean. A, B: 400 pupils at 2 and 8 m²;
    # C–F: 50 pupils at 5 m². Weighted mean = (800 + 3200 + 4·250) / 1000 = 5.
    # S² = 0.4·9 + 0.4·9 = 7.2; S = 2.683; CV = 0.537 > 0.50: fails.
    # Unweighted: mean 5, sd = sqrt(18 / 6) = 1.732; CV = 0.346 ≤ 0.50.
    schools = [
        good_school("A", 400, teaching_area_m2=800),
        good_school("B", 400, teaching_area_m2=3200),
        *[good_school(c, 50, teaching_area_m2=250) for c in "CDEF"],
    ]
    result = evaluate_district(schools, "primary", RULES)
    area = result.indicators["teaching_area_per_student"]
    assert area.cv == pytest.approx(math.sqrt(7.2) / 5)
    assert not area.within_limit and not result.passed
    assert unweighted_cv([2, 8, 5, 5, 5, 5]) < 0.50
    # The two big schools pull the CV up, half each.
    assert [c for c, _ in area.contributions[:2]] == ["A", "B"]
    assert area.contributions[0][1] == pytest.approx(0.5)
    assert sum(s for _, s in area.contributions) == pytest.approx(1.0)


def test_cv_exactly_at_the_limit_is_within():
    # Junior limit 0.45. Sports area: A 100 pupils at 1.45·m, B 100 at 0.55·m (m = 10.2):
    # mean = m, S = 0.45·m, CV = 0.45.
    m = 10.2
    schools = [
        good_school("A", 100, "junior", sports_area_m2=145 * m),
        good_school("B", 100, "junior", sports_area_m2=55 * m),
    ]
    sports = evaluate_district(schools, "junior", RULES).indicators["sports_area_per_student"]
    assert sports.cv == pytest.approx(0.45) and sports.limit == 0.45 and sports.within_limit


# --- the school rule: 6 of 7, the missed one at least 85% -------------------------------------


@pytest.mark.parametrize(
    ("total", "passes"),
    [
        (357.0, True),  # 100 · 357 / 10000 = 3.57 = 85% of 4.2
        (356.958, False),  # 3.56958 = 84.99% of 4.2
    ],
)
def test_the_85_percent_rule_at_its_edge_per_100_students(total, passes):
    school = good_school("A", 10_000, higher_degree_teachers=total)
    result = evaluate_district([school], "primary", RULES).schools[0]
    assert not result.met["higher_degree_teachers_per_100"]
    assert result.passed is passes


@pytest.mark.parametrize(
    ("area", "passes"),
    [
        (3825.0, True),  # 3825 / 1000 = 3.825 = 85% of 4.5
        (3824.55, False),  # 3.82455 = 84.99% of 4.5
        (4500.0, True),  # exactly the minimum: met
    ],
)
def test_the_85_percent_rule_at_its_edge_per_student(area, passes):
    school = good_school("A", 1000, teaching_area_m2=area)
    assert evaluate_district([school], "primary", RULES).schools[0].passed is passes


def test_two_missed_indicators_fail_even_above_85_percent():
    # 4.0 of 4.2 (95%) and 2.2 of 2.3 rooms (96%): two missed → only 5 of 7 met.
    school = good_school("A", 1000, higher_degree_teachers=40, multimedia_rooms=22)
    result = evaluate_district([school], "primary", RULES).schools[0]
    assert sum(result.met.values()) == 5 and not result.passed


def test_district_verdict_needs_every_school_and_every_cv():
    passing = [good_school("A", 500), good_school("B", 500)]
    assert evaluate_district(passing, "primary", RULES).passed
    one_failing = [good_school("A", 500), good_school("B", 500, backbone_teachers=0)]
    result = evaluate_district(one_failing, "primary", RULES)
    # Backbone per 100: A 1.2, B 0; mean 0.6, S = 0.6, CV = 1.0 > 0.50.
    assert result.indicators_within_limits is False
    assert not result.schools_passed and not result.passed
    assert result.rule_set == "2017.1"
    assert [s.code for s in result.failing_schools] == ["B"]


def test_district_fails_on_a_cv_alone_when_every_school_passes():
    # A: 500 pupils at 4.5 m² (the minimum), B: 500 at 15 m². Mean 9.75, S = 5.25,
    # CV = 0.538 > 0.50.
    schools = [
        good_school("A", 500, teaching_area_m2=2250),
        good_school("B", 500, teaching_area_m2=7500),
    ]
    result = evaluate_district(schools, "primary", RULES)
    assert result.schools_passed and not result.indicators_within_limits
    assert result.indicators["teaching_area_per_student"].cv == pytest.approx(5.25 / 9.75)
    assert not result.passed


def test_level_and_spread_are_separate_tests():
    # Two alike schools at 0.6 × every minimum: the CV is 0 (within the limit), the mean is
    # below the minimum: the spread passes, the level fails.
    poor = [
        good_school("A", 300, **{
            ind.resource: 0.6 * RULES.minimums["primary"][ind.key] * 300 / ind.per
            for ind in RULES.indicators
        }),
        good_school("B", 500, **{
            ind.resource: 0.6 * RULES.minimums["primary"][ind.key] * 500 / ind.per
            for ind in RULES.indicators
        }),
    ]  # fmt: skip
    result = evaluate_district(poor, "primary", RULES)
    for ind in result.indicators.values():
        assert ind.within_limit and ind.cv == pytest.approx(0, abs=1e-12)
        assert not ind.mean_reaches_minimum
    assert result.means_below_minimum == KEYS
    # At exactly the minimum (1.0 ×, through binary noise), the level is reached.
    exact = evaluate_district(
        [good_school("A", 300, higher_degree_teachers=4.2 * 3)], "primary", RULES
    )
    assert exact.indicators["higher_degree_teachers_per_100"].mean_reaches_minimum
    assert exact.means_below_minimum == ()


def test_an_indicator_no_school_has_has_no_cv_and_is_not_within():
    schools = [
        good_school("A", 500, backbone_teachers=0),
        good_school("B", 500, backbone_teachers=0),
    ]
    backbone = evaluate_district(schools, "primary", RULES).indicators["backbone_teachers_per_100"]
    assert backbone.cv is None and not backbone.within_limit


# --- through-schools --------------------------------------------------------------------------


def test_nine_year_school_is_split_by_enrollment_and_each_part_judged_with_its_stage():
    # 600 primary + 300 junior pupils: shares 2/3 and 1/3.
    # Teaching area 4500 m² → 3000 (5.0 m²/pupil ≥ 4.5, met) and 1500 (5.0 < 5.8, 86%: missed
    # but tolerated). Higher-degree teachers: 30 with 专科 or more count for primary, 24 with
    # 本科 or more for junior: 30·2/3 = 20 (3.33/100, 79% of 4.2) and 24·1/3 = 8 (2.67, 50%).
    # 3 teachers whose teaching load is junior go to the junior part only: 8 + 3 = 11 (3.67).
    totals = {r: 0.0 for r in RESOURCES} | {
        "teaching_area_m2": 4500,
        "sports_area_m2": 12 * 900,
        "equipment_value_yuan": 3000 * 900,
        "multimedia_rooms": 27,
        "backbone_teachers": 18,
        "pe_arts_teachers": 18,
    }
    primary, junior = split_school(
        "N",
        {"primary": 600, "junior": 300},
        totals,
        per_stage={
            "primary": {"higher_degree_teachers": 30},
            "junior": {"higher_degree_teachers": 24},
        },
        assigned={"junior": {"higher_degree_teachers": 3}},
    )
    assert (primary.stage, primary.enrollment, primary.school_enrollment) == ("primary", 600, 900)
    assert primary.teaching_area_m2 == pytest.approx(3000)
    assert junior.teaching_area_m2 == pytest.approx(1500)
    assert primary.higher_degree_teachers == pytest.approx(20)
    assert junior.higher_degree_teachers == pytest.approx(11)
    assert primary.multimedia_rooms == pytest.approx(18) and junior.multimedia_rooms == 9

    p = evaluate_district([primary, junior], "primary", RULES).schools[0]
    j = evaluate_district([primary, junior], "junior", RULES).schools[0]
    assert p.values["teaching_area_per_student"] == pytest.approx(5.0)
    assert p.met["teaching_area_per_student"]
    assert j.values["teaching_area_per_student"] == pytest.approx(5.0)
    assert not j.met["teaching_area_per_student"]  # 5.0 < 5.8 (junior minimum)
    assert p.values["higher_degree_teachers_per_100"] == pytest.approx(100 * 20 / 600)
    assert j.values["higher_degree_teachers_per_100"] == pytest.approx(100 * 11 / 300)
    # Junior part: higher-degree 3.67 < 85% of 5.3 (4.505) and teaching area missed: fails.
    assert not j.passed


def test_twelve_year_school_leaves_the_senior_share_out():
    # 600 primary, 300 junior, 300 senior (1200): shares 1/2, 1/4, the senior quarter unjudged.
    parts = split_school(
        "T", {"primary": 600, "junior": 300, "senior": 300}, {"teaching_area_m2": 4800}
    )
    assert [(p.stage, p.teaching_area_m2) for p in parts] == [
        ("primary", 2400.0),
        ("junior", 1200.0),
    ]


def test_split_refuses_unknown_parts_and_empty_schools():
    with pytest.raises(ValueError, match="unknown stage part 'kindergarten'"):
        split_school("X", {"kindergarten": 10}, {})
    with pytest.raises(ValueError, match="no students"):
        split_school("X", {"primary": 0}, {})


# --- exclusions and the small-school rule -----------------------------------------------------


def test_exclusions_leave_the_district_figures():
    schools = [
        good_school("A", 500),
        good_school("SPECIAL", 80, teaching_area_m2=0, special_education=True),
        good_school("VOC", 300, teaching_area_m2=0, vocational=True),
        good_school("POINT", 49, teaching_area_m2=0),  # a teaching point under 50
        good_school("FIFTY", 50),  # 50 pupils: in scope
    ]
    result = evaluate_district(schools, "primary", RULES)
    assert [s.code for s in result.schools] == ["A", "FIFTY"]
    assert {(e.code, e.reason) for e in result.excluded} == {
        ("SPECIAL", "special_education"),
        ("VOC", "vocational"),
        ("POINT", "teaching_point"),
    }
    assert result.indicators["teaching_area_per_student"].cv == pytest.approx(0)
    assert result.passed


def test_a_part_of_a_through_school_is_not_a_teaching_point_when_the_school_is_not():
    # 30 primary + 40 junior = 70 pupils: neither part alone reaches 50, the school does.
    parts = split_school("N", {"primary": 30, "junior": 40}, {"teaching_area_m2": 700})
    assert [s.code for s in evaluate_district(parts, "primary", RULES).schools] == ["N"]


@pytest.mark.parametrize(
    ("students", "rural", "counted"),
    [(50, True, True), (99, True, True), (100, True, False), (60, False, False)],
)
def test_rural_small_schools_count_part_time_pe_arts_teachers(students, rural, counted):
    # Minimum 0.9 per 100: none full-time, one itinerant teacher → 100/students ≥ 1.0 if counted.
    school = replace(
        good_school("S", students, pe_arts_teachers=0), pe_arts_part_time=1, rural=rural
    )
    result = evaluate_district([school], "primary", RULES).schools[0]
    assert result.met["pe_arts_teachers_per_100"] is counted
    assert result.small_school_rule is counted


def test_schools_with_missing_data_are_listed_not_judged():
    schools = [good_school("A", 500), SchoolInput("B", "primary", 0, missing=("facility",))]
    result = evaluate_district(schools, "primary", RULES)
    assert [(e.code, e.reason) for e in result.excluded] == [("B", "missing_data:facility")]


def test_evaluate_district_refuses_duplicates_and_empty_districts():
    with pytest.raises(ValueError, match="appears twice"):
        evaluate_district([good_school("A", 100), good_school("A", 200)], "primary", RULES)
    with pytest.raises(ValueError, match="no junior school in scope"):
        evaluate_district([good_school("A", 100)], "junior", RULES)


# --- shortfalls -------------------------------------------------------------------------------


def test_shortfall_prefers_one_change_to_two():
    # Backbone 0.9 of 1.0 (tolerated alone); teaching area 3.0 of 4.5 (67%, must rise to 85%
    # at least). Leaving backbone at 90% and raising area to 85%: one change, 1000·3.825 − 3000
    # = 825 m². (Raising area to the minimum and backbone to 1.0 would be two changes.)
    school = good_school("A", 1000, backbone_teachers=9, teaching_area_m2=3000)
    (change,) = school_shortfalls(school.totals(), 1000, "primary", RULES)
    assert (change.resource, change.add) == ("teaching_area_m2", 1500.0)


def test_shortfall_rounds_teachers_up_and_areas_to_a_decimal():
    # 3 rooms for 300 pupils = 1.0 / 100 (43% of 2.3): exempting it would still need 85% (6
    # rooms: 5.865 → 6) while the missing backbone teachers (0 of 3) need 3 anyway; so with
    # two indicators below 85%, one goes to the minimum and one to 85%.
    school = good_school("A", 300, multimedia_rooms=3, backbone_teachers=0)
    changes = {s.resource: s.add for s in school_shortfalls(school.totals(), 300, "primary", RULES)}
    # backbone to 85% (2.55 → 3 teachers) + rooms to 2.3 (6.9 → 7: +4), or backbone to 1.0 (3)
    # + rooms to 85% (5.865 → 6: +3). The second changes less relative to the minimums.
    assert changes == {"backbone_teachers": 3.0, "multimedia_rooms": 3.0}
    area = good_school("B", 333, teaching_area_m2=1000)  # needs 0.85·4.5·333 = 1273.725
    (change,) = school_shortfalls(area.totals(), 333, "primary", RULES)
    assert change.add == pytest.approx(273.8)


def _random_school(rng: random.Random, stage: str) -> SchoolInput:
    students = rng.randint(50, 3000)
    totals = {}
    for ind in RULES.indicators:
        level = rng.uniform(0.0, 1.6) * RULES.minimums[stage][ind.key] * students / ind.per
        if ind.resource in balance.INTEGER_RESOURCES:
            level = float(round(level))
        else:
            level = round(level, 2)
        totals[ind.resource] = level
    return SchoolInput(f"S{rng.randint(0, 10**9)}", stage, students, **totals)


def _passes(school: SchoolInput, stage: str) -> bool:
    return evaluate_district([school], stage, RULES).schools[0].passed


@pytest.mark.parametrize("seed", range(6))
def test_applying_the_shortfalls_makes_a_failing_school_pass_and_none_is_too_big(seed):
    rng = random.Random(seed)
    checked = 0
    for _ in range(120):
        stage = rng.choice(("primary", "junior"))
        school = _random_school(rng, stage)
        result = evaluate_district([school], stage, RULES).schools[0]
        if result.passed:
            assert result.shortfalls == ()
            continue
        checked += 1
        fixed = replace(
            school, **{s.resource: getattr(school, s.resource) + s.add for s in result.shortfalls}
        )
        assert _passes(fixed, stage), (school, result.shortfalls)
        # Minimal: one step less of any single change and the school fails again.
        for s in result.shortfalls:
            step = 1.0 if s.resource in balance.INTEGER_RESOURCES else 0.1
            less = replace(fixed, **{s.resource: getattr(fixed, s.resource) - step})
            assert not _passes(less, stage), (school, s)
    assert checked > 50


# --- evaluate_many agrees with evaluate_district ---------------------------------------------


def test_evaluate_many_matches_the_one_district_path():
    rng = random.Random(7)
    schools = [_random_school(rng, "primary") for _ in range(30)]
    schools += [_random_school(rng, "junior") for _ in range(12)]
    totals = np.array([[s.totals()[i.resource] for i in RULES.indicators] for s in schools])
    groups = np.array([0 if s.stage == "primary" else 1 for s in schools])
    many = evaluate_many(
        totals,
        np.array([s.enrollment for s in schools], dtype=float),
        groups,
        groups == 1,
        RULES,
    )
    for g, stage in enumerate(("primary", "junior")):
        one = evaluate_district(schools, stage, RULES)
        rows = np.flatnonzero(groups == g)
        assert [s.passed for s in one.schools] == list(many.passed[rows])
        for j, key in enumerate(KEYS):
            assert one.indicators[key].cv == pytest.approx(many.cv[g, j])
            assert weighted_cv(totals[rows, j], [schools[i].enrollment for i in rows]) == (
                pytest.approx(many.cv[g, j])
            )
        assert one.passed == bool(many.district_passed[g])
    assert list(many.limit) == [0.5, 0.45]


def test_evaluate_many_leaves_out_of_scope_rows_and_refuses_mixed_groups():
    totals = np.ones((3, 7))
    enrollments = np.array([100.0, 100.0, 0.0])
    many = evaluate_many(
        totals, enrollments, np.zeros(3, int), np.zeros(3, bool), RULES,
        in_scope=np.array([True, True, False]),
    )  # fmt: skip
    assert many.enrollment[0] == 200 and not many.passed[2]
    with pytest.raises(ValueError, match="mixes primary and junior"):
        evaluate_many(totals, enrollments + 1, np.zeros(3, int), np.array([1, 0, 0], bool), RULES)


def _many_districts(seed: int, districts: int = 300):
    """Enough random schools for `evaluate_many` to use threads, some out of scope (with a NaN
    or a negative total, which must not matter) and some exactly at 85% of a minimum."""
    rng = np.random.default_rng(seed)
    n = balance.THREADED_ROWS + 5_000
    district = rng.integers(0, districts, n)
    junior = rng.random(n) < 0.3
    enrollment = rng.integers(50, 2000, n).astype(float)
    minimum = np.where(
        junior[:, None], RULES.minimum_vector("junior"), RULES.minimum_vector("primary")
    )
    per = np.array([i.per for i in RULES.indicators], dtype=float)
    totals = np.round(enrollment[:, None] * minimum * rng.uniform(0.7, 1.6, (n, 7)) / per)
    # 3.57 teachers with a degree per 100 students is 85% of the primary minimum, 4.2.
    at_floor = ~junior & (rng.random(n) < 0.05)
    enrollment[at_floor] = 100.0
    totals[at_floor, 0] = 3.57
    in_scope = rng.random(n) > 0.1
    totals[~in_scope & (rng.random(n) < 0.5), 3] = np.nan
    totals[~in_scope & (rng.random(n) < 0.5), 4] = -1.0
    return totals, enrollment, district * 2 + junior, junior, in_scope, districts * 2


def test_evaluate_many_gives_the_same_bits_in_one_thread_or_several():
    totals, enrollment, groups, junior, in_scope, g = _many_districts(3)
    one, two = (
        evaluate_many(totals, enrollment, groups, junior, RULES, in_scope=in_scope, n_groups=g,
                      threads=threads)
        for threads in (1, 2)
    )  # fmt: skip
    for name in ("values", "met", "passed", "enrollment", "mean", "cv", "within_limit"):
        assert np.array_equal(getattr(one, name), getattr(two, name), equal_nan=True), name
    assert np.array_equal(one.district_passed, two.district_passed)


def test_evaluate_many_at_scale_answers_as_the_formulas_row_by_row():
    totals, enrollment, groups, junior, in_scope, g = _many_districts(4)
    many = evaluate_many(totals, enrollment, groups, junior, RULES, in_scope=in_scope, n_groups=g)
    per = np.array([i.per for i in RULES.indicators], dtype=float)
    rows = np.flatnonzero(in_scope)
    values = totals[rows] * per / enrollment[rows, None]
    assert np.array_equal(many.values[rows], values)
    minimum = np.where(
        junior[rows, None], RULES.minimum_vector("junior"), RULES.minimum_vector("primary")
    )
    ratio = values / minimum
    met = ratio >= 1 - balance.EPS
    assert np.array_equal(many.met[rows], met)
    tolerable = ratio >= RULES.missed_floor - balance.EPS
    passed = (met.sum(axis=1) >= RULES.min_met) & tolerable.all(axis=1)
    assert np.array_equal(many.passed[rows], passed)
    assert not many.passed[~in_scope].any()
    at_floor = rows[(enrollment[rows] == 100) & (totals[rows, 0] == 3.57)]
    assert at_floor.size and not many.met[at_floor, 0].any()  # 85%: missed, but tolerably
    assert passed[np.isin(rows, at_floor)].any()
    for group in (0, 1, g - 1):
        members = np.flatnonzero(in_scope & (groups == group))
        for j in range(7):
            assert many.cv[group, j] == pytest.approx(
                weighted_cv(totals[members, j], enrollment[members])
            )
        assert many.schools_passed[group] == passed[np.isin(rows, members)].all()
    assert np.isfinite(many.cv).all()  # the NaN totals out of scope reach no district


@pytest.mark.parametrize("minimum", [*RULES.minimum_vector("primary"), 5.3, 0.1, 1234.567])
@pytest.mark.parametrize("ratio", [1 - balance.EPS, 0.85 - balance.EPS, 0.3])
def test_the_least_passing_value_is_the_division_test_exactly(minimum, ratio):
    least = balance._least_passing(minimum, ratio)
    near = [least]
    for _ in range(4):
        near += [math.nextafter(near[-1], math.inf), math.nextafter(near[0], 0.0)]
        near.sort()
    rng = np.random.default_rng(1)
    values = np.concatenate([near, least * rng.uniform(0.999999, 1.000001, 2000), [np.nan, np.inf]])
    assert np.array_equal(values >= least, values / minimum >= ratio)
    assert not math.nextafter(least, 0.0) / minimum >= ratio


def test_the_least_passing_value_is_the_least_for_any_minimum_and_ratio():
    rng = random.Random(11)
    for _ in range(500):
        minimum, ratio = rng.uniform(0.01, 5000), rng.uniform(0.05, 1.0)
        least = balance._least_passing(minimum, ratio)
        assert least / minimum >= ratio
        assert not math.nextafter(least, 0.0) / minimum >= ratio


@pytest.mark.parametrize(
    "row, column, value, message",
    [
        (0, 2, np.nan, "NaN or infinite"),
        (1, 5, np.inf, "NaN or infinite"),
        (2, 0, -1.0, "cannot be negative"),
        (1, None, 0.0, "enrollment must be positive"),
        (0, None, np.nan, "NaN or infinite"),
    ],
)
def test_evaluate_many_refuses_a_bad_input_in_scope_only(row, column, value, message):
    totals, enrollment, groups, junior, in_scope, g = _many_districts(5)
    first = np.flatnonzero(in_scope & (groups == groups[0]))[:3]
    rows = np.array([first[row]])
    bad_totals, bad_enrollment = totals.copy(), enrollment.copy()
    if column is None:
        bad_enrollment[rows] = value
    else:
        bad_totals[rows, column] = value
    with pytest.raises(ValueError, match=message):
        evaluate_many(
            bad_totals, bad_enrollment, groups, junior, RULES, in_scope=in_scope, n_groups=g
        )
    # The same row out of scope is left out, and its district is as without it.
    scope = in_scope.copy()
    scope[rows] = False
    without = evaluate_many(totals, enrollment, groups, junior, RULES, in_scope=scope, n_groups=g)
    bad = evaluate_many(
        bad_totals, bad_enrollment, groups, junior, RULES, in_scope=scope, n_groups=g
    )
    assert np.array_equal(bad.cv, without.cv, equal_nan=True)
    assert np.array_equal(bad.district_passed, without.district_passed)


def test_evaluate_many_refuses_a_group_index_past_n_groups_and_takes_no_rows():
    with pytest.raises(ValueError, match="not below n_groups"):
        evaluate_many(
            np.ones((2, 7)), np.ones(2), np.array([0, 2]), np.zeros(2, bool), RULES, n_groups=2
        )
    empty = evaluate_many(np.empty((0, 7)), np.empty(0), np.empty(0, int), np.empty(0, bool), RULES,
                          n_groups=2)  # fmt: skip
    assert empty.values.shape == (0, 7) and np.isnan(empty.cv).all()
    assert not empty.district_passed.any()


@pytest.mark.parametrize("include", [True, False])
def test_private_schools_count_or_not_as_the_rule_set_says(include):
    rules = replace(RULES, include_private=include)
    schools = [
        good_school("A", 300),
        good_school("B", 300, higher_degree_teachers=4.2 * 3 * 2),
        replace(good_school("Y", 400, backbone_teachers=0.0), private=True),
    ]
    result = evaluate_district(schools, "primary", rules)
    assert result.private_schools_counted is include
    judged = [s.code for s in result.schools]
    if include:
        assert judged == ["A", "B", "Y"] and not result.schools_passed  # Y misses backbone
        assert result.excluded == ()
    else:
        assert judged == ["A", "B"] and result.schools_passed
        assert [(e.code, e.reason) for e in result.excluded] == [("Y", "private")]
        # The district figures are those of the public schools alone.
        alone = evaluate_district(schools[:2], "primary", RULES)
        assert result.indicators == alone.indicators


def test_the_shipped_rule_set_counts_private_schools_and_says_why():
    assert RULES.include_private is True
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    assert data["scope"]["include_private_schools"] is True
    assert "include_private_schools" in data["notes"] and "民办" in data["notes"]
    with pytest.raises(ValueError):
        RuleSet.from_dict({**data, "scope": {**data["scope"], "include_private_schools": "no"}})
