"""`qiangshi awards list|export`: every round with its figures, read as a system operator; the
rounds or one round's nominations to xlsx with the pages' columns."""

import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from qiangshi.awards import services
from tests import factories

from .conftest import CLOSE, OPEN
from .test_flow import step, to_notice


def _run(*args) -> str:
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("awards", *args, stdout=out)
    return out.getvalue()


def _sheet(path):
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.fixture
def two_rounds(qualified, round_):
    """The city's 2026 round, teacher A awarded and teacher C (Huli) nominated; and a district
    round of Longyan's in 2025 with nothing in it."""
    world = qualified
    n = to_notice(world, round_)
    step(world, "bureau", n, "award", date(2026, 7, 28))
    huli_school = factories.user("school", school=world["schools"]["c"])
    services.nomination_create(
        actor=huli_school, round_pk=round_.pk, teacher_pk=world["teachers"]["c"].pk,
        citation="教学成绩突出。", today=date(2026, 5, 12),
    )  # fmt: skip
    longyan = factories.user("bureau", region=world["tree"]["longyan"])
    other = services.round_create(
        actor=longyan, kind="excellent_homeroom", year=2025, level="city",
        title="2025年龙岩市优秀班主任评选", nominations_open_on=OPEN.replace(year=2025),
        nominations_close_on=CLOSE.replace(year=2025),
    )  # fmt: skip
    return {"world": world, "city": round_, "other": other}


def test_list_shows_every_round_with_its_figures(two_rounds):
    city, other = two_rounds["city"], two_rounds["other"]
    data = json.loads(_run("list", "--format", "json"))
    rounds = {r["id"]: r for r in data["rounds"]}
    assert list(rounds) == [city.pk, other.pk]  # newest year first
    c = rounds[city.pk]
    assert (c["kind"], c["region"], c["title"], c["year"]) == (
        "excellent_teacher", "3502", "2026年厦门市优秀教师评选", 2026,
    )  # fmt: skip
    assert (c["nominated"], c["awarded"], c["in_review"], c["not_awarded"]) == (2, 1, 1, 0)
    assert rounds[other.pk]["region"] == "3508" and rounds[other.pk]["nominated"] == 0
    only = json.loads(_run("list", "--year", "2025", "--format", "json"))["rounds"]
    assert [r["id"] for r in only] == [other.pk]
    only = json.loads(_run("list", "--kind", "excellent_teacher", "--format", "json"))["rounds"]
    assert [r["id"] for r in only] == [city.pk]
    text = _run("list")
    assert "2 rounds" in text and "awarded 1" in text and "2025年龙岩市优秀班主任评选" in text


def test_export_rounds_and_a_rounds_decisions(two_rounds, tmp_path):
    city = two_rounds["city"]
    path = tmp_path / "rounds.xlsx"
    assert "2 rounds" in _run("export", "--out", str(path))
    header, rows = _sheet(path)
    assert header[:4] == ("奖项", "级别", "年度", "评选名称")
    assert [r[3] for r in rows] == ["2026年厦门市优秀教师评选", "2025年龙岩市优秀班主任评选"]

    path = tmp_path / "nominations.xlsx"
    assert "2 nominations" in _run("export", "--round", str(city.pk), "--out", str(path))
    header, rows = _sheet(path)
    assert header[0] == "教师" and header[6] == "评选结果"
    by_name = {r[0]: r for r in rows}
    assert set(by_name) == {"陈静", "李强"}
    assert by_name["陈静"][5].date() == date(2026, 7, 28) and by_name["陈静"][6] == "已授予"
    assert by_name["李强"][1] == "湖里第一中学" and by_name["李强"][5] is None

    path = tmp_path / "awarded.xlsx"
    _run("export", "--round", str(city.pk), "--state", "awarded", "--out", str(path))
    assert [r[0] for r in _sheet(path)[1]] == ["陈静"]


def test_export_refuses_an_unknown_round_and_mixed_filters(two_rounds, tmp_path):
    out = str(tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="No award round with id 999999"):
        _run("export", "--round", "999999", "--out", out)
    with pytest.raises(CommandError, match="--state needs --round"):
        _run("export", "--state", "awarded", "--out", out)
    with pytest.raises(CommandError, match="--round goes without"):
        _run("export", "--round", str(two_rounds["city"].pk), "--year", "2026", "--out", out)


def test_the_commands_save_nothing(two_rounds, tmp_path):
    from qiangshi.awards.models import AwardNomination

    before = list(AwardNomination.objects.values_list("pk", "outcome", "decided_on"))
    _run("list")
    _run("export", "--round", str(two_rounds["city"].pk), "--out", str(tmp_path / "n.xlsx"))
    assert list(AwardNomination.objects.values_list("pk", "outcome", "decided_on")) == before
