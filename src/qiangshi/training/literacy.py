"""The digital-literacy framework (POLICY §5) from its data file (literacy/*.json, replaceable
by the official one), and a self-assessment's scores: an indicator scores the mean of its
questions answered, a dimension the mean of its indicators scored; nothing answered, no score."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

FRAMEWORK_DIR = Path(__file__).resolve().parent / "literacy"


@cache
def framework() -> dict:
    """The framework in force (the latest file by its effective date)."""
    sets = [json.loads(p.read_text(encoding="utf-8")) for p in FRAMEWORK_DIR.glob("*.json")]
    return max(sets, key=lambda s: s["effective_from"])


def _english() -> bool:
    return (get_language() or "").startswith("en")


def name(item: dict) -> str:
    """A dimension's or indicator's name in the active language."""
    return item["name_en"] if _english() else item["name_zh"]


def question_text(question: dict) -> str:
    return question["en"] if _english() else question["zh"]


def indicators() -> dict[str, dict]:
    return {i["code"]: i for d in framework()["dimensions"] for i in d["indicators"]}


def question_codes() -> set[str]:
    return {q["code"] for i in indicators().values() for q in i["questions"]}


def scale() -> tuple[int, int]:
    s = framework()["scale"]
    return s["min"], s["max"]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def indicator_scores(answers: dict[str, int]) -> dict[str, float]:
    """{indicator code: mean of its answered questions} for the indicators with an answer."""
    out = {}
    for code, indicator in indicators().items():
        score = _mean([answers[q["code"]] for q in indicator["questions"] if q["code"] in answers])
        if score is not None:
            out[code] = score
    return out


def dimension_scores(answers: dict[str, int]) -> list[dict]:
    """Per dimension: its name and score (None when none of its indicators is answered)."""
    scores = indicator_scores(answers)
    return [
        {
            "code": d["code"],
            "name": name(d),
            "score": _mean([scores[i["code"]] for i in d["indicators"] if i["code"] in scores]),
        }
        for d in framework()["dimensions"]
    ]
