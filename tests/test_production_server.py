"""`make serve` starts the production server (gunicorn, production settings, WhiteNoise), which
serves a login, a page and the page's static files under hashed, compressed names, and stops.

The server runs on a database of its own (a SQLite file prepared here), so the test runs once,
on the SQLite pass of the CI: the PostgreSQL pass would start the same server on the same file.
"""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, on the SQLite pass"
)

PASSWORD = "serve-test-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "PYTEST", "CELERY_")) and k != "DATABASE_URL"
    }
    env.update(
        QIANGSHI_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        DJANGO_SECRET_KEY="serve-test-secret",
        QIANGSHI_ENCRYPTION_KEY="serve-test-encryption-key",
        WEB_CONCURRENCY="1",
        MAKEFLAGS="",
    )
    return env


def _prepare(env: dict[str, str]) -> None:
    """Migrate the server's database and give it one administrator."""
    local = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    code = (
        "from django.core.management import call_command;"
        "call_command('migrate', interactive=False, verbosity=0);"
        "from qiangshi.access.models import User;"
        f"u = User(username='boss', role='admin', is_staff=True, is_superuser=True);"
        f"u.set_password('{PASSWORD}'); u.save()"
    )
    subprocess.run(
        [str(ROOT / ".venv/bin/qiangshi"), "shell", "-c", code], env=local, check=True, cwd=ROOT
    )


class _Browser:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, **headers):
        request = urllib.request.Request(self.base + path, headers=headers)
        return self.opener.open(request, timeout=30)

    def post(self, path: str, data: dict[str, str]):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        return self.opener.open(request, timeout=30)

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)


def _wait_until_up(base: str, server: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read().decode(errors="replace")
            raise AssertionError(f"the server stopped before answering:\n{output[-3000:]}")
        try:
            urllib.request.urlopen(base + "/login/", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise AssertionError("the server did not answer in time")


def test_make_serve_serves_a_login_a_page_and_its_static_files(tmp_path):
    env = _env(tmp_path)
    _prepare(env)
    port = _free_port()
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, server)
        browser = _Browser(base)
        login = browser.get("/login/").read().decode()
        assert "csrfmiddlewaretoken" in login
        page = browser.post(
            "/login/",
            {
                "csrfmiddlewaretoken": browser.cookie("csrftoken"),
                "username": "boss",
                "password": PASSWORD,
            },
        )
        html = page.read().decode()
        assert page.url.rstrip("/") != base + "/login", "the login did not go through"
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
        assert any(a.endswith(".css") for a in assets) and any(a.endswith(".js") for a in assets)
        for url in assets:
            # Hashed names (collectstatic's manifest), served by the application itself.
            assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), url
            response = browser.get(url, **{"Accept-Encoding": "gzip"})
            assert response.status == 200, url
            assert response.headers["Content-Encoding"] == "gzip", url
            assert "immutable" in response.headers["Cache-Control"], url
        assert browser.get("/api/docs").status == 200
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
        stopping = time.monotonic()
        output = server.communicate(timeout=60)[0].decode(errors="replace")
        stopped_in = time.monotonic() - stopping
    assert f"Serving http://127.0.0.1:{port}" in output, output[-2000:]
    assert "GET /login/" in output  # gunicorn's access log
    assert stopped_in < 30
