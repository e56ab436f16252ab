from datetime import date
from decimal import Decimal

import pytest

from qiangshi.teachers import services as registry
from qiangshi.teachers.models import Employment
from qiangshi.titles import services
from qiangshi.titles.models import RoundQuota
from qiangshi.training.models import TrainingRecord
from tests import factories

TODAY = date(2026, 4, 10)


def make_eligible(admin, teacher, *, title="first", since=date(2019, 12, 31)):
    """Registry data that makes `teacher` eligible for senior in 2026 (rural service, a
    complete cycle)."""
    registry.teacher_record_add(
        actor=admin, teacher=teacher, kind="education",
        data={"level": "bachelor", "institution": "厦门大学", "start_date": date(2001, 9, 1),
              "end_date": date(2005, 7, 1)},
    )  # fmt: skip
    registry.teacher_record_add(
        actor=admin, teacher=teacher, kind="title", data={"rank": title, "obtained_on": since}
    )
    teacher.work_start_date = date(2005, 9, 1)
    teacher.save(update_fields=["work_start_date"])
    rural = factories.school(teacher.current_school.district, "乡村小学", location="rural")
    Employment.objects.create(
        teacher=teacher, school=rural, employment_type="established",
        start_date=date(2005, 9, 1), end_date=date(2008, 8, 31),
    )  # fmt: skip
    for category, hours in (("centralised", 200), ("school_based", 100), ("online", 100)):
        TrainingRecord.objects.create(
            teacher=teacher, date=date(2026, 3, 1), hours=Decimal(hours), category=category,
            title="研修", provider="进修学校", source="import",
        )  # fmt: skip


@pytest.fixture
def titles_world(world):
    admin = world["users"]["admin"]
    make_eligible(admin, world["teachers"]["a"])
    make_eligible(admin, world["teachers"]["b"])
    bureau = world["users"]["bureau"]
    tree = world["tree"]
    reviewers = []
    for i, district in enumerate(["huli", "huli", "siming", "huli"]):
        user = factories.user("reviewer", username=f"expert{i}")
        school = factories.school(tree[district], f"专家学校{i}")
        services.reviewer_profile_set(
            actor=bureau, user=user, subjects=["chinese"], stages=["primary"], school=school
        )
        reviewers.append(user)
    round_ = services.round_create(
        actor=bureau, year=2026, target="senior", stage="primary",
        opens_on=date(2026, 4, 1), closes_on=date(2026, 4, 30),
        aggregation="trimmed_mean", panel_size=3, materials=["教学业绩材料"],
    )  # fmt: skip
    # The test schools have no students: their post structure allows no promotion. The
    # district's quota is entered instead, and schools are limited by it alone.
    RoundQuota.objects.filter(round=round_, school__isnull=False).delete()
    services.round_quota_set(
        actor=bureau, round_pk=round_.pk, district_pk=tree["siming"].pk, quota=1
    )
    return {**world, "round": round_, "reviewers": reviewers}
