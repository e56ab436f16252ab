"""Who may call the API: bearer tokens, the Django session, and nobody else."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from qiangshi.access.models import ApiToken
from qiangshi.access.services import api_token_create, api_token_revoke

from .conftest import ApiClient


@pytest.mark.parametrize("url", ["/api/teachers", "/api/schools", "/api/regions", "/api/me"])
def test_request_without_credentials_answers_401_json(world, url):
    response = Client().get(url)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_valid_token_authenticates_its_user(world):
    user = world["users"]["district"]
    _, key = api_token_create(actor=user, name="script")

    response = ApiClient(key).get("/api/me")

    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert response.json()["role"] == "district"


def test_unknown_token_answers_401(world):
    response = ApiClient("qs_not-a-real-key").get("/api/teachers")

    assert response.status_code == 401
    assert "items" not in response.json()


def test_revoked_token_answers_401(world):
    user = world["users"]["bureau"]
    token, key = api_token_create(actor=user, name="old")
    assert ApiClient(key).get("/api/me").status_code == 200

    api_token_revoke(actor=user, token=token)

    assert ApiClient(key).get("/api/me").status_code == 401


def test_token_of_deactivated_user_answers_401(world):
    user = world["users"]["school"]
    _, key = api_token_create(actor=user, name="x")
    user.is_active = False
    user.save()

    assert ApiClient(key).get("/api/me").status_code == 401


def test_bad_token_on_a_write_answers_401_not_a_csrf_error(world):
    response = ApiClient("qs_wrong").post("/api/schools", {"name": "x"})

    assert response.status_code == 401


def test_use_of_a_token_is_recorded(world):
    user = world["users"]["admin"]
    token, key = api_token_create(actor=user, name="x")

    ApiClient(key).get("/api/me")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_logged_in_session_may_call_the_api(world):
    client = Client()
    client.force_login(world["users"]["school"])

    response = client.get("/api/teachers")

    assert response.status_code == 200
    assert [t["id"] for t in response.json()["items"]] == [world["teachers"]["a"].pk]


def test_session_write_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["admin"])
    teacher = world["teachers"]["a"]

    response = client.patch(
        f"/api/teachers/{teacher.pk}", data={"name": "改名"}, content_type="application/json"
    )

    assert response.status_code == 403
    teacher.refresh_from_db()
    assert teacher.name == "陈静"


def test_bearer_write_needs_no_csrf_token(world):
    _, key = api_token_create(actor=world["users"]["admin"], name="x")
    client = ApiClient(key)
    client.client = Client(enforce_csrf_checks=True)
    teacher = world["teachers"]["a"]

    response = client.patch(f"/api/teachers/{teacher.pk}", {"email": "chen@example.cn"})

    assert response.status_code == 200
    assert response.json()["email"] == "chen@example.cn"


def test_create_api_token_command_prints_a_working_key_once(world):
    user = world["users"]["district"]
    out = StringIO()

    call_command("create_api_token", "--user", user.username, "--name", "nightly", stdout=out)

    key = out.getvalue().strip()
    token = ApiToken.objects.get(user=user, name="nightly")
    assert key.startswith("qs_")
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in (token.key_hash, token.prefix)
    assert ApiClient(key).get("/api/me").json()["username"] == user.username


def test_create_api_token_command_rejects_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("create_api_token", "--user", "nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()
