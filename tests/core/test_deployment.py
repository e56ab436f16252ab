"""The scheduled work of Celery beat and the read-replica router (docs/deploy.md)."""

from unittest import mock

import pytest
from django.conf import settings
from django.core.management import get_commands

from config.celery import app
from qiangshi.core import dbrouter
from qiangshi.core.tasks import SCHEDULED_COMMANDS, scheduled_command
from qiangshi.teachers.models import Teacher


def test_every_scheduled_entry_runs_an_existing_command_through_a_registered_task():
    commands = get_commands()
    names = set()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] == scheduled_command.name
        assert scheduled_command.name in app.tasks
        args = tuple(entry["args"])
        assert args[0] in commands
        assert any(args[: len(head)] == head for head in SCHEDULED_COMMANDS)
        names.add(args[0] if args[0] != "rotation" else " ".join(args[:2]))
    assert names == {"purge_import_files", "rotation apply", "check_projections"}


def test_a_scheduled_task_runs_its_command_and_nothing_else(db):
    with mock.patch("qiangshi.core.tasks.call_command") as call:
        scheduled_command.delay("purge_import_files", "--days", "7")
    call.assert_called_once_with("purge_import_files", "--days", "7")
    with pytest.raises(ValueError):
        scheduled_command("flush", "--noinput")
    with pytest.raises(ValueError):
        scheduled_command("rotation", "solve")


def test_report_reads_go_to_the_replica_alias_when_there_is_one(settings):
    router = dbrouter.ReportReplicaRouter()
    assert "replica" not in settings.DATABASES
    with dbrouter.report_reads():
        assert router.db_for_read(Teacher) is None  # no replica: Django's default
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    assert router.db_for_read(Teacher) is None  # a page's read
    assert Teacher.objects.all().db == "default"
    with dbrouter.report_reads():
        assert router.db_for_read(Teacher) == "replica"
        assert Teacher.objects.all().db == "replica"
        assert Teacher.objects.all().select_for_update().db == "default"  # for a write
        assert router.db_for_write(Teacher) == "default"
    assert Teacher.objects.all().db == "default"
    assert router.allow_migrate("replica", "teachers") is False
    assert router.allow_migrate("default", "teachers") is True


def test_exports_read_inside_report_reads():
    from qiangshi.imports import exports

    seen = []

    def spy(*, actor, filters):
        seen.append(dbrouter._REPORTING.get())
        return ["h"], []

    with (
        mock.patch.object(exports, "can", return_value=True),
        mock.patch.object(exports, "teachers_export_rows", spy),
        mock.patch.object(exports, "audit_record"),
    ):
        exports.export_file(actor=None, kind="teachers")
    assert seen == [True]
    assert dbrouter._REPORTING.get() is False


def test_the_settings_add_the_replica_alias_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(sorted(settings.DATABASES), settings.DATABASES['replica']['HOST'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": "postgres://u@primary:5432/q",
        "DATABASE_REPLICA_URL": "postgres://u@replica.example:5432/q",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['default', 'replica'] replica.example"


class _Exited:
    """A child process that has already stopped, as `subprocess.Popen` would report it."""

    returncode = 0

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


@pytest.mark.parametrize(
    ("args", "env", "connections"),
    [
        ([], {}, "4"),  # as many as the worker's threads
        (["--threads", "6"], {}, "6"),
        ([], {"QIANGSHI_WEB_CONNECTIONS": "50"}, "50"),
        (["--connections", "20"], {}, "20"),
    ],
)
def test_serve_lets_a_worker_hold_only_the_connections_its_threads_serve(
    monkeypatch, args, env, connections
):
    from django.core.management import call_command

    from qiangshi.core.management.commands import serve

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("QIANGSHI_WEB_THREADS", raising=False)
    started = []

    def popen(command, env=None):
        started.append(command)
        return _Exited()

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)
    with pytest.raises(SystemExit):  # the server "stopped" at once: serve stops too
        call_command("serve", "--no-prepare", "--no-celery", *args)
    gunicorn = started[0]
    assert gunicorn[gunicorn.index("--worker-class") + 1] == "gthread"
    assert gunicorn[gunicorn.index("--worker-connections") + 1] == connections
