"""Staffing pages on the Siming district of tests/staffing/conftest.py (P 50, N 52, J 2, E 0;
pool 104): region, district (with the quota move form), school card, forecast, exports."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.models import AuditLog
from qiangshi.staffing.models import QuotaAllocation
from tests import factories
from tests.staffing.conftest import YEAR, district  # noqa: F401  (the fixture)


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def users(district, tree):  # noqa: F811
    return {
        "bureau": factories.user("bureau", region=tree["xiamen"]),
        "district": factories.user("district", region=tree["siming"]),
        "other_district": factories.user("district", region=tree["huli"]),
        "pilot": factories.user("pilot"),
        "teacher": factories.user("teacher"),
    }


def urls(district):  # noqa: F811
    s, p = district["siming"].pk, district["p"].pk
    return {
        "region": reverse("web:staffing_region") + f"?year={YEAR}",
        "district": reverse("web:staffing_district", args=[s]) + f"?year={YEAR}",
        "district_export": reverse("web:staffing_district_export", args=[s]) + f"?year={YEAR}",
        "school": reverse("web:staffing_school", args=[p]) + f"?year={YEAR}",
        "school_export": reverse("web:staffing_school_export", args=[p]) + f"?year={YEAR}",
        "forecast": reverse("web:staffing_forecast", args=[s]) + f"?year={YEAR}&years=3",
        "forecast_export": reverse("web:staffing_forecast_export", args=[s])
        + f"?year={YEAR}&years=3",
    }


@pytest.mark.parametrize("role", ["bureau", "district"])
def test_pages_render_for_offices(client, district, users, role):  # noqa: F811
    client.force_login(users[role])
    u = urls(district)
    r = client.get(u["region"])
    assert r.status_code == 200
    assert r.context["rows"][0]["quota"] == 104
    assert "Siming" in r.content.decode() or district["siming"].name in r.content.decode()
    r = client.get(u["district"])
    assert r.status_code == 200
    body = r.content.decode()
    assert 'id="school-table"' in body and "echarts.min.js" in body and 'id="quota-move"' in body
    rows = {row["school_code"]: row for row in r.context["rows"]}
    assert rows["J"]["net_class"] == "table-danger" and rows["P"]["net_class"] == "table-warning"
    r = client.get(u["school"])
    assert r.status_code == 200
    assert r.context["row"].quota.total == 50 and 'id="on-roll"' in r.content.decode()
    r = client.get(u["forecast"])
    assert r.status_code == 200
    assert r.context["plan"].years == (2026, 2027, 2028)
    assert 'id="forecast-chart"' in r.content.decode()
    for key in ("district_export", "school_export", "forecast_export"):
        r = client.get(u[key])
        assert r.status_code == 200, key
        assert r["Content-Type"].startswith("application/vnd.openxmlformats")
        load_workbook(io.BytesIO(r.content))
    nav = client.get(u["region"]).context["nav_links"]
    assert any(link["url_name"] == "web:staffing_region" for link in nav)


def test_outside_scope_is_404_and_teacher_is_403(client, district, users):  # noqa: F811
    u = urls(district)
    client.force_login(users["other_district"])
    for key in ("district", "school", "forecast", "district_export", "forecast_export"):
        assert client.get(u[key]).status_code == 404, key
    assert client.get(u["region"]).context["rows"][0]["district"] == district["huli"]
    client.force_login(users["teacher"])
    for key in u:
        assert client.get(u[key]).status_code == 403, key
    nav = client.get(reverse("web:dashboard")).context["nav_links"]
    assert not any(link["url_name"] == "web:staffing_region" for link in nav)


def test_move_quota_from_the_page(client, district, users):  # noqa: F811
    client.force_login(users["district"])
    u = urls(district)
    p, n = district["p"], district["n"]
    r = client.post(
        u["district"],
        {"from_school": p.pk, "to_school": "reserve", "amount": 4, "confirm": "on"},
    )
    assert r.status_code == 302
    assert QuotaAllocation.objects.get(school=p).quota == 46
    r = client.get(u["district"])
    assert r.context["pool"]["reserve"] == 4
    assert "4 in the district reserve" in r.content.decode()
    assert AuditLog.objects.filter(action="staffing.quota_allocate").count() == 1
    # Above the pool: refused, shown, nothing changes.
    r = client.post(
        u["district"], {"from_school": "reserve", "to_school": n.pk, "amount": 5, "confirm": "on"}
    )
    assert r.status_code == 400
    assert "exceed the district" in r.content.decode()
    assert QuotaAllocation.objects.get(school=n).quota == 52
    # Without the confirmation: refused.
    r = client.post(u["district"], {"from_school": p.pk, "to_school": n.pk, "amount": 1})
    assert r.status_code == 400
    assert QuotaAllocation.objects.get(school=p).quota == 46


def test_pilot_sees_but_cannot_move(client, district, users):  # noqa: F811
    client.force_login(users["pilot"])
    u = urls(district)
    r = client.get(u["district"])
    assert r.status_code == 200 and r.context["form"] is None
    r = client.post(
        u["district"], {"from_school": "reserve", "to_school": district["p"].pk, "amount": 1}
    )
    assert r.status_code == 403
