"""Exports in the import template's layout: scoped, masked unless allowed, logged, round-trip."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from qiangshi.access import permissions
from qiangshi.access.models import Role
from qiangshi.core.models import AccessLog, AuditLog
from qiangshi.core.xlsx import write_xlsx
from qiangshi.imports import specs
from qiangshi.imports.exports import (
    FACILITY_HEADER,
    export_file,
    facilities_export_rows,
    schools_export_rows,
    teachers_export_rows,
)
from qiangshi.imports.services import import_file
from qiangshi.org.models import SchoolEnrollment, SchoolFacility
from qiangshi.teachers.models import (
    CertificateStage,
    EducationLevel,
    EmploymentType,
    Gender,
    PoliticalStatus,
    PostCategory,
    RecognitionLevel,
    Subject,
    TitleRank,
)
from qiangshi.teachers.services import teacher_record_add
from tests import factories


def enrich(actor, teacher, *, title="first", level="bachelor", backbone="city"):
    """Give a teacher an education, a title, a certificate and a backbone recognition."""
    add = teacher_record_add
    add(
        actor=actor,
        teacher=teacher,
        kind="education",
        data={
            "level": "associate",
            "institution": "集美师专",
            "major": "中文",
            "end_date": date(2005, 7, 1),
        },
    )
    add(
        actor=actor,
        teacher=teacher,
        kind="education",
        data={
            "level": level,
            "institution": "厦门大学",
            "major": "汉语言文学",
            "end_date": date(2008, 7, 1),
        },
    )
    add(
        actor=actor,
        teacher=teacher,
        kind="title",
        data={"rank": "second", "obtained_on": date(2010, 9, 1)},
    )
    if title:
        add(
            actor=actor,
            teacher=teacher,
            kind="title",
            data={"rank": title, "obtained_on": date(2016, 9, 1), "appointed_on": date(2017, 1, 1)},
        )
    add(
        actor=actor,
        teacher=teacher,
        kind="certificate",
        data={"stage": "primary", "subject": "chinese", "number": f"2008350{teacher.pk:05d}"},
    )
    if backbone:
        add(
            actor=actor,
            teacher=teacher,
            kind="recognition",
            data={
                "kind": "backbone",
                "level": backbone,
                "subject": "chinese",
                "start_date": date(2023, 1, 1),
            },
        )


def as_table(data: bytes) -> tuple[list[str], list[list]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return [str(h) for h in rows[0]], rows[1:]


def export_bytes(actor, filters=None) -> bytes:
    header, rows = teachers_export_rows(actor=actor, filters=filters or {})
    return write_xlsx([("教师", header, rows)])


def column(header, rows, name):
    i = header.index(name)
    return [r[i] for r in rows]


def test_header_is_the_import_templates(world):
    header, rows = teachers_export_rows(actor=world["users"]["admin"], filters={})
    assert header == [c.title_zh for c in specs.TEACHER_COLUMNS]
    assert len(list(rows)) == 4


@pytest.mark.parametrize(
    ("key", "choices"),
    [
        ("gender", Gender),
        ("political_status", PoliticalStatus),
        ("employment_type", EmploymentType),
        ("post_category", PostCategory),
        ("main_subject", Subject),
        ("education_level", EducationLevel),
        ("title_rank", TitleRank),
        ("certificate_stage", CertificateStage),
        ("certificate_subject", Subject),
        ("backbone_level", RecognitionLevel),
    ],
)
def test_every_label_written_is_read_back_as_its_code(key, choices):
    from qiangshi.imports.exports import zh_labels

    col = next(c for c in specs.TEACHER_COLUMNS if c.key == key)
    for code, label in zh_labels(choices).items():
        assert col.parse(label) == code
    if key in ("title_rank", "backbone_level"):
        assert col.parse("无") == specs.NONE


def test_round_trip_changes_nothing(world):
    admin = world["users"]["admin"]
    for t in world["teachers"].values():
        enrich(admin, t)
    extra = factories.teacher(admin, world["schools"]["b"], "无职称", phone="")
    enrich(admin, extra, title=None, backbone=None)
    data = export_bytes(admin)
    header, rows = as_table(data)
    assert len(rows) == 5
    row = dict(zip(header, rows[column(header, rows, "姓名").index("陈静")], strict=True))
    assert row["性别"] == "女" and row["用人类型"] == "在编" and row["最高学历"] == "本科"
    assert row["毕业院校"] == "厦门大学" and row["职称"] == "一级教师"
    assert row["骨干教师级别"] == "市级" and row["教师资格证学段"] == "小学"
    assert row["出生日期"].date() == date(1985, 3, 1)
    assert row["身份证号"] == world["teachers"]["a"].national_id
    result = import_file(actor=admin, kind="teachers", data=data, filename="x.xlsx")
    assert result.problems == []
    assert (result.new, result.changed, result.unchanged, result.rejected) == (0, 0, 5, 0)


def test_school_admin_exports_only_their_school(world):
    header, rows = as_table(export_bytes(world["users"]["school"]))
    assert column(header, rows, "姓名") == ["陈静"]
    assert column(header, rows, "学校代码") == [world["schools"]["a"].code]
    header, rows = as_table(export_bytes(world["users"]["district"]))
    assert sorted(column(header, rows, "姓名")) == sorted(["陈静", "王芳"])


def test_filters_narrow_the_export(world):
    admin = world["users"]["admin"]
    enrich(admin, world["teachers"]["c"], title="senior")
    header, rows = as_table(export_bytes(admin, {"title": "senior"}))
    assert column(header, rows, "姓名") == ["李强"]
    header, rows = as_table(export_bytes(admin, {"school": world["schools"]["b"].pk}))
    assert column(header, rows, "姓名") == ["王芳"]


def test_an_export_is_logged_once_with_its_teachers_attached(world):
    header, rows = as_table(export_bytes(world["users"]["district"]))
    assert len(rows) == 2
    log = AccessLog.objects.get()  # one row for the export, not one per teacher and field
    assert (log.channel, log.field, log.object_repr) == ("export", "national_id,phone", "teachers")
    assert log.actor_username == world["users"]["district"].username
    assert log.subject_count == 2
    assert set(log.subjects.values_list("object_id", flat=True)) == {
        str(world["teachers"]["a"].pk),
        str(world["teachers"]["b"].pk),
    }


def test_without_view_sensitive_ids_and_phones_are_masked(world, monkeypatch):
    school = world["users"]["school"]
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.SCHOOL,
        permissions.ROLE_PERMISSIONS[Role.SCHOOL] - {"teacher.view_sensitive"},
    )
    header, rows = as_table(export_bytes(school))
    number = world["teachers"]["a"].national_id
    assert column(header, rows, "身份证号") == [number[:4] + "*" * 10 + number[-4:]]
    assert column(header, rows, "手机号码") == ["138****1234"]
    assert not AccessLog.objects.exists()
    result = import_file(
        actor=world["users"]["admin"],
        kind="teachers",
        data=export_bytes(school),
        filename="masked.xlsx",
    )
    assert result.rejected == 1 and not result.committed


def test_formula_like_text_is_written_as_text(world):
    admin = world["users"]["admin"]
    factories.teacher(admin, world["schools"]["a"], '=HYPERLINK("http://x","y")')
    SchoolFacility.objects.create(
        school=world["schools"]["a"],
        year=2024,
        teaching_area_m2=1,
        sports_area_m2=1,
        equipment_value_yuan=1,
        multimedia_rooms=1,
    )
    world["schools"]["a"].address = "+cmd|' /C calc'!A0"
    world["schools"]["a"].save()
    ws = load_workbook(io.BytesIO(export_bytes(admin))).worksheets[0]
    names = [c for c in ws["A"][1:] if str(c.value).startswith("'=")]
    assert len(names) == 1 and names[0].data_type == "s"
    header, rows = schools_export_rows(actor=admin, filters={})
    ws = load_workbook(io.BytesIO(write_xlsx([("学校", header, rows)]))).worksheets[0]
    addresses = [c for c in ws["I"][1:] if c.value]
    assert [c.value for c in addresses] == ["'+cmd|' /C calc'!A0"]
    assert addresses[0].data_type == "s"


def test_schools_export_has_enrollment_per_grade(world):
    a = world["schools"]["a"]
    SchoolEnrollment.objects.create(school=a, year=2023, grade=1, students=10, classes=1)
    SchoolEnrollment.objects.create(school=a, year=2024, grade=1, students=90, classes=2)
    SchoolEnrollment.objects.create(school=a, year=2024, grade=6, students=80, classes=2)
    header, rows = schools_export_rows(actor=world["users"]["school"], filters={})
    rows = list(rows)
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["学校代码"] == a.code and row["区县代码"] == "350203" and row["区县名称"] == "思明区"
    assert row["办学类型"] == "小学" and row["城乡类型"] == "城区" and row["办学性质"] == "公办"
    assert row["学年"] == 2024
    assert (row["一年级学生数"], row["一年级班数"], row["六年级学生数"]) == (90, 2, 80)
    assert row["二年级学生数"] is None
    assert "高三班数" in header
    district = list(schools_export_rows(actor=world["users"]["district"], filters={})[1])
    assert {r[0] for r in district} == {a.code, world["schools"]["b"].code}


def test_facilities_export_is_scoped(world):
    for key in ("a", "c"):
        SchoolFacility.objects.create(
            school=world["schools"][key],
            year=2024,
            teaching_area_m2="1200.50",
            sports_area_m2="3000",
            equipment_value_yuan="456000",
            multimedia_rooms=12,
        )
    header, rows = facilities_export_rows(actor=world["users"]["school"], filters={})
    assert header == FACILITY_HEADER
    rows = list(rows)
    assert len(rows) == 1 and rows[0][0] == world["schools"]["a"].code
    assert rows[0][1:] == [2024, pytest.approx(1200.5), 3000, 456000, 12]
    assert len(list(facilities_export_rows(actor=world["users"]["admin"], filters={})[1])) == 2


def test_export_file_writes_an_audit_record_without_full_ids(world):
    admin = world["users"]["admin"]
    number = world["teachers"]["a"].national_id
    result = export_file(actor=admin, kind="teachers", filters={"q": number})
    assert result.rows == 1
    audit = AuditLog.objects.get(action="teacher.export")
    assert number not in audit.note and number[-4:] in audit.note
    assert audit.changes["rows"] == [None, 1]


def test_roles_without_export_may_not(world):
    from qiangshi.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        export_file(actor=world["users"]["teacher"], kind="teachers")
    with pytest.raises(ApplicationError):
        export_file(actor=world["users"]["pilot"], kind="schools")


def test_command_writes_a_file_with_the_users_scope(world, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    call_command("export", "teachers", user=world["users"]["school"].username, out=str(out))
    assert "1 rows" in capsys.readouterr().out
    header, rows = as_table(out.read_bytes())
    assert column(header, rows, "姓名") == ["陈静"]
    call_command(
        "export",
        "teachers",
        user=world["users"]["bureau"].username,
        out=str(out),
        district="350206",
    )
    header, rows = as_table(out.read_bytes())
    assert column(header, rows, "姓名") == ["李强"]
    call_command(
        "export", "teachers", user=world["users"]["admin"].username, out=str(out), stage="初中"
    )
    header, rows = as_table(out.read_bytes())
    assert column(header, rows, "姓名") == ["李强"]
    call_command("export", "schools", user=world["users"]["district"].username, out=str(out))
    assert "2 rows" in capsys.readouterr().out.splitlines()[-1]
    audit = AuditLog.objects.filter(action="teacher.export").order_by("id").last()
    assert audit.actor_username == world["users"]["admin"].username
    assert "stage=junior" in audit.note


def test_command_refuses_unknown_users_and_codes(world, tmp_path):
    out = tmp_path / "t.xlsx"
    with pytest.raises(CommandError, match="No active user"):
        call_command("export", "teachers", user="nobody", out=str(out))
    with pytest.raises(CommandError, match="Unknown school"):
        call_command(
            "export", "teachers", user=world["users"]["admin"].username, out=str(out), school="X"
        )
    with pytest.raises(CommandError):
        call_command("export", "teachers", user=world["users"]["teacher"].username, out=str(out))
    assert not out.exists()


def _many(world, n: int):
    admin = world["users"]["admin"]
    for i in range(n):
        t = factories.teacher(admin, world["schools"]["a"], f"批量{i}")
        enrich(admin, t)


def _count_queries(django_assert_max_num_queries, actor, limit):
    with django_assert_max_num_queries(limit) as ctx:
        header, rows = teachers_export_rows(actor=actor, filters={})
        n = len(list(rows))
    return n, len(ctx.captured_queries)


def test_no_query_per_row(world, django_assert_max_num_queries):
    admin = world["users"]["admin"]
    _many(world, 3)
    few, q_few = _count_queries(django_assert_max_num_queries, admin, 20)
    _many(world, 27)
    many, q_many = _count_queries(django_assert_max_num_queries, admin, 20)
    assert (few, many) == (7, 34)
    assert q_many <= q_few + 1
