"""The import templates: drop-down lists on the coded columns, an example row the import
skips, a real file name; and a marked-up error file, fixed and sent back, imports."""

import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from qiangshi.engines import cells
from qiangshi.imports import jobs, selectors
from qiangshi.imports.annotate import template_workbook
from qiangshi.imports.examples import example_row
from qiangshi.imports.models import ImportJob, ImportKind
from qiangshi.imports.services import import_file
from qiangshi.imports.specs import TEACHER_COLUMNS
from qiangshi.teachers.models import Teacher
from tests.imports.test_import_web import _upload
from tests.imports.test_teacher_import import HEADER, _row, _xlsx


def _dropdowns(wb):
    """{heading: [values offered]} of the template's first sheet, read from the hidden sheet
    each list points at."""
    ws = wb.worksheets[0]
    heading = {c.column_letter: c.value.rstrip("*") for c in ws[1]}
    out = {}
    for validation in ws.data_validations.dataValidation:
        assert validation.type == "list"
        sheet, cells_ = validation.formula1.split("!")
        lists = wb[sheet.strip("'")]
        values = [c.value for row in lists[cells_.replace("$", "")] for c in row]
        for ref in str(validation.sqref).split():
            letter = ref.split(":")[0].rstrip("0123456789")
            assert ref == f"{letter}2:{letter}1048576"
            out[heading[letter]] = values
    return out


def test_coded_columns_have_drop_down_lists_in_the_templates_language():
    wb = load_workbook(io.BytesIO(template_workbook(TEACHER_COLUMNS, "教师")))
    lists = _dropdowns(wb)
    assert lists["性别"] == ["男", "女"]
    assert "在编" in lists["用人类型"] and "专任教师" not in lists  # a yes/no column
    assert "数学" in lists["任教学科"] and "本科" in lists["最高学历"]
    assert "一级教师" in lists["职称"] and lists["是否专任教师"] == ["是", "否"]
    assert {"姓名", "身份证号", "出生日期", "学校代码"}.isdisjoint(lists)  # not coded
    assert wb.worksheets[-1].sheet_state == "hidden"

    wb = load_workbook(io.BytesIO(template_workbook(TEACHER_COLUMNS, "Teachers", language="en")))
    lists = _dropdowns(wb)
    assert lists["Gender"] == ["Male", "Female"]
    assert "Mathematics" in lists["Main subject"] and "Bachelor" in lists["Education level"]


@pytest.mark.parametrize("kind", [k for k in ImportKind.values if selectors.columns_for(k)])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_templates_example_row_is_valid(kind, language):
    columns = selectors.columns_for(kind)
    wb = load_workbook(io.BytesIO(template_workbook(columns, kind, language=language)))
    ws = wb.worksheets[0]
    written = [c.value for c in ws[2]]
    example = example_row(columns, language)
    assert [v or "" for v in written] == example
    assert ws.cell(2, 1).comment is not None
    for column, value in zip(columns, example, strict=True):
        parsed = column.parse(value)  # raises CellError if the example could not be imported
        assert not isinstance(parsed, cells.CellError)
        if column.required:
            assert value, column.key


def test_the_example_row_left_in_place_is_skipped(world):
    wb = load_workbook(io.BytesIO(template_workbook(TEACHER_COLUMNS, "教师")))
    out = io.BytesIO()
    wb.save(out)
    only_example = import_file(
        actor=world["users"]["school"], kind="teachers", data=out.getvalue(), filename="t.xlsx"
    )
    assert not only_example.committed and only_example.new == 0
    assert "no data rows" in only_example.problems[0].reason_en

    ws = wb.worksheets[0]
    values = dict(zip(HEADER, _row(world, 7), strict=True))
    names = [c.value.rstrip("*") for c in ws[1]]
    ws.append([values.get({"身份证号": "身份证号码"}.get(n, n), "") for n in names])
    out = io.BytesIO()
    wb.save(out)
    result = import_file(
        actor=world["users"]["school"], kind="teachers", data=out.getvalue(), filename="t.xlsx"
    )
    assert result.committed and (result.new, result.rejected) == (1, 0)
    assert not Teacher.objects.filter(name="张三").exists()


def test_the_template_download_has_a_real_file_name(world, client):
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:import_template", args=["teachers"]))
    disposition = response["Content-Disposition"]
    assert 'filename="qiangshi-teachers-import-template.xlsx"' in disposition
    assert f"filename*=UTF-8''{quote('强师-教师导入模板.xlsx')}" in disposition
    assert '".xlsx"' not in disposition
    client.cookies["django_language"] = "en"
    response = client.get(reverse("web:import_template", args=["titles"]))
    wb = load_workbook(io.BytesIO(response.content))
    assert 'filename="qiangshi-titles-import-template.xlsx"' in response["Content-Disposition"]
    assert wb.sheetnames == ["Title history", "Allowed values", "Lists"]
    assert [c.value for c in wb.worksheets[0][1]][:3] == ["Name*", "National ID*", "Title*"]
    assert "First-grade teacher" in _dropdowns(wb)["Title"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_marked_up_error_file_fixed_and_sent_back_imports(world, client, language):
    client.force_login(world["users"]["school"])
    bad = _row(world, 2, 身份证号码="12345")
    _upload(client, _xlsx([_row(world, 1), bad]))
    job = ImportJob.objects.get()
    assert job.status == "rejected"
    with translation.override(language):
        marked = jobs.import_job_annotated(
            job=job, language=language, reason_title=translation.gettext("Problems")
        )
    wb = load_workbook(io.BytesIO(marked))
    ws = wb.active
    reason_column = len(HEADER) + 1
    assert ws.cell(1, reason_column).value.startswith("问题" if language != "en" else "Problems")
    assert ws.cell(3, reason_column).value  # the reason stays in the file sent back
    ws.cell(3, HEADER.index("身份证号码") + 1).value = _row(world, 2)[1]  # fixed
    out = io.BytesIO()
    wb.save(out)

    response = _upload(client, out.getvalue(), name="fixed.xlsx")
    fixed = ImportJob.objects.exclude(pk=job.pk).get()
    assert response.status_code == 302
    assert fixed.status == "validated", fixed.errors
    assert fixed.new == 2 and not fixed.header_info.get("unknown")
    body = client.get(reverse("web:import_detail", args=[fixed.pk])).content.decode()
    assert 'id="import-mapping"' not in body
