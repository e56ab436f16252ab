"""A small district for staffing and forecast, built through the registry services.

Siming (the district under test):
- P, primary, urban: grades 1–6 of 160, 160, 160, 160, 155, 155 pupils (950) in 2023, 2024 and
  2025; quota 950 / 19 = 50, non-teaching cap floor(0.09 × 50) = 4.
- N, nine-year, rural: 100 per grade 1–6 (600) and 90 per grade 7–9 (270) in 2025 only;
  quota round(600 / 19 = 31.58) + 270 / 13.5 = 32 + 20 = 52.
- J, junior, urban: 9 per grade 7–9 (27) in 2024 only (read as the latest up to 2025);
  quota 27 / 13.5 = 2, non-teaching cap floor(0.12 × 2) = 0.
- E, primary: no enrollment at all; X inactive; H in Huli: neither counts.
"""

from datetime import date

import pytest

from qiangshi.org.models import SchoolEnrollment
from qiangshi.teachers import services as teacher_services
from tests import factories

YEAR = 2025
ON = date(2025, 10, 1)
P_GRADES = {1: 160, 2: 160, 3: 160, 4: 160, 5: 155, 6: 155}


def enroll(school, by_grade: dict[int, int], year: int, cap: int = 45):
    SchoolEnrollment.objects.bulk_create(
        [
            SchoolEnrollment(
                school=school, year=year, grade=g, students=n, classes=max(1, -(-n // cap))
            )
            for g, n in by_grade.items()
        ]
    )


def staff(actor, school, *, subject="chinese", kind="established", post="teaching",
          full_time=True, birth=date(1985, 3, 1), gender="female", start=date(2010, 9, 1),
          loads=()):  # fmt: skip
    t = teacher_services.teacher_create(
        actor=actor,
        data={
            "name": "林晓",
            "gender": gender,
            "birth_date": birth,
            "national_id": factories.unique_national_id(birth, gender),
            "phone": "13800001234",
        },
        employment={
            "school": school,
            "employment_type": kind,
            "post_category": post,
            "main_subject": subject,
            "is_full_time_teacher": full_time,
            "start_date": start,
        },
    )
    for school_year, term, stage in loads:
        teacher_services.teacher_record_add(
            actor=actor,
            teacher=t,
            kind="teaching_load",
            data={
                "school_year": school_year,
                "term": term,
                "stage": stage,
                "subjects": [subject],
                "weekly_periods": 14,
            },
        )
    return t


@pytest.fixture
def district(tree, admin_user):
    a = admin_user
    siming, huli = tree["siming"], tree["huli"]
    p = factories.school(siming, "P", code="P")
    n = factories.school(siming, "N", stage="nine_year", code="N", location="rural")
    j = factories.school(siming, "J", stage="junior", code="J")
    e = factories.school(siming, "E", code="E")
    x = factories.school(siming, "X", code="X", is_active=False)
    h = factories.school(huli, "H", code="H")

    for y in (2023, 2024, 2025):
        enroll(p, P_GRADES, y)
    enroll(p, {1: 999}, 2026)  # a later year than the one asked: ignored
    enroll(n, {g: 100 for g in range(1, 7)} | {g: 90 for g in range(7, 10)}, 2025)
    enroll(j, {7: 9, 8: 9, 9: 9}, 2024)
    enroll(x, {1: 500}, 2025)
    enroll(h, {1: 500}, 2025)

    # P: on roll on ON: two established teachers, one established administrator, one contract
    # teacher; plus one who left before ON and one who arrived after.
    staff(a, p)  # chinese, established
    staff(a, p, kind="contract", birth=date(1990, 5, 1))  # chinese, contract
    staff(a, p, subject="music", birth=date(1971, 3, 10))  # retires 2026-07-10 (55 y 4 m)
    staff(a, p, subject="", post="administration", full_time=False)
    gone = staff(a, p)
    teacher_services.employment_end(
        actor=a, teacher=gone, end_date=date(2025, 6, 30), reason="retired"
    )
    later = staff(a, h)
    teacher_services.employment_change(
        actor=a,
        teacher=later,
        data={"school": p, "employment_type": "established", "start_date": date(2025, 12, 1)},
    )
    # N: a primary-load Chinese teacher, a Chinese teacher without load (→ the larger part,
    # primary) and a physics teacher (a junior-only subject → junior).
    staff(a, n, loads=[(YEAR, 1, "primary")])
    staff(a, n)
    staff(a, n, subject="physics", gender="male", birth=date(1980, 1, 1))
    # J: two teachers and a logistics worker, all established: 3 on a quota of 2.
    staff(a, j)
    staff(a, j, subject="english")
    staff(a, j, subject="", post="logistics", full_time=False)
    # Elsewhere: must not count.
    staff(a, h)
    staff(a, x)
    return {"p": p, "n": n, "j": j, "e": e, "siming": siming, "huli": huli}
