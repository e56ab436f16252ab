from datetime import date

import pytest

from qiangshi.awards import services
from qiangshi.teachers.models import Teacher
from qiangshi.teachers.services import teacher_record_add

OPEN, CLOSE = date(2026, 5, 1), date(2026, 6, 30)
NOMINATED = date(2026, 5, 10)


def qualify(
    actor,
    teacher,
    *,
    start=date(2010, 9, 1),
    grades=("excellent", "competent", "competent"),
    years_before=2026,
):
    """Give a teacher what the excellent-teacher criteria ask (work start, the appraisals of
    the three years before `years_before`)."""
    Teacher.objects.filter(pk=teacher.pk).update(work_start_date=start)
    years = (years_before - 1, years_before - 2, years_before - 3)
    for year, grade in zip(years, grades, strict=False):
        teacher_record_add(
            actor=actor, teacher=teacher, kind="appraisal", data={"year": year, "grade": grade}
        )


@pytest.fixture
def round_(world):
    return services.round_create(
        actor=world["users"]["bureau"], kind="excellent_teacher", year=2026, level="city",
        title="2026年厦门市优秀教师评选", nominations_open_on=OPEN, nominations_close_on=CLOSE,
    )  # fmt: skip


@pytest.fixture
def qualified(world):
    admin = world["users"]["admin"]
    for key in ("a", "b", "c"):
        qualify(admin, world["teachers"][key])
    return world


def nominate(world, round_, teacher="a", user="school", today=NOMINATED):
    return services.nomination_create(
        actor=world["users"][user], round_pk=round_.pk, teacher_pk=world["teachers"][teacher].pk,
        citation="扎根一线二十年，教学成绩突出。", today=today,
    )  # fmt: skip
