"""The titles API: rounds, applications and results scoped (a school its applicants, a reviewer
only what was drawn for them, a teacher their own), 403 for roles without the permission or a
step their role may not take, 404 outside scope, scores by the panel."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qiangshi.access.services import api_token_create
from qiangshi.core.models import AccessLog
from qiangshi.titles import services
from qiangshi.titles.models import PanelMember
from tests import factories

from .conftest import TODAY


def bearer(user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def in_panel(titles_world):
    w = titles_world
    app = services.application_start(
        actor=w["users"]["teacher"], round_pk=w["round"].pk, today=TODAY
    )
    services.material_upload(
        actor=w["users"]["teacher"], application_pk=app.pk, kind="m1",
        upload=SimpleUploadedFile("a.pdf", b"x"),
    )  # fmt: skip
    for user, step in ((w["users"]["teacher"], "submit"), (w["users"]["school"], "recommend"),
                       (w["users"]["bureau"], "pass_review")):  # fmt: skip
        services.application_step(actor=user, application_pk=app.pk, step=step, today=TODAY)
    return {**w, "app": app}


def test_rounds_are_listed_in_the_standard_shape(in_panel, client):
    w = in_panel
    body = client.get("/api/titles/rounds", **bearer(w["users"]["school"])).json()
    assert set(body) == {"items", "count", "page", "page_size"}
    assert [r["id"] for r in body["items"]] == [w["round"].pk]
    detail = client.get(f"/api/titles/rounds/{w['round'].pk}", **bearer(w["users"]["bureau"]))
    assert detail.json()["quotas"][0]["quota"] == 1


def test_applications_are_scoped(in_panel, client):
    w = in_panel
    app = w["app"]
    member = PanelMember.objects.filter(application=app).first().reviewer
    outsider = factories.user("reviewer", username="not-drawn")
    other_school = factories.user("school", school=w["schools"]["b"])
    seen = {
        name: client.get("/api/titles/applications", **bearer(user)).json()["count"]
        for name, user in {
            "teacher": w["users"]["teacher"], "school": w["users"]["school"],
            "other_school": other_school, "member": member, "outsider": outsider,
            "bureau": w["users"]["bureau"],
        }.items()
    }  # fmt: skip
    assert seen == {"teacher": 1, "school": 1, "other_school": 0, "member": 1, "outsider": 0,
                    "bureau": 1}  # fmt: skip
    assert client.get(f"/api/titles/applications/{app.pk}", **bearer(outsider)).status_code == 404
    answer = client.get(f"/api/titles/applications/{app.pk}", **bearer(member))
    assert answer.status_code == 200
    assert {c["rule"] for c in answer.json()["checks"]} >= {"degree", "ethics_bar"}
    assert AccessLog.objects.filter(field="title_application").exists()


def test_roles_without_the_permission_get_403(in_panel, client):
    w = in_panel
    assert client.get("/api/titles/rounds", **bearer(w["users"]["pilot"])).status_code == 403
    assert (
        client.get("/api/titles/applications", **bearer(w["users"]["auditor"])).status_code == 403
    )
    step = client.post(
        f"/api/titles/applications/{w['app'].pk}/steps", {"step": "select"},
        content_type="application/json", **bearer(w["users"]["school"]),
    )  # fmt: skip
    assert step.status_code in (400, 403)


def test_a_panel_member_scores_through_the_api(in_panel, client):
    w = in_panel
    app = w["app"]
    member = PanelMember.objects.filter(application=app).first().reviewer
    scores = {"ethics": 9, "teaching": 30, "homeroom": 12, "research": 20, "service": 10}
    url = f"/api/titles/applications/{app.pk}/scores"
    answer = client.post(url, {"scores": scores}, content_type="application/json", **bearer(member))
    assert answer.status_code == 201, answer.content
    assert answer.json()["total"] == "81.00" or float(answer.json()["total"]) == 81
    again = client.post(url, {"scores": scores}, content_type="application/json", **bearer(member))
    assert again.status_code == 400
    outsider = factories.user("reviewer", username="nobody-api")
    denied = client.post(
        url, {"scores": scores}, content_type="application/json", **bearer(outsider)
    )
    assert denied.status_code == 404


def test_results_list_the_round(in_panel, client):
    w = in_panel
    body = client.get(
        f"/api/titles/rounds/{w['round'].pk}/results", **bearer(w["users"]["bureau"])
    ).json()
    assert [r["application"] for r in body["results"]] == [w["app"].pk]
    assert body["statistics"]["applications"] == 1
