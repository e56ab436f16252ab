"""Demo training data: a few years of plausible hours for every teacher of the demo city, and
programmes of the city and of Siming (past ones completed, running ones awaiting the demo
school's confirmation, open ones to enrol on, one full with a waiting list).

Deterministic for a seed and a day: one random stream over the teachers in id order. Each
teacher gets, per year from HISTORY_YEARS back to this one, a year's school-based study and, in
some years, online study or a centralised course (the keener, the more often); a few study for a degree; teachers
who started work in the period take their induction in their first year. Teachers differ in how
keen they are, so some schools complete the cycle and some fall behind. Rows are yearly totals
(one per category and year), to keep the run short at city scale.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from qiangshi.access.models import User
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.org.models import Region
from qiangshi.teachers.models import Employment
from qiangshi.training.models import Enrolment, EnrolmentStatus, Programme, TrainingRecord

HISTORY_YEARS = 2  # this year and the two before it

_COURSES = [
    ("新课标专题培训", "mathematics", "primary"),
    ("大单元教学设计研修", "chinese", ""),
    ("作业设计与评价能力提升", "", ""),
    ("信息技术应用能力提升工程2.0", "information_technology", ""),
    ("科学教师实验教学能力培训", "science", "primary"),
    ("班主任工作能力提升", "", ""),
    ("心理健康教育专题培训", "mental_health", ""),
    ("人工智能助力教学", "", ""),
]
# The digital-literacy indicators (framework file codes) each course develops.
_COVERS = {
    "大单元教学设计研修": ["application.design"],
    "作业设计与评价能力提升": ["application.assessment"],
    "信息技术应用能力提升工程2.0": ["knowledge.skills", "application.instruction"],
    "班主任工作能力提升": ["application.collaboration", "responsibility.safety"],
    "人工智能助力教学": ["awareness.understanding", "development.innovation"],
}


def _day(
    rng: random.Random, year: int, today: date, months: tuple[int, int] = (1, 12)
) -> date | None:
    """A day of `year` in the months given, not after today (None if the year has none yet)."""
    month = rng.randint(*months)
    day = date(year, month, rng.randint(1, 28))
    if day > today:
        if year < today.year or today.month == 1 and today.day == 1:
            return None
        day = date(year, rng.randint(1, today.month), 1)
        if day > today:
            return None
    return day


def demo_training(*, seed: int, today: date, city_code: str, counts: Counter) -> None:
    """Insert the demo city's training history and programmes."""
    rng = random.Random(f"{seed}:training")
    city = Region.objects.get(code=city_code)
    jobs = (
        Employment.objects.filter(
            end_date__isnull=True, school__district__path__startswith=city.path
        )
        .order_by("teacher_id")
        .values_list("teacher_id", "teacher__work_start_date", "school__district__name")
    )
    first_year = today.year - HISTORY_YEARS
    rows: list[dict] = []
    add = rows.append
    for teacher_id, began, district in jobs:
        keen = rng.random()  # how much training this teacher takes
        scale = 0.6 + 0.8 * keen
        study = f"{district}教师进修学校"
        for year in range(first_year, today.year + 1):
            if began is not None and began.year > year:
                continue
            # School-based study every year, summed up at the end of the school term.
            if (day := _day(rng, year, today, (6, 12))) is not None:
                hours = round(rng.randint(20, 32) * scale)
                add(_row(teacher_id, day, hours, "school_based", f"{year}年度校本研修", study))
            # Most years a centralised course; in some, online study as well.
            if rng.random() < 0.6 + 0.35 * keen and (day := _day(rng, year, today)) is not None:
                title = rng.choice(_COURSES)[0]
                hours = rng.choice((32, 40, 48, 56, 72))
                add(_row(teacher_id, day, hours, "centralised", title, "厦门市教师进修学院"))
            if rng.random() < 0.2 + 0.4 * keen and (day := _day(rng, year, today)) is not None:
                hours = round(rng.randint(30, 60) * scale)
                title = f"{year}年国家智慧教育平台网络研修"
                add(_row(teacher_id, day, hours, "online", title, "国家中小学智慧教育平台"))
        if rng.random() < 0.02 and (day := _day(rng, today.year - 1, today, (6, 7))) is not None:
            add(
                _row(
                    teacher_id,
                    day,
                    rng.choice((60, 90, 120)),
                    "degree",
                    "教育硕士（在职）",
                    "福建师范大学",
                )
            )
        if began is not None and first_year <= began.year and began <= today:
            for part, hours in enumerate((60, rng.choice((40, 60)))):
                day = began + timedelta(days=20 + 120 * part)
                if day <= today:
                    add(_row(teacher_id, day, hours, "induction", "新教师入职培训", study))
    bulk_insert_rows(TrainingRecord, rows)
    counts["training records"] += len(rows)
    _programmes(rng, city, today, counts)


def _row(teacher_id: int, day: date, hours, category: str, title: str, provider: str) -> dict:
    return {
        "teacher_id": teacher_id,
        "date": day,
        "hours": Decimal(max(int(hours), 1)),
        "category": category,
        "title": title,
        "provider": provider,
        "source": "import",
    }


def _programmes(rng: random.Random, city: Region, today: date, counts: Counter) -> None:
    """Programmes of the city and of Siming: two past (completed by some), two running (the
    demo school's teachers enrolled, awaiting confirmation), three open, one of them full."""
    siming = Region.objects.filter(code="350203").first() or city
    school = getattr(User.objects.filter(username="school").first(), "school", None)
    demo_teacher = getattr(User.objects.filter(username="teacher").first(), "teacher_profile", None)
    plans = [
        # (title index, region, level, days from today to start, length in days, capacity, mode)
        (0, city, "city", -200, 5, 60, "in_person"),
        (3, siming, "district", -120, 30, 80, "online"),
        (1, siming, "district", -3, 10, 40, "in_person"),
        (5, city, "city", -1, 5, 50, "in_person"),
        (4, city, "city", 30, 4, 40, "in_person"),
        (7, siming, "district", 45, 20, 100, "online"),
        (6, siming, "district", 60, 3, 3, "in_person"),
    ]
    staff = {}
    if school is not None:
        staff = {
            "school": list(
                Employment.objects.filter(school=school, end_date__isnull=True)
                .exclude(teacher=demo_teacher)
                .order_by("teacher_id")
                .values_list("teacher_id", flat=True)
            )
        }
    area = list(
        Employment.objects.filter(end_date__isnull=True, school__district=siming)
        .order_by("teacher_id")
        .values_list("teacher_id", flat=True)
    )
    records, enrolments = [], []
    for index, region, level, offset, length, capacity, mode in plans:
        title, subject, stage = _COURSES[index]
        starts = today + timedelta(days=offset)
        programme = Programme.objects.create(
            title=title,
            level=level,
            provider="厦门市教师进修学院" if level == "city" else "思明区教师进修学校",
            region=region,
            hours=Decimal(rng.choice((16, 24, 32, 40))),
            category="online" if mode == "online" else "centralised",
            subject=subject,
            stage=stage,
            target_groups=["science_teachers"] if subject == "science" else [],
            covers=_COVERS.get(title, []),
            capacity=capacity,
            starts_on=starts,
            ends_on=starts + timedelta(days=length),
            mode=mode,
            description="",
        )
        counts["training programmes"] += 1
        if offset >= 0 and capacity > 3:
            continue  # open: nobody yet (the demo teacher may enrol)
        if offset >= 0:  # the small one: full, two waiting
            chosen = rng.sample(area, min(len(area), capacity + 2))
            statuses = [EnrolmentStatus.ENROLLED] * capacity + [EnrolmentStatus.WAITING] * 2
        elif programme.ends_on < today:  # past: most completed
            chosen = rng.sample(area, min(len(area), capacity - 5))
            statuses = [
                EnrolmentStatus.COMPLETED if rng.random() < 0.9 else EnrolmentStatus.NOT_COMPLETED
                for _ in chosen
            ]
        else:  # running: the demo school's teachers await confirmation
            chosen = staff.get("school", [])[:8]
            statuses = [EnrolmentStatus.ENROLLED] * len(chosen)
        for teacher_id, status in zip(chosen, statuses, strict=False):
            enrolments.append(
                {"programme_id": programme.pk, "teacher_id": teacher_id, "status": status}
            )
            if status == EnrolmentStatus.COMPLETED:
                records.append(
                    {
                        **_row(
                            teacher_id,
                            programme.ends_on,
                            programme.hours,
                            programme.category,
                            programme.title,
                            programme.provider,
                        ),
                        "source": "programme",
                        "_enrolment": len(enrolments) - 1,
                    }
                )
    bulk_insert_rows(Enrolment, enrolments)
    for r in records:
        r["enrolment_id"] = enrolments[r.pop("_enrolment")]["id"]
    bulk_insert_rows(TrainingRecord, records)
    counts["training enrolments"] += len(enrolments)
    counts["training records"] += len(records)
