"""In a real browser: the Content-Security-Policy blocks nothing the pages need (charts draw,
confirm dialogs ask, htmx filters), and a search by national ID never reaches the address bar."""

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, username):
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda exc: violations.append(f"error: {exc}"))
    return violations


def test_dashboard_charts_draw_under_the_policy(world, page):
    violations = _watch_csp(page)
    _login(page, world["users"]["bureau"].username)
    # ECharts draws into a canvas inside each chart element.
    expect(page.locator("#chart-stage canvas")).to_have_count(1)
    expect(page.locator("#chart-pyramid canvas")).to_have_count(1)
    assert violations == []


def test_confirm_dialogs_still_ask(world, page):
    violations = _watch_csp(page)
    _login(page, world["users"]["district"].username)
    page.goto(page.base_url + "/account/tokens/")
    page.fill("input[name=name]", "script")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator("#new-token-key")).to_have_count(1)

    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#token-table form button[type=submit]").first.click()
    page.wait_for_timeout(300)
    assert asked and "script" in asked[0]
    expect(page.locator("#token-table .badge.text-bg-success")).to_have_count(1)  # not revoked
    assert violations == []


def test_an_id_search_never_enters_the_address_bar(world, page):
    violations = _watch_csp(page)
    _login(page, world["users"]["district"].username)
    number = world["teachers"]["b"].national_id
    page.goto(page.base_url + "/teachers/")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.fill("input[name=q]", number)
    page.locator("#teacher-filters button[type=submit]").click()
    expect(page.get_by_role("link", name="陈静")).to_have_count(0)
    expect(page.get_by_role("link", name="王芳")).to_have_count(1)
    page.wait_for_function("() => location.search.includes('qt=')")
    assert number not in page.url
    assert all(number not in url for url in urls)
    # Reload: the token brings the same result back.
    page.reload()
    expect(page.get_by_role("link", name="王芳")).to_have_count(1)
    expect(page.get_by_role("link", name="陈静")).to_have_count(0)
    # htmx keeps no snapshot of the page (whose search box now holds the number) in the
    # browser's storage when another step pushes an address (sorting).
    page.locator("#teacher-results thead a").first.click()
    page.wait_for_function("() => location.search.includes('sort=')")
    assert number not in page.url
    stored = page.evaluate("() => JSON.stringify([localStorage, sessionStorage])")
    assert number not in stored
    assert violations == []
