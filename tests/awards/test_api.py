"""The awards API: rounds, nominations, results, statistics, eligibility and long-service
honours, scoped; 403 for a role without the permission or a step its role may not take, 404
outside the caller's area; refusals with the reason."""

from datetime import date, timedelta

import pytest

from qiangshi.access.services import api_token_create
from qiangshi.awards import services
from tests import factories

from .conftest import qualify

TODAY = date.today()


def bearer(user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def open_round(world):
    qualify(world["users"]["admin"], world["teachers"]["a"], years_before=TODAY.year)
    return services.round_create(
        actor=world["users"]["bureau"], kind="excellent_teacher", year=TODAY.year, level="city",
        title="优秀教师评选", nominations_open_on=TODAY - timedelta(days=3),
        nominations_close_on=TODAY + timedelta(days=3), reference_date=TODAY,
    )  # fmt: skip


def nominate(client, world, round_, teacher="a"):
    return client.post(
        "/api/awards/nominations",
        {"round": round_.pk, "teacher": world["teachers"][teacher].pk, "citation": "事迹"},
        content_type="application/json",
        **bearer(world["users"]["school"]),
    )


def test_school_nominates_and_the_district_reviews_through_the_api(client, world, open_round):
    response = nominate(client, world, open_round)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "nominated" and body["next_steps"] == ["submit", "withdraw"]
    assert {r["rule"] for r in body["eligibility"]} >= {"teaching_years", "ethics_bar"}
    school = bearer(world["users"]["school"])
    step = client.post(
        f"/api/awards/nominations/{body['id']}/steps", {"step": "submit"},
        content_type="application/json", **school,
    )  # fmt: skip
    assert step.json()["state"] == "district_review"
    # The school may not take the district's step: 403 (no review permission).
    refused = client.post(
        f"/api/awards/nominations/{body['id']}/steps", {"step": "district_approve"},
        content_type="application/json", **school,
    )  # fmt: skip
    assert refused.status_code == 403
    district = bearer(world["users"]["district"])
    listed = client.get(f"/api/awards/nominations?round={open_round.pk}", **district).json()
    assert set(listed) == {"items", "count", "page", "page_size"} and listed["count"] == 1
    # A district step by the bureau: its role may not (403 with the workflow's reason).
    bureau = bearer(world["users"]["bureau"])
    wrong = client.post(
        f"/api/awards/nominations/{body['id']}/steps", {"step": "district_approve"},
        content_type="application/json", **bureau,
    )  # fmt: skip
    assert wrong.status_code == 403


def test_a_nomination_refused_with_the_rule_that_blocks_it(client, world, open_round):
    response = nominate(client, world, open_round, teacher="b")  # another school's teacher
    assert response.status_code == 404
    other = factories.teacher(world["users"]["admin"], world["schools"]["a"], "周敏")
    response = client.post(
        "/api/awards/nominations", {"round": open_round.pk, "teacher": other.pk, "citation": "x"},
        content_type="application/json", **bearer(world["users"]["school"]),
    )  # fmt: skip
    assert response.status_code == 400
    assert "teaching" in response.json()["message"] or "参加工作" in response.json()["message"]


def test_eligibility_rule_by_rule_with_stable_keys(client, world, open_round):
    url = f"/api/awards/rounds/{open_round.pk}/eligibility?teacher={world['teachers']['b'].pk}"
    body = client.get(url, **bearer(world["users"]["bureau"])).json()
    assert body["eligible"] is False
    assert {r["rule"]: r["status"] for r in body["rules"]}["teaching_years"] == "missing"
    # Outside the caller's area: 404.
    huli = factories.user("district", username="huli-api", region=world["tree"]["huli"])
    assert client.get(url, **bearer(huli)).status_code == 404


def test_rounds_statistics_and_results_are_scoped(client, world, open_round):
    nominate(client, world, open_round)
    bureau = bearer(world["users"]["bureau"])
    rounds = client.get(
        "/api/awards/rounds?kind=excellent_teacher", **bearer(world["users"]["teacher"])
    )
    assert rounds.json()["count"] == 1
    stats = client.get(
        f"/api/awards/rounds/{open_round.pk}/statistics", **bearer(world["users"]["bureau"])
    ).json()
    assert stats["total"]["nominated"] == 1 and stats["districts"][0]["district"] == "350203"
    assert client.get("/api/awards/results", **bureau).json()["count"] == 0
    # Longyan's office does not see Xiamen's round.
    xinluo = factories.user("district", username="xinluo-api", region=world["tree"]["xinluo"])
    assert client.get(f"/api/awards/rounds/{open_round.pk}", **bearer(xinluo)).status_code == 404


@pytest.mark.parametrize(
    ("role", "method", "url"),
    [
        ("district", "post", "/api/awards/rounds"),
        ("school", "post", "/api/awards/rounds"),
        ("bureau", "post", "/api/awards/nominations"),
        ("teacher", "get", "/api/awards/long-service?year=2026"),
        ("auditor", "get", "/api/awards/rounds"),
        ("ethics", "get", "/api/awards/nominations"),
        ("admin", "post", "/api/awards/rounds"),
    ],
)
def test_roles_without_the_permission_get_403(client, world, role, method, url):
    response = getattr(client, method)(
        url, content_type="application/json", **bearer(world["users"][role])
    )
    assert response.status_code == 403


def test_long_service_lists_unknown_starts(client, world):
    body = client.get(
        "/api/awards/long-service?year=2026", **bearer(world["users"]["district"])
    ).json()
    assert body["count"] == 2  # Siming's two teachers, start not recorded
    assert {r["status"] for r in body["items"]} == {"unknown"}


def test_bureau_opens_a_round_through_the_api(client, world):
    response = client.post(
        "/api/awards/rounds",
        {"kind": "backbone", "year": 2026, "level": "district", "title": "骨干教师",
         "nominations_open_on": "2026-03-01", "nominations_close_on": "2026-03-31"},
        content_type="application/json", **bearer(world["users"]["bureau"]),
    )  # fmt: skip
    assert response.status_code == 201
    assert response.json()["school_quota"] == 2 and response.json()["rule_version"] == "2024"
