"""In a real browser: a teacher enters training hours with a certificate, the school approves
them and the hours reach the teacher's record; the school marks attendance of a session."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qiangshi.training import services
from qiangshi.training.models import Attendance, RecordSource, TrainingRecord
from tests.browser.conftest import login as _login
from tests.training.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_enters_hours_and_school_approves(world, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    certificate = tmp_path / "结业证书.pdf"
    certificate.write_bytes(b"%PDF-1.4 certificate")
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, world["users"]["teacher"].username)
    page.goto(page.base_url + "/training/claims/")
    page.fill("#c-title", "福建省中小学教师网络研修")
    page.fill("#c-date", (timezone.localdate() - timedelta(days=10)).isoformat())
    page.fill("#c-hours", "30")
    page.select_option("#c-category", "online")
    page.set_input_files("#c-evidence", str(certificate))
    page.click("#claim-submit")
    expect(page.locator("#claims")).to_contain_text("待学校审核")

    page.context.clear_cookies()
    _login(page, world["users"]["school"].username)
    page.goto(page.base_url + "/training/claims/")
    expect(page.locator("#claims")).to_contain_text("福建省中小学教师网络研修")
    page.click("#claims form button.btn-primary")
    expect(page.locator("#claims")).to_contain_text("暂无自报学时")
    record = TrainingRecord.objects.get(teacher=world["teachers"]["a"])
    assert record.source == RecordSource.SELF_REPORTED and record.hours == Decimal(30)


def test_school_marks_attendance(world, page):
    today = timezone.localdate()
    district = world["users"]["district"]
    programme = make_programme(
        district, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=1)
    )
    services.session_create(
        actor=district, programme_pk=programme.pk, date=today, starts_at=time(9),
        ends_at=time(12), hours=Decimal(3), place="报告厅",
    )  # fmt: skip
    enrolment = services.enrolment_create(
        actor=world["users"]["teacher"], programme_pk=programme.pk
    )
    _login(page, world["users"]["school"].username)
    page.goto(page.base_url + f"/training/{programme.pk}/sessions/")
    page.select_option(f"select[name='present-{enrolment.pk}']", "1")
    page.click("#attendance-save")
    expect(page.locator("#attendance")).to_contain_text("3 / 3")
    assert Attendance.objects.get(enrolment=enrolment).present is True
