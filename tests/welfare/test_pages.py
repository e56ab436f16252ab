"""Welfare pages: who may open them, the parity region page (failing districts flagged, names
not codes, the trend, xlsx), the form, and the burden pages' writes."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.welfare.models import AnonymousReport, BurdenArrival, EntryRequest, WageFigure

from .conftest import HULI, SIMING, wages_xlsx

PAGES = ["welfare_parity", "welfare_burden", "welfare_lists", "welfare_requests",
         "welfare_arrivals", "welfare_report", "welfare_reports"]  # fmt: skip
ALLOWED = {
    "teacher": {"welfare_report"},
    "reviewer": set(),
    "pilot": {"welfare_parity"},
    "auditor": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_other_roles_get_only_their_pages(world, client, role):
    client.force_login(world["users"][role])
    answers = {name: client.get(reverse(f"web:{name}")).status_code for name in PAGES}
    assert answers == {n: 200 if n in ALLOWED[role] else 403 for n in PAGES}
    home = client.get(reverse("web:welfare_home"))
    assert home.status_code == (302 if ALLOWED[role] else 403)


def _load(world):
    import_file(actor=world["users"]["bureau"], kind="wages", data=wages_xlsx([SIMING, HULI]),
                filename="w.xlsx")  # fmt: skip


def test_region_page_flags_failing_districts_by_name(world, client):
    _load(world)
    client.force_login(world["users"]["bureau"])
    body = client.get(reverse("web:welfare_parity") + "?year=2024").content.decode()
    assert 'id="parity-failing"' in body and "湖里区" in body and "年终奖励" in body
    assert "year_end_incentive" not in body and "parity-trend-data" in body
    client.cookies["django_language"] = "en"
    body = client.get(reverse("web:welfare_parity") + "?year=2024").content.decode()
    assert "Huli" in body and "Year-end incentives" in body and "年终奖励" not in body


def test_parity_export_has_the_districts_and_is_audited(world, client):
    _load(world)
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:welfare_parity") + "?year=2024&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["思明区"]  # the Siming office sees Siming only
    assert rows[1][5] == 2000 and rows[1][6] == "达标"
    assert AuditLog.objects.filter(action="welfare.parity_export").exists()


def test_district_page_outside_the_area_is_404(world, client):
    client.force_login(world["users"]["district"])
    huli = world["tree"]["huli"].pk
    assert client.get(reverse("web:welfare_parity_district", args=[huli])).status_code == 404
    assert client.get(reverse("web:welfare_parity_edit", args=[huli])).status_code == 404


def test_the_form_saves_every_component_or_nothing(world, client):
    client.force_login(world["users"]["district"])
    url = reverse("web:welfare_parity_edit", args=[world["tree"]["siming"].pk])
    data = {"year": "2023"}
    for group in ("teacher", "civil_servant"):
        for c in ("basic_pay", "allowances", "performance_pay", "year_end_incentive"):
            data[f"{group}__{c}"] = "30000"
    missing = {k: v for k, v in data.items() if k != "teacher__allowances"}
    assert client.post(url, missing).status_code == 200 and WageFigure.objects.count() == 0
    assert client.post(url, data).status_code == 302 and WageFigure.objects.count() == 8
    page = client.get(reverse("web:welfare_parity_district", args=[world["tree"]["siming"].pk]))
    assert "达标" in page.content.decode()


def test_burden_flow_through_the_pages(world, client):
    bureau, school, teacher = (world["users"][k] for k in ("bureau", "school", "teacher"))
    start = timezone.localdate() + timedelta(days=40)
    client.force_login(bureau)
    r = client.post(reverse("web:welfare_lists"), {"year": start.year, "kind": "activity",
                    "title": "科普进校园", "requester": "市科协", "purpose": ""})  # fmt: skip
    assert r.status_code == 302
    from qiangshi.welfare.models import BurdenListItem

    item = BurdenListItem.objects.get()
    form = {"kind": "activity", "list_item": item.pk, "title": "科普讲座", "requester": "市科协",
            "schools": [world["schools"]["a"].pk], "start_date": start, "end_date": start,
            "hours": "2", "announced_on": timezone.localdate()}  # fmt: skip
    assert client.post(reverse("web:welfare_requests"), form).status_code == 302
    req = EntryRequest.objects.get()
    assert req.status == "pending"
    page = client.get(reverse("web:welfare_requests")).content.decode()
    assert "科普讲座" in page and "思明第一小学" in page
    client.post(reverse("web:welfare_request_decide", args=[req.pk]), {"decision": "approve"})
    assert EntryRequest.objects.get().status == "approved"
    late = {**form, "list_item": "", "announced_on": start - timedelta(days=3)}
    client.post(reverse("web:welfare_requests"), late)
    refused = EntryRequest.objects.exclude(pk=req.pk).get()
    assert refused.status == "refused"
    page = client.get(reverse("web:welfare_requests") + "?status=refused").content.decode()
    assert "不在本年度" in page

    client.force_login(school)
    arrival = {"school": world["schools"]["a"].pk, "request": "", "kind": "inspection",
               "title": "台账检查", "requester": "某局", "on": timezone.localdate(), "hours": "3",
               "teachers_involved": "4", "paper_trail": "on"}  # fmt: skip
    assert client.post(reverse("web:welfare_arrivals"), arrival).status_code == 302
    assert BurdenArrival.objects.get().request_id is None

    client.force_login(teacher)
    sent = client.post(reverse("web:welfare_report"),
                       {"kind": "activity", "requester": "某协会", "description": "问卷"})  # fmt: skip
    assert sent.status_code == 302 and AnonymousReport.objects.count() == 1

    client.force_login(bureau)
    burden = client.get(reverse("web:welfare_burden")).content.decode()
    assert "台账检查" in burden and "思明第一小学" in burden  # unapproved, seen by the bureau
    assert "问卷" in client.get(reverse("web:welfare_reports")).content.decode()
    xlsx = client.get(reverse("web:welfare_arrivals") + "?format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert rows[1][4] == "台账检查" and rows[1][8] == "否"


def test_the_import_page_offers_the_wages_template_and_takes_the_return(world, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qiangshi.imports.models import ImportJob

    client.force_login(world["users"]["bureau"])
    page = client.get(reverse("web:import_list") + "?kind=wages").content.decode()
    assert '<option value="wages" selected>' in page
    template = client.get(reverse("web:import_template", args=["wages"]))
    assert template.status_code == 200
    header = next(load_workbook(io.BytesIO(template.content)).active.iter_rows(values_only=True))
    assert "教师年终奖励" in header and "公务员基本工资" in header
    response = client.post(
        reverse("web:import_list"),
        {"kind": "wages", "file": SimpleUploadedFile("w.xlsx", wages_xlsx([SIMING, HULI]))},
    )
    assert response.status_code in (200, 302)
    job = ImportJob.objects.get(kind="wages")
    assert job.status in ("committed", "validated"), (job.status, job.errors, job.message)
    if job.status == "validated":
        client.post(reverse("web:import_commit", args=[job.pk]))
    assert WageFigure.objects.count() == 16
