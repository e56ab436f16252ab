"""The registry adapter on a tiny world, with every count checked by hand."""

from datetime import date

import pytest

from qiangshi.balance.selectors import default_on, district_inputs, district_report
from qiangshi.core.errors import NotFound
from tests import factories
from tests.balance.conftest import ON, YEAR


def test_district_inputs_counts_by_hand(tiny, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        inputs = district_inputs(district=tiny["siming"], year=YEAR, on=ON)
    by = {(i.code, i.stage): i for i in inputs}
    assert sorted(by) == [("J", "junior"), ("N", "junior"), ("N", "primary"), ("P", "primary")]

    p = by[("P", "primary")]
    assert p.enrollment == 300 and p.school_enrollment == 300 and not p.rural
    # t1, t5 (本科), t2 (专科); not t3 (中师 by ON), t4 (part-time), t6 (left), t7 (not yet)
    assert p.higher_degree_teachers == 3
    assert p.backbone_teachers == 2  # t1 (district), t4 (city); not t2 (school), t5 (expired)
    assert p.pe_arts_teachers == 2  # t2 (PE), t3 (music)
    assert p.pe_arts_part_time == 1  # t4 (fine arts, not full-time)
    assert (p.teaching_area_m2, p.sports_area_m2) == (1500, 2400)
    assert (p.equipment_value_yuan, p.multimedia_rooms) == (660_000, 8)
    assert p.missing == ()

    np_, nj = by[("N", "primary")], by[("N", "junior")]
    assert (np_.enrollment, nj.enrollment, np_.school_enrollment) == (240, 120, 360)
    assert np_.rural and nj.rural
    # Primary: n1 (primary load, 专科) + n4 (primary load in the later term, 本科) + 2/3 of n3.
    assert np_.higher_degree_teachers == pytest.approx(2 + 2 / 3)
    # Junior: n2 has a junior load but only 专科 (本科 required); 1/3 of n3 (本科).
    assert nj.higher_degree_teachers == pytest.approx(1 / 3)
    assert (np_.backbone_teachers, nj.backbone_teachers) == (1, 0)  # n4, provincial
    assert np_.pe_arts_teachers == pytest.approx(2 / 3)
    assert nj.pe_arts_teachers == pytest.approx(1 / 3)
    assert np_.teaching_area_m2 == pytest.approx(2400)
    assert nj.teaching_area_m2 == pytest.approx(1200)
    assert np_.multimedia_rooms == pytest.approx(6) and nj.multimedia_rooms == pytest.approx(3)

    j = by[("J", "junior")]
    assert j.missing == ("facility",) and j.higher_degree_teachers == 0  # 专科 < 本科


def test_district_report_evaluates_each_stage_and_lists_missing_data(tiny):
    primary, junior = district_report(district="350203", year=YEAR, on=ON)
    assert (primary.stage, primary.rule_set) == ("primary", "2017.1")
    assert [s.code for s in primary.schools] == ["N", "P"]
    p = next(s for s in primary.schools if s.code == "P")
    # P: 100·3/300 = 1.0 higher-degree teachers per 100 (minimum 4.2).
    assert p.values["higher_degree_teachers_per_100"] == pytest.approx(1.0)
    assert p.values["teaching_area_per_student"] == pytest.approx(5.0)
    assert not p.passed
    assert [s.code for s in junior.schools] == ["N"]
    assert [(e.code, e.reason) for e in junior.excluded] == [("J", "missing_data:facility")]


def test_unknown_district_is_not_found(tiny):
    with pytest.raises(NotFound):
        district_inputs(district="999999", year=YEAR, on=ON)


def test_default_registry_date_is_today_within_the_school_year():
    assert default_on(2025, today=date(2025, 11, 3)) == date(2025, 11, 3)
    assert default_on(2025, today=date(2026, 8, 31)) == date(2026, 8, 31)
    assert default_on(2024, today=date(2026, 1, 5)) == date(2024, 9, 1)


def test_an_actor_reads_only_the_schools_in_scope(tiny):
    school_admin = factories.user("school", school=tiny["p"])
    inputs = district_inputs(district="350203", year=YEAR, on=ON, actor=school_admin)
    assert [(i.code, i.stage) for i in inputs] == [("P", "primary")]
