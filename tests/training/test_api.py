"""The training API: list shape, 403 for a refused permission, 404 outside scope, and the
enrol → confirm → hours flow."""

from datetime import date, timedelta

import pytest

from qiangshi.training.models import TrainingRecord
from tests.api.conftest import ApiClient

from .conftest import make_programme

TODAY = date.today()


@pytest.fixture
def open_programme(world):
    return make_programme(
        world["users"]["district"],
        starts_on=TODAY - timedelta(days=2),
        ends_on=TODAY + timedelta(days=3),
    )


def test_programme_list_shape_and_scope(world, api_as, open_programme):
    r = api_as("school").get("/api/training/programmes", {"page_size": 10})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert body["count"] == 1 and body["page"] == 1 and body["page_size"] == 10
    assert body["items"][0]["title"] == open_programme.title
    assert body["items"][0]["taken"] == 0
    r = api_as("school").get("/api/training/programmes", {"q": "不存在"})
    assert r.json()["count"] == 0


def test_refused_permission_answers_403_and_outside_scope_404(world, api_as, open_programme):
    assert api_as("auditor").get("/api/training/programmes").status_code == 403
    assert api_as("pilot").get("/api/training/enrolments").status_code == 403
    assert api_as("teacher").post("/api/training/programmes", {}).status_code in (403, 422)
    teacher_body = {
        "title": "x",
        "level": "school",
        "hours": "8",
        "category": "online",
        "capacity": 3,
        "starts_on": "2026-01-01",
        "ends_on": "2026-01-02",
        "mode": "online",
    }
    assert api_as("teacher").post("/api/training/programmes", teacher_body).status_code == 403
    assert (
        api_as("district")
        .post("/api/training/enrolments/confirm", {"enrolment_ids": [1]})
        .status_code
        == 403
    )
    # Longyan's office does not see Siming's programme, nor Siming's teachers' hours.
    from qiangshi.access.services import api_token_create
    from tests import factories

    longyan = factories.user("district", region=world["tree"]["xinluo"])
    _, key = api_token_create(actor=longyan, name="t")
    other = ApiClient(key)
    assert other.get(f"/api/training/programmes/{open_programme.pk}").status_code == 404
    a = world["teachers"]["a"]
    assert other.get(f"/api/training/teachers/{a.pk}/hours").status_code == 404
    assert (
        api_as("school")
        .get(f"/api/training/teachers/{world['teachers']['b'].pk}/hours")
        .status_code
        == 404
    )


def test_enrol_confirm_and_hours(world, api_as, open_programme):
    a = world["teachers"]["a"]
    r = api_as("teacher").post("/api/training/enrolments", {"programme_id": open_programme.pk})
    assert r.status_code == 201, r.content
    enrolment = r.json()
    assert enrolment["status"] == "enrolled" and enrolment["teacher_id"] == a.pk
    again = api_as("teacher").post("/api/training/enrolments", {"programme_id": open_programme.pk})
    assert again.status_code == 400
    listed = api_as("school").get("/api/training/enrolments", {"programme": open_programme.pk})
    assert listed.json()["count"] == 1
    r = api_as("school").post(
        "/api/training/enrolments/confirm", {"enrolment_ids": [enrolment["id"]], "completed": True}
    )
    assert r.status_code == 200 and r.json() == {"confirmed": 1}
    assert TrainingRecord.objects.filter(teacher=a).count() == 1
    hours = api_as("teacher").get(f"/api/training/teachers/{a.pk}/hours").json()
    assert hours["count"] == 1 and hours["items"][0]["hours"] == 24
    assert hours["cycle"]["hours"] == 24 and hours["cycle"]["complete"] is False
    assert set(hours) >= {"items", "count", "page", "page_size", "cycle"}


def test_a_school_assigns_and_withdraws(world, api_as, open_programme):
    a = world["teachers"]["a"]
    r = api_as("school").post(
        "/api/training/enrolments", {"programme_id": open_programme.pk, "teacher_id": a.pk}
    )
    assert r.status_code == 201 and r.json()["assigned"] is True
    w = api_as("school").post(f"/api/training/enrolments/{r.json()['id']}/withdraw")
    assert w.status_code == 200 and w.json()["status"] == "withdrawn"
