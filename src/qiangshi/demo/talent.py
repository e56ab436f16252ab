"""The demo region's talent and partnership records (issue 18): recruitment plans of the city and
its districts for four years with hires against them (those who joined linked to their registry
record), olympiad results with the coaches' rewards, the mountain–sea partnership with Longyan,
master teachers off the island and cross-strait exchange with people sent and received and
activities (past ones confirmed, crediting training hours; one cancelled; one to come), and the
city's teacher perks with take-up per school.

Written through the talent services, as the city's personnel office, so that rewards and credited
hours follow the rule files exactly as they would for a user. Deterministic for a seed and a
day; a few hundred rows. Called once by `builder.demo_region_build`, after the logins exist.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

from qiangshi.access.models import Role, User
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.talent import services
from qiangshi.talent.models import Hire, PerkUptake
from qiangshi.teachers.models import Employment, Teacher
from qiangshi.teachers.selectors import teacher_count_by_school

YEARS = 4  # plan years, up to the current one
SHORTAGE = ["physics", "chemistry", "information_technology", "mental_health", "pe"]
OLYMPIAD_SUBJECTS = {
    "mathematics": "mathematics",
    "physics": "physics",
    "chemistry": "chemistry",
    "biology": "biology",
    "informatics": "information_technology",
}
COMPETITIONS = {
    "mathematics": "全国中学生数学奥林匹克竞赛",
    "physics": "全国中学生物理竞赛",
    "chemistry": "中国化学奥林匹克",
    "biology": "全国中学生生物学联赛",
    "informatics": "全国青少年信息学奥林匹克联赛",
}
LEVELS = [
    ("provincial_third", 30),
    ("provincial_second", 25),
    ("provincial_first", 20),
    ("national_bronze", 12),
    ("national_silver", 8),
    ("national_gold", 5),
]
UNIVERSITIES = ["厦门大学", "北京师范大学", "华东师范大学", "福建师范大学", "浙江大学",
                "南京大学", "中山大学", "武汉大学", "复旦大学", "华中师范大学"]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董"
GIVEN = "子涵欣怡梓萱思远浩然雨桐宇轩一诺俊杰佳琪晨曦明哲嘉怡文博语嫣天佑若曦"
LONGYAN_SCHOOLS = ["龙岩第一中学", "龙岩市实验小学", "长汀县第一中学", "上杭县第一中学",
                   "永定区城关中学", "武平县实验小学"]  # fmt: skip
KINMEN_SCHOOLS = ["金门高级中学", "金城国民中学", "金鼎国民小学"]
PARTNERSHIPS = [
    {
        "kind": "mountain_sea",
        "title": "厦龙山海协作教育共同体",
        "partner": "龙岩市教育局",
        "terms": "两市结对学校互派骨干教师挂职跟岗，每年联合开展同课异构、送教送培和联合教研；"
        "厦门方提供名师工作室线上资源，龙岩方选派教师来厦跟岗研修。",
        "activities": [
            ("山海协作同课异构研修", "demonstration", 12),
            ("龙岩送教送培活动", "training", 16),
            ("两地联合教研", "research", 8),
            ("结对学校参观交流", "visit", 6),
        ],
        "received_from": LONGYAN_SCHOOLS,
    },
    {
        "kind": "off_island",
        "title": "名师出岛工程",
        "partner": "岛外各区薄弱学校",
        "terms": "岛内名师、学科带头人到岛外学校任教或开设名师工作室，每学期不少于规定课时，"
        "带教青年教师。",
        "activities": [
            ("名师出岛示范课", "demonstration", 8),
            ("岛外青年教师带教培训", "training", 24),
            ("名师工作室联合教研", "research", 10),
        ],
        "received_from": [],
    },
    {
        "kind": "cross_strait",
        "title": "海峡两岸中小学教师交流",
        "partner": "金门县教育处",
        "terms": "两岸教师互访、同课异构与教育论坛，每年至少举办一次交流研习营。",
        "activities": [
            ("海峡两岸教师教学研讨会", "research", 12),
            ("两岸教师交流研习营", "training", 20),
            ("赴金门学校参访", "visit", 8),
        ],
        "received_from": KINMEN_SCHOOLS,
    },
]
PERKS = [
    ("教师免费健康体检", "市总工会", "全市公办中小学在编在岗教师", "每年一次免费体检"),
    ("教师节景区免费游览", "市文化和旅游局", "持教师资格证的在职教师", "教师节当月免费游览市属景区"),
    ("优秀教师疗休养", "市教育局", "近三年年度考核优秀的教师", "每年组织优秀教师疗休养"),
    ("人才保障性租赁住房", "市住房保障和房屋管理局", "新引进博士及紧缺学科教师", "按规定配租保障性租赁住房"),
    ("乡村教师生活补助", "市财政局", "岛外乡村学校在编教师", "按月发放乡村教师生活补助"),
]  # fmt: skip


def _name(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def _day(rng: random.Random, year: int, today: date, months=(1, 12)) -> date | None:
    day = date(year, rng.randint(*months), rng.randint(1, 28))
    return day if day <= today else None


def _weighted(rng: random.Random, table):
    return rng.choices([v for v, _w in table], weights=[w for _v, w in table])[0]


def build(*, seed: int, year: int, today: date, city_code: str, counts: Counter) -> None:
    """Add the demo's talent records to the demo city (nothing if it has no personnel office)."""
    city = Region.objects.filter(code=city_code).first()
    actor = User.objects.filter(role=Role.BUREAU, region=city).order_by("pk").first()
    if city is None or actor is None:
        return
    rng = random.Random(f"{seed}-talent")
    districts = list(
        Region.objects.filter(level=RegionLevel.DISTRICT, path__startswith=city.path).order_by(
            "code"
        )
    )
    schools = {d.pk: list(School.objects.filter(district=d).order_by("code")) for d in districts}
    _plans(rng, actor, city, districts, schools, year, today, counts)
    _olympiad(rng, actor, districts, schools, year, today, counts)
    _partnerships(rng, actor, city, year, today, counts)
    _perks(rng, actor, districts, schools, year, today, counts)


def _plans(rng, actor, city, districts, schools, year, today, counts) -> None:
    for plan_year in range(year - YEARS + 1, year + 1):
        for region in [city, *districts]:
            pool = [s for d in districts if d.path.startswith(region.path) for s in schools[d.pk]]
            if not pool:
                continue
            plan = services.recruitment_plan_create(
                actor=actor, year=plan_year, region=region,
                remarks="博士优培生及紧缺学科教师招聘计划" if region == city else "",
            )  # fmt: skip
            doctoral = rng.randint(12, 24) if region == city else rng.randint(2, 6)
            targets = [("doctoral", "", doctoral)]
            targets += [("shortage", s, rng.randint(1, 4)) for s in rng.sample(SHORTAGE, 3)]
            for category, subject, n in targets:
                services.recruitment_target_set(
                    actor=actor, plan_pk=plan.pk, category=category, subject=subject, target=n
                )
                # Most of a past year's target is met; this year's recruitment is under way.
                share = rng.uniform(0.6, 1.1) if plan_year < year else rng.uniform(0.2, 0.7)
                for _ in range(round(n * share)):
                    _hire(rng, actor, plan, category, subject, pool, plan_year, today, counts)


def _hire(rng, actor, plan, category, subject, pool, plan_year, today, counts) -> None:
    school = rng.choice(pool)
    signed = _day(rng, plan_year, today, (3, 7)) or today
    joined = None
    if plan_year < today.year:
        # Who joined that year at the school: linked to their registry record.
        job = (
            Employment.objects.filter(
                school=school, start_date__year=plan_year, end_date__isnull=True
            )
            .exclude(teacher__in=Hire.objects.filter(teacher__isnull=False).values("teacher"))
            .select_related("teacher")
            .first()
        )
        joined = job.teacher if job else None
    hire = services.hire_record(
        actor=actor, plan_pk=plan.pk, category=category, subject=subject,
        name="" if joined else _name(rng), school_pk=school.pk, hired_on=signed,
        university=rng.choice(UNIVERSITIES), teacher_pk=joined.pk if joined else None,
    )  # fmt: skip
    if joined is None and rng.random() < 0.08:
        services.hire_withdraw(actor=actor, hire_pk=hire.pk)
    counts["hires"] += 1


def _olympiad(rng, actor, districts, schools, year, today, counts) -> None:
    every = [s for d in districts for s in schools[d.pk]]
    senior = [s for s in every if s.stage in ("senior", "twelve_year")]
    senior = senior or [s for s in every if s.stage in ("junior", "nine_year")]
    for school in senior[: max(4, len(districts))]:
        for olympiad, subject in OLYMPIAD_SUBJECTS.items():
            coach = (
                Employment.objects.filter(
                    school=school, end_date__isnull=True, main_subject=subject
                )
                .order_by("teacher_id")
                .values_list("teacher_id", flat=True)
                .first()
            )
            if coach is None:
                continue
            for result_year in range(year - YEARS + 1, year + 1):
                for _ in range(rng.randint(0, 3)):
                    day = _day(rng, result_year, today, (8, 11))
                    if day is None:
                        continue
                    services.olympiad_result_record(
                        actor=actor, olympiad=olympiad, coach_pk=coach, pupil=_name(rng),
                        competition=f"第{result_year - 1983}届{COMPETITIONS[olympiad]}",
                        level=_weighted(rng, LEVELS), awarded_on=day,
                    )  # fmt: skip
                    counts["olympiad results"] += 1


def _partnerships(rng, actor, city, year, today, counts) -> None:
    teachers = list(
        Employment.objects.filter(
            school__district__path__startswith=city.path, end_date__isnull=True
        )
        .order_by("teacher_id")
        .values_list("teacher_id", flat=True)[:3000]
    )
    if not teachers:
        return
    # The demo teacher login took part in the activities: their own hours page has rows.
    own = Teacher.objects.filter(user__role=Role.TEACHER, user__username="teacher").first()
    for spec in PARTNERSHIPS:
        p = services.partnership_create(
            actor=actor, kind=spec["kind"], title=spec["title"], partner=spec["partner"],
            terms=spec["terms"], starts_on=date(year - YEARS + 1, 3, 1), region=city,
        )  # fmt: skip
        counts["partnerships"] += 1
        for person_year in range(year - YEARS + 1, year + 1):
            start = _day(rng, person_year, today, (2, 9))
            if start is None:
                continue
            for teacher in rng.sample(teachers, 2):
                services.exchange_add(
                    actor=actor, partnership_pk=p.pk, direction="sent", teacher_pk=teacher,
                    starts_on=start, ends_on=start + timedelta(days=180),
                )  # fmt: skip
            for organisation in rng.sample(
                spec["received_from"], min(2, len(spec["received_from"]))
            ):
                services.exchange_add(
                    actor=actor, partnership_pk=p.pk, direction="received", name=_name(rng),
                    organisation=organisation, starts_on=start, ends_on=start + timedelta(days=90),
                )  # fmt: skip
        _activities(rng, actor, p, spec, teachers, own, year, today, counts)


def _activities(rng, actor, p, spec, teachers, own, year, today, counts) -> None:
    for activity_year in range(year - YEARS + 1, year + 1):
        for title, kind, hours in spec["activities"]:
            start = _day(rng, activity_year, today + timedelta(days=60), (3, 11))
            if start is None:
                continue
            days = max(1, hours // 8)
            a = services.activity_add(
                actor=actor, partnership_pk=p.pk, title=f"{activity_year}年{title}", kind=kind,
                starts_on=start, ends_on=start + timedelta(days=days - 1), hours=hours,
                location=spec["partner"], others=rng.randint(0, 40),
            )  # fmt: skip
            counts["partnership activities"] += 1
            if start > today:
                continue  # to come: stays planned
            took_part = rng.sample(teachers, rng.randint(4, 12))
            if own is not None and activity_year >= year - 1:
                took_part.append(own.pk)
            services.activity_participants_add(actor=actor, activity_pk=a.pk, teacher_pks=took_part)
            if rng.random() < 0.06:
                services.activity_cancel(actor=actor, activity_pk=a.pk)
            else:
                services.activity_confirm(actor=actor, activity_pk=a.pk, today=today)


def _perks(rng, actor, districts, schools, year, today, counts) -> None:
    pool = [s for d in districts for s in schools[d.pk]]
    staff = teacher_count_by_school([s.pk for s in pool])
    login = User.objects.filter(role=Role.SCHOOL, username="school").select_related("school")
    demo_school = next((u.school for u in login if u.school_id), pool[0] if pool else None)
    for name, provider, eligibility, description in PERKS:
        perk = services.perk_create(
            actor=actor, name=name, provider=provider, eligibility=eligibility,
            description=description, starts_on=date(year - 2, 1, 1),
        )  # fmt: skip
        counts["teacher perks"] += 1
        for school in rng.sample(pool, max(1, len(pool) // 3)):
            if school == demo_school or staff.get(school.pk, 0) < 2:
                continue
            services.perk_uptake_record(
                actor=actor, perk_pk=perk.pk, school_pk=school.pk,
                count=rng.randint(1, max(1, staff[school.pk] // 2)),
                on=_day(rng, year - 1, today) or today,
            )  # fmt: skip
            counts["perk take-up records"] += 1
        # A few teachers recorded one by one at the demo school login's school.
        first = demo_school
        jobs = Employment.objects.filter(school=first, end_date__isnull=True).order_by("teacher_id")
        for teacher_id in jobs.values_list("teacher_id", flat=True)[: rng.randint(1, 4)]:
            if not PerkUptake.objects.filter(perk=perk, teacher_id=teacher_id).exists():
                services.perk_uptake_record(
                    actor=actor, perk_pk=perk.pk, school_pk=first.pk, teacher_pk=teacher_id,
                    on=today,
                )  # fmt: skip
                counts["perk take-up records"] += 1
