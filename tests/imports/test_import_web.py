"""The import pages: upload → preview → confirm, problems, mapping, progress, downloads."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.imports import jobs
from qiangshi.imports.models import ImportJob
from qiangshi.teachers.models import Teacher
from tests.imports.test_teacher_import import HEADER, _row, _xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(client, data, name="roster.xlsx", kind="teachers"):
    return client.post(
        reverse("web:import_list"),
        {"kind": kind, "file": SimpleUploadedFile(name, data, content_type=XLSX)},
    )


def test_upload_preview_and_confirm(world, client):
    client.force_login(world["users"]["school"])
    before = Teacher.objects.count()
    response = _upload(client, _xlsx([_row(world, 1), _row(world, 2)]))
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:import_detail", args=[job.pk])
    assert job.status == "validated" and Teacher.objects.count() == before

    body = client.get(response["Location"]).content.decode()
    assert 'id="import-counts"' in body and 'id="import-confirm"' in body
    assert "hx-trigger" not in body  # finished: no polling
    assert Teacher.objects.count() == before

    response = client.post(reverse("web:import_commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "committed"
    assert Teacher.objects.count() == before + 2
    assert 'id="import-confirm"' not in response.content.decode()
    listing = client.get(reverse("web:import_list")).content.decode()
    assert "roster.xlsx" in listing


def test_a_rejected_file_lists_its_problems_and_cannot_be_confirmed(world, client):
    client.force_login(world["users"]["school"])
    bad = _row(world, 2, 学校代码="NOPE")
    _upload(client, _xlsx([_row(world, 1), bad]))
    job = ImportJob.objects.get()
    assert job.status == "rejected"
    body = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert "未知的学校代码" in body and "NOPE" in body and 'id="import-confirm"' not in body
    body_en = client.get(
        reverse("web:import_detail", args=[job.pk]), headers={"accept-language": "en"}
    )
    assert body_en.status_code == 200

    before = Teacher.objects.count()
    response = client.post(reverse("web:import_commit", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "rejected" and Teacher.objects.count() == before
    assert response.status_code == 200


def test_another_user_gets_404(world, client):
    job = jobs.import_job_start(
        actor=world["users"]["school"],
        kind="teachers",
        data=_xlsx([_row(world, 1)]),
        filename="r.xlsx",
    )
    client.force_login(world["users"]["district"])
    for name in ("web:import_detail", "web:import_progress", "web:import_annotated"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    assert client.post(reverse("web:import_commit", args=[job.pk])).status_code == 404
    assert client.post(reverse("web:import_remap", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == "validated"
    assert "r.xlsx" not in client.get(reverse("web:import_list")).content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("bureau", 200),
        ("district", 200),
        ("school", 200),
        ("teacher", 403),
        ("reviewer", 403),
        ("auditor", 403),
    ],
)
def test_who_may_open_the_import_pages(world, client, role, status):
    client.force_login(world["users"][role])
    assert client.get(reverse("web:import_list")).status_code == status
    assert client.get(reverse("web:import_template", args=["teachers"])).status_code == status
    nav = client.get(reverse("web:dashboard")).content.decode()
    assert (reverse("web:import_list") in nav) == (status == 200)


def test_the_pilot_office_imports_pilot_indicators_only(world, client):
    client.force_login(world["users"]["pilot"])
    assert client.get(reverse("web:import_list")).status_code == 200
    assert client.get(reverse("web:import_template", args=["teachers"])).status_code == 403
    template = reverse("web:import_template", args=["pilot-indicators"])
    assert client.get(template).status_code == 200
    assert reverse("web:import_list") in client.get(reverse("web:dashboard")).content.decode()


def test_login_required(client, db):
    response = client.get(reverse("web:import_list"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_template_download_has_the_allowed_values_sheet(world, client):
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:import_template", args=["teachers"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[1] == "允许值"
    assert [c.value for c in wb.worksheets[0][1]][:2] == ["姓名*", "身份证号*"]
    rows = list(wb["允许值"].iter_rows(values_only=True))
    assert any(r[1] == "employment_type" and r[2] == "established" for r in rows)
    assert client.get(reverse("web:import_template", args=["nonsense"])).status_code == 404


def test_annotated_file_marks_the_bad_row(world, client):
    client.force_login(world["users"]["school"])
    _upload(client, _xlsx([_row(world, 1), _row(world, 2, 身份证号码="12345")]))
    job = ImportJob.objects.get()
    body = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert reverse("web:import_annotated", args=[job.pk]) in body
    response = client.get(reverse("web:import_annotated", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    ws = load_workbook(io.BytesIO(response.content)).active
    column = HEADER.index("身份证号码") + 1
    assert ws.cell(3, column).fill.fgColor.rgb.endswith("FFC7CE")
    assert not ws.cell(2, column).fill.fgColor.rgb.endswith("FFC7CE")
    assert "身份证号" in ws.cell(3, len(HEADER) + 1).value
    assert ws.cell(2, len(HEADER) + 1).value in (None, "")


def test_progress_fragment_polls_while_running_and_stops_when_done(world, client):
    client.force_login(world["users"]["school"])
    _upload(client, _xlsx([_row(world, 1)]))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", stage="validate", rows_done=50, rows_total=100
    )
    url = reverse("web:import_progress", args=[job.pk])
    response = client.get(url, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'hx-trigger="every 1s"' in body and url in body and "21%" in body
    assert "HX-Refresh" not in response
    detail = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail

    ImportJob.objects.filter(pk=job.pk).update(status="committed", stage="")
    response = client.get(url, headers={"HX-Request": "true"})
    assert "hx-trigger" not in response.content.decode()
    assert response["HX-Refresh"] == "true"


def test_unknown_column_can_be_mapped_by_hand(world, client):
    client.force_login(world["users"]["school"])
    header = [h if h != "学校代码" else "单位编号" for h in HEADER]
    _upload(client, _xlsx([_row(world, 1)], header=header))
    job = ImportJob.objects.get()
    assert job.status == "rejected"
    body = client.get(reverse("web:import_detail", args=[job.pk])).content.decode()
    assert 'id="import-mapping"' in body and "单位编号" in body
    index = header.index("单位编号")
    response = client.post(
        reverse("web:import_remap", args=[job.pk]), {f"col_{index}": "school_code"}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "validated" and job.column_mapping == {"单位编号": "school_code"}
    response = client.post(reverse("web:import_remap", args=[job.pk]), {f"col_{index}": "evil"})
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.xlsx", b""),
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n0000"),
        ("broken.xlsx", b"PK\x03\x04garbage"),
        ("text.csv", "姓名,身份证号\n".encode("gb18030")),
    ],
)
def test_bad_files_never_give_a_server_error(world, client, name, data):
    client.force_login(world["users"]["school"])
    response = _upload(client, data, name=name)
    assert response.status_code in (302, 400)
    for job in ImportJob.objects.all():
        detail = client.get(reverse("web:import_detail", args=[job.pk]))
        assert detail.status_code == 200
        assert job.status == "rejected"
        annotated = client.get(reverse("web:import_annotated", args=[job.pk]))
        assert annotated.status_code in (200, 404)
