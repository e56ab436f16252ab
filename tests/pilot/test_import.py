"""Pilot indicators imported from the template through the import engine: the ten pilot regions
of the seed can be entered, with a preview, row errors and all-or-nothing, by the pilot office."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.errors import Forbidden
from qiangshi.core.models import AuditLog
from qiangshi.imports.jobs import import_job_start
from qiangshi.imports.services import import_file
from qiangshi.pilot.models import PilotFigure
from qiangshi.pilot.selectors import indicators

from .conftest import TEN, YEAR, pilot_xlsx

NAMES = {"31": "上海市", "37": "山东省", "63": "青海省", "3502": "厦门市", "4307": "常德市",
         "231183": "嫩江市", "330304": "瓯海区", "411481": "永城市", "450331": "荔浦市",
         "500235": "云阳县"}  # fmt: skip


def _ten():
    return [
        (code, NAMES[code], YEAR, "年度报送", 6 + i / 10, 80 + i, None)
        for i, code in enumerate(TEN)
    ]


def test_the_ten_pilot_regions_are_entered_from_the_template(world):
    pilot = world["users"]["pilot"]
    preview = import_file(
        actor=pilot, kind="pilot-indicators", data=pilot_xlsx(_ten()), filename="p.xlsx",
        dry_run=True,
    )  # fmt: skip
    assert (preview.new, preview.problems, PilotFigure.objects.count()) == (10, [], 0)
    result = import_file(
        actor=pilot, kind="pilot-indicators", data=pilot_xlsx(_ten()), filename="p.xlsx"
    )
    assert result.committed and result.new == 10
    assert PilotFigure.objects.count() == 20  # two figures each; the empty cells stay missing
    assert AuditLog.objects.filter(action="pilot.figures_import").count() == 10
    again = import_file(
        actor=pilot, kind="pilot-indicators", data=pilot_xlsx(_ten()), filename="p.xlsx"
    )
    assert (again.new, again.changed, again.unchanged) == (0, 0, 10)


def test_a_bad_row_imports_nothing_and_names_row_and_column(world):
    rows = _ten()
    rows[2] = ("99", "火星", YEAR, "", 6, 80, None)  # unknown code (row 4)
    rows[3] = ("3502", "泉州市", YEAR, "", 6, 180, None)  # wrong name, share over 100 (row 5)
    rows[4] = ("4307", "常德市", YEAR, "", None, None, None)  # nothing given (row 6)
    result = import_file(
        actor=world["users"]["pilot"], kind="pilot-indicators", data=pilot_xlsx(rows),
        filename="p.xlsx",
    )  # fmt: skip
    assert not result.committed and PilotFigure.objects.count() == 0
    reasons = {(p.row, p.column, p.reason_en) for p in result.problems}
    assert (4, "试点地区代码", "Unknown pilot region code") in reasons
    assert (5, "本科及以上学历教师占比(%)", "Must be between 0 and 100") in reasons
    assert any(r == 5 and c == "试点地区名称" for r, c, _ in reasons)
    assert (6, "试点地区代码", "The row gives no indicator figure") in reasons


def test_offices_may_not_load_pilot_figures(world):
    with pytest.raises(Forbidden):
        import_file(
            actor=world["users"]["bureau"], kind="pilot-indicators",
            data=pilot_xlsx(_ten()), filename="p.xlsx",
        )  # fmt: skip
    job = import_job_start(
        actor=world["users"]["bureau"], kind="pilot-indicators",
        data=pilot_xlsx(_ten()), filename="p.xlsx", commit=True,
    )  # fmt: skip
    assert job.status in ("failed", "rejected") and PilotFigure.objects.count() == 0


def test_the_pilot_office_may_not_import_teachers(world):
    with pytest.raises(Forbidden):
        import_job_start(
            actor=world["users"]["pilot"], kind="teachers", data=b"x", filename="t.csv"
        )


def test_command_imports_the_template(world, tmp_path):
    path = tmp_path / "pilot.xlsx"
    path.write_bytes(pilot_xlsx(_ten()))
    out = io.StringIO()
    call_command(
        "import", "pilot-indicators", str(path), "--user", world["users"]["pilot"].username,
        "--format", "json", "--no-progress", stdout=out,
    )  # fmt: skip
    assert json.loads(out.getvalue())["new"] == 10
    assert PilotFigure.objects.filter(pilot_region__code="500235", year=YEAR).count() == 2


def test_web_template_preview_and_commit(world, client):
    client.force_login(world["users"]["pilot"])
    template = client.get(reverse("web:import_template", args=["pilot-indicators"]))
    assert template.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.iter_rows())]
    assert any("试点地区代码" in str(h) for h in header)
    for ind in indicators():
        assert any(ind.zh in str(h) for h in header), ind.key
    upload = io.BytesIO(pilot_xlsx(_ten()))
    upload.name = "pilot.xlsx"
    response = client.post(reverse("web:import_list"), {"kind": "pilot-indicators", "file": upload})
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert detail.status_code == 200 and PilotFigure.objects.count() == 0  # a preview first
    job = detail.context["job"]
    assert job.status == "validated"
    client.post(reverse("web:import_commit", args=[job.pk]))
    assert PilotFigure.objects.count() == 20
    figure = PilotFigure.objects.get(pilot_region__code="31", key="bachelor_share")
    assert figure.imported_by == world["users"]["pilot"] and figure.source == "年度报送"
