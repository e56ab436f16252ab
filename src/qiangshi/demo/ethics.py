"""Demo ethics cases (issue 17): a few cases in Siming at each stage of the workflow, so that a
newcomer sees the ethics officer's inbox, the demo teacher answering their own case, a decided
case in its appeal window, a closed case after an appeal, and the bars they derive.

Deterministic: the teachers are the first established teachers of Siming by registry ID (the
demo teacher excepted, who gets the case awaiting a statement), and the dates count back from
`today`. The demo teacher's case has no decision, so it bars nothing (the rotation demo moves
them)."""

from datetime import date, timedelta

from qiangshi.access.models import Role, User
from qiangshi.teachers.models import Employment


def _siming_teachers(exclude: set[int], n: int) -> list[int]:
    return list(
        Employment.objects.filter(
            school__district__code="350203", end_date__isnull=True, post_category="teaching"
        )
        .exclude(teacher_id__in=exclude)
        .order_by("teacher_id")
        .values_list("teacher_id", flat=True)[:n]
    )


def demo_ethics_build(counts, today: date | None = None) -> None:
    """The demo cases and ethics file entries; nothing without the demo ethics officer."""
    from qiangshi.ethics import services as ethics

    officer = User.objects.filter(username="ethics", role=Role.ETHICS).first()
    teacher_user = User.objects.filter(username="teacher", role=Role.TEACHER).first()
    if officer is None:
        return
    today = today or date.today()
    demo_teacher = getattr(teacher_user, "teacher_profile", None)
    others = _siming_teachers({demo_teacher.pk} if demo_teacher else set(), 5)
    if len(others) < 4:
        return

    def day(n: int) -> date:
        return today - timedelta(days=n)

    def report(teacher_pk, on, summary, guidelines, reporter):
        return ethics.case_report(
            actor=officer, teacher_pk=teacher_pk, reported_on=on, summary=summary,
            guidelines=guidelines, reporter=reporter, today=on,
        )  # fmt: skip

    def step(user, case, name, on, comment="", **data):
        ethics.case_step(
            actor=user, case_pk=case.pk, step=name, comment=comment, data=data, today=on
        )

    # 1. Just reported: waits for the officer.
    report(others[0], day(2), "家长反映该教师在校外有偿补课。", [10], "家长来信（实名）")
    # 2. The demo teacher is asked for a statement (the deadline still runs).
    if demo_teacher is not None:
        case = report(demo_teacher.pk, day(8), "学生反映课堂上言语不当。", [5, 7], "学生反映")
        step(officer, case, "investigate", day(7))
        step(officer, case, "request_statement", day(3), findings="经向学生了解，情况部分属实。")
    # 3. Decided (warning), notified: the appeal window is open.
    case = report(others[1], day(60), "收受学生家长礼品。", [9], "匿名举报")
    step(officer, case, "investigate", day(58))
    step(officer, case, "request_statement", day(50), findings="收受价值约800元礼品，属实。")
    step(officer, case, "proceed", day(39), comment="逾期未提交陈述。")
    step(
        officer, case, "decide", day(20), sanction_kind="warning",
        measures=["self_examination"], decision="给予警告处分，并作书面检查。",
        decided_on=day(20), starts_on=day(20),
    )  # fmt: skip
    step(officer, case, "notify", day(10))
    # 4. Closed: demerit upheld on appeal.
    case = report(others[2], day(200), "体罚学生致轻微伤。", [5], "学校上报")
    step(officer, case, "investigate", day(199))
    step(officer, case, "request_statement", day(190), findings="属实，有监控记录。")
    step(officer, case, "proceed", day(179), comment="逾期未提交陈述。")
    step(
        officer, case, "decide", day(170), sanction_kind="demerit", measures=["circulated"],
        decision="给予记过处分，全区通报批评。", decided_on=day(170), starts_on=day(170),
    )  # fmt: skip
    step(officer, case, "notify", day(168))
    step(officer, case, "close", day(130))
    # 5. Dismissed after investigation.
    case = report(others[3], day(90), "网络发帖称其歧视学生。", [5, 8], "网络舆情")
    step(officer, case, "investigate", day(89))
    step(officer, case, "dismiss", day(80), comment="经调查，反映情况不属实。")
    # The ethics file: this year's commitments and last year's grades for the same teachers.
    for teacher_pk in [*others[:4], *([demo_teacher.pk] if demo_teacher else [])]:
        ethics.commitment_record(
            actor=officer, teacher_pk=teacher_pk, year=today.year,
            signed_on=date(today.year, 1, 1),
        )  # fmt: skip
    ethics.assessment_record(
        actor=officer, teacher_pk=others[3], year=today.year - 1, grade="excellent"
    )
    ethics.commendation_record(
        actor=officer, teacher_pk=others[3], title="区师德标兵", awarded_by="思明区教育局",
        awarded_on=day(30),
    )  # fmt: skip
    counts["ethics cases"] += 4 + (demo_teacher is not None)
