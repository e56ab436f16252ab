"""`qiangshi balance evaluate` and `qiangshi balance report`."""

import json
import math
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.balance.conftest import ON, YEAR

HEADER = (
    "school_code,enrollment,higher_degree_teachers,backbone_teachers,pe_arts_teachers,"
    "teaching_area_m2,sports_area_m2,equipment_value_yuan,multimedia_rooms"
)
KEYS = [
    "higher_degree_teachers_per_100",
    "backbone_teachers_per_100",
    "pe_arts_teachers_per_100",
    "teaching_area_per_student",
    "sports_area_per_student",
    "equipment_value_per_student",
    "multimedia_rooms_per_100",
]
# A: 100 pupils, every value above the minimum. B: 300 pupils, 1 backbone teacher (0.33 per
# 100, 33% of 1.0) and 12 higher-degree teachers (4.0 of 4.2, 95%): two missed, fails.
ROWS = [
    "A,100,5,2,1,500,800,210000,3",
    "B,300,12,1,3,1500,2400,630000,9",
]


def run(*args) -> str:
    out = StringIO()
    call_command("balance", *args, stdout=out)
    return out.getvalue()


def write(tmp_path, text: str, *, bom: bool = False, name="district.csv"):
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return str(path)


@pytest.mark.parametrize("bom", [False, True])
def test_evaluate_prints_the_agreed_json(tmp_path, bom):
    path = write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n", bom=bom)
    data = json.loads(run("evaluate", path, "--stage", "primary", "--format", "json"))

    assert {"stage", "rule_set", "passed", "schools", "indicators"} <= set(data)
    assert (data["stage"], data["rule_set"], data["passed"]) == ("primary", "2017.1", False)
    a, b = data["schools"]
    assert {"school_code", "values", "passed"} <= set(a)
    assert list(a["values"]) == KEYS and list(data["indicators"]) == KEYS
    assert a["values"]["backbone_teachers_per_100"] == 2.0
    assert a["values"]["equipment_value_per_student"] == 2100.0
    assert (a["passed"], b["passed"]) == (True, False)
    assert b["values"]["higher_degree_teachers_per_100"] == 4.0
    assert {s["resource"]: s["add"] for s in b["shortfalls"]} == {"backbone_teachers": 2.0}
    # Backbone: X = 2.0 (100 pupils), 0.333 (300); mean = 100·3/400 = 0.75;
    # S² = 0.25·1.25² + 0.75·0.41667² = 0.390625 + 0.130208 = 0.520833; CV = 0.72169/0.75.
    backbone = data["indicators"]["backbone_teachers_per_100"]
    assert backbone["cv"] == pytest.approx(math.sqrt(0.520833333) / 0.75, abs=1e-6)
    assert (backbone["limit"], backbone["within_limit"]) == (0.5, False)
    # Teaching area: 5 m² everywhere: CV 0.
    assert data["indicators"]["teaching_area_per_student"] == {
        **data["indicators"]["teaching_area_per_student"],
        "cv": 0.0,
        "within_limit": True,
    }


def test_evaluate_prints_a_table(tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *ROWS]) + "\n")
    text = run("evaluate", path, "--stage", "primary")
    assert "Verdict (primary): FAIL — 1 of 2 schools fail" in text
    assert "B: +2 backbone teachers" in text
    assert "2017.1" in text


def test_evaluate_applies_the_optional_exclusion_columns(tmp_path):
    text = "\n".join(
        [HEADER + ",rural,pe_arts_part_time", *(r + ",0,0" for r in ROWS), "T,30,0,0,0,0,0,0,0,1,0"]
    )
    data = json.loads(
        run("evaluate", write(tmp_path, text), "--stage", "junior", "--format", "json")
    )
    assert data["excluded"] == [{"school_code": "T", "reason": "teaching_point"}]
    assert data["indicators"]["backbone_teachers_per_100"]["limit"] == 0.45


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HEADER + "\nA,100,5,2,1,500,800,abc,3\n",
            "Row 2, column equipment_value_yuan: not a number",
        ),
        (
            HEADER + "\nA,100,5,2,1,500,800,210000,3\nB,0,1,1,1,1,1,1,1\n",
            "Row 3, column enrollment",
        ),
        (HEADER + "\nA,100,5,2,1,,800,210000,3\n", "Row 2, column teaching_area_m2: empty"),
        (HEADER + "\nA,100,5,-2,1,500,800,210000,3\n", "Row 2, column backbone_teachers"),
        (HEADER + "\nA,100.5,5,2,1,500,800,210000,3\n", "Row 2, column enrollment: .* whole"),
        (HEADER + "\nA,1,1,1,1,1,1,1,1\nA,1,1,1,1,1,1,1,1\n", "Row 3, column school_code: A"),
        (HEADER.replace(",multimedia_rooms", ""), "Missing column.*multimedia_rooms"),
        (HEADER + "\n", "no school rows"),
        ("", "empty"),
    ],
)
def test_evaluate_names_the_row_and_column_of_a_bad_file(tmp_path, text, message):
    with pytest.raises(CommandError, match=message):
        run("evaluate", write(tmp_path, text), "--stage", "primary")


def test_evaluate_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "\n中学,100,1,1,1,1,1,1,1\n").encode("gbk"))
    with pytest.raises(CommandError, match="not UTF-8"):
        run("evaluate", str(path), "--stage", "primary")


def test_report_reads_the_registry(tiny):
    args = ("report", "--district", "350203", "--year", str(YEAR), "--on", ON.isoformat())
    data = json.loads(run(*args, "--stage", "primary", "--format", "json"))
    assert (data["stage"], data["rule_set"], data["district"], data["on"]) == (
        "primary",
        "2017.1",
        "350203",
        "2025-10-01",
    )
    assert [s["school_code"] for s in data["schools"]] == ["N", "P"]
    both = json.loads(run(*args, "--format", "json"))
    assert [r["stage"] for r in both] == ["primary", "junior"]
    assert both[1]["excluded"] == [{"school_code": "J", "reason": "missing_data:facility"}]
    assert "Verdict (junior)" in run(*args)


def test_report_on_an_unknown_district_fails_clearly(db):
    with pytest.raises(CommandError, match="No district with code 999999"):
        run("report", "--district", "999999", "--year", "2025")
