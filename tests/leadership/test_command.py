"""`qiangshi leadership gaps|due`: the schools of a district or city with a leadership gap and
the principals due to rotate, read as a system operator from the region page's selector, with
the same workbook columns."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from qiangshi.leadership import services
from tests import factories

ON = date(2026, 9, 1)


def _run(*args) -> str:
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("leadership", *args, stdout=out)
    return out.getvalue()


def _term(actor, school, **data):
    data.setdefault("starts_on", date(2021, 9, 1))
    return services.term_record(actor=actor, school_pk=school.pk, data=data)


@pytest.fixture
def led(world):
    """School A complete but its principal (陈静) in a third term; school B with one person as
    secretary and principal; Huli's and Longyan's schools with nothing recorded."""
    district, admin = world["users"]["district"], world["users"]["admin"]
    a, b = world["schools"]["a"], world["schools"]["b"]
    secretary = factories.teacher(admin, a, "郑书记")
    _term(district, a, post="secretary", teacher=secretary.pk)
    _term(district, a, post="principal", teacher=world["teachers"]["a"].pk, term_number=3,
          ends_on=date(2026, 12, 31))  # fmt: skip
    _term(district, a, post="vice_principal", teacher=secretary.pk)
    for post in ("science_vice", "security_vice", "health_vice"):
        _term(district, a, post=post, outside_name="某人", outside_employer="某单位")
    _term(district, b, post="secretary", teacher=world["teachers"]["b"].pk)
    _term(district, b, post="principal", teacher=world["teachers"]["b"].pk)
    return world


def test_gaps_of_a_district_and_of_a_city(led):
    data = json.loads(
        _run("gaps", "--region", "350203", "--on", ON.isoformat(), "--format", "json")
    )
    schools = {s["name"]: s for s in data["schools"]}
    assert (data["region"], data["on"]) == ("350203", "2026-09-01")
    assert schools["思明第一小学"]["gaps"] == ["principal_terms"]
    assert schools["思明第一小学"]["principal"] == "陈静"
    assert schools["思明第一小学"]["principal_terms"] == 2
    assert schools["思明第二小学"]["gaps"][0] == "combined"
    city = json.loads(_run("gaps", "--region", "3502", "--on", ON.isoformat(), "--format", "json"))
    names = {s["name"] for s in city["schools"]}
    assert names == {"思明第一小学", "思明第二小学", "湖里第一中学"}  # not Longyan's
    vacant = json.loads(
        _run("gaps", "--region", "3502", "--gap", "no_principal", "--on", "2026-09-01",
             "--format", "json")
    )  # fmt: skip
    assert [s["name"] for s in vacant["schools"]] == ["湖里第一中学"]
    text = _run("gaps", "--region", "350203", "--on", "2026-09-01")
    assert "2 schools with gaps" in text and "principal_terms 1" in text


def test_gaps_to_xlsx_has_the_region_pages_columns(led, tmp_path):
    path = tmp_path / "gaps.xlsx"
    _run("gaps", "--region", "350203", "--on", "2026-09-01", "--out", str(path))
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:5] == ("学校代码", "学校", "区(县)", "党组织书记", "校长")
    by_school = {r[1]: r for r in rows[1:]}
    assert by_school["思明第一小学"][4] == "陈静" and by_school["思明第一小学"][5] == 2
    assert by_school["思明第二小学"][-1].startswith("书记、校长由一人担任")


def test_principals_due_to_rotate(led, tmp_path):
    path = tmp_path / "due.xlsx"
    data = json.loads(
        _run("due", "--region", "3502", "--on", "2026-09-01", "--format", "json", "--out",
             str(path))
    )  # fmt: skip
    assert data["terms_needed"] == 2
    [p] = data["principals"]
    assert (p["school_name"], p["principal"], p["full_terms"], p["term_number"]) == (
        "思明第一小学", "陈静", 2, 3,
    )  # fmt: skip
    assert (p["starts_on"], p["ends_on"]) == ("2021-09-01", "2026-12-31")
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert [r[3] for r in rows[1:]] == ["陈静"]
    # Once the principal has left, nobody is due.
    assert (
        json.loads(_run("due", "--region", "3502", "--on", "2027-01-01", "--format", "json"))[
            "principals"
        ]
        == []
    )
    assert "1 principals" in _run("due", "--region", "350203", "--on", "2026-09-01")


def test_unknown_region_and_bad_date_are_refused(led):
    with pytest.raises(CommandError, match="No district or city"):
        _run("gaps", "--region", "9999")
    with pytest.raises(CommandError, match="--on must be a date"):
        _run("due", "--region", "3502", "--on", "2026-13-01")
