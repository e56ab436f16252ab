"""`qiangshi import training FILE`: hours from elsewhere, through the import engine."""

from io import StringIO

import pytest
from django.core.management import call_command

from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.training.models import TrainingRecord


def csv_for(rows):
    head = "姓名,身份证号,日期,学时,类别,培训名称,培训机构\n"
    return (head + "".join(",".join(r) + "\n" for r in rows)).encode()


def row(teacher, date="2025-05-01", hours="12", category="网络研修", title="国家智慧教育平台研修"):
    return [teacher.name, teacher.national_id, date, hours, category, title, "教育部"]


def test_import_credits_hours_and_a_second_load_adds_nothing(world):
    a = world["teachers"]["a"]
    data = csv_for([row(a), row(a, "2024-09-01", "120", "学历提升", "教育硕士")])
    result = import_file(
        actor=world["users"]["school"], kind="training", data=data, filename="h.csv"
    )
    assert result.committed and result.new == 2 and not result.problems
    assert sorted(TrainingRecord.objects.values_list("hours", flat=True)) == [12, 120]
    assert set(TrainingRecord.objects.values_list("source", flat=True)) == {"import"}
    assert AuditLog.objects.filter(action="training.record_import").count() == 2
    again = import_file(
        actor=world["users"]["school"], kind="training", data=data, filename="h.csv"
    )
    assert again.committed and again.new == 0 and again.unchanged == 2
    assert TrainingRecord.objects.count() == 2


def test_one_bad_row_imports_nothing_and_names_row_and_reason(world):
    a, b = world["teachers"]["a"], world["teachers"]["b"]
    data = csv_for(
        [
            row(a),
            row(a, hours="-2", title="其他"),
            row(a, category="烹饪", title="其他2"),
            row(b),  # another school's teacher: not in the school's area
            row(a, date="2999-01-01", title="未来"),
        ]
    )
    result = import_file(
        actor=world["users"]["school"], kind="training", data=data, filename="h.csv"
    )
    assert not result.committed and TrainingRecord.objects.count() == 0
    found = {(p.row, p.column) for p in result.problems}
    assert found == {(3, "学时"), (4, "类别"), (5, "身份证号"), (6, "日期")}
    reasons = " ".join(p.reason_en for p in result.problems)
    assert "more than zero" in reasons and "No teacher with this national ID" in reasons


def test_dry_run_writes_nothing(world):
    a = world["teachers"]["a"]
    result = import_file(
        actor=world["users"]["district"],
        kind="training",
        data=csv_for([row(a)]),
        filename="h.csv",
        dry_run=True,
    )
    assert result.new == 1 and not result.committed and TrainingRecord.objects.count() == 0


def test_the_import_command(world, tmp_path):
    a = world["teachers"]["a"]
    path = tmp_path / "hours.csv"
    path.write_bytes(csv_for([row(a)]))
    out = StringIO()
    call_command(
        "import",
        "training",
        str(path),
        "--user",
        world["users"]["district"].username,
        "--no-progress",
        stdout=out,
    )
    assert "new 1" in out.getvalue()
    assert TrainingRecord.objects.filter(teacher=a).count() == 1


def test_a_teacher_may_not_import(world):
    from qiangshi.core.errors import ApplicationError

    a = world["teachers"]["a"]
    with pytest.raises(ApplicationError, match="无权导入"):
        import_file(
            actor=world["users"]["teacher"],
            kind="training",
            data=csv_for([row(a)]),
            filename="h.csv",
        )
    assert TrainingRecord.objects.count() == 0


def test_cycle_report_command_writes_a_workbook(world, tmp_path):
    from openpyxl import load_workbook

    out = StringIO()
    path = tmp_path / "r.xlsx"
    call_command(
        "training",
        "cycle-report",
        "--district",
        "350203",
        "--out",
        str(path),
        "--on",
        "2026-06-01",
        stdout=out,
    )
    assert "2 teachers" in out.getvalue()
    wb = load_workbook(path)
    assert len(wb.sheetnames) == 2
    names = [r[1] for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "思明第一小学" in names
