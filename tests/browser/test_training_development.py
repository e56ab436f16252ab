"""A school assigns the top recommendation to its teachers in a real browser: choose, preview
with the reason, confirm; then the literacy overview draws its charts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from qiangshi.training.models import Enrolment
from tests.browser.conftest import login as _login
from tests.training.conftest import make_programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_school_assigns_the_top_recommendation_in_bulk(world, page):
    today = timezone.localdate()
    programme = make_programme(
        world["users"]["district"],
        title="人工智能助力教学",
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=9),
        subject="",
        stage="",
        target_groups=[],
    )
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, world["users"]["school"].username)
    page.goto(page.base_url + "/training/")
    page.click("#development-links >> text=推荐培训项目")
    expect(page.locator("#recommend-table")).to_contain_text("人工智能助力教学")
    page.check(f"#t-{world['teachers']['a'].pk}")
    page.click("#preview-chosen")
    expect(page.locator("#preview-table")).to_contain_text("人工智能助力教学")
    expect(page.locator("#preview-table")).to_contain_text("开始")
    assert not Enrolment.objects.exists()
    page.click("#confirm-assign")
    expect(page.locator("body")).to_contain_text("已报名 1 人")
    assert Enrolment.objects.get(programme=programme).teacher == world["teachers"]["a"]

    page.goto(page.base_url + "/training/literacy/overview/")
    expect(page.locator("#literacy-histogram-chart canvas")).to_have_count(1)
