"""Logging in, the language switch, and that every page asks for a login."""

import pytest
from django.urls import reverse
from django.utils import translation

from qiangshi.access.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("web:login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert "用户名" in html  # Django's own translation of the username label
    assert 'action="/i18n/setlang/"' in html


def test_login_page_is_in_english_after_choosing_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    html = client.get(reverse("web:login")).content.decode()
    assert '<html lang="en"' in html
    assert "Username" in html
    assert "用户名" not in html


def test_login_with_the_right_password_lands_on_the_dashboard(client, world):
    user = world["users"]["district"]
    response = client.post(
        reverse("web:login"), {"username": user.username, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_login_with_a_wrong_password_shows_an_error_and_stays_logged_out(client, world):
    user = world["users"]["district"]
    response = client.post(reverse("web:login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert client.get(reverse("web:dashboard")).status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, world):
    client.force_login(world["users"]["district"])
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert client.get(reverse("web:dashboard")).status_code == 302


def _pages(world):
    pk = world["teachers"]["a"].pk
    return [
        ("get", reverse("web:dashboard")),
        ("get", reverse("web:teacher_list")),
        ("get", reverse("web:teacher_export")),
        ("get", reverse("web:teacher_create")),
        ("get", reverse("web:teacher_detail", args=[pk])),
        ("get", reverse("web:teacher_edit", args=[pk])),
        ("post", reverse("web:teacher_reveal", args=[pk, "national_id"])),
        ("post", reverse("web:teacher_record_add", args=[pk, "title"])),
        ("post", reverse("web:teacher_employment_change", args=[pk])),
        ("get", reverse("web:teacher_employment_end", args=[pk])),
    ]


def test_every_page_redirects_an_anonymous_visitor_to_the_login(client, world):
    for method, url in _pages(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("web:login") + "?next="), url


def test_the_layout_shows_the_actor_role_and_the_menu_for_the_role(client, world):
    client.force_login(world["users"]["district"])
    html = client.get(reverse("web:dashboard")).content.decode()
    with translation.override("zh-hans"):
        role_label = str(Role.DISTRICT.label)
    assert role_label in html
    assert reverse("web:teacher_list") in html
    assert 'action="/logout/"' in html

    client.force_login(world["users"]["auditor"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("web:teacher_list") not in html
