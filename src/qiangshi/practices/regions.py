"""The regions a practice case can come from: the seed's ten pilot regions (data file
`data/pilot-regions.json`), by their national division code. Most of them run no Qiangshi of
their own, so they are not rows of the org tree; a bureau writes the cases of the pilot regions
within its own area (its code is a prefix of theirs)."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

DATA = Path(__file__).resolve().parent / "data" / "pilot-regions.json"


@cache
def _regions() -> tuple[dict, ...]:
    return tuple(json.loads(DATA.read_text(encoding="utf-8"))["regions"])


def codes() -> list[str]:
    return [r["code"] for r in _regions()]


def name(code: str) -> str:
    """The region's name in the active language; the code itself if it is not a pilot region."""
    english = (get_language() or "").startswith("en")
    for r in _regions():
        if r["code"] == code:
            return r["en"] if english else r["zh"]
    return code


def choices() -> list[tuple[str, str]]:
    return [(r["code"], name(r["code"])) for r in _regions()]


def short_names() -> list[tuple[str, str]]:
    """(code, short Chinese name) of each pilot region, as case titles name them."""
    return [(r["code"], r["short"]) for r in _regions()]
