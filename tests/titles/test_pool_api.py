"""The titles API for the offices' lists: the reviewers' pool, declared relations and weak-school
designations, listed in the standard shape and scoped to the caller's area (404 outside it),
written by the offices only (403 for every other role), refusals naming the field."""

from datetime import date

import pytest

from qiangshi.access.services import api_token_create
from qiangshi.core.models import AuditLog
from qiangshi.titles import selectors, services
from qiangshi.titles.models import ReviewerProfile, ReviewerRelation, WeakSchool
from tests import factories


def bearer(user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _json(client, method, url, body, auth):
    return getattr(client, method)(url, body, content_type="application/json", **auth)


@pytest.fixture
def experts(world):
    return [factories.user("reviewer", username=f"api-expert{i}") for i in range(3)]


def test_an_office_adds_changes_and_takes_out_a_reviewer(client, world, experts):
    auth = bearer(world["users"]["district"])
    created = _json(client, "post", "/api/titles/reviewers",
                    {"user": experts[0].pk, "subjects": ["chinese"], "stages": ["primary"],
                     "school": world["schools"]["b"].pk}, auth)  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["district"], body["is_active"]) == (world["tree"]["siming"].pk, True)
    listed = client.get("/api/titles/reviewers", {"subject": "chinese"}, **auth).json()
    assert set(listed) == {"items", "count", "page", "page_size"}
    assert [p["id"] for p in listed["items"]] == [body["id"]]
    changed = _json(client, "patch", f"/api/titles/reviewers/{body['id']}",
                    {"stages": ["primary", "junior"]}, auth)  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["stages"] == ["junior", "primary"]
    assert changed.json()["school"] == world["schools"]["b"].pk  # kept: not sent
    out = _json(client, "patch", f"/api/titles/reviewers/{body['id']}",
                {"is_active": False, "reason": "调离"}, auth)  # fmt: skip
    assert out.json()["is_active"] is False
    assert selectors.reviewer_pool() == []
    assert AuditLog.objects.get(action="titles.reviewer.deactivate").note == "调离"
    inactive = client.get("/api/titles/reviewers", {"active": False}, **auth).json()
    assert inactive["count"] == 1


def test_a_refused_reviewer_answers_400_naming_the_field(client, world, experts):
    auth = bearer(world["users"]["district"])
    answer = _json(client, "post", "/api/titles/reviewers",
                   {"user": experts[0].pk, "subjects": ["chinese"], "stages": ["primary"],
                    "school": world["schools"]["c"].pk}, auth)  # fmt: skip  # Huli
    assert answer.status_code == 400
    assert set(answer.json()["fields"]) == {"school"}
    assert not ReviewerProfile.objects.exists()


def test_the_pool_is_scoped_to_the_office_area(client, world, experts):
    huli = services.reviewer_profile_create(
        actor=world["users"]["bureau"], user_pk=experts[1].pk, subjects=["chinese"],
        stages=["primary"], school_pk=world["schools"]["c"].pk,
    )  # fmt: skip
    district = bearer(world["users"]["district"])
    assert client.get("/api/titles/reviewers", **district).json()["count"] == 0
    patched = _json(client, "patch", f"/api/titles/reviewers/{huli.pk}", {"is_active": False},
                    district)  # fmt: skip
    assert patched.status_code == 404
    bureau = bearer(world["users"]["bureau"])
    assert client.get("/api/titles/reviewers", **bureau).json()["count"] == 1


@pytest.mark.parametrize("role", ["admin", "school", "teacher", "reviewer", "pilot", "auditor",
                                  "ethics"])  # fmt: skip
def test_only_the_offices_write(client, world, experts, role):
    auth = bearer(world["users"][role])
    answers = [
        _json(client, "post", "/api/titles/reviewers",
              {"user": experts[0].pk, "subjects": ["chinese"], "stages": ["primary"]}, auth),
        _json(client, "post", "/api/titles/relations",
              {"reviewer": experts[0].pk, "teacher": world["teachers"]["a"].pk,
               "kind": "relative"}, auth),
        _json(client, "post", "/api/titles/weak-schools",
              {"school": world["schools"]["a"].pk, "start_date": "2020-01-01",
               "source": "认定"}, auth),
    ]  # fmt: skip
    assert [a.status_code for a in answers] == [403, 403, 403]
    assert not (ReviewerProfile.objects.exists() or WeakSchool.objects.exists())


def test_relations_are_recorded_corrected_listed_and_removed(client, world, experts):
    services.reviewer_profile_create(
        actor=world["users"]["bureau"], user_pk=experts[0].pk, subjects=["chinese"],
        stages=["primary"],
    )  # fmt: skip
    auth = bearer(world["users"]["district"])
    created = _json(client, "post", "/api/titles/relations",
                    {"reviewer": experts[0].pk, "teacher": world["teachers"]["a"].pk,
                     "kind": "relative", "declared_on": "2026-02-01"}, auth)  # fmt: skip
    assert created.status_code == 201, created.content
    row = created.json()
    assert (row["teacher_name"], row["kind"]) == ("陈静", "relative")
    assert [r.related for r in selectors.reviewer_pool()] == [
        frozenset({world["teachers"]["a"].pk})
    ]
    outside = _json(client, "post", "/api/titles/relations",
                    {"reviewer": experts[0].pk, "teacher": world["teachers"]["d"].pk,
                     "kind": "relative"}, auth)  # fmt: skip
    assert outside.status_code == 400 and set(outside.json()["fields"]) == {"teacher"}
    patched = _json(client, "patch", f"/api/titles/relations/{row['id']}", {"kind": "other"}, auth)
    assert patched.json()["kind"] == "other" and patched.json()["declared_on"] == "2026-02-01"
    listed = client.get("/api/titles/relations", {"kind": "other"}, **auth).json()
    assert [r["id"] for r in listed["items"]] == [row["id"]]
    school = bearer(world["users"]["school"])
    assert client.get("/api/titles/relations", **school).status_code == 403
    assert client.delete(f"/api/titles/relations/{row['id']}", **auth).status_code == 204
    assert not ReviewerRelation.objects.exists()
    assert client.delete(f"/api/titles/relations/{row['id']}", **auth).status_code == 404


def test_weak_schools_are_designated_listed_and_ended(client, world):
    auth = bearer(world["users"]["district"])
    created = _json(client, "post", "/api/titles/weak-schools",
                    {"school": world["schools"]["a"].pk, "start_date": "2020-01-01",
                     "source": "思明区教育局认定"}, auth)  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["end_date"]) == ("current", None)
    overlap = _json(client, "post", "/api/titles/weak-schools",
                    {"school": world["schools"]["a"].pk, "start_date": "2021-01-01",
                     "source": "又一次"}, auth)  # fmt: skip
    assert overlap.status_code == 400 and "start_date" in overlap.json()["fields"]
    outside = _json(client, "post", "/api/titles/weak-schools",
                    {"school": world["schools"]["c"].pk, "start_date": "2021-01-01",
                     "source": "湖里"}, auth)  # fmt: skip
    assert outside.status_code == 400 and set(outside.json()["fields"]) == {"school"}
    listed = client.get("/api/titles/weak-schools", {"status": "current", "year": 2024}, **auth)
    assert [w["id"] for w in listed.json()["items"]] == [body["id"]]
    assert client.get("/api/titles/weak-schools", {"status": "soon"}, **auth).status_code == 422
    ended = _json(client, "post", f"/api/titles/weak-schools/{body['id']}/end",
                  {"end_date": "2024-09-01"}, auth)  # fmt: skip
    assert ended.status_code == 200
    assert (ended.json()["end_date"], ended.json()["status"]) == ("2024-09-01", "ended")
    assert WeakSchool.objects.get().end_date == date(2024, 9, 1)
    huli = services.weak_school_designate(
        actor=world["users"]["bureau"], school_pk=world["schools"]["c"].pk,
        start_date=date(2020, 1, 1), source="湖里区认定",
    )  # fmt: skip
    other = _json(client, "post", f"/api/titles/weak-schools/{huli.pk}/end",
                  {"end_date": "2024-09-01"}, auth)  # fmt: skip
    assert other.status_code == 404
