"""The national teacher-information template: export in its layout, and import from it."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from qiangshi.access import permissions
from qiangshi.access.models import Role
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AccessLog
from qiangshi.engines import idcard
from qiangshi.imports import specs
from qiangshi.imports.national import (
    LOADERS,
    load_template,
    national_export,
    national_to_import_file,
    national_to_import_rows,
)
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import Teacher
from qiangshi.teachers.services import teacher_record_add
from tests import factories
from tests.imports.test_export import enrich

GROUPS = [
    "基本信息",
    "学习经历",
    "工作经历",
    "岗位聘任",
    "专业技术职务聘任",
    "基本待遇",
    "年度考核",
    "教师资格",
    "师德",
    "教育教学",
    "教学科研成果及获奖",
    "入选人才项目",
    "国内培训",
    "海外研修",
    "技能及证书",
    "交流轮岗",
    "联系方式",
]


def sheets(data: bytes) -> dict[str, list[dict]]:
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = list(rows[0])
        out[ws.title] = [dict(zip(header, r, strict=True)) for r in rows[1:]]
        out[ws.title + ":header"] = header
    return out


def test_the_mapping_file_is_complete_as_far_as_it_goes():
    t = load_template()
    assert t["version"] and "public copies" in t["source"] and t["complete"] is False
    assert [g["name"] for g in t["groups"]] == GROUPS
    namespaces = {"teacher", "employment", "derived", "constant", *LOADERS}
    for g in t["groups"]:
        names = [c["name"] for c in g["columns"]]
        assert len(names) == len(set(names)), g["name"]
        assert names[:2] == ["姓名", "身份证件号"] or g["key"] == "basic"
        assert g["records"] in (None, "teacher", *LOADERS)
        for c in g["columns"]:
            if c["source"]:
                assert c["source"].partition(".")[0] in namespaces, c
            if "codes" in c:
                assert c["codes"] in t["code_lists"], c
    basic = [c["name"] for c in t["groups"][0]["columns"]]
    for name in ("姓名", "性别", "身份证件号", "出生日期", "民族", "政治面貌", "是否在编"):
        assert name in basic
    sex = t["code_lists"]["性别"]["values"]
    assert (sex["male"]["label"], sex["male"]["code"], sex["female"]["code"]) == ("男", "1", "2")
    assert [v["label"] for v in t["code_lists"]["学历"]["values"].values()] == [
        "博士研究生",
        "硕士研究生",
        "大学本科",
        "大学专科",
        "中等专科",
        "普通高中",
    ]


def test_export_has_one_sheet_per_group_with_the_national_columns(world):
    admin = world["users"]["admin"]
    a = world["teachers"]["a"]
    enrich(admin, a)
    teacher_record_add(
        actor=admin, teacher=a, kind="appraisal", data={"year": 2023, "grade": "excellent"}
    )
    teacher_record_add(
        actor=admin,
        teacher=a,
        kind="teaching_load",
        data={
            "school_year": 2024,
            "term": 1,
            "stage": "primary",
            "subjects": ["chinese", "music"],
            "weekly_periods": "12.0",
        },
    )
    teacher_record_add(
        actor=admin,
        teacher=a,
        kind="work",
        data={"employer": "同安某厂", "start_date": date(2003, 1, 1), "end_date": date(2004, 1, 1)},
    )
    data = sheets(national_export(actor=admin, filters={}))
    assert [k for k in data if not k.endswith(":header")] == GROUPS
    for group in load_template()["groups"]:
        assert data[group["sheet"] + ":header"] == [c["name"] for c in group["columns"]]
    assert len(data["基本信息"]) == 4 and len(data["联系方式"]) == 4
    basic = next(r for r in data["基本信息"] if r["姓名"] == "陈静")
    assert basic["身份证件号"] == a.national_id and basic["身份证件类型"] == "居民身份证"
    # The world's teachers were registered without a political status: it stays empty.
    assert (basic["性别"], basic["政治面貌"], basic["是否在编"], basic["用人形式"]) == (
        "女",
        None,
        "是",
        "在编",
    )
    assert basic["教职工类别"] == "专任教师" and basic["是否县级及以上骨干教师"] == "是"
    assert basic["是否特级教师"] == "否" and basic["健康状况"] is None
    assert basic["学校标识码"] == world["schools"]["a"].code and basic["主要任教学科"] == "语文"
    edu = [r for r in data["学习经历"] if r["姓名"] == "陈静"]
    assert [r["获得学历"] for r in edu] == ["大学专科", "大学本科"]
    assert edu[1]["身份证件号"] == a.national_id
    titles = [r["聘任专业技术职务"] for r in data["专业技术职务聘任"] if r["姓名"] == "陈静"]
    assert titles == ["二级教师", "一级教师"]
    assert data["年度考核"] == [
        {
            "姓名": "陈静",
            "身份证件号": a.national_id,
            "考核年度": 2023,
            "考核结果": "优秀",
            "考核单位名称": None,
        }
    ]
    load = data["教育教学"][0]
    assert (load["学年"], load["学期"], load["任教学段"], load["任课学科类别"]) == (
        "2024-2025",
        "秋季学期",
        "小学",
        "语文、音乐",
    )
    work = [r["任职单位名称"] for r in data["工作经历"] if r["姓名"] == "陈静"]
    assert work == ["同安某厂", world["schools"]["a"].name]
    talent = data["入选人才项目"][0]
    assert (talent["入选人才项目名称"], talent["项目级别"], talent["入选年份"]) == (
        "市级骨干教师",
        "地市级",
        2023,
    )
    assert data["教师资格"][0]["教师资格证种类"] == "小学教师资格"
    assert data["基本待遇"] == [] and data["师德"] == []
    contact = next(r for r in data["联系方式"] if r["姓名"] == "陈静")
    assert contact["手机号码"] == "13800001234"
    log = AccessLog.objects.get()  # one row for the export, the four teachers attached
    assert (log.channel, log.field, log.object_repr) == ("export", "national_id,phone", "national")
    assert log.subject_count == 4 == log.subjects.count()


def test_export_is_scoped_and_masked_without_view_sensitive(world, monkeypatch):
    monkeypatch.setitem(
        permissions.ROLE_PERMISSIONS,
        Role.SCHOOL,
        permissions.ROLE_PERMISSIONS[Role.SCHOOL] - {"teacher.view_sensitive"},
    )
    data = sheets(national_export(actor=world["users"]["school"], filters={}))
    assert [r["姓名"] for r in data["基本信息"]] == ["陈静"]
    number = world["teachers"]["a"].national_id
    assert data["基本信息"][0]["身份证件号"] == idcard.mask(number)
    assert data["联系方式"][0]["手机号码"] == "138****1234"
    assert not AccessLog.objects.exists()


def test_national_round_trip_imports_unchanged(world):
    admin = world["users"]["admin"]
    for t in world["teachers"].values():
        enrich(admin, t)
    exported = national_export(actor=admin, filters={})
    header, rows = national_to_import_rows(exported)
    assert header == [c.title_zh for c in specs.TEACHER_COLUMNS]
    row = dict(zip(header, rows[[r[0] for r in rows].index("陈静")], strict=True))
    assert (row["用人类型"], row["最高学历"], row["职称"], row["学校代码"]) == (
        "在编",
        "本科",
        "一级教师",
        world["schools"]["a"].code,
    )
    assert row["手机号码"] == "13800001234" and row["教师资格证学段"] == "小学"
    result = import_file(
        actor=admin, kind="teachers", data=national_to_import_file(exported), filename="n.csv"
    )
    assert result.problems == []
    assert (result.new, result.changed, result.unchanged, result.rejected) == (0, 0, 4, 0)


def _national_file() -> bytes:
    """A hand-made workbook in the national layout, with national codes rather than labels."""
    wb = Workbook()
    basic = wb.active
    basic.title = "基本信息"
    basic.append(
        ["姓名", "性别", "身份证件号", "出生日期", "民族", "政治面貌", "是否在编", "进本校年月"]
    )
    number = idcard.make("350203", date(1990, 5, 17), 21, "female")
    basic.append(["林新", "2", number, "1990-05-17", "汉族", "01", "是", "2015-09-01"])
    basic.append([None] * 8)
    other = idcard.make("350203", date(1991, 1, 2), 23, "male")
    basic.append(["郑二", "1", other, "1991-01-02", "回族", "13", "否", "2016-09-01"])
    edu = wb.create_sheet("学习经历")
    edu.append(["姓名", "身份证件号", "获得学历", "获得学历的院校或机构", "所学专业", "毕业年月"])
    edu.append(["林新", number, "31", "泉州师院", "数学", "2010-07-01"])
    edu.append(["林新", number, "21", "福建师范大学", "数学与应用数学", "2012-07-01"])
    title = wb.create_sheet("专业技术职务聘任")
    title.append(["姓名", "身份证件号", "聘任专业技术职务", "取得资格年月"])
    title.append(["林新", number, "二级教师", "2016-09-01"])
    post = wb.create_sheet("岗位聘任")
    post.append(["姓名", "身份证件号", "岗位类别", "岗位等级", "聘任开始年月"])
    post.append(["林新", number, "专业技术岗位", 12, "2016-09-01"])
    post.append(["林新", number, "专业技术岗位", 11, "2019-09-01"])
    contact = wb.create_sheet("联系方式")
    contact.append(["姓名", "身份证件号", "手机号码"])
    contact.append(["林新", number, "13900000021"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), number


def test_a_national_file_from_elsewhere_imports_with_a_school_code(world):
    data, number = _national_file()
    header, rows = national_to_import_rows(data, school_code=world["schools"]["a"].code)
    assert len(rows) == 3 and all(v is None for v in rows[1])  # blank row kept in place
    assert rows[2][:3] == ["郑二", rows[2][1], "男"] and "非在编" in rows[2]
    result = import_file(
        actor=world["users"]["school"],
        kind="teachers",
        data=national_to_import_file(data, school_code=world["schools"]["a"].code),
        filename="national.csv",
    )
    assert result.problems == [] and result.new == 2
    assert Teacher.objects.get(name="郑二").current_employment.employment_type == "non_established"
    t = Teacher.objects.get(name="林新")
    assert t.national_id == number and t.phone == "13900000021"
    assert t.political_status == "cpc_member" and t.current_school == world["schools"]["a"]
    job = t.current_employment
    assert (job.employment_type, job.post_grade, job.start_date) == (
        "established",
        11,
        date(2015, 9, 1),
    )
    assert t.highest_education.level == "bachelor"
    assert t.highest_education.institution == "福建师范大学"
    assert t.current_title.rank == "second"


def test_a_workbook_without_basic_information_is_refused():
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["姓名"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ApplicationError):
        national_to_import_rows(out.getvalue())
    with pytest.raises(ApplicationError):
        national_to_import_rows(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ApplicationError, match="基本信息|national"):
        national_to_import_rows("姓名,性别\n张三,男\n".encode(), filename="x.csv")


def test_command_writes_the_national_layout(world, tmp_path, capsys):
    out = tmp_path / "n.xlsx"
    call_command(
        "export",
        "teachers",
        user=world["users"]["district"].username,
        out=str(out),
        format="national",
    )
    assert "2 teachers" in capsys.readouterr().out
    data = sheets(out.read_bytes())
    assert sorted(r["姓名"] for r in data["基本信息"]) == sorted(["陈静", "王芳"])


def test_no_query_per_teacher(world, django_assert_max_num_queries):
    admin = world["users"]["admin"]

    def add(n):
        for i in range(n):
            enrich(admin, factories.teacher(admin, world["schools"]["b"], f"批量{i}"))

    def count():
        with django_assert_max_num_queries(40) as ctx:
            national_export(actor=admin, filters={})
        return len(ctx.captured_queries)

    add(3)
    few = count()
    add(27)
    assert count() <= few + 1


def test_import_command_reads_the_national_layout(world, tmp_path, capsys):
    import json

    from django.core.management import call_command

    admin = world["users"]["admin"]
    path = tmp_path / "national.xlsx"
    path.write_bytes(national_export(actor=admin, filters={}))
    call_command(
        "import",
        "teachers",
        str(path),
        user=admin.username,
        layout="national",
        format="json",
        dry_run=True,
    )
    out = json.loads(capsys.readouterr().out)
    assert out["rejected"] == 0 and out["new"] == 0 and out["unchanged"] == 4


def test_the_import_record_names_the_national_workbook_not_its_conversion(world, tmp_path):
    import hashlib

    from django.core.management import call_command

    from qiangshi.imports.models import ImportJob

    admin = world["users"]["admin"]
    data = national_export(actor=admin, filters={})
    path = tmp_path / "上报.xlsx"
    path.write_bytes(data)
    call_command("import", "teachers", str(path), user=admin.username, layout="national")
    job = ImportJob.objects.get()
    assert (job.file_name, job.layout) == ("上报.xlsx", "national")
    assert job.file_sha256 == hashlib.sha256(data).hexdigest()


def test_the_import_command_refuses_a_school_code_without_the_national_layout(world, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "roster.csv"
    path.write_text("姓名\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--layout national"):
        admin = world["users"]["admin"].username
        call_command("import", "teachers", str(path), user=admin, school="3502030001")


def test_a_formula_without_its_value_in_any_sheet_refuses_the_workbook(world):
    from openpyxl import load_workbook

    from qiangshi.core.errors import ApplicationError
    from qiangshi.imports.national import national_to_import_file

    admin = world["users"]["admin"]
    wb = load_workbook(io.BytesIO(national_export(actor=admin, filters={})))
    sheet = wb["基本信息"]
    column = next(c.column_letter for c in sheet[1] if c.value == "民族")
    sheet[f"{column}2"] = '=CONCAT("回","族")'  # openpyxl saves it without a computed value
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ApplicationError) as exc:
        national_to_import_file(out.getvalue())
    assert f"基本信息!{column}2" in exc.value.message_zh
    assert "Formula cells without a computed value" in exc.value.message_en
