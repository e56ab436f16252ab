"""A bureau user's first session, in a real browser: log in, search, open, switch language,
export."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def test_district_office_list_never_shows_another_district(world, page):
    _login(page, world["users"]["district"].username)
    page.goto(page.base_url + "/teachers/")
    expect(page.get_by_role("link", name="陈静")).to_have_count(1)
    assert page.get_by_role("link", name="李强").count() == 0  # Huli: outside Siming


def test_district_office_searches_opens_switches_language_and_exports(world, page):
    district = world["users"]["district"]
    _login(page, district.username)
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    page.goto(page.base_url + "/teachers/")
    page.fill("input[name=q]", "王芳")
    page.locator("#teacher-filters button[type=submit]").click()
    # The results are replaced in place (htmx): wait for the other Siming teacher to go.
    expect(page.get_by_role("link", name="陈静")).to_have_count(0)
    row_link = page.get_by_role("link", name="王芳")
    expect(row_link).to_have_count(1)
    assert "q=" in page.url  # the filter is in the address bar, so it can be shared

    # The search also runs 0.5 s after the typing stops: let that answer land before clicking.
    page.wait_for_load_state("networkidle")
    row_link.click()
    page.wait_for_url("**/teachers/*/")
    assert "王芳" in page.locator("h1, .qs-page-title").first.inner_text()
    # The national ID is masked until someone asks to see it.
    full_id = world["teachers"]["b"].national_id
    assert full_id not in page.content()

    page.locator("form.qs-lang button[value=en]").first.click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Employment" in page.content()

    page.goto(page.base_url + "/teachers/?q=王")
    with page.expect_download() as info:
        page.click("#export-link")
    data = info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(data)).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "王芳" in names
    assert full_id not in str(list(sheet.iter_rows(values_only=True)))


def test_school_admin_cannot_open_another_schools_teacher(world, page):
    _login(page, world["users"]["school"].username)
    response = page.goto(page.base_url + f"/teachers/{world['teachers']['b'].pk}/")
    assert response.status == 404


def test_wrong_password_shows_an_error(world, page):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", world["users"]["district"].username)
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert page.url.endswith("/login/")
    assert page.locator(".alert, .invalid-feedback, .errorlist").count() > 0


def test_dashboard_pie_names_every_slice_with_its_count(world, page):
    _login(page, world["users"]["bureau"].username)
    page.wait_for_function(
        "() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-stage'))"
    )
    option = page.evaluate(
        """() => {
          const o = echarts.getInstanceByDom(document.getElementById('chart-stage')).getOption();
          const names = o.series[0].data.map(d => d.name);
          return {legend: names.map(n => o.legend[0].formatter(n)),
                  labels: o.series[0].data.map(d => o.series[0].label.formatter(
                    {percent: 100 * d.value / o.series[0].data.reduce((a, x) => a + x.value, 0)}))};
        }"""
    )
    # Four teachers in the bureau's city: each slice's legend entry carries its count.
    assert option["legend"] and all(entry.split()[-1].isdigit() for entry in option["legend"])
    assert all(label == "" or label.endswith("%") for label in option["labels"])
