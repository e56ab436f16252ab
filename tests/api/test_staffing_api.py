"""The staffing API on the Siming district of tests/staffing/conftest.py (pool 104)."""

import pytest

from qiangshi.access.services import api_token_create
from qiangshi.staffing.models import QuotaAllocation
from tests import factories
from tests.api.conftest import ApiClient
from tests.staffing.conftest import YEAR, district  # noqa: F401  (the fixture)


@pytest.fixture
def api(district, tree):  # noqa: F811
    def make(role, **extra):
        _, key = api_token_create(actor=factories.user(role, **extra), name="tests")
        return ApiClient(key)

    return {
        "district": make("district", region=tree["siming"]),
        "other": make("district", region=tree["huli"]),
    }


def test_district_staffing_and_forecast(api, district):  # noqa: F811
    pk = district["siming"].pk
    r = api["district"].get(f"/api/staffing/districts/{pk}", {"year": YEAR})
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["district"], data["year"], data["totals"]["quota"]) == ("350203", YEAR, 104)
    assert {s["school_code"] for s in data["schools"]} == {"E", "J", "N", "P"}
    r = api["district"].get(f"/api/staffing/districts/{pk}/forecast", {"year": YEAR, "years": 2})
    assert r.status_code == 200, r.content
    assert r.json()["forecast"]["years"] == [2026, 2027]


def test_moves(api, district):  # noqa: F811
    pk, p, n = district["siming"].pk, district["p"].pk, district["n"].pk
    body = {"year": YEAR, "moves": [{"from_school": p, "to_school": n, "amount": 2}]}
    r = api["district"].post(f"/api/staffing/districts/{pk}/moves", body)
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["pool"], data["allocated"], data["reserve"]) == (104, 104, 0)
    schools = {s["school_code"]: s for s in data["schools"]}
    assert (schools["P"]["allocated"], schools["N"]["allocated"]) == (48, 54)
    # Above the pool: 400 JSON, nothing changes.
    body = {"year": YEAR, "moves": [{"from_school": None, "to_school": p, "amount": 1}]}
    r = api["district"].post(f"/api/staffing/districts/{pk}/moves", body)
    assert r.status_code == 400
    assert set(r.json()) == {"message", "fields"} and "moves" in r.json()["fields"]
    body = {"year": YEAR, "moves": [{"from_school": p, "to_school": n, "amount": -1}]}
    r = api["district"].post(f"/api/staffing/districts/{pk}/moves", body)
    assert r.status_code == 400 and "moves.0" in r.json()["fields"]
    assert QuotaAllocation.objects.get(school_id=p).quota == 48
    r = api["district"].get(f"/api/staffing/districts/{pk}", {"year": YEAR})
    allocated = {s["school_code"]: s["allocated"] for s in r.json()["schools"]}
    assert allocated["P"] == 48


def test_outside_scope_is_404(api, district):  # noqa: F811
    pk, p, n = district["siming"].pk, district["p"].pk, district["n"].pk
    other = api["other"]
    assert other.get(f"/api/staffing/districts/{pk}", {"year": YEAR}).status_code == 404
    assert other.get(f"/api/staffing/districts/{pk}/forecast").status_code == 404
    body = {"year": YEAR, "moves": [{"from_school": p, "to_school": n, "amount": 1}]}
    r = other.post(f"/api/staffing/districts/{pk}/moves", body)
    assert r.status_code == 404 and r.json()["message"]
    assert not QuotaAllocation.objects.exists()
    assert api["district"].get("/api/staffing/districts/999999").status_code == 404
