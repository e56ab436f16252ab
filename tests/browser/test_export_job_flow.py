"""A large export in a real browser: the button opens the job's page, which offers the file."""

import io

import pytest
from openpyxl import load_workbook

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_large_export_opens_its_job_page_and_downloads_from_there(world, page, settings):
    settings.QIANGSHI_EXPORT_INLINE_MAX = 1
    bureau = world["users"]["bureau"]
    page.goto(page.base_url + "/login/")
    page.fill("input[name=username]", bureau.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(page.base_url + "/")

    page.goto(page.base_url + "/teachers/")
    page.click("#export-link")
    page.wait_for_url("**/exports/*/")
    assert "可以下载" in page.content()
    with page.expect_download() as info:
        page.click("#export-download")
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    names = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"王芳", "陈静"} <= names

    page.goto(page.base_url + "/exports/")
    assert page.locator("#export-table tbody tr").count() == 1
