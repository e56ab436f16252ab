"""What each import kind's columns are called and how their cells are read.

Column names are matched in Chinese or English with common variants (the engine normalises
case, spaces, full-width characters and hints such as "出生日期(yyyy-mm-dd)"). Enumerations are
accepted by code, by their Chinese or English label, or by a listed variant.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import translation

from qiangshi.engines import cells
from qiangshi.org.models import Location, Ownership, Stage
from qiangshi.teachers.models import (
    CertificateStage,
    EducationLevel,
    EmploymentType,
    Gender,
    PoliticalStatus,
    PostCategory,
    RecognitionKind,
    RecognitionLevel,
    StudyMode,
    Subject,
    TitleRank,
)
from qiangshi.training.models import TrainingCategory

NONE = "none"  # "no title", "not a backbone teacher"


@dataclass(frozen=True)
class Column:
    """One column of an import layout."""

    key: str
    names: tuple[str, ...]
    parse: Callable[[Any], Any]
    required: bool = False
    choices: dict[str, list[str]] | None = field(default=None, compare=False)

    @property
    def title_zh(self) -> str:
        return self.names[0]

    @property
    def title_en(self) -> str:
        """The column's English heading: its first English name ("title" → "Title"), or its key
        in words ("national_id" → "National ID")."""
        named = next((n for n in self.names if n.isascii()), self.key)
        words = named.replace("_", " ").split()
        if not words:
            return self.key
        text = " ".join(w.upper() if w in ("id", "pe") else w for w in words)
        return text[0].upper() + text[1:]


def choice_options(
    choices: type[models.TextChoices], extra: dict[str, list[str]] | None = None
) -> dict[str, list[str]]:
    """{code: [Chinese label, English label, code, variants…]} for a TextChoices class.

    The first label is what error messages list in Chinese, the second in English.
    """
    options: dict[str, list[str]] = {}
    for value, label in choices.choices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        options[value] = [zh, en, value, *((extra or {}).get(value, []))]
    return options


def _choice(options: dict[str, list[str]]) -> Callable[[Any], Any]:
    def parse(value: Any) -> str:
        return cells.choice(value, options)

    return parse


EDUCATION_VARIANTS = {
    "senior_secondary": ["高中", "中专", "普通高中", "高中阶段"],
    "secondary_normal": ["中师", "中等师范", "中等师范学校"],
    "associate": ["专科", "大专", "大学专科", "高职", "junior college", "associate"],
    "bachelor": ["本科", "大学本科", "学士", "bachelor", "bachelor's", "undergraduate"],
    "master": ["硕士", "硕士研究生", "研究生", "master", "master's", "postgraduate"],
    "doctorate": ["博士", "博士研究生", "doctor", "phd", "doctorate"],
}
TITLE_VARIANTS = {
    "third": ["三级", "三级教师", "小学三级", "员级"],
    "second": ["二级", "二级教师", "小学二级", "中学二级", "助理级"],
    "first": ["一级", "一级教师", "小学一级", "中学一级", "小学高级", "中级"],
    "senior": ["高级", "高级教师", "中学高级", "副高级", "副高"],
    "professor": ["正高级", "正高级教师", "正高", "特级"],
}
EMPLOYMENT_VARIANTS = {
    "established": ["在编", "是", "编制内", "事业编制"],
    "non_established": ["非在编", "否", "编外"],
    "contract": ["合同制", "合同", "劳动合同", "聘用"],
    "substitute": ["代课", "代课教师"],
}
SUBJECT_VARIANTS = {
    "chinese": ["语文"],
    "mathematics": ["数学", "math", "maths"],
    "english": ["英语", "外语"],
    "morality_law": ["道德与法治", "道法", "思想品德", "政治", "思想政治"],
    "information_technology": ["信息技术", "信息科技", "IT"],
    "pe": ["体育", "体育与健康", "PE"],
    "fine_arts": ["美术", "art"],
    "labour": ["劳动", "综合实践", "劳动与综合实践"],
    "mental_health": ["心理健康", "心理"],
}
BACKBONE_VARIANTS = {
    "school": ["校级", "校级骨干"],
    "district": ["区级", "县级", "区县级", "区级骨干", "县级骨干"],
    "city": ["市级", "市级骨干"],
    "province": ["省级", "省级骨干"],
    "national": ["国家级", "全国"],
}
NONE_VARIANTS = ["无", "未评", "未定级", "暂无", "否", "none", "-", "—"]

GENDER = choice_options(Gender, {"male": ["男", "M"], "female": ["女", "F"]})
EDUCATION = choice_options(EducationLevel, EDUCATION_VARIANTS)
TITLE = {
    **choice_options(TitleRank, TITLE_VARIANTS),
    NONE: ["无", "none", *NONE_VARIANTS[1:], "未定职级"],
}
EMPLOYMENT = choice_options(EmploymentType, EMPLOYMENT_VARIANTS)
POST = choice_options(
    PostCategory,
    {
        "teaching": ["专任教师", "教师"],
        "auxiliary": ["教辅"],
        "administration": ["行政", "管理"],
        "logistics": ["工勤"],
    },
)
SUBJECT = choice_options(Subject, SUBJECT_VARIANTS)
POLITICAL = choice_options(
    PoliticalStatus,
    {
        "cpc_member": ["中共党员", "党员"],
        "cpc_probationary": ["预备党员"],
        "cyl_member": ["共青团员", "团员"],
        "democratic_party": [
            "民主党派",
            "民主党派成员",
            "民革",
            "民盟",
            "民建",
            "民进",
            "农工党",
            "致公党",
            "九三学社",
            "台盟",
        ],
        "masses": ["群众"],
    },
)
CERT_STAGE = choice_options(
    CertificateStage,
    {
        "kindergarten": ["幼儿园教师资格"],
        "primary": ["小学教师资格", "小学"],
        "junior": ["初级中学教师资格", "初中", "初级中学"],
        "senior": ["高级中学教师资格", "高中", "高级中学"],
        "vocational": ["中等职业学校教师资格", "中职"],
    },
)
BACKBONE = {
    **choice_options(RecognitionLevel, BACKBONE_VARIANTS),
    NONE: ["无", "none", *NONE_VARIANTS[1:]],
}
STAGE = choice_options(
    Stage,
    {
        "primary": ["小学"],
        "junior": ["初中", "初级中学"],
        "senior": ["高中", "高级中学"],
        "nine_year": ["九年一贯制"],
        "twelve_year": ["十二年一贯制", "完全中学"],
    },
)
LOCATION = choice_options(
    Location, {"urban": ["城区", "城市"], "town": ["镇区", "县镇"], "rural": ["乡村", "农村"]}
)
OWNERSHIP = choice_options(Ownership, {"public": ["公办"], "private": ["民办"]})


def _col(key, names, parse, required=False, choices=None) -> Column:
    if choices is not None:
        parse = _choice(choices)
    return Column(key=key, names=tuple(names), parse=parse, required=required, choices=choices)


# The current-employment columns, shared by the teacher roster and the employment history.
_EMPLOYMENT: list[Column] = [
    _col(
        "school_code",
        ["学校代码", "学校标识码", "学校编码", "school_code", "school code"],
        cells.text,
        required=True,
    ),
    _col(
        "employment_type",
        ["用人类型", "是否在编", "用人形式", "employment_type"],
        None,
        required=True,
        choices=EMPLOYMENT,
    ),
    _col("post_category", ["岗位类别", "post_category"], None, choices=POST),
    _col("is_full_time_teacher", ["是否专任教师", "专任教师", "full_time_teacher"], cells.boolean),
    _col(
        "main_subject",
        ["任教学科", "主要任教学科", "学科", "main_subject", "subject"],
        None,
        choices=SUBJECT,
    ),
    _col("post_grade", ["岗位等级", "post_grade"], cells.integer),
]


def _national_id(v: Any) -> str:
    """cells.national_id, with a fast path for the usual clean 18-character cell."""
    if (
        v.__class__ is str
        and len(v) == 18
        and v.isascii()
        and v[:17].isdigit()
        and (v[17].isdigit() or v[17] in "xX")
    ):
        return v.upper()
    return cells.national_id(v)


def _phone(v: Any) -> str:
    """cells.phone, with a fast path for a cell of plain digits."""
    if (
        v.__class__ is str
        and v.isascii()
        and v.isdigit()
        and 7 <= len(v) <= 15
        and not v.startswith(("86", "0086"))
    ):
        return v
    return cells.phone(v)


TEACHER_COLUMNS: list[Column] = [
    _col("name", ["姓名", "教师姓名", "name"], cells.text, required=True),
    _col(
        "national_id",
        [
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "身份证件号码",
            "身份证",
            "national_id",
            "national id",
            "id number",
        ],
        _national_id,
        required=True,
    ),
    _col("gender", ["性别", "gender", "sex"], None, choices=GENDER),
    _col("birth_date", ["出生日期", "出生年月", "birth_date", "date of birth"], cells.date_value),
    _col("ethnicity", ["民族", "ethnicity"], cells.text),
    _col("political_status", ["政治面貌", "political_status"], None, choices=POLITICAL),
    _col("phone", ["手机号码", "联系电话", "手机号", "手机", "phone", "mobile"], _phone),
    *_EMPLOYMENT,
    _col(
        "employment_start",
        ["进本校年月", "进入本校年月", "任职开始日期", "employment_start", "start_date"],
        cells.date_value,
    ),
    _col(
        "education_level",
        ["最高学历", "学历", "education_level", "education"],
        None,
        choices=EDUCATION,
    ),
    _col("institution", ["毕业院校", "毕业学校", "institution"], cells.text),
    _col("major", ["所学专业", "专业", "major"], cells.text),
    _col("graduation_date", ["毕业日期", "毕业时间", "graduation_date"], cells.date_value),
    _col("title_rank", ["职称", "专业技术职务", "现任职称", "title"], None, choices=TITLE),
    _col(
        "title_obtained_on", ["取得职称日期", "职称取得时间", "title_obtained_on"], cells.date_value
    ),
    _col(
        "certificate_stage",
        ["教师资格证学段", "教师资格种类", "资格种类", "certificate_stage"],
        None,
        choices=CERT_STAGE,
    ),
    _col(
        "certificate_subject",
        ["教师资格学科", "资格证任教学科", "certificate_subject"],
        None,
        choices=SUBJECT,
    ),
    _col("certificate_number", ["教师资格证号码", "资格证书号", "certificate_number"], cells.text),
    _col("backbone_level", ["骨干教师级别", "骨干教师", "backbone_level"], None, choices=BACKBONE),
]


FACILITY_COLUMNS: list[Column] = [
    _col(
        "school_code",
        ["学校代码", "学校标识码", "school_code", "school code"],
        cells.text,
        required=True,
    ),
    _col("year", ["年度", "年份", "统计年度", "year"], cells.integer, required=True),
    _col(
        "teaching_area_m2",
        ["教学及辅助用房面积", "教学及辅助用房", "teaching_area_m2", "teaching area"],
        cells.decimal,
        required=True,
    ),
    _col(
        "sports_area_m2",
        ["体育运动场馆面积", "体育运动场(馆)面积", "sports_area_m2", "sports area"],
        cells.decimal,
        required=True,
    ),
    _col(
        "equipment_value_yuan",
        ["教学仪器设备值", "教学仪器设备资产值", "equipment_value_yuan", "equipment value"],
        cells.decimal,
        required=True,
    ),
    _col(
        "multimedia_rooms",
        ["网络多媒体教室数", "网络多媒体教室", "multimedia_rooms"],
        cells.integer,
        required=True,
    ),
]

# --- Schools ------------------------------------------------------------------------------

# The grade names of the export's per-grade columns ("一年级学生数" … "高三班数"), with the
# names people also use (初一 for 七年级, 高一 for 十年级).
GRADE_LABELS: dict[int, tuple[str, ...]] = {
    1: ("一年级",),
    2: ("二年级",),
    3: ("三年级",),
    4: ("四年级",),
    5: ("五年级",),
    6: ("六年级",),
    7: ("七年级", "初一"),
    8: ("八年级", "初二"),
    9: ("九年级", "初三"),
    10: ("高一", "十年级"),
    11: ("高二", "十一年级"),
    12: ("高三", "十二年级"),
}
GRADES = range(1, 13)


def grade_key(grade: int, what: str) -> str:
    """The column key of a grade's "students" or "classes" count."""
    return f"grade{grade}_{what}"


def _grade_columns() -> list[Column]:
    out = []
    for g in GRADES:
        for what, zh_names in (
            ("students", ("学生数", "在校生数")),
            ("classes", ("班数", "班级数")),
        ):
            names = [f"{label}{zh}" for zh in zh_names for label in GRADE_LABELS[g]]
            out.append(_col(grade_key(g, what), [*names, f"grade {g} {what}"], cells.integer))
    return out


SCHOOL_COLUMNS: list[Column] = [
    _col(
        "school_code",
        ["学校代码", "学校标识码", "学校编码", "school_code", "school code"],
        cells.text,
        required=True,
    ),
    _col("name", ["学校名称", "校名", "school_name", "school name", "name"], cells.text),
    _col(
        "district_code",
        ["区县代码", "区县编码", "所属区县代码", "district_code", "district code"],
        cells.text,
    ),
    # Written by the export for the reader's benefit; the code decides the district.
    _col("district_name", ["区县名称", "所属区县", "district_name", "district name"], cells.text),
    _col("stage", ["办学类型", "学段", "stage"], None, choices=STAGE),
    _col("location", ["城乡类型", "城乡分类", "location"], None, choices=LOCATION),
    _col("ownership", ["办学性质", "举办者类型", "ownership"], None, choices=OWNERSHIP),
    _col(
        "is_boarding",
        ["是否寄宿制", "寄宿制学校", "寄宿制", "is_boarding", "boarding"],
        cells.boolean,
    ),
    _col("address", ["地址", "学校地址", "address"], cells.text),
    _col("latitude", ["纬度", "latitude", "lat"], cells.decimal),
    _col("longitude", ["经度", "longitude", "lng", "lon"], cells.decimal),
    _col("year", ["学年", "学年度", "school_year", "school year", "year"], cells.integer),
    *_grade_columns(),
]


# --- History tables (one row per record) ---------------------------------------------------

STUDY_MODE = choice_options(
    StudyMode,
    {
        "full_time": ["全日制", "全日制普通高校"],
        "in_service": ["在职", "非全日制", "在职学习", "函授", "业余", "自学考试", "成人教育"],
    },
)
RECOGNITION_KIND = choice_options(
    RecognitionKind,
    {
        "backbone": ["骨干教师", "骨干"],
        "subject_leader": ["学科带头人", "带头人"],
        "master_teacher": ["名师", "名教师"],
    },
)
RECOGNITION_LEVEL = choice_options(RecognitionLevel, BACKBONE_VARIANTS)
TITLE_RANK = choice_options(TitleRank, TITLE_VARIANTS)

_IDENTITY: list[Column] = [
    _col("name", ["姓名", "教师姓名", "name"], cells.text, required=True),
    next(c for c in TEACHER_COLUMNS if c.key == "national_id"),
]

EDUCATION_COLUMNS: list[Column] = [
    *_IDENTITY,
    _col(
        "level",
        ["学历", "学历层次", "education_level", "level"],
        None,
        required=True,
        choices=EDUCATION,
    ),
    _col(
        "institution",
        ["毕业院校", "毕业学校", "就读院校", "institution"],
        cells.text,
        required=True,
    ),
    _col("major", ["所学专业", "专业", "major"], cells.text),
    _col("study_mode", ["学习形式", "学习方式", "study_mode"], None, choices=STUDY_MODE),
    _col("is_normal_major", ["是否师范专业", "师范专业", "is_normal_major"], cells.boolean),
    _col("start_date", ["入学日期", "入学时间", "入学年月", "start_date"], cells.date_value),
    _col(
        "end_date",
        ["毕业日期", "毕业时间", "毕业年月", "end_date", "graduation_date"],
        cells.date_value,
    ),
]

TITLE_COLUMNS: list[Column] = [
    *_IDENTITY,
    _col(
        "rank",
        ["职称", "专业技术职务", "职称等级", "title", "rank"],
        None,
        required=True,
        choices=TITLE_RANK,
    ),
    _col(
        "obtained_on",
        ["取得日期", "取得职称日期", "取得时间", "obtained_on"],
        cells.date_value,
        required=True,
    ),
    _col("appointed_on", ["聘任日期", "聘任时间", "appointed_on"], cells.date_value),
]

RECOGNITION_COLUMNS: list[Column] = [
    *_IDENTITY,
    _col(
        "kind",
        ["称号", "荣誉称号", "recognition", "kind"],
        None,
        required=True,
        choices=RECOGNITION_KIND,
    ),
    _col("level", ["级别", "认定级别", "level"], None, required=True, choices=RECOGNITION_LEVEL),
    _col("subject", ["学科", "任教学科", "subject"], None, choices=SUBJECT),
    _col(
        "start_date",
        ["起始日期", "开始日期", "认定日期", "start_date", "valid from"],
        cells.date_value,
        required=True,
    ),
    _col(
        "end_date",
        ["截止日期", "结束日期", "有效期至", "end_date", "valid until"],
        cells.date_value,
    ),
]

EMPLOYMENT_COLUMNS: list[Column] = [
    *_IDENTITY,
    *_EMPLOYMENT,
    _col(
        "start_date",
        ["开始日期", "任职开始日期", "进本校年月", "start_date"],
        cells.date_value,
        required=True,
    ),
    _col("end_date", ["结束日期", "任职结束日期", "离校日期", "end_date"], cells.date_value),
    _col("end_reason", ["结束原因", "离校原因", "end_reason"], cells.text),
]

HISTORY_COLUMNS: dict[str, list[Column]] = {
    "education": EDUCATION_COLUMNS,
    "titles": TITLE_COLUMNS,
    "recognitions": RECOGNITION_COLUMNS,
    "employments": EMPLOYMENT_COLUMNS,
}

# Births per district and year (checked and written by qiangshi.staffing.births_import).
BIRTH_COLUMNS: list[Column] = [
    _col(
        "district_code",
        ["区划代码", "区县代码", "行政区划代码", "district_code"],
        cells.text,
        required=True,
    ),
    _col("district_name", ["区县名称", "区县", "district_name", "district name"], cells.text),
    _col("year", ["年份", "年度", "出生年份", "year"], cells.integer, required=True),
    _col("births", ["出生人口", "出生人数", "出生人口数", "births"], cells.integer, required=True),
]

# --- Training hours (checked and written by qiangshi.training.importing) -------------------

TRAINING_CATEGORY = choice_options(
    TrainingCategory,
    {
        "centralised": ["集中培训", "面授培训", "集中研修", "国培", "省培"],
        "school_based": ["校本研修", "校本培训", "校本"],
        "online": ["网络研修", "网络培训", "线上培训", "在线学习", "智慧教育平台"],
        "degree": ["学历提升", "学历教育", "学历进修"],
        "induction": ["新教师入职培训", "入职培训", "新教师培训", "岗前培训"],
        "other": ["其他", "其它"],
    },
)


_TRAINING_DATE = _col(
    "date", ["日期", "培训日期", "完成日期", "date"], cells.date_value, required=True
)
_TRAINING_HOURS = _col(
    "hours", ["学时", "学时数", "培训学时", "hours"], cells.decimal, required=True
)
_TRAINING_CATEGORY_COLUMN = _col(
    "category", ["类别", "培训类别", "学时类别", "category"], None, True, TRAINING_CATEGORY
)

# `qiangshi training evaluate`: a teacher is any label the file gives (a code, a name).
EVALUATE_TRAINING_COLUMNS: list[Column] = [
    _col("teacher", ["教师", "教师编号", "teacher"], cells.text, required=True),
    _TRAINING_DATE,
    _TRAINING_HOURS,
    _TRAINING_CATEGORY_COLUMN,
]

TRAINING_COLUMNS: list[Column] = [
    _col("name", ["姓名", "教师姓名", "name"], cells.text, required=True),
    _col(
        "national_id",
        ["身份证号", "身份证号码", "公民身份号码", "身份证件号码", "national_id", "national id"],
        _national_id,
        required=True,
    ),
    _TRAINING_DATE,
    _TRAINING_HOURS,
    _TRAINING_CATEGORY_COLUMN,
    _col(
        "title",
        ["培训名称", "项目名称", "课程名称", "title", "training"],
        cells.text,
        required=True,
    ),
    _col("provider", ["培训机构", "主办单位", "提供方", "provider"], cells.text),
]


COLUMNS_BY_KIND: dict[str, list[Column]] = {
    "births": BIRTH_COLUMNS,
    "teachers": TEACHER_COLUMNS,
    "schools": SCHOOL_COLUMNS,
    "facilities": FACILITY_COLUMNS,
    **HISTORY_COLUMNS,
    "training": TRAINING_COLUMNS,
}

# Each kind's sheet name in its template (and in the exports that round-trip through it),
# Chinese like the headings.
TEMPLATE_SHEETS = {
    "teachers": "教师",
    "schools": "学校",
    "facilities": "学校设施",
    "education": "学习经历",
    "titles": "职称",
    "employments": "任职经历",
    "recognitions": "荣誉称号",
    "births": "出生人口",
    "wages": "工资水平对比",
    "training": "培训学时",
    "pilot-indicators": "试点指标",
    "payroll": "教师工资明细",
}


# The column of reasons an annotated workbook (`annotate.annotated_workbook`) appends, headed
# "问题" / "Problems" (or "错误原因"), with the header row's own problems in brackets after it.
# A marked-up file fixed and sent back still has it: it is recognised and ignored.
PROBLEM_HEADINGS = ("问题", "problems", "错误原因")


def ignore_problem_column(header, columns: list[Column], mapping: dict | None) -> dict:
    """`mapping` (the user's own, which wins) with the annotated file's reason column, if the
    header has one that no column of the kind claims, mapped to nothing (ignored)."""
    names = {cells.fold(n) for c in columns for n in (c.key, *c.names)}
    folded_prefixes = [cells.fold(p) for p in PROBLEM_HEADINGS]
    out: dict = {}
    for raw in header:
        shown = cells.text(raw)
        folded = cells.fold(shown)
        if not folded or folded in names:
            continue
        if any(folded.startswith(prefix) for prefix in folded_prefixes):
            out[shown] = None
    out.update(mapping or {})
    return out
