"""The welfare API: list shape, 403 for a role without the permission, 404 outside the area."""

from datetime import timedelta

from django.utils import timezone

from qiangshi.imports.services import import_file
from qiangshi.welfare import services
from qiangshi.welfare.models import AnonymousReport
from tests.api.conftest import ApiClient, api_as  # noqa: F401

from .conftest import HULI, SIMING, wages_xlsx


def _load(world):
    import_file(actor=world["users"]["bureau"], kind="wages", data=wages_xlsx([SIMING, HULI]),
                filename="w.xlsx")  # fmt: skip


def test_parity_list_shape_and_scope(world, api_as):  # noqa: F811
    _load(world)
    body = api_as("bureau").get("/api/welfare/parity", {"year": 2024}).json()
    assert set(body) == {"items", "count", "page", "page_size"} and body["count"] == 2
    huli = next(i for i in body["items"] if i["district_code"] == "350206")
    assert (huli["gap"], huli["passed"], huli["driving_component"]) == (
        -6000.0,
        False,
        "year_end_incentive",
    )
    failing = api_as("bureau").get("/api/welfare/parity", {"year": 2024, "failing": "true"})
    assert [i["district_code"] for i in failing.json()["items"]] == ["350206"]
    mine = api_as("district").get("/api/welfare/parity", {"year": 2024}).json()
    assert [i["district_code"] for i in mine["items"]] == ["350203"]


def test_parity_refusals_403_and_outside_the_area_404(world, api_as):  # noqa: F811
    _load(world)
    for role in ("school", "teacher", "auditor"):
        assert api_as(role).get("/api/welfare/parity").status_code == 403
    huli = world["tree"]["huli"].pk
    assert api_as("district").get(f"/api/welfare/parity/{huli}").status_code == 404
    history = api_as("bureau").get(f"/api/welfare/parity/{huli}").json()
    assert [y["year"] for y in history["years"]] == [2024]
    assert api_as("pilot").client.put(
        f"/api/welfare/parity/{huli}/2024", '{"teacher": {}, "civil_servant": {}}',
        content_type="application/json",
        headers=api_as("pilot").headers,
    ).status_code == 403  # fmt: skip


def test_parity_put_enters_figures(world, api_as):  # noqa: F811
    siming = world["tree"]["siming"].pk
    comps = {"basic_pay": 1000, "allowances": 1000, "performance_pay": 1000,
             "year_end_incentive": 1000}  # fmt: skip
    client = api_as("district")
    response = client._send("put", f"/api/welfare/parity/{siming}/2023",
                            {"teacher": comps, "civil_servant": {**comps, "allowances": 1500}})  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["gap"], response.json()["passed"]) == (-500.0, False)
    bad = client._send("put", f"/api/welfare/parity/{siming}/2023",
                       {"teacher": {"basic_pay": 1}, "civil_servant": comps})  # fmt: skip
    assert bad.status_code == 400 and "teacher__allowances" in bad.json()["fields"]


def test_requests_flow_and_reports(world, api_as):  # noqa: F811
    bureau = world["users"]["bureau"]
    start = timezone.localdate() + timedelta(days=40)
    item = services.burden_list_add(actor=bureau, year=start.year, kind="activity",
                                    title="科普进校园", requester="市科协")  # fmt: skip
    body = {"kind": "activity", "title": "科普", "requester": "市科协",
            "schools": [world["schools"]["a"].pk], "start_date": str(start),
            "end_date": str(start), "hours": 2, "announced_on": str(timezone.localdate()),
            "list_item": item.pk}  # fmt: skip
    created = api_as("bureau").post("/api/welfare/requests", body)
    assert created.status_code == 201 and created.json()["status"] == "pending"
    refused = api_as("bureau").post("/api/welfare/requests", {**body, "list_item": None})
    assert refused.json()["status"] == "refused" and refused.json()["reasons"]
    assert api_as("school").post("/api/welfare/requests", body).status_code == 403
    rid = created.json()["id"]
    assert api_as("district").post(f"/api/welfare/requests/{rid}/decision",
                                   {"approve": True}).status_code == 404  # fmt: skip
    decided = api_as("bureau").post(f"/api/welfare/requests/{rid}/decision", {"approve": True})
    assert decided.json()["status"] == "approved"
    listing = api_as("bureau").get("/api/welfare/requests").json()
    assert set(listing) == {"items", "count", "page", "page_size"} and listing["count"] == 2
    report = api_as("teacher").post(
        "/api/welfare/reports", {"kind": "activity", "requester": "某单位", "description": "问卷"}
    )
    assert report.status_code == 201 and report.json() == {"received": True}
    assert AnonymousReport.objects.count() == 1
    assert api_as("bureau").post("/api/welfare/reports", {"kind": "activity", "requester": "x",
                                 "description": "y"}).status_code == 403  # fmt: skip
    assert api_as("school").get("/api/welfare/arrivals").json()["count"] == 0
    assert api_as("teacher").get("/api/welfare/arrivals").status_code == 403
    assert ApiClient().get("/api/welfare/parity").status_code == 401
