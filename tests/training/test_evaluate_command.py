"""`qiangshi training evaluate FILE.csv --cycle-start YYYY-MM-DD [--format json]`."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError


def run(tmp_path, text, *extra):
    path = tmp_path / "hours.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("training", "evaluate", str(path), *extra, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


CSV = (
    "teacher,date,hours,category\n"
    "T1,2021-01-01,120,centralised\n"  # the start day counts
    "T1,2022-03-01,240,school_based\n"  # capped at 120
    "T1,2025-12-31,120,online\n"  # the last day counts
    "T2,2026-01-01,100,centralised\n"  # the end day: outside
    "T2,2023-01-01,360,集中培训\n"
    "T3,2020-12-31,360,centralised\n"  # before the start: outside
)


@pytest.mark.django_db
def test_evaluate_json_per_teacher_and_completion_rate(tmp_path):
    out, _ = run(tmp_path, CSV, "--cycle-start", "2021-01-01", "--format", "json")
    data = json.loads(out)
    by = {t["teacher"]: t for t in data["teachers"]}
    assert by["T1"]["hours"] == 360
    assert by["T1"]["by_category"]["school_based"] == 120
    assert by["T1"]["complete"] is True and by["T1"]["shortfall"] == 0
    assert by["T2"]["hours"] == 360 and by["T2"]["complete"] is True
    assert by["T3"]["hours"] == 0 and by["T3"]["shortfall"] == 360
    assert data["completion_rate"] == round(2 / 3, 4)
    assert data["cycle_end"] == "2026-01-01"
    assert data["rule_version"] == "2021"


@pytest.mark.django_db
def test_evaluate_text(tmp_path):
    out, _ = run(tmp_path, CSV, "--cycle-start", "2021-01-01")
    assert "T1: hours 360  complete true  shortfall 0" in out
    assert "completion_rate 66.7%" in out


@pytest.mark.django_db
def test_a_minimum_not_met_is_a_shortfall(tmp_path):
    text = "teacher,date,hours,category\nT1,2021-05-01,100,centralised\nT1,2021-06-01,300,degree\n"
    out, _ = run(tmp_path, text, "--cycle-start", "2021-01-01", "--format", "json")
    t = json.loads(out)["teachers"][0]
    # degree capped at 180: 280 in all; 80 short, of which 20 centralised
    assert t["hours"] == 280 and t["shortfall"] == 80 and t["complete"] is False


@pytest.mark.django_db
def test_bad_rows_are_refused_with_row_and_reason_and_nothing_printed(tmp_path):
    text = (
        "teacher,date,hours,category\n"
        "T1,2021-05-01,10,centralised\n"
        "T1,not a date,10,centralised\n"
        "T1,2021-05-01,-3,centralised\n"
        "T1,2021-05-01,10,cooking\n"
        ",2021-05-01,10,online\n"
    )
    with pytest.raises(SystemExit) as exc:
        run(tmp_path, text, "--cycle-start", "2021-01-01", "--format", "json")
    assert exc.value.code == 1


@pytest.mark.django_db
def test_bad_rows_report(tmp_path, capsys):
    text = "teacher,date,hours,category\nT1,2021-13-01,10,centralised\nT1,2021-05-01,10,cooking\n"
    path = tmp_path / "h.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "training", "evaluate", str(path), "--cycle-start", "2021-01-01", stdout=out, stderr=err
        )
    assert out.getvalue() == ""
    lines = err.getvalue()
    assert "row 2, date" in lines and "row 3, category" in lines
    assert "cooking" in lines and "nothing evaluated" in lines


@pytest.mark.django_db
def test_a_missing_column_and_a_bad_start(tmp_path):
    with pytest.raises(SystemExit):
        run(tmp_path, "teacher,date,hours\nT1,2021-01-01,3\n", "--cycle-start", "2021-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run(tmp_path, CSV, "--cycle-start", "2021-02-30")
