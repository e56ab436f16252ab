"""API tokens page: create (key shown once), list, revoke; and the demo_logins command."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from qiangshi.access import services as access_services
from qiangshi.access.models import ApiToken
from tests import factories


def test_created_token_key_is_shown_once_and_authenticates(client, world):
    user = world["users"]["district"]
    client.force_login(user)
    response = client.post(reverse("web:api_tokens"), {"name": "报表脚本"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key and key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert access_services.api_token_authenticate(key) == user

    again = client.get(reverse("web:api_tokens"))
    html = again.content.decode()
    assert key not in html
    token = ApiToken.objects.get(user=user)
    assert token.prefix in html and "报表脚本" in html


def test_token_without_a_name_shows_a_field_error(client, world):
    client.force_login(world["users"]["school"])
    response = client.post(reverse("web:api_tokens"), {"name": "  "})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_revoked_token_no_longer_authenticates(client, world):
    user = world["users"]["school"]
    token, key = access_services.api_token_create(actor=user, name="sync")
    client.force_login(user)
    response = client.post(reverse("web:api_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert access_services.api_token_authenticate(key) is None


def test_users_see_and_revoke_only_their_own_tokens(client, world):
    other_token, key = access_services.api_token_create(
        actor=world["users"]["bureau"], name="bureau-only"
    )
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:api_tokens"))
    assert "bureau-only" not in response.content.decode()
    response = client.post(reverse("web:api_token_revoke", args=[other_token.pk]))
    assert response.status_code == 404
    other_token.refresh_from_db()
    assert other_token.revoked_at is None
    assert access_services.api_token_authenticate(key) == world["users"]["bureau"]


def test_revoke_needs_post(client, world):
    user = world["users"]["school"]
    token, _ = access_services.api_token_create(actor=user, name="sync")
    client.force_login(user)
    assert client.get(reverse("web:api_token_revoke", args=[token.pk])).status_code == 405


def _demo_logins() -> str:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_logins_without_demo_accounts_suggests_building_the_demo():
    assert "qiangshi demo_region" in _demo_logins()


def test_demo_logins_prints_each_existing_demo_account(world, monkeypatch):
    tree = world["tree"]
    factories.user("district", username="district", region=tree["siming"])
    factories.user("school", username="school", school=world["schools"]["a"])
    monkeypatch.setenv("PORT", "8123")
    output = _demo_logins()
    assert "http://127.0.0.1:8123/" in output
    lines = {line.split()[0]: line for line in output.splitlines() if line.strip()}
    assert "思明区" in lines["district"]
    assert world["schools"]["a"].name in lines["school"]
    assert "qiangshi-demo" in lines["school"]
    assert "auditor" not in lines  # only accounts that exist


def test_teachers_and_reviewers_have_no_token_page_unless_enabled(client, world, settings):
    for role in ("teacher", "reviewer"):
        client.force_login(world["users"][role])
        page = client.get(reverse("web:dashboard")).content.decode()
        assert reverse("web:api_tokens") not in page
        assert client.get(reverse("web:api_tokens")).status_code == 404
    settings.QIANGSHI_API_TOKENS_FOR_ALL_ROLES = True
    assert client.get(reverse("web:api_tokens")).status_code == 200
    client.force_login(world["users"]["school"])
    assert reverse("web:api_tokens") in client.get(reverse("web:dashboard")).content.decode()


def test_a_school_administrators_balance_and_staffing_links_are_their_schools(client, world):
    school = world["users"]["school"].school
    client.force_login(world["users"]["school"])
    page = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("web:balance_school", args=[school.pk]) in page
    assert reverse("web:staffing_school_posts", args=[school.pk]) in page
    assert f'href="{reverse("web:balance_region")}"' not in page
