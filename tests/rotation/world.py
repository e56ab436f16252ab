"""A small district for rotation, built through the registry services.

Siming (district under test), effective date 2026-09-01 (school year 2026):
- U, primary, urban (sends): 300 pupils → staffing quota 16 (1:19), 18 established teachers:
  - 8 plain teachers from 2010 (eligible), one of them (陈一) a district backbone teacher, one
    (陈八) a PE teacher — the only subject R lacks that an eligible teacher can bring;
  - 新来 from 2024-09-01 (2 years: excluded, years), 边界 from 2020-09-02 (5 full years on
    2026-09-01: excluded) and 满六 from 2020-09-01 (exactly 6: eligible);
- U also has: 合同 (contract employment: excluded), 校长 principal since 2018 (8 < 2 × 5 years:
  excluded), 临退 male born 1968 (retires within 3 years), 休假 on leave, 处分 with an active
  warning, 旧处分 with an expired one (eligible), 豁免 exempted for 2026, 连续 with two
  contiguous employments at U since 2010 (eligible through the chain);
- R, primary, rural (receives): 95 pupils, 3 teachers from 2024, understaffed.
- H, in Huli: outside the district.
"""

from datetime import date

import pytest

from qiangshi.ethics.services import sanction_record
from qiangshi.org.models import SchoolEnrollment, SchoolFacility
from qiangshi.rotation.services import exemption_add
from qiangshi.teachers.models import Certificate, Employment, Recognition, Teacher
from tests import factories

YEAR = 2026
ON = date(2026, 9, 1)


def enroll(school, total: int, year: int = 2025):
    """`total` pupils over grades 1–6 in `year`, and the school's facility record of the year
    (so that the balance module can judge it)."""
    per = [total // 6 + (1 if i < total % 6 else 0) for i in range(6)]
    SchoolEnrollment.objects.bulk_create(
        [
            SchoolEnrollment(school=school, year=year, grade=g, students=n, classes=1)
            for g, n in zip(range(1, 7), per, strict=True)
        ]
    )
    SchoolFacility.objects.create(
        school=school,
        year=year,
        teaching_area_m2=5 * total,
        sports_area_m2=8 * total,
        equipment_value_yuan=2100 * total,
        multimedia_rooms=max(total // 40, 1),
    )


def hire(
    actor, school, name, *, start=date(2010, 9, 1), kind="established", cert="primary", **extra
):
    """A teacher of `school` since `start`, with a teaching certificate for `cert` (None: none)."""
    t = factories.teacher(actor, school, name, **{k: v for k, v in extra.items()})
    Employment.objects.filter(teacher=t).update(start_date=start, employment_type=kind)
    if cert:
        Certificate.objects.create(teacher=t, stage=cert, subject=extra.get("subject", "chinese"))
    return t


@pytest.fixture
def rot(world):
    admin = world["users"]["admin"]
    tree = world["tree"]
    u = factories.school(tree["siming"], "思明实验小学", location="urban")
    r = factories.school(tree["siming"], "思明山区小学", location="rural")
    h = factories.school(tree["huli"], "湖里实验小学", location="rural")
    # The world's schools A and B of Siming are closed here so that the district is U and R.
    world["schools"]["a"].is_active = False
    world["schools"]["a"].save()
    world["schools"]["b"].is_active = False
    world["schools"]["b"].save()
    enroll(u, 300)
    enroll(r, 95)
    enroll(h, 100)
    people = {}
    for i in range(8):
        subject = "pe" if i == 7 else "chinese"
        people[f"plain{i}"] = hire(admin, u, f"陈{'一二三四五六七八'[i]}", subject=subject)
    Recognition.objects.create(
        teacher=people["plain0"], kind="backbone", level="district", start_date=date(2020, 1, 1)
    )
    people["new"] = hire(admin, u, "新来", start=date(2024, 9, 1))
    people["edge"] = hire(admin, u, "边界", start=date(2020, 9, 2))
    people["six"] = hire(admin, u, "满六", start=date(2020, 9, 1))
    people["contract"] = hire(admin, u, "合同", kind="contract")
    people["principal"] = hire(admin, u, "校长", start=date(2018, 9, 1))
    Employment.objects.filter(teacher=people["principal"]).update(is_principal=True)
    people["retiring"] = hire(admin, u, "临退", birth=date(1968, 1, 1), gender="male")
    people["leave"] = hire(admin, u, "休假")
    Teacher.objects.filter(pk=people["leave"].pk).update(personnel_status="leave")
    people["sanctioned"] = hire(admin, u, "处分")
    sanction_record(
        actor=admin, teacher_pk=people["sanctioned"].pk, kind="warning", decided_on=date(2026, 6, 1)
    )
    people["old_sanction"] = hire(admin, u, "旧处分")
    sanction_record(
        actor=admin,
        teacher_pk=people["old_sanction"].pk,
        kind="warning",
        decided_on=date(2025, 1, 1),
    )
    people["exempt"] = hire(admin, u, "豁免")
    exemption_add(actor=admin, teacher_pk=people["exempt"].pk, year=YEAR, reason="照顾家中病人")
    people["chain"] = hire(admin, u, "连续", start=date(2022, 9, 1))
    Employment.objects.create(
        teacher=people["chain"],
        school=u,
        employment_type="non_established",
        main_subject="chinese",
        start_date=date(2010, 9, 1),
        end_date=date(2022, 8, 31),
    )
    for i in range(3):
        people[f"rural{i}"] = hire(admin, r, f"山{'甲乙丙'[i]}", start=date(2024, 9, 1))
    people["huli"] = hire(admin, h, "湖里人")
    return {**world, "u": u, "r": r, "h": h, "people": people}
