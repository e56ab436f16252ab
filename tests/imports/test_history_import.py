"""Importing the history tables (education, titles, recognitions, employments), one row per
record: matched to the registry by national ID and name, scoped, idempotent, all-or-nothing."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.teachers.models import EducationRecord, Employment, Recognition, TitleRecord

EDUCATION = [
    "姓名",
    "身份证号码",
    "学历",
    "毕业院校",
    "所学专业",
    "学习形式",
    "是否师范专业",
    "入学日期",
    "毕业日期",
]
TITLES = ["姓名", "身份证号码", "职称", "取得日期", "聘任日期"]
RECOGNITIONS = ["姓名", "身份证号码", "称号", "级别", "学科", "起始日期", "截止日期"]
EMPLOYMENTS = [
    "姓名",
    "身份证号码",
    "学校代码",
    "用人类型",
    "岗位类别",
    "是否专任教师",
    "任教学科",
    "岗位等级",
    "开始日期",
    "结束日期",
    "结束原因",
]


def _xlsx(header, rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(actor, kind, header, rows, **kwargs):
    return import_file(
        actor=actor, kind=kind, data=_xlsx(header, rows), filename=f"{kind}.xlsx", **kwargs
    )


def _who(world, key="a"):
    t = world["teachers"][key]
    return [t.name, t.national_id]


def _education(world, key="a", **over):
    values = {
        "学历": "大学本科",
        "毕业院校": "厦门大学",
        "所学专业": "汉语言文学",
        "学习形式": "全日制",
        "是否师范专业": "是",
        "入学日期": "2003.09",
        "毕业日期": "2007-07-01",
    }
    values.update(over)
    return _who(world, key) + [values[h] for h in EDUCATION[2:]]


def _employment(world, key="a", **over):
    values = {
        "学校代码": world["schools"]["c"].code,
        "用人类型": "在编",
        "岗位类别": "专任教师",
        "是否专任教师": "是",
        "任教学科": "语文",
        "岗位等级": 10,
        "开始日期": "2005/9/1",
        "结束日期": "2010/8/31",
        "结束原因": "调动",
    }
    values.update(over)
    return _who(world, key) + [values[h] for h in EMPLOYMENTS[2:]]


def test_education_rows_are_added_and_a_reimport_changes_nothing(world):
    actor = world["users"]["district"]
    rows = [
        _education(world),
        _education(
            world,
            **{
                "学历": "硕士",
                "毕业院校": "华东师范大学",
                "入学日期": "",
                "毕业日期": "2010-07-01",
            },
        ),
        _education(world, "b"),
    ]
    dry = _import(actor, "education", EDUCATION, rows, dry_run=True)
    assert (dry.new, dry.changed, dry.unchanged, dry.problems) == (3, 0, 0, [])
    assert EducationRecord.objects.count() == 0
    result = _import(actor, "education", EDUCATION, rows)
    assert (result.new, result.changed, result.unchanged) == (3, 0, 0)
    record = EducationRecord.objects.get(teacher=world["teachers"]["a"], level="bachelor")
    assert record.start_date == date(2003, 9, 1) and record.is_normal_major
    assert AuditLog.objects.filter(action="teacher.education_import").count() == 3
    again = _import(actor, "education", EDUCATION, rows)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 3)
    assert EducationRecord.objects.count() == 3


def test_a_corrected_education_detail_updates_the_record(world):
    actor = world["users"]["district"]
    _import(actor, "education", EDUCATION, [_education(world)])
    result = _import(actor, "education", EDUCATION, [_education(world, **{"所学专业": "中文"})])
    assert (result.new, result.changed) == (0, 1)
    assert EducationRecord.objects.get().major == "中文"
    audit = AuditLog.objects.get(action="teacher.education_import_update")
    assert audit.changes == {"education.major": ["汉语言文学", "中文"]}


def test_a_title_rank_is_kept_once_and_a_new_date_updates_it(world):
    actor = world["users"]["admin"]
    row = _who(world) + ["一级教师", "2015-12-01", "2016-01-01"]
    assert _import(actor, "titles", TITLES, [row]).new == 1
    assert _import(actor, "titles", TITLES, [row]).unchanged == 1
    moved = _who(world) + ["中学一级", "2015-11-01", ""]
    result = _import(actor, "titles", TITLES, [moved])
    assert (result.new, result.changed, result.unchanged) == (0, 1, 0)
    title = TitleRecord.objects.get()
    assert (title.rank, title.obtained_on, title.appointed_on) == (
        "first",
        date(2015, 11, 1),
        date(2016, 1, 1),
    )
    twice = _import(actor, "titles", TITLES, [row, row])
    assert "row 2" in twice.problems[0].reason_en


def test_a_title_appointed_before_it_was_obtained_is_rejected(world):
    row = _who(world) + ["高级教师", "2020-12-01", "2020-01-01"]
    result = _import(world["users"]["admin"], "titles", TITLES, [row])
    assert (result.problems[0].row, result.problems[0].column) == (2, "聘任日期")
    assert TitleRecord.objects.count() == 0


def test_recognitions_are_idempotent(world):
    actor = world["users"]["school"]
    rows = [
        _who(world) + ["骨干教师", "区级", "语文", "2021-09-01", "2024-08-31"],
        _who(world) + ["学科带头人", "市级", "", "2024-09-01", ""],
    ]
    assert _import(actor, "recognitions", RECOGNITIONS, rows).new == 2
    assert {r.kind for r in Recognition.objects.all()} == {"backbone", "subject_leader"}
    again = _import(actor, "recognitions", RECOGNITIONS, rows)
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)


def test_a_past_employment_elsewhere_is_added_once(world):
    actor = world["users"]["district"]
    teacher = world["teachers"]["a"]
    result = _import(actor, "employments", EMPLOYMENTS, [_employment(world)])
    assert result.problems == [] and result.new == 1
    past = Employment.objects.get(teacher=teacher, school=world["schools"]["c"])
    assert (past.end_date, past.end_reason, past.post_grade) == (date(2010, 8, 31), "调动", 10)
    assert teacher.current_school == world["schools"]["a"]
    again = _import(actor, "employments", EMPLOYMENTS, [_employment(world)])
    assert (again.new, again.unchanged) == (0, 1)


@pytest.mark.parametrize(
    ("override", "column", "fragment"),
    [
        ({"结束日期": "2011/7/1"}, "开始日期", "overlaps a registered employment"),
        (
            {"学校代码": "B", "结束日期": "", "结束原因": ""},
            "结束日期",
            "already has an open employment",
        ),
        (
            {"开始日期": "2010/9/1", "结束日期": "", "结束原因": ""},
            "学校代码",
            "outside your area",
        ),
        ({"结束日期": "2004/8/31"}, "结束日期", "before the start"),
        ({"结束日期": "2099/1/1"}, "结束日期", "takes effect"),
        ({"岗位等级": 14}, "岗位等级", "1–13"),
        ({"学校代码": "NOPE"}, "学校代码", "unknown school"),
    ],
)
def test_bad_employments_import_nothing(world, override, column, fragment):
    if override.get("学校代码") == "B":
        override = {**override, "学校代码": world["schools"]["b"].code}
    rows = [
        _employment(world, **{"开始日期": "2000/9/1", "结束日期": "2003/8/31"}),
        _employment(world, **override),
    ]
    result = _import(world["users"]["district"], "employments", EMPLOYMENTS, rows)
    assert Employment.objects.count() == 4  # the world's own
    problem = result.problems[0]
    assert (problem.row, problem.column) == (3, column)
    assert fragment.lower() in problem.reason_en.lower()


def test_employment_rows_must_not_overlap_each_other(world):
    rows = [
        _employment(world),
        _employment(
            world,
            **{
                "开始日期": "2008/9/1",
                "结束日期": "2009/8/31",
                "学校代码": world["schools"]["b"].code,
            },
        ),
    ]
    result = _import(world["users"]["district"], "employments", EMPLOYMENTS, rows)
    assert "overlaps row 2" in result.problems[0].reason_en


def test_a_known_employment_with_other_values_is_rejected(world):
    actor = world["users"]["district"]
    _import(actor, "employments", EMPLOYMENTS, [_employment(world)])
    result = _import(
        actor, "employments", EMPLOYMENTS, [_employment(world, **{"用人类型": "合同制"})]
    )
    assert "already exists" in result.problems[0].reason_en
    assert (
        Employment.objects.get(
            school=world["schools"]["c"], teacher=world["teachers"]["a"]
        ).employment_type
        == "established"
    )


def test_a_teacher_outside_the_actors_area_is_rejected(world):
    result = _import(
        world["users"]["district"],
        "education",
        EDUCATION,
        [_education(world), _education(world, "c")],
    )
    assert EducationRecord.objects.count() == 0
    problem = result.problems[0]
    assert (problem.row, problem.column) == (3, "身份证号码")
    # answered as not registered: nothing about a teacher the actor may not see (issue 14 §6)
    assert problem.reason_en == "No teacher with this national ID is registered in your area"
    assert world["teachers"]["c"].national_id not in str(problem.value)


def test_a_name_that_differs_from_the_registry_is_rejected(world):
    row = _education(world)
    row[0] = "陈晶"
    result = _import(world["users"]["admin"], "education", EDUCATION, [row])
    assert (result.problems[0].row, result.problems[0].column) == (2, "姓名")
    assert "differs from the registered name" in result.problems[0].reason_en
    assert EducationRecord.objects.count() == 0


def test_an_unregistered_or_invalid_id_is_rejected(world):
    unknown = _education(world)
    unknown[1] = "11010519491231002X"
    invalid = _education(world)
    invalid[1] = "350203198503010011"
    result = _import(world["users"]["admin"], "education", EDUCATION, [unknown, invalid])
    reasons = [p.reason_en for p in result.problems]
    assert reasons[0] == "No teacher with this national ID is registered in your area"
    assert "invalid national id" in reasons[1].lower()
    assert result.rejected == 2


def test_a_graduation_before_enrolment_is_rejected(world):
    row = _education(world, **{"入学日期": "2008-09-01"})
    result = _import(world["users"]["admin"], "education", EDUCATION, [row])
    assert result.problems[0].column == "毕业日期"
    assert EducationRecord.objects.count() == 0


def test_an_open_employment_for_a_teacher_without_one(world):
    from qiangshi.teachers.services import employment_end

    actor = world["users"]["district"]
    teacher = world["teachers"]["b"]
    employment_end(actor=actor, teacher=teacher, end_date=date(2020, 7, 31), reason="辞职")
    row = _employment(
        world,
        "b",
        **{
            "学校代码": world["schools"]["a"].code,
            "开始日期": "2021-09-01",
            "结束日期": "",
            "结束原因": "",
        },
    )
    result = _import(actor, "employments", EMPLOYMENTS, [row])
    assert result.problems == [] and result.new == 1
    teacher.refresh_from_db()
    assert teacher.current_school == world["schools"]["a"]
