"""The two gaps, one name and one definition each, on the Siming district of conftest.py:
the quota shortfall (编制缺口 = quota − established staff) and the curriculum gap (师资缺口 =
curriculum demand in full-time equivalents − full-time teachers), each from one selector and
shown the same on the staffing and the forecast pages."""

import re

import pytest
from django.urls import reverse

from qiangshi.staffing.selectors import (
    curriculum_gap,
    district_forecast,
    district_staffing,
    gap_comparison,
    quota_shortfall,
)
from tests import factories

from .conftest import ON, YEAR


def test_quota_shortfall_is_quota_minus_established_staff(district):
    q = quota_shortfall(actor=None, district="350203", year=YEAR, on=ON)
    # Quota 104 (P 50, N 52, J 2, E 0) against 9 established staff: 95 posts to fill; school
    # by school 96 vacant posts and 1 overstaffed (J: 3 on 2).
    assert (q.quota, q.established, q.value) == (104, 9, 95)
    assert (q.vacancies, q.overstaffing) == (96, 1)
    report = district_staffing(actor=None, district="350203", year=YEAR, on=ON)
    assert quota_shortfall(actor=None, district="350203", year=YEAR, report=report) == q


def test_curriculum_gap_is_curriculum_demand_minus_full_time_teachers(district):
    c = curriculum_gap(actor=None, district="350203", year=YEAR, on=ON)
    # Demand of school year 2025 from the latest enrollment up to 2025 (the shared "other"
    # periods spread, the total unchanged): primary 7 class sets (P 4, N 3 a grade) × 172
    # periods a week / 15 = 80.267; junior 9 classes (N 2, J 1 in each of grades 7–9) × 34 / 13
    # = 23.538. Supply: the 8 full-time teachers on roll (P 3, N 3, J 2), any employment type.
    assert c.demand == pytest.approx(7 * 172 / 15 + 9 * 34 / 13)
    assert c.supply == 8
    assert c.value == pytest.approx(7 * 172 / 15 + 9 * 34 / 13 - 8)
    assert c.recruit >= round(c.value)  # surpluses in one subject fill no gap in another
    # The forecast of any length from the same base year gives the same figure.
    plan = district_forecast(actor=None, district="350203", years=5, year=YEAR, on=ON)
    assert curriculum_gap(actor=None, district="350203", year=YEAR, plan=plan) == c


def _section(body: str) -> str:
    start = body.index('id="gap-comparison"')
    return body[start : body.index("</section>", start)]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_staffing_and_forecast_pages_show_the_same_two_figures(district, tree, client, language):
    client.cookies["django_language"] = language
    client.force_login(factories.user("district", region=tree["siming"]))
    staffing = client.get(
        reverse("web:staffing_district", args=[district["siming"].pk]) + f"?year={YEAR}"
    )
    forecast = client.get(
        reverse("web:staffing_forecast", args=[district["siming"].pk]) + f"?year={YEAR}&years=3"
    )
    expected = gap_comparison(actor=None, district="350203", year=YEAR)
    for page in (staffing, forecast):
        gaps = page.context["gaps"]
        assert gaps["quota_shortfall"] == expected.quota_shortfall
        assert gaps["curriculum_gap"] == expected.curriculum_gap
    a, b = _section(staffing.content.decode()), _section(forecast.content.decode())
    assert a == b  # the same names, definitions, values and reason, word for word
    assert 'data-value="95"' in a and "+95" in a
    assert f'data-value="{round(expected.curriculum_gap.value, 1)}"' in a
    assert f"+{expected.curriculum_gap.value:.1f}" in a
    assert 'id="gap-reason"' in a
    if language == "en":
        assert "Quota shortfall" in a and "Curriculum gap" in a
        assert "= quota − established staff (posts)" in a
    else:
        assert "编制缺口" in a and "师资缺口" in a
        # one name per figure: the staffing table's column is the quota shortfall too
        body = staffing.content.decode()
        table = body[body.index('id="school-table"') :]
        assert re.search(r"<th[^>]*>编制缺口</th>", table)


def test_the_command_reports_both_figures_with_their_definitions(district):
    import io
    import json

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "2",
        "--on", ON.isoformat(), "--format", "json", stdout=out,
    )  # fmt: skip
    gaps = json.loads(out.getvalue())["gaps"]
    expected = gap_comparison(actor=None, district="350203", year=YEAR, on=ON)
    assert gaps["quota_shortfall"]["value"] == expected.quota_shortfall.value == 95
    assert gaps["curriculum_gap"]["value"] == pytest.approx(expected.curriculum_gap.value)
    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "2",
        "--on", ON.isoformat(), stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "quota shortfall (编制缺口, quota − established staff) +95" in text
    assert "curriculum gap (师资缺口, curriculum demand − full-time teachers, FTE) " in text
