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
    # The default curriculum shares "other" (integrated practice, local and school courses):
    # each grade's subjects carry its other periods in proportion, a factor of weekly total /
    # (weekly total − other): 26/24 in grades 1–2, 30/26 in 3–4, 30/25 in 5–6, 34/28 in 7,
    # 34/31 in 8, 34/30 in 9.
    # Primary Chinese: P has 4 classes per grade (160 or 155 pupils, cap 45), N 3 (100);
    # periods 8, 8, 7, 7, 6, 6 → 2·8·26/24 + 2·7·30/26 + 2·6·30/25 = 17.333 + 16.154 + 14.4
    # = 47.887 a week per class set; load 15: (4 + 3) × 47.887 / 15 = 22.347.
    # Supply: 4 Chinese teachers (P's two, N's primary-load one and N's one without load, in
    # the larger part) × (1 − 0.02) = 3.92; gap 18.427 → 19 to recruit.
    chinese = 2 * 8 * 26 / 24 + 2 * 7 * 30 / 26 + 2 * 6 * 30 / 25
    c = cell(plan, 2026, "primary", "chinese")
    assert (c.demand, c.supply, c.gap, c.recruit) == pytest.approx(
        (7 * chinese / 15, 3.92, 7 * chinese / 15 - 3.92, 19)
    )
    assert c.demand == pytest.approx(22.3473, abs=1e-4)
    assert cell(plan, 2027, "primary", "chinese").supply == pytest.approx(4 * 0.98**2)
    # Music: 2 periods in each grade: 2 × (2·26/24 + 2·30/26 + 2·30/25) = 13.749; × 7 / 15
    # = 6.416; P's music teacher retires in July 2026, so none is left for school year 2026.
    m = cell(plan, 2026, "primary", "music")
    assert (m.demand, m.supply, m.recruit) == pytest.approx(
        (7 * 2 * (2 * 26 / 24 + 2 * 30 / 26 + 2 * 30 / 25) / 15, 0.0, 7)
    )
    # "other" is shared, never a subject to recruit for.
    assert not [r for r in plan.rows if r.subject == "other" and r.demand]
    # Junior physics (grades 8 and 9, 3 periods): N 2 classes each, J 1: 3 classes a grade:
    # 3 × 3 × (34/31 + 34/30) / 13 = 1.544; N's physics teacher goes to the junior part (a
    # junior-only subject): 0.98; gap 0.564 → 1.
    ph = cell(plan, 2026, "junior", "physics")
    assert (ph.demand, ph.supply) == pytest.approx((9 * (34 / 31 + 34 / 30) / 13, 0.98))
    assert ph.recruit == 1
    # Junior Chinese: 5 periods in grades 7–9, 3 classes each: 3 × 5 × (34/28 + 34/31 + 34/30)
    # / 13 = 3.973.
    ch = cell(plan, 2026, "junior", "chinese")
    assert (ch.demand, ch.supply) == pytest.approx((15 * (34 / 28 + 34 / 31 + 34 / 30) / 13, 0.98))
    assert plan.teachers == 8
