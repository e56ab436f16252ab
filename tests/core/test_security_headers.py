"""Response headers and production settings: a Content-Security-Policy that allows no inline
script (and templates that need none), Permissions-Policy, HSTS on HTTPS only, X-Forwarded-Proto
believed only when a setting says a proxy sets it, and production settings that name a missing
secret instead of failing with a KeyError."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "src/qiangshi/web/templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def _directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_every_response_carries_the_policy_headers(client):
    response = client.get(reverse("web:login"))
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # plain HTTP


def test_no_template_has_an_inline_script_or_event_handler():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        offenders += [f"{path.name}: {m.group(0)}" for m in INLINE_SCRIPT.finditer(text)]
        offenders += [f"{path.name}: {m.group(0)}" for m in EVENT_HANDLER.finditer(text)]
    assert offenders == []


def _assert_no_inline_script(html: str, page: str) -> None:
    assert not INLINE_SCRIPT.search(html), page
    assert not EVENT_HANDLER.search(html), page


@pytest.mark.parametrize(
    "role,url_name,args",
    [
        ("bureau", "dashboard", []),
        ("district", "teacher_list", []),
        ("district", "import_list", []),
        ("district", "api_tokens", []),
        ("bureau", "account_security", []),
        ("district", "balance_region", []),
    ],
)
def test_rendered_pages_have_no_inline_script(client, world, role, url_name, args):
    client.force_login(world["users"][role])
    response = client.get(reverse(f"web:{url_name}", args=args))
    assert response.status_code == 200
    html = response.content.decode()
    _assert_no_inline_script(html, url_name)
    assert "/static/web/app.js" in html
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_the_dashboard_charts_load_from_a_static_file(client, world):
    client.force_login(world["users"]["bureau"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert "/static/web/charts.js" in html
    assert 'id="dashboard-data" type="application/json"' in html


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_hsts_is_sent_on_https_only(client):
    assert "Strict-Transport-Security" in client.get(reverse("web:login"), secure=True)
    assert "Strict-Transport-Security" not in client.get(reverse("web:login"))


@override_settings(SECURE_HSTS_SECONDS=31536000)
def test_x_forwarded_proto_is_ignored_without_the_proxy_setting(client):
    assert settings.SECURE_PROXY_SSL_HEADER is None
    response = client.get(reverse("web:login"), HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" not in response


@override_settings(
    SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
)
def test_x_forwarded_proto_is_believed_with_the_proxy_setting(client):
    response = client.get(reverse("web:login"), HTTP_X_FORWARDED_PROTO="https")
    assert "Strict-Transport-Security" in response


def _settings_of(module: str, env: dict[str, str], expr: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "QIANGSHI_")) and k != "DATABASE_URL"
    }
    clean.update(env, DJANGO_SETTINGS_MODULE=module)
    code = f"from django.conf import settings; print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_name_a_missing_secret():
    result = _settings_of("config.settings.production", {}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr and "QIANGSHI_ENCRYPTION_KEY" in result.stderr
    assert "KeyError" not in result.stderr


def test_production_settings_with_their_secrets():
    env = {"DJANGO_SECRET_KEY": "s" * 50, "QIANGSHI_ENCRYPTION_KEY": "k" * 43}
    expr = (
        "settings.SECURE_PROXY_SSL_HEADER, settings.SECURE_HSTS_SECONDS,"
        " settings.QIANGSHI_FORCE_PASSWORD_CHANGE, settings.SESSION_COOKIE_SECURE"
    )
    result = _settings_of("config.settings.production", env, expr)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None 31536000 True True"
    env["QIANGSHI_PROXY_SETS_FORWARDED_PROTO"] = "1"
    result = _settings_of("config.settings.production", env, "settings.SECURE_PROXY_SSL_HEADER")
    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"
