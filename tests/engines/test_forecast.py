"""Enrollment forecast, classes, teacher demand and supply, checked against hand-worked numbers."""

import doctest
from datetime import date

import pytest

from qiangshi.engines import forecast
from qiangshi.engines.forecast import (
    BirthsAssumption,
    Curriculum,
    TeacherRecord,
    classes_needed,
    cohort_forecast,
    load_curriculum,
    load_parameters,
    teacher_demand,
    teacher_supply,
)

PARAMS = load_parameters()
CURRICULUM = load_curriculum()
REGISTRY_SUBJECTS = {
    "chinese", "mathematics", "english", "morality_law", "history", "geography", "physics",
    "chemistry", "biology", "science", "information_technology", "pe", "music", "fine_arts",
    "labour", "mental_health", "other",
}  # fmt: skip

# A three-grade toy school.
#            grade 1  grade 2  grade 3
#   2023       100       90       80
#   2024       110       95       90     s1 = 95/100 = 0.95    s2 = 90/90 = 1.00
#   2025       120       99       95     s1 = 99/110 = 0.90    s2 = 95/95 = 1.00
TOY = {
    2023: {1: 100, 2: 90, 3: 80},
    2024: {1: 110, 2: 95, 3: 90},
    2025: {1: 120, 2: 99, 3: 95},
}


def test_doctests():
    result = doctest.testmod(forecast)
    assert result.failed == 0 and result.attempted > 10


# --- cohort progression ---------------------------------------------------------------------


def test_cohort_progression_on_a_toy_school():
    f = cohort_forecast(TOY, 2, k=2)
    assert f.base_year == 2025 and f.years == (2026, 2027) and f.grades == (1, 2, 3)
    # Survival 1 → 2 over the last two years: 0.95 and 0.90 → low 0.90, mean 0.925, high 0.95.
    assert f.survival[1] == pytest.approx((0.90, 0.925, 0.95))
    assert f.survival[2] == pytest.approx((1.0, 1.0, 1.0))
    # Intake trend 100, 110, 120 → 130, 140 (a perfect line: no residual, no spread).
    assert f.intake_method == {2026: "trend", 2027: "trend"}
    assert f.intake[2026] == pytest.approx((130, 130, 130))
    # 2026: grade 2 = 120 × 0.925 = 111, grade 3 = 99 × 1.0 = 99.
    # 2027: grade 2 = 130 × 0.925 = 120.25, grade 3 = 111 × 1.0 = 111.
    assert f.central[2026] == pytest.approx({1: 130, 2: 111, 3: 99})
    assert f.central[2027] == pytest.approx({1: 140, 2: 120.25, 3: 111})
    # Low uses 0.90: 2026 grade 2 = 108, 2027 grade 3 = 108; high uses 0.95: 114, 114.
    assert f.low[2026][2] == pytest.approx(108) and f.low[2027][3] == pytest.approx(108)
    assert f.high[2026][2] == pytest.approx(114) and f.high[2027][3] == pytest.approx(114)
    assert f.totals()[2026] == pytest.approx(340)


def test_k_limits_the_ratios_to_the_most_recent_years():
    f = cohort_forecast(TOY, 1, k=1)
    assert f.survival[1] == pytest.approx((0.90, 0.90, 0.90))
    assert f.central[2026][2] == pytest.approx(108)


def test_intake_from_births_six_years_earlier():
    # Entrants 90, 100, 110 (2023–25) over births 100, 125, 110 (2017–19):
    # entry ratios 0.9, 0.8, 1.0 → mean 0.9, low 0.8, high 1.0.
    # 2026 ← births 2020 = 120: 108 (96, 120).  2027 ← births 2021 = 130: 117.
    # 2028 needs births 2022, not known: held at 2021's 130 → 117 (never the trend's 140).
    history = {2023: {1: 90, 2: 80}, 2024: {1: 100, 2: 90}, 2025: {1: 110, 2: 100}}
    births = {2017: 100, 2018: 125, 2019: 110, 2020: 120, 2021: 130}
    f = cohort_forecast(history, 3, births=births)
    assert f.entry_ratio == pytest.approx((0.8, 0.9, 1.0))
    assert f.intake[2026] == pytest.approx((96, 108, 120))
    assert f.intake[2027][1] == pytest.approx(117)
    assert f.intake_method == {2026: "births", 2027: "births", 2028: "assumed"}
    assert f.intake[2028] == pytest.approx((104, 117, 130))
    assert (f.last_births_year, f.assumed_births) == (2021, {2022: 130.0})
    assert f.births_assumption == BirthsAssumption()


# Births known to 2025 and falling every year since 2015; intakes rose before (a trend of the
# intakes would keep rising). Grade 1 of 2032 draws on the births of 2026, the first unknown year.
FALLING_BIRTHS = {y: 10_000 - 400 * (y - 2015) for y in range(2010, 2026)}
RISING_INTAKE = {
    y: {1: 0.9 * FALLING_BIRTHS[y - 6] + 600 * (y - 2018), 2: 0.88 * FALLING_BIRTHS[y - 7]}
    for y in range(2018, 2026)
}


def test_falling_births_never_make_the_intake_jump_past_the_last_known_year():
    f = cohort_forecast(RISING_INTAKE, 12, births=FALLING_BIRTHS)
    intake = [f.intake[y][1] for y in f.years]  # 2026 … 2037
    # Up to 2031 (births 2025) the intake follows the falling births …
    assert all(later < earlier for earlier, later in zip(intake[:5], intake[1:6], strict=True))
    # … and from 2032 on (births of 2026 and later, not known) it stays flat: never a jump.
    assert f.intake_method[2031] == "births" and f.intake_method[2032] == "assumed"
    assert intake[6:] == pytest.approx([intake[5]] * 6)
    assert f.assumed_births == {y: FALLING_BIRTHS[2025] for y in range(2026, 2032)}
    for variant in ("low", "high"):
        path = f.variant(variant)
        assert path[2032][1] == pytest.approx(path[2031][1])


def test_a_scenario_may_let_births_keep_falling_past_the_last_known_year():
    held = cohort_forecast(RISING_INTAKE, 12, births=FALLING_BIRTHS)
    falling = cohort_forecast(
        RISING_INTAKE,
        12,
        births=FALLING_BIRTHS,
        births_assumption=BirthsAssumption(annual_change=-5),
    )
    assert falling.intake[2031] == pytest.approx(held.intake[2031])  # known births: the same
    # 2032 ← births 2026 = 6,000 × 0.95; 2033 ← 6,000 × 0.95².
    ratio = falling.entry_ratio[1]
    assert falling.intake[2032][1] == pytest.approx(ratio * 6000 * 0.95)
    assert falling.intake[2033][1] == pytest.approx(ratio * 6000 * 0.95**2)
    years = falling.years
    assert all(
        falling.intake[b][1] < falling.intake[a][1] for a, b in zip(years, years[1:], strict=False)
    )
    with pytest.raises(ValueError):
        BirthsAssumption(annual_change=-80)


def test_a_junior_school_draws_on_births_twelve_years_earlier():
    # Entry grade 7: lead = 6 + 7 − 1 = 12 years. 2025 entrants 300 over births 2013 = 400 → 0.75;
    # 2026 ← births 2014 = 360 → 270.
    history = {2025: {7: 300, 8: 290, 9: 280}}
    f = cohort_forecast(history, 1, births={2013: 400, 2014: 360})
    assert f.central[2026][7] == pytest.approx(270)


def test_births_with_no_overlapping_history_are_refused():
    with pytest.raises(ValueError):
        cohort_forecast(TOY, 1, births={1990: 100})


def test_linear_trend_of_intake_by_least_squares():
    # Intake 100, 104, 112 in 2023–25: mean year 2024, mean 105.333; slope
    # ((−1)(−5.333) + 0 + (1)(6.667)) / 2 = 6. Fitted 99.333, 105.333, 111.333; residuals
    # 0.667, −1.333, 0.667 → rms = sqrt(2.6667 / 3) = 0.9428. 2026: 105.333 + 6 × 2 = 117.333.
    history = {2023: {1: 100}, 2024: {1: 104}, 2025: {1: 112}}
    f = cohort_forecast(history, 2)
    low, central, high = f.intake[2026]
    assert central == pytest.approx(117.3333, abs=1e-4)
    assert central - low == pytest.approx(0.9428, abs=1e-4)
    assert high - central == pytest.approx(0.9428, abs=1e-4)
    assert f.intake[2027][1] == pytest.approx(123.3333, abs=1e-4)


def test_trend_is_floored_at_zero():
    # 30, 20, 10 → 0 in 2026 and −10 (shown as 0) in 2027.
    history = {2023: {1: 30}, 2024: {1: 20}, 2025: {1: 10}}
    f = cohort_forecast(history, 2)
    assert f.intake[2026][1] == pytest.approx(0) and f.intake[2027] == (0.0, 0.0, 0.0)


def test_given_intake_is_used_as_is():
    f = cohort_forecast(TOY, 2, first_grade_intake=[105, 95])
    assert f.intake_method == {2026: "given", 2027: "given"}
    assert f.central[2027][1] == 95 and f.low[2027][1] == 95
    with pytest.raises(ValueError):
        cohort_forecast(TOY, 3, first_grade_intake=[105, 95])


def test_a_grade_never_observed_keeps_its_cohort_whole():
    f = cohort_forecast({2025: {1: 50, 2: 40}}, 1)
    assert f.survival[1] == (1.0, 1.0, 1.0)
    assert f.central[2026][2] == 50


# --- classes and demand ---------------------------------------------------------------------


def test_classes_at_the_cap_boundary():
    assert classes_needed(45, 45) == 1
    assert classes_needed(46, 45) == 2
    assert classes_needed(50, 50) == 1 and classes_needed(51, 50) == 2
    assert classes_needed(0, 45) == 0
    assert classes_needed(45.0000000001, 45) == 1  # float noise from the ratios is not a pupil
    caps = PARAMS.class_size_cap
    assert classes_needed({1: 45, 6: 46, 7: 50, 9: 51}, caps) == {1: 1, 6: 2, 7: 1, 9: 2}


def test_demand_for_one_subject_by_hand():
    # A nine-year school with 2 classes in each of grades 1–6 and 4 in each of grades 7–9.
    # The default table shares "other" (integrated practice, local and school courses): each
    # grade's other periods are spread over its own subjects in proportion, i.e. every subject's
    # periods × weekly total / (weekly total − other): grades 1–2 26/24, 3–4 30/26, 5–6 30/25,
    # 7 34/28, 8 34/31, 9 34/30.
    # Chinese 8, 8, 7, 7, 6, 6 in grades 1–6: 2 × (2·8·26/24 + 2·7·30/26 + 2·6·30/25)
    # = 2 × (17.333 + 16.154 + 14.4) = 95.774 periods a week / 15 per teacher = 6.385 FTE
    # (5.6 without sharing); 5 in each of grades 7–9: 4 × 5 × (34/28 + 34/31 + 34/30) / 13
    # = 4 × 5 × 3.4431 / 13 = 5.297 FTE (60 / 13 = 4.615 without sharing).
    classes = {g: 2 for g in range(1, 7)} | {g: 4 for g in range(7, 10)}
    demand = teacher_demand(classes, CURRICULUM, PARAMS.weekly_load)
    assert CURRICULUM.shared_subjects == {"other"}
    primary = 2 * (2 * 8 * 26 / 24 + 2 * 7 * 30 / 26 + 2 * 6 * 30 / 25) / 15
    assert demand["primary"]["chinese"] == pytest.approx(primary)
    assert primary == pytest.approx(6.384957, abs=1e-6)
    assert demand["junior"]["chinese"] == pytest.approx(4 * 5 * (34 / 28 + 34 / 31 + 34 / 30) / 13)
    # Physics only in grades 8 and 9: 4 × 3 × (34/31 + 34/30) / 13 = 2.059 (24 / 13 unshared).
    assert demand["junior"]["physics"] == pytest.approx(4 * 3 * (34 / 31 + 34 / 30) / 13)
    assert "physics" not in demand["primary"] and "other" not in demand["primary"]
    # Rounded up only when reported: 6.385 → 7 teachers.
    assert forecast.round_up(demand["primary"]["chinese"]) == 7
    # Sharing moves periods between subjects, never changes the total: all periods of grades
    # 1–6 (26, 26, 30, 30, 30, 30 = 172) × 2 classes / 15.
    assert sum(demand["primary"].values()) == pytest.approx(172 * 2 / 15)


def test_demand_refuses_grades_the_curriculum_does_not_cover():
    with pytest.raises(ValueError):
        teacher_demand({10: 3}, CURRICULUM, PARAMS.weekly_load)


def test_demand_by_year_from_a_forecast():
    # Given intake 45 then 46 pupils into a one-grade toy: 1 class, then 2 classes.
    toy = Curriculum(version="toy", periods={1: {"chinese": 9}})
    f = cohort_forecast({2025: {1: 40}}, 2, first_grade_intake=[45, 46])
    demand = forecast.teacher_demand_by_year(f, toy, {"primary": 45}, {"primary": 15})
    assert demand == {2026: {"primary": {"chinese": 0.6}}, 2027: {"primary": {"chinese": 1.2}}}


# --- supply ---------------------------------------------------------------------------------


def test_retirement_table_follows_the_gradual_reform():
    table = PARAMS.retirement
    assert table.age_months("male", date(1964, 12, 1)) == 60 * 12
    assert table.age_months("male", date(1965, 4, 30)) == 60 * 12 + 1
    assert table.age_months("male", date(1965, 5, 1)) == 60 * 12 + 2
    # Born August 1976: 139 months after January 1965 → step 139 // 4 + 1 = 35 → 62y11m.
    assert table.age_months("male", date(1976, 8, 1)) == 63 * 12 - 1
    assert table.age_months("male", date(1976, 9, 1)) == 63 * 12
    assert table.age_months("male", date(1995, 1, 1)) == 63 * 12
    assert table.age_months("female", date(1969, 12, 31)) == 55 * 12
    assert table.age_months("female", date(1970, 1, 1)) == 55 * 12 + 1
    assert table.age_months("female", date(1981, 9, 1)) == 58 * 12
    # 31 October 1966 + 60y6m → 30 April 2027 (the month has no 31st).
    assert table.retirement_date("male", date(1966, 10, 31)) == date(2027, 4, 30)


def test_supply_with_a_retirement_in_year_two():
    # Roll of 2026; school years from 1 September 2027, 2028, 2029.
    #   A, man born 20 May 1967: 28 months after Jan 1965 → step 8 → 60y8m → retires
    #      20 Jan 2028: in 2027, gone from 2028 (year two).
    #   B, woman born 1 June 1990: retires at 58 in 2048.
    #   C, man born 2 Feb 1980: retires at 63 in 2043.
    teachers = [
        TeacherRecord(date(1967, 5, 20), "male", "mathematics", "primary"),
        TeacherRecord(date(1990, 6, 1), "female", "mathematics", "primary"),
        (date(1980, 2, 2), "male", "chinese", "junior"),
    ]
    years = [2027, 2028, 2029]
    supply = teacher_supply(teachers, years, PARAMS.retirement)
    assert [supply[y]["primary"]["mathematics"] for y in years] == [2, 1, 1]
    assert [supply[y]["junior"]["chinese"] for y in years] == [1, 1, 1]
    # With 10% attrition compounding from 2026: 2 × 0.9 = 1.8; 1 × 0.81; 1 × 0.729.
    attrited = teacher_supply(teachers, years, PARAMS.retirement, 0.1, base_year=2026)
    assert [attrited[y]["primary"]["mathematics"] for y in years] == pytest.approx(
        [1.8, 0.81, 0.729]
    )


def test_a_teacher_retiring_on_the_reference_day_is_not_counted_that_year():
    # Born 1 September 1964 (before the reform): 60 on 1 September 2024.
    teachers = [(date(1964, 9, 1), "male", "pe", "junior")]
    supply = teacher_supply(teachers, [2023, 2024], PARAMS.retirement)
    assert supply[2023]["junior"]["pe"] == 1 and supply[2024]["junior"]["pe"] == 0


def test_attrition_rate_from_history_and_the_gap():
    assert forecast.estimate_attrition_rate({2024: (200, 6), 2025: (200, 2)}) == 0.02
    demand = {2027: {"primary": {"mathematics": 3.5, "music": 0.4}}}
    supply = {2027: {"primary": {"mathematics": 2.0}, "junior": {"pe": 1.0}}}
    assert forecast.gap(demand, supply) == {
        2027: {
            "junior": {"pe": -1.0},
            "primary": {"mathematics": 1.5, "music": 0.4},
        }
    }


# --- data files -----------------------------------------------------------------------------


def test_curriculum_weekly_totals_and_weeks_follow_the_2022_plan():
    # POLICY.md §13: 26 periods a week in grades 1–2, 30 in 3–6, 34 in 7–9; 35 weeks (33 in
    # grade 9); 9,522 periods over nine years.
    expected = {1: 26, 2: 26, 3: 30, 4: 30, 5: 30, 6: 30, 7: 34, 8: 34, 9: 34}
    assert {g: sum(p.values()) for g, p in CURRICULUM.periods.items()} == expected
    assert CURRICULUM.weekly_totals == expected
    assert CURRICULUM.teaching_weeks == {g: 33 if g == 9 else 35 for g in range(1, 10)}
    assert sum(CURRICULUM.yearly_periods().values()) == 9522


def test_every_subject_share_of_the_nine_year_total_is_within_its_range():
    ranges = {r["group"]: (r["min"], r["max"]) for r in CURRICULUM.share_ranges}
    assert len(ranges) == 10
    for group, share in CURRICULUM.shares().items():
        low, high = ranges[group]
        assert low <= share <= high, f"{group}: {share:.4f} outside {low}–{high}"
    grouped = {s for r in CURRICULUM.share_ranges for s in r["subjects"]}
    subjects = {s for by_subject in CURRICULUM.periods.values() for s in by_subject}
    assert subjects <= grouped  # every period counts towards some share
    assert subjects <= REGISTRY_SUBJECTS  # and names a registry subject


def test_foreign_language_and_information_technology_start_in_grade_three():
    for grade in (1, 2):
        assert "english" not in CURRICULUM.periods[grade]
        assert "information_technology" not in CURRICULUM.periods[grade]
    assert CURRICULUM.periods[3]["english"] > 0


def test_teacher_parameters_load():
    assert PARAMS.weekly_load == {"primary": 15, "junior": 13}
    assert PARAMS.class_size_cap == {"primary": 45, "junior": 50}
    assert PARAMS.stage_grades["junior"] == (7, 9)
    assert {"weekly_load", "retirement", "post_shares"} <= set(PARAMS.unverified)
    for shares in PARAMS.post_shares.values():
        assert sum(shares.values()) == pytest.approx(1)


def test_shared_subjects_spread_over_the_others_and_keep_the_total():
    # Grade 1: chinese 8, maths 4, other 3 periods; load 15; 2 classes.
    # Without sharing: chinese 16/15, maths 8/15, other 6/15 → total 30/15 = 2.0.
    # With "other" shared: spread = 3/12 = 0.25 → chinese 2·8·1.25/15 = 4/3, maths 2·4·1.25/15
    # = 2/3; other gets none; total still 2.0.
    from qiangshi.engines.forecast import Curriculum, teacher_demand

    curriculum = Curriculum(
        version="t",
        periods={1: {"chinese": 8, "mathematics": 4, "other": 3}},
        shared_subjects=frozenset({"other"}),
    )
    demand = teacher_demand({1: 2}, curriculum, 15)["primary"]
    assert demand == pytest.approx({"chinese": 4 / 3, "mathematics": 2 / 3})
    assert sum(demand.values()) == pytest.approx(2.0)
