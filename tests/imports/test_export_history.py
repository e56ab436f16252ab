"""Exports of the history tables (education, titles, recognitions, employments): one row per
record in the history import's layout, scoped, masked unless allowed, round-trip."""

import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access import permissions
from qiangshi.access.models import Role
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.imports import specs
from qiangshi.imports.exports import HISTORY_KINDS, export_file, history_export_rows
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import EducationRecord, Employment, Recognition, TitleRecord
from qiangshi.teachers.services import employment_change, employment_end, teacher_record_add
from tests import factories

MODELS = {
    "education": EducationRecord,
    "titles": TitleRecord,
    "recognitions": Recognition,
    "employments": Employment,
}


def give_history(actor, teacher, *, institution="厦门大学", transfer_to=None):
    """Two degrees (one with every detail), two titles, two recognitions, and — when
    `transfer_to` is given — a second employment from 2020 (the first ends the day before)."""
    records = [
        (
            "education",
            {
                "level": "associate",
                "institution": "集美师专",
                "major": "中文",
                "study_mode": "in_service",
                "is_normal_major": True,
                "start_date": date(2002, 9, 1),
                "end_date": date(2005, 7, 1),
            },
        ),
        ("education", {"level": "bachelor", "institution": institution, "end_date": date(2008, 7, 1)}),
        ("title", {"rank": "second", "obtained_on": date(2010, 9, 1)}),
        ("title", {"rank": "first", "obtained_on": date(2016, 9, 1), "appointed_on": date(2017, 1, 1)}),
        (
            "recognition",
            {
                "kind": "backbone",
                "level": "city",
                "subject": "chinese",
                "start_date": date(2023, 1, 1),
                "end_date": date(2025, 12, 31),
            },
        ),
        ("recognition", {"kind": "subject_leader", "level": "district", "start_date": date(2021, 1, 1)}),
    ]  # fmt: skip
    for kind, data in records:
        teacher_record_add(actor=actor, teacher=teacher, kind=kind, data=data)
    if transfer_to is not None:
        employment_change(
            actor=actor,
            teacher=teacher,
            data={
                "school": transfer_to,
                "employment_type": "contract",
                "post_category": "administration",
                "is_full_time_teacher": False,
                "post_grade": 10,
                "main_subject": "mathematics",
                "start_date": date(2020, 9, 1),
            },
        )


@pytest.fixture
def histories(world):
    """Every world teacher with a history; 陈静 (school A) also moved within school A and
    李强 (Huli) came from school B."""
    admin = world["users"]["admin"]
    teachers, schools = world["teachers"], world["schools"]
    give_history(admin, teachers["a"], transfer_to=schools["a"])
    give_history(admin, teachers["b"])
    give_history(admin, teachers["c"], transfer_to=schools["c"])
    give_history(admin, teachers["d"])
    return world


def as_table(data: bytes) -> tuple[list[str], list[dict]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = [str(h) for h in rows[0]]
    return header, [dict(zip(header, r, strict=True)) for r in rows[1:]]


def snapshot() -> dict[str, list[dict]]:
    """Every history record, every field (updated_at included)."""
    return {kind: list(model.objects.order_by("pk").values()) for kind, model in MODELS.items()}


@pytest.mark.parametrize("kind", HISTORY_KINDS)
def test_export_then_import_changes_nothing(histories, kind):
    admin = histories["users"]["admin"]
    result = export_file(actor=admin, kind=kind)
    before = snapshot()
    audits = AuditLog.objects.filter(action__startswith="teacher.").count()
    assert result.rows == MODELS[kind].objects.count() > 0
    header, rows = as_table(result.data)
    assert header == [c.title_zh for c in specs.HISTORY_COLUMNS[kind]]
    assert len(rows) == result.rows

    back = import_file(actor=admin, kind=kind, data=result.data, filename="back.xlsx")

    assert back.problems == []
    assert (back.new, back.changed, back.rejected) == (0, 0, 0)
    assert back.unchanged == result.rows
    assert snapshot() == before
    assert AuditLog.objects.filter(action__startswith="teacher.").count() == audits


def test_values_are_the_labels_and_dates_the_import_reads(histories):
    admin = histories["users"]["admin"]
    chen = histories["teachers"]["a"]
    _, rows = as_table(export_file(actor=admin, kind="education").data)
    mine = [r for r in rows if r["姓名"] == chen.name]
    assert [r["学历"] for r in mine] == ["专科", "本科"]  # oldest first
    first = mine[0]
    assert first["身份证号"] == chen.national_id
    assert (first["毕业院校"], first["所学专业"], first["学习形式"]) == ("集美师专", "中文", "在职")
    assert first["是否师范专业"] == "是" and mine[1]["是否师范专业"] == "否"
    assert isinstance(first["入学日期"], datetime) and first["毕业日期"].date() == date(2005, 7, 1)

    _, rows = as_table(export_file(actor=admin, kind="titles").data)
    assert [(r["职称"], r["取得日期"].date()) for r in rows if r["姓名"] == chen.name] == [
        ("二级教师", date(2010, 9, 1)),
        ("一级教师", date(2016, 9, 1)),
    ]

    _, rows = as_table(export_file(actor=admin, kind="recognitions").data)
    mine = [r for r in rows if r["姓名"] == chen.name]
    assert [(r["称号"], r["级别"], r["学科"]) for r in mine] == [
        ("学科带头人", "区级", None),
        ("骨干教师", "市级", "语文"),
    ]

    _, rows = as_table(export_file(actor=admin, kind="employments").data)
    mine = [r for r in rows if r["姓名"] == chen.name]
    assert [r["开始日期"].date() for r in mine] == [date(2010, 9, 1), date(2020, 9, 1)]
    past, current = mine
    assert past["学校代码"] == histories["schools"]["a"].code
    assert (past["用人类型"], past["岗位类别"], past["是否专任教师"]) == ("在编", "教学岗位", "是")
    assert past["结束日期"].date() == date(2020, 8, 31) and past["结束原因"] == "transfer"
    assert (current["用人类型"], current["岗位类别"], current["任教学科"]) == (
        "合同制",
        "管理岗位",
        "数学",
    )
    assert (current["是否专任教师"], current["岗位等级"], current["结束日期"]) == ("否", 10, None)


def test_labels_written_are_read_back_as_their_codes(histories):
    admin = histories["users"]["admin"]
    for kind in HISTORY_KINDS:
        header, rows = as_table(export_file(actor=admin, kind=kind).data)
        for column in specs.HISTORY_COLUMNS[kind]:
            if column.choices:
                for row in rows:
                    if row[column.title_zh] is not None:
                        assert column.parse(row[column.title_zh]) in column.choices


def test_school_admin_exports_only_their_schools_teachers(histories):
    school_admin = histories["users"]["school"]
    chen = histories["teachers"]["a"]
    for kind in HISTORY_KINDS:
        _, rows = as_table(export_file(actor=school_admin, kind=kind).data)
        assert {r["姓名"] for r in rows} == {chen.name}
        assert len(rows) == MODELS[kind].objects.filter(teacher=chen).count()
    _, rows = as_table(export_file(actor=histories["users"]["district"], kind="titles").data)
    assert {r["姓名"] for r in rows} == {"陈静", "王芳"}


def test_filters_choose_the_teachers(histories):
    admin, schools = histories["users"]["admin"], histories["schools"]
    _, rows = as_table(export_file(actor=admin, kind="titles", filters={"stage": "junior"}).data)
    assert {r["姓名"] for r in rows} == {"李强"}
    filters = {"district": histories["tree"]["siming"].pk, "q": "王"}
    _, rows = as_table(export_file(actor=admin, kind="education", filters=filters).data)
    assert {r["姓名"] for r in rows} == {"王芳"}
    _, rows = as_table(
        export_file(actor=admin, kind="employments", filters={"school": schools["c"].pk}).data
    )
    assert {r["姓名"] for r in rows} == {"李强"} and len(rows) == 2
    teacher_record_add(
        actor=admin,
        teacher=histories["teachers"]["d"],
        kind="title",
        data={"rank": "senior", "obtained_on": date(2022, 9, 1)},
    )
    _, rows = as_table(export_file(actor=admin, kind="titles", filters={"title": "senior"}).data)
    assert [(r["姓名"], r["职称"]) for r in rows] == [
        ("张伟", "二级教师"),
        ("张伟", "一级教师"),
        ("张伟", "高级教师"),
    ]


def test_former_teachers_are_exported_with_status_former_or_all(histories):
    admin = histories["users"]["admin"]
    zhang = histories["teachers"]["d"]
    employment_end(actor=admin, teacher=zhang, end_date=date(2024, 7, 31), reason="退休")
    names = {r["姓名"] for r in as_table(export_file(actor=admin, kind="employments").data)[1]}
    assert zhang.name not in names
    result = export_file(actor=admin, kind="employments", filters={"status": "former"})
    _, rows = as_table(result.data)
    assert [(r["姓名"], r["结束原因"]) for r in rows] == [(zhang.name, "退休")]
    back = import_file(actor=admin, kind="employments", data=result.data, filename="f.xlsx")
    assert (back.problems, back.unchanged, back.new, back.changed) == ([], 1, 0, 0)


def test_full_ids_are_logged_once_per_teacher_written(histories):
    district = histories["users"]["district"]
    export_file(actor=district, kind="recognitions")
    log = AccessLog.objects.get()  # one row for the export
    assert (log.channel, log.field, log.object_repr) == ("export", "national_id", "recognitions")
    # 陈静 and 王芳, two recognitions each: each teacher attached once
    assert log.subject_count == 2
    assert sorted(log.subjects.values_list("object_id", flat=True)) == sorted(
        [str(histories["teachers"]["a"].pk), str(histories["teachers"]["b"].pk)]
    )
    assert log.actor_username == district.username


def test_without_view_sensitive_ids_are_masked_and_cannot_be_imported(histories, monkeypatch):
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.SCHOOL,
        permissions.ROLE_PERMISSIONS[Role.SCHOOL] - {"teacher.view_sensitive"},
    )
    number = histories["teachers"]["a"].national_id
    result = export_file(actor=histories["users"]["school"], kind="titles")
    _, rows = as_table(result.data)
    assert len(rows) == 2
    assert {r["身份证号"] for r in rows} == {number[:4] + "*" * 10 + number[-4:]}
    assert number not in str(rows)
    assert not AccessLog.objects.exists()
    back = import_file(
        actor=histories["users"]["admin"], kind="titles", data=result.data, filename="m.xlsx"
    )
    assert back.rejected == 2 and not back.committed


def test_formula_like_text_is_written_as_text_and_read_back(world):
    admin = world["users"]["admin"]
    teacher = world["teachers"]["b"]
    give_history(admin, teacher, institution='=HYPERLINK("http://x","y")')
    employment_end(actor=admin, teacher=teacher, end_date=date(2024, 7, 31), reason="-调出")
    education = export_file(actor=admin, kind="education", filters={"status": "former"})
    ws = load_workbook(io.BytesIO(education.data)).worksheets[0]
    column = specs.EDUCATION_COLUMNS.index(
        next(c for c in specs.EDUCATION_COLUMNS if c.key == "institution")
    )
    cells = [row[column] for row in ws.iter_rows(min_row=2) if str(row[column].value)[:2] == "'="]
    assert [c.value for c in cells] == ['\'=HYPERLINK("http://x","y")']
    assert cells[0].data_type == "s"
    employments = export_file(actor=admin, kind="employments", filters={"status": "all"})
    _, rows = as_table(employments.data)
    assert [r["结束原因"] for r in rows if r["姓名"] == teacher.name] == ["'-调出"]
    for kind, result in (("education", education), ("employments", employments)):
        back = import_file(actor=admin, kind=kind, data=result.data, filename="f.xlsx")
        assert (back.problems, back.new, back.changed) == ([], 0, 0)
        assert back.unchanged == result.rows


def test_export_file_writes_an_audit_record_per_export(histories):
    district = histories["users"]["district"]
    number = histories["teachers"]["a"].national_id
    expected = {
        "education": ("teacher.education_export", "teachers.educationrecord"),
        "titles": ("teacher.title_export", "teachers.titlerecord"),
        "recognitions": ("teacher.recognition_export", "teachers.recognition"),
        "employments": ("teacher.employment_export", "teachers.employment"),
    }
    for kind, (action, object_type) in expected.items():
        result = export_file(actor=district, kind=kind, filters={"q": number})
        assert result.filename.startswith(f"{kind}-") and result.filename.endswith(".xlsx")
        audit = AuditLog.objects.get(action=action)
        assert audit.object_type == object_type
        assert audit.actor_username == district.username
        assert audit.changes["rows"] == [None, result.rows] and result.rows == 2
        assert number not in audit.note and number[-4:] in audit.note


def test_roles_without_teacher_export_may_not(histories):
    for role in ("teacher", "pilot", "auditor"):
        with pytest.raises(ApplicationError):
            export_file(actor=histories["users"][role], kind="education")
    with pytest.raises(ApplicationError):
        export_file(actor=histories["users"]["admin"], kind="titles", fmt="national")


def test_command_exports_a_history_table_with_the_users_scope(histories, tmp_path, capsys):
    out = tmp_path / "h.xlsx"
    call_command("export", "education", user=histories["users"]["school"].username, out=str(out))
    assert capsys.readouterr().out.strip().endswith("2 rows")
    header, rows = as_table(out.read_bytes())
    assert header == [c.title_zh for c in specs.EDUCATION_COLUMNS]
    assert {r["姓名"] for r in rows} == {"陈静"}
    call_command(
        "export",
        "employments",
        user=histories["users"]["bureau"].username,
        out=str(out),
        district="350206",
    )
    _, rows = as_table(out.read_bytes())
    assert [(r["姓名"], r["开始日期"].date()) for r in rows] == [
        ("李强", date(2010, 9, 1)),
        ("李强", date(2020, 9, 1)),
    ]
    audit = AuditLog.objects.get(action="teacher.employment_export")
    assert audit.actor_username == histories["users"]["bureau"].username


def test_web_download_of_a_history_table_with_the_list_filters(histories, client):
    client.force_login(histories["users"]["district"])
    page = client.get(reverse("web:teacher_list")).content.decode()
    for kind in HISTORY_KINDS:
        assert f"kind={kind}" in page
    school_b = histories["schools"]["b"]
    response = client.get(
        reverse("web:teacher_export_template"), {"kind": "titles", "school": school_b.pk}
    )
    assert response.status_code == 200
    assert 'filename="titles-' in response["Content-Disposition"]
    header, rows = as_table(response.content)
    assert header == [c.title_zh for c in specs.TITLE_COLUMNS]
    assert [(r["姓名"], r["职称"]) for r in rows] == [("王芳", "二级教师"), ("王芳", "一级教师")]
    assert AuditLog.objects.get(action="teacher.title_export").note == f"school={school_b.pk}"
    # The list's own export URL takes the kind too.
    response = client.get(reverse("web:teacher_export"), {"kind": "recognitions", "q": "陈"})
    _, rows = as_table(response.content)
    assert {r["姓名"] for r in rows} == {"陈静"} and len(rows) == 2
    assert client.get(reverse("web:teacher_export_template"), {"kind": "x"}).status_code == 404
    client.force_login(histories["users"]["pilot"])
    url = reverse("web:teacher_export_template")
    assert client.get(url, {"kind": "education"}).status_code == 403


def _many(world, n: int):
    admin = world["users"]["admin"]
    for i in range(n):
        give_history(admin, factories.teacher(admin, world["schools"]["a"], f"批量{i}"))


def _count(django_assert_max_num_queries, actor, kind):
    with django_assert_max_num_queries(20) as ctx:
        _, rows = history_export_rows(actor=actor, kind=kind, filters={})
        n = len(list(rows))
    return n, len(ctx.captured_queries)


@pytest.mark.parametrize("kind", HISTORY_KINDS)
def test_no_query_per_teacher(world, django_assert_max_num_queries, kind):
    admin = world["users"]["admin"]
    _many(world, 3)
    few, q_few = _count(django_assert_max_num_queries, admin, kind)
    _many(world, 27)
    many, q_many = _count(django_assert_max_num_queries, admin, kind)
    assert many > few > 0
    assert q_many <= q_few


def test_text_stored_with_full_width_brackets_or_doubled_spaces_round_trips(world, histories):
    admin = world["users"]["admin"]
    record = EducationRecord.objects.filter(teacher=world["teachers"]["a"]).first()
    EducationRecord.objects.filter(pk=record.pk).update(
        institution="北京师范大学（珠海校区）", major="学科教学（语文）  方向"
    )
    exported = export_file(actor=admin, kind="education", filters={})
    before = EducationRecord.objects.count()
    result = import_file(actor=admin, kind="education", data=exported.data, filename="e.xlsx")
    assert (result.new, result.changed, result.rejected) == (0, 0, 0)
    assert EducationRecord.objects.count() == before
    record.refresh_from_db()
    assert record.institution == "北京师范大学（珠海校区）"  # as stored: nothing rewritten
