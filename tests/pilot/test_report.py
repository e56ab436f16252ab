"""The periodic report of a pilot region: PDF and xlsx with the indicators, written in the
background with progress and kept; the command writes the same file; who may see which."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.pilot import report, selectors, services
from qiangshi.pilot.models import PilotRegion, PilotReport

from .conftest import YEAR, pilot_xlsx


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _compact(text: str) -> str:
    return "".join(text.split())


def test_pdf_has_a_cover_the_indicators_and_their_values(xiamen):
    data = report.gather(PilotRegion.objects.get(code="3502"), YEAR)
    pdf = report.report_pdf(data, requested_by="pilot")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    cover = _compact(reader.pages[0].extract_text())
    assert "试点地区定期报告" in cover and "厦门市" in cover and str(YEAR) in cover
    text = _compact(_text(pdf))
    for ind in selectors.indicators():
        assert _compact(ind.zh)[:8] in text, ind.key
    assert "33.3" in text  # bachelor's share, as on the comparison page
    assert "10,000" in text  # the parity gap of Siming
    assert "思明区" in text  # the per-district tables


def test_xlsx_has_the_same_figures_as_the_comparison(xiamen):
    pilot_region = PilotRegion.objects.get(code="3502")
    data = report.gather(pilot_region, YEAR)
    wb = load_workbook(io.BytesIO(report.report_xlsx(data)))
    rows = {r[0]: r for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    [column] = [
        c
        for c in selectors.comparison(actor=xiamen["users"]["pilot"], year=YEAR)
        if c.pilot_region.code == "3502"
    ]
    for key, figure in column.figures.items():
        expected = None if figure.value is None else float(figure.value)
        assert rows[key][2] == expected, key
    assert rows["recruitment_against_plan"][2] is None  # missing, not 0


def test_the_report_job_completes_with_progress_and_is_kept(xiamen, client):
    client.force_login(xiamen["users"]["pilot"])
    response = client.post(
        reverse("web:pilot_reports"), {"region": "3502", "year": YEAR, "fmt": "pdf"}
    )
    job = PilotReport.objects.get()
    assert response["Location"] == reverse("web:pilot_report", args=[job.pk])
    assert job.status == "done" and job.steps_done == job.steps_total == report.total_steps()
    assert job.percent == 100 and job.requested_by == xiamen["users"]["pilot"]
    assert AuditLog.objects.filter(action="pilot.report_create").count() == 1
    page = client.get(reverse("web:pilot_reports")).content.decode()
    assert reverse("web:pilot_report_download", args=[job.pk]) in page
    pdf = client.get(reverse("web:pilot_report_download", args=[job.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "厦门市" in _compact(_text(pdf.content))
    progress = client.get(reverse("web:pilot_report_progress", args=[job.pk]))
    assert progress.status_code == 200 and progress["HX-Refresh"] == "true"


def test_an_imported_region_report_says_where_figures_come_from(world):
    import_file(
        actor=world["users"]["pilot"], kind="pilot-indicators", filename="p.xlsx",
        data=pilot_xlsx([("63", "青海省", YEAR, "青海省教育厅报送", 5.5, 70.5, None)]),
    )  # fmt: skip
    job = services.pilot_report_start(
        actor=world["users"]["pilot"], code="63", year=YEAR, fmt="xlsx"
    )
    job.refresh_from_db()
    assert job.status == "done"
    with job.file.open("rb") as f:
        rows = {r[0]: r for r in load_workbook(f)["指标"].iter_rows(min_row=2, values_only=True)}
    assert rows["teachers_per_100_pupils"][2] == 5.5
    assert rows["teachers_per_100_pupils"][5] == "青海省教育厅报送"
    assert rows["teachers_per_100_pupils"][7] == world["users"]["pilot"].username
    assert rows["training_completion"][2] is None


def test_a_failed_report_keeps_no_file_and_says_why(xiamen, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "report_pdf", broken)
    job = services.pilot_report_start(
        actor=xiamen["users"]["pilot"], code="3502", year=YEAR, fmt="pdf"
    )
    job.refresh_from_db()
    assert job.status == "failed" and not job.file and "RuntimeError" in job.message_en


@pytest.mark.parametrize("suffix,check", [("pdf", b"%PDF"), ("xlsx", b"PK")])
def test_command_writes_the_report(xiamen, tmp_path, suffix, check):
    out = tmp_path / f"report.{suffix}"
    call_command("report", "pilot", "--region", "3502", "--year", str(YEAR), "--out", str(out),
                 stdout=io.StringIO())  # fmt: skip
    content = out.read_bytes()
    assert content.startswith(check)
    if suffix == "pdf":
        assert "厦门市" in _compact(_text(content))
    else:
        rows = list(load_workbook(io.BytesIO(content))["指标"].iter_rows(values_only=True))
        assert any(r[0] == "bachelor_share" and r[2] == 33.3 for r in rows)


def test_command_refuses_an_unknown_region_and_format(db, tmp_path):
    with pytest.raises(CommandError):
        call_command("report", "pilot", "--region", "99", "--year", "2025",
                     "--out", str(tmp_path / "r.pdf"))  # fmt: skip
    with pytest.raises(CommandError):
        call_command("report", "pilot", "--region", "31", "--year", "2025",
                     "--out", str(tmp_path / "r.doc"))  # fmt: skip


def test_a_bureau_reports_on_its_own_region_only(xiamen, client):
    bureau = xiamen["users"]["bureau"]
    client.force_login(bureau)
    client.post(reverse("web:pilot_reports"), {"region": "31", "year": YEAR, "fmt": "pdf"})
    assert not PilotReport.objects.exists()  # Shanghai is not its region
    shanghai = services.pilot_report_start(
        actor=xiamen["users"]["pilot"], code="31", year=YEAR, fmt="xlsx"
    )
    assert client.get(reverse("web:pilot_report", args=[shanghai.pk])).status_code == 404
    assert client.get(reverse("web:pilot_report_download", args=[shanghai.pk])).status_code == 404
    client.post(reverse("web:pilot_reports"), {"region": "3502", "year": YEAR, "fmt": "xlsx"})
    own = PilotReport.objects.get(pilot_region__code="3502")
    assert client.get(reverse("web:pilot_report_download", args=[own.pk])).status_code == 200
    # The pilot office sees both.
    client.force_login(xiamen["users"]["pilot"])
    assert client.get(reverse("web:pilot_report", args=[own.pk])).status_code == 200
    assert client.get(reverse("web:pilot_report", args=[shanghai.pk])).status_code == 200


def test_roles_without_pilot_rights_see_no_report(xiamen, client):
    job = services.pilot_report_start(
        actor=xiamen["users"]["pilot"], code="3502", year=YEAR, fmt="xlsx"
    )
    for role in ("district", "school", "teacher", "auditor"):
        client.force_login(xiamen["users"][role])
        assert client.get(reverse("web:pilot_reports")).status_code == 403
        assert client.get(reverse("web:pilot_report_download", args=[job.pk])).status_code == 403
