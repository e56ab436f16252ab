"""Demo data for sessions and attendance, hours entered by teachers, training spend and
reminders (issue 16), on top of `demo.training`'s programmes and history.

- The programmes with the demo school's teachers (running, awaiting confirmation) and the past
  ones get four sessions each; the sessions held so far have attendance marked (most present).
- The demo teacher has hours entered with a certificate: one awaiting the school's review, one
  approved (on the record), one rejected with the reason.
- Every school of Siming has a public-funds budget for last year and this year, except a few
  (shown as missing), and training spend: some schools reach 5%, some do not.
- The demo school has reminded the teacher furthest behind on the cycle.

Deterministic for a seed and a day.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from qiangshi.access.models import Role, User
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.org.models import Region, School
from qiangshi.training.models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    Programme,
    Session,
    TrainingBudget,
    TrainingSpend,
)

# A one-page PDF standing in for a scanned certificate.
CERTIFICATE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def demo_training_more(*, seed: int, today: date, counts: Counter) -> None:
    rng = random.Random(f"{seed}:training-more")
    _sessions(rng, today, counts)
    school_user = User.objects.filter(username="school", role=Role.SCHOOL).first()
    teacher_user = User.objects.filter(username="teacher", role=Role.TEACHER).first()
    if school_user is not None and teacher_user is not None:
        _claims(school_user, teacher_user, today, counts)
    _spend(rng, today, counts)
    if school_user is not None:
        _reminder(school_user, today, counts)


def _sessions(rng: random.Random, today: date, counts: Counter) -> None:
    """Four sessions for each programme someone is enrolled on, attendance of the held ones."""
    programmes = Programme.objects.filter(
        starts_on__lte=today,
        enrolments__status__in=(
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.COMPLETED,
            EnrolmentStatus.NOT_COMPLETED,
        ),
    ).distinct()
    marks = []
    for programme in programmes.order_by("pk"):
        span = (programme.ends_on - programme.starts_on).days
        hours = programme.hours / 4
        sessions = [
            Session.objects.create(
                programme=programme,
                date=programme.starts_on + timedelta(days=span * i // 3),
                starts_at=time(9) if programme.mode == "in_person" else time(19),
                ends_at=time(12) if programme.mode == "in_person" else time(21),
                hours=hours.quantize(Decimal("0.1")),
                place="厦门市教师进修学院报告厅" if programme.mode == "in_person" else "",
                link="https://meeting.example.cn/" + str(programme.pk)
                if programme.mode == "online"
                else "",
            )
            for i in range(4)
        ]
        counts["training sessions"] += len(sessions)
        for e in Enrolment.objects.filter(programme=programme).exclude(
            status__in=(EnrolmentStatus.WAITING, EnrolmentStatus.WITHDRAWN)
        ):
            for s in sessions:
                if s.date > today:
                    continue
                if e.status == EnrolmentStatus.COMPLETED:
                    present = True
                elif e.status == EnrolmentStatus.NOT_COMPLETED:
                    present = rng.random() < 0.4
                else:
                    present = rng.random() < 0.9
                marks.append(
                    {"session_id": s.pk, "enrolment_id": e.pk, "teacher_id": e.teacher_id,
                     "present": present}
                )  # fmt: skip
    bulk_insert_rows(Attendance, marks)
    counts["attendance marks"] += len(marks)


def _claims(school_user, teacher_user, today: date, counts: Counter) -> None:
    from qiangshi.training import services

    def submit(title, provider, days_ago, hours, category):
        return services.hours_claim_submit(
            actor=teacher_user,
            date=today - timedelta(days=days_ago),
            hours=Decimal(hours),
            category=category,
            title=title,
            provider=provider,
            evidence=SimpleUploadedFile("结业证书.pdf", CERTIFICATE, "application/pdf"),
            today=today,
        )

    if getattr(teacher_user, "teacher_profile", None) is None:
        return
    approved = submit("福建省中小学教师网络研修", "福建省教育厅", 120, 30, "online")
    services.hours_claim_approve(actor=school_user, claim_pk=approved.pk)
    returned = submit("校外学术讲座", "厦门市教育学会", 60, 8, "other")
    services.hours_claim_return(
        actor=school_user, claim_pk=returned.pk, reason="证书未加盖主办单位公章，请补充后重新提交。"
    )
    submit("国家智慧教育平台寒暑假研修", "国家中小学智慧教育平台", 20, 12, "online")
    counts["training hours entered"] += 3


def _spend(rng: random.Random, today: date, counts: Counter) -> None:
    """Budgets and spend of Siming's schools, last year and this year."""
    siming = Region.objects.filter(code="350203").first()
    if siming is None:
        return
    schools = list(
        School.objects.filter(district=siming).order_by("pk").values_list("pk", flat=True)
    )
    programmes = [
        p
        for p in Programme.objects.select_related("region").order_by("pk")
        if p.region.path and siming.path.startswith(p.region.path)
    ]
    budgets, spend = [], []
    for year in (today.year - 1, today.year):
        for i, school in enumerate(schools):
            if i % 7 == 3:  # a few schools have not entered their budget
                continue
            budget = Decimal(rng.randrange(3_000_000, 15_000_000, 10_000))
            budgets.append({"school_id": school, "year": year, "public_budget": budget})
            share = Decimal(rng.choice((30, 38, 45, 52, 55, 61, 70))) / 1000
            total = (budget * share).quantize(Decimal("1"))
            if programmes:
                programme = programmes[(i + year) % len(programmes)]
                part = (total * Decimal("0.4")).quantize(Decimal("1"))
                spend.append({"school_id": school, "year": year, "amount": part,
                              "programme_id": programme.pk, "description": ""})  # fmt: skip
                total -= part
            spend.append({"school_id": school, "year": year, "amount": total,
                          "programme_id": None, "description": f"{year}年度教师培训经费支出"})  # fmt: skip
    bulk_insert_rows(TrainingBudget, budgets)
    bulk_insert_rows(TrainingSpend, spend)
    counts["training budgets"] += len(budgets)
    counts["training spend entries"] += len(spend)


def _reminder(school_user, today: date, counts: Counter) -> None:
    from qiangshi.training import selectors, services

    # Not the demo teacher: their inbox shows their ethics case alone.
    demo = User.objects.filter(username="teacher").values_list("teacher_profile", flat=True)
    report = selectors.cycle_report(actor=school_user, on=today, school=school_user.school)
    behind = [t for t in report.at_risk if t["teacher_id"] not in set(demo)]
    if behind:
        services.reminder_send(
            actor=school_user, teacher_pk=behind[0]["teacher_id"], kind="cycle", today=today
        )
        counts["training reminders"] += 1
