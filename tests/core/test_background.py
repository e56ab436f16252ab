"""Jobs without a broker run in a thread of the process (core.background): the request that
starts one returns at once and the job's page shows its progress, as with a worker."""

import threading

import pytest
from celery import shared_task
from django.urls import reverse

from qiangshi.core import background
from qiangshi.core.background import call_in_child, enqueue, in_job_thread
from qiangshi.imports import jobs
from qiangshi.imports.models import ImportJob
from qiangshi.teachers.models import Teacher
from tests.imports.test_import_web import _upload
from tests.imports.test_teacher_import import _row, _xlsx

ran: list = []


@shared_task(name="tests.record")
def record(value):
    ran.append((value, threading.current_thread().name, in_job_thread()))


def _job_threads(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix)]


def test_without_threads_the_task_runs_before_enqueue_returns(settings):
    settings.QIANGSHI_JOBS_IN_THREADS = False
    ran.clear()
    enqueue(record, 1, after_commit=False)
    assert ran == [(1, threading.current_thread().name, False)]


@pytest.mark.django_db(transaction=True)
def test_with_threads_the_task_runs_in_a_thread_of_its_own(settings):
    settings.QIANGSHI_JOBS_IN_THREADS = True
    ran.clear()
    enqueue(record, 2)  # no transaction: started at once
    for thread in _job_threads("job:tests.record"):
        thread.join(10)
    assert ran == [(2, "job:tests.record", True)]  # its progress goes on a connection of its own


@pytest.mark.django_db(transaction=True)
def test_an_upload_returns_at_once_and_the_page_follows_the_check(
    world, client, settings, monkeypatch
):
    settings.QIANGSHI_JOBS_IN_THREADS = True
    settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB = 0  # no child process: a thread, as before
    gate = threading.Event()
    check = jobs.run_validation

    def held_check(job_id, **kwargs):
        gate.wait(10)
        check(job_id, **kwargs)

    monkeypatch.setattr(jobs, "run_validation", held_check)
    client.force_login(world["users"]["school"])
    response = _upload(client, _xlsx([_row(world, 1), _row(world, 2)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == "validating"  # still being checked
    page = client.get(response["Location"]).content.decode()
    assert "hx-trigger" in page  # the page polls the job's progress
    gate.set()
    for thread in _job_threads("job:imports.validate"):
        thread.join(30)
    job.refresh_from_db()
    assert (job.status, job.new) == ("validated", 2)
    assert Teacher.objects.filter(name__startswith="测试").count() == 0
    assert (
        "hx-trigger" not in client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_an_isolated_task_runs_in_a_child_process_with_a_memory_cap(settings, monkeypatch):
    settings.QIANGSHI_JOBS_IN_THREADS = True
    settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB = 700
    started = []
    monkeypatch.setattr(
        background, "start_process", lambda task, args, kwargs, on_lost: started.append(on_lost)
    )
    enqueue(record, 3, isolated=True, on_lost="tests.core.test_background:record")
    assert started == ["tests.core.test_background:record"] and ran[-1:] != [(3,)]
    settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB = 0  # 0: no cap, a thread
    ran.clear()
    enqueue(record, 4, isolated=True)
    for thread in _job_threads("job:tests.record"):
        thread.join(10)
    assert ran == [(4, "job:tests.record", True)]


def test_a_child_process_returns_its_result_and_its_peak():
    outcome = call_in_child("math:factorial", 10, memory_limit=1024 * 1024 * 1024)
    assert outcome.ok and outcome.result == 3_628_800 and outcome.exitcode == 0
    assert 0 < outcome.peak_mb < 1024


def test_a_child_process_beyond_its_memory_cap_fails_alone():
    # 1.5 GB of bytes in a child capped at 1 GB: a MemoryError there, nothing here.
    outcome = call_in_child("builtins:bytearray", 1536 * 1024 * 1024, memory_limit=1 << 30)
    assert not outcome.ok and outcome.error == "MemoryError"


def _limits_in_a_capped_task(limit_mb: int) -> tuple:
    """In a child process: the address-space limits inside and after `memory_capped`, as a
    Celery worker's task (not eager) sees them."""
    import resource

    from celery import current_app
    from django.conf import settings

    background._IN_CHILD = False  # as in a worker's process, not a job's child
    current_app.conf.task_always_eager = False
    settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB = limit_mb
    before = resource.getrlimit(resource.RLIMIT_AS)
    with background.memory_capped():
        inside = resource.getrlimit(resource.RLIMIT_AS)
    return before, inside, resource.getrlimit(resource.RLIMIT_AS)


def test_on_a_worker_a_task_caps_its_address_space_while_it_runs():
    outcome = call_in_child(
        "tests.core.test_background:_limits_in_a_capped_task", 3000, memory_limit=0
    )
    assert outcome.ok, outcome.error
    before, inside, after = outcome.result
    assert inside[0] == 3000 * 1024 * 1024 and after == before


def test_celery_replaces_a_worker_child_grown_past_the_import_memory_limit(settings):
    from config.celery import app

    assert app.conf.worker_max_memory_per_child == settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB * 1024
