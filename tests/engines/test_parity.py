"""The salary parity rule (POLICY.md §7) and the burden caps (§9), on plain data."""

from decimal import Decimal

from qiangshi.engines import burden, parity

COMPONENTS = ["basic_pay", "allowances", "performance_pay", "year_end_incentive"]
CIVIL = {"basic_pay": 40000, "allowances": 30000, "performance_pay": 25000,
         "year_end_incentive": 15000}  # fmt: skip


def test_teachers_paid_exactly_as_much_as_civil_servants_pass():
    r = parity.evaluate(dict(CIVIL), CIVIL, COMPONENTS)
    assert (r.teacher_wage, r.gap, r.passed, r.driver) == (Decimal(110000), 0, True, None)


def test_a_gap_is_driven_by_the_component_with_the_largest_shortfall():
    teacher = {**CIVIL, "allowances": 26000, "year_end_incentive": 8000, "basic_pay": 45000}
    r = parity.evaluate(teacher, CIVIL, COMPONENTS)
    # 45000 + 26000 + 25000 + 8000 = 104000 against 110000: −6000; allowances −4000,
    # year-end −7000, basic +5000.
    assert (r.teacher_wage, r.civil_servant_wage, r.gap, r.passed) == (104000, 110000, -6000, False)
    assert r.driver == "year_end_incentive"
    assert {c.component: c.gap for c in r.by_component}["basic_pay"] == 5000


def test_a_missing_component_leaves_the_verdict_missing_not_failed():
    teacher = {k: v for k, v in CIVIL.items() if k != "allowances"}
    r = parity.evaluate(teacher, CIVIL, COMPONENTS)
    assert (r.teacher_wage, r.gap, r.passed, r.missing) == (None, None, None, ("allowances",))
    assert [c.gap for c in r.by_component] == [0, None, 0, 0]


def test_only_the_rule_sets_components_are_compared():
    teacher = {**CIVIL, "housing": 1}
    r = parity.evaluate(teacher, {**CIVIL, "housing": 99999}, COMPONENTS)
    assert r.passed is True and r.gap == 0


def test_trend_per_year_over_known_gaps():
    assert parity.trend({2020: Decimal(-5000), 2024: Decimal(-1000)}) == 1000
    assert parity.trend({2020: Decimal(-5000), 2021: None}) is None


CAPS = burden.Caps(activities_per_semester=6, activities_per_year=10, comprehensive_per_year=1)


def _check(kind="activity", on_list=True, comprehensive=False, notice=30, load=None):
    return [
        (r.code, r.school)
        for r in burden.check_request(
            kind=kind, on_list=on_list, comprehensive=comprehensive, notice_days=notice,
            loads={1: load or burden.SchoolLoad()}, caps=CAPS, min_notice_days=30,
        )
    ]  # fmt: skip


def test_caps_allow_up_to_the_cap_and_refuse_beyond_it():
    assert _check(load=burden.SchoolLoad(activities_semester=5, activities_year=9)) == []
    assert _check(load=burden.SchoolLoad(activities_semester=6, activities_year=10)) == [
        ("semester_cap", 1),
        ("year_cap", 1),
    ]


def test_a_second_comprehensive_inspection_in_a_year_is_refused():
    load = burden.SchoolLoad(comprehensive_year=1, activities_semester=6)
    assert _check("inspection", comprehensive=True, load=load) == [("comprehensive_cap", 1)]
    assert _check("inspection", comprehensive=False, load=load) == []


def test_not_listed_and_late_notice_are_reasons_too():
    assert _check(on_list=False, notice=29) == [("not_listed", None), ("notice", None)]


def test_burden_index_counts_and_hours_per_teacher():
    index = burden.burden_index([(3, 10), (Decimal("0.5"), 2)], teachers=8)
    assert (index.count, index.teacher_hours, index.hours_per_teacher) == (2, 31, Decimal("3.88"))
    assert burden.burden_index([(1, 1)], teachers=0).hours_per_teacher is None
