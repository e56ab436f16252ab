"""Rule sets are reviewed data files; the one in effect on a date is chosen."""

import json
from datetime import date
from pathlib import Path

import pytest

from qiangshi.balance.rules import RULES_DIR, load_rule_sets, rule_set_on, rule_set_version
from qiangshi.core.errors import ApplicationError

OFFICIAL = json.loads((RULES_DIR / "compulsory-balance-2017.json").read_text(encoding="utf-8"))


def test_the_installed_rule_set_carries_policy_section_1():
    rules = rule_set_on(date(2026, 9, 1))
    assert rules.version == "2017.1"
    assert rules.effective_from == date(2017, 4, 26)
    assert "教督〔2017〕6号" in rules.source
    assert rules.keys == (
        "higher_degree_teachers_per_100",
        "backbone_teachers_per_100",
        "pe_arts_teachers_per_100",
        "teaching_area_per_student",
        "sports_area_per_student",
        "equipment_value_per_student",
        "multimedia_rooms_per_100",
    )
    assert dict(rules.minimums["primary"]) == {
        "higher_degree_teachers_per_100": 4.2,
        "backbone_teachers_per_100": 1.0,
        "pe_arts_teachers_per_100": 0.9,
        "teaching_area_per_student": 4.5,
        "sports_area_per_student": 7.5,
        "equipment_value_per_student": 2000,
        "multimedia_rooms_per_100": 2.3,
    }
    assert dict(rules.minimums["junior"]) == {
        "higher_degree_teachers_per_100": 5.3,
        "backbone_teachers_per_100": 1.0,
        "pe_arts_teachers_per_100": 0.9,
        "teaching_area_per_student": 5.8,
        "sports_area_per_student": 10.2,
        "equipment_value_per_student": 2500,
        "multimedia_rooms_per_100": 2.4,
    }
    assert dict(rules.cv_limits) == {"primary": 0.50, "junior": 0.45}
    assert (rules.min_met, rules.missed_floor) == (6, 0.85)
    assert (rules.teaching_point_below, rules.small_school_range) == (50, (50, 99))
    assert [i.per for i in rules.indicators] == [100, 100, 100, 1, 1, 1, 100]
    assert rules.higher_degree_min_level == {"primary": "associate", "junior": "bachelor"}
    assert "authored_by" in OFFICIAL and "reviewed_by" in OFFICIAL


def _write(folder: Path, name: str, **changes) -> None:
    (folder / name).write_text(json.dumps({**OFFICIAL, **changes}), encoding="utf-8")


def test_the_rule_set_in_effect_on_a_date_is_chosen(tmp_path):
    _write(tmp_path, "a.json")
    _write(
        tmp_path,
        "b.json",
        version="2030.1",
        effective_from="2030-01-01",
        cv_limits={"primary": 0.4, "junior": 0.35},
    )
    assert rule_set_on(date(2029, 12, 31), directory=tmp_path).version == "2017.1"
    later = rule_set_on(date(2030, 1, 1), directory=tmp_path)
    assert later.version == "2030.1" and later.cv_limits["junior"] == 0.35
    assert rule_set_version("2017.1", directory=tmp_path).cv_limits["junior"] == 0.45
    with pytest.raises(ApplicationError, match="No balance rule set is in effect on 2017-04-25"):
        rule_set_on(date(2017, 4, 25), directory=tmp_path)


def test_a_broken_or_repeated_rule_set_is_refused_by_name(tmp_path):
    _write(tmp_path, "a.json")
    _write(tmp_path, "b.json")
    with pytest.raises(ApplicationError, match="repeat a version"):
        load_rule_sets(tmp_path)
    (tmp_path / "b.json").unlink()
    minimums = {**OFFICIAL["minimums"], "junior": {**OFFICIAL["minimums"]["junior"]}}
    minimums["junior"]["sports_area_per_student"] = 0
    _write(tmp_path, "c.json", version="x", minimums=minimums)
    with pytest.raises(ApplicationError, match="c.json: .*junior minimum of sports_area"):
        load_rule_sets(tmp_path)
