"""`qiangshi titles eligibility`: every teacher of a region, their next title, eligible or not,
and the failed rules with stable keys in the operator's language."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qiangshi.engines import titles as engine


def run(*args):
    out = StringIO()
    call_command("titles", "eligibility", *args, stdout=out)
    return out.getvalue()


def by_teacher(output):
    return {t["teacher"]: t for t in json.loads(output)["teachers"]}


def test_json_lists_every_teacher_of_the_region(titles_world):
    w = titles_world
    rows = by_teacher(run("--region", "350203", "--year", "2026", "--format", "json"))
    assert set(rows) == {w["teachers"]["a"].pk, w["teachers"]["b"].pk}
    a = rows[w["teachers"]["a"].pk]
    assert a == {"teacher": a["teacher"], "current_title": "first", "next_title": "senior",
                 "eligible": True, "reasons": []}  # fmt: skip


def test_reasons_have_stable_keys_and_translated_messages(titles_world):
    w = titles_world
    city = by_teacher(run("--region", "3502", "--year", "2026", "--format", "json",
                          "--language", "en"))  # fmt: skip
    c = city[w["teachers"]["c"].pk]  # no title, no education recorded
    assert c["current_title"] is None and c["next_title"] == "third" and not c["eligible"]
    rules = {r["rule"] for r in c["reasons"]}
    assert "degree" in rules and rules <= set(engine.RULES)
    degree = next(r for r in c["reasons"] if r["rule"] == "degree")
    assert degree["status"] == "unknown" and "No completed education" in degree["message"]
    zh = by_teacher(run("--region", "3502", "--year", "2026", "--format", "json",
                        "--language", "zh-hans"))  # fmt: skip
    zc = zh[w["teachers"]["c"].pk]
    assert [r["rule"] for r in zc["reasons"]] == [r["rule"] for r in c["reasons"]]
    assert zc["reasons"][0]["message"] != c["reasons"][0]["message"]


def test_a_year_too_early_makes_the_years_fail(titles_world):
    w = titles_world
    rows = by_teacher(run("--region", "350203", "--year", "2023", "--format", "json"))
    reasons = {r["rule"] for r in rows[w["teachers"]["a"].pk]["reasons"]}
    assert "title_years" in reasons


def test_text_output_and_unknown_region(titles_world):
    assert "350203" in run("--region", "350203", "--year", "2026")
    with pytest.raises(CommandError):
        run("--region", "999999", "--year", "2026")
