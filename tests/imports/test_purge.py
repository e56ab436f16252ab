from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from qiangshi.imports.models import ImportJob


def _job(user, status, age_days):
    job = ImportJob(
        kind="teachers",
        user=user,
        file_name="x.xlsx",
        file_sha256="0" * 64,
        status=status,
        heartbeat_at=timezone.now(),  # a running job's worker is alive
    )
    job.file.save("x.xlsx", ContentFile(b"data"), save=False)
    job.save()
    ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return job


def test_old_uploads_are_deleted_running_and_recent_ones_kept(world, capsys):
    user = world["users"]["school"]
    old = _job(user, "rejected", 10)
    recent = _job(user, "validated", 1)
    running = _job(user, "running", 10)
    call_command("purge_import_files", days=7)
    assert "1 stored upload(s) deleted" in capsys.readouterr().out
    old.refresh_from_db()
    recent.refresh_from_db()
    running.refresh_from_db()
    assert not old.file and recent.file and running.file
    assert old.status == "rejected" and old.file_sha256 == "0" * 64
