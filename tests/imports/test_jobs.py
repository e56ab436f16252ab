"""Import jobs: check in the background, confirm, progress recorded, failures write nothing."""

import io

import pytest
from openpyxl import load_workbook

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.imports import jobs, selectors, services
from qiangshi.imports.annotate import annotated_workbook, template_workbook
from qiangshi.imports.models import ImportJob
from qiangshi.imports.specs import TEACHER_COLUMNS
from qiangshi.teachers.models import Teacher
from tests.imports.test_teacher_import import HEADER, _row, _xlsx


def _start(world, rows, user="school", **kwargs):
    return jobs.import_job_start(
        actor=world["users"][user],
        kind="teachers",
        data=_xlsx(rows),
        filename="roster.xlsx",
        **kwargs,
    )


def test_a_good_file_is_validated_then_committed_on_the_same_job(world):
    before = Teacher.objects.count()
    job = _start(world, [_row(world, 1), _row(world, 2)])
    assert job.status == "validated"
    assert (job.new, job.changed, job.unchanged, job.rejected) == (2, 0, 0, 0)
    assert job.errors == [] and job.file and job.file_name == "roster.xlsx"
    assert Teacher.objects.count() == before  # nothing written before the confirmation

    job = jobs.import_job_commit(actor=world["users"]["school"], job=job)
    assert job.status == "committed" and job.new == 2 and job.stage == ""
    assert Teacher.objects.count() == before + 2
    assert ImportJob.objects.count() == 1  # the job itself records the import
    assert selectors.job_progress(job)["percent"] == 100
    assert not job.file  # the stored upload is removed once imported


def test_commit_only_once_only_by_the_uploader_only_when_validated(world):
    job = _start(world, [_row(world, 1)])
    with pytest.raises(NotFound):
        jobs.import_job_commit(actor=world["users"]["district"], job=job)
    with pytest.raises(ApplicationError):
        jobs.import_job_commit(actor=world["users"]["admin"], job=job)
    jobs.import_job_commit(actor=world["users"]["school"], job=job)
    with pytest.raises(ApplicationError):
        jobs.import_job_commit(actor=world["users"]["school"], job=job)

    bad = _start(world, [_row(world, 3, 身份证号码="123")])
    assert bad.status == "rejected" and bad.rejected == 1
    with pytest.raises(ApplicationError):
        jobs.import_job_commit(actor=world["users"]["school"], job=bad)


def test_problems_are_kept_in_both_languages(world):
    job = _start(world, [_row(world, 1), _row(world, 2, 学校代码="NOPE")])
    assert job.status == "rejected"
    (problem,) = job.errors
    assert problem["row"] == 3 and problem["column"] == "学校代码"
    assert selectors.job_problems(job, "zh-hans")[0]["reason"] == "未知的学校代码"
    assert selectors.job_problems(job, "en")[0]["reason"] == "Unknown school code"


def test_a_file_that_is_not_a_spreadsheet_is_rejected_with_a_message(world):
    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=b"\x89PNG\r\n", filename="x.xlsx"
    )
    assert job.status == "rejected" and job.message
    assert "电子表格" in job.errors[0]["reason_zh"]
    assert "spreadsheet" in job.errors[0]["reason_en"]


def test_roles_that_may_not_import_are_refused(world):
    for role in ("teacher", "reviewer", "pilot", "auditor"):
        with pytest.raises(ApplicationError):
            _start(world, [_row(world, 1)], user=role)
    assert not ImportJob.objects.exists()


def test_a_failure_mid_commit_marks_the_job_failed_and_writes_nothing(world, monkeypatch):
    before = Teacher.objects.count()
    job = _start(world, [_row(world, 1), _row(world, 2)])
    real = services._commit_teachers

    def half_then_crash(actor, rows, result):
        real(actor, rows, result)  # everything written …
        raise RuntimeError("disk full")  # … then the transaction fails

    monkeypatch.setattr(services, "_commit_teachers", half_then_crash)
    job = jobs.import_job_commit(actor=world["users"]["school"], job=job)
    job.refresh_from_db()
    assert job.status == "failed" and "RuntimeError" in job.message
    assert Teacher.objects.count() == before
    assert ImportJob.objects.count() == 1


def test_progress_is_recorded_and_throttled(world, monkeypatch):
    job = _start(world, [_row(world, 1)])
    progress = jobs.JobProgress(job, interval=60)
    progress("validate", 0, 1000)
    progress("validate", 10, 1000)  # throttled: same stage, not final, too soon
    job.refresh_from_db()
    assert (job.stage, job.rows_done, job.rows_total) == ("validate", 0, 1000)
    progress("validate", 1000, 1000)  # the end of a stage is always written
    progress("write", 5, 1000)  # a new stage is always written
    job.refresh_from_db()
    assert (job.stage, job.rows_done) == ("write", 5)
    job.status = "running"
    assert selectors.job_progress(job)["percent"] == 40


def test_remap_checks_the_file_again_with_the_chosen_columns(world):
    header = [h if h != "学校代码" else "单位编号" for h in HEADER]
    job = jobs.import_job_start(
        actor=world["users"]["school"],
        kind="teachers",
        data=_xlsx([_row(world, 1)], header=header),
        filename="r.xlsx",
    )
    assert job.status == "rejected"
    assert job.header_info["missing"] == ["school_code"]
    assert [h for _, h in job.header_info["unknown"]] == ["单位编号"]
    assert selectors.mapping_needed(job)
    with pytest.raises(ApplicationError):
        jobs.import_job_remap(actor=world["users"]["school"], job=job, mapping={"单位编号": "x"})
    job = jobs.import_job_remap(
        actor=world["users"]["school"], job=job, mapping={"单位编号": "school_code"}
    )
    assert job.status == "validated" and job.new == 1
    assert job.column_mapping == {"单位编号": "school_code"}
    assert not selectors.mapping_needed(job)


def test_api_style_one_step_import_commits_a_good_file(world):
    job = _start(world, [_row(world, 1)], commit=True)
    assert job.status == "committed" and job.new == 1


def test_annotated_workbook_marks_the_bad_cell_and_gives_the_reason(world):
    data = _xlsx([_row(world, 1), _row(world, 2, 学校代码="-1+HYPERLINK(1)")])
    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=data, filename="r.xlsx"
    )
    content = annotated_workbook(data=data, filename="r.xlsx", problems=job.errors)
    ws = load_workbook(io.BytesIO(content)).active
    rows = list(ws.iter_rows(min_row=1, max_row=3))
    column = HEADER.index("学校代码")
    assert rows[0][len(HEADER)].value.startswith("错误原因")
    assert rows[1][column].fill.fgColor.rgb.endswith("FFC7CE") is False
    assert rows[2][column].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows[2][column].value == "'-1+HYPERLINK(1)"  # written as text, not a formula
    assert "未知的学校代码" in rows[2][len(HEADER)].value
    assert len(rows[1]) == len(HEADER) or rows[1][len(HEADER)].value in (None, "")


def test_annotated_workbook_reads_csv_and_keeps_excel_row_numbers():
    data = "名单,\n姓名,身份证号\n张三,1\n\n李四,2\n".encode()
    problems = [{"row": 5, "column": "身份证号", "reason_zh": "错", "reason_en": "bad"}]
    content = annotated_workbook(data=data, filename="r.csv", problems=problems, language="en")
    ws = load_workbook(io.BytesIO(content)).active
    assert ws.cell(2, 1).value == "姓名"
    assert ws.cell(5, 1).value == "李四" and ws.cell(5, 3).value == "身份证号: bad"
    assert ws.cell(5, 2).fill.fgColor.rgb.endswith("FFC7CE")


def test_template_lists_headings_and_allowed_values():
    content = template_workbook(TEACHER_COLUMNS, "教师")
    wb = load_workbook(io.BytesIO(content))
    assert wb.sheetnames == ["教师", "允许值", "下拉选项"]
    assert wb["下拉选项"].sheet_state == "hidden"
    heading = [c.value for c in wb["教师"][1]]
    assert heading[:2] == ["姓名*", "身份证号*"] and "性别" in heading
    allowed = list(wb["允许值"].iter_rows(values_only=True))
    assert any(r[1] == "education_level" and r[2] == "bachelor" for r in allowed)
    assert any(r[1] == "gender" and r[3] == "女" and r[4] == "Female" for r in allowed)


def test_a_filled_in_template_imports(world):
    """The template itself, filled in, imports (round trip of the layout)."""
    wb = load_workbook(io.BytesIO(template_workbook(TEACHER_COLUMNS, "教师")))
    ws = wb["教师"]
    values = dict(zip(HEADER, _row(world, 7), strict=True))
    names = [c.value.rstrip("*") for c in ws[1]]
    mapping = {"身份证号": "身份证号码"}
    ws.append([values.get(mapping.get(n, n), "") for n in names])
    out = io.BytesIO()
    wb.save(out)
    job = jobs.import_job_start(
        actor=world["users"]["school"], kind="teachers", data=out.getvalue(), filename="t.xlsx"
    )
    assert job.status == "validated", job.errors
