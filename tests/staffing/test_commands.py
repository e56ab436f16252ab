"""`qiangshi staffing report`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from tests.staffing.conftest import YEAR


def run(*args) -> str:
    out = StringIO()
    call_command("staffing", *args, stdout=out)
    return out.getvalue()


def rows_of(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


# Primary Chinese in 2026 with "other" shared (see tests/staffing/test_selectors.py):
# 7 classes per grade × (2·8·26/24 + 2·7·30/26 + 2·6·30/25) / 15 = 22.347 FTE.
CHINESE_2026 = 7 * (2 * 8 * 26 / 24 + 2 * 7 * 30 / 26 + 2 * 6 * 30 / 25) / 15


def test_report_workbook_has_chinese_headers_by_default(district, tmp_path):
    out = tmp_path / "siming.xlsx"
    with translation.override("zh-hans"):
        run("report", "--district", "350203", "--years", "2", "--out", str(out),
            "--year", str(YEAR), "--on", "2025-10-01")  # fmt: skip
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == [
        "学校编制与在编人员",
        "区县合计",
        "教师需求预测缺口",
        "岗位结构",
        "参数",
    ]
    header, _ = rows_of(wb["学校编制与在编人员"])
    assert header[:3] == ("学校代码", "学校名称", "学段") and "核定编制" in header
    header, _ = rows_of(wb["教师需求预测缺口"])
    assert header[:4] == ("年度", "学段", "学科", "需求(全时当量)")


def test_report_writes_the_workbook(district, tmp_path):
    out = tmp_path / "siming.xlsx"
    with translation.override("en"):
        text = run(
            "report", "--district", "350203", "--years", "10", "--out", str(out),
            "--year", str(YEAR), "--on", "2025-10-01",
        )  # fmt: skip
    assert "Wrote" in text and out.is_file()
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == [
        "School quotas and staff",
        "District totals",
        "Forecast gap",
        "Post structure",
        "Parameters",
    ]

    header, rows = rows_of(wb["School quotas and staff"])
    schools = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert list(schools) == ["E", "J", "N", "P"]
    p = schools["P"]
    assert (p["students_primary"], p["quota"], p["established"], p["vacancies"]) == (
        950,
        50,
        3,
        47,
    )
    assert (schools["N"]["quota_primary"], schools["N"]["quota_junior"]) == (32, 20)
    assert (schools["J"]["overstaffing"], schools["J"]["non_teaching_excess"]) == (1, 1)

    _, totals = rows_of(wb["District totals"])
    totals = dict(totals)
    assert (totals["quota"], totals["established"], totals["vacancies"]) == (104, 9, 96)
    assert totals["district"] == "350203"

    header, rows = rows_of(wb["Forecast gap"])
    assert header[:9] == (
        "year", "stage", "subject", "demand", "demand_low", "demand_high", "supply", "gap",
        "recruit",
    )  # fmt: skip
    gap = {(r[0], r[1], r[2]): dict(zip(header, r, strict=True)) for r in rows}
    assert {y for y, _, _ in gap} == set(range(2026, 2036))
    chinese = gap[(2026, "primary", "chinese")]
    assert (chinese["demand"], chinese["supply"], chinese["gap"], chinese["recruit"]) == (
        pytest.approx(CHINESE_2026, abs=1e-4),
        pytest.approx(3.92),
        pytest.approx(CHINESE_2026 - 3.92, abs=1e-4),
        19,
    )
    assert gap[(2035, "primary", "chinese")]["supply"] == pytest.approx(4 * 0.98**10, abs=1e-4)

    _, params = rows_of(wb["Parameters"])
    params = dict(params)
    assert params["rule_set.version"] == "2014"
    assert (params["class_size_cap.primary"], params["class_size_cap.junior"]) == (45, 50)
    assert (params["weekly_load.primary"], params["weekly_load.junior"]) == (15, 13)
    assert params["attrition_rate"] == 0.02
    assert params["retirement_table"] == "2025-default-1"
    assert params["curriculum"] == "2022-default-1"


def test_report_json_summary(district):
    data = json.loads(
        run(
            "report",
            "--district",
            "350203",
            "--years",
            "3",
            "--year",
            str(YEAR),
            "--on",
            "2025-10-01",
            "--format",
            "json",
        )  # fmt: skip
    )
    assert (data["district"], data["year"], data["on"]) == ("350203", 2025, "2025-10-01")
    assert data["totals"]["quota"] == 104
    assert data["forecast"]["years"] == [2026, 2027, 2028]
    assert data["parameters"]["rule_set"]["version"] == "2014"


def test_report_table(district):
    text = run("report", "--district", "350203", "--years", "2", "--year", str(YEAR))
    assert "District 350203" in text and "total" in text


def test_unknown_district_is_a_command_error(district, tmp_path):
    with pytest.raises(CommandError, match="No district with code 999999"):
        run("report", "--district", "999999", "--years", "10", "--out", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="--years"):
        run("report", "--district", "350203", "--years", "0")
