"""A district office plans the year's rotation in a real browser, the bureau approves it."""

import pytest
from playwright.sync_api import expect

from qiangshi.rotation.models import RotationPlan
from tests import factories
from tests.rotation.world import rot  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def test_plan_submit_approve(rot, page):  # noqa: F811  (rot: the imported fixture)
    page.on("dialog", lambda dialog: dialog.accept())
    _login(page, rot["users"]["district"].username)
    page.goto(page.base_url + "/rotation/")
    form = page.locator("#new-plan form")
    form.locator("select[name=region]").select_option("350203")
    form.locator("input[name=year]").fill("2026")
    form.locator("input[name=name]").fill("思明区2026年交流轮岗")
    form.locator("input[name=subject_needs]").uncheck()
    form.locator("#plan-create").click()
    page.wait_for_url("**/rotation/*/")
    expect(page.locator("#move-table tbody tr")).not_to_have_count(0)
    expect(page.locator("#cv-table")).to_be_visible()
    page.click("#plan-submit")
    expect(page.locator("#plan-status")).to_have_text("已提交")
    plan = RotationPlan.objects.get(name="思明区2026年交流轮岗")

    page.context.clear_cookies()
    _login(page, rot["users"]["bureau"].username)
    page.goto(page.base_url + f"/rotation/{plan.pk}/")
    page.click("#plan-approve")
    expect(page.locator("#plan-status")).to_have_text("已批准")
    page.click("#plan-publish")
    expect(page.locator("#plan-status")).to_have_text("已发布")
