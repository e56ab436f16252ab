"""A region page reads all its districts at once: the same results as one district at a time,
with the same number of queries for one district or many, and region results shared briefly
between the users of one area only."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qiangshi.balance.selectors import (
    district_inputs,
    districts_inputs,
    districts_stage_reports,
    stage_reports,
)
from qiangshi.staffing.selectors import district_staffing, districts_staffing
from tests import factories
from tests.balance.conftest import ON, YEAR, enroll, facility, teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(tiny, tree, admin_user):
    """`tiny` (Siming) and a Huli school with its own teachers."""
    huli = factories.school(tree["huli"], "湖里小学", code="HL")
    enroll(huli, range(1, 7), 60)
    facility(huli, teaching=2000, sports=3000, equipment=700_000, rooms=9)
    for _ in range(5):
        teacher(admin_user, huli, education=[("bachelor", date(2008, 7, 1))])
    return tiny


def test_many_districts_read_as_each_one(two, tree):
    districts = [tree["siming"], tree["huli"], tree["xinluo"]]
    together = districts_inputs(districts=districts, year=YEAR, on=ON)
    for d in districts:
        assert together[d.pk] == district_inputs(district=d, year=YEAR, on=ON), d.name
    assert together[tree["huli"].pk]  # not empty: the comparison means something
    reports = districts_stage_reports(districts=districts, year=YEAR)
    for d in districts:
        assert reports[d.pk] == stage_reports(district=d, year=YEAR)


def test_the_queries_do_not_grow_with_the_districts(two, tree):
    with CaptureQueriesContext(connection) as one:
        districts_stage_reports(districts=[tree["siming"]], year=YEAR)
    with CaptureQueriesContext(connection) as three:
        districts_stage_reports(districts=[tree["siming"], tree["huli"], tree["xinluo"]], year=YEAR)
    assert len(three) == len(one)


def test_region_results_are_shared_per_area_only(two, tree, settings):
    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    bureau = factories.user("bureau", region=tree["xiamen"])
    school = factories.user("school", school=two["p"])
    districts = [tree["siming"], tree["huli"]]
    first = districts_stage_reports(districts=districts, year=YEAR, actor=bureau)
    with CaptureQueriesContext(connection) as again:
        assert districts_stage_reports(districts=districts, year=YEAR, actor=bureau) == first
    assert len(again) <= 2  # the scope's own lookups, no evaluation
    # A school's user reads its own school only: not the bureau's results.
    mine = districts_stage_reports(districts=districts, year=YEAR, actor=school)
    assert mine != first
    assert {i.code for i in districts_inputs(
        districts=districts, year=YEAR, on=ON, actor=school
    )[tree["siming"].pk]} == {"P"}  # fmt: skip
    # The staffing region page's totals are each district's own.
    rows = districts_staffing(actor=bureau, districts=districts, year=YEAR)
    for d, row in zip(districts, rows, strict=True):
        assert row["totals"] == district_staffing(actor=bureau, district=d, year=YEAR).totals
    cache.clear()
