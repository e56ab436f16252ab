"""The web at scale: the production server on a demo region, measured over loopback.

    uv run python benchmarks/web.py [--scale city|province] [--users 20] [--duration 30]

1. Builds the demo region into PostgreSQL database `qiangshi_bench_<scale>` (or reuses it when
   it is there; `--database-url` to choose another), with the production settings' keys taken
   from `<var>/keys.env` (QIANGSHI_LOCAL_KEYS=1, as `make serve`).
2. Starts the production server (`qiangshi serve`: gunicorn, WhiteNoise) on a free port.
3. Logs in over HTTP as several roles (bureau, district, school, teacher, admin) and, one user
   at a time, requests each page of the role `--repeat` times: p50/p95/p99 per page.
4. Then `--users` concurrent users (the roles in turn) browse pages at random for `--duration`
   seconds, once for each `--think` (default 0 and 2): with 0, each user requests its next page
   the moment the last one arrives (a stress test: every user always waits on the server);
   with 2, each pauses 1–3 s between pages, as a person reading them does (Locust's and
   JMeter's usual model of a browsing user). Throughput, errors and p50/p95/p99 over all
   requests, and the slowest pages.
5. Prints the slowest statements: from pg_stat_statements when the server has it loaded, else
   timed in this process (CaptureQueriesContext) on one request of each page.

Counts and times are bounded (`--repeat`, `--users`, `--duration`); the server is stopped at the
end in every case. The issue's targets (province scale): p95 <= 300 ms for one user, and for 20
concurrent users no error and p95 <= 1 s.
"""

import argparse
import http.cookiejar
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QIANGSHI = str(ROOT / ".venv/bin/qiangshi")
PASSWORD = "qiangshi-demo"
ROLES = ["bureau", "district", "school", "teacher", "admin"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(args) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DATABASE_URL=args.database_url,
        QIANGSHI_VAR_DIR=str(args.var),
        QIANGSHI_LOCAL_KEYS="1",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_HSTS_SECONDS="0",
        QIANGSHI_FORCE_PASSWORD_CHANGE="0",
        QIANGSHI_LOGIN_FAILURE_LIMIT="1000",
        LOG_LEVEL="ERROR",
    )
    env.pop("CELERY_BROKER_URL", None)
    return env


def prepare_database(args, env) -> None:
    """Create, migrate and fill the database unless the demo region is already in it."""
    import psycopg

    url = urllib.parse.urlparse(args.database_url)
    name = url.path.lstrip("/")
    admin_url = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run([QIANGSHI, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    started = time.monotonic()
    out = subprocess.run(
        [QIANGSHI, "demo_region", "--scale", args.scale],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        sys.exit(out.stdout + out.stderr)
    built = "already" not in (out.stdout + out.stderr).lower()
    print(
        f"demo region ({args.scale}) {'built in %.0f s' % (time.monotonic() - started) if built else 'reused'}"
    )
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        teachers = conn.execute("SELECT count(*) FROM teachers_teacher").fetchone()[0]
    print(f"{teachers:,} teachers in {name}")


class Browser:
    """One logged-in user: cookies, and the time of each request."""

    def __init__(self, base: str, role: str):
        self.base, self.role = base, role
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def login(self) -> None:
        self.opener.open(self.base + "/login/", timeout=60).read()
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": self.role, "password": PASSWORD}
        ).encode()
        request = urllib.request.Request(
            self.base + "/login/", data=body, headers={"Referer": self.base + "/login/"}
        )
        response = self.opener.open(request, timeout=60)
        response.read()
        if response.url.rstrip("/").endswith("/login"):
            raise SystemExit(f"could not log in as {self.role}")

    def get(self, path: str) -> tuple[float, int, str]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read(), exc.code
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            return time.perf_counter() - started, 0, str(exc)
        return time.perf_counter() - started, status, body.decode(errors="replace")


def pages_for(browser: Browser) -> list[tuple[str, str]]:
    """(label, path) of the pages a role browses, discovered from its own pages."""
    role = browser.role
    pages = [("dashboard", "/")]
    if role == "teacher":
        _, _, html = browser.get("/")
        mine = re.search(r'href="(/teachers/\d+/)"', html)
        if mine:
            pages.append(("own record", mine.group(1)))
        return pages
    _, status, html = browser.get("/teachers/")
    last = max([int(n) for n in re.findall(r"[?&]page=(\d+)", html)] or [1])
    detail = re.search(r'href="(/teachers/\d+/)"', html)
    pages += [
        ("teacher list", "/teachers/"),
        ("teacher list page 20", f"/teachers/?page={min(20, last)}"),
        (f"teacher list deep page {min(500, last)}", f"/teachers/?page={min(500, last)}"),
        ("teacher list by title", "/teachers/?sort=-title"),
        ("teacher list by school", "/teachers/?sort=school"),
        ("teacher search 陈", "/teachers/?q=" + urllib.parse.quote("陈")),
        ("teacher filter senior", "/teachers/?title=senior"),
        ("api teachers", "/api/teachers"),
        ("api teachers page 100", "/api/teachers?page=100"),
    ]
    if detail:
        pages.append(("teacher detail", detail.group(1)))
        pages.append(("api teacher detail", "/api" + detail.group(1).rstrip("/")))
    if role in ("bureau", "district", "admin"):
        for label, path in [("balance", "/balance/"), ("staffing", "/staffing/")]:
            _, status, html = browser.get(path)
            if status == 200:
                pages.append((label, path))
                deeper = re.search(rf'href="({path}\d+/)[?"]', html)
                if deeper:
                    pages.append((f"{label} district", deeper.group(1)))
    return pages


def single_user(browsers: list[Browser], repeat: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = defaultdict(list)
    errors = []
    for browser in browsers:
        for label, path in pages_for(browser):
            browser.get(path)  # warm
            for _ in range(repeat):
                seconds, status, body = browser.get(path)
                if status != 200:
                    errors.append((browser.role, path, status, body[:200]))
                times[f"{browser.role:<8} {label}"].append(seconds)
    for e in errors[:10]:
        print("  error:", e)
    return times


def concurrent(
    base: str, users: int, duration: float, seed: int = 1, think: float = 0.0, warmup: float = 0.0
):
    """`users` threads, each logged in as a role in turn, requesting random pages; with
    `think` > 0 each user pauses between pages (uniformly 0.5–1.5 × `think` seconds), as a
    person reading a page does; with 0, each sends its next request at once (a stress test:
    every user is always waiting for the server). The first `warmup` seconds of requests (a
    load test's ramp-up: every worker process meets every page) are not counted."""
    browsers = [Browser(base, ROLES[i % len(ROLES)]) for i in range(users)]
    for b in browsers:
        b.login()
    plans = {role: pages_for(b) for b in browsers for role in [b.role] if role}
    latencies: list[float] = []
    by_page: dict[str, list[float]] = defaultdict(list)
    errors: list[tuple] = []
    lock = threading.Lock()
    count_from = time.monotonic() + warmup
    stop_at = count_from + duration

    def run(browser: Browser, rng: random.Random) -> None:
        pages = plans[browser.role]
        while time.monotonic() < stop_at:
            label, path = rng.choice(pages)
            asked = time.monotonic()
            seconds, status, body = browser.get(path)
            if think > 0:
                time.sleep(min(think * rng.uniform(0.5, 1.5), max(0.0, stop_at - time.monotonic())))
            with lock:
                if status != 200:  # counted in the warm-up too
                    errors.append((browser.role, path, status, body[:120]))
                if asked >= count_from:
                    latencies.append(seconds)
                    by_page[f"{browser.role:<8} {label}"].append(seconds)

    threads = [
        threading.Thread(target=run, args=(b, random.Random(seed + i)))
        for i, b in enumerate(browsers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.monotonic() - count_from, by_page


def slowest_statements(args, env, pages: list[tuple[str, str]], limit: int = 10) -> None:
    import psycopg

    with psycopg.connect(args.database_url, autocommit=True) as conn:
        loaded = (
            conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
            ).fetchone()
            and "pg_stat_statements"
            in (conn.execute("SHOW shared_preload_libraries").fetchone()[0])
        )
        if loaded:
            rows = conn.execute(
                "SELECT calls, mean_exec_time, total_exec_time, query FROM pg_stat_statements"
                " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " ORDER BY total_exec_time DESC LIMIT %s",
                [limit],
            ).fetchall()
            print(f"\nslowest statements (pg_stat_statements, by total time), top {limit}:")
            for calls, mean, total, query in rows:
                text = " ".join(query.split())[:160]
                print(f"  {total:9.0f} ms total {calls:6d} calls {mean:8.1f} ms mean  {text}")
            return
    # No pg_stat_statements: one request of each page, in this process, with its statements
    # timed by Django.
    code = f"""
import time
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.db import connection
from qiangshi.access.models import User
pages = {pages!r}
seen = []
for role, path in pages:
    client = Client()
    client.force_login(User.objects.get(username=role))
    with CaptureQueriesContext(connection) as ctx:
        client.get(path, HTTP_HOST="127.0.0.1")
    for q in ctx.captured_queries:
        seen.append((float(q["time"]) * 1000, role, path, " ".join(q["sql"].split())[:160]))
seen.sort(reverse=True)
print("\\nslowest statements (pg_stat_statements not loaded: timed in-process, one request a page), top {limit}:")
for ms, role, path, sql in seen[:{limit}]:
    print(f"  {{ms:8.1f}} ms  {{role}} {{path}}  {{sql}}")
"""
    subprocess.run([QIANGSHI, "shell", "-c", code], env=env, cwd=ROOT, check=False)


def start_server(args, env) -> tuple[subprocess.Popen, str]:
    """`qiangshi serve` (gunicorn, no Celery) on a free loopback port, once it answers."""
    port = free_port()
    command = [QIANGSHI, "serve", "--no-celery", "--bind", f"127.0.0.1:{port}"]
    if getattr(args, "workers", 0):
        command += ["--workers", str(args.workers)]
    if getattr(args, "threads", 0):
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        command,
        env={**env, "PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        if server.poll() is not None:
            sys.exit("the server stopped")
        try:
            urllib.request.urlopen(base + "/login/", timeout=5).read()
            return server, base
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if time.monotonic() > deadline:
                stop_server(server)
                sys.exit("the server did not answer")
            time.sleep(0.5)


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", choices=["district", "city", "province"], default="city")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--var", default="", help="QIANGSHI_VAR_DIR (default var/bench-<scale>)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=10.0,
        help="seconds of each concurrent run not counted, before its --duration (ramp-up)",
    )
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--workers", type=int, default=0, help="gunicorn workers (default: serve's)"
    )
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument(
        "--think",
        type=float,
        nargs="+",
        default=[0.0, 2.0],
        help="the concurrent runs' mean pause between a user's pages, in seconds (0: none)",
    )
    args = parser.parse_args()
    args.database_url = args.database_url or (
        f"postgres://postgres@127.0.0.1:5432/qiangshi_bench_{args.scale}"
    )
    args.var = Path(args.var or ROOT / "var" / f"bench-{args.scale}")
    env = environment(args)
    prepare_database(args, env)
    try:
        import psycopg

        with psycopg.connect(args.database_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except Exception:  # not available: the in-process timings are printed instead
        pass
    server, base = start_server(args, env)
    try:
        print(f"server up on {base}; load average {load_average()}, {os.cpu_count()} cores")
        browsers = [Browser(base, role) for role in ROLES]
        for b in browsers:
            b.login()
        times = single_user(browsers, args.repeat)
        print(f"\none user at a time, {args.repeat} requests a page (ms):")
        print(f"  {'role and page':<44} {'p50':>7} {'p95':>7} {'p99':>7}")
        worst = 0.0
        for label, values in times.items():
            p50, p95, p99 = (percentile(values, p) * 1000 for p in (50, 95, 99))
            worst = max(worst, p95)
            print(f"  {label:<44} {p50:7.0f} {p95:7.0f} {p99:7.0f}")
        print(f"  worst p95 of a page: {worst:.0f} ms (target <= 300 ms)")
        for think in args.think:
            latencies, errors, elapsed, by_page = concurrent(
                base, args.users, args.duration, think=think, warmup=args.warmup
            )
            p50, p95, p99 = (percentile(latencies, p) * 1000 for p in (50, 95, 99))
            how = (
                f"pausing {think:g} s on average between pages"
                if think > 0
                else "no pause between pages (stress)"
            )
            print(
                f"\n{args.users} concurrent users, {how}, for {elapsed:.0f} s after"
                f" {args.warmup:g} s of warm-up: "
                f"{len(latencies):,} requests, {len(latencies) / elapsed:.1f} requests/s, "
                f"{len(errors)} errors; p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms "
                "(target: 0 errors, p95 <= 1000 ms)"
            )
            for e in errors[:5]:
                print("  error:", e)
            slowest = sorted(by_page.items(), key=lambda kv: -percentile(kv[1], 95))[:8]
            print("  the slowest pages under this load (p50/p95 ms, requests):")
            for label, values in slowest:
                p50, p95 = (percentile(values, p) * 1000 for p in (50, 95))
                print(f"    {label:<44} {p50:7.0f} {p95:7.0f} {len(values):5d}")
            print(f"load average after: {load_average()}")
        sample = [(b.role, path) for b in browsers for _, path in pages_for(b)]
    finally:
        stop_server(server)
    slowest_statements(args, env, sample)


if __name__ == "__main__":
    main()
