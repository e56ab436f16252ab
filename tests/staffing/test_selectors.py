"""The staffing adapter on a small district: quotas, staff on roll, positions, totals, scope,
and the forecast of demand, supply and gap (figures worked by hand in conftest.py)."""

import pytest

from qiangshi.core.errors import NotFound
from qiangshi.org.models import School
from qiangshi.staffing.selectors import district_forecast, district_staffing, school_staffing
from tests import factories
from tests.staffing.conftest import ON, YEAR


def by_code(rows):
    return {r.code: r for r in rows}


def test_quotas_from_the_latest_enrollment(district):
    rows = by_code(district_staffing(actor=None, district="350203", year=YEAR, on=ON).schools)
    assert list(rows) == ["E", "J", "N", "P"]  # active Siming schools only, by code
    p, n, j, e = rows["P"], rows["N"], rows["J"], rows["E"]
    # 950 pupils under 1:19 → 50 posts; the non-teaching cap is floor(0.09 × 50) = 4.
    assert (p.students, p.enrollment_year) == ({"primary": 950}, 2025)
    assert (p.quota.total, p.quota.non_teaching_max, p.quota.rule_version) == (50, 4, "2014")
    # Nine-year: per stage part, 600 / 19 = 31.58 → 32 and 270 / 13.5 = 20.
    assert n.students == {"primary": 600, "junior": 270}
    assert (n.quota.by_stage, n.quota.total) == ({"primary": 32, "junior": 20}, 52)
    # J has only 2024 enrollment: used for 2025.
    assert (j.enrollment_year, j.students, j.quota.total) == (2024, {"junior": 27}, 2)
    assert (e.quota.total, e.missing, e.enrollment_year) == (0, ("enrollment",), None)


def test_staff_on_roll_and_position(district):
    rows = by_code(district_staffing(actor=None, district="350203", year=YEAR, on=ON).schools)
    p = rows["P"]
    # On ON: 2 established teachers + 1 established administrator; 1 contract teacher. The one
    # who left in June and the one who arrived in December do not count.
    assert p.on_roll.established_teachers == 2
    assert p.on_roll.established_non_teaching == 1
    assert (p.on_roll.other_teachers, p.on_roll.other_non_teaching) == (1, 0)
    assert (p.position.established, p.position.other_employment) == (3, 1)
    assert p.full_time_teachers == 3  # the administrator is not a full-time teacher
    assert (p.position.vacancies, p.position.overstaffing, p.net) == (47, 0, 47)
    assert p.position.non_teaching.ok
    j = rows["J"]
    # 3 established on a quota of 2: overstaffed by 1; the logistics worker is over a cap of 0.
    assert (j.position.vacancies, j.position.overstaffing, j.net) == (0, 1, -1)
    assert (j.position.non_teaching.allowed, j.position.non_teaching.excess) == (0, 1)
    n = rows["N"]
    assert (n.position.established, n.position.vacancies) == (3, 49)


def test_district_totals(district):
    report = district_staffing(actor=None, district="350203", year=YEAR, on=ON)
    t = report.totals
    assert (t["schools"], t["schools_without_enrollment"]) == (4, 1)
    assert t["students"] == {"primary": 1550, "junior": 297, "senior": 0}
    assert t["quota_by_stage"] == {"primary": 82, "junior": 22, "senior": 0}
    assert (t["quota"], t["established"], t["net"]) == (104, 9, 95)
    assert (t["vacancies"], t["overstaffing"]) == (96, 1)
    assert (t["other_employment"], t["full_time_teachers"]) == (1, 8)
    assert (t["non_teaching_excess"], t["schools_over_non_teaching_cap"]) == (1, 1)
    assert report.rules.version == "2014"


def test_few_queries_whatever_the_number_of_schools(district, django_assert_num_queries):
    schools = School.objects.filter(district=district["siming"], is_active=True)
    with django_assert_num_queries(3):
        rows = school_staffing(schools=schools, year=YEAR, on=ON)
    assert len(rows) == 4


def test_scope(district, tree):
    siming_office = factories.user("district", region=tree["siming"])
    report = district_staffing(actor=siming_office, district="350203", year=YEAR, on=ON)
    assert len(report.schools) == 4
    with pytest.raises(NotFound):
        district_staffing(actor=siming_office, district="350206", year=YEAR, on=ON)
    with pytest.raises(NotFound):
        district_forecast(actor=siming_office, district="350206", years=2, year=YEAR, on=ON)
    with pytest.raises(NotFound):
        district_staffing(actor=siming_office, district="3502", year=YEAR, on=ON)  # a city
    school_user = factories.user("school", school=district["p"])
    report = district_staffing(actor=school_user, district="350203", year=YEAR, on=ON)
    assert [r.code for r in report.schools] == ["P"]


def cell(plan, year, stage, subject):
    return next(r for r in plan.rows if (r.year, r.stage, r.subject) == (year, stage, subject))


def test_forecast_demand_supply_gap(district):
    plan = district_forecast(actor=None, district="350203", years=2, year=YEAR, on=ON)
    assert plan.years == (2026, 2027)
    assert plan.schools_without_history == ["E"]
    # Enrollment is stable: P 950, N 600 primary; junior N 100 + 90 + 90 (grade 6 moves up
    # whole) and J 27.
    assert plan.enrollment[2026] == pytest.approx({"primary": 1550, "junior": 307})
    # Primary Chinese: P has 4 classes per grade (160 or 155 pupils, cap 45), N 3 (100);
    # periods 8+8+7+7+6+6 = 42 a week; load 15: (4 + 3) × 42 / 15 = 19.6.
    # Supply: 4 Chinese teachers (P's two, N's primary-load one and N's one without load, in
    # the larger part) × (1 − 0.02) = 3.92.
    c = cell(plan, 2026, "primary", "chinese")
    assert (c.demand, c.supply, c.gap, c.recruit) == pytest.approx((19.6, 3.92, 15.68, 16))
    assert cell(plan, 2027, "primary", "chinese").supply == pytest.approx(4 * 0.98**2)
    # Music: 2 periods in each grade: (4 + 3) × 12 / 15 = 5.6; P's music teacher retires in
    # July 2026, so none is left for school year 2026.
    m = cell(plan, 2026, "primary", "music")
    assert (m.demand, m.supply, m.recruit) == pytest.approx((5.6, 0.0, 6))
    # Junior physics (grades 8 and 9, 3 periods): N 2 classes each, J 1: (2+2+1+1) × 3 / 13;
    # N's physics teacher goes to the junior part (a junior-only subject).
    ph = cell(plan, 2026, "junior", "physics")
    assert (ph.demand, ph.supply) == pytest.approx((18 / 13, 0.98))
    assert ph.recruit == 1
    ch = cell(plan, 2026, "junior", "chinese")
    assert (ch.demand, ch.supply) == pytest.approx((45 / 13, 0.98))
    assert plan.teachers == 8
