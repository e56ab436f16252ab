"""`qiangshi serve`: the production server (gunicorn), and Celery's worker and beat when a broker
is set, in the foreground until Ctrl-C or SIGTERM, which stops them all.

`make serve` runs it with the production settings. Gunicorn serves the WSGI application
`config.wsgi:application`; WhiteNoise, inside it, serves the collected static files, so nothing
else is needed in front for a trial (an HTTPS proxy is, for real use: docs/deploy.md).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """Gunicorn's advice is 2–4 workers a core; each has threads too, so one or two a core."""
    return max(2, min(2 * (os.cpu_count() or 1), 8))


class Command(BaseCommand):
    help = "Run the production web server (gunicorn), plus a Celery worker and beat when CELERY_BROKER_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default="127.0.0.1:8000", help="address:port to listen on")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", 0)) or default_workers(),
            help="gunicorn worker processes (default WEB_CONCURRENCY, else two a core)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("QIANGSHI_WEB_THREADS", 4)),
            help="threads per worker (default QIANGSHI_WEB_THREADS, else 4)",
        )
        parser.add_argument(
            "--connections",
            type=int,
            default=int(os.environ.get("QIANGSHI_WEB_CONNECTIONS", 0)),
            help=(
                "connections a worker holds at once (default QIANGSHI_WEB_CONNECTIONS, else its"
                " threads)"
            ),
        )
        parser.add_argument(
            "--no-prepare",
            action="store_true",
            help="skip collectstatic, recover_jobs, rotation recover and demo_logins",
        )
        parser.add_argument(
            "--no-celery",
            action="store_true",
            help="do not start a Celery worker and beat even if a broker is set",
        )

    def handle(self, *args, bind, workers, threads, connections, no_prepare, no_celery, **options):
        if not no_prepare:
            # In this process, to start once: the static files under their hashed names, the
            # jobs a stopped server left running marked failed, and the demo's logins.
            call_command("collectstatic", interactive=False, verbosity=0)
            call_command("recover_jobs")
            call_command("rotation", "recover")
            call_command("demo_logins")
            self.stdout.write(f"Serving http://{bind}  (Ctrl-C to stop)")
            self.stdout.flush()
        python = sys.executable
        commands = [
            [
                python,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                # A worker accepts a connection only when a thread is free to serve it, so a
                # request waits in the kernel's queue for the first free worker, not behind a
                # busy worker's requests (gunicorn's default, 1,000, let one worker take the
                # next request while all its threads were busy and another worker idled: 20
                # users without pause, p95 1.0-1.1 s against 0.86-0.88 s). Idle keep-alive
                # connections count too: behind the proxy (which by default does not keep
                # connections to its upstream open) there are none; serving many browsers
                # directly, give more.
                "--worker-connections",
                str(connections or threads),
                # A worker is recycled after this many requests (with jitter, so not all at
                # once), which bounds what a slow leak can grow to.
                "--max-requests",
                "2000",
                "--max-requests-jitter",
                "200",
                "--timeout",
                "120",
                "--graceful-timeout",
                "20",
                "--access-logfile",
                "-",
                "--log-level",
                os.environ.get("LOG_LEVEL", "warning").lower(),
            ]
        ]
        if settings.CELERY_BROKER_URL and not no_celery:
            schedule = settings.VAR_DIR / "celerybeat-schedule"
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            commands += [
                [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"],
                [
                    python,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "beat",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(schedule),
                ],
            ]
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE}
        children = [subprocess.Popen(c, env=env) for c in commands]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = 0
        try:
            while not stopping:
                for child in children:
                    if child.poll() is not None:  # one has died: stop the others too
                        code = child.returncode or 1
                        stopping = True
                time.sleep(0.2)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 25
            for child in children:
                try:
                    child.wait(max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        if code:
            sys.exit(code)
