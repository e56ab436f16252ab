"""A teacher enrols on a programme in a real browser; the school confirms the completion and the
hours appear on the teacher's page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qiangshi.training.models import TrainingRecord
from tests.browser.conftest import login as _login
from tests.training.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_enrols_and_school_confirms(world, page):
    today = timezone.localdate()
    programme = make_programme(
        world["users"]["district"],
        title="大单元教学设计研修",
        starts_on=today - timedelta(days=1),
        ends_on=today + timedelta(days=1),
    )
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, world["users"]["teacher"].username)
    page.goto(page.base_url + "/training/")
    page.click("text=大单元教学设计研修")
    page.click("#enrol-button")
    expect(page.locator("#my-enrolment")).to_contain_text("已报名")

    page.context.clear_cookies()
    _login(page, world["users"]["school"].username)
    page.goto(page.base_url + "/training/confirm/")
    page.check(f"input[name=enrolment][value='{programme.enrolments.get().pk}']")
    page.click("#confirm-completed")
    expect(page.locator("#confirm-form")).to_contain_text("暂无待确认的报名")
    assert TrainingRecord.objects.filter(teacher=world["teachers"]["a"]).count() == 1

    page.context.clear_cookies()
    _login(page, world["users"]["teacher"].username)
    page.goto(page.base_url + "/training/hours/")
    expect(page.locator("#records")).to_contain_text("大单元教学设计研修")
    expect(page.locator("#cycle")).to_contain_text("24")
