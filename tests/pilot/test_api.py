"""The pilot office's API: what its pages show, from the same selectors, so that the API and the
page give the same number; for the pilot office and the administrator only."""

import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from qiangshi.access.models import Role
from qiangshi.imports.services import import_file
from qiangshi.pilot import report, selectors, services

from .conftest import YEAR, pilot_xlsx

ROLES = [r.value for r in Role]
OFFICE = {"pilot", "admin"}
ENDPOINTS = [
    "/api/pilot/regions",
    "/api/pilot/indicators",
    f"/api/pilot/comparison?year={YEAR}",
    "/api/pilot/modules/structure",
    "/api/pilot/trend/bachelor_share",
    "/api/pilot/regions/3502/report",
    "/api/pilot/reports",
]


@pytest.fixture
def shanghai(xiamen):
    """Xiamen running here; Shanghai's figures imported by the pilot office."""
    data = pilot_xlsx([("31", "上海市", YEAR, "上海市教委年报", 7.25, 91.5, None)])
    result = import_file(
        actor=xiamen["users"]["pilot"], kind="pilot-indicators", data=data, filename="p.xlsx"
    )
    assert result.committed
    return xiamen


def _page_cells(response) -> dict[tuple[str, str], str | None]:
    """{(region code, indicator key): the text of the page's cell (None: missing)}."""
    columns = response.context["columns"]
    return {
        (c.pilot_region.code, ind.key): None if cell["missing"] else cell["text"]
        for ind, cells in response.context["rows"]
        for c, cell in zip(columns, cells, strict=True)
    }


def _api_cells(body) -> dict[tuple[str, str], str | None]:
    return {
        (region["code"], key): figure["text"]
        for region in body["regions"]
        for key, figure in region["figures"].items()
    }


@pytest.mark.parametrize("role", ROLES)
def test_only_the_pilot_office_and_the_administrator_may_read_it(xiamen, api_as, role):
    api = api_as(role)
    expected = 200 if role in OFFICE else 403
    assert {url: api.get(url).status_code for url in ENDPOINTS} == dict.fromkeys(
        ENDPOINTS, expected
    )


def test_the_comparison_is_the_pages_figure_for_figure(shanghai, client, api_as):
    client.force_login(shanghai["users"]["pilot"])
    page = client.get(reverse("web:pilot_indicators") + f"?year={YEAR}")
    body = api_as("pilot").get("/api/pilot/comparison", {"year": YEAR}).json()

    cells = _page_cells(page)
    assert _api_cells(body) == cells
    assert cells[("3502", "bachelor_share")] == "33.3"  # computed here
    assert cells[("31", "teachers_per_100_pupils")] == "7.25"  # imported
    assert cells[("31", "recruitment_against_plan")] is None  # missing, not 0
    shanghai_figure = next(r for r in body["regions"] if r["code"] == "31")["figures"]
    assert shanghai_figure["teachers_per_100_pupils"]["origin"] == "imported"
    assert shanghai_figure["teachers_per_100_pupils"]["source"] == "上海市教委年报"


def test_the_comparison_narrows_to_the_indicators_asked_for_as_the_page_does(
    shanghai, client, api_as
):
    client.force_login(shanghai["users"]["pilot"])
    query = f"?year={YEAR}&k=bachelor_share&k=parity_gap"
    page = client.get(reverse("web:pilot_indicators") + query)
    body = api_as("pilot").get("/api/pilot/comparison" + query).json()

    assert [i["key"] for i in body["indicators"]] == ["bachelor_share", "parity_gap"]
    assert _api_cells(body) == _page_cells(page)


def test_an_unknown_indicator_answers_422_and_an_unknown_module_404(xiamen, api_as):
    api = api_as("pilot")
    refused = api.get("/api/pilot/comparison", {"k": "nonsense"})
    assert refused.status_code == 422 and "k" in refused.json()["fields"]
    assert api.get("/api/pilot/modules/nonsense").status_code == 404
    assert api.get("/api/pilot/trend/nonsense").status_code == 404
    assert api.get("/api/pilot/regions/9999/report").status_code == 404


def test_each_module_gives_its_own_indicators_as_the_page_narrowed_to_them(
    shanghai, client, api_as
):
    client.force_login(shanghai["users"]["pilot"])
    api = api_as("pilot")
    listed = api.get("/api/pilot/indicators").json()
    modules = {m["module"]: [i["key"] for i in m["indicators"]] for m in listed["modules"]}
    assert set(modules) == {i.group for i in selectors.indicators()}
    assert modules["structure"] == ["bachelor_share", "postgraduate_share", "senior_title_share"]
    for module, keys in modules.items():
        body = api.get(f"/api/pilot/modules/{module}", {"year": YEAR}).json()
        page = client.get(reverse("web:pilot_indicators"), {"year": YEAR, "k": keys})
        assert [i["key"] for i in body["indicators"]] == keys
        assert _api_cells(body) == _page_cells(page), module


def test_the_regions_are_the_home_pages_cards(shanghai, client, api_as):
    client.force_login(shanghai["users"]["pilot"])
    cards = client.get(reverse("web:dashboard")).context["cards"]
    body = api_as("pilot").get("/api/pilot/regions").json()

    assert body["year"] == selectors.default_year()
    assert [(r["code"], r["known"], r["total"]) for r in body["regions"]] == [
        (c.pilot_region.code, c.known, c.total) for c in cards
    ]
    known = {r["code"]: r["known"] for r in body["regions"]}
    assert known["31"] == 2 and known["3502"] > 2 and known["63"] == 0


def test_the_trend_is_the_trend_pages(shanghai, client, api_as):
    client.force_login(shanghai["users"]["pilot"])
    url = reverse("web:pilot_trend", args=["bachelor_share"])
    page = client.get(url, {"year": YEAR})
    body = api_as("pilot").get("/api/pilot/trend/bachelor_share", {"year": YEAR}).json()

    assert body["years"] == page.context["years"]
    page_rows = {
        p.code: [None if cell["missing"] else cell["text"] for cell in cells]
        for p, cells in page.context["rows"]
    }
    assert {r["code"]: [f["text"] for f in r["figures"]] for r in body["regions"]} == page_rows
    assert page_rows["3502"][-1] == "33.3" and page_rows["3502"][0] is None


def _cells(rows: list[dict]) -> list[list]:
    """The rows as a sheet stores them (an empty text is an empty cell)."""
    return [[None if v == "" else v for v in row.values()] for row in rows]


def test_the_report_data_is_what_the_report_file_prints(shanghai, api_as):
    body = api_as("pilot").get("/api/pilot/regions/3502/report", {"year": YEAR}).json()
    _region, content = services.pilot_report_sync(code="3502", year=YEAR, fmt="xlsx")
    book = load_workbook(io.BytesIO(content))

    def sheet(title: str) -> list[list]:
        with translation.override("zh-hans"):
            rows = book[translation.gettext(title)].iter_rows(min_row=2, values_only=True)
        return [list(r) for r in rows]

    values = {row[0]: row[2] for row in sheet("Indicators")}
    assert {k: f["value"] for k, f in body["figures"].items()} == values
    assert _cells(body["balance"]) == sheet("Balance")
    assert _cells(body["parity"]) == sheet("Salary parity")
    assert [[f["module"], f["figures"]] for f in body["facts"]] == sheet("Behind the figures")
    assert body["balance"] and body["parity"] and body["facts"]
    assert body["figures"]["bachelor_share"]["text"] == "33.3"


def test_the_report_data_of_an_imported_region_says_where_each_figure_comes_from(shanghai, api_as):
    body = api_as("admin").get("/api/pilot/regions/31/report", {"year": YEAR}).json()
    figure = body["figures"]["teachers_per_100_pupils"]
    assert (figure["value"], figure["origin"]) == (7.25, "imported")
    assert body["balance"] == [] and body["parity"] == [] and body["facts"] == []


def test_the_kept_reports_with_their_progress_and_download(xiamen, api_as):
    job = services.pilot_report_start(
        actor=xiamen["users"]["pilot"], code="31", year=YEAR, fmt="xlsx"
    )
    api = api_as("pilot")
    listed = api.get("/api/pilot/reports").json()
    one = api.get(f"/api/pilot/reports/{job.pk}").json()

    assert listed["count"] == 1 and listed["items"] == [one]
    assert (one["region"]["code"], one["year"], one["format"]) == ("31", YEAR, "xlsx")
    assert (one["status"], one["percent"]) == ("done", 100)  # written within the request here
    assert one["file_name"] == report.file_name(job.pilot_region, YEAR, "xlsx")
    assert one["download"] == reverse("web:pilot_report_download", args=[job.pk])
    assert api.get(f"/api/pilot/reports/{job.pk + 1}").status_code == 404
