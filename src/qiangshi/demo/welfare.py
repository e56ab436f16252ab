"""The demo region's welfare records (issue 18): salary parity figures for five years per
district (some districts failing, their gap closing or not), and the non-teaching burden of a
few schools per district — the city's list and whitelist, requests approved and refused, what
arrived (some without approval) and a few anonymous reports.

Deterministic (a `random.Random` seeded from the build's seed and each district's code) and
fast: a few hundred rows inserted in bulk. Called once by `builder.demo_region_build`.
"""

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.welfare import rules
from qiangshi.welfare.models import (
    AnonymousReport,
    BurdenArrival,
    BurdenKind,
    BurdenListItem,
    EntryRequest,
    RequestStatus,
    WageFigure,
    WageGroup,
    WageSource,
)

YEARS = 5  # calendar years of parity figures, up to the one before the school year's start
SCHOOLS_PER_DISTRICT = 4  # schools per district with burden records

# Civil servants' components in the first year, yuan a year (an island district; others less).
CIVIL_BASE = {
    "basic_pay": 44000,
    "allowances": 40000,
    "performance_pay": 24000,
    "year_end_incentive": 16000,
}
# Teachers relative to civil servants: (first-year ratio, yearly change of the ratio).
# Basic pay is higher on the teachers' scale, allowances and year-end pay lower.
TEACHER_RATIO = {
    "basic_pay": (1.16, 0.0),
    "allowances": (0.88, 0.01),
    "performance_pay": (1.00, 0.005),
    "year_end_incentive": (0.80, 0.02),
}

INSPECTIONS = [
    ("义务教育优质均衡发展督导评估", "市人民政府教育督导室", "县域义务教育优质均衡督导", True),
    ("学校安全工作专项检查", "市教育局", "校园安全", False),
    ("食品安全检查", "市市场监督管理局", "学校食堂食品安全", False),
]
ACTIVITIES = [
    ("防溺水安全教育进校园", "市应急管理局", "暑期前安全教育"),
    ("禁毒宣传教育进校园", "市禁毒办", "毒品预防教育"),
    ("交通安全教育进校园", "市公安局交警支队", "交通安全"),
    ("科普讲座进校园", "市科学技术协会", "科学普及"),
    ("消防安全演练", "市消防救援支队", "消防演练"),
    ("心理健康讲座", "市卫生健康委员会", "学生心理健康"),
]
UNLISTED = [
    ("问卷调查（要求全体教师填写）", "某行业协会"),
    ("创建工作材料报送（要求留痕）", "某街道办事处"),
    ("评比活动拉票", "某媒体"),
]


def _money(value: float) -> Decimal:
    return Decimal(round(value / 10) * 10)


def _parity(districts: list[Region], last_year: int, seed: int, counts: Counter) -> None:
    rows = []
    for n, district in enumerate(districts):
        rnd = random.Random(f"{seed}-parity-{district.code}")
        level = 1.0 if district.is_off_island is False and n < 2 else rnd.uniform(0.82, 0.95)
        growth = rnd.uniform(0.03, 0.05)
        # Every third district lags: teachers' year-end pay well below, the gap never closed.
        lag = 0.20 if n % 3 == 2 else 0.0
        for k, year in enumerate(range(last_year - YEARS + 1, last_year + 1)):
            components = rules.components(year)
            for c in components:
                civil = CIVIL_BASE.get(c, 20000) * level * (1 + growth) ** k
                ratio, change = TEACHER_RATIO.get(c, (1.0, 0.0))
                ratio += change * k
                if c == "year_end_incentive":
                    ratio -= lag
                teacher = civil * ratio * rnd.uniform(0.995, 1.005)
                for group, amount in ((WageGroup.CIVIL_SERVANT, civil),
                                      (WageGroup.TEACHER, teacher)):  # fmt: skip
                    rows.append(
                        WageFigure(
                            district=district,
                            year=year,
                            group=group,
                            component=c,
                            amount=_money(amount),
                            source=WageSource.IMPORT,
                        )
                    )
    WageFigure.objects.bulk_create(rows, batch_size=2000)
    counts["wage figures"] += len(rows)


def _burden(city: Region, districts: list[Region], year: int, seed: int, counts: Counter):
    rnd = random.Random(f"{seed}-burden-{city.code}")
    items = []
    for y in (year - 1, year):
        for title, requester, purpose, comprehensive in INSPECTIONS:
            items.append(BurdenListItem(region=city, year=y, kind=BurdenKind.INSPECTION,
                                        title=title, requester=requester, purpose=purpose,
                                        comprehensive=comprehensive))  # fmt: skip
        for title, requester, purpose in ACTIVITIES:
            items.append(BurdenListItem(region=city, year=y, kind=BurdenKind.ACTIVITY,
                                        title=title, requester=requester, purpose=purpose))  # fmt: skip
    BurdenListItem.objects.bulk_create(items)
    counts["burden list entries"] += len(items)
    version = rules.burden_rules(date(year, 3, 1))["version"]
    schools = []
    for d in districts:
        schools += list(School.objects.filter(district=d).order_by("code")[:SCHOOLS_PER_DISTRICT])
    if not schools:
        return
    requests, links, arrivals = [], [], []
    days = [date(year - 1, 3, 10) + timedelta(days=28 * i) for i in range(18)]
    for i, item in enumerate(i for i in items if i.kind == BurdenKind.ACTIVITY or i.comprehensive):
        start = days[i % len(days)]
        if start.year != item.year:
            start = date(item.year, start.month, start.day)
        chosen = rnd.sample(schools, k=min(len(schools), rnd.randint(2, 6)))
        requests.append(
            (
                EntryRequest(
                    region=city,
                    kind=item.kind,
                    list_item=item,
                    title=item.title,
                    requester=item.requester,
                    purpose=item.purpose,
                    comprehensive=item.comprehensive,
                    start_date=start,
                    end_date=start,
                    hours=Decimal(rnd.choice((1, 2, 3, 4))),
                    announced_on=start - timedelta(days=35),
                    status=RequestStatus.APPROVED,
                    rule_version=version,
                ),  # fmt: skip
                chosen,
            )
        )
    # Requests refused at once: not on any list.
    for k, (title, requester) in enumerate(UNLISTED):
        start = date(year, 4 + k, 12)
        requests.append(
            (
                EntryRequest(
                    region=city,
                    kind=BurdenKind.ACTIVITY,
                    title=title,
                    requester=requester,
                    start_date=start,
                    end_date=start,
                    hours=Decimal(2),
                    announced_on=start - timedelta(days=10),
                    status=RequestStatus.REFUSED,
                    rule_version=version,
                    reasons=[
                        {"code": "not_listed", "school": None, "cap": None},
                        {"code": "notice", "school": None, "cap": 30},
                    ],
                ),  # fmt: skip
                rnd.sample(schools, k=min(len(schools), 3)),
            )
        )
    EntryRequest.objects.bulk_create([r for r, _s in requests])
    through = EntryRequest.schools.through
    for r, chosen in requests:
        links += [through(entryrequest_id=r.pk, school_id=s.pk) for s in chosen]
        if r.status != RequestStatus.APPROVED:
            continue
        for s in chosen:
            arrivals.append(BurdenArrival(school=s, request=r, kind=r.kind, title=r.title,
                                          requester=r.requester, on=r.start_date, hours=r.hours,
                                          teachers_involved=rnd.randint(2, 12)))  # fmt: skip
    # What arrived without approval: the refused demands came anyway to some schools.
    for k, (title, requester) in enumerate(UNLISTED):
        for s in rnd.sample(schools, k=min(len(schools), 2 + k)):
            arrivals.append(BurdenArrival(school=s, kind=BurdenKind.ACTIVITY, title=title,
                                          requester=requester, on=date(year, 4 + k, 20),
                                          hours=Decimal(rnd.choice((1, 2, 3))),
                                          teachers_involved=rnd.randint(5, 30),
                                          paper_trail=k == 1))  # fmt: skip
    through.objects.bulk_create(links)
    BurdenArrival.objects.bulk_create(arrivals)
    school_year, semester = year - 1, "spring"
    reports = [
        AnonymousReport(
            school=schools[(3 * k) % len(schools)],
            school_year=school_year,
            semester=semester,
            kind=BurdenKind.ACTIVITY,
            requester=requester,
            description=f"{title}，占用教师课余时间。",
        )  # fmt: skip
        for k, (title, requester) in enumerate(UNLISTED)
    ]
    AnonymousReport.objects.bulk_create(reports)
    counts["entry requests"] += len(requests)
    counts["burden arrivals"] += len(arrivals)
    counts["anonymous reports"] += len(reports)


def build(*, regions: dict[str, Region], year: int, seed: int, counts: Counter) -> None:
    """Parity figures for every district of the demo, and burden records per city."""
    districts = sorted(
        (r for r in regions.values() if r.level == RegionLevel.DISTRICT), key=lambda r: r.path
    )
    _parity(districts, year - 1, seed, counts)
    for city in sorted(
        (r for r in regions.values() if r.level == RegionLevel.CITY), key=lambda r: r.path
    ):
        mine = [d for d in districts if d.path.startswith(city.path)]
        if mine:
            _burden(city, mine, year, seed, counts)
