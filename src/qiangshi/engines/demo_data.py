"""Deterministic demo data for a region: regions, schools, enrollment, facilities and teachers.

Plain Python, no Django. Every value comes from `random.Random` streams seeded from the seed and
a city code, so one seed, scale and school year give the same schools, names, national ID numbers
and histories on any machine. `qiangshi.demo.builder` turns the dataclasses into database rows.

Scales:
- ``district``: Fujian → Xiamen → Siming only, 70 schools at half the usual size (~4,000 teachers);
- ``city``: Xiamen's six districts, ~420 schools, ~45,000 teachers, ~800,000 students;
- ``province``: Xiamen, its mountain–sea partner Longyan and seven more cities of Fujian
  (~400,000 teachers). Generate and insert one city at a time (`generate_city`, `iter_teachers`).

Districts differ in how far they have come towards the quality-balance standard (`TIERS`):
on the city scale some pass a stage, some fail narrowly (a few schools just below the 85% floor),
some fail widely.

The shapes follow POLICY.md: class sizes (§13: ~42 primary, ~48 secondary, caps 45/50),
staffing ratios (§2: 1:19, 1:13.5, 1:12.5, schools ±25%), facility minimums (§1), title ladder
and promotion intervals (§3).

>>> plan = region_plan("district")
>>> [r.path for r in plan.regions]
['35/', '35/3502/', '35/3502/350203/']
>>> city = generate_city(plan.cities[0], seed=1, year=2026, max_schools=2)
>>> len(city.schools), city.schools[0].code
(2, '3502030001')
>>> first = [t.national_id for t in iter_teachers(city, seed=1, ids=IdAllocator())]
>>> again = generate_city(plan.cities[0], seed=1, year=2026, max_schools=2)
>>> first == [t.national_id for t in iter_teachers(again, seed=1, ids=IdAllocator())]
True
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from qiangshi.engines import idcard

SCALES = ("district", "city", "province")

# Mirror of qiangshi.org.models.STAGE_GRADES (engines may not import Django); a test keeps the two
# in step and the builder passes the model's own mapping in.
STAGE_GRADES: dict[str, range] = {
    "primary": range(1, 7),
    "junior": range(7, 10),
    "senior": range(10, 13),
    "nine_year": range(1, 10),
    "twelve_year": range(1, 13),
}

STAFF_RATIO = {"primary": 19.0, "junior": 13.5, "senior": 12.5}  # students per staff, POLICY §2
CLASS_TARGET = {"primary": 42, "junior": 48, "senior": 48}
CLASS_CAP = {"primary": 45, "junior": 50, "senior": 50}  # POLICY §13
HISTORY_YEARS = 6  # enrollment for this many school years, the current one included

# POLICY §1 minimums: per student (multimedia rooms per 100 students). Senior schools use the
# junior figures (they are out of the balance scope but need plausible facilities).
FACILITY_MINIMUMS = {
    "primary": {"teaching": 4.5, "sports": 7.5, "equipment": 2000.0, "multimedia": 2.3},
    "junior": {"teaching": 5.8, "sports": 10.2, "equipment": 2500.0, "multimedia": 2.4},
}


# POLICY §1 minimums of the three teacher indicators the generator staffs schools towards in
# the "met" and "close" tiers (per 100 students of the stage part), and the education a teacher
# needs to count as having a degree above the requirement.
TEACHER_MINIMUMS = {
    "primary": {"higher_degree": 4.2, "pe_arts": 0.9, "backbone": 1.0},
    "junior": {"higher_degree": 5.3, "pe_arts": 0.9, "backbone": 1.0},
}
HIGHER_DEGREE_LEVEL = {"primary": "associate", "junior": "bachelor"}
PE_ARTS_SUBJECTS = ("pe", "music", "fine_arts")
SCHOOL_PASS_FLOOR = 0.85  # POLICY §1: the one indicator a school may miss, as a share of it


@dataclass(frozen=True, slots=True)
class Tier:
    """How far a district has come towards the quality-balance standard (POLICY §1), so that the
    demo has the spread real districts have rather than one verdict everywhere.

    - ``staffing``: mean and sd of a school's staff as a share of its §2 quota (clipped ±25%);
    - ``targeted``: schools are staffed and equipped towards the §1 minimums: each facility
      figure is at least its minimum with a long upper tail (new buildings), and a school
      recruits teachers with a degree above the requirement and PE/arts teachers, and has
      backbone teachers recognised, up to ``teacher_target`` × the minimum (the natural draw may
      give more); otherwise facility figures are log-normal around a median with the district's
      spread and teachers are left to chance, as in districts that have not worked towards the
      standard;
    - ``short_above`` / ``short_below``: the share of schools with one facility figure just
      above / just below the 85% floor (the school passes / fails by the 6-of-7 rule).
    """

    staffing: tuple[float, float]
    targeted: bool
    teacher_target: tuple[float, float] = (1.0, 1.0)
    short_above: float = 0.0
    short_below: float = 0.0


TIERS = {
    # Staffed and equipped to the standard: a stage may pass (a few schools miss one figure
    # narrowly, above the 85% floor).
    "met": Tier((1.03, 0.05), True, (1.05, 1.3), short_above=0.12),
    # Almost there: the same, but a few schools miss one figure just below the floor, so the
    # stage fails narrowly.
    "close": Tier((1.0, 0.06), True, (1.02, 1.25), short_above=0.10, short_below=0.05),
    # Where most districts start: wide spread, teachers and facilities left to chance.
    "behind": Tier((0.94, 0.11), False),
}
# Xiamen's districts (the island's old centre and the university town have worked longest
# towards the standard); other cities' districts get a tier from their profile.
_XIAMEN_TIERS = {
    "350203": "met",
    "350205": "close",
    "350206": "close",
    "350211": "met",
    "350212": "behind",
    "350213": "behind",
}
_PROFILE_TIERS = {
    "urban": (("met", 0.3), ("close", 0.5), ("behind", 0.2)),
    "county": (("close", 0.3), ("behind", 0.7)),
}


def grade_stage(grade: int) -> str:
    """The stage a grade belongs to: 1–6 primary, 7–9 junior, 10–12 senior."""
    return "primary" if grade <= 6 else "junior" if grade <= 9 else "senior"


# ---------------------------------------------------------------------------------------------
# Plain data handed to the Django side
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegionSpec:
    code: str
    name: str
    name_en: str
    level: str  # province / city / district
    parent_code: str | None
    path: str
    is_pilot: bool = False
    is_off_island: bool = False


@dataclass(frozen=True, slots=True)
class DistrictPlan:
    code: str
    name: str
    name_en: str
    schools: int
    profile: str  # island / off_island / urban / county
    location_weights: tuple[float, float, float]  # urban, town, rural
    growth: float  # yearly change of the intake
    box: tuple[float, float, float, float]  # lat_min, lat_max, lon_min, lon_max
    places: tuple[str, ...]
    towns: tuple[str, ...]
    villages: tuple[str, ...]
    is_off_island: bool = False
    tier: str = "behind"  # how far it has come towards the balance standard: see TIERS


@dataclass(frozen=True, slots=True)
class CityPlan:
    code: str
    name: str
    name_en: str
    districts: tuple[DistrictPlan, ...]
    is_pilot: bool = False


@dataclass(frozen=True, slots=True)
class RegionPlan:
    scale: str
    regions: tuple[RegionSpec, ...]
    cities: tuple[CityPlan, ...]
    size_factor: float


@dataclass(slots=True)
class SchoolSpec:
    code: str
    name: str
    district_code: str
    stage: str
    location: str
    ownership: str
    is_boarding: bool
    address: str
    latitude: float
    longitude: float
    # Not model fields: what the teacher generator needs to know about the school.
    profile: str = ""
    students: int = 0
    students_by_stage: dict[str, int] = field(default_factory=dict)
    classes: int = 0
    teachers: int = 0


@dataclass(frozen=True, slots=True)
class EnrollmentSpec:
    school_code: str
    year: int
    grade: int
    students: int
    classes: int


@dataclass(frozen=True, slots=True)
class FacilitySpec:
    school_code: str
    year: int
    teaching_area_m2: float
    sports_area_m2: float
    equipment_value_yuan: float
    multimedia_rooms: int


@dataclass(frozen=True, slots=True)
class EmploymentSpec:
    school_code: str
    employment_type: str
    post_category: str
    is_full_time_teacher: bool
    post_grade: int | None
    main_subject: str
    other_subjects: tuple[str, ...]
    is_homeroom: bool
    start_date: date
    end_date: date | None = None
    end_reason: str = ""


@dataclass(frozen=True, slots=True)
class EducationSpec:
    level: str
    institution: str
    major: str
    study_mode: str
    is_normal_major: bool
    start_date: date
    end_date: date | None


@dataclass(frozen=True, slots=True)
class TitleSpec:
    rank: str
    obtained_on: date
    appointed_on: date | None


@dataclass(frozen=True, slots=True)
class CertificateSpec:
    stage: str
    subject: str
    number: str
    issued_on: date
    issuing_authority: str


@dataclass(frozen=True, slots=True)
class RecognitionSpec:
    kind: str
    level: str
    subject: str
    start_date: date
    end_date: date | None


@dataclass(frozen=True, slots=True)
class AppraisalSpec:
    year: int
    grade: str


@dataclass(frozen=True, slots=True)
class TeachingLoadSpec:
    school_year: int
    term: int
    stage: str
    subjects: tuple[str, ...]
    weekly_periods: float
    other_periods: float
    concurrent_duties: str


@dataclass(slots=True)
class TeacherSpec:
    name: str
    gender: str
    birth_date: date
    ethnicity: str
    political_status: str
    marital_status: str
    native_place: str
    birthplace: str
    national_id: str
    phone: str
    work_start_date: date
    personnel_status: str
    is_free_normal_graduate: bool
    is_special_grade: bool
    is_mental_health_teacher: bool
    stage: str  # the stage they teach (primary / junior / senior)
    employments: list[EmploymentSpec]
    education: list[EducationSpec]
    titles: list[TitleSpec]
    certificates: list[CertificateSpec]
    recognitions: list[RecognitionSpec]
    appraisals: list[AppraisalSpec]
    teaching_loads: list[TeachingLoadSpec]

    @property
    def current(self) -> EmploymentSpec:
        return next(e for e in self.employments if e.end_date is None)


@dataclass(slots=True)
class CityData:
    plan: CityPlan
    year: int
    as_of: date
    schools: list[SchoolSpec]
    enrollments: list[EnrollmentSpec]
    facilities: list[FacilitySpec]


def births_series(city: CityData, seed: int) -> list[tuple[str, int, int]]:
    """A births series per district, (district code, calendar year, births), consistent with the
    generated enrollment: for each enrollment year y, births(y − 6) = first-grade entrants of y
    ÷ the district's ratio of entrants to births (0.85–1.05: children moving in or out); the
    five years after the last of those (children not yet at school) continue with a yearly
    change of −9% to −2%, as China's births fell by about half from 2016 to 2023."""
    rng = random.Random(f"{seed}:births:{city.plan.code}")
    district_of = {s.code: s.district_code for s in city.schools}
    entrants: dict[str, dict[int, int]] = {}
    for e in city.enrollments:
        if e.grade == 1:
            by_year = entrants.setdefault(district_of[e.school_code], {})
            by_year[e.year] = by_year.get(e.year, 0) + e.students
    rows = []
    for district in sorted(entrants):
        ratio = rng.uniform(0.85, 1.05)
        by_year = entrants[district]
        births = {y - 6: round(n / ratio) for y, n in sorted(by_year.items()) if n}
        if not births:
            continue
        last_year = max(births)
        value = births[last_year]
        for y in range(last_year + 1, last_year + 6):
            value = round(value * (1 + rng.uniform(-0.09, -0.02)))
            births[y] = value
        rows += [(district, y, n) for y, n in sorted(births.items())]
    return rows


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


class _Table:
    """A weighted choice with precomputed cumulative weights (zero weights are never chosen)."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        acc = 0.0
        self.cum = []
        for _, w in pairs:
            acc += w
            self.cum.append(acc)
        self.total = acc

    def pick(self, rng: random.Random):
        return self.values[bisect_right(self.cum, rng.random() * self.total)]


def _weights(table: _Table) -> list[float]:
    return [b - a for a, b in zip([0.0, *table.cum[:-1]], table.cum, strict=True)]


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def _add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, min(d.day, 28))


def _days(rng: random.Random, lo: int, hi: int) -> timedelta:
    return timedelta(days=rng.randint(lo, hi))


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """Chinese numeral for 1–99, as in school names (第十一中学).

    >>> cn_number(3), cn_number(11), cn_number(20), cn_number(47)
    ('三', '十一', '二十', '四十七')
    """
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    if n >= 100:
        return str(n)
    return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------------------------------------
# The region plan
# ---------------------------------------------------------------------------------------------

# fmt: off
# Xiamen's districts: code, name, English, schools, profile, location weights (urban, town,
# rural), yearly intake growth, bounding box (lat, lat, lon, lon), then street / town / village
# names for school names and addresses.
_XIAMEN_SPECS = (
    ("350203", "思明区", "Siming", 70, "island", (0.97, 0.03, 0.0), -0.015,
     (24.43, 24.50, 118.07, 118.20)),
    ("350205", "海沧区", "Haicang", 46, "off_island", (0.55, 0.25, 0.20), 0.035,
     (24.44, 24.58, 117.93, 118.05)),
    ("350206", "湖里区", "Huli", 62, "island", (0.96, 0.04, 0.0), -0.008,
     (24.49, 24.56, 118.08, 118.20)),
    ("350211", "集美区", "Jimei", 76, "off_island", (0.60, 0.25, 0.15), 0.030,
     (24.56, 24.70, 117.95, 118.12)),
    ("350212", "同安区", "Tong'an", 96, "off_island", (0.30, 0.30, 0.40), 0.020,
     (24.65, 24.75, 118.00, 118.25)),
    ("350213", "翔安区", "Xiang'an", 70, "off_island", (0.25, 0.30, 0.45), 0.040,
     (24.55, 24.70, 118.20, 118.35)),
)
_XIAMEN_NAMES = {
    "350203": (
        "中华 滨海 鹭江 厦港 开元 梧村 筼筜 莲前 嘉莲 鼓浪屿 莲花 瑞景 湖滨 槟榔 金尚 演武 "
        "松柏 观音山 前埔 育秀 东浦 斗西 民立 大同 公园 群惠 将军祠 金鸡亭 凤屿 西林",
        "鼓浪屿 曾厝垵",
        "黄厝 何厝 前埔 洪文 曾厝垵",
    ),
    "350205": (
        "海沧 新阳 嵩屿 东孚 石塘 困瑶 鳌冠 天心岛 钟山 青礁 渐美 霞阳 锦里 沧江 马青 兴港",
        "东孚 新阳 海沧",
        "新垵 芸美 过芸 洪塘 鼎美 寨后 后柯 贞庵 温厝 东瑶 山边 莲花 鼎山 天竺",
    ),
    "350206": (
        "湖里 殿前 禾山 江头 金山 五缘湾 高殿 马垅 枋湖 钟宅 金林湾 东渡 高林 华侨 湖边 蔡塘 "
        "吕厝 翔鹭 园山 康乐 安兜 县后 濠头 乌石浦 槟城",
        "禾山 殿前",
        "钟宅 后坑 寨上 高林 坂美",
    ),
    "350211": (
        "集美 侨英 杏林 杏滨 灌口 后溪 杏东 锦园 兑山 英村 乐安 孙厝 田头 深青 滨水 乐海 "
        "凤林 宁宝 诚毅 嘉庚 康城 马銮湾 杏北 园博",
        "灌口 后溪 杏林 侨英",
        "双岭 三社 李林 坑内 仑上 岩内 许庄 上头亭 东辉 浦林 黄庄 顶许 田头 深青 井城",
    ),
    "350212": (
        "大同 祥平 西柯 洪塘 凤南 城南 城东 阳翟 银湖 梧侣 美峰 双溪 官浔 丙洲 新城 凤山 "
        "环城 岳口 三秀山 同新",
        "五显 新民 汀溪 莲花 洪塘 西柯 大同 祥平 凤南",
        "三秀 造水 顶村 后埔 西源 军营 白交祠 小坪 云埔 东山 洋坪 竹坝 褒美 澳溪 西塘 美林 "
        "五峰 明溪 内田 霞路 布塘 溪东 后溪 上陵 窑市 古坑",
    ),
    "350213": (
        "新店 马巷 内厝 新圩 金海 香山 凤翔 舫山 洪钟 滨海 巷西 民安 锦园 翔城 鸿渐 茂林 "
        "澳头 刘五店 大嶝 祥吴",
        "新圩 马巷 内厝 新店 大嶝",
        "古宅 大宅 后村 琼头 浦边 蔡厝 欧厝 陈坂 洪前 山亭 巷南 沙美 桐梓 内官 黄厝 吕塘 "
        "彭厝 莲河 东园 后埔 曾厝 许厝 霞浯 赵岗",
    ),
}
_XIAMEN_DISTRICTS = tuple(
    DistrictPlan(code, name, en, n, profile, loc, growth, box,
                 *(tuple(text.split()) for text in _XIAMEN_NAMES[code]),
                 is_off_island=profile == "off_island", tier=_XIAMEN_TIERS[code])
    for code, name, en, n, profile, loc, growth, box in _XIAMEN_SPECS
)

_GENERIC_PLACES = _words(
    "城关 东门 西门 南门 北门 江滨 新城 龙山 凤山 梅林 桃源 溪口 洋中 石门 新桥 大洋 城东 城西 "
    "城南 城北 东郊 南湖 北湖 龙江 清源 金鸡 白沙 青山 翠屏 紫阳 状元 文昌 登云 龙津 平安 太平 "
    "长安 梅峰 华侨 东山 西山 南山 北山 滨江"
)
_GENERIC_TOWNS = _words(
    "城厢 东园 西洋 南埔 北溪 龙门 梅山 凤岭 溪东 高岭 洋溪 湖坑 官庄 大田 坪山 石壁 新桥 黄田 "
    "林坊 太和"
)
_VILLAGE_HEAD = "上下东西南北大小新后前高石溪坑洋岭坂林湖"
_VILLAGE_TAIL = "坑洋坂岭头尾厝村溪山洲埔田口塘桥美林亭宅"

# The other cities of the province scale: code, name, English, (lat, lon), schools, and
# districts (code, name, English, urban | county).
_OTHER_CITIES = (
    ("3501", "福州市", "Fuzhou", (26.07, 119.30), 800, (
        ("350102", "鼓楼区", "Gulou", "urban"), ("350103", "台江区", "Taijiang", "urban"),
        ("350104", "仓山区", "Cangshan", "urban"), ("350111", "晋安区", "Jin'an", "urban"),
        ("350112", "长乐区", "Changle", "county"), ("350181", "福清市", "Fuqing", "county"))),
    ("3503", "莆田市", "Putian", (25.45, 119.01), 320, (
        ("350302", "城厢区", "Chengxiang", "urban"), ("350303", "涵江区", "Hanjiang", "urban"),
        ("350304", "荔城区", "Licheng", "urban"), ("350305", "秀屿区", "Xiuyu", "county"),
        ("350322", "仙游县", "Xianyou", "county"))),
    ("3504", "三明市", "Sanming", (26.26, 117.64), 270, (
        ("350404", "三元区", "Sanyuan", "urban"), ("350405", "沙县区", "Shaxian", "county"),
        ("350425", "大田县", "Datian", "county"), ("350426", "尤溪县", "Youxi", "county"),
        ("350481", "永安市", "Yong'an", "county"))),
    ("3505", "泉州市", "Quanzhou", (24.87, 118.68), 860, (
        ("350502", "鲤城区", "Licheng", "urban"), ("350503", "丰泽区", "Fengze", "urban"),
        ("350521", "惠安县", "Hui'an", "county"), ("350524", "安溪县", "Anxi", "county"),
        ("350582", "晋江市", "Jinjiang", "county"), ("350583", "南安市", "Nan'an", "county"))),
    ("3506", "漳州市", "Zhangzhou", (24.51, 117.65), 490, (
        ("350602", "芗城区", "Xiangcheng", "urban"), ("350603", "龙文区", "Longwen", "urban"),
        ("350604", "龙海区", "Longhai", "county"), ("350623", "漳浦县", "Zhangpu", "county"),
        ("350628", "平和县", "Pinghe", "county"))),
    ("3507", "南平市", "Nanping", (26.64, 118.18), 270, (
        ("350702", "延平区", "Yanping", "urban"), ("350703", "建阳区", "Jianyang", "county"),
        ("350781", "邵武市", "Shaowu", "county"), ("350782", "武夷山市", "Wuyishan", "county"),
        ("350783", "建瓯市", "Jian'ou", "county"))),
    ("3508", "龙岩市", "Longyan", (25.08, 117.02), 300, (
        ("350802", "新罗区", "Xinluo", "urban"), ("350803", "永定区", "Yongding", "county"),
        ("350821", "长汀县", "Changting", "county"), ("350823", "上杭县", "Shanghang", "county"),
        ("350824", "武平县", "Wuping", "county"), ("350825", "连城县", "Liancheng", "county"),
        ("350881", "漳平市", "Zhangping", "county"))),
    ("3509", "宁德市", "Ningde", (26.66, 119.55), 320, (
        ("350902", "蕉城区", "Jiaocheng", "urban"), ("350921", "霞浦县", "Xiapu", "county"),
        ("350922", "古田县", "Gutian", "county"), ("350981", "福安市", "Fu'an", "county"),
        ("350982", "福鼎市", "Fuding", "county"))),
)
# fmt: on

_PROFILE_LOCATION = {"urban": (0.78, 0.17, 0.05), "county": (0.22, 0.38, 0.40)}
_PROFILE_GROWTH = {"urban": 0.0, "county": -0.01}
_PROFILE_SHARE = {"urban": 1.0, "county": 1.5}  # schools per district, relative
_STAGE_MIX = {  # primary, junior, senior, nine_year, twelve_year
    "island": (0.60, 0.20, 0.12, 0.04, 0.04),
    "off_island": (0.63, 0.20, 0.09, 0.06, 0.02),
    "urban": (0.58, 0.21, 0.13, 0.05, 0.03),
    "county": (0.64, 0.21, 0.09, 0.05, 0.01),
}
_STAGES = ("primary", "junior", "senior", "nine_year", "twelve_year")


def _other_city(spec) -> CityPlan:
    code, name, name_en, (lat, lon), total, districts = spec
    shares = [_PROFILE_SHARE[p] for *_, p in districts]
    counts = _apportion(total, shares)
    rng = random.Random(f"layout:{code}")  # fixed layout, independent of the seed
    plans = []
    for (dcode, dname, den, profile), n in zip(districts, counts, strict=True):
        dlat, dlon = lat + rng.uniform(-0.35, 0.35), lon + rng.uniform(-0.35, 0.35)
        size = 0.06 if profile == "urban" else 0.18
        plans.append(
            DistrictPlan(
                dcode,
                dname,
                den,
                n,
                profile,
                _PROFILE_LOCATION[profile],
                _PROFILE_GROWTH[profile] + rng.uniform(-0.01, 0.01),
                (dlat - size, dlat + size, dlon - size, dlon + size),
                _GENERIC_PLACES,
                _GENERIC_TOWNS,
                (),
                # Its own stream, so that the tier leaves the layout as it was.
                tier=_Table(_PROFILE_TIERS[profile]).pick(random.Random(f"tier:{dcode}")),
            )
        )
    return CityPlan(code, name, name_en, tuple(plans), is_pilot=False)


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), summing exactly to total.

    >>> _apportion(10, [1, 1, 1])
    [4, 3, 3]
    """
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def region_plan(scale: str = "city", *, size_factor: float | None = None) -> RegionPlan:
    """The regions to create and the cities to fill, for a scale.

    Region paths are the chain of codes with a trailing slash ("35/3502/350203/"): the scoping
    code matches on that prefix.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    province = RegionSpec("35", "福建省", "Fujian", "province", None, "35/")
    if scale == "district":
        xiamen = CityPlan("3502", "厦门市", "Xiamen", _XIAMEN_DISTRICTS[:1], is_pilot=True)
        cities = [xiamen]
        default_size = 0.45
    else:
        xiamen = CityPlan("3502", "厦门市", "Xiamen", _XIAMEN_DISTRICTS, is_pilot=True)
        cities = [xiamen]
        if scale == "province":
            others = {spec[0]: spec for spec in _OTHER_CITIES}
            cities.append(_other_city(others["3508"]))  # Longyan first: the partner city
            cities += [_other_city(spec) for spec in _OTHER_CITIES if spec[0] != "3508"]
        default_size = 1.0
    regions = [province]
    for city in sorted(cities, key=lambda c: c.code):
        city_path = f"35/{city.code}/"
        regions.append(
            RegionSpec(city.code, city.name, city.name_en, "city", "35", city_path, city.is_pilot)
        )
        for d in sorted(city.districts, key=lambda d: d.code):
            regions.append(
                RegionSpec(
                    d.code,
                    d.name,
                    d.name_en,
                    "district",
                    city.code,
                    f"{city_path}{d.code}/",
                    is_off_island=d.is_off_island,
                )
            )
    return RegionPlan(
        scale, tuple(regions), tuple(cities), default_size if size_factor is None else size_factor
    )


# ---------------------------------------------------------------------------------------------
# Schools, enrollment, facilities
# ---------------------------------------------------------------------------------------------

# Students per grade in the current year: (mean, sd, min, max) by stage part and location.
_PER_GRADE = {
    ("primary", "urban"): (455, 130, 170, 800),
    ("primary", "town"): (285, 90, 90, 550),
    ("primary", "rural"): (108, 50, 20, 270),
    ("junior", "urban"): (685, 180, 270, 1140),
    ("junior", "town"): (435, 125, 140, 800),
    ("junior", "rural"): (205, 80, 55, 455),
    ("senior", "urban"): (750, 170, 390, 1200),
    ("senior", "town"): (525, 135, 230, 910),
    ("senior", "rural"): (330, 100, 135, 590),
}
# Share of each stage part in a through-school, relative to a school of that stage alone.
_PART_SIZE = {
    "nine_year": {"primary": 0.8, "junior": 0.65},
    "twelve_year": {"primary": 0.55, "junior": 0.5, "senior": 0.5},
}
_PRIVATE_TAGS = ("英才", "育才", "明达", "华侨", "双语", "博雅", "启明", "康桥", "华锐", "同文")
_ROAD_SUFFIX = ("路", "东路", "西路", "南路", "北路", "大道", "街", "里")


@dataclass(slots=True)
class _Naming:
    used: set[str] = field(default_factory=set)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)

    def next(self, key: tuple[str, str]) -> int:
        self.counters[key] = self.counters.get(key, 0) + 1
        return self.counters[key]


def _village(rng: random.Random, d: DistrictPlan) -> str:
    if d.villages and rng.random() < 0.85:
        return rng.choice(d.villages)
    return rng.choice(_VILLAGE_HEAD) + rng.choice(_VILLAGE_TAIL)


def _school_name(
    rng: random.Random,
    naming: _Naming,
    city: CityPlan,
    d: DistrictPlan,
    stage: str,
    location: str,
    private: bool,
) -> str:
    cityn, dn = city.name, d.name
    for _attempt in range(30):
        place = rng.choice(d.places)
        town = rng.choice(d.towns)
        village = _village(rng, d)
        r = rng.random()
        if private:
            kind = {"primary": "小学", "junior": "中学", "senior": "高级中学"}.get(stage, "学校")
            name = f"{cityn[:-1]}{place}{rng.choice(_PRIVATE_TAGS)}{kind}"
        elif stage == "primary":
            if location == "urban":
                if r < 0.3:
                    name = f"{cityn}{dn}第{cn_number(naming.next(('exp', d.code)))}实验小学"
                elif r < 0.85:
                    name = f"{cityn}{dn}{place}小学"
                else:
                    name = f"{cityn}{place}第{cn_number(rng.randint(2, 3))}小学"
            elif location == "town":
                name = f"{dn}{town}中心小学" if r < 0.45 else f"{dn}{town}{village}小学"
            else:
                name = f"{dn}{village}小学"
        elif stage in ("junior", "senior"):
            if location == "urban" and r < (0.45 if stage == "junior" else 0.6):
                name = f"{cityn}第{cn_number(naming.next(('no', city.code)))}中学"
            elif location == "urban":
                tail = "中学" if stage == "junior" else "高级中学"
                name = f"{cityn}{place}{tail}" if r < 0.8 else f"{cityn}{dn}{place}{tail}"
            elif location == "town":
                name = f"{dn}{town}中学" if stage == "junior" else f"{dn}{town}高级中学"
            else:
                name = f"{dn}{village}中学"
        elif stage == "nine_year":
            if location == "urban":
                name = f"{cityn}{dn}{place}实验学校"
            elif location == "town":
                name = f"{dn}{town}学校"
            else:
                name = f"{dn}{village}学校"
        else:  # twelve_year
            name = f"{cityn}{place}外国语学校" if r < 0.5 else f"{cityn}{dn}{place}学校"
        if name not in naming.used:
            naming.used.add(name)
            return name
    base, k = name, 2
    while name in naming.used:
        name = f"{base}（{cn_number(k)}校区）"
        k += 1
    naming.used.add(name)
    return name


def _classes(students: int, stage: str) -> int:
    if students <= 0:
        return 0
    return max(1, round(students / CLASS_TARGET[stage]), math.ceil(students / CLASS_CAP[stage]))


def generate_city(
    city: CityPlan,
    *,
    seed: int,
    year: int,
    size_factor: float = 1.0,
    max_schools: int | None = None,
    stage_grades: dict[str, range] | None = None,
) -> CityData:
    """Schools of a city with six years of enrollment (cohorts move up a grade a year) and the
    current year's facilities. `max_schools` keeps only the first schools of each district."""
    stage_grades = stage_grades or STAGE_GRADES
    rng = random.Random(f"{seed}:{city.code}:schools")
    naming = _Naming()
    schools: list[SchoolSpec] = []
    enrollments: list[EnrollmentSpec] = []
    facilities: list[FacilitySpec] = []
    years = range(year - HISTORY_YEARS + 1, year + 1)
    for d in sorted(city.districts, key=lambda d: d.code):
        # Spread of each facility indicator across the district's schools: some districts
        # end up above the CV limits of POLICY §1, some below.
        sigma = {k: rng.uniform(0.22, 0.60) for k in ("teaching", "sports", "equipment", "media")}
        tier = TIERS[d.tier]
        shorts = [0]  # schools given a figure near the 85% floor so far (cycles the figures)
        mix = _STAGE_MIX[d.profile]
        stages = [
            s for s, n in zip(_STAGES, _apportion(d.schools, mix), strict=True) for _ in range(n)
        ]
        rng.shuffle(stages)
        locations = _Table(list(zip(("urban", "town", "rural"), d.location_weights, strict=True)))
        for k, stage in enumerate(stages, start=1):
            location = locations.pick(rng)
            if stage in ("senior", "twelve_year") and location == "rural" and rng.random() < 0.7:
                location = "town"
            private = rng.random() < (0.10 if location == "urban" else 0.06)
            boarding_p = {
                ("urban", False): 0.03,
                ("town", False): 0.15,
                ("rural", False): 0.12,
                ("urban", True): 0.2,
                ("town", True): 0.45,
                ("rural", True): 0.7,
            }[(location, stage != "primary")]
            boarding = rng.random() < (0.4 if private else boarding_p)
            name = _school_name(rng, naming, city, d, stage, location, private)
            lat = rng.uniform(d.box[0], d.box[1])
            lon = rng.uniform(d.box[2], d.box[3])
            place = rng.choice(d.places)
            address = (
                f"福建省{city.name}{d.name}{place}{rng.choice(_ROAD_SUFFIX)}{rng.randint(1, 399)}号"
            )
            school = SchoolSpec(
                code=f"{d.code}{k:04d}",
                name=name,
                district_code=d.code,
                stage=stage,
                location=location,
                ownership="private" if private else "public",
                is_boarding=boarding,
                address=address,
                latitude=round(lat, 6),
                longitude=round(lon, 6),
                profile=d.profile,
            )
            if max_schools is not None and k > max_schools:
                break  # a smaller build (for tests): the first schools of each district
            rows = _enrollment(rng, school, d, years, size_factor, private, stage_grades)
            schools.append(school)
            enrollments += rows
            facilities.append(_facility(rng, school, d, year, sigma, tier, shorts))
            school.teachers = _staff(rng, school, tier)
    return CityData(city, year, date(year, 9, 1), schools, enrollments, facilities)


def _enrollment(
    rng: random.Random,
    school: SchoolSpec,
    d: DistrictPlan,
    years: range,
    size_factor: float,
    private: bool,
    stage_grades: dict[str, range],
) -> list[EnrollmentSpec]:
    grades = list(stage_grades[school.stage])
    current = years[-1]
    growth = d.growth + rng.gauss(0, 0.012)
    drift = {"island": -0.004, "off_island": 0.008}.get(d.profile, 0.0)
    # Size of the entry cohort of each stage part in the current year.
    base: dict[str, float] = {}
    tiny = school.location == "rural" and school.stage == "primary" and rng.random() < 0.2
    for part in ("primary", "junior", "senior"):
        if not any(grade_stage(g) == part for g in grades):
            continue
        mean, sd, lo, hi = _PER_GRADE[(part, school.location)]
        size = _clip(rng.gauss(mean, sd), lo, hi)
        if tiny:
            size = rng.uniform(5, 16)
        size *= _PART_SIZE.get(school.stage, {}).get(part, 1.0)
        size *= (0.7 if private else 1.0) * size_factor
        base[part] = size
    first_year = years[0] - (len(grades) - 1)
    # One cohort per entry year; it moves up one grade a year with a little noise.
    cohorts: dict[int, list[float]] = {}
    for entry in range(first_year, current + 1):
        size = base[grade_stage(grades[0])] * (1 + growth) ** (entry - current)
        size *= math.exp(rng.gauss(0, 0.05))
        path = [size]
        for i in range(1, len(grades)):
            g = grades[i]
            factor = 1 + rng.gauss(drift, 0.015)
            if grade_stage(g) != grade_stage(grades[i - 1]):
                # A through-school: the next stage part has its own size.
                factor = base[grade_stage(g)] / base[grade_stage(grades[i - 1])]
                factor *= rng.uniform(0.95, 1.05)
            path.append(path[-1] * factor)
        cohorts[entry] = path
    rows = []
    by_stage: dict[str, int] = {}
    classes_now = 0
    for y in years:
        for i, g in enumerate(grades):
            students = max(1, round(cohorts[y - i][i]))
            classes = _classes(students, grade_stage(g))
            rows.append(EnrollmentSpec(school.code, y, g, students, classes))
            if y == current:
                by_stage[grade_stage(g)] = by_stage.get(grade_stage(g), 0) + students
                classes_now += classes
    school.students_by_stage = by_stage
    school.students = sum(by_stage.values())
    school.classes = classes_now
    return rows


# Figures that may fall near the 85% floor (multimedia rooms are whole rooms: too coarse).
_FACILITY_KEYS = ("sports", "teaching", "equipment")


def _facility(
    rng: random.Random,
    school: SchoolSpec,
    d: DistrictPlan,
    year: int,
    sigma: dict[str, float],
    tier: Tier,
    shorts: list[int],
) -> FacilitySpec:
    students = school.students
    primary = school.students_by_stage.get("primary", 0)
    upper = students - primary

    def minimum(key: str) -> float:
        p, j = FACILITY_MINIMUMS["primary"][key], FACILITY_MINIMUMS["junior"][key]
        if tier.targeted and primary and upper:
            # A through-school's figures are split by enrollment, so that each part has the
            # whole school's figure per student: the junior part's (higher) minimum binds.
            return max(p, j)
        return (primary * p + upper * j) / students

    island_urban = d.profile == "island" or (d.profile == "urban" and school.location == "urban")
    sports_mu = {"urban": 0.85 if island_urban else 1.1, "town": 1.3, "rural": 1.5}
    median = {
        "teaching": 1.25,
        "sports": sports_mu[school.location],
        "equipment": 1.1 if school.location == "rural" else 1.45,
        "media": 1.3,
    }
    small = 1.4 if students < 200 else 1.0  # a building has a minimum size

    # Figure to minimum. Targeted tiers: at least the minimum, with a long upper tail; a few
    # schools have one figure (sports first: land is scarce) just above or below the 85% floor.
    short: dict[str, float] = {}
    if tier.targeted and school.stage in ("primary", "junior", "nine_year", "twelve_year"):
        r = rng.random()
        if r < tier.short_above + tier.short_below:
            key = _FACILITY_KEYS[shorts[0] % len(_FACILITY_KEYS)]
            shorts[0] += 1
            floor = SCHOOL_PASS_FLOOR
            above = r < tier.short_above
            short[key] = floor * (rng.uniform(1.005, 1.045) if above else rng.uniform(0.955, 0.995))
            if key in ("teaching", "sports") and students < 200:
                short[key] /= 1.4  # the small-building factor below brings it back

    def ratio(key: str) -> float:
        if key in short:
            return short[key]
        if tier.targeted:
            return 1.02 + 0.3 * math.exp(0.7 * rng.gauss(0, 1))
        return median[key] * math.exp(sigma[key] * rng.gauss(0, 1))

    teaching = students * minimum("teaching") * ratio("teaching") * small
    sports = students * minimum("sports") * ratio("sports") * small
    equipment = students * minimum("equipment") * ratio("equipment")
    rooms = students / 100 * minimum("multimedia") * ratio("media")
    media = max(1, math.ceil(rooms) if tier.targeted else round(rooms))
    return FacilitySpec(
        school.code, year, round(teaching, 2), round(sports, 2), round(equipment, -2), media
    )


def _staff(rng: random.Random, school: SchoolSpec, tier: Tier) -> int:
    """Staff for a school: its POLICY §2 quota times a factor within ±25% (drawn as the district's
    tier says); small schools are also staffed by class count."""
    quota = sum(n / STAFF_RATIO[s] for s, n in school.students_by_stage.items())
    factor = _clip(rng.gauss(*tier.staffing), 0.75, 1.25)
    n = round(quota * factor)
    if school.students < 400:
        n = max(n, math.ceil(school.classes * 1.15) + 1)
    return max(n, 3)


# ---------------------------------------------------------------------------------------------
# Teachers
# ---------------------------------------------------------------------------------------------


class IdAllocator:
    """Hands out national ID numbers (and phone numbers) that are unique.

    `taken` may say that a number is already used elsewhere (e.g. in the database); on a
    collision the sequence number moves on, then the region code, deterministically.
    """

    def __init__(self, taken: Callable[[str], bool] | None = None):
        self.used: set[str] = set()
        self.phones: set[str] = set()
        self.taken = taken

    def national_id(
        self,
        rng: random.Random,
        region_code: str,
        birth: date,
        gender: str,
        alternates: Sequence[str],
    ) -> str:
        seq = rng.randrange(100)
        codes = [region_code, *alternates]
        for code in codes:
            for step in range(100):
                number = idcard.make(code, birth, (seq + step) % 100, gender)
                if number not in self.used and not (self.taken and self.taken(number)):
                    self.used.add(number)
                    return number
        raise RuntimeError(f"no free national ID for {birth} {gender}")

    def phone(self, rng: random.Random) -> str:
        while True:
            number = rng.choice(_PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number


# fmt: off
_PHONE_PREFIXES = _words(
    "130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159 166 170 176 "
    "177 178 180 181 182 183 184 185 186 187 188 189 191 198 199"
)

_SURNAMES = _Table([
    ("陈", 12), ("林", 10), ("黄", 6), ("张", 5), ("李", 5), ("王", 4), ("吴", 4), ("刘", 3),
    ("蔡", 3), ("杨", 3), ("郑", 3), ("许", 2.5), ("洪", 2), ("谢", 2), ("郭", 2), ("庄", 1.8),
    ("苏", 1.8), ("曾", 1.6), ("周", 1.6), ("叶", 1.5), ("邱", 1.2), ("卢", 1.2), ("沈", 1.0),
    ("方", 1.0), ("何", 1.0), ("徐", 1.0), ("柯", 0.9), ("施", 0.9), ("颜", 0.8), ("江", 0.8),
    ("詹", 0.7), ("余", 0.7), ("朱", 0.7), ("高", 0.7), ("罗", 0.7), ("赖", 0.7), ("游", 0.6),
    ("魏", 0.6), ("傅", 0.6), ("潘", 0.6), ("康", 0.5), ("孙", 0.5), ("胡", 0.5), ("赵", 0.5),
    ("马", 0.4), ("龚", 0.4), ("连", 0.4), ("纪", 0.4), ("阮", 0.4), ("戴", 0.4), ("肖", 0.4),
    ("姚", 0.4), ("钟", 0.4), ("唐", 0.4), ("彭", 0.3), ("邓", 0.3), ("范", 0.3), ("汪", 0.3),
    ("丁", 0.3), ("欧阳", 0.12), ("上官", 0.03),
])
# Characters of given names, by gender and by generation (born before 1978 / from 1988).
_GIVEN = {
    ("female", "old"): "丽静敏燕芳娟霞玲红梅莉萍秀美春艳凤翠淑惠珍琴英华兰玉金桂素云",
    ("female", "young"): "婷颖琳雪慧洁倩璐琪晶佳欣怡思雨晓诗雅馨蓉珊薇宁瑶妍丹菲青月莹岚晴婉琼钰涵萱悦彤璇",
    ("male", "old"): "伟强军勇明辉华建志国平东波林海荣坤宏庆福贵生顺金水永忠德民文斌清泉",
    ("male", "young"): "杰涛斌超鹏俊峰亮飞宇浩健鑫龙凯晨阳毅彬昊嘉泽铭锋旭航翔振炜煌睿轩哲",
}
_GIVEN_FIRST = {"female": "晓雅思文秀丽嘉欣雨佳诗婉", "male": "志建俊国永明嘉宇子家文振"}

_ETHNICITY = _Table([
    ("汉族", 96.6), ("畲族", 1.0), ("回族", 0.8), ("壮族", 0.4), ("满族", 0.3), ("土家族", 0.3),
    ("苗族", 0.3), ("高山族", 0.1), ("蒙古族", 0.1), ("彝族", 0.1),
])

# Birthplaces (the first six digits of the ID number): Fujian counties and some elsewhere.
_FUJIAN_COUNTIES = {
    "3501": ("福州市", "350102 鼓楼区 350103 台江区 350104 仓山区 350111 晋安区 350121 闽侯县 "
                       "350122 连江县 350124 闽清县 350125 永泰县 350181 福清市"),
    "3502": ("厦门市", "350203 思明区 350205 海沧区 350206 湖里区 350211 集美区 350212 同安区 "
                       "350213 翔安区"),
    "3503": ("莆田市", "350302 城厢区 350303 涵江区 350304 荔城区 350305 秀屿区 350322 仙游县"),
    "3504": ("三明市", "350421 明溪县 350423 清流县 350424 宁化县 350425 大田县 350426 尤溪县 "
                       "350428 将乐县 350481 永安市"),
    "3505": ("泉州市", "350502 鲤城区 350503 丰泽区 350504 洛江区 350521 惠安县 350524 安溪县 "
                       "350525 永春县 350526 德化县 350581 石狮市 350582 晋江市 350583 南安市"),
    "3506": ("漳州市", "350602 芗城区 350603 龙文区 350622 云霄县 350623 漳浦县 350624 诏安县 "
                       "350626 东山县 350627 南靖县 350628 平和县 350629 华安县"),
    "3507": ("南平市", "350702 延平区 350721 顺昌县 350722 浦城县 350724 松溪县 350725 政和县 "
                       "350781 邵武市 350782 武夷山市 350783 建瓯市"),
    "3508": ("龙岩市", "350802 新罗区 350803 永定区 350821 长汀县 350823 上杭县 350824 武平县 "
                       "350825 连城县 350881 漳平市"),
    "3509": ("宁德市", "350902 蕉城区 350921 霞浦县 350922 古田县 350923 屏南县 350924 寿宁县 "
                       "350981 福安市 350982 福鼎市"),
}
_ELSEWHERE_TEXT = (
    "360102 江西省南昌市东湖区 360702 江西省赣州市章贡区 361002 江西省抚州市临川区 "
    "430102 湖南省长沙市芙蓉区 430602 湖南省岳阳市岳阳楼区 420102 湖北省武汉市江岸区 "
    "410102 河南省郑州市中原区 411302 河南省南阳市宛城区 340102 安徽省合肥市瑶海区 "
    "341502 安徽省六安市金安区 510104 四川省成都市锦江区 511302 四川省南充市顺庆区 "
    "440103 广东省广州市荔湾区 445102 广东省潮州市湘桥区 370102 山东省济南市历下区 "
    "370702 山东省潍坊市潍城区 330302 浙江省温州市鹿城区 230102 黑龙江省哈尔滨市道里区 "
    "140105 山西省太原市小店区 450102 广西壮族自治区南宁市兴宁区 610113 陕西省西安市雁塔区 "
    "130102 河北省石家庄市长安区 320102 江苏省南京市玄武区"
)

# Main subject shares of teachers by stage (POLICY §13 curriculum shares, with the PE and arts
# teachers the balance indicators count).
_SUBJECTS = {
    "primary": _Table([
        ("chinese", 30), ("mathematics", 22), ("english", 9), ("morality_law", 4),
        ("science", 6), ("information_technology", 3), ("pe", 8), ("music", 5.5),
        ("fine_arts", 5.5), ("labour", 2), ("mental_health", 1), ("other", 0.5),
    ]),
    "junior": _Table([
        ("chinese", 14), ("mathematics", 14), ("english", 13), ("morality_law", 6),
        ("history", 6), ("geography", 5), ("physics", 7), ("chemistry", 5), ("biology", 5),
        ("information_technology", 3), ("pe", 8), ("music", 3), ("fine_arts", 3),
        ("labour", 1.5), ("mental_health", 1.5), ("other", 1),
    ]),
    "senior": _Table([
        ("chinese", 12), ("mathematics", 13), ("english", 12), ("morality_law", 7),
        ("history", 6), ("geography", 6), ("physics", 9), ("chemistry", 8), ("biology", 7),
        ("information_technology", 4), ("pe", 7), ("music", 2.5), ("fine_arts", 2.5),
        ("mental_health", 1), ("labour", 0.5), ("other", 1),
    ]),
}
_PE_ARTS = {
    stage: _Table([(v, w) for v, w in zip(table.values, _weights(table), strict=True)
                   if v in PE_ARTS_SUBJECTS])
    for stage, table in _SUBJECTS.items()
}
_SUBJECT_CN = {
    "chinese": "语文", "mathematics": "数学", "english": "英语", "morality_law": "思政",
    "history": "历史", "geography": "地理", "physics": "物理", "chemistry": "化学",
    "biology": "生物", "science": "科学", "information_technology": "信息技术", "pe": "体育",
    "music": "音乐", "fine_arts": "美术", "mental_health": "心理健康",
}
_MAJORS = {
    "chinese": "汉语言文学", "mathematics": "数学与应用数学", "english": "英语",
    "morality_law": "思想政治教育", "history": "历史学", "geography": "地理科学",
    "physics": "物理学", "chemistry": "化学", "biology": "生物科学", "science": "科学教育",
    "information_technology": "教育技术学", "pe": "体育教育", "music": "音乐学",
    "fine_arts": "美术学", "labour": "教育学", "mental_health": "应用心理学", "other": "教育学",
    "": "教育学",
}
_NON_NORMAL_MAJORS = {
    "information_technology": "计算机科学与技术", "mathematics": "信息与计算科学",
    "chinese": "汉语言文学", "english": "商务英语", "physics": "应用物理学",
    "chemistry": "应用化学", "biology": "生物技术", "": "行政管理",
}

_SN_SCHOOLS = _words(
    "厦门师范学校 泉州师范学校 漳州师范学校 龙岩师范学校 福州师范学校 莆田师范学校 宁德师范学校 "
    "三明师范学校 集美师范学校"
)
_ASSOC_SCHOOLS = _Table([
    ("集美大学师范学院", 3), ("泉州师范学院", 2), ("闽南师范大学", 2),
    ("福建幼儿师范高等专科学校", 1), ("泉州幼儿师范高等专科学校", 1.5), ("龙岩学院", 1),
    ("宁德师范学院", 1), ("厦门城市职业学院", 1),
])
_IN_SERVICE = _Table([
    ("福建教育学院", 3), ("福建师范大学", 3), ("厦门教育学院", 2), ("闽南师范大学", 2),
    ("集美大学", 1.5), ("泉州师范学院", 1), ("国家开放大学", 1),
])
_BACHELOR_SCHOOLS = _Table([
    ("福建师范大学", 14), ("闽南师范大学", 12), ("集美大学", 10), ("泉州师范学院", 9),
    ("厦门大学", 5), ("宁德师范学院", 4), ("龙岩学院", 4), ("三明学院", 3), ("闽江学院", 3),
    ("武夷学院", 2), ("华侨大学", 3), ("福州大学", 2), ("厦门理工学院", 2), ("华东师范大学", 2),
    ("北京师范大学", 1.5), ("华中师范大学", 2), ("华南师范大学", 2), ("东北师范大学", 1.5),
    ("陕西师范大学", 1.5), ("西南大学", 1.5), ("南京师范大学", 1.5), ("江西师范大学", 2),
    ("湖南师范大学", 1.5),
])
_NORMAL_UNIVERSITIES = frozenset(_words(
    "福建师范大学 闽南师范大学 泉州师范学院 宁德师范学院 华东师范大学 北京师范大学 华中师范大学 "
    "华南师范大学 东北师范大学 陕西师范大学 西南大学 南京师范大学 江西师范大学 湖南师范大学 "
    "集美大学 龙岩学院 三明学院"
))
# The six universities of the free normal-student programme (公费师范生, since 2007).
_FREE_NORMAL = frozenset(_words(
    "北京师范大学 华东师范大学 东北师范大学 华中师范大学 陕西师范大学 西南大学"
))
_MASTER_SCHOOLS = _Table([
    ("福建师范大学", 10), ("厦门大学", 6), ("闽南师范大学", 5), ("华东师范大学", 4),
    ("北京师范大学", 3), ("华中师范大学", 3), ("集美大学", 3), ("东北师范大学", 2),
    ("华南师范大学", 2), ("南京师范大学", 2), ("陕西师范大学", 1.5), ("西南大学", 1.5),
])
_DOCTORATE_SCHOOLS = ("厦门大学", "北京师范大学", "华东师范大学", "福建师范大学", "东北师范大学")
# fmt: on


def _pairs(text: str) -> dict[str, str]:
    words = text.split()
    return dict(zip(words[::2], words[1::2], strict=True))


_ELSEWHERE = _pairs(_ELSEWHERE_TEXT)
_COUNTIES = {city: (name, _pairs(text)) for city, (name, text) in _FUJIAN_COUNTIES.items()}
PLACE_NAMES = {
    code: f"福建省{city}{county}"
    for city, counties in _COUNTIES.values()
    for code, county in counties.items()
} | _ELSEWHERE
_ALL_FUJIAN = tuple(code for _, counties in _COUNTIES.values() for code in counties)

_LEVEL_ORDER = (
    "senior_secondary",
    "secondary_normal",
    "associate",
    "bachelor",
    "master",
    "doctorate",
)
_LEVEL_RANK = {lv: i for i, lv in enumerate(_LEVEL_ORDER)}
_NEXT_LEVEL = {
    "senior_secondary": "associate",
    "secondary_normal": "associate",
    "associate": "bachelor",
    "bachelor": "master",
    "master": "doctorate",
}

_TITLE_RANKS = ("third", "second", "first", "senior", "professor")
# Chance that a teacher eligible for senior / professor ever gets it (the post quota binds).
_SENIOR_CHANCE = {"primary": 0.36, "junior": 0.46, "senior": 0.54}
_PROFESSOR_CHANCE = 0.065

_AGE_BANDS = ((24, 1.6), (29, 2.8), (34, 3.0), (39, 2.9), (44, 2.6), (49, 2.3), (54, 1.7))
_FEMALE_SHARE = {"primary": 0.74, "junior": 0.57, "senior": 0.52}


def _age_table(gender: str, young_bias: float) -> _Table:
    pairs = []
    for age in range(22, 61):
        w = next((w for top, w in _AGE_BANDS if age <= top), None)
        if w is None:
            w = (
                (0.7 if gender == "male" else 0.35)
                if age <= 57
                else (0.45 if gender == "male" else 0)
            )
        if age < 35:
            w *= young_bias
        pairs.append((age, w))
    return _Table(pairs)


_AGE_TABLES = {
    (g, p): _age_table(g, b)
    for g in ("female", "male")
    for p, b in (("island", 0.9), ("off_island", 1.3), ("urban", 1.0), ("county", 1.0))
}


def _highest_level(rng: random.Random, stage: str, age: int, post: str) -> str:
    r = rng.random()
    if post == "logistics":
        table = (("senior_secondary", 0.25), ("associate", 0.40), ("bachelor", 0.35))
    elif stage == "primary":
        if age >= 48:
            table = (
                ("secondary_normal", 0.22),
                ("associate", 0.33),
                ("bachelor", 0.43),
                ("master", 0.02),
            )
        elif age >= 36:
            table = (
                ("secondary_normal", 0.02),
                ("associate", 0.14),
                ("bachelor", 0.77),
                ("master", 0.07),
            )
        else:
            table = (("associate", 0.08), ("bachelor", 0.78), ("master", 0.14))
    elif stage == "junior":
        if age >= 48:
            table = (("associate", 0.10), ("bachelor", 0.85), ("master", 0.05))
        else:
            table = (("associate", 0.01), ("bachelor", 0.83), ("master", 0.16))
    else:
        if age >= 48:
            table = (("associate", 0.01), ("bachelor", 0.82), ("master", 0.16), ("doctorate", 0.01))
        elif age >= 36:
            table = (("bachelor", 0.70), ("master", 0.29), ("doctorate", 0.01))
        else:
            table = (("bachelor", 0.58), ("master", 0.40), ("doctorate", 0.02))
    acc = 0.0
    for level, p in table:
        acc += p
        if r < acc:
            return level
    return table[-1][0]


@dataclass(slots=True)
class _Study:
    level: str
    start: date
    end: date
    mode: str
    institution: str
    major: str
    normal: bool


def _education(
    rng: random.Random,
    birth: date,
    as_of: date,
    target: str,
    subject: str,
    stage: str,
    county_name: str,
) -> tuple[list[_Study], date]:
    """A study history ending in `target` (downgraded when there was no time for it) and the
    date work started. In-service studies that end after `as_of` are still running."""
    hs_grad = birth.year + 18 + (1 if birth.month >= 9 else 0)
    age = as_of.year - birth.year
    county = county_name[:-1].rsplit("市", 1)[-1]
    hs_name = f"{county}{rng.choice(('第一中学', '第二中学', '第三中学', '实验中学', '第一中学'))}"
    while True:
        studies, work_start = _study_route(
            rng, birth, hs_grad, as_of, target, subject, stage, age, hs_name
        )
        if work_start <= as_of:
            break
        if target in ("doctorate", "master"):
            target = "bachelor" if target == "master" else "master"
        elif target == "bachelor":
            target = "associate"
        else:
            hs_grad -= 1
    if studies[0].level in ("associate", "bachelor") and rng.random() < 0.7:
        studies.insert(
            0,
            _Study(
                "senior_secondary",
                date(hs_grad - 3, 9, 1),
                date(hs_grad, 6, 30),
                "full_time",
                hs_name,
                "",
                False,
            ),
        )
    return studies, work_start


def _study_route(
    rng: random.Random,
    birth: date,
    hs_grad: int,
    as_of: date,
    target: str,
    subject: str,
    stage: str,
    age: int,
    hs_name: str,
) -> tuple[list[_Study], date]:
    sn_possible = hs_grad <= 2001
    studies: list[_Study] = []

    def full_time(
        level: str, start_year: int, years: int, institution: str, major: str, normal: bool
    ) -> int:
        studies.append(
            _Study(
                level,
                date(start_year, 9, 1),
                date(start_year + years, 7, 1),
                "full_time",
                institution,
                major,
                normal,
            )
        )
        return start_year + years

    def in_service(level: str, after: date, lo: int, hi: int, institution: str, major: str) -> date:
        start = date(after.year + rng.randint(lo, hi), rng.choice((3, 9)), 1)
        end = _add_months(start, rng.choice((24, 30, 30, 36)))
        studies.append(_Study(level, start, end, "in_service", institution, major, True))
        return end

    if target == "senior_secondary":
        studies.append(
            _Study(
                "senior_secondary",
                date(hs_grad - 3, 9, 1),
                date(hs_grad, 6, 30),
                "full_time",
                hs_name,
                "",
                False,
            )
        )
        first_grad = hs_grad
        route = "HS"
    elif target == "secondary_normal" or (
        sn_possible and target in ("associate", "bachelor") and rng.random() < 0.45
    ):
        years = 3 if rng.random() < 0.8 else 4
        first_grad = full_time(
            "secondary_normal", hs_grad - 3, years, rng.choice(_SN_SCHOOLS), "普通师范", True
        )
        route = "SN"
    elif target == "associate" or (
        target == "bachelor" and rng.random() < (0.15 if age < 35 else 0.4 if age < 45 else 0.5)
    ):
        first_grad = full_time(
            "associate", hs_grad, 3, _ASSOC_SCHOOLS.pick(rng), _assoc_major(subject, stage), True
        )
        route = "A"
    else:
        inst = _BACHELOR_SCHOOLS.pick(rng)
        normal = rng.random() < (0.85 if inst in _NORMAL_UNIVERSITIES else 0.15)
        first_grad = full_time(
            "bachelor",
            hs_grad + (1 if rng.random() < 0.05 else 0),
            4,
            inst,
            _major(rng, subject, stage, normal),
            normal,
        )
        route = "B"
        if target in ("master", "doctorate") and (
            target == "doctorate"
            or rng.random() < (0.85 if age < 30 else 0.55 if age < 40 else 0.25)
        ):
            gap = 1 if rng.random() < 0.15 else 0
            first_grad = full_time(
                "master",
                first_grad + gap,
                rng.choice((2, 3, 3)),
                _MASTER_SCHOOLS.pick(rng),
                _master_major(rng, subject),
                True,
            )
            route = "M"
            if target == "doctorate":
                first_grad = full_time(
                    "doctorate",
                    first_grad,
                    rng.choice((3, 4)),
                    rng.choice(_DOCTORATE_SCHOOLS),
                    rng.choice(("课程与教学论", "教育学原理", _MAJORS[subject])),
                    True,
                )
                route = "D"
    gap_years = rng.choice((1, 1, 2)) if rng.random() < 0.1 else 0
    work_start = date(first_grad + gap_years, 8, rng.randint(10, 31))
    if work_start > as_of and gap_years:
        work_start = date(first_grad, 8, rng.randint(10, 31))
    # In-service upgrades after starting work.
    last = work_start
    if route == "SN" and target in ("associate", "bachelor"):
        last = in_service(
            "associate", last, 1, 5, _IN_SERVICE.pick(rng), _assoc_major(subject, stage)
        )
        if target == "bachelor":
            last = in_service("bachelor", last, 1, 4, _IN_SERVICE.pick(rng), _MAJORS[subject])
    elif route == "A" and target == "bachelor":
        last = in_service("bachelor", last, 1, 6, _IN_SERVICE.pick(rng), _MAJORS[subject])
    elif route == "B" and target in ("master", "doctorate"):
        in_service(
            "master",
            last,
            3,
            10,
            _MASTER_SCHOOLS.pick(rng),
            rng.choice(("教育管理", _master_major(rng, subject))),
        )
    return studies, work_start


def _major(rng: random.Random, subject: str, stage: str, normal: bool) -> str:
    if stage == "primary" and subject in ("chinese", "mathematics", "") and rng.random() < 0.4:
        return "小学教育"
    if not normal and subject in _NON_NORMAL_MAJORS:
        return _NON_NORMAL_MAJORS[subject]
    return _MAJORS.get(subject, "教育学")


def _assoc_major(subject: str, stage: str) -> str:
    if subject in _SUBJECT_CN and subject not in ("mental_health", "information_technology"):
        return f"{_SUBJECT_CN[subject]}教育"
    return "初等教育" if stage == "primary" else "教育管理"


def _master_major(rng: random.Random, subject: str) -> str:
    if subject in _SUBJECT_CN and rng.random() < 0.75:
        return f"学科教学（{_SUBJECT_CN[subject]}）"
    return rng.choice(("课程与教学论", "教育管理", "教育学原理", _MAJORS.get(subject, "教育学")))


def _review_date(rng: random.Random, earliest: date) -> date:
    """Titles are granted in a yearly round in the last quarter: the first round on or after
    `earliest`."""
    y = earliest.year if earliest <= date(earliest.year, 10, 1) else earliest.year + 1
    return date(y, rng.choice((10, 11, 12)), rng.randint(1, 28))


def _titles(
    rng: random.Random,
    stage: str,
    work_start: date,
    as_of: date,
    studies: list[_Study],
    has_titles: bool,
) -> list[tuple[str, date]]:
    """Title history following POLICY §3: the entry title by degree, then the minimum years
    between steps plus a wait; senior and professor-level only for some."""
    if not has_titles:
        return []
    done = sorted((s.end, _LEVEL_RANK[s.level]) for s in studies)

    def level_at(day: date) -> str:
        best = 0
        for end, rank in done:
            if end <= day and rank > best:
                best = rank
        return _LEVEL_ORDER[best]

    out: list[tuple[str, date]] = []
    start_level = level_at(work_start)
    if start_level == "senior_secondary":
        return out

    def wait(mean_years: float) -> timedelta:
        return timedelta(days=int(rng.expovariate(1 / mean_years) * 365))

    year = timedelta(days=365)
    if start_level == "doctorate":
        out.append(("first", _review_date(rng, work_start + year)))
    elif start_level in ("master", "bachelor"):
        out.append(("second", _review_date(rng, work_start + year)))
    else:
        third = _review_date(rng, work_start + year)
        out.append(("third", third))
        gap = 2 if start_level == "associate" else 3
        out.append(("second", _review_date(rng, _add_years(third, gap) + wait(0.7))))
    if out[-1][0] == "second":
        second = out[-1][1]
        lvl = level_at(_add_years(second, 4))
        need = {"secondary_normal": 5, "associate": 4, "bachelor": 4, "master": 2, "doctorate": 2}[
            lvl
        ]
        if lvl == "secondary_normal" and stage != "primary":
            need = 6
        out.append(("first", _review_date(rng, _add_years(second, need) + wait(1.8))))
    first = out[-1][1]
    eligible = level_at(_add_years(first, 5))
    senior_ok = _LEVEL_RANK[eligible] >= _LEVEL_RANK["bachelor"] or (
        eligible == "associate" and stage != "senior"
    )
    if senior_ok and rng.random() < _SENIOR_CHANCE[stage]:
        need = 2 if eligible == "doctorate" else 5
        out.append(("senior", _review_date(rng, _add_years(first, need) + wait(3.5))))
        if _LEVEL_RANK[level_at(out[-1][1])] >= _LEVEL_RANK["bachelor"] and (
            rng.random() < _PROFESSOR_CHANCE
        ):
            out.append(("professor", _review_date(rng, _add_years(out[-1][1], 5) + wait(3.0))))
    return [(rank, when) for rank, when in out if when <= as_of]


def _post_grade(titles: list[tuple[str, date]], day: date) -> int | None:
    held = [(r, d) for r, d in titles if d <= day]
    if not held:
        return None
    rank, since = held[-1]
    years = (day - since).days / 365.25
    if rank == "third":
        return 13
    if rank == "second":
        return 12 if years < 3 else 11
    if rank == "first":
        return 10 if years < 3 else 9 if years < 7 else 8
    if rank == "senior":
        return 7 if years < 3 else 6 if years < 7 else 5
    return 4 if years < 3 else 3 if years < 6 else 2 if years < 10 else 1


def _name(rng: random.Random, gender: str, birth_year: int) -> str:
    surname = _SURNAMES.pick(rng)
    era = (
        "old"
        if birth_year < 1978
        else "young"
        if birth_year >= 1988
        else rng.choice(("old", "young"))
    )
    pool = _GIVEN[(gender, era)]
    if rng.random() < (0.3 if era == "old" else 0.12):
        return surname + rng.choice(pool)
    first = rng.choice(_GIVEN_FIRST[gender] + pool)
    second = rng.choice(pool)
    while second == first:
        second = rng.choice(pool)
    return surname + first + second


def _birthplace_code(rng: random.Random, city_code: str) -> str:
    r = rng.random()
    own = _COUNTIES.get(city_code, ("", {}))[1]
    if own and r < 0.35:
        return rng.choice(tuple(own))
    if r < 0.86:
        return rng.choice(_ALL_FUJIAN)
    return rng.choice(tuple(_ELSEWHERE))


def _political(rng: random.Random, age: int) -> str:
    r = rng.random()
    cpc = _clip(0.10 + (age - 24) * 0.012, 0.08, 0.48)
    if r < cpc:
        return "cpc_member"
    if r < cpc + 0.02:
        return "cpc_probationary"
    if r < cpc + 0.04:
        return "democratic_party"
    if age < 28 and r < cpc + 0.04 + 0.45:
        return "cyl_member"
    return "masses"


def _marital(rng: random.Random, age: int) -> str:
    single = 0.8 if age < 26 else 0.45 if age < 30 else 0.15 if age < 35 else 0.05
    if rng.random() < single:
        return "unmarried"
    r = rng.random()
    if age >= 35 and r < 0.04:
        return "divorced"
    if age >= 50 and r > 0.99:
        return "widowed"
    return "married"


_EMPLOYMENT_PUBLIC = _Table(
    [("established", 92.4), ("contract", 3.0), ("non_established", 3.0), ("substitute", 1.6)]
)
_EMPLOYMENT_PRIVATE = _Table([("contract", 75), ("non_established", 20), ("substitute", 5)])
_POSTS = _Table([("teaching", 90), ("administration", 5), ("auxiliary", 3), ("logistics", 2)])
_AUXILIARY_SUBJECTS = {
    "primary": ("science", "information_technology", ""),
    "junior": ("physics", "chemistry", "biology", "information_technology", ""),
    "senior": ("physics", "chemistry", "biology", "information_technology", ""),
}
_END_REASONS = ("调动", "交流轮岗期满", "公开遴选", "岗位调整", "县管校聘调整")
_CERT_STAGE_DIGIT = {"primary": "2", "junior": "3", "senior": "4"}
_ADJACENT_STAGE = {"primary": "junior", "junior": "senior", "senior": "junior"}
_APPRAISAL = _Table(
    [
        ("excellent", 17),
        ("competent", 80.0),
        ("basic", 2.0),
        ("incompetent", 0.3),
        ("not_appraised", 0.7),
    ]
)
_RECOGNITION_FACTOR = {"island": 1.45, "off_island": 0.7, "urban": 1.2, "county": 0.8}
_RECOGNITION_LEVEL = _Table([("district", 55), ("city", 30), ("province", 12), ("national", 3)])
_LOAD_MEAN = {"primary": 15.0, "junior": 14.0, "senior": 13.0}


def iter_teachers(city: CityData, *, seed: int, ids: IdAllocator) -> Iterator[TeacherSpec]:
    """The teachers of a city's schools, school by school, each with their full history."""
    rng = random.Random(f"{seed}:{city.plan.code}:teachers")
    as_of = city.as_of
    by_district: dict[str, list[str]] = {}
    for s in city.schools:
        by_district.setdefault(s.district_code, []).append(s.code)
    all_codes = [s.code for s in city.schools]
    district_names = {d.code: d.name for d in city.plan.districts}
    cert_serial = [0]
    tiers = {d.code: TIERS[d.tier] for d in city.plan.districts}
    for school in city.schools:
        quotas = {s: n / STAFF_RATIO[s] for s, n in school.students_by_stage.items()}
        stage_table = _Table(list(quotas.items()))
        need = _teacher_targets(rng, school, tiers[school.district_code])
        for i in range(school.teachers):
            # A school working towards the standard fills what the natural draw left short:
            # once the outstanding posts near the places left, the next teacher is recruited
            # (or recognised) for the largest one.
            force = _forced_role(need, school.teachers - i)
            teacher = _teacher(
                rng,
                city,
                school,
                stage_table,
                as_of,
                ids,
                by_district,
                all_codes,
                district_names,
                cert_serial,
                force,
            )
            if need:
                for role in _roles(teacher, as_of):
                    if need.get(role, 0) > 0:
                        need[role] -= 1
                        if not need[role]:
                            del need[role]
            yield teacher


def _forced_role(need: dict[tuple, int], places: int) -> tuple[str, str] | None:
    """The role the next of `places` teachers is recruited for, or None (a natural draw).
    A forced teacher also has a degree above the requirement, so that per stage the places
    needed are the larger of the higher-degree need and the PE/arts plus backbone needs."""
    if not need:
        return None
    outstanding = 0
    for part in TEACHER_MINIMUMS:
        own = need.get(("pe_arts", part), 0) + need.get(("backbone", part), 0)
        outstanding += max(need.get(("higher_degree", part), 0), own)
    if outstanding * 1.3 < places:
        return None
    order = sorted(need, key=lambda role: (role[0] == "higher_degree", -need[role], role))
    return order[0]


def _teacher_targets(rng: random.Random, school: SchoolSpec, tier: Tier) -> dict[tuple, int]:
    """{(role, stage part): teachers} a school of a targeted tier staffs towards: teachers with a
    degree above the requirement, PE/arts and backbone teachers, each at `tier.teacher_target`
    × the POLICY §1 minimum per 100 students of the part."""
    if not tier.targeted:
        return {}
    out = {}
    for part, minimums in TEACHER_MINIMUMS.items():
        students = school.students_by_stage.get(part, 0)
        if not students:
            continue
        for role, minimum in minimums.items():
            out[(role, part)] = math.ceil(
                minimum * students / 100 * rng.uniform(*tier.teacher_target)
            )
    return out


def _roles(teacher: TeacherSpec, as_of: date) -> list[tuple[str, str]]:
    """The (role, stage) targets a generated teacher fills: a full-time teacher with a degree
    above the stage's requirement, a full-time PE/arts teacher, a backbone teacher (recognised
    at district level or above on `as_of`)."""
    job = teacher.current
    out = []
    done = [_LEVEL_RANK[e.level] for e in teacher.education if e.end_date and e.end_date <= as_of]
    required = HIGHER_DEGREE_LEVEL.get(teacher.stage)
    if job.is_full_time_teacher and required and max(done, default=-1) >= _LEVEL_RANK[required]:
        out.append(("higher_degree", teacher.stage))
    if job.is_full_time_teacher and job.main_subject in PE_ARTS_SUBJECTS:
        out.append(("pe_arts", teacher.stage))
    if any(
        r.level != "school"
        and r.start_date <= as_of
        and (r.end_date is None or r.end_date >= as_of)
        for r in teacher.recognitions
    ):
        out.append(("backbone", teacher.stage))
    return out


def _teacher(
    rng: random.Random,
    city: CityData,
    school: SchoolSpec,
    stage_table: _Table,
    as_of: date,
    ids: IdAllocator,
    by_district: dict[str, list[str]],
    all_codes: list[str],
    district_names: dict[str, str],
    cert_serial: list[int],
    force: tuple[str, str] | None = None,
) -> TeacherSpec:
    """One teacher of `school`; `force` = (role, stage) makes them a teacher of that stage with
    a degree above its requirement, a PE/arts teacher of it, or an experienced teacher of it who
    holds a backbone recognition if their title allows (`_teacher_targets`)."""
    stage = stage_table.pick(rng) if force is None else force[1]
    post = "teaching" if school.teachers < 8 or force else _POSTS.pick(rng)
    if force and force[0] == "pe_arts":
        subject = _PE_ARTS[stage].pick(rng)
    elif post == "teaching":
        subject = _SUBJECTS[stage].pick(rng)
    elif post == "administration":
        subject = _SUBJECTS[stage].pick(rng) if rng.random() < 0.7 else ""
    elif post == "auxiliary":
        subject = rng.choice(_AUXILIARY_SUBJECTS[stage])
    else:
        subject = ""
    female = _FEMALE_SHARE[stage]
    if subject == "pe":
        female = 0.35
    elif post in ("logistics", "administration"):
        female = 0.42
    gender = "female" if rng.random() < female else "male"
    age = _AGE_TABLES[(gender, school.profile)].pick(rng)
    if force and force[0] == "backbone":
        for _ in range(20):  # backbone teachers are experienced
            if age >= 32:
                break
            age = _AGE_TABLES[(gender, school.profile)].pick(rng)
    if post == "administration" and age < 30:
        age += rng.randint(5, 15)
    birth = date(as_of.year - age - 1, 9, 2) + _days(rng, 0, 364)
    name = _name(rng, gender, birth.year)
    ethnicity = _ETHNICITY.pick(rng)
    place_code = _birthplace_code(rng, city.plan.code)
    birthplace = PLACE_NAMES[place_code]
    native = birthplace if rng.random() < 0.8 else PLACE_NAMES[rng.choice(_ALL_FUJIAN)]
    national_id = ids.national_id(
        rng, place_code, birth, gender, alternates=(rng.choice(_ALL_FUJIAN), *_ALL_FUJIAN[:5])
    )
    phone = ids.phone(rng)

    # Study and career.
    target = _highest_level(rng, stage, age, post)
    if force:
        required = HIGHER_DEGREE_LEVEL[stage]
        if _LEVEL_RANK[target] < _LEVEL_RANK[required]:
            target = required
    studies, work_start = _education(rng, birth, as_of, target, subject, stage, birthplace)
    private = school.ownership == "private"
    etype = (_EMPLOYMENT_PRIVATE if private else _EMPLOYMENT_PUBLIC).pick(rng)
    has_titles = post != "logistics" and not (etype == "substitute" and rng.random() < 0.5)
    if post == "auxiliary" and rng.random() < 0.4:
        has_titles = False
    titles = _titles(rng, stage, work_start, as_of, studies, has_titles)

    education = _education_specs(rng, studies, as_of)
    if rng.random() < 0.025 and not any(e.end_date is None for e in education):
        current = max((s.level for s in studies), key=_LEVEL_RANK.__getitem__)
        nxt = _NEXT_LEVEL.get(current)
        if nxt and nxt != "doctorate" and post != "logistics":
            start = max(work_start, _add_months(as_of, -rng.randint(2, 24)))
            inst = _MASTER_SCHOOLS.pick(rng) if nxt == "master" else _IN_SERVICE.pick(rng)
            major = _master_major(rng, subject) if nxt == "master" else _MAJORS[subject]
            education.append(EducationSpec(nxt, inst, major, "in_service", True, start, None))
    free_normal = (
        any(
            s.level == "bachelor"
            and s.mode == "full_time"
            and s.institution in _FREE_NORMAL
            and s.normal
            and s.end.year >= 2011
            for s in studies
        )
        and rng.random() < 0.5
    )

    # Employment: the current post, and for about a quarter an earlier school.
    other_subjects: tuple[str, ...] = ()
    if post == "teaching" and rng.random() < (0.35 if school.teachers < 15 else 0.18):
        other = _SUBJECTS[stage].pick(rng)
        if other != subject:
            other_subjects = (other,)
    homeroom = post == "teaching" and rng.random() < (
        0.20 if subject in ("chinese", "mathematics", "english") else 0.03
    )
    employments = []
    start = work_start
    years_worked = (as_of - work_start).days / 365.25
    if years_worked >= 3 and rng.random() < 0.27:
        pool = by_district[school.district_code] if rng.random() < 0.6 else all_codes
        prior_code = rng.choice(pool)
        if prior_code == school.code:
            prior_code = rng.choice(all_codes)
        if prior_code != school.code:
            end = work_start + timedelta(days=rng.randint(730, int((years_worked - 1) * 365)))
            employments.append(
                EmploymentSpec(
                    prior_code,
                    etype,
                    "teaching",
                    True,
                    _post_grade(titles, end),
                    subject or _SUBJECTS[stage].pick(rng),
                    (),
                    False,
                    work_start,
                    end,
                    rng.choice(_END_REASONS),
                )
            )
            start = min(as_of, end + _days(rng, 1, 20))
    employments.append(
        EmploymentSpec(
            school.code,
            etype,
            post,
            post == "teaching",
            _post_grade(titles, as_of) if post != "logistics" else None,
            subject,
            other_subjects,
            homeroom,
            start,
        )
    )

    # Teaching certificate(s).
    certificates = []
    if (post == "teaching" and rng.random() < 0.97) or (
        post == "administration" and rng.random() < 0.6
    ):
        issued = _cert_date(rng, work_start, studies, as_of)
        cert_subject = subject or _SUBJECTS[stage].pick(rng)
        authority = f"{city.plan.name}{district_names[school.district_code]}教育局"
        if stage == "senior":
            authority = f"{city.plan.name}教育局"
        cert_serial[0] += 1
        certificates.append(
            CertificateSpec(
                stage,
                cert_subject,
                f"{issued.year}{place_code}{_CERT_STAGE_DIGIT[stage]}{cert_serial[0]:06d}",
                issued,
                authority,
            )
        )
        if rng.random() < 0.12:
            other_stage = _ADJACENT_STAGE[stage]
            other_subject = cert_subject
            if other_subject == "science":
                other_subject = rng.choice(("physics", "biology"))
            elif other_stage == "senior" and other_subject in ("labour", "other"):
                other_subject = "morality_law"
            issued2 = min(as_of, issued + timedelta(days=rng.randint(200, 3000)))
            cert_serial[0] += 1
            certificates.append(
                CertificateSpec(
                    other_stage,
                    other_subject,
                    f"{issued2.year}{place_code}{_CERT_STAGE_DIGIT[other_stage]}{cert_serial[0]:06d}",
                    issued2,
                    f"{city.plan.name}教育局",
                )
            )

    title_specs = []
    for rank, obtained in titles:
        appointed = obtained + _days(rng, 15, 120)
        title_specs.append(TitleSpec(rank, obtained, appointed if appointed <= as_of else None))
    top = titles[-1][0] if titles else None

    recognitions = _recognitions(
        rng, school, subject, top, age, post, as_of, force=bool(force and force[0] == "backbone")
    )
    backbone = any(
        r.level != "school" and (r.end_date is None or r.end_date >= as_of) for r in recognitions
    )
    appraisals = []
    for y in range(as_of.year - 3, as_of.year):
        if work_start.year > y:
            continue
        if work_start.year == y and rng.random() < 0.5:
            appraisals.append(AppraisalSpec(y, "not_appraised"))
            continue
        grade = _APPRAISAL.pick(rng)
        if backbone and grade == "competent" and rng.random() < 0.15:
            grade = "excellent"
        appraisals.append(AppraisalSpec(y, grade))

    loads = []
    if post == "teaching":
        periods = _clip(round(rng.gauss(_LOAD_MEAN[stage], 2.0) * 2) / 2, 8, 20)
        duties = "班主任" if homeroom else ""
        r = rng.random()
        if not duties and r < 0.05:
            duties = "教研组长"
        elif not duties and r < 0.09:
            duties = "年段长"
        elif not duties and r < 0.12:
            duties = "备课组长"
        other = 4.0 if homeroom else float(rng.choice((0, 0, 0, 1, 2)))
        loads.append(
            TeachingLoadSpec(
                as_of.year, 1, stage, (subject, *other_subjects), periods, other, duties
            )
        )

    status = "active"
    r = rng.random()
    if gender == "female" and 26 <= age <= 38 and r < 0.02:
        status = "leave"
    elif r > 0.995:
        status = "seconded"
    special = (top == "professor" and rng.random() < 0.5) or (
        top == "senior" and age >= 45 and rng.random() < 0.01
    )
    return TeacherSpec(
        name=name,
        gender=gender,
        birth_date=birth,
        ethnicity=ethnicity,
        political_status=_political(rng, age),
        marital_status=_marital(rng, age),
        native_place=native,
        birthplace=birthplace,
        national_id=national_id,
        phone=phone,
        work_start_date=work_start,
        personnel_status=status,
        is_free_normal_graduate=free_normal,
        is_special_grade=special,
        is_mental_health_teacher=subject == "mental_health" or rng.random() < 0.01,
        stage=stage,
        employments=employments,
        education=education,
        titles=title_specs,
        certificates=certificates,
        recognitions=recognitions,
        appraisals=appraisals,
        teaching_loads=loads,
    )


def _education_specs(rng: random.Random, studies: list[_Study], as_of: date) -> list[EducationSpec]:
    out = []
    for s in studies:
        if s.start > as_of:
            break
        end: date | None = s.end if s.end <= as_of else None
        out.append(EducationSpec(s.level, s.institution, s.major, s.mode, s.normal, s.start, end))
        if end is None:
            break
    return out


def _cert_date(rng: random.Random, work_start: date, studies: list[_Study], as_of: date) -> date:
    if work_start < date(1998, 1, 1):
        # The certificate system began in the late 1990s: serving teachers were certified then.
        return date(rng.choice((1998, 1999, 2000, 2001)), rng.randint(1, 12), rng.randint(1, 28))
    first_end = min((s.end for s in studies if s.level != "senior_secondary"), default=work_start)
    day = first_end - timedelta(days=rng.randint(0, 180)) + timedelta(days=rng.randint(0, 540))
    return min(day, as_of)


def _recognitions(
    rng: random.Random,
    school: SchoolSpec,
    subject: str,
    top: str | None,
    age: int,
    post: str,
    as_of: date,
    *,
    force: bool = False,
) -> list[RecognitionSpec]:
    out: list[RecognitionSpec] = []
    if post not in ("teaching", "administration"):
        return out
    factor = _RECOGNITION_FACTOR.get(school.profile, 1.0)
    senior = top in ("senior", "professor")
    eligible = top in ("first", "senior", "professor") and age >= 28
    r = 0.0 if force else rng.random()
    p_current = 0.115 * factor * (2.2 if senior else 1.0) if eligible else 0.0
    if r < p_current:
        level = _RECOGNITION_LEVEL.pick(rng)
        if level == "national":
            kind = rng.choice(("master_teacher", "subject_leader"))
        elif level == "province":
            kind = "subject_leader" if rng.random() < 0.4 else "backbone"
        elif level == "city":
            kind = "subject_leader" if rng.random() < 0.15 else "backbone"
        else:
            kind = "backbone"
        start = date(as_of.year - rng.randint(0, 2), 9, 1)
        out.append(
            RecognitionSpec(kind, level, subject, start, _add_years(start, 3) - timedelta(1))
        )
        if rng.random() < 0.3:  # an earlier, expired term
            order = ("district", "city", "province", "national")
            lower = order[max(0, order.index(level) - rng.randint(0, 1))]
            old = date(start.year - 3, 9, 1)
            out.append(
                RecognitionSpec("backbone", lower, subject, old, _add_years(old, 3) - timedelta(1))
            )
    elif eligible and r < p_current + 0.04:
        old = date(as_of.year - rng.randint(3, 6), 9, 1)
        out.append(
            RecognitionSpec(
                "backbone",
                rng.choice(("district", "district", "city")),
                subject,
                old,
                _add_years(old, 3) - timedelta(1),
            )
        )
    elif r > 0.97:
        start = date(as_of.year - rng.randint(0, 2), 9, 1)
        out.append(
            RecognitionSpec(
                "backbone", "school", subject, start, _add_years(start, 3) - timedelta(1)
            )
        )
    return out
