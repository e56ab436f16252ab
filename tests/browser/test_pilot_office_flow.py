"""The pilot office's demo login in a real browser: its home shows the pilot regions; from there
it opens the comparison, narrows it to one indicator, and sees the figure the selectors give."""

import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from playwright.sync_api import expect

from qiangshi.demo.builder import DEMO_PASSWORD
from qiangshi.pilot import selectors
from qiangshi.pilot.models import PilotRegion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    """A small demo region (Xiamen runs Qiangshi; the other pilot regions' figures imported)
    with its logins."""
    # The pilot regions come from a data migration; a transactional test that ran before this
    # one on the same worker has flushed them away: seed them as the migration does.
    seeding = importlib.import_module("qiangshi.pilot.migrations.0002_seed_pilot_regions")
    seeding.seed(django_apps, None)
    call_command(
        "demo_region", scale="city", seed=5, max_schools=3, size_factor=0.3, stdout=StringIO()
    )


def test_the_pilot_office_opens_its_home_and_a_comparison(demo, page):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", "pilot")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")

    cards = page.locator("#pilot-regions .card")
    expect(cards).to_have_count(PilotRegion.objects.count())
    expect(page.locator("#pilot-regions")).to_contain_text("厦门市")

    page.locator("a.btn", has_text="试点指标").first.click()
    page.wait_for_url("**/pilot/")
    table = page.locator("#pilot-table")
    expect(table).to_contain_text("厦门市")
    expect(table).to_contain_text("本科及以上学历教师占比")

    for box in page.locator("#pilot-filters input[name=k]").all():  # all ticked: keep one
        box.set_checked(box.get_attribute("value") == "bachelor_share")
    page.click("#pilot-filters button[type=submit]")
    page.wait_for_url("**k=bachelor_share**")
    expect(table.locator("tbody tr")).to_have_count(1)

    pilot = PilotRegion.objects.get(code="3502")
    [xiamen] = selectors.comparison(
        actor=None, year=selectors.default_year(), regions=[pilot], keys={"bachelor_share"}
    )
    figure = xiamen.figures["bachelor_share"]
    ind = selectors.indicator_map()["bachelor_share"]
    assert figure.value is not None
    expect(table.locator("tbody tr")).to_contain_text(selectors.figure_text(figure, ind))
