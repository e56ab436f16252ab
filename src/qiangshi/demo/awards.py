"""Demo award rounds (issue 17): the bureau's rounds of this year at several stages, so that a
newcomer sees the school nominating within its quota, each review waiting in its inbox, a public
notice with an objection, and a decided round whose master teachers appear in the registry and
on the Teachers' Day list.

Deterministic: the nominees are the eligible teachers of the demo school by registry ID, and the
dates count back from `today`. Nothing is built without the demo logins, or when the demo school
has too few eligible teachers for a round (that round is then left without nominations)."""

from datetime import date, timedelta

from qiangshi.access.models import Role, User

CITATION = "爱岗敬业，教学成绩突出，深受学生和家长好评。"


def _eligible(round_, school, exclude: set[int]) -> list[int]:
    from qiangshi.awards.selectors import eligibility_of
    from qiangshi.engines.awards import eligible
    from qiangshi.teachers.models import Employment

    ids = list(
        Employment.objects.filter(school=school, end_date__isnull=True, post_category="teaching")
        .exclude(teacher_id__in=exclude)
        .order_by("teacher_id")
        .values_list("teacher_id", flat=True)
    )
    results = eligibility_of(ids, round_)
    return [tid for tid in ids if eligible(results[tid])]


def demo_awards_build(counts, today: date | None = None) -> None:
    """The demo rounds and nominations (see the module's docstring)."""
    from qiangshi.awards import services as awards

    users = {
        u.username: u for u in User.objects.filter(username__in=["bureau", "district", "school"])
    }
    if len(users) < 3 or users["school"].role != Role.SCHOOL or not users["school"].school_id:
        return
    bureau, district, school_user = users["bureau"], users["district"], users["school"]
    school = school_user.school
    today = today or date.today()

    def day(n: int) -> date:
        return today - timedelta(days=n)

    def step(user, n, name, on, comment=""):
        awards.nomination_step(actor=user, nomination_pk=n.pk, step=name, comment=comment, today=on)

    def nominate(round_, teacher_pk, on):
        return awards.nomination_create(
            actor=school_user, round_pk=round_.pk, teacher_pk=teacher_pk, citation=CITATION,
            today=on,
        )  # fmt: skip

    year = today.year
    taken: set[int] = set()
    # 1. Master teachers of the city, decided 30 days ago: the recognitions are in the registry.
    master = awards.round_create(
        actor=bureau, kind="master_teacher", year=year, level="city",
        title=f"{year}年{bureau.region.name}名师评选", nominations_open_on=day(120),
        nominations_close_on=day(90),
    )  # fmt: skip
    awards.quota_set(actor=bureau, round_pk=master.pk, quota=2, school_pk=school.pk)
    for pk in _eligible(master, school, taken)[:2]:
        taken.add(pk)
        n = nominate(master, pk, day(110))
        step(school_user, n, "submit", day(108))
        step(district, n, "district_approve", day(80))
        step(bureau, n, "bureau_approve", day(60))
        step(bureau, n, "publish", day(45))
        step(bureau, n, "award", day(30))
        counts["award nominations"] += 1
    # 2. Excellent teachers of the city: nominations open now, one at each stage.
    excellent = awards.round_create(
        actor=bureau, kind="excellent_teacher", year=year, level="city",
        title=f"{year}年{bureau.region.name}优秀教师评选", nominations_open_on=day(20),
        nominations_close_on=today + timedelta(days=20),
    )  # fmt: skip
    awards.quota_set(actor=bureau, round_pk=excellent.pk, quota=5, school_pk=school.pk)
    nominees = _eligible(excellent, school, taken)[:5]
    taken.update(nominees)
    stages = ["nominated", "district_review", "bureau_review", "notice", "not_awarded"]
    for pk, stage in zip(nominees, stages, strict=False):
        n = nominate(excellent, pk, day(18))
        counts["award nominations"] += 1
        if stage == "nominated":
            continue
        step(school_user, n, "submit", day(16))
        if stage == "district_review":
            continue
        if stage == "not_awarded":
            step(district, n, "district_reject", day(10), comment="事迹材料与推荐条件不符。")
            continue
        step(district, n, "district_approve", day(12))
        if stage == "bureau_review":
            continue
        step(bureau, n, "bureau_approve", day(6))
        step(bureau, n, "publish", day(3))
        awards.objection_record(
            actor=bureau, nomination_pk=n.pk, received_on=day(1),
            summary="来电反映该教师曾在校外兼职，请核实。", today=day(1),
        )  # fmt: skip
    # 3. Excellent homeroom teachers: open, nothing nominated yet (for the school to try).
    awards.round_create(
        actor=bureau, kind="excellent_homeroom", year=year, level="city",
        title=f"{year}年{bureau.region.name}优秀班主任评选", nominations_open_on=day(5),
        nominations_close_on=today + timedelta(days=40),
    )  # fmt: skip
    counts["award rounds"] += 3
