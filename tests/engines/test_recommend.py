"""The recommendation engine on hand-made cases: each ranking is explained by its parts."""

from datetime import date

import pytest

from qiangshi.engines.recommend import Offer, TeacherNeeds, recommend

TODAY = date(2027, 1, 10)


def needs(**extra):
    values = {
        "scores": {"design": 4, "instruction": 1.5, "safety": 3},
        "shortfall": 100,
        "category_room": {"centralised": 400, "online": 40, "school_based": 0},
        "below_minimum": {"centralised"},
        "subject": "mathematics",
        "stage": "primary",
    }
    values.update(extra)
    return TeacherNeeds(**values)


def offer(id, **extra):
    values = {"hours": 24, "category": "centralised", "starts_on": date(2027, 3, 3)}
    values.update(extra)
    return Offer(id, **values)


def test_the_programme_covering_the_lowest_indicator_comes_first_with_its_reason():
    ranked = recommend(
        needs(),
        [offer(1, covers=("design",)), offer(2, covers=("instruction",)), offer(3)],
        today=TODAY,
    )
    assert [r.offer.id for r in ranked] == [2, 1, 3]
    top = ranked[0]
    assert top.lowest == "instruction"
    literacy = next(p for p in top.parts if p.kind == "literacy")
    assert literacy.detail == "instruction" and literacy.points == pytest.approx(4 * 3.5 / 4)
    assert {p.kind for p in top.parts} == {"literacy", "hours", "minimum"}
    assert top.score == pytest.approx(sum(p.points for p in top.parts))


def test_hours_beyond_a_category_cap_do_not_count():
    ranked = recommend(
        needs(below_minimum=set()),
        [offer(1, category="school_based"), offer(2, category="online", hours=60)],
        today=TODAY,
    )
    assert [r.offer.id for r in ranked] == [2, 1]
    hours = next(p for p in ranked[0].parts if p.kind == "hours")
    assert hours.detail == 40  # the online cap leaves room for 40 of the 60
    assert ranked[1].parts == []  # no room left: nothing to gain but eligible


def test_a_complete_cycle_ranks_by_literacy_and_fit_only():
    ranked = recommend(
        needs(shortfall=0),
        [offer(1, subject="chinese"), offer(2, subject="mathematics", stage="primary")],
        today=TODAY,
    )
    assert [r.offer.id for r in ranked] == [2, 1]
    assert [p.kind for p in ranked[0].parts] == ["subject", "stage"]
    assert [(p.kind, p.points) for p in ranked[1].parts] == [("subject", -1.0)]


def test_exclusions_enrolled_started_and_other_target_groups():
    offers = [
        offer(1),
        offer(2, starts_on=date(2027, 1, 9)),  # started yesterday
        offer(3, target_groups=("new_teachers",)),
        offer(4, target_groups=("science_teachers", "new_teachers")),
    ]
    ranked = recommend(
        needs(enrolled=frozenset({1}), groups=frozenset({"science_teachers"})), offers, today=TODAY
    )
    assert [r.offer.id for r in ranked] == [4]


def test_a_full_programme_is_ranked_lower_and_ties_go_to_the_earlier_start():
    ranked = recommend(
        needs(),
        [
            offer(1, places_left=0),
            offer(2, starts_on=date(2027, 4, 1)),
            offer(3, starts_on=date(2027, 2, 1)),
        ],
        today=TODAY,
    )
    assert [r.offer.id for r in ranked] == [3, 2, 1]
    assert ranked[-1].parts[-1].kind == "full"
    assert len(recommend(needs(), [offer(1), offer(2)], today=TODAY, limit=1)) == 1


def test_no_assessment_and_no_offers():
    assert recommend(needs(scores={}), [], today=TODAY) == []
    only = recommend(needs(scores={}), [offer(1, covers=("design",))], today=TODAY)[0]
    assert only.lowest is None and "literacy" not in {p.kind for p in only.parts}


def test_the_framework_file_lists_the_five_dimensions_and_unique_codes():
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "src/qiangshi/training/literacy/jyt0646-2022.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [d["name_zh"] for d in data["dimensions"]] == [
        "数字化意识",
        "数字技术知识与技能",
        "数字化应用",
        "数字社会责任",
        "专业发展",
    ]
    codes = [i["code"] for d in data["dimensions"] for i in d["indicators"]]
    questions = [
        q["code"] for d in data["dimensions"] for i in d["indicators"] for q in i["questions"]
    ]
    assert len(codes) == len(set(codes)) == 13
    assert len(questions) == len(set(questions))
