"""Importing a workbook in the national template's layout through the jobs, the API and the web.

A bureau starts from what it has already reported: the workbook Qiangshi exports in the national
layout (national_export) is uploaded back with one teacher added, checked, confirmed, and a
second upload of the same workbook changes nothing.
"""

import hashlib
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from qiangshi.core.errors import ApplicationError
from qiangshi.engines import idcard
from qiangshi.imports import jobs, selectors, specs
from qiangshi.imports.models import ImportJob
from qiangshi.imports.national import national_export
from qiangshi.teachers.models import Teacher
from tests.imports.test_teacher_import import _row, _xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NEW_ID = idcard.make("350203", date(1990, 5, 17), 21, "female")
NAME = "上报.xlsx"


def _national(actor, *, new_id: str | None = NEW_ID, school: str | None = None) -> bytes:
    """The actor's teachers exported in the national layout, with 林新 added (`new_id`), and
    every 学校标识码 replaced by `school` when given ("" blanks them)."""
    wb = load_workbook(io.BytesIO(national_export(actor=actor, filters={})))
    ws = wb["基本信息"]
    header = [c.value for c in ws[1]]
    if new_id is not None:
        row = dict(zip(header, [c.value for c in ws[2]], strict=True))
        row.update(姓名="林新", 身份证件号=new_id, 性别="女", 出生日期="1990-05-17")
        ws.append([row[h] for h in header])
    if school is not None:
        column = header.index("学校标识码") + 1
        for r in range(2, ws.max_row + 1):
            ws.cell(r, column).value = school or None
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _post(client, data, *, name=NAME, kind="teachers", layout="national", headers=None, **form):
    fields = {"kind": kind, "layout": layout, "file": SimpleUploadedFile(name, data), **form}
    return client.post("/api/imports", fields, headers=headers)


def _upload(client, data, *, name=NAME, kind="teachers", layout="national", school_code=""):
    return client.post(
        reverse("web:import_list"),
        {
            "kind": kind,
            "layout": layout,
            "school_code": school_code,
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
        },
    )


# --- API ---------------------------------------------------------------------------------------


def test_api_national_workbook_is_checked_committed_and_reimports_unchanged(world, api):
    client = api("school")
    data = _national(world["users"]["school"])
    before = Teacher.objects.count()

    response = _post(client, data, dry_run="true")
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "validated", job
    assert (job["new"], job["changed"], job["unchanged"], job["rejected"]) == (1, 0, 1, 0)
    assert job["layout"] == "national" and job["school"] == ""
    assert job["file_name"] == NAME
    assert job["file_sha256"] == hashlib.sha256(data).hexdigest()
    assert Teacher.objects.count() == before
    status = client.get(f"/api/imports/{job['id']}").json()
    assert status["layout"] == "national"
    result = client.get(f"/api/imports/{job['id']}/result").json()
    assert result["layout"] == "national" and result["errors"] == [] and result["new"] == 1

    committed = client.post(f"/api/imports/{job['id']}/commit").json()
    assert committed["status"] == "committed" and committed["new"] == 1
    assert Teacher.objects.count() == before + 1
    added = Teacher.objects.get(name="林新")
    assert added.national_id == NEW_ID and added.current_school == world["schools"]["a"]
    record = ImportJob.objects.get(pk=job["id"])
    assert record.file_name == NAME
    assert record.file_sha256 == hashlib.sha256(data).hexdigest()
    assert ImportJob.objects.count() == 1  # the job itself records the import

    again = _post(client, data).json()  # one step: checked, then imported
    assert again["status"] == "committed", again
    assert (again["new"], again["changed"], again["unchanged"], again["rejected"]) == (0, 0, 2, 0)
    assert again["file_sha256"] == hashlib.sha256(data).hexdigest()
    assert Teacher.objects.count() == before + 1


def test_api_school_code_fills_a_workbook_without_school_codes(world, api):
    client = api("school")
    data = _national(world["users"]["school"], school="")
    without = _post(client, data, dry_run="true").json()
    assert without["status"] == "rejected" and without["rejected"] == 2
    code = world["schools"]["a"].code
    job = _post(client, data, dry_run="true", school=code).json()
    assert job["status"] == "validated", job
    assert job["school"] == code and (job["new"], job["unchanged"]) == (1, 1)


def test_api_refuses_the_national_layout_for_other_kinds_and_unknown_layouts(world, api):
    client = api("admin")
    data = _national(world["users"]["admin"])
    response = _post(client, data, kind="schools", headers={"accept-language": "en"})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "national" in message and "teachers" in message
    chinese = _post(client, data, kind="schools", headers={"accept-language": "zh-hans"})
    assert "国家" in chinese.json()["message"] or "全国" in chinese.json()["message"]
    unknown = _post(client, data, layout="provincial")
    assert unknown.status_code == 422 and "layout" in unknown.json()["fields"]
    template_with_school = _post(client, data, layout="template", school="X")
    assert template_with_school.status_code == 400
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.xlsx", b"PK\x03\x04garbage"),
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n0000"),
        ("empty.xlsx", b""),
    ],
)
def test_api_a_corrupt_national_workbook_is_rejected_clearly(world, api, name, data):
    client = api("school")
    before = Teacher.objects.count()
    response = _post(client, data, name=name)
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        job = response.json()
        assert job["status"] == "rejected" and job["message"]
        assert job["layout"] == "national"
        result = client.get(f"/api/imports/{job['id']}/result").json()
        (error,) = result["errors"]
        assert error["row"] is None and error["reason"]
    assert Teacher.objects.count() == before


def test_a_workbook_of_another_layout_is_refused_in_both_languages(world):
    """The import template's roster uploaded as national: no 基本信息 sheet, a clear refusal."""
    before = Teacher.objects.count()
    job = jobs.import_job_start(
        actor=world["users"]["school"],
        kind="teachers",
        data=_xlsx([_row(world, 1)]),
        filename="roster.xlsx",
        layout="national",
        commit=True,
    )
    assert job.status == "rejected" and job.message
    (problem,) = job.errors
    assert "基本信息" in problem["reason_zh"] and "national" in problem["reason_en"].lower()
    assert job.header_info == {} and not selectors.mapping_needed(job)
    assert Teacher.objects.count() == before
    assert ImportJob.objects.count() == 1


# --- Jobs ----------------------------------------------------------------------------------------


def test_national_jobs_take_no_hand_matched_columns_and_only_teachers(world):
    school = world["users"]["school"]
    data = _national(school, new_id="123")
    job = jobs.import_job_start(
        actor=school, kind="teachers", data=data, filename=NAME, layout="national"
    )
    assert job.status == "rejected" and job.rejected == 1
    assert not selectors.mapping_needed(job)
    with pytest.raises(ApplicationError):
        jobs.import_job_remap(actor=school, job=job, mapping={"身份证件号": "national_id"})
    with pytest.raises(ApplicationError):
        jobs.import_job_start(
            actor=school,
            kind="teachers",
            data=data,
            filename=NAME,
            layout="national",
            mapping={"x": "name"},
        )
    for kind in ("schools", "facilities", "education"):
        with pytest.raises(ApplicationError, match="teachers|教师"):
            jobs.import_job_start(
                actor=world["users"]["admin"],
                kind=kind,
                data=data,
                filename=NAME,
                layout="national",
            )
    with pytest.raises(ApplicationError):
        jobs.import_job_start(
            actor=school, kind="teachers", data=data, filename=NAME, layout="nope"
        )
    assert ImportJob.objects.count() == 1


def test_the_annotated_file_of_a_national_job_is_the_converted_roster(world):
    school = world["users"]["school"]
    data = _national(school, new_id="123")
    job = jobs.import_job_start(
        actor=school, kind="teachers", data=data, filename=NAME, layout="national"
    )
    content = jobs.import_job_annotated(job=job, language="en", reason_title="Problems")
    ws = load_workbook(io.BytesIO(content)).active
    header = [c.title_zh for c in specs.TEACHER_COLUMNS]
    assert [ws.cell(1, i + 1).value for i in range(len(header))] == header
    column = header.index("身份证号") + 1
    assert ws.cell(3, 1).value == "林新" and ws.cell(3, column).value == "123"
    assert ws.cell(3, column).fill.fgColor.rgb.endswith("FFC7CE")
    assert not ws.cell(2, column).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(3, len(header) + 1).value


# --- Web -----------------------------------------------------------------------------------------


def test_web_national_workbook_is_checked_committed_and_reimports_unchanged(world, client):
    school = world["users"]["school"]
    client.force_login(school)
    form = client.get(reverse("web:import_list")).content.decode()
    assert 'name="layout"' in form and 'value="national"' in form and 'name="school_code"' in form
    data = _national(school)
    before = Teacher.objects.count()

    response = _upload(client, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302, response.content.decode()
    assert job.status == "validated" and (job.new, job.unchanged) == (1, 1)
    assert job.layout == "national" and job.file_name == NAME
    assert job.file_sha256 == hashlib.sha256(data).hexdigest()
    body = client.get(response["Location"]).content.decode()
    assert 'id="import-layout"' in body and 'id="import-national-note"' in body
    assert 'id="import-confirm"' in body and 'id="import-mapping"' not in body
    assert Teacher.objects.count() == before

    client.post(reverse("web:import_commit", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "committed" and job.new == 1
    assert job.file_name == NAME and job.file_sha256 == hashlib.sha256(data).hexdigest()
    assert Teacher.objects.count() == before + 1
    assert "上报.xlsx" in client.get(reverse("web:import_list")).content.decode()

    _upload(client, data)
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert again.status == "validated"
    assert (again.new, again.changed, again.unchanged, again.rejected) == (0, 0, 2, 0)


def test_web_school_code_and_kind_are_checked(world, client):
    school = world["users"]["school"]
    client.force_login(school)
    code = world["schools"]["a"].code
    _upload(client, _national(school, school=""), school_code=code)
    job = ImportJob.objects.get()
    assert job.status == "validated" and job.school_code == code
    body = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert code in body

    refused = _upload(client, _national(school), kind="facilities")
    assert refused.status_code == 400 and ImportJob.objects.count() == 1
    refused = _upload(client, _national(school), layout="template", school_code=code)
    assert refused.status_code == 400 and ImportJob.objects.count() == 1
    refused = _upload(client, _national(school), layout="spaceship")
    assert refused.status_code == 400 and ImportJob.objects.count() == 1


def test_web_corrupt_national_workbook_is_rejected_and_writes_nothing(world, client):
    client.force_login(world["users"]["school"])
    before = Teacher.objects.count()
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["姓名", "身份证号"])
    out = io.BytesIO()
    wb.save(out)
    for name, data in (("broken.xlsx", b"PK\x03\x04garbage"), ("other.xlsx", out.getvalue())):
        response = _upload(client, data, name=name)
        assert response.status_code in (302, 400)
    assert ImportJob.objects.exists()
    for job in ImportJob.objects.all():
        assert job.status == "rejected" and job.message
        detail = client.get(reverse("web:import_detail", args=[job.pk]))
        body = detail.content.decode()
        assert detail.status_code == 200 and 'id="import-message"' in body
        assert reverse("web:import_annotated", args=[job.pk]) not in body
        annotated = client.get(reverse("web:import_annotated", args=[job.pk]))
        assert annotated.status_code == 404
        assert client.post(reverse("web:import_commit", args=[job.pk])).status_code == 302
        job.refresh_from_db()
        assert job.status == "rejected"
    assert Teacher.objects.count() == before


def test_web_annotated_download_of_a_national_job(world, client):
    school = world["users"]["school"]
    client.force_login(school)
    _upload(client, _national(school, new_id="123"))
    job = ImportJob.objects.get()
    assert job.status == "rejected"
    body = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert reverse("web:import_annotated", args=[job.pk]) in body
    response = client.get(reverse("web:import_annotated", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws.cell(3, 1).value == "林新"
