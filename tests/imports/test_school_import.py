"""Importing schools: upsert by code, enrollment per grade, scoped, round-trips with the export."""

import io

import pytest
from openpyxl import Workbook

from qiangshi.core.models import AuditLog
from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines import tabular
from qiangshi.imports import specs
from qiangshi.imports.exports import SCHOOL_HEADER, schools_export_rows
from qiangshi.imports.services import import_file
from qiangshi.org.models import School, SchoolEnrollment
from qiangshi.org.services import school_enrollment_set

HEADER = [
    "学校代码",
    "学校名称",
    "区县代码",
    "办学类型",
    "城乡类型",
    "是否寄宿制",
    "纬度",
    "学年",
    "一年级学生数",
    "一年级班数",
    "七年级学生数",
    "七年级班数",
]


def _xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(**over):
    values = {
        "学校代码": "3502039001",
        "学校名称": "思明实验小学",
        "区县代码": "350203",
        "办学类型": "小学",
        "城乡类型": "城区",
        "是否寄宿制": "否",
        "纬度": 24.4798,
        "学年": 2025,
        "一年级学生数": 180,
        "一年级班数": 4,
        "七年级学生数": None,
        "七年级班数": None,
    }
    values.update(over)
    return [values[h] for h in HEADER]


def _import(actor, rows, **kwargs):
    return import_file(actor=actor, kind="schools", data=_xlsx(rows), filename="s.xlsx", **kwargs)


def test_every_export_column_is_understood():
    columns = [tabular.ColumnSpec(c.key, list(c.names)) for c in specs.SCHOOL_COLUMNS]
    match = tabular.match_headers(SCHOOL_HEADER, columns)
    assert match.unknown == [] and match.duplicates == {}
    assert len(match.mapping) == len(SCHOOL_HEADER)


def test_new_school_with_enrollment_and_a_reimport_changes_nothing(world):
    actor = world["users"]["district"]
    rows = [_row(), _row(**{"学校代码": "3502039002", "学校名称": "思明实验二小"})]
    result = _import(actor, rows)
    assert result.problems == []
    assert (result.new, result.changed, result.unchanged) == (2, 0, 0)
    school = School.objects.get(code="3502039001")
    assert (school.district, school.stage, school.location) == (
        world["tree"]["siming"],
        "primary",
        "urban",
    )
    assert str(school.latitude) == "24.479800" and school.ownership == "public"
    enrollment = SchoolEnrollment.objects.get(school=school, year=2025, grade=1)
    assert (enrollment.students, enrollment.classes) == (180, 4)
    assert AuditLog.objects.filter(action="school.import_create").count() == 2
    audits = AuditLog.objects.count()
    again = _import(actor, rows)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert AuditLog.objects.filter(action__startswith="school.import").count() == 2
    assert AuditLog.objects.count() == audits + 1  # only the import.commit record


def test_changed_fields_and_enrollment_are_updated_and_audited(world):
    a = world["schools"]["a"]
    actor = world["users"]["school"]
    school_enrollment_set(actor=actor, school=a, year=2025, grade=1, students=100, classes=3)
    row = _row(
        **{
            "学校代码": a.code,
            "学校名称": "",
            "区县代码": "",
            "城乡类型": "乡村",
            "一年级学生数": 120,
            "一年级班数": 3,
        }
    )
    dry = _import(actor, [row], dry_run=True)
    assert (dry.new, dry.changed, dry.unchanged, dry.problems) == (0, 1, 0, [])
    assert School.objects.get(pk=a.pk).location == "urban"
    result = _import(actor, [row])
    assert (result.new, result.changed, result.unchanged) == (0, 1, 0)
    a.refresh_from_db()
    assert a.location == "rural" and a.name == "思明第一小学"  # an empty cell keeps the value
    assert SchoolEnrollment.objects.get(school=a, year=2025, grade=1).students == 120
    audit = AuditLog.objects.get(action="school.import_update")
    assert audit.changes["location"] == ["urban", "rural"]
    assert audit.changes["2025 G1 students"] == [100, 120]
    assert "2025 G1 classes" not in audit.changes


def test_export_then_import_round_trips_with_no_change(world):
    admin = world["users"]["admin"]
    a = world["schools"]["a"]
    school_enrollment_set(actor=admin, school=a, year=2025, grade=2, students=90, classes=2)
    school_enrollment_set(
        actor=admin, school=world["schools"]["c"], year=2025, grade=8, students=400, classes=8
    )
    School.objects.filter(pk=a.pk).update(
        latitude="24.479834", longitude="118.089425", name="思明第一小学（本部）"
    )  # full-width brackets: the import reads them half-width, and that is the same name
    header, rows = schools_export_rows(actor=admin)
    data = write_xlsx([("学校", header, rows)])
    result = import_file(actor=admin, kind="schools", data=data, filename="export.xlsx")
    assert result.problems == []
    assert (result.new, result.changed, result.unchanged) == (0, 0, School.objects.count())


def test_district_office_cannot_place_a_school_in_another_district(world):
    result = _import(world["users"]["district"], [_row(**{"区县代码": "350206"})])
    assert not School.objects.filter(code="3502039001").exists()
    problem = result.problems[0]
    assert (problem.row, problem.column) == (2, "区县代码")
    assert problem.reason_en == "This district is outside your area"


def test_district_office_cannot_change_a_school_of_another_district(world):
    c = world["schools"]["c"]  # Huli
    result = _import(world["users"]["district"], [_row(**{"学校代码": c.code, "办学类型": ""})])
    assert result.problems[0].reason_en == "This school is outside your area"


def test_school_admin_cannot_create_schools(world):
    result = _import(world["users"]["school"], [_row()])
    assert result.problems[0].reason_en == "You may not create schools"
    assert not School.objects.filter(code="3502039001").exists()


def test_stage_change_that_would_orphan_enrollment_is_rejected(world):
    a = world["schools"]["a"]
    admin = world["users"]["admin"]
    school_enrollment_set(actor=admin, school=a, year=2024, grade=1, students=50, classes=2)
    row = _row(**{"学校代码": a.code, "办学类型": "初中", "一年级学生数": None, "一年级班数": None})
    result = _import(admin, [row])
    assert result.problems[0].column == "办学类型"
    assert "enrollment" in result.problems[0].reason_en
    assert School.objects.get(pk=a.pk).stage == "primary"


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"七年级学生数": 40, "七年级班数": 1}, "七年级学生数", "does not teach grade 7"),
        ({"一年级班数": None}, "一年级班数", "both"),
        ({"一年级班数": 0}, "一年级班数", "at least one class"),
        ({"一年级学生数": 400, "一年级班数": 4}, "一年级班数", "class too large"),
        ({"一年级学生数": -1}, "一年级学生数", "out of range"),
        ({"学年": None}, "学年", "school year is required"),
        ({"区县代码": "999999"}, "区县代码", "unknown district"),
        ({"学校名称": None}, "学校名称", "needs the school name"),
        ({"办学类型": "大学"}, "办学类型", ""),
        ({"纬度": 124.5}, "纬度", "out of range"),
        ({"学校代码": "3502039001"}, "学校代码", "duplicate school code"),
    ],
)
def test_a_bad_row_imports_nothing_and_says_where(world, override, column, fragment):
    good = _row()
    bad = _row(**{"学校代码": "3502039003", **override})
    result = _import(world["users"]["admin"], [good, bad])
    assert School.objects.filter(code__startswith="350203900").count() == 0
    assert SchoolEnrollment.objects.count() == 0
    assert result.rejected == 1
    problem = result.problems[0]
    assert (problem.row, problem.column) == (3, column)
    assert fragment.lower() in problem.reason_en.lower()


def test_formula_cells_without_a_value_are_rejected(world):
    data = _xlsx([_row(**{"一年级学生数": "=40*4"})])
    result = import_file(
        actor=world["users"]["admin"], kind="schools", data=data, filename="f.xlsx"
    )
    assert not School.objects.filter(code="3502039001").exists()
    assert result.rejected == 1
    problem = result.problems[0]
    assert (problem.row, problem.column) == (2, "一年级学生数")
    assert problem.reason_zh == "公式单元格没有计算结果，请粘贴为数值"
    assert "paste values" in problem.reason_en


def test_a_preview_counts_the_good_rows_beside_the_rejected_ones(world):
    rows = [
        _row(),
        _row(学校代码="3502039002", 学校名称="思明第二实验小学"),
        _row(学校代码="3502039003", 学校名称="未知区县学校", 区县代码="999999"),
    ]
    preview = _import(world["users"]["admin"], rows, dry_run=True)
    assert (preview.new, preview.changed, preview.unchanged, preview.rejected) == (2, 0, 0, 1)
    result = _import(world["users"]["admin"], rows)
    assert (result.new, result.rejected, result.committed) == (0, 1, False)
    assert not School.objects.filter(code__startswith="350203900").exists()
