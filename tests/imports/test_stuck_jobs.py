"""Jobs whose process died (a server killed mid-import): recovered as failed in both languages,
their upload purged on schedule, and run again; a live job is left alone."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.imports import jobs
from qiangshi.imports.models import ImportJob
from qiangshi.teachers.models import Teacher
from tests.imports.test_teacher_import import _row, _xlsx


def _killed_mid_import(world, *, status="running", beat_minutes_ago=30, worker="", age_days=0):
    """A job as a killed server leaves it: checked, then claimed for the import ("running,
    42%"), its heartbeat stopped `beat_minutes_ago` minutes ago."""
    data = _xlsx([_row(world, 1), _row(world, 2)])
    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=data, filename="roster.xlsx"
    )
    assert job.status == "validated"
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        stage="write",
        rows_done=42,
        rows_total=100,
        heartbeat_at=timezone.now() - timedelta(minutes=beat_minutes_ago),
        worker=worker,
        created_at=timezone.now() - timedelta(days=age_days),
    )
    job.refresh_from_db()
    return job, data


def _dead_worker() -> str:
    """The name of a worker process of this host that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    host, _, _ = jobs.worker_name().partition(":")
    return f"{host}:{child.pid}:1"


def test_a_job_whose_heartbeat_stopped_is_recovered_as_failed_in_both_languages(world):
    job, _ = _killed_mid_import(world)
    teachers = Teacher.objects.count()

    assert jobs.import_jobs_recover() == [job.pk]

    job.refresh_from_db()
    assert job.status == "failed" and job.stage == "" and job.finished_at
    (error,) = job.errors
    assert "Retry" in error["reason_en"] and "重试" in error["reason_zh"]
    assert job.message in (error["reason_zh"], error["reason_en"])
    assert AuditLog.objects.filter(action="import.fail", object_id=str(job.pk)).count() == 1
    assert Teacher.objects.count() == teachers
    assert jobs.import_jobs_recover() == []  # once


def test_a_job_whose_process_is_gone_is_recovered_at_once(world):
    job, _ = _killed_mid_import(world, beat_minutes_ago=0, worker=_dead_worker())
    assert jobs.job_is_stale(job)
    call_command("recover_jobs")  # what the server runs as it starts
    job.refresh_from_db()
    assert job.status == "failed"


def test_a_live_job_is_left_alone(world, settings):
    settings.QIANGSHI_JOB_STALE_AFTER_SECONDS = 600
    beating, _ = _killed_mid_import(world, beat_minutes_ago=1)  # another host's, say
    alive, _ = _killed_mid_import(world, beat_minutes_ago=60, worker=jobs.worker_name())
    assert not jobs.job_is_stale(beating) and not jobs.job_is_stale(alive)
    assert jobs.import_jobs_recover() == []
    settings.QIANGSHI_JOB_STALE_AFTER_SECONDS = 30  # the setting decides how long is too long
    assert jobs.import_jobs_recover() == [beating.pk]


def test_a_recovered_job_has_its_upload_purged_on_schedule(world):
    job, _ = _killed_mid_import(world, age_days=10)
    assert job.file
    call_command("purge_import_files", days=7)
    job.refresh_from_db()
    assert job.status == "failed" and not job.file


def test_a_recovered_job_can_be_run_again_and_the_same_file_uploaded_again(world):
    job, data = _killed_mid_import(world)
    school = world["users"]["school"]
    with pytest.raises(ApplicationError):  # stuck "running": no retry
        jobs.import_job_retry(actor=school, job=job)
    jobs.import_jobs_recover()
    job.refresh_from_db()

    again = jobs.import_job_start(actor=school, kind="teachers", data=data, filename="roster.xlsx")
    assert again.status == "validated" and again.new == 2

    retried = jobs.import_job_retry(actor=school, job=job)
    assert retried.status == "validated" and retried.new == 2 and retried.errors == []
    committed = jobs.import_job_commit(actor=school, job=retried)
    assert committed.status == "committed" and committed.new == 2


def test_only_the_uploader_may_retry_and_only_while_the_file_is_kept(world):
    job, _ = _killed_mid_import(world)
    jobs.import_jobs_recover()
    job.refresh_from_db()
    with pytest.raises(ApplicationError):
        jobs.import_job_retry(actor=world["users"]["district"], job=job)
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    job.refresh_from_db()
    with pytest.raises(ApplicationError):
        jobs.import_job_retry(actor=world["users"]["school"], job=job)


def test_the_pages_and_the_api_recover_and_retry(world, api):
    job, _ = _killed_mid_import(world)
    client = Client()
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/imports/{job.pk}/progress/")
    assert page.status_code == 200 and page["HX-Refresh"] == "true"  # finished: failed
    page = client.get(f"/imports/{job.pk}/")
    assert b"import-retry" in page.content and "Retry" in page.content.decode()
    response = client.post(f"/imports/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "validated"

    other, _ = _killed_mid_import(world)
    listed = api("school").get("/api/imports")
    assert {j["id"]: j["status"] for j in listed.json()["items"]}[other.pk] == "failed"
    response = api("school").post(f"/api/imports/{other.pk}/retry")
    assert response.status_code == 200 and response.json()["status"] == "validated"


def test_progress_keeps_the_heartbeat(world):
    job, _ = _killed_mid_import(world, status="validating")
    old = job.heartbeat_at
    progress = jobs.JobProgress(job)
    progress("validate", 10, 100)
    progress.close()
    job.refresh_from_db()
    assert job.heartbeat_at > old and job.worker == jobs.worker_name()


def test_a_job_whose_child_was_killed_is_marked_stopped_not_out_of_memory(world):
    job, _ = _killed_mid_import(world, status="validating", beat_minutes_ago=0)
    jobs.job_process_lost(job.pk, exitcode=-9, error="", language="en")
    job.refresh_from_db()
    assert job.status == "failed" and "Retry" in job.message
    assert "memory" not in job.errors[0]["reason_en"]
