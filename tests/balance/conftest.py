"""A tiny world for the balance adapter: built through the registry services."""

from datetime import date

import pytest

from qiangshi.org.models import SchoolEnrollment, SchoolFacility
from qiangshi.teachers import services as teacher_services
from tests import factories

YEAR = 2025
ON = date(2025, 10, 1)


def enroll(school, grades, students, year=YEAR):
    SchoolEnrollment.objects.bulk_create(
        [
            SchoolEnrollment(school=school, year=year, grade=g, students=students, classes=1)
            for g in grades
        ]
    )


def facility(school, year=YEAR, *, teaching, sports, equipment, rooms):
    SchoolFacility.objects.create(
        school=school,
        year=year,
        teaching_area_m2=teaching,
        sports_area_m2=sports,
        equipment_value_yuan=equipment,
        multimedia_rooms=rooms,
    )


def teacher(actor, school, *, subject="chinese", full_time=True, education=(), recognitions=(),
            loads=(), start=date(2010, 9, 1)):  # fmt: skip
    """A teacher created through the registry services, with dated records."""
    birth = date(1985, 3, 1)
    t = teacher_services.teacher_create(
        actor=actor,
        data={
            "name": "林晓",
            "gender": "female",
            "birth_date": birth,
            "national_id": factories.unique_national_id(birth, "female"),
            "phone": "13800001234",
        },
        employment={
            "school": school,
            "employment_type": "established",
            "main_subject": subject,
            "is_full_time_teacher": full_time,
            "start_date": start,
        },
    )
    for level, end in education:
        teacher_services.teacher_record_add(
            actor=actor,
            teacher=t,
            kind="education",
            data={"level": level, "institution": "厦门大学", "end_date": end},
        )
    for kind, level, start_date, end_date in recognitions:
        teacher_services.teacher_record_add(
            actor=actor,
            teacher=t,
            kind="recognition",
            data={"kind": kind, "level": level, "start_date": start_date, "end_date": end_date},
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
def tiny(tree, admin_user):
    """Siming: a primary school P (300 pupils), a rural nine-year school N (240 + 120) and a
    junior school J without a facility record; plus schools that must not count."""
    a = admin_user
    siming, huli = tree["siming"], tree["huli"]
    p = factories.school(siming, "P", code="P")
    n = factories.school(siming, "N", stage="nine_year", code="N", location="rural")
    j = factories.school(siming, "J", stage="junior", code="J")
    senior = factories.school(siming, "S", stage="senior", code="S")
    closed = factories.school(siming, "X", code="X", is_active=False)
    elsewhere = factories.school(huli, "H", code="H")

    enroll(p, range(1, 7), 50)  # 300
    enroll(p, range(1, 7), 99, year=YEAR - 1)  # another year: ignored
    facility(p, teaching=1500, sports=2400, equipment=660_000, rooms=8)
    facility(p, YEAR - 1, teaching=1, sports=1, equipment=1, rooms=1)
    enroll(n, range(1, 7), 40)  # 240 primary
    enroll(n, range(7, 10), 40)  # 120 junior
    facility(n, teaching=3600, sports=3600, equipment=900_000, rooms=9)
    enroll(j, range(7, 10), 100)
    for s in (senior, closed, elsewhere):
        enroll(s, range(1, 7), 50)
        facility(s, teaching=1, sports=1, equipment=1, rooms=1)

    valid = ("backbone", "district", date(2020, 1, 1), date(2027, 12, 31))
    # P: t1–t6.
    teacher(a, p, education=[("bachelor", date(2008, 7, 1))], recognitions=[valid])  # t1
    teacher(
        a,
        p,
        subject="pe",
        education=[("associate", date(2005, 7, 1))],
        recognitions=[("backbone", "school", date(2020, 1, 1), None)],  # school level: no
    )  # t2
    teacher(
        a,
        p,
        subject="music",
        # the bachelor's degree is finished only after ON: not yet counted
        education=[("secondary_normal", date(2003, 7, 1)), ("bachelor", date(2026, 1, 1))],
    )  # t3
    teacher(
        a,
        p,
        subject="fine_arts",
        full_time=False,
        education=[("bachelor", date(2008, 7, 1))],
        recognitions=[("master_teacher", "city", date(2024, 1, 1), None)],
    )  # t4: part-time; backbone counts without the full-time condition
    teacher(
        a,
        p,
        subject="mathematics",
        education=[("bachelor", date(2008, 7, 1))],
        recognitions=[("backbone", "district", date(2019, 1, 1), date(2024, 12, 31))],
    )  # t5: the recognition expired before ON
    t6 = teacher(a, p, education=[("bachelor", date(2008, 7, 1))], recognitions=[valid])
    teacher_services.employment_end(
        actor=a, teacher=t6, end_date=date(2025, 6, 30), reason="retired"
    )  # t6: left before ON
    t7 = teacher(a, elsewhere, education=[("bachelor", date(2008, 7, 1))])
    teacher_services.employment_change(
        actor=a,
        teacher=t7,
        data={"school": p, "employment_type": "established", "start_date": date(2025, 12, 1)},
    )  # t7: moves to P only after ON

    # N (nine-year, shares 2/3 and 1/3).
    teacher(a, n, education=[("associate", date(2005, 7, 1))], loads=[(YEAR, 1, "primary")])
    teacher(a, n, education=[("associate", date(2005, 7, 1))], loads=[(YEAR, 1, "junior")])
    teacher(a, n, subject="pe", education=[("bachelor", date(2008, 7, 1))])  # no load
    teacher(
        a,
        n,
        education=[("bachelor", date(2008, 7, 1))],
        recognitions=[("backbone", "province", date(2024, 1, 1), None)],
        loads=[(YEAR - 1, 1, "junior"), (YEAR, 1, "junior"), (YEAR, 2, "primary")],
    )  # the later term of YEAR is primary
    # J.
    teacher(a, j, education=[("associate", date(2005, 7, 1))])
    return {"p": p, "n": n, "j": j, "siming": siming}
