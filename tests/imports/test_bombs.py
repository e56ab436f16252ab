"""Memory bombs in imports: refused before they inflate, in both languages, nothing written,
and the process that checks them stays small; a file that still needs too much memory fails
its own child process, never the process that started the job.

The peak is measured in a child process (`core.background.call_in_child`, the job runner),
which reports its own peak resident memory: before the limits, the same checks took 1,987 MB
(shared strings), 373 MB (compression), 915 MB (rows), and the extent bomb aborted the
process outright (a 549 GB allocation).
"""

from types import SimpleNamespace

import pytest
from django.test import Client

from qiangshi.core import background
from qiangshi.core.models import AuditLog
from qiangshi.engines import tabular
from qiangshi.imports import jobs
from qiangshi.imports.models import ImportJob
from qiangshi.teachers.models import Teacher
from tests import bombs

PEAK_CAP_MB = 300
CHILD_LIMIT = 1024 * 1024 * 1024  # the child's address space: a bomb cannot hurt the machine
CODES = {
    "shared_strings": "too_large",
    "compression": "too_large",
    "extent": "too_many_cells",
    "rows": "too_many_rows",
}


@pytest.mark.parametrize("name", sorted(bombs.BOMBS))
def test_each_bomb_is_refused_by_a_child_whose_peak_stays_small(name):
    data = bombs.BOMBS[name]()
    outcome = background.call_in_child(
        "tests.bombs:dry_run", "teachers", data, f"{name}.xlsx", memory_limit=CHILD_LIMIT
    )
    assert outcome.ok, f"the child failed: exit {outcome.exitcode}, {outcome.error}"
    result = outcome.result
    assert result["code"] == CODES[name]
    assert result["zh"] and result["en"] and result["zh"] != result["en"]
    assert result["peak_mb"] < PEAK_CAP_MB, f"{name}: peak {result['peak_mb']:.0f} MB"


@pytest.mark.parametrize("name", sorted(bombs.BOMBS))
def test_an_uploaded_bomb_is_rejected_with_both_languages_and_nothing_written(world, name):
    data = bombs.BOMBS[name]()
    with pytest.raises(tabular.TableError):  # refused before reading: safe to go on in-process
        tabular.check_limits(data, "xlsx", jobs.read_limits(), sheet=0)
    teachers, audit = Teacher.objects.count(), AuditLog.objects.count()

    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=data, filename=f"{name}.xlsx"
    )

    assert job.status == "rejected"
    (error,) = job.errors
    assert error["row"] is None and error["reason_zh"] and error["reason_en"]
    assert job.message == error["reason_zh"]  # the page shows the uploader's language
    assert (job.new, job.changed, job.unchanged) == (0, 0, 0)
    assert Teacher.objects.count() == teachers and AuditLog.objects.count() == audit
    # Its problem is the file, not a row: there is nothing to annotate.
    client = Client()
    client.force_login(world["users"]["school"])
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200 and b"annotated.xlsx" not in page.content


def test_a_file_needing_more_memory_than_allowed_fails_in_its_child_alone():
    # Read with every cap lifted, the shared-string bomb needs 2 GB: its 512 MB child fails
    # (the reader aborts or Python raises MemoryError), and this process goes on.
    outcome = background.call_in_child(
        "tests.bombs:read_without_limits",
        bombs.BOMBS["shared_strings"](),
        memory_limit=512 * 1024 * 1024,
    )
    assert not outcome.ok
    assert outcome.exitcode != 0 or outcome.error == "MemoryError"


def test_a_job_whose_child_process_dies_is_marked_failed_for_want_of_memory(world, settings):
    job = ImportJob.objects.create(
        kind="teachers",
        user=world["users"]["school"],
        file_name="big.xlsx",
        file_sha256="0" * 64,
        status="validating",
    )
    # A task whose child aborts, as the reader does when an allocation fails.
    task = SimpleNamespace(__module__="tests.bombs", __name__="aborting_task", name="t.abort")
    settings.QIANGSHI_IMPORT_MEMORY_LIMIT_MB = 512

    outcome = background.run_isolated(
        task, [job.pk], {"language": "en"}, on_lost="qiangshi.imports.jobs:job_process_lost"
    )

    assert outcome is not None and outcome.exitcode == -6 and not outcome.ok
    job.refresh_from_db()
    assert job.status == "failed"
    (error,) = job.errors
    assert "512 MB" in error["reason_en"] and "512 MB" in error["reason_zh"]
    assert job.message == error["reason_en"]  # the job's language
    assert AuditLog.objects.filter(action="import.fail", object_id=str(job.pk)).exists()


def test_a_memory_error_in_the_check_fails_the_job_with_a_clear_message(world, monkeypatch):
    def exhausted(**kwargs):
        raise MemoryError

    monkeypatch.setattr(jobs, "import_file", exhausted)
    teachers = Teacher.objects.count()
    job = jobs.import_job_start(
        actor=world["users"]["school"],
        kind="teachers",
        data=b"\xe5\xa7\x93\xe5\x90\x8d\n",
        filename="x.csv",
    )
    assert job.status == "failed"
    assert "MB" in job.errors[0]["reason_zh"] and "memory" in job.errors[0]["reason_en"]
    assert Teacher.objects.count() == teachers


# --- The request body -----------------------------------------------------------------------


def test_a_body_larger_than_the_cap_is_refused_before_it_is_read(world, api, settings):
    settings.QIANGSHI_MAX_REQUEST_BODY_MB = 1
    settings.QIANGSHI_IMPORT_MAX_UPLOAD_MB = 1
    huge = str(250 * 1024 * 1024)
    client = Client()
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = "en"
    page = client.post("/imports/", {"kind": "teachers"}, CONTENT_LENGTH=huge)
    assert page.status_code == 413
    assert "larger than 1 MB" in page.content.decode()
    response = api("school").post(
        "/api/imports", {"kind": "teachers"}, CONTENT_LENGTH=huge, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 413
    message = response.json()["message"]
    assert "1 MB" in message and "文件" in message
    assert response.json()["fields"] == {"file": message}
    assert not ImportJob.objects.exists()


def test_an_upload_over_the_cap_is_refused_without_reading_it(world, api, settings):
    settings.QIANGSHI_IMPORT_MAX_UPLOAD_MB = 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = b"a,b\n" + b"1,2\n" * 300_000  # 1.2 MB
    client = Client()
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = "en"
    page = client.post(
        "/imports/", {"kind": "teachers", "file": SimpleUploadedFile("big.csv", big)}
    )
    assert page.status_code == 400 and "larger than 1 MB" in page.content.decode()
    response = api("school").post(
        "/api/imports",
        {"kind": "teachers", "file": SimpleUploadedFile("big.csv", big)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.json()["fields"]["file"]
    assert not ImportJob.objects.exists()
