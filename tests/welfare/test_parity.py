"""Salary parity figures: the finance office's xlsx through the import engine (preview, row
errors, all or nothing), the form's service, the selectors and the command."""

import json

import pytest
from django.core.management import call_command

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.imports.services import import_file
from qiangshi.welfare import selectors, services
from qiangshi.welfare.models import WageFigure
from tests import factories

from .conftest import HULI, SIMING, wages_xlsx


def test_bureau_imports_the_return_and_again_changes_nothing(tree, offices):
    data = wages_xlsx([SIMING, HULI])
    preview = import_file(
        actor=offices["bureau"], kind="wages", data=data, filename="w.xlsx", dry_run=True
    )
    assert (preview.new, preview.problems, WageFigure.objects.count()) == (2, [], 0)
    result = import_file(actor=offices["bureau"], kind="wages", data=data, filename="w.xlsx")
    assert result.committed and result.new == 2 and WageFigure.objects.count() == 16
    assert AuditLog.objects.filter(action="welfare.wages_import").count() == 2
    again = import_file(actor=offices["bureau"], kind="wages", data=data, filename="w.xlsx")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 2)
    rows = {r.district.code: r for r in selectors.parity_table(actor=offices["bureau"], year=2024)}
    assert rows["350203"].result.passed is True and rows["350203"].result.gap == 2000
    huli = rows["350206"].result
    assert (huli.passed, huli.gap, huli.driver) == (False, -6000, "year_end_incentive")


def test_a_bad_row_imports_nothing_and_names_row_and_column(tree, offices):
    bad = ("350206", "湖里区", 2024, 45000, "", 25000, 8000, 40000, 30000, 25000, -1)
    result = import_file(
        actor=offices["bureau"], kind="wages", data=wages_xlsx([SIMING, bad]), filename="w.xlsx"
    )
    assert not result.committed and WageFigure.objects.count() == 0
    reasons = {(p.row, p.column, p.reason_en) for p in result.problems}
    assert (3, "教师津贴补贴", "Required for 2024") in reasons
    assert (3, "公务员年终奖励", "The amount must be between 0 and 10,000,000 yuan") in reasons


def test_a_district_office_may_load_only_its_district(tree, offices):
    result = import_file(
        actor=offices["siming"], kind="wages", data=wages_xlsx([SIMING, HULI]), filename="w.xlsx"
    )
    assert not result.committed
    assert [(p.row, p.reason_en) for p in result.problems] == [
        (3, "This district is outside your area")
    ]


def test_school_administrators_may_not_import_wages(tree, offices):
    admin = factories.user("school", school=factories.school(tree["siming"]))
    with pytest.raises(ApplicationError):
        import_file(actor=admin, kind="wages", data=wages_xlsx([SIMING]), filename="w.xlsx")


def test_form_entry_needs_every_component_and_is_audited(tree, offices):
    figures = {("teacher", "basic_pay"): "40000"}
    with pytest.raises(ApplicationError) as exc:
        services.wages_set(
            actor=offices["siming"], district_pk=tree["siming"].pk, year=2023, figures=figures
        )
    assert "teacher__allowances" in exc.value.fields and WageFigure.objects.count() == 0
    full = {(g, c): "30000" for g in ("teacher", "civil_servant")
            for c in ("basic_pay", "allowances", "performance_pay", "year_end_incentive")}  # fmt: skip
    services.wages_set(actor=offices["siming"], district_pk=tree["siming"].pk, year=2023,
                       figures=full)  # fmt: skip
    assert WageFigure.objects.filter(source="form").count() == 8
    assert AuditLog.objects.filter(action="welfare.wages_set").count() == 1
    with pytest.raises(NotFound):  # Huli is outside the Siming office's area
        services.wages_set(
            actor=offices["siming"], district_pk=tree["huli"].pk, year=2023, figures=full
        )


def test_scope_district_office_sees_its_district_pilot_sees_pilot_regions(tree, offices):
    import_file(actor=offices["bureau"], kind="wages", data=wages_xlsx([SIMING, HULI]),
                filename="w.xlsx")  # fmt: skip
    codes = [r.district.code for r in selectors.parity_table(actor=offices["siming"], year=2024)]
    assert codes == ["350203"]
    pilot = factories.user("pilot")
    assert {r.district.code for r in selectors.parity_table(actor=pilot, year=2024)} == {
        "350203",
        "350206",
    }  # Xiamen is a pilot region; Longyan's Xinluo is not
    school = factories.user("school", school=factories.school(tree["siming"]))
    assert selectors.parity_table(actor=school, year=2024) == []


def test_a_district_without_figures_shows_missing_not_failing(tree, offices):
    import_file(actor=offices["bureau"], kind="wages", data=wages_xlsx([SIMING]),
                filename="w.xlsx")  # fmt: skip
    rows = {r.district.code: r for r in selectors.parity_table(actor=offices["bureau"], year=2024)}
    assert rows["350206"].result.passed is None and not rows["350206"].has_figures


def test_parity_report_command_json(tree, offices, capsys):
    import_file(actor=offices["bureau"], kind="wages", data=wages_xlsx([SIMING, HULI]),
                filename="w.xlsx")  # fmt: skip
    call_command("parity", "report", "--region", "3502", "--year", "2024", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    huli = out["districts"]["350206"]
    assert set(huli) == {"teacher_wage", "civil_servant_wage", "gap", "passed", "by_component"}
    assert (huli["teacher_wage"], huli["civil_servant_wage"], huli["gap"], huli["passed"]) == (
        104000.0,
        110000.0,
        -6000.0,
        False,
    )
    assert huli["by_component"]["year_end_incentive"]["gap"] == -7000.0
    assert out["districts"]["350203"]["passed"] is True


def test_parity_report_command_table_and_unknown_region(tree, offices, capsys):
    from django.core.management.base import CommandError

    call_command("parity", "report", "--region", "3502", "--year", "2024")
    assert "350206" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("parity", "report", "--region", "9999", "--year", "2024")
