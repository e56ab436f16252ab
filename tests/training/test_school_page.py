"""A school's training page: charts' figures, teachers at risk and new teachers behind on the
induction, reminders that wait in the teacher's inbox until acknowledged; and the transcript
PDF (Chinese text, read back)."""

import io
import os
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from qiangshi.core.errors import ApplicationError
from qiangshi.training import selectors, services
from qiangshi.training.models import TrainingRecord
from qiangshi.web.balance_pdf import cjk_font
from qiangshi.workflow.selectors import inbox
from tests import factories


@pytest.fixture
def behind(world):
    """Teacher A at school A: 10 hours this cycle, started work this cycle (a new teacher with
    20 induction hours); a second teacher with the whole cycle done."""
    today = timezone.localdate()
    a = world["teachers"]["a"]
    start, _end, _rules = selectors.cycle_bounds(today)
    a.work_start_date = max(start, today - timedelta(days=100))
    a.save(update_fields=["work_start_date"])
    TrainingRecord.objects.create(
        teacher=a, date=today, hours=Decimal(10), category="school_based", title="校本研修",
        source="import",
    )  # fmt: skip
    TrainingRecord.objects.create(
        teacher=a, date=a.work_start_date, hours=Decimal(20), category="induction",
        title="新教师入职培训", source="import",
    )  # fmt: skip
    done = factories.teacher(world["users"]["admin"], world["schools"]["a"], "赵敏")
    for category, hours in (("centralised", 240), ("online", 120)):
        TrainingRecord.objects.create(
            teacher=done, date=today, hours=Decimal(hours), category=category, title="培训",
            source="import",
        )  # fmt: skip
    return {"a": a, "done": done, "today": today}


def test_school_figures(world, behind):
    data = selectors.school_training(
        actor=world["users"]["school"], school=world["schools"]["a"], on=behind["today"]
    )
    assert data.report.teachers == 2 and data.report.complete == 1
    assert sum(n for _label, n in data.distribution) == 2
    assert data.distribution[0][1] == 1 and data.distribution[-1][1] == 1  # 30 h and 360 h
    assert data.by_category["centralised"] == Decimal(240)
    assert data.completion_over_time[-1] == (behind["today"], 0.5)
    assert [t["name"] for t in data.report.at_risk] == ["陈静"]
    assert [t["name"] for t in data.induction_behind] == ["陈静"]
    assert data.induction_behind[0]["induction"].shortfall == Decimal(100)


def test_completion_over_time_counts_only_the_hours_dated_by_then(world):
    start = selectors.cycle_bounds(timezone.localdate())[0]
    later = date(start.year + 1, 3, 1)
    for category, hours in (("centralised", 240), ("online", 120)):
        TrainingRecord.objects.create(
            teacher=world["teachers"]["a"], date=later, hours=Decimal(hours),
            category=category, title="培训", source="import",
        )  # fmt: skip
    on = date(start.year + 1, 6, 30)
    data = selectors.school_training(
        actor=world["users"]["school"], school=world["schools"]["a"], on=on
    )
    assert data.completion_over_time == [(date(start.year, 12, 31), 0.0), (on, 1.0)]


def test_remind_waits_in_the_inbox_until_acknowledged(world, behind, client):
    school, teacher = world["users"]["school"], world["users"]["teacher"]
    reminder = services.reminder_send(actor=school, teacher_pk=behind["a"].pk, kind="cycle")
    assert (
        reminder.shortfall
        == selectors.teacher_cycle(teacher=behind["a"], on=behind["today"]).status.shortfall
    )
    [entry] = inbox(teacher)
    assert entry.process == "training_reminder"
    with pytest.raises(ApplicationError):  # one open reminder of a kind at a time
        services.reminder_send(actor=school, teacher_pk=behind["a"].pk, kind="cycle")
    with pytest.raises(ApplicationError):  # not behind: nothing to remind
        services.reminder_send(actor=school, teacher_pk=behind["done"].pk, kind="cycle")
    client.force_login(teacher)
    body = client.get(reverse("web:training_my_hours")).content.decode()
    assert f"reminder-{reminder.pk}" in body
    client.post(reverse("web:training_reminder_acknowledge", args=[reminder.pk]))
    assert inbox(teacher) == []
    reminder.refresh_from_db()
    assert reminder.acknowledged_at is not None


def test_school_page_lists_the_teachers_behind_with_remind(world, behind, client):
    client.force_login(world["users"]["school"])
    url = reverse("web:training_school", args=[world["schools"]["a"].pk])
    body = client.get(url).content.decode()
    assert "training-school-data" in body and body.count("remind-form") == 2
    r = client.post(
        reverse("web:training_remind", args=[world["schools"]["a"].pk]),
        {"teacher": behind["a"].pk, "kind": "induction"},
    )
    assert r.status_code == 302
    body = client.get(url).content.decode()
    assert body.count("remind-form") == 1
    other = factories.user("school", school=world["schools"]["b"])
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(world["users"]["teacher"])
    assert client.get(url).status_code == 403


def test_behind_and_reminders_api(world, behind, api_as):
    a = world["schools"]["a"].pk
    body = api_as("district").get(f"/api/training/schools/{a}/behind").json()
    assert {(i["name"], i["kind"]) for i in body["items"]} == {
        ("陈静", "cycle"),
        ("陈静", "induction"),
    }
    r = api_as("school").post(
        "/api/training/reminders", {"teacher_id": behind["a"].pk, "kind": "induction"}
    )
    assert r.status_code == 201
    rid = r.json()["id"]
    assert api_as("school").post(f"/api/training/reminders/{rid}/acknowledge").status_code == 403
    r = api_as("teacher").post(f"/api/training/reminders/{rid}/acknowledge")
    assert r.status_code == 200 and r.json()["acknowledged_at"]


@pytest.fixture
def font():
    if cjk_font() is None:
        message = "No CJK font for the PDF: install fonts-wqy-microhei (make system-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def test_transcript_pdf_for_the_teacher_and_their_school_only(world, behind, client, font):
    own = reverse("web:training_my_transcript")
    theirs = reverse("web:training_hours_transcript", args=[behind["a"].pk])
    client.force_login(world["users"]["teacher"])
    r = client.get(own)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    for expected in ("陈静", "思明第一小学", "校本研修", "新教师入职培训"):
        assert expected in text, expected
    client.force_login(world["users"]["school"])
    assert client.get(theirs).status_code == 200
    client.force_login(factories.user("school", school=world["schools"]["b"]))
    assert client.get(theirs).status_code == 404
    client.force_login(world["users"]["district"])
    assert client.get(theirs).status_code == 403


def test_transcript_records_and_induction_status(world, behind, font):
    from qiangshi.web.training_pdf import transcript_pdf

    a = behind["a"]
    data = transcript_pdf(
        teacher=a,
        cycle=selectors.teacher_cycle(teacher=a, on=behind["today"]),
        records=list(TrainingRecord.objects.filter(teacher=a)),
        on=behind["today"],
    )
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    induction = selectors.teacher_cycle(teacher=a, on=behind["today"]).induction
    assert induction.end.isoformat() in text  # the induction's due date
    assert behind["today"].isoformat() in text and "新教师入职培训" in text
