"""Training recommendations (issue 16): for one teacher, the open programmes that best cover
their weakest digital-literacy indicators and their cycle shortfall, for their subject and
stage, ranked by a score made of named parts so that every ranking can be explained.

A programme is left out when the teacher is already on it, when it has started, or when it is
for target groups the teacher is not in. Each remaining programme scores the sum of:

- literacy  = W_LITERACY × g, where g is the largest gap (max − score) / (max − min) among the
  indicators it covers that the teacher has assessed (0 when it covers none of them);
- hours     = W_HOURS × min(hours, room) / shortfall, where room is what its category can still
  add under its cap (hours beyond the cap do not count) and shortfall the hours the cycle still
  needs (0 when the cycle is complete);
- minimum   = W_MINIMUM when its category is below its minimum and it adds hours there;
- subject   = W_SUBJECT when its subject is the teacher's (a programme for every subject: 0);
  − W_SUBJECT when it names another subject; the same for the stage with W_STAGE;
- full      = − W_FULL when it has no place left (enrolment would wait).

Ties go to the earlier start, then the lower id.

>>> t = TeacherNeeds(scores={"a": 2, "b": 4}, shortfall=30, category_room={"x": 100},
...                  below_minimum=set(), subject="math", stage="primary")
>>> p = Offer(1, hours=24, category="x", covers=("a",), starts_on=date(2027, 3, 3))
>>> r = recommend(t, [p], today=date(2027, 1, 1))[0]
>>> [part.kind for part in r.parts], r.lowest
(['literacy', 'hours'], 'a')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

W_LITERACY = 4.0
W_HOURS = 3.0
W_MINIMUM = 1.0
W_SUBJECT = 1.0
W_STAGE = 0.5
W_FULL = 0.5


@dataclass(frozen=True)
class TeacherNeeds:
    """What a teacher needs: indicator scores from the self-assessment (on `scale`), the
    cycle's remaining hours, per category the hours it can still add (under its cap; absent:
    no cap), the categories below their minimum, subject, stage, target groups, and the
    programmes they are already on."""

    scores: dict[str, float]
    shortfall: float
    category_room: dict[str, float]
    below_minimum: set[str]
    subject: str = ""
    stage: str = ""
    groups: frozenset[str] = frozenset()
    enrolled: frozenset[int] = frozenset()
    scale: tuple[float, float] = (1.0, 5.0)


@dataclass(frozen=True)
class Offer:
    """An open programme: its hours and category, the indicators it covers, for whom."""

    id: int
    hours: float
    category: str
    covers: tuple[str, ...] = ()
    starts_on: date = date.min
    subject: str = ""
    stage: str = ""
    target_groups: tuple[str, ...] = ()
    places_left: int = 1


@dataclass(frozen=True)
class Part:
    """One named part of a score: its points and what it rests on (an indicator, hours)."""

    kind: str
    points: float
    detail: str | float = ""


@dataclass(frozen=True)
class Recommendation:
    offer: Offer
    score: float
    parts: list[Part] = field(default_factory=list)
    lowest: str | None = None  # the teacher's lowest indicator, if the programme covers it


def _eligible(needs: TeacherNeeds, offer: Offer, today: date) -> bool:
    if offer.id in needs.enrolled or offer.starts_on < today:
        return False
    return not offer.target_groups or bool(needs.groups & set(offer.target_groups))


def _score(needs: TeacherNeeds, offer: Offer, lowest_code: str | None) -> Recommendation:
    low, high = needs.scale
    parts: list[Part] = []
    assessed = [c for c in offer.covers if c in needs.scores]
    if assessed:
        worst = max(assessed, key=lambda c: (high - needs.scores[c], c == lowest_code))
        gap = (high - needs.scores[worst]) / (high - low)
        if gap > 0:
            parts.append(Part("literacy", W_LITERACY * gap, worst))
    room = needs.category_room.get(offer.category, offer.hours)
    useful = max(min(offer.hours, room), 0.0)
    if needs.shortfall > 0 and useful > 0:
        parts.append(
            Part("hours", W_HOURS * min(useful, needs.shortfall) / needs.shortfall, useful)
        )
        if offer.category in needs.below_minimum:
            parts.append(Part("minimum", W_MINIMUM, offer.category))
    for kind, theirs, mine, weight in (
        ("subject", offer.subject, needs.subject, W_SUBJECT),
        ("stage", offer.stage, needs.stage, W_STAGE),
    ):
        if theirs and mine:
            parts.append(Part(kind, weight if theirs == mine else -weight, theirs))
    if offer.places_left <= 0:
        parts.append(Part("full", -W_FULL))
    covers_lowest = lowest_code if lowest_code in offer.covers else None
    return Recommendation(offer, round(sum(p.points for p in parts), 6), parts, covers_lowest)


def recommend(
    needs: TeacherNeeds, offers: Iterable[Offer], *, today: date, limit: int | None = None
) -> list[Recommendation]:
    """The eligible offers, best first (see the module docstring for the score)."""
    lowest_code = min(needs.scores, key=lambda c: (needs.scores[c], c)) if needs.scores else None
    ranked = sorted(
        (_score(needs, o, lowest_code) for o in offers if _eligible(needs, o, today)),
        key=lambda r: (-r.score, r.offer.starts_on, r.offer.id),
    )
    return ranked if limit is None else ranked[:limit]
