"""Issue 13, item 10: an export above the inline size runs as a background job with progress
and a download link for the user who asked only; the same file as a direct export, one
access-log row, and a failure that leaves no file."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qiangshi.access.models import Role
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.imports import export_jobs, exports
from qiangshi.imports.models import ExportJob, ExportStatus
from qiangshi.teachers.services import teacher_record_add
from tests import factories

CITY = 40  # teachers besides the four of `world`


@pytest.fixture
def city(world):
    schools = [world["schools"]["a"], world["schools"]["c"]]
    extra = [
        factories.teacher(world["users"]["admin"], schools[i % 2], f"教师{i:03d}")
        for i in range(CITY)
    ]
    return {**world, "extra": extra}


@pytest.fixture
def small_inline(settings):
    """Every export above 5 rows (3 teachers for the national template) runs as a job."""
    settings.QIANGSHI_EXPORT_INLINE_MAX = 5
    settings.QIANGSHI_EXPORT_NATIONAL_INLINE_MAX = 3
    return settings


def _cells(data: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}


EXPORTS = [
    ("web:teacher_export", {}, "list"),
    ("web:teacher_export_template", {}, "template"),
    ("web:teacher_export_national", {}, "national"),
    ("web:teacher_export_template", {"kind": "education"}, "template"),
]


@pytest.mark.parametrize(("url", "params", "fmt"), EXPORTS)
def test_a_large_export_runs_as_a_job_and_gives_the_same_file(
    client, city, small_inline, url, params, fmt
):
    bureau = city["users"]["bureau"]
    if params.get("kind") == "education":
        for i, teacher in enumerate(city["extra"][:8]):
            teacher_record_add(
                actor=city["users"]["admin"],
                teacher=teacher,
                kind="education",
                data={"level": "bachelor", "institution": f"大学{i}", "end_date": date(2005, 7, 1)},
            )
    client.force_login(bureau)

    response = client.get(reverse(url), params)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:export_detail", args=[job.pk])
    assert (job.user, job.fmt, job.status) == (bureau, fmt, ExportStatus.DONE)
    assert job.rows_total > 0 and job.rows_done == job.rows_total
    assert job.finished_at is not None and job.file
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("web:export_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("web:export_download", args=[job.pk]))
    assert download.status_code == 200
    in_job = _cells(
        b"".join(download.streaming_content) if download.streaming else download.content
    )

    # The same export made directly (no threshold): the same sheets, cell for cell.
    small_inline.QIANGSHI_EXPORT_INLINE_MAX = 10**6
    small_inline.QIANGSHI_EXPORT_NATIONAL_INLINE_MAX = 10**6
    direct = client.get(reverse(url), params)
    assert direct.status_code == 200
    assert in_job == _cells(direct.content)
    assert ExportJob.objects.count() == 1


def test_the_job_writes_one_access_log_row_for_the_requester_and_the_audit_record(
    client, city, small_inline
):
    bureau = city["users"]["bureau"]
    client.force_login(bureau)
    client.get(reverse("web:teacher_export_template"), {"school": city["schools"]["a"].pk})

    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    log = AccessLog.objects.get()
    assert (log.channel, log.actor, log.object_repr) == ("export", bureau, "teachers")
    assert log.subject_count == CITY // 2 + 1 == job.row_count
    assert log.note == f"school={city['schools']['a'].pk}"
    audit = AuditLog.objects.get(action="teacher.export")
    assert audit.actor == bureau
    assert audit.changes["rows"] == [None, job.row_count]


def test_a_small_export_still_downloads_at_once(client, city):
    client.force_login(city["users"]["bureau"])
    response = client.get(reverse("web:teacher_export_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not ExportJob.objects.exists()


def test_the_national_layout_has_its_own_smaller_threshold(city, settings):
    bureau = city["users"]["bureau"]
    settings.QIANGSHI_EXPORT_INLINE_MAX = 1000
    settings.QIANGSHI_EXPORT_NATIONAL_INLINE_MAX = 10
    assert not export_jobs.export_in_background(
        actor=bureau, kind="teachers", filters={}, fmt="template"
    )
    assert export_jobs.export_in_background(
        actor=bureau, kind="teachers", filters={}, fmt="national"
    )


@pytest.mark.parametrize("other", ["bureau2", "admin", "auditor", "school"])
def test_nobody_but_the_requester_sees_or_downloads_the_file(client, city, small_inline, other):
    bureau = city["users"]["bureau"]
    job = export_jobs.export_job_start(actor=bureau, kind="teachers", filters={})
    assert job.status == ExportStatus.DONE
    if other == "bureau2":  # the same role and area
        user = factories.user(Role.BUREAU, "bureau2", region=city["tree"]["xiamen"])
    else:
        user = city["users"][other]
    client.force_login(user)
    for name in ("export_detail", "export_progress", "export_download"):
        assert client.get(reverse(f"web:{name}", args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in client.get(reverse("web:export_list")).context["page"]]


def test_a_job_that_fails_midway_leaves_no_file_and_says_why_in_both_languages(
    client, city, small_inline, monkeypatch
):
    def broken(sheets):
        for _title, _header, rows in sheets:
            for i, _row in enumerate(rows):
                if i == 10:
                    raise OSError("disk full")
        raise AssertionError("not reached")

    monkeypatch.setattr(exports, "write_xlsx", broken)
    bureau = city["users"]["bureau"]
    client.force_login(bureau)
    response = client.get(reverse("web:teacher_export_template"))

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ExportStatus.FAILED
    assert not job.file and job.row_count == 0
    assert "OSError" in job.message_en and "OSError" in job.message_zh
    assert job.message_en != job.message_zh
    assert client.get(reverse("web:export_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("web:export_detail", args=[job.pk])).content.decode()
    assert job.message_zh in page and "export-download" not in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("web:export_detail", args=[job.pk])).content.decode()
    assert job.message_en in page


def _stored_exports() -> set[str]:
    try:
        return set(default_storage.listdir("exports")[1])
    except FileNotFoundError:
        return set()


def test_a_file_that_fails_to_be_stored_is_not_offered(city, small_inline, monkeypatch):
    bureau = city["users"]["bureau"]
    saved = []
    real_save = export_jobs.ContentFile

    def content(data):
        saved.append(True)
        return real_save(data)

    def fail_done(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(export_jobs, "ContentFile", content)
    monkeypatch.setattr(export_jobs, "_mark_done", fail_done)
    before = _stored_exports()
    job = export_jobs.export_job_start(actor=bureau, kind="teachers")
    job.refresh_from_db()
    assert saved  # the file had been written before the job could be marked done
    assert job.status == ExportStatus.FAILED and not job.file
    assert _stored_exports() == before


def test_a_job_whose_worker_died_is_marked_failed(client, city):
    bureau = city["users"]["bureau"]
    job = ExportJob.objects.create(
        user=bureau,
        kind="teachers",
        status=ExportStatus.RUNNING,
        worker="this-host-does-not-exist:1:1",
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    client.force_login(bureau)
    page = client.get(reverse("web:export_detail", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED and not job.file
    assert job.message_zh and job.message_en and job.message_zh != job.message_en
    assert job.message_zh in page.content.decode()


def test_running_exports_are_listed_on_the_dashboard(client, city):
    bureau = city["users"]["bureau"]
    job = ExportJob.objects.create(
        user=bureau, kind="teachers", status=ExportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    client.force_login(bureau)
    html = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("web:export_list") in html
    job.status = ExportStatus.DONE
    job.save()
    client.force_login(city["users"]["district"])
    assert (
        reverse("web:export_list") + '">'
        not in client.get(reverse("web:dashboard")).content.decode()
    )


def test_old_files_are_purged_with_the_uploads(client, city, small_inline, capsys):
    bureau = city["users"]["bureau"]
    job = export_jobs.export_job_start(actor=bureau, kind="teachers")
    fresh = export_jobs.export_job_start(actor=bureau, kind="teachers")
    ExportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=8))

    call_command("purge_import_files")

    assert "1 export file(s) deleted" in capsys.readouterr().out
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert not job.file and job.status == ExportStatus.DONE and fresh.file
    client.force_login(bureau)
    response = client.get(reverse("web:export_download", args=[job.pk]))
    assert response.status_code == 410
    assert client.get(reverse("web:export_download", args=[fresh.pk])).status_code == 200


def test_the_exports_list_pages_and_shows_download_links(client, city, small_inline):
    bureau = city["users"]["bureau"]
    jobs = [export_jobs.export_job_start(actor=bureau, kind="teachers") for _ in range(22)]
    client.force_login(bureau)
    first = client.get(reverse("web:export_list"))
    assert first.status_code == 200
    assert len(first.context["page"]) == 20
    assert reverse("web:export_download", args=[jobs[-1].pk]) in first.content.decode()
    second = client.get(reverse("web:export_list"), {"page": 2})
    assert [j.pk for j in second.context["page"]] == [jobs[1].pk, jobs[0].pk]


def test_a_role_that_may_not_export_cannot_start_a_job(city):
    from qiangshi.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        export_jobs.export_job_start(actor=city["users"]["teacher"], kind="teachers")
    assert not ExportJob.objects.exists()


def test_a_search_by_id_number_is_kept_encrypted_on_the_job(city, small_inline):
    bureau = city["users"]["bureau"]
    teacher = city["teachers"]["a"]
    job = export_jobs.export_job_start(
        actor=bureau, kind="teachers", filters={"q": teacher.national_id}
    )
    assert teacher.national_id not in job.filters_encrypted
    assert teacher.national_id not in job.filters_note
    assert export_jobs.job_filters(job) == {"q": teacher.national_id}


# --- API -----------------------------------------------------------------------------------------


def test_the_api_starts_a_job_reports_it_and_gives_the_file_to_its_owner_only(api, city):
    bureau_api = api("bureau")
    response = bureau_api.post(
        "/api/exports",
        {"kind": "teachers", "format": "national", "filters": {"school": city["schools"]["a"].pk}},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["format"], body["status"]) == ("teachers", "national", "done")
    assert body["progress"] == 100 and body["finished"] and body["rows"] == CITY // 2 + 1
    assert body["download"] == f"/api/exports/{body['id']}/download"

    status = bureau_api.get(f"/api/exports/{body['id']}")
    assert status.status_code == 200 and status.json()["id"] == body["id"]
    listed = bureau_api.get("/api/exports", {"page_size": 1}).json()
    assert set(listed) == {"items", "count", "page", "page_size"}
    assert (listed["count"], listed["page"], listed["page_size"]) == (1, 1, 1)
    assert listed["items"][0]["id"] == body["id"]

    download = bureau_api.get(body["download"])
    assert download.status_code == 200
    assert "基本信息" in "".join(_cells(download.content))
    assert AccessLog.objects.get().actor == city["users"]["bureau"]

    for role in ("admin", "district", "school"):
        other = api(role)
        assert other.get(f"/api/exports/{body['id']}").status_code == 404
        assert other.get(body["download"]).status_code == 404
        assert other.get("/api/exports").json()["count"] == 0


def test_the_api_refuses_a_role_that_may_not_export_with_403(api, city):
    response = api("teacher").post(
        "/api/exports", {"kind": "teachers"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["message"]
    assert not ExportJob.objects.exists()


def test_the_api_refuses_unknown_filters_and_kinds(api, city):
    client = api("bureau")
    for payload in (
        {"kind": "teachers", "filters": {"colour": "red"}},
        {"kind": "pets"},
        {"kind": "teachers", "format": "pdf"},
        {"kind": "teachers", "extra": 1},
    ):
        response = client.post("/api/exports", payload, content_type="application/json")
        assert response.status_code == 422, payload
    response = client.post(
        "/api/exports", {"kind": "schools", "format": "national"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert not ExportJob.objects.exists()


def test_the_api_download_of_a_failed_or_purged_job(api, city, monkeypatch):
    client = api("bureau")
    monkeypatch.setattr(exports, "write_xlsx", lambda sheets: 1 / 0)
    failed = client.post(
        "/api/exports", {"kind": "teachers"}, content_type="application/json"
    ).json()
    assert failed["status"] == "failed" and failed["download"] is None
    assert "ZeroDivisionError" in failed["message_en"] and failed["message_zh"]
    assert client.get(f"/api/exports/{failed['id']}/download").status_code == 404
    monkeypatch.undo()
    done = client.post("/api/exports", {"kind": "schools"}, content_type="application/json")
    job_id = done.json()["id"]
    ExportJob.objects.filter(pk=job_id).update(created_at=timezone.now() - timedelta(days=30))
    export_jobs.export_files_purge(older_than_days=7)
    assert client.get(f"/api/exports/{job_id}/download").status_code == 410


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_export_pages_speak_one_language(client, world, small_inline, language):
    import re

    bureau = world["users"]["bureau"]
    job = export_jobs.export_job_start(actor=bureau, kind="teachers", fmt="national")
    client.force_login(bureau)
    client.cookies["django_language"] = language
    for url in (reverse("web:export_list"), reverse("web:export_detail", args=[job.pk])):
        html = client.get(url).content.decode()
        main = html[html.index("<main") : html.index("</main>")]
        text = re.sub(r"<[^>]+>", " ", main)
        if language == "en":
            assert "The national teacher-information template" in text
            assert not re.search(r"[\u4e00-\u9fff]", text), url
        else:
            assert "国家" in text or "全国" in text
            assert not re.search(r"\b(Teachers|Ready to download|national)\b", text), url


def test_a_key_rotation_reencrypts_the_kept_filters(city, small_inline, settings):
    from qiangshi.core import keys

    old, new = settings.QIANGSHI_ENCRYPTION_KEY, "another-key-for-the-export-filters"
    job = export_jobs.export_job_start(
        actor=city["users"]["bureau"], kind="teachers", filters={"q": "王"}
    )
    keys.rotate_key(old_key=old, new_key=new, batch_size=10)
    settings.QIANGSHI_ENCRYPTION_KEY = new
    job.refresh_from_db()
    assert export_jobs.job_filters(job) == {"q": "王"}
