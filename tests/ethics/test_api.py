"""The ethics API: scoped case lists in the standard shape, 403 for roles without the
permission or taking a step their role may not, 404 outside scope, bars without the why for
those who may not see cases, and every case read in the access log."""

from datetime import date

import pytest

from qiangshi.access.services import api_token_create
from qiangshi.core.models import AccessLog
from qiangshi.ethics import services
from tests import factories


@pytest.fixture
def officer(world):
    return factories.user("ethics", username="ethics-api", region=world["tree"]["siming"])


def bearer(user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def case(world, officer):
    return services.case_report(
        actor=officer, teacher_pk=world["teachers"]["a"].pk, reported_on=date(2026, 1, 5),
        summary="有偿补课", guidelines=[10], reporter="匿名",
    )  # fmt: skip


def test_officer_lists_reads_and_steps_a_case(client, world, officer, case):
    auth = bearer(officer)
    body = client.get("/api/ethics/cases", **auth).json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert body["count"] == 1 and body["items"][0]["state"] == "reported"
    detail = client.get(f"/api/ethics/cases/{case.pk}", **auth).json()
    assert detail["summary"] == "有偿补课" and detail["reporter"] == "匿名"
    assert detail["next_steps"] == ["investigate", "dismiss"]
    assert AccessLog.objects.filter(object_id=str(case.pk), channel="api").exists()
    answer = client.post(
        f"/api/ethics/cases/{case.pk}/steps", {"step": "investigate"},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["state"] == "investigating"


def test_a_step_the_role_may_not_take_is_403_and_a_bad_one_400(client, world, officer, case):
    auditor = bearer(world["users"]["auditor"])
    assert client.get(f"/api/ethics/cases/{case.pk}", **auditor).status_code == 200
    answer = client.post(
        f"/api/ethics/cases/{case.pk}/steps", {"step": "investigate"},
        content_type="application/json", **auditor,
    )  # fmt: skip
    assert answer.status_code == 403
    answer = client.post(
        f"/api/ethics/cases/{case.pk}/steps", {"step": "notify"},
        content_type="application/json", **bearer(officer),
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["message"]


@pytest.mark.parametrize("role", ["admin", "bureau", "district", "school", "reviewer", "pilot"])
def test_roles_without_the_permission_get_403(client, world, case, role):
    auth = bearer(world["users"][role])
    assert client.get("/api/ethics/cases", **auth).status_code == 403
    assert client.get(f"/api/ethics/cases/{case.pk}", **auth).status_code == 403


def test_outside_scope_is_404(client, world, case):
    huli = factories.user("ethics", username="ethics-huli-api", region=world["tree"]["huli"])
    auth = bearer(huli)
    assert client.get(f"/api/ethics/cases/{case.pk}", **auth).status_code == 404
    assert client.get("/api/ethics/cases", **auth).json()["count"] == 0
    # The teacher does not see a case before their statement is asked for.
    teacher = bearer(world["users"]["teacher"])
    assert client.get(f"/api/ethics/cases/{case.pk}", **teacher).status_code == 404


def test_bars_show_until_when_to_the_school_but_not_why(client, world, officer):
    t = world["teachers"]["a"]
    services.sanction_record(actor=world["users"]["district"], teacher_pk=t.pk, kind="demerit",
                             decided_on=date(2025, 6, 1))  # fmt: skip
    url = f"/api/ethics/teachers/{t.pk}/bars?on=2025-12-01"
    school = client.get(url, **bearer(world["users"]["school"])).json()
    bars = {b["bar"]: b for b in school["bars"]}
    assert bars["rotation"]["ends_on"] == "2026-06-01"
    assert bars["awards"]["ends_on"] == "2027-06-01"
    assert "because" not in bars["awards"]
    mine = client.get(url, **bearer(officer)).json()
    assert mine["bars"][0]["because"][0].startswith("sanction:")
    other = f"/api/ethics/teachers/{world['teachers']['b'].pk}/bars"
    assert client.get(other, **bearer(world["users"]["school"])).status_code == 404
    assert client.get(url, **bearer(world["users"]["auditor"])).status_code == 403


def test_inbox_api(client, world, officer, case):
    body = client.get("/api/workflow/inbox", **bearer(officer)).json()
    assert body["count"] == 1 and body["items"][0]["id"] == case.pk
