"""The annotated file of an import whose stored upload is gone: 410 with a message in the
reader's language, on the page and in the API (not a 500)."""

from django.core.files.storage import default_storage
from django.test import Client

from qiangshi.imports import jobs
from qiangshi.imports.models import ImportJob
from tests.imports.test_teacher_import import _row, _xlsx


def _rejected(world):
    data = _xlsx([_row(world, 1), _row(world, 2, 身份证号码="123")])
    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=data, filename="roster.xlsx"
    )
    assert job.status == "rejected" and job.file
    return job


def _page(world, job, language):
    client = Client()
    client.force_login(world["users"]["school"])
    client.cookies["django_language"] = language
    return client.get(f"/imports/{job.pk}/annotated.xlsx")


def test_the_annotated_file_is_served_while_the_upload_is_kept(world, api):
    job = _rejected(world)
    assert _page(world, job, "en").status_code == 200
    response = api("school").get(f"/api/imports/{job.pk}/annotated.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_a_missing_stored_upload_answers_410_with_a_message(world, api):
    job = _rejected(world)
    default_storage.delete(job.file.name)  # lost from the storage; the job still names it

    page = _page(world, job, "en")
    assert page.status_code == 410
    assert "no longer kept" in page.content.decode()
    page = _page(world, job, "zh-hans")
    assert page.status_code == 410 and "不再保留" in page.content.decode()

    response = api("school").get(f"/api/imports/{job.pk}/annotated.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410 and "no longer kept" in response.json()["message"]
    response = api("school").get(f"/api/imports/{job.pk}/annotated.xlsx")
    assert response.status_code == 410 and "不再保留" in response.json()["message"]


def test_a_purged_upload_answers_410_too(world, api):
    job = _rejected(world)
    job.file.delete(save=False)
    ImportJob.objects.filter(pk=job.pk).update(file="")
    assert _page(world, job, "en").status_code == 410
    assert api("school").get(f"/api/imports/{job.pk}/annotated.xlsx").status_code == 410


def test_someone_elses_annotated_file_is_not_found(world, api):
    job = _rejected(world)
    assert api("district").get(f"/api/imports/{job.pk}/annotated.xlsx").status_code == 404
