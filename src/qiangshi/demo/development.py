"""Demo data for teacher development (issue 16, part B): digital-literacy self-assessments over
three years (most teachers of the demo city, scores rising a little year by year), teachers
studying for a higher degree (read off the in-service studies of the education history the
generator wrote: some finished, some due in the coming two years; a few discontinued), and
science programmes that science teachers took.
Growth paths need no data of their own: they read the registry.

Deterministic for a seed and a day: one random stream over the teachers in id order.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Q

from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.org.models import Region
from qiangshi.teachers.models import EDUCATION_RANK, EducationRecord, Employment
from qiangshi.training import literacy
from qiangshi.training.models import (
    DegreeStudy,
    DegreeStudyStatus,
    Enrolment,
    EnrolmentStatus,
    LiteracyAssessment,
    Programme,
    TrainingRecord,
)
from qiangshi.training.science import science_parameters

LITERACY_YEARS = 3  # this year and the two before
_NEXT_DEGREE = {
    None: "associate",
    "senior_secondary": "associate",
    "secondary_normal": "associate",
    "associate": "bachelor",
    "bachelor": "master",
}
_UNIVERSITIES = {
    "associate": ("泉州幼儿师范高等专科学校", "小学教育"),
    "bachelor": ("福建师范大学", "小学教育（函授）"),
    "master": ("厦门大学", "教育硕士（在职）"),
}
_SCIENCE_COURSES = [
    ("初中物理实验教学创新研修", "physics", "junior"),
    ("化学学科核心素养与实验探究", "chemistry", "junior"),
    ("小学科学探究式教学工作坊", "science", "primary"),
    ("生物学跨学科实践活动设计", "biology", "junior"),
]


def demo_development(
    counts: Counter, *, seed: int, city_code: str, today: date | None = None
) -> None:
    """Insert the demo city's self-assessments, degree studies and science training."""
    today = today or date.today()
    rng = random.Random(f"{seed}:development")
    city = Region.objects.get(code=city_code)
    jobs = list(
        Employment.objects.filter(
            end_date__isnull=True, school__district__path__startswith=city.path
        )
        .order_by("teacher_id")
        .values_list("teacher_id", "main_subject", "start_date")
    )
    _assessments(rng, jobs, today, counts)
    _degree_studies(rng, [t for t, _s, _d in jobs], today, counts)
    _science(rng, city, jobs, today, counts)


def _assessments(rng: random.Random, jobs, today: date, counts: Counter) -> None:
    low, high = literacy.scale()
    questions = sorted(literacy.question_codes())
    version = literacy.framework()["version"]
    rows = []
    for teacher_id, _subject, _start in jobs:
        if rng.random() > 0.7:
            continue  # never assessed themselves
        level = rng.uniform(low + 0.5, high - 1.0)  # where this teacher stands
        for year in range(today.year - LITERACY_YEARS + 1, today.year + 1):
            if rng.random() < 0.25:
                continue  # skipped that year
            level = min(level + rng.uniform(-0.1, 0.4), high)
            answers = {
                q: max(low, min(high, round(level + rng.uniform(-1.0, 1.0))))
                for q in questions
                if rng.random() < 0.95  # now and then a question left unanswered
            }
            rows.append(
                {
                    "teacher_id": teacher_id,
                    "framework_version": version,
                    "year": year,
                    "answers": answers,
                }
            )
    bulk_insert_rows(LiteracyAssessment, rows)
    counts["literacy self-assessments"] += len(rows)


def _highest(teacher_ids: list[int], today: date) -> dict[int, str]:
    best: dict[int, str] = {}
    for t, level in (
        EducationRecord.objects.filter(teacher_id__in=teacher_ids)
        .filter(Q(end_date__lte=today) | Q(end_date__isnull=True, end_date_missing=True))
        .values_list("teacher_id", "level")
    ):
        if t not in best or EDUCATION_RANK[level] > EDUCATION_RANK[best[t]]:
            best[t] = level
    return best


def _degree_studies(rng: random.Random, teacher_ids: list[int], today: date, counts: Counter):
    """Degree studies read off the registry the generator wrote, never added to it (the demo's
    balance must stay the generator's): an in-service study still open in a teacher's education
    history is a study under way (expected within the next two years); one finished in the last
    five years is a completed study, linked to that record; and a few teachers who began a
    next degree and gave it up (which leaves no trace in the education history)."""
    studies = []
    ongoing = EducationRecord.objects.filter(
        teacher_id__in=teacher_ids, study_mode="in_service"
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today - timedelta(days=5 * 365)))
    seen: set[tuple[int, str]] = set()
    for record in ongoing.order_by("teacher_id", "id"):
        if (record.teacher_id, record.level) in seen or record.level not in _UNIVERSITIES:
            continue
        seen.add((record.teacher_id, record.level))
        start = record.start_date or today - timedelta(days=rng.randint(200, 1000))
        row = {
            "teacher_id": record.teacher_id,
            "level": record.level,
            "institution": record.institution or _UNIVERSITIES[record.level][0],
            "programme": record.major or _UNIVERSITIES[record.level][1],
            "study_mode": "in_service",
            "start_date": start,
        }
        if record.end_date is None:
            row["status"] = DegreeStudyStatus.STUDYING
            row["expected_on"] = max(start, today) + timedelta(days=rng.randint(60, 730))
        else:
            row["status"] = DegreeStudyStatus.COMPLETED
            row["expected_on"] = max(record.end_date, start)
            row["completed_on"] = record.end_date
            row["education_record_id"] = record.pk
        studies.append(row)
    highest = _highest(teacher_ids, today)
    for t in teacher_ids:
        level = _NEXT_DEGREE.get(highest.get(t))
        if level is None or (t, level) in seen or rng.random() > 0.01:
            continue
        institution, programme = _UNIVERSITIES[level]
        start = today - timedelta(days=rng.randint(400, 1200))
        studies.append(
            {
                "teacher_id": t,
                "level": level,
                "institution": institution,
                "programme": programme,
                "study_mode": "in_service",
                "start_date": start,
                "expected_on": start + timedelta(days=rng.choice((730, 912, 1095))),
                "status": DegreeStudyStatus.DISCONTINUED,
            }
        )
    bulk_insert_rows(DegreeStudy, studies)
    counts["degree studies"] += len(studies)


def _science(rng: random.Random, city: Region, jobs, today: date, counts: Counter) -> None:
    """Science programmes of the city: three past ones taken by some science teachers (hours on
    their records), one open for the science-teacher target group."""
    subjects = set(science_parameters(today)["subjects"])
    science_teachers = [t for t, subject, _start in jobs if subject in subjects]
    enrolments, records = [], []
    for index, (title, subject, stage) in enumerate(_SCIENCE_COURSES):
        past = index < 3
        starts = today - timedelta(days=300 - 90 * index) if past else today + timedelta(days=40)
        programme = Programme.objects.create(
            title=title,
            level="city",
            provider="厦门市教师进修学院",
            region=city,
            hours=Decimal(rng.choice((24, 32, 40))),
            category="centralised",
            subject=subject,
            stage=stage,
            target_groups=["science_teachers"],
            covers=["application.instruction"] if subject == "science" else [],
            capacity=80,
            starts_on=starts,
            ends_on=starts + timedelta(days=4),
            mode="in_person",
        )
        counts["training programmes"] += 1
        if not past:
            continue
        taken = [
            {"programme_id": programme.pk, "teacher_id": t, "status": EnrolmentStatus.COMPLETED}
            for t in rng.sample(science_teachers, min(len(science_teachers) // 3, 70))
        ]
        bulk_insert_rows(Enrolment, taken)  # sets each row's id
        enrolments += taken
        records += [
            {
                "teacher_id": e["teacher_id"],
                "enrolment_id": e["id"],
                "date": programme.ends_on,
                "hours": programme.hours,
                "category": programme.category,
                "title": programme.title,
                "provider": programme.provider,
                "source": "programme",
            }
            for e in taken
        ]
    bulk_insert_rows(TrainingRecord, records)
    counts["training enrolments"] += len(enrolments)
    counts["training records"] += len(records)
