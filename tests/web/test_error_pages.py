"""Error pages with DEBUG off (as `make demo` serves): friendly 400, 403, 404 and 500 pages in
Chinese and English, never Django's technical page with the URL patterns; and the static files
still served, by WhiteNoise, from the collected directory."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template import loader
from django.test import Client
from django.urls import include, path, reverse
from django.utils import translation

from config.urls import urlpatterns as site_urlpatterns

BASE_DIR = Path(__file__).resolve().parents[2]

TEXT = {
    "zh-hans": {
        404: ["页面不存在", "此地址没有页面", "返回首页"],
        403: ["无权访问", "您的账号无权打开此页面", "返回首页"],
        400: ["请求无效", "无法识别此请求", "返回首页"],
        500: ["系统出错了", "服务器未能完成此请求", "返回首页"],
        "csrf": ["表单已失效", "请刷新页面后重试", "返回首页"],
    },
    "en": {
        404: ["Page not found", "There is no page at this address", "Go to the home page"],
        403: ["Access denied", "Your account may not open this page", "Go to the home page"],
        400: ["Bad request", "The request could not be understood", "Go to the home page"],
        500: ["Something went wrong", "The server could not complete", "Go to the home page"],
        "csrf": ["The form has expired", "Reload the page and try again", "Go to the home page"],
    },
}
# What Django's technical pages (DEBUG on) show and the friendly pages must not.
TECHNICAL = [
    "URLconf",
    "Django tried these URL patterns",
    "DEBUG = True",
    "Traceback",
    "Request Method",
    "[name=",
]

LANGUAGES = ["zh-hans", "en"]


def _boom(request):
    raise RuntimeError("secret detail that must not reach the page")


# This module is also the URLconf of the 500 tests: the site plus a view that fails.
urlpatterns = [path("test-boom/", _boom), path("", include(site_urlpatterns))]


def _client(language: str, **kwargs) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _assert_friendly(response, status, language: str, key=None) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    for text in TEXT[language][key or status]:
        assert text in html, text
    for text in TECHNICAL:
        assert text not in html, text
    assert f'<html lang="{language}">' in html
    # The home link, and the page's stylesheet (served by WhiteNoise).
    assert f'href="{reverse("web:dashboard")}"' in html
    assert "/static/web/app.css" in html
    return html


def test_debug_is_off_in_the_tests_as_in_the_demo():
    assert settings.DEBUG is False


def test_with_debug_on_django_would_list_the_url_patterns(db, settings):
    """What the friendly pages are checked against: Django's technical 404."""
    settings.DEBUG = True

    html = Client().get("/no-such-page/").content.decode()

    assert "Django tried these URL patterns" in html and "[name=" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_answers_the_friendly_404_to_a_visitor(db, language):
    response = _client(language).get("/no-such-page/")

    html = _assert_friendly(response, 404, language)
    assert 'id="error-page"' in html  # in the site's layout
    assert "qs-topbar" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_answers_the_friendly_404_in_the_layout_with_the_menu(world, language):
    client = _client(language)
    client.force_login(world["users"]["district"])

    html = _assert_friendly(client.get("/teachers/999999999/"), 404, language)

    assert "qs-nav" in html and reverse("web:teacher_list") in html
    assert world["users"]["district"].username in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_page_answers_the_friendly_403(world, language):
    client = _client(language)
    client.force_login(world["users"]["teacher"])

    html = _assert_friendly(client.get(reverse("web:audit_log")), 403, language)

    assert 'id="error-page"' in html and "qs-nav" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_request_for_an_unknown_host_answers_the_friendly_400(db, language):
    response = _client(language).get("/", HTTP_HOST="evil.example")

    _assert_friendly(response, 400, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_whose_csrf_check_fails_answers_the_friendly_403(db, language):
    client = _client(language, enforce_csrf_checks=True)

    response = client.post(reverse("web:login"), {"username": "x", "password": "y"})

    _assert_friendly(response, 403, language, key="csrf")


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failing_view_answers_the_friendly_500_without_the_error(world, language):
    client = _client(language, raise_request_exception=False)
    client.force_login(world["users"]["bureau"])

    html = _assert_friendly(client.get("/test-boom/"), 500, language)

    assert "secret detail" not in html and "RuntimeError" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_renders_without_a_request_or_the_database(
    db, django_assert_num_queries, language
):
    with translation.override(language), django_assert_num_queries(0):
        html = loader.get_template("500.html").render()

    for text in TEXT[language][500]:
        assert text in html


def _settings_debug(tmp_path, **env) -> str:
    """DEBUG and ALLOWED_HOSTS as the local (demo) settings load them in a fresh process."""
    environ = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"}
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        QIANGSHI_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, ','.join(settings.ALLOWED_HOSTS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_the_demo_settings_run_with_debug_off_unless_a_developer_asks(tmp_path):
    assert _settings_debug(tmp_path) == "False 127.0.0.1,localhost,[::1]"
    assert _settings_debug(tmp_path, DJANGO_DEBUG="1").startswith("True ")


@pytest.fixture
def collected(settings, tmp_path):
    """collectstatic into a temporary STATIC_ROOT, as `make serve` does into var/static."""
    settings.STATIC_ROOT = tmp_path / "static"
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_whitenoise_serves_the_collected_static_files_with_debug_off(db, collected):
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    client = Client()

    for name in ["web/app.css", "web/app.js"]:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        body = b"".join(response.streaming_content)
        assert body == (collected / name).read_bytes()
        assert body == (BASE_DIR / "src/qiangshi/web/static" / name).read_bytes()
    assert client.get("/static/web/app.css")["Content-Type"].startswith("text/css")
    # A static file that does not exist is the friendly 404, not a traceback.
    missing = client.get("/static/web/no-such-file.css")
    assert missing.status_code == 404
    assert "URLconf" not in missing.content.decode()


def test_every_stylesheet_and_script_of_a_page_is_served(world, collected):
    client = Client()
    client.force_login(world["users"]["district"])
    html = client.get(reverse("web:dashboard")).content.decode()

    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
    for url in assets:
        assert client.get(url).status_code == 200, url
