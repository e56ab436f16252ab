"""Every kind of bad input the issue lists, through the web upload, the API and the command.

Each gives a clear message (a row problem or a file-level reason, never a server error) and
imports nothing.
"""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font

from qiangshi.access.services import api_token_create
from qiangshi.imports.models import ImportJob
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import Teacher
from tests.engines.test_tabular import ole_file
from tests.imports.test_teacher_import import HEADER, _id, _row, _xlsx


def _with_post_grade(world, grade):
    header = [*HEADER, "岗位等级"]
    return _xlsx([[*_row(world, 1), 5], [*_row(world, 2), grade]], header)


def _formula(world, *more_rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(_row(world, 1))
    ws.append(_row(world, 2, 姓名='=CONCAT("测","试")'))  # saved without a computed value
    for row in more_rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _empty_rows_to_the_bottom(world, *, data_rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n in range(1, data_rows + 1):
        ws.append(_row(world, n))
    cell = ws.cell(row=1_048_576, column=1)
    cell.font = Font(bold=True)
    cell.number_format = "@"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _owned_by_another(world):
    existing = world["teachers"]["a"]
    return _xlsx(
        [
            _row(
                world,
                1,
                身份证号码=existing.national_id,
                出生日期=existing.birth_date,
                姓名="冒名者",
            )
        ]
    )


# name → (file bytes from world, file name, a fragment of the English reason)
CASES = {
    "checksum": (lambda w: _xlsx([_row(w, 1, 身份证号码="350206199005170011")]), "x.xlsx", "check"),
    "duplicate": (lambda w: _xlsx([_row(w, 1), _row(w, 1)]), "x.xlsx", "duplicate"),
    "other_person": (_owned_by_another, "x.xlsx", "different name"),
    "birth_date": (lambda w: _xlsx([_row(w, 1, 出生日期="1990-05-18")]), "x.xlsx", "birth date"),
    "school": (lambda w: _xlsx([_row(w, 1, 学校代码="NOPE")]), "x.xlsx", "unknown school"),
    "empty_cell": (lambda w: _xlsx([_row(w, 1, 姓名="")]), "x.xlsx", "required"),
    "text_in_number": (lambda w: _with_post_grade(w, "五级"), "x.xlsx", "not a number"),
    "not_a_spreadsheet": (lambda w: b"\x89PNG\r\n\x1a\n" + bytes(300), "x.xlsx", "spreadsheet"),
    "encrypted": (
        lambda w: ole_file([("EncryptionInfo", b"\x04\x00\x04\x00"), ("EncryptedPackage", b"x")]),
        "x.xlsx",
        "password",
    ),
    "corrupt": (lambda w: _xlsx([_row(w, 1)])[:700], "x.xlsx", "damaged"),
    "zero_bytes": (lambda w: b"", "x.xlsx", "empty"),
    "only_empty_rows": (
        lambda w: _empty_rows_to_the_bottom(w, data_rows=0),
        "x.xlsx",
        "no data rows",
    ),
    "formula": (_formula, "x.xlsx", "formula"),
}


HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[a-z]{2,} [a-z]{2,}\b")  # two English words


def _reasons_of_job(job: ImportJob) -> str:
    return json.dumps([job.message, job.errors], ensure_ascii=False).lower()


@pytest.fixture
def api(world):
    _, key = api_token_create(actor=world["users"]["admin"], name="tests")
    return Client(headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"})


@pytest.mark.parametrize("case", CASES)
def test_web_upload(world, client, case):
    make, name, fragment = CASES[case]
    before = Teacher.objects.count()
    client.force_login(world["users"]["admin"])
    response = client.post(
        reverse("web:import_list"),
        {"kind": "teachers", "file": SimpleUploadedFile(name, make(world))},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code in (200, 302, 400)
    assert Teacher.objects.count() == before
    job = ImportJob.objects.filter(kind="teachers").order_by("-pk").first()
    if job is not None:
        assert job.status == "rejected"
        assert job.message or job.errors
        assert client.get(reverse("web:import_detail", args=[job.pk])).status_code == 200
    else:  # refused before a job was made: the form says why
        assert response.status_code in (200, 400)
        assert response.content


@pytest.mark.parametrize("case", CASES)
def test_api(world, api, case):
    make, name, fragment = CASES[case]
    before = Teacher.objects.count()
    response = api.post(
        "/api/imports",
        {"kind": "teachers", "file": SimpleUploadedFile(name, make(world)), "dry_run": "false"},
    )
    assert response.status_code in (201, 400), response.content
    assert Teacher.objects.count() == before
    body = response.json()
    if response.status_code == 201:
        assert body["status"] == "rejected"
        result = api.get(f"/api/imports/{body['id']}/result").json()
        text = json.dumps([body, result], ensure_ascii=False).lower()
    else:
        text = json.dumps(body, ensure_ascii=False).lower()
    assert fragment in text


@pytest.mark.parametrize("case", CASES)
def test_command(world, tmp_path, capsys, case, settings):
    make, name, fragment = CASES[case]
    settings.LANGUAGE_CODE = "en"
    before = Teacher.objects.count()
    path = tmp_path / name
    path.write_bytes(make(world))
    args = ("import", "teachers", str(path))
    with pytest.raises((SystemExit, CommandError)) as exc:
        call_command(*args, user=world["users"]["admin"].username, format="json")
    if isinstance(exc.value, SystemExit):
        assert exc.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["new"] == 0 and out["errors"]
    for error in out["errors"]:  # each reason in both languages, whatever the file's fault
        assert HAN.search(error["reason_zh"]) and ENGLISH.search(error["reason_en"]), error
        assert error["reason"] == error["reason_en"]  # the command runs in English here
    assert fragment in json.dumps(out, ensure_ascii=False).lower() or isinstance(
        exc.value, CommandError
    )
    assert Teacher.objects.count() == before


def test_data_above_a_million_formatted_empty_rows_imports(world):
    data = _empty_rows_to_the_bottom(world, data_rows=2)
    result = import_file(actor=world["users"]["admin"], kind="teachers", data=data, filename="x")
    assert result.committed and result.new == 2
    assert Teacher.objects.filter(national_id_hash__isnull=False, name="测试2").exists()
    assert _id(2)


def test_a_preview_counts_the_good_rows_beside_the_rejected_ones(world):
    admin = world["users"]["admin"]
    import_file(actor=admin, kind="teachers", data=_xlsx([_row(world, 1)]), filename="a.xlsx")
    rows = [
        _row(world, 1),  # unchanged
        _row(world, 2),  # new
        _row(world, 3, 学校代码="NOPE"),  # rejected
        _row(world, 4),  # new
    ]
    preview = import_file(
        actor=admin, kind="teachers", data=_xlsx(rows), filename="b.xlsx", dry_run=True
    )
    counts = preview.as_dict()
    assert (counts["new"], counts["changed"], counts["unchanged"], counts["rejected"]) == (
        2,
        0,
        1,
        1,
    )
    # The import itself writes nothing and says so: no row counted as imported.
    result = import_file(actor=admin, kind="teachers", data=_xlsx(rows), filename="b.xlsx")
    assert (result.new, result.unchanged, result.rejected, result.committed) == (0, 0, 1, False)
    assert Teacher.objects.filter(name__startswith="测试").count() == 1


def test_a_formula_cell_does_not_stop_the_check_of_the_other_rows(world):
    data = _formula(world, _row(world, 3, 学校代码="NOPE"))
    for dry_run in (True, False):
        result = import_file(
            actor=world["users"]["admin"],
            kind="teachers",
            data=data,
            filename="f.xlsx",
            dry_run=dry_run,
        )
        found = [(p.row, p.column, p.reason_en.split(":")[0]) for p in result.problems]
        assert found == [
            (3, "姓名", "A formula cell has no computed value"),  # not also "required cell empty"
            (4, "学校代码", "Unknown school code"),
        ]
        assert result.rejected == 2 and result.new == (1 if dry_run else 0)
    assert not Teacher.objects.filter(name__startswith="测试").exists()


def test_a_row_with_a_formula_in_an_optional_cell_is_not_also_counted(world):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(_row(world, 1))
    ws.append(_row(world, 2, 手机号码="=1+1"))  # optional: the check alone would pass the row
    out = io.BytesIO()
    wb.save(out)
    preview = import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=out.getvalue(),
        filename="f.xlsx",
        dry_run=True,
    )
    assert (preview.new, preview.rejected) == (1, 1)


def test_an_id_held_outside_the_area_is_refused_without_saying_whose(world):
    """Issue 14 §6: an office importing a national ID held by a teacher outside its area learns
    neither that person's name (a "different name" message would) nor where they work."""
    other = world["teachers"]["c"]  # in Huli; the district office is Siming's
    data = _xlsx(
        [_row(world, 1, 身份证号码=other.national_id, 出生日期=other.birth_date, 姓名="冒名者")]
    )
    before = Teacher.objects.count()
    result = import_file(
        actor=world["users"]["district"], kind="teachers", data=data, filename="x.xlsx"
    )
    assert result.problems and Teacher.objects.count() == before
    (problem,) = [p for p in result.problems if p.column == "身份证号码"]
    assert "contact the office that holds" in problem.reason_en
    assert "different name" not in problem.reason_en
    assert "currently works" not in problem.reason_en
    assert other.name not in json.dumps(problem.__dict__, ensure_ascii=False, default=str)
