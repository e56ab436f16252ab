"""Quota re-allocation (县管校聘) on the Siming district of conftest.py: computed quotas P 50,
N 52, J 2, E 0, so the pool is 104."""

import pytest

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.staffing.models import QuotaAllocation
from qiangshi.staffing.selectors import district_staffing
from qiangshi.staffing.services import quota_allocate
from tests import factories
from tests.staffing.conftest import ON, YEAR


@pytest.fixture
def office(district, tree):
    return factories.user("district", region=tree["siming"])


def alloc():
    return {a.school.code: a.quota for a in QuotaAllocation.objects.select_related("school")}


def test_first_move_initialises_from_the_computed_quotas_and_is_audited(district, office):
    p, n = district["p"], district["n"]
    pool = quota_allocate(
        actor=office,
        district=district["siming"],
        year=YEAR,
        moves=[{"from_school": p.pk, "to_school": n.pk, "amount": 3}],
    )
    assert alloc() == {"P": 47, "N": 55, "J": 2, "E": 0}
    assert (pool["pool"], pool["allocated"], pool["reserve"]) == (104, 104, 0)
    logs = AuditLog.objects.filter(action="staffing.quota_allocate").order_by("object_id")
    assert sorted(tuple(log.changes["quota"]) for log in logs) == [(47 + 3, 47), (52, 55)]
    assert {log.actor_username for log in logs} == {office.username}
    # Into and out of the reserve.
    pool = quota_allocate(
        actor=office,
        district=district["siming"],
        year=YEAR,
        moves=[
            {"from_school": n.pk, "to_school": None, "amount": 5},
            {"from_school": None, "to_school": p.pk, "amount": 2},
        ],
    )
    assert alloc() == {"P": 49, "N": 50, "J": 2, "E": 0}
    assert (pool["allocated"], pool["reserve"]) == (101, 3)
    # The district's staffing shows allocated vs computed.
    report = district_staffing(actor=office, district="350203", year=YEAR, on=ON)
    rows = {r.code: r for r in report.schools}
    assert (rows["P"].quota.total, rows["P"].allocated) == (50, 49)
    assert rows["N"].as_dict()["allocation_difference"] == -2
    assert report.pool["reserve"] == 3 and report.totals["allocated"] == 101


def test_no_allocation_rows_means_computed_quotas(district, office):
    report = district_staffing(actor=office, district="350203", year=YEAR, on=ON)
    assert report.pool is None
    assert all(r.allocated is None for r in report.schools)


@pytest.mark.parametrize(
    "move, field",
    [
        ({"from_school": None, "to_school": "P", "amount": 1}, "moves"),  # above the pool
        ({"from_school": "P", "to_school": "N", "amount": -2}, "moves.0"),  # negative
        ({"from_school": "P", "to_school": "N", "amount": 0}, "moves.0"),
        ({"from_school": "J", "to_school": "N", "amount": 3}, "moves.0"),  # J holds 2
        ({"from_school": "P", "to_school": "H", "amount": 1}, "moves.0"),  # another district
        ({"from_school": "P", "to_school": "P", "amount": 1}, "moves.0"),
    ],
)
def test_refused_moves_change_nothing(district, office, move, field):
    schools = {k: district[k.lower()].pk for k in ("P", "N", "J")}
    schools["H"] = factories.school(district["huli"], "H2", code="H2").pk
    body = {k: schools.get(v, v) if k != "amount" else v for k, v in move.items()}
    audit_before = AuditLog.objects.count()
    with pytest.raises(ApplicationError) as exc:
        quota_allocate(actor=office, district=district["siming"], year=YEAR, moves=[body])
    assert field in exc.value.fields
    assert not QuotaAllocation.objects.exists()
    assert AuditLog.objects.count() == audit_before


def test_a_later_refused_move_undoes_the_earlier_ones(district, office):
    p, n = district["p"], district["n"]
    quota_allocate(
        actor=office,
        district=district["siming"],
        year=YEAR,
        moves=[{"from_school": p.pk, "to_school": n.pk, "amount": 1}],
    )
    before = alloc()
    with pytest.raises(ApplicationError):
        quota_allocate(
            actor=office,
            district=district["siming"],
            year=YEAR,
            moves=[
                {"from_school": p.pk, "to_school": None, "amount": 4},
                {"from_school": None, "to_school": n.pk, "amount": 5},
            ],
        )
    assert alloc() == before


def test_scope_and_role(district, tree):
    move = [{"from_school": district["p"].pk, "to_school": district["n"].pk, "amount": 1}]
    other = factories.user("district", region=tree["huli"])
    with pytest.raises(NotFound):
        quota_allocate(actor=other, district=district["siming"], year=YEAR, moves=move)
    school_admin = factories.user("school", school=district["p"])
    with pytest.raises(ApplicationError):
        quota_allocate(actor=school_admin, district=district["siming"], year=YEAR, moves=move)
    with pytest.raises(ApplicationError):
        quota_allocate(
            actor=factories.user("pilot"), district=district["siming"], year=YEAR, moves=move
        )
    bureau = factories.user("bureau", region=tree["xiamen"])
    quota_allocate(actor=bureau, district=district["siming"], year=YEAR, moves=move)
    assert alloc()["N"] == 53
    assert not QuotaAllocation.objects.filter(school__district=district["huli"]).exists()


def test_a_move_shows_at_once_while_figures_are_shared(
    district, office, settings, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    settings.QIANGSHI_DASHBOARD_CACHE_SECONDS = 60
    cache.clear()
    before = district_staffing(actor=office, district=district["siming"], year=YEAR)
    assert before.pool is None
    assert district_staffing(actor=office, district=district["siming"], year=YEAR) == before
    move = {"from_school": district["p"].pk, "to_school": district["n"].pk, "amount": 3}
    with django_capture_on_commit_callbacks(execute=True):
        quota_allocate(actor=office, district=district["siming"], year=YEAR, moves=[move])
    after = district_staffing(actor=office, district=district["siming"], year=YEAR)
    assert after.pool is not None
    assert {r.code: r.effective_quota for r in after.schools}["P"] == 47
    cache.clear()
