"""The import API: upload (multipart), job status, result, confirmation; scoped to the owner."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from qiangshi.imports.models import ImportJob
from qiangshi.teachers.models import Teacher
from tests.imports.test_teacher_import import _row, _xlsx


def _post_file(client, data, dry_run=None, kind="teachers", name="roster.xlsx"):
    form = {"kind": kind, "file": SimpleUploadedFile(name, data)}
    if dry_run is not None:
        form["dry_run"] = "true" if dry_run else "false"
    return client.post("/api/imports", form)


def test_dry_run_then_status_result_and_commit(world, api):
    client = api("school")
    before = Teacher.objects.count()
    response = _post_file(client, _xlsx([_row(world, 1), _row(world, 2)]), dry_run=True)
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "validated" and job["new"] == 2 and job["finished"] is True
    assert job["progress"] == 100 and job["file_name"] == "roster.xlsx"
    assert Teacher.objects.count() == before

    status = client.get(f"/api/imports/{job['id']}").json()
    assert status["status"] == "validated" and status["rows_total"] == 2
    result = client.get(f"/api/imports/{job['id']}/result").json()
    notes = result.pop("notes")
    assert result == {
        "status": "validated",
        "layout": "template",
        "new": 2,
        "changed": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
    }
    # The roster has no start dates at the school, nor graduation or title dates: they are
    # kept empty (never the import date), and the result says which rows.
    assert [(n["key"], n["count"], n["rows"]) for n in notes] == [
        ("employment_start", 2, [2, 3]),
        ("graduation_date", 2, [2, 3]),
        ("title_obtained_on", 2, [2, 3]),
    ]
    assert "进本校年月" in notes[0]["reason"] and "已留空" in notes[0]["reason"]
    assert notes[2]["reason_en"].startswith("2 rows have no title date: kept empty (rows 2, 3)")

    response = client.post(f"/api/imports/{job['id']}/commit")
    assert response.status_code == 200 and response.json()["status"] == "committed"
    assert Teacher.objects.count() == before + 2
    again = client.post(f"/api/imports/{job['id']}/commit")
    assert again.status_code == 400 and again.json()["message"]
    listing = client.get("/api/imports").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == job["id"]


def test_without_dry_run_a_good_file_is_imported_at_once(world, api):
    response = _post_file(api("school"), _xlsx([_row(world, 1)]))
    assert response.status_code == 201 and response.json()["status"] == "committed"
    assert Teacher.objects.filter(name="测试1").exists()


def test_a_bad_file_reports_every_problem_and_imports_nothing(world, api):
    client = api("school")
    before = Teacher.objects.count()
    data = _xlsx([_row(world, 1), _row(world, 2, 学校代码="NOPE")])
    job = _post_file(client, data).json()
    assert job["status"] == "rejected" and job["rejected"] == 1
    result = client.get(f"/api/imports/{job['id']}/result", headers={"accept-language": "en"})
    (error,) = result.json()["errors"]
    assert error == {
        "row": 3,
        "column": "学校代码",
        "value": "NOPE",
        "reason": "Unknown school code",
    }
    assert client.post(f"/api/imports/{job['id']}/commit").status_code == 400
    assert Teacher.objects.count() == before


def test_another_users_job_answers_404_but_the_admin_sees_it(world, api):
    job = _post_file(api("school"), _xlsx([_row(world, 1)]), dry_run=True).json()
    other = api("district")
    for url in (f"/api/imports/{job['id']}", f"/api/imports/{job['id']}/result"):
        assert other.get(url).status_code == 404
    assert other.post(f"/api/imports/{job['id']}/commit").status_code == 404
    assert other.get("/api/imports").json()["count"] == 0
    admin = api("admin")
    assert admin.get(f"/api/imports/{job['id']}").status_code == 200
    # The administrator sees the job but may not confirm another person's upload.
    assert admin.post(f"/api/imports/{job['id']}/commit").status_code == 403
    assert ImportJob.objects.get().status == "validated"


def test_roles_without_import_rights_and_bad_input(world, api):
    assert _post_file(api("teacher"), _xlsx([_row(world, 1)])).status_code == 403
    assert _post_file(api("teacher"), b"x", kind="spaceships").status_code == 403
    client = api("school")
    assert _post_file(client, b"x", kind="spaceships").status_code == 422
    assert client.post("/api/imports", {"kind": "teachers"}).status_code == 422
    empty = _post_file(client, b"", name="empty.csv")
    assert empty.status_code in (201, 400)
    if empty.status_code == 201:
        assert empty.json()["status"] == "rejected"
    assert Client().get("/api/imports").status_code == 401
    assert client.get("/api/imports/99999999").status_code == 404


def test_openapi_lists_the_import_endpoints(client, db):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/imports"])
    assert "get" in paths["/api/imports/{job_id}"]
    assert "get" in paths["/api/imports/{job_id}/result"]
    assert "post" in paths["/api/imports/{job_id}/commit"]


def test_the_teacher_api_gives_a_date_never_given_as_null_and_the_record_incomplete(world, api):
    from tests.imports.test_teacher_import import HEADER

    client = api("admin")
    header = [*HEADER, "进本校年月", "毕业日期", "取得职称日期"]
    data = _xlsx([[*_row(world, 1), None, None, None]], header)
    assert _post_file(client, data, dry_run=False).json()["status"] == "committed"
    teacher = Teacher.objects.get(name="测试1")
    body = client.get(f"/api/teachers/{teacher.pk}").json()
    assert [t["obtained_on"] for t in body["titles"]] == [None]
    assert [(e["end_date"], e["end_date_missing"]) for e in body["education"]] == [(None, True)]
    assert [e["start_date"] for e in body["employments"]] == [None]
    lacks = {m["field"] for m in body["completeness"]["missing"]}
    assert {"start_date", "graduation_date", "obtained_on"} <= lacks
