"""Private (民办) schools get no staffing quota, vacancy or shortfall (POLICY.md §2): they stay
out of the quotas, the totals, the pool and the forecast, and their staff-to-student ratio is
shown apart. On the Siming district of conftest.py plus a private primary school Y of 600
pupils with 3 staff (2 contract teachers, 1 administrator): 600 / 3 = 1 : 200.0."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access.services import api_token_create
from qiangshi.core.errors import ApplicationError
from qiangshi.staffing.selectors import (
    district_forecast,
    district_staffing,
    quota_pool,
    school_staffing,
)
from qiangshi.staffing.services import quota_allocate
from tests import factories
from tests.api.conftest import ApiClient

from .conftest import ON, YEAR, enroll, staff


@pytest.fixture
def private(district, admin_user):
    y = factories.school(district["siming"], "厦门东孚英才学校", code="Y", ownership="private")
    enroll(y, {g: 100 for g in range(1, 7)}, YEAR)
    staff(admin_user, y, kind="contract")
    staff(admin_user, y, kind="contract", subject="mathematics")
    staff(admin_user, y, kind="contract", subject="", post="administration", full_time=False)
    return y


def test_a_private_school_gets_no_quota_and_stays_out_of_the_totals(district, private):
    report = district_staffing(actor=None, district="350203", year=YEAR, on=ON)
    assert "Y" not in {r.code for r in report.schools}
    t = report.totals
    # Exactly the public district of conftest.py: 4 schools, quota 104, vacancies 96.
    assert (t["schools"], t["quota"], t["vacancies"], t["net"]) == (4, 104, 96, 95)
    assert t["students"]["primary"] == 1550  # Y's 600 pupils are not in the quota totals
    (y,) = report.private_schools
    assert (y.code, y.students_total, y.teachers, y.non_teaching, y.staff) == ("Y", 600, 2, 1, 3)
    assert y.students_per_staff == pytest.approx(200.0)
    assert y.students_per_full_time_teacher == pytest.approx(300.0)
    assert report.private_totals["students_per_staff"] == 200.0
    assert "quota" not in y.as_dict() and "vacancies" not in y.as_dict()


def test_a_private_school_is_outside_the_pool_and_gets_no_allocation(district, private, tree):
    pool = quota_pool(district["siming"], YEAR, on=ON)
    assert private.pk not in pool["schools"] and pool["pool"] == 104
    office = factories.user("district", region=tree["siming"])
    with pytest.raises(ApplicationError):
        quota_allocate(
            actor=office,
            district=district["siming"],
            year=YEAR,
            moves=[{"from_school": None, "to_school": private.pk, "amount": 1}],
        )
    with pytest.raises(ApplicationError):
        school_staffing(schools=[private], year=YEAR, on=ON)


def test_the_forecast_counts_public_schools_only(district, private):
    plan = district_forecast(actor=None, district="350203", years=1, year=YEAR, on=ON)
    # Y's two full-time teachers are not supply and its pupils not demand: private schools
    # recruit their own teachers. Were Y public, both would count.
    private.ownership = "public"
    private.save()
    public = district_forecast(actor=None, district="350203", years=1, year=YEAR, on=ON)
    assert public.teachers == plan.teachers + 2
    # Y's grades 2–6 of 2026 continue its 100-pupil cohorts (no survival history: ratio 1).
    assert public.enrollment[2026]["primary"] - plan.enrollment[2026]["primary"] >= 500


@pytest.fixture
def en_client(client):
    client.cookies["django_language"] = "en"
    return client


def test_pages_show_the_private_ratio_apart_and_no_vacancy(district, private, tree, en_client):
    office = factories.user("district", region=tree["siming"])
    en_client.force_login(office)
    url = reverse("web:staffing_district", args=[district["siming"].pk]) + f"?year={YEAR}"
    r = en_client.get(url)
    body = r.content.decode()
    assert 'id="private-table"' in body and "1 : 200.0" in body
    school_table = body[body.index('id="school-table"') : body.index('id="private-table"')]
    assert 'data-school="Y"' not in school_table
    assert r.context["totals"]["quota"] == 104
    card = en_client.get(
        reverse("web:staffing_school", args=[private.pk]) + f"?year={YEAR}"
    ).content.decode()
    assert 'id="private-card"' in card and "1 : 200.0" in card
    assert 'id="school-gap"' not in card and "Vacancies" not in card
    posts = en_client.get(reverse("web:staffing_school_posts", args=[private.pk]))
    assert posts.status_code == 200 and "no staffing quota" in posts.content.decode()
    export = en_client.get(
        reverse("web:staffing_district_export", args=[district["siming"].pk]) + f"?year={YEAR}"
    )
    book = load_workbook(io.BytesIO(export.content), read_only=True)
    rows = list(book["Private schools ratio"].iter_rows(values_only=True))
    assert rows[1][0] == "Y" and rows[1][-2] == 200.0
    schools = [row[0] for row in book["School quotas and staff"].iter_rows(values_only=True)]
    assert "Y" not in schools
    school_export = en_client.get(
        reverse("web:staffing_school_export", args=[private.pk]) + f"?year={YEAR}"
    )
    lines = dict(
        row[:2]
        for row in load_workbook(io.BytesIO(school_export.content)).active.iter_rows(
            values_only=True
        )
    )
    assert lines["Staff to students"] == "1 : 200.0" and "Vacancies" not in lines


def test_command_and_api_report_the_private_school_apart(district, private, tree):
    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "1",
        "--on", ON.isoformat(), "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert [s["school_code"] for s in data["private_schools"]] == ["Y"]
    assert "Y" not in {s["school_code"] for s in data["schools"]}
    assert data["totals"]["quota"] == 104
    out = io.StringIO()
    call_command(
        "staffing", "report", "--district", "350203", "--year", str(YEAR), "--years", "1",
        "--on", ON.isoformat(), stdout=out,
    )  # fmt: skip
    assert "Private schools (no quota" in out.getvalue() and "1 : 200.0" in out.getvalue()
    _, key = api_token_create(actor=factories.user("district", region=tree["siming"]), name="t")
    r = ApiClient(key).get(f"/api/staffing/schools/{private.pk}/posts", {"year": YEAR})
    assert r.status_code == 400
