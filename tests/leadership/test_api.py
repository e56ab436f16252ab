"""The leadership API: terms scoped to the caller's area (404 outside it, 403 for a role that
may not write), each school's leadership and gaps, in the standard list shape."""

from datetime import date

import pytest

from qiangshi.access.services import api_token_create
from qiangshi.leadership import services


def bearer(user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def term(world):
    return services.term_record(
        actor=world["users"]["district"], school_pk=world["schools"]["a"].pk,
        data={"post": "principal", "teacher": world["teachers"]["a"].pk, "term_number": 3,
              "starts_on": date(2024, 9, 1)},
    )  # fmt: skip


def test_office_records_changes_lists_and_deletes_a_term(client, world, term):
    auth = bearer(world["users"]["district"])
    body = {"school": world["schools"]["a"].pk, "post": "health_vice", "outside_name": "何医生",
            "outside_employer": "厦门大学附属第一医院", "outside_position": "主治医师",
            "starts_on": "2025-03-01"}  # fmt: skip
    created = client.post("/api/leadership/terms", body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    new = created.json()
    assert new["holder_name"] == "何医生" and new["teacher"] is None
    listed = client.get("/api/leadership/terms", {"post": "health_vice"}, **auth).json()
    assert set(listed) == {"items", "count", "page", "page_size"}
    assert [t["id"] for t in listed["items"]] == [new["id"]]
    changed = client.patch(
        f"/api/leadership/terms/{new['id']}", {"left_on": "2025-06-01"},
        content_type="application/json", **auth,
    )  # fmt: skip
    assert changed.status_code == 200 and changed.json()["left_on"] == "2025-06-01"
    current = client.get("/api/leadership/terms", {"current": True}, **auth).json()
    assert [t["id"] for t in current["items"]] == [term.pk]
    assert client.delete(f"/api/leadership/terms/{new['id']}", **auth).status_code == 204
    assert client.get(f"/api/leadership/terms/{new['id']}", **auth).status_code == 404


def test_overlapping_principal_answers_400_naming_the_field(client, world, term):
    auth = bearer(world["users"]["district"])
    body = {"school": world["schools"]["a"].pk, "post": "principal",
            "teacher": world["teachers"]["a"].pk, "starts_on": "2025-01-01"}  # fmt: skip
    answer = client.post("/api/leadership/terms", body, content_type="application/json", **auth)
    assert answer.status_code == 400 and "starts_on" in answer.json()["fields"]


def test_schools_with_their_gaps(client, world, term):
    auth = bearer(world["users"]["district"])
    rows = client.get("/api/leadership/schools", {"gap": "principal_terms"}, **auth).json()
    assert [r["school_name"] for r in rows["items"]] == ["思明第一小学"]
    row = rows["items"][0]
    assert row["principal_full_terms"] == 2 and "no_secretary" in row["gaps"]
    assert row["holders"]["principal"][0]["term_number"] == 3
    one = client.get(f"/api/leadership/schools/{world['schools']['a'].pk}", **auth).json()
    assert [t["id"] for t in one["terms"]] == [term.pk]


def test_scope_and_refusals(client, world, term):
    users = world["users"]
    school = bearer(users["school"])
    assert client.get(f"/api/leadership/terms/{term.pk}", **school).status_code == 200
    patched = client.patch(
        f"/api/leadership/terms/{term.pk}", {"term_number": 2}, content_type="application/json",
        **school,
    )  # fmt: skip
    assert patched.status_code == 403
    huli = bearer(users["bureau"].__class__.objects.create(username="hl", role="district",
                                                           region=world["tree"]["huli"]))  # fmt: skip
    assert client.get(f"/api/leadership/terms/{term.pk}", **huli).status_code == 404
    gone = client.delete(f"/api/leadership/terms/{term.pk}", **huli)
    assert gone.status_code == 404
    d = world["schools"]["d"].pk
    assert client.get(f"/api/leadership/schools/{d}", **bearer(users["bureau"])).status_code == 404
    for role in ("teacher", "ethics", "auditor", "pilot"):
        assert client.get("/api/leadership/terms", **bearer(users[role])).status_code == 403
