"""The pilot office's indicators: pilot regions side by side, computed from the region's own data
with the modules' own selectors where it runs Qiangshi, imported elsewhere, missing otherwise."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.balance.selectors import stage_reports
from qiangshi.ethics.selectors import case_counts
from qiangshi.imports.services import import_file
from qiangshi.pilot import selectors
from qiangshi.pilot.models import PilotRegion
from qiangshi.staffing.selectors import district_staffing
from qiangshi.teachers.selectors import BACHELOR_OR_ABOVE, stats_share, teacher_stats
from qiangshi.training.selectors import cycle_report
from qiangshi.welfare.selectors import parity_report

from .conftest import TEN, YEAR, pilot_xlsx


def _by_code(columns):
    return {c.pilot_region.code: c for c in columns}


def test_the_ten_pilot_regions_of_the_seed_are_there(db):
    assert sorted(PilotRegion.objects.values_list("code", flat=True)) == sorted(TEN)


def test_each_computed_figure_is_the_module_selectors_number(xiamen):
    xm = _by_code(selectors.comparison(actor=xiamen["users"]["pilot"], year=YEAR))["3502"]
    region = xiamen["tree"]["xiamen"]
    assert xm.figures["teachers_per_100_pupils"].origin == selectors.COMPUTED
    # Staffing: full-time teachers × 100 / pupils over the districts' staffing totals.
    totals = [
        district_staffing(actor=None, district=d, year=YEAR).totals
        for d in (xiamen["tree"]["siming"], xiamen["tree"]["huli"])
    ]
    teachers = sum(t["full_time_teachers"] for t in totals)
    pupils = sum(sum(t["students"].values()) for t in totals)
    assert pupils == 200
    assert xm.value("teachers_per_100_pupils") == Decimal(teachers * 100 / pupils).quantize(
        Decimal("0.01")
    )
    # The dashboard's counts.
    stats = teacher_stats(actor=None, region=region)
    assert stats["total"] == 3
    share = stats_share(stats["by_education"], BACHELOR_OR_ABOVE, stats["total"])
    assert xm.value("bachelor_share") == Decimal(str(share)) == Decimal("33.3")
    assert xm.value("senior_title_share") == Decimal("33.3")
    # Training: the cycle report's completion rate (nobody has hours: 0%, computed, not missing).
    cycle = cycle_report(actor=None, on=selectors.year_end(YEAR), region=region)
    assert xm.value("training_completion") == Decimal(cycle.completion_rate * 100).quantize(
        Decimal("0.1")
    )
    # Salary parity: Siming passes (120,000 ≥ 110,000); Huli has no figures (not counted).
    [siming] = [r for r in parity_report(region=region, year=YEAR) if r.result.passed is not None]
    assert siming.result.passed is True
    assert xm.value("parity_districts_passing") == Decimal("100.0")
    assert xm.value("parity_gap") == Decimal("10000")
    # Balance: the stage reports of each district.
    judged = [
        r
        for d in (xiamen["tree"]["siming"], xiamen["tree"]["huli"])
        for r in stage_reports(district=d, year=YEAR).values()
        if r is not None
    ]
    if judged:
        passing = sum(bool(r.passed) for r in judged) * 100 / len(judged)
        assert xm.value("balance_districts_passing") == Decimal(passing).quantize(Decimal("0.1"))
    # Ethics: counts only.
    assert xm.value("ethics_cases") == case_counts(region=region, year=YEAR)["reported"] == 0


def test_missing_stays_missing_never_zero(xiamen):
    columns = _by_code(selectors.comparison(actor=xiamen["users"]["pilot"], year=YEAR))
    xm = columns["3502"]
    # No approved rotation plan, no demands recorded, no talent module yet: missing.
    for key in ("rotation_rate", "rotation_backbone_share", "burden_hours_per_teacher",
                "recruitment_against_plan"):  # fmt: skip
        assert xm.figures[key].value is None and xm.figures[key].origin is None
    # Shanghai sent nothing: every figure is missing.
    assert all(f.value is None for f in columns["31"].figures.values())


def test_imported_figures_say_so_and_fill_what_is_not_computed(xiamen):
    pilot = xiamen["users"]["pilot"]
    data = pilot_xlsx(
        [
            ("31", "上海市", YEAR, "上海市教委年报", 7.25, 91.5, None),
            ("3502", "厦门市", YEAR, "厦门市人才办", 1, 1, 87.5),
        ]
    )
    result = import_file(actor=pilot, kind="pilot-indicators", data=data, filename="p.xlsx")
    assert result.problems == [] and result.committed and result.new == 2
    columns = _by_code(selectors.comparison(actor=pilot, year=YEAR))
    sh = columns["31"].figures
    assert sh["teachers_per_100_pupils"].value == Decimal("7.25")
    assert sh["teachers_per_100_pupils"].origin == selectors.IMPORTED
    assert sh["teachers_per_100_pupils"].source == "上海市教委年报"
    assert sh["teachers_per_100_pupils"].by == pilot.username and sh["bachelor_share"].at
    assert sh["recruitment_against_plan"].value is None  # the empty cell: not sent
    xm = columns["3502"].figures
    # Computed wins where Qiangshi computes it; the import fills recruitment only.
    assert xm["teachers_per_100_pupils"].origin == selectors.COMPUTED
    assert xm["teachers_per_100_pupils"].value != Decimal("1")
    assert xm["recruitment_against_plan"].origin == selectors.IMPORTED
    assert xm["recruitment_against_plan"].value == Decimal("87.5")


@pytest.mark.parametrize(
    "role,status",
    [("pilot", 200), ("bureau", 200), ("admin", 200), ("district", 403), ("school", 403),
     ("teacher", 403), ("reviewer", 403), ("auditor", 403)],
)  # fmt: skip
def test_who_sees_the_comparison(xiamen, client, role, status):
    client.force_login(xiamen["users"][role])
    assert client.get(reverse("web:pilot_indicators") + f"?year={YEAR}").status_code == status


def test_pilot_office_compares_all_ten_and_a_bureau_its_own(xiamen):
    assert len(selectors.comparison(actor=xiamen["users"]["pilot"], year=YEAR)) == 10
    [own] = selectors.comparison(actor=xiamen["users"]["bureau"], year=YEAR)
    assert own.pilot_region.code == "3502"


def test_page_filters_indicators_and_exports(xiamen, client):
    client.force_login(xiamen["users"]["pilot"])
    url = reverse("web:pilot_indicators") + f"?year={YEAR}&k=bachelor_share&k=parity_gap"
    body = client.get(url).content.decode()
    assert "厦门市" in body and "上海市" in body
    assert "本科及以上学历教师占比" in body and "每百名学生专任教师数</a>" not in body
    xlsx = client.get(url + "&format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3  # header + the two indicators chosen
    xm = rows[0].index("厦门市")
    assert rows[1][xm] == 33.3 and rows[1][xm + 1] == "由本地区数据计算"
    sh = rows[0].index("上海市")
    assert rows[1][sh] is None  # missing stays empty, not 0


def test_trend_page_shows_each_region_year_by_year(xiamen, client):
    client.force_login(xiamen["users"]["pilot"])
    response = client.get(reverse("web:pilot_trend", args=["bachelor_share"]) + f"?year={YEAR}")
    assert response.status_code == 200
    chart = response.context["chart"]
    xm = next(s for s in chart["series"] if s["name"] == "厦门市")
    assert chart["years"][-1] == YEAR and xm["data"][-1] == 33.3
    # The registry keeps no past structure: an earlier year's share is missing, not today's.
    assert xm["data"][0] is None
    assert client.get(reverse("web:pilot_trend", args=["nonsense"])).status_code == 404


def test_the_pilot_office_home_is_its_dashboard(xiamen, client):
    client.force_login(xiamen["users"]["pilot"])
    response = client.get(reverse("web:dashboard"))
    assert response.templates[0].name == "web/pilot/home.html"
    assert "嫩江市" in response.content.decode()
