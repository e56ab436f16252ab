"""Importing a teacher roster: all-or-nothing, idempotent, scoped, history kept."""

import io
import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.engines import idcard
from qiangshi.imports.models import ImportJob
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import Employment, Teacher, TitleRecord

HEADER = [
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "学校代码",
    "用人类型",
    "任教学科",
    "最高学历",
    "职称",
    "手机号码",
]


def _id(n: int, gender: str = "female", birth: date = date(1990, 5, 17)) -> str:
    return idcard.make("350206", birth, n, gender)


def _xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _row(world, n=1, **over):
    values = {
        "姓名": f"测试{n}",
        "身份证号码": _id(n),
        "性别": "女",
        "出生日期": "1990/5/17",
        "学校代码": world["schools"]["a"].code,
        "用人类型": "在编",
        "任教学科": "数学",
        "最高学历": "大学本科",
        "职称": "一级教师",
        "手机号码": "138 0000 0001",
    }
    values.update(over)
    return [values[h] for h in HEADER]


def test_new_rows_are_created_with_history_records(world):
    data = _xlsx([_row(world, 1), _row(world, 2)])
    result = import_file(
        actor=world["users"]["school"], kind="teachers", data=data, filename="roster.xlsx"
    )
    assert (result.new, result.changed, result.unchanged, result.rejected) == (2, 0, 0, 0)
    t = Teacher.objects.get(name="测试1")
    assert t.national_id == _id(1) and t.phone == "13800000001"
    assert t.current_school == world["schools"]["a"]
    assert TitleRecord.objects.get(teacher=t).rank == "first"
    assert t.education_records.get().level == "bachelor"
    job = ImportJob.objects.get()
    assert (job.status, job.new, job.file_name) == ("committed", 2, "roster.xlsx")
    assert AuditLog.objects.filter(action="teacher.import_create").count() == 2
    assert _id(1) not in json.dumps(list(AuditLog.objects.values("changes")), default=str)


def test_reimporting_the_same_file_changes_nothing(world):
    data = _xlsx([_row(world, 1), _row(world, 2)])
    import_file(actor=world["users"]["school"], kind="teachers", data=data, filename="a.xlsx")
    counts = (Teacher.objects.count(), Employment.objects.count(), TitleRecord.objects.count())
    again = import_file(
        actor=world["users"]["school"], kind="teachers", data=data, filename="a.xlsx"
    )
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    assert (
        Teacher.objects.count(),
        Employment.objects.count(),
        TitleRecord.objects.count(),
    ) == counts


def test_a_changed_school_becomes_a_new_employment_record(world):
    actor = world["users"]["district"]
    import_file(actor=actor, kind="teachers", data=_xlsx([_row(world, 1)]), filename="a.xlsx")
    Employment.objects.filter(teacher__name="测试1").update(start_date=date(2020, 9, 1))
    moved = _row(world, 1, **{"学校代码": world["schools"]["b"].code})
    result = import_file(actor=actor, kind="teachers", data=_xlsx([moved]), filename="b.xlsx")
    assert result.changed == 1
    t = Teacher.objects.get(name="测试1")
    jobs = list(t.employments.order_by("pk"))
    assert len(jobs) == 2 and jobs[0].end_date is not None and jobs[1].end_date is None
    assert t.current_school == world["schools"]["b"]
    # The file gives no start date at the new school: kept empty and said, never the import's.
    assert jobs[1].start_date is None
    assert [n["key"] for n in result.notes()] == ["employment_start"]


def test_a_changed_post_at_the_same_school_without_a_date_keeps_the_tenure(world):
    actor = world["users"]["district"]
    import_file(actor=actor, kind="teachers", data=_xlsx([_row(world, 1)]), filename="a.xlsx")
    Employment.objects.filter(teacher__name="测试1").update(start_date=date(2020, 9, 1))
    changed = _row(world, 1, **{"任教学科": "语文"})
    result = import_file(actor=actor, kind="teachers", data=_xlsx([changed]), filename="b.xlsx")
    assert result.changed == 1 and result.notes() == []
    job = Teacher.objects.get(name="测试1").employments.get()
    assert (job.main_subject, job.start_date) == ("chinese", date(2020, 9, 1))


def test_a_move_with_its_start_date_closes_the_previous_post_the_day_before(world):
    actor = world["users"]["district"]
    import_file(actor=actor, kind="teachers", data=_xlsx([_row(world, 1)]), filename="a.xlsx")
    moved = [*_row(world, 1, **{"学校代码": world["schools"]["b"].code}), "2024-09-01"]
    data = _xlsx([moved], [*HEADER, "进本校年月"])
    result = import_file(actor=actor, kind="teachers", data=data, filename="b.xlsx")
    assert result.changed == 1 and result.notes() == []
    old, new = Teacher.objects.get(name="测试1").employments.order_by("pk")
    assert (old.start_date, old.end_date) == (None, date(2024, 8, 31))
    assert (new.start_date, new.end_date) == (date(2024, 9, 1), None)


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"身份证号码": "350206199005170011"}, "身份证号码", "check"),
        ({"出生日期": "1990-05-18"}, "出生日期", "birth date"),
        ({"出生日期": "1990.06"}, "出生日期", "birth date"),
        ({"出生日期": "1990年4月"}, "出生日期", "birth date"),
        ({"学校代码": "NOPE"}, "学校代码", "Unknown school"),
        ({"姓名": ""}, "姓名", "required"),
        ({"用人类型": "临时工"}, "用人类型", ""),
    ],
)
def test_one_bad_row_imports_nothing_and_says_where(world, override, column, fragment):
    rows = [_row(world, 1), _row(world, 2, **override), _row(world, 3)]
    with_translation = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx(rows), filename="bad.xlsx"
    )
    assert Teacher.objects.filter(name__startswith="测试").count() == 0
    assert with_translation.rejected == 1
    problem = with_translation.as_dict()["errors"][0]
    assert problem["row"] == 3 and problem["column"] == column
    assert fragment.lower() in problem["reason_en"].lower()


@pytest.mark.parametrize("birth", ["1990.05", "1990年5月", "199005", 1990.05, "1990-5"])
def test_a_birth_month_without_the_day_agrees_with_the_id(world, birth):
    result = import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=_xlsx([_row(world, 1, **{"出生日期": birth})]),  # the ID says 1990-05-17
        filename="month.xlsx",
    )
    assert (result.new, result.rejected) == (1, 0), result.as_dict()["errors"]
    assert Teacher.objects.get(name="测试1").birth_date == date(1990, 5, 17)


def test_a_contradicting_birth_month_is_shown_as_typed(world):
    rows = [_row(world, 1, **{"出生日期": "1990.06"})]
    result = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx(rows), filename="m.xlsx"
    )
    assert result.as_dict()["errors"][0]["value"] == "1990-06"


def test_duplicate_id_within_the_file_names_both_rows(world):
    rows = [_row(world, 1), _row(world, 1, **{"姓名": "测试1"})]
    result = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx(rows), filename="dup.xlsx"
    )
    assert result.problems[0].row == 3 and "row 2" in result.problems[0].reason_en


def test_id_owned_by_someone_with_another_name_is_rejected(world):
    existing = world["teachers"]["a"]
    row = _row(
        world,
        1,
        **{
            "身份证号码": existing.national_id,
            "出生日期": existing.birth_date,
            "性别": "女",
            "姓名": "冒名者",
        },
    )
    result = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx([row]), filename="x.xlsx"
    )
    assert "different name" in result.problems[0].reason_en


def test_rows_outside_the_actors_area_are_rejected(world):
    row = _row(world, 1, **{"学校代码": world["schools"]["b"].code})
    result = import_file(
        actor=world["users"]["school"], kind="teachers", data=_xlsx([row]), filename="x.xlsx"
    )
    assert result.problems[0].reason_en == "This school is outside your area"
    assert not Teacher.objects.filter(name="测试1").exists()


def test_missing_required_column_is_reported_on_row_1(world):
    header = [h for h in HEADER if h != "学校代码"]
    rows = [[v for h, v in zip(HEADER, _row(world, 1), strict=True) if h != "学校代码"]]
    result = import_file(
        actor=world["users"]["admin"], kind="teachers", data=_xlsx(rows, header), filename="x.xlsx"
    )
    assert result.problems[0].row == 1 and "学校代码" in result.problems[0].column


def test_not_a_spreadsheet_is_a_clear_error(world):
    with pytest.raises(ApplicationError):
        import_file(
            actor=world["users"]["admin"],
            kind="teachers",
            data=b"\x89PNG\r\n\x1a\n",
            filename="photo.xlsx",
        )
    with pytest.raises(ApplicationError):
        import_file(actor=world["users"]["admin"], kind="teachers", data=b"", filename="e.csv")


def test_csv_in_gb18030_with_typed_cells(world):
    row = _row(
        world,
        4,
        **{
            "出生日期": "1990年5月17日",
            "身份证号码": _id(4).lower().replace("x", "x"),
            "手机号码": "１３８００００００４４",
        },
    )
    text = ",".join(HEADER) + "\n" + ",".join(str(v) for v in row) + "\n"
    result = import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=text.encode("gb18030"),
        filename="roster.csv",
    )
    assert result.problems == [] and result.new == 1
    assert Teacher.objects.get(name="测试4").phone == "13800000044"


def test_dry_run_counts_without_writing(world):
    result = import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=_xlsx([_row(world, 1)]),
        filename="x.xlsx",
        dry_run=True,
    )
    assert result.new == 1 and not Teacher.objects.filter(name="测试1").exists()
    assert not ImportJob.objects.exists()


def test_command_prints_json_and_exits_non_zero_on_rejection(world, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(_xlsx([_row(world, 1)]))
    call_command(
        "import", "teachers", str(good), user=world["users"]["admin"].username, format="json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out == {"new": 1, "changed": 0, "unchanged": 0, "rejected": 0, "errors": []}
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([_row(world, 2, **{"学校代码": "NOPE"})]))
    with pytest.raises(SystemExit) as exc:
        call_command(
            "import",
            "teachers",
            str(bad),
            user=world["users"]["admin"].username,
            format="json",
            dry_run=True,
        )
    assert exc.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["rejected"] == 1
    assert set(out["errors"][0]) >= {"row", "column", "value", "reason"}


def test_command_shows_progress_on_standard_error(world, tmp_path):
    import io

    path = tmp_path / "good.xlsx"
    path.write_bytes(_xlsx([_row(world, n) for n in range(1, 4)]))
    err, out = io.StringIO(), io.StringIO()
    call_command(
        "import", "teachers", str(path), user=world["users"]["admin"].username, stderr=err,
        stdout=out,
    )  # fmt: skip
    lines = err.getvalue().splitlines()
    assert any(line.startswith("reading") for line in lines)
    assert any(line.startswith("writing") and "100%" in line for line in lines)
    assert "new 3" in out.getvalue()
    err = io.StringIO()
    path.write_bytes(_xlsx([_row(world, n) for n in range(4, 6)]))
    call_command(
        "import", "teachers", str(path), user=world["users"]["admin"].username, stderr=err,
        stdout=io.StringIO(), no_progress=True,
    )  # fmt: skip
    assert err.getvalue() == ""


def test_dates_the_file_leaves_out_are_kept_empty_reported_and_shown_missing(world, client):
    from qiangshi.rotation.selectors import candidates
    from qiangshi.teachers.selectors import teacher_completeness

    header = [*HEADER, "进本校年月", "毕业日期", "取得职称日期"]
    dated = [*_row(world, 1), "2015-09", "2012-07-01", "2018-09-01"]
    undated = [*_row(world, 2), None, None, None]
    data = _xlsx([dated, undated], header)
    admin = world["users"]["admin"]
    client.force_login(admin)

    # The preview (a job validated, nothing written) lists the rows, in both languages.
    response = client.post(
        reverse("web:import_list"),
        {"kind": "teachers", "file": SimpleUploadedFile("d.xlsx", data)},
    )
    preview = ImportJob.objects.get()
    assert response.status_code == 302 and preview.status == "validated"
    assert [(n["key"], n["count"], n["rows"]) for n in preview.notes] == [
        ("employment_start", 1, [3]),
        ("graduation_date", 1, [3]),
        ("title_obtained_on", 1, [3]),
    ]
    assert preview.notes[2]["reason_zh"].startswith("1 行没有取得职称日期：已留空（第 3 行）")
    assert preview.notes[2]["reason_en"].startswith("1 row has no title date: kept empty (row 3)")
    page = client.get(reverse("web:import_detail", args=[preview.pk])).content.decode()
    assert 'id="import-notes"' in page and "1 行没有取得职称日期：已留空（" in page
    notes = page[page.index('id="import-notes"') :].split("</div>\n")[1]
    assert "第 3 行" in notes and timezone.localdate().isoformat() not in notes

    result = import_file(actor=admin, kind="teachers", data=data, filename="d.xlsx")
    assert result.committed and [n["count"] for n in result.notes()] == [1, 1, 1]
    assert [n["count"] for n in result.job.notes] == [1, 1, 1]

    # Nothing invented: the dates are empty, the degree and title are still held.
    undated_teacher = Teacher.objects.get(name="测试2")
    job = undated_teacher.employments.get()
    education = undated_teacher.education_records.get()
    title = undated_teacher.title_records.get()
    assert (job.start_date, education.end_date, title.obtained_on) == (None, None, None)
    assert education.end_date_missing and education.is_completed
    assert undated_teacher.highest_education == education
    assert undated_teacher.current_title == title
    dated_teacher = Teacher.objects.get(name="测试1")
    assert dated_teacher.employments.get().start_date == date(2015, 9, 1)
    assert dated_teacher.title_records.get().obtained_on == date(2018, 9, 1)
    assert not dated_teacher.education_records.get().end_date_missing

    # The record is incomplete and its page shows the dates as missing, not as a date.
    lacks = {m["field"] for m in teacher_completeness(undated_teacher)["missing"]}
    assert {"start_date", "graduation_date", "obtained_on"} <= lacks
    lacks = {m["field"] for m in teacher_completeness(dated_teacher)["missing"]}
    assert not {"start_date", "graduation_date", "obtained_on"} & lacks
    detail = client.get(reverse("web:teacher_detail", args=[undated_teacher.pk])).content
    detail = detail.decode()
    for field in ("start_date", "end_date", "obtained_on"):
        assert f'data-missing-date="{field}"' in detail

    # Rotation cannot count years at the school from a date nobody gave.
    _, people = candidates(world["tree"]["siming"], timezone.localdate().year)
    person = next(c for c in people if c.teacher_id == undated_teacher.pk)
    assert person.since is None and "start_missing" in person.reasons and not person.eligible

    # The same file again: nothing to change, nothing to say.
    again = import_file(actor=admin, kind="teachers", data=data, filename="d.xlsx")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2) and again.notes() == []
    assert undated_teacher.employments.get().start_date is None


def test_the_roster_sent_again_with_the_dates_fills_them_in(world):
    from qiangshi.teachers.selectors import teacher_completeness

    header = [*HEADER, "进本校年月", "毕业日期", "取得职称日期"]
    admin = world["users"]["admin"]
    undated = _xlsx([[*_row(world, 1), None, None, None]], header)
    import_file(actor=admin, kind="teachers", data=undated, filename="a.xlsx")
    dated = _xlsx([[*_row(world, 1), "2015-09", "2012-07-01", "2018-09-01"]], header)
    preview = import_file(actor=admin, kind="teachers", data=dated, filename="b.xlsx", dry_run=True)
    assert (preview.new, preview.changed, preview.unchanged) == (0, 1, 0)
    result = import_file(actor=admin, kind="teachers", data=dated, filename="b.xlsx")
    assert (result.new, result.changed, result.unchanged) == (0, 1, 0) and result.notes() == []
    t = Teacher.objects.get(name="测试1")
    job, education, title = (
        t.employments.get(),
        t.education_records.get(),
        t.title_records.get(),
    )  # completed in place: no second record of any kind
    assert job.start_date == date(2015, 9, 1) and job.end_date is None
    assert (education.end_date, education.end_date_missing) == (date(2012, 7, 1), False)
    assert title.obtained_on == date(2018, 9, 1)
    lacks = {m["field"] for m in teacher_completeness(t)["missing"]}
    assert not {"start_date", "graduation_date", "obtained_on"} & lacks
    audit = AuditLog.objects.filter(action="teacher.import_update", object_id=str(t.pk)).get()
    assert audit.changes["titlerecord.obtained_on"] == [None, "2018-09-01"]
    assert audit.changes["employment.start_date"] == [None, "2015-09-01"]
    again = import_file(actor=admin, kind="teachers", data=dated, filename="b.xlsx")
    assert (again.changed, again.unchanged) == (0, 1)


def test_the_command_says_what_it_filled_in_without_changing_its_json(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(_xlsx([_row(world, 1)]))
    admin = world["users"]["admin"].username
    call_command("import", "teachers", str(path), user=admin, format="json", dry_run=True)
    out, err = capsys.readouterr()
    assert set(json.loads(out)) == {"new", "changed", "unchanged", "rejected", "errors"}
    assert "note: 1 行没有填写进本校年月：已留空" in err and "kept empty" in err
    call_command("import", "teachers", str(path), user=admin, dry_run=True, no_progress=True)
    assert "  note: 1 行没有毕业日期：已留空" in capsys.readouterr().out


def test_a_note_names_the_first_rows_and_says_how_many_more():
    from qiangshi.imports.services import MissingDates

    missing = MissingDates()
    for row in range(2, 40):
        missing.add("graduation_date", row)
    (note,) = missing.notes()
    assert note["count"] == 38 and note["rows"] == list(range(2, 22))
    assert note["reason_en"].startswith("38 rows have no graduation date: kept empty (rows 2, 3,")
    assert ", 21, …)" in note["reason_en"]
    assert (
        note["reason_zh"].startswith("38 行没有毕业日期：已留空（第 2、3、")
        and "21 行等）" in note["reason_zh"]
    )


def test_a_roster_without_ethnicity_or_political_status_leaves_them_empty(world):
    """Never the commonest value in place of a missing one (issue 13, item 5)."""
    from datetime import date

    from qiangshi.imports.services import import_file
    from qiangshi.teachers.models import Teacher
    from tests import factories

    number = factories.national_id(date(1991, 2, 3))
    school = world["schools"]["a"]
    csv = (f"姓名,身份证号,学校代码,用人类型\n吴敏,{number},{school.code},在编\n").encode()
    result = import_file(actor=world["users"]["admin"], kind="teachers", data=csv, filename="r.csv")
    assert result.problems == [] and result.new == 1
    teacher = Teacher.objects.get(name="吴敏")
    assert (teacher.ethnicity, teacher.political_status) == ("", "")
