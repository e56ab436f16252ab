"""Training spend against 5% of the public budget: the share and verdict per school, missing
budgets shown as missing with no verdict, the area's figure, the pages and API."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.engines import training_spend as engine
from qiangshi.training import selectors, services

from .conftest import make_programme

YEAR = 2026


def test_engine_verdicts_and_missing_budget():
    five = Decimal("0.05")
    assert engine.spend_status(Decimal(100000), Decimal(5000), five).meets is True
    assert engine.spend_status(Decimal(100000), Decimal("4999.99"), five).meets is False
    missing = engine.spend_status(None, Decimal(5000), five)
    assert missing.share is None and missing.meets is None and missing.required is None
    area = engine.area_status(
        [engine.spend_status(Decimal(100000), Decimal(6000), five), missing], five
    )
    assert area.share == Decimal("0.06") and area.meets is None and area.missing == 1


def test_school_share_and_verdict_against_the_rule_file(world):
    school = world["users"]["school"]
    a = world["schools"]["a"]
    services.training_budget_set(
        actor=school, school_pk=a.pk, year=YEAR, public_budget=Decimal("2000000")
    )
    programme = make_programme(world["users"]["district"])
    services.training_spend_add(
        actor=school, school_pk=a.pk, year=YEAR, amount=Decimal("60000"), programme_pk=programme.pk
    )
    services.training_spend_add(
        actor=school, school_pk=a.pk, year=YEAR, amount=Decimal("30000"), description="外出培训差旅"
    )
    report = selectors.spend_report(actor=school, year=YEAR)
    [row] = report.schools
    assert row.school == a and row.status.spend == Decimal("90000")
    assert row.status.share == Decimal("0.045") and row.status.meets is False
    assert report.minimum == Decimal("0.05")
    services.training_spend_add(
        actor=school,
        school_pk=a.pk,
        year=YEAR,
        amount=Decimal("10000"),
        description="校本研修专家费",
    )
    assert selectors.spend_report(actor=school, year=YEAR).schools[0].status.meets is True


def test_district_shows_missing_budgets_and_gives_no_verdict(world):
    district = world["users"]["district"]
    services.training_budget_set(
        actor=district,
        school_pk=world["schools"]["a"].pk,
        year=YEAR,
        public_budget=Decimal(1000000),
    )
    services.training_spend_add(
        actor=district, school_pk=world["schools"]["a"].pk, year=YEAR, amount=Decimal(80000),
        description="全年培训支出",
    )  # fmt: skip
    report = selectors.spend_report(actor=district, year=YEAR)
    by_school = {r.school.pk: r.status for r in report.schools}
    assert set(by_school) == {world["schools"]["a"].pk, world["schools"]["b"].pk}
    b = by_school[world["schools"]["b"].pk]
    assert b.budget is None and b.meets is None
    assert report.area.share == Decimal("0.08") and report.area.meets is None
    assert report.area.missing == 1


def test_refusals_and_scope(world):
    with pytest.raises(PermissionDenied):
        services.training_budget_set(
            actor=world["users"]["teacher"], school_pk=world["schools"]["a"].pk, year=YEAR,
            public_budget=Decimal(1),
        )  # fmt: skip
    with pytest.raises(NotFound):
        services.training_budget_set(
            actor=world["users"]["school"], school_pk=world["schools"]["b"].pk, year=YEAR,
            public_budget=Decimal(1),
        )  # fmt: skip
    for bad in (Decimal(0), Decimal("-5"), Decimal("1.001")):
        with pytest.raises(ApplicationError):
            services.training_budget_set(
                actor=world["users"]["school"], school_pk=world["schools"]["a"].pk, year=YEAR,
                public_budget=bad,
            )  # fmt: skip
    with pytest.raises(ApplicationError):  # neither a programme nor a description
        services.training_spend_add(
            actor=world["users"]["school"], school_pk=world["schools"]["a"].pk, year=YEAR,
            amount=Decimal(10),
        )  # fmt: skip


def test_spend_pages_and_export(world, client):
    client.force_login(world["users"]["school"])
    a = world["schools"]["a"]
    url = reverse("web:training_spend_school", args=[a.pk])
    body = client.get(url + f"?year={YEAR}").content.decode()
    assert 'id="budget"' in body and "budget-save" in body
    client.post(url, {"what": "budget", "year": YEAR, "public_budget": "1000000"})
    client.post(url, {"what": "spend", "year": YEAR, "amount": "40000", "description": "培训费"})
    body = client.get(url + f"?year={YEAR}").content.decode()
    assert "4.00%" in body
    client.force_login(world["users"]["district"])
    r = client.get(reverse("web:training_spend") + f"?year={YEAR}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    shares = {row[1]: row[5] for row in rows[1:]}
    assert shares == {a.name: "4.00%", world["schools"]["b"].name: "—"}


def test_spend_api(world, api_as):
    a = world["schools"]["a"].pk
    r = api_as("school").put(
        f"/api/training/schools/{a}/budget", {"year": YEAR, "public_budget": "500000"}
    )
    assert r.status_code == 200, r.json()
    r = api_as("school").post(
        f"/api/training/schools/{a}/spend", {"year": YEAR, "amount": "30000", "description": "培训"}
    )
    assert r.status_code == 201
    body = api_as("district").get("/api/training/spend", {"year": YEAR}).json()
    assert body["count"] == 2 and body["area"]["schools_without_budget"] == 1
    assert body["area"]["meets"] is None
    items = {i["school_id"]: i for i in body["items"]}
    assert items[a]["share"] == 0.06 and items[a]["meets"] is True
    assert api_as("teacher").get("/api/training/spend", {"year": YEAR}).status_code == 403
