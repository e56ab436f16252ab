"""Title evaluation (职称评价, POLICY.md §3): eligibility for the next title, the expert panel
drawn at random avoiding conflicts, scores on a rubric, their aggregation and the ranking within
a quota. Plain data in, plain data out; the Django side (`qiangshi.titles`) loads the registry
and the versioned rule files and translates the reasons.

Eligibility is a list of `Check`s, one per rule, each with a stable `rule` key, a `status`
(pass, fail or unknown: the registry lacks what the rule needs — never guessed) and a message
`code` with its parameters. A candidate is eligible only when every check passes.

Rules (keys stable across languages): `current_title` (the route's title held, or a lower one
when the route needs none), `degree`, `stage` (routes limited to some stages), `title_years`
(years in the current title, or since starting work for a probation route), `rural_service`
(urban teachers before senior), `training_hours` (the continuing-education cycle complete),
`ethics_bar` (no bar from title evaluation).

>>> rules = {"version": "t", "routes": {"first": [
...     {"degrees": ["bachelor"], "from_title": "second", "years": 4}]}}
>>> c = Candidate(teacher=1, current_title="second", title_since=date(2020, 9, 1),
...     degree="bachelor", work_start=date(2016, 9, 1), stages=frozenset({"primary"}),
...     location="rural", training_complete=True)
>>> e = evaluate(c, "first", rules, date(2024, 8, 31))
>>> e.eligible, [(x.rule, x.status) for x in e.failed]
(False, [('title_years', 'fail')])
>>> evaluate(c, "first", rules, date(2024, 9, 1)).eligible
True
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

LADDER = ("third", "second", "first", "senior", "professor")
RULES = (
    "current_title",
    "degree",
    "stage",
    "title_years",
    "rural_service",
    "training_hours",
    "ethics_bar",
)
PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"

# The stages a school's teachers may apply in (a nine-year school teaches primary and junior).
SCHOOL_STAGES = {
    "primary": frozenset({"primary"}),
    "junior": frozenset({"junior"}),
    "senior": frozenset({"senior"}),
    "nine_year": frozenset({"primary", "junior"}),
    "twelve_year": frozenset({"primary", "junior", "senior"}),
}


def add_years(day: date, years: int) -> date:
    """`day` plus whole years; 29 February becomes 28 February in a common year."""
    year = day.year + years
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def next_title(current: str | None) -> str | None:
    """The title above `current` on the ladder (None above the top)."""
    if current is None:
        return LADDER[0]
    i = LADDER.index(current)
    return LADDER[i + 1] if i + 1 < len(LADDER) else None


@dataclass(frozen=True)
class Candidate:
    """What the registry knows about a teacher for eligibility; None: not known."""

    teacher: int | str
    current_title: str | None  # None: no title held
    title_since: date | None  # when the current title was obtained
    degree: str | None  # highest completed education level
    work_start: date | None
    stages: frozenset[str] | None  # stages the teacher may apply in (None: no current school)
    location: str | None  # location of the current school (urban, town, rural)
    rural_days: int | None = 0  # days of service at rural schools (None: a period's dates unknown)
    weak_days: int | None = 0  # days of service at designated weak schools
    training_complete: bool | None = None  # None: no training record at all
    training_hours: Decimal | None = None
    training_required: Decimal | None = None
    barred_until: date | None = None  # ethics bar from title evaluation: first free day
    barred: bool = False  # a bar holds (barred_until None then: no end)


@dataclass(frozen=True)
class Check:
    rule: str
    status: str  # pass, fail, unknown
    code: str  # the message: see titles/eligibility.py for the texts
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Eligibility:
    teacher: int | str
    target: str | None
    checks: tuple[Check, ...]
    rule_version: str

    @property
    def eligible(self) -> bool:
        return self.target is not None and all(c.status == PASS for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        """The checks that do not pass (failed or unknown), in rule order."""
        return [c for c in self.checks if c.status != PASS]


def _route(rules: Mapping, target: str, degree: str) -> dict | None:
    for route in rules["routes"].get(target, []):
        if degree in route["degrees"]:
            return route
    return None


def _accepted_degrees(rules: Mapping, target: str) -> list[str]:
    out: list[str] = []
    for route in rules["routes"].get(target, []):
        out += [d for d in route["degrees"] if d not in out]
    return out


def evaluate(c: Candidate, target: str, rules: Mapping, on: date) -> Eligibility:
    """Check `c` for `target` on `on` (the round's reference date) under `rules` (the rule
    file: `routes` per target, `rural_service`, the `version`). One check per rule key."""
    checks: list[Check] = []
    add = checks.append
    rank = LADDER.index(target)
    held = LADDER.index(c.current_title) if c.current_title else -1
    route = _route(rules, target, c.degree) if c.degree else None

    # degree
    if c.degree is None:
        add(Check("degree", UNKNOWN, "degree_missing"))
    elif route is None:
        add(Check("degree", FAIL, "degree_not_accepted",
                  {"degree": c.degree, "accepted": _accepted_degrees(rules, target)}))  # fmt: skip
    else:
        add(Check("degree", PASS, "degree_ok", {"degree": c.degree}))

    # current_title
    if held >= rank:
        add(Check("current_title", FAIL, "title_already_held", {"title": c.current_title}))
    elif route is None:
        add(Check("current_title", UNKNOWN if c.degree is None else FAIL, "title_needs_route"))
    elif route.get("from_title"):
        if c.current_title == route["from_title"]:
            add(Check("current_title", PASS, "title_ok", {"title": c.current_title}))
        else:
            add(Check("current_title", FAIL, "title_required",
                      {"required": route["from_title"], "title": c.current_title}))  # fmt: skip
    else:
        add(Check("current_title", PASS, "title_not_needed"))

    # stage
    limit = route.get("stages") if route else None
    if route is None:
        add(Check("stage", UNKNOWN if c.degree is None else FAIL, "stage_needs_route"))
    elif not limit:
        add(Check("stage", PASS, "stage_any"))
    elif c.stages is None:
        add(Check("stage", UNKNOWN, "stage_missing", {"stages": list(limit)}))
    elif c.stages & set(limit):
        add(Check("stage", PASS, "stage_ok", {"stages": list(limit)}))
    else:
        add(Check("stage", FAIL, "stage_limited", {"stages": list(limit), "degree": c.degree}))

    # title_years
    if route is None:
        add(Check("title_years", UNKNOWN if c.degree is None else FAIL, "years_needs_route"))
    else:
        years = int(route.get("years", 0))
        since_work = route.get("since") == "work_start"
        start = c.work_start if since_work else c.title_since
        what = "work" if since_work else "title"
        if years == 0:
            add(Check("title_years", PASS, "years_none"))
        elif not since_work and c.current_title != route.get("from_title"):
            add(Check("title_years", FAIL, "years_title_not_held", {"years": years}))
        elif start is None:
            add(Check("title_years", UNKNOWN, f"years_{what}_date_missing", {"years": years}))
        else:
            due = add_years(start, years)
            status = PASS if due <= on else FAIL
            add(Check("title_years", status, f"years_{what}_{status}",
                      {"years": years, "since": start, "due": due, "on": on}))  # fmt: skip

    # rural_service
    rural = rules.get("rural_service") or {}
    if target not in rural.get("targets", []):
        add(Check("rural_service", PASS, "rural_not_needed"))
    elif c.location is None:
        add(Check("rural_service", UNKNOWN, "rural_location_missing"))
    elif c.location not in rural.get("locations", []):
        add(Check("rural_service", PASS, "rural_not_urban", {"location": c.location}))
    else:
        need_rural = int(rural["rural_years"]) * 365
        need_weak = int(rural["weak_years"]) * 365
        params = {"rural_years": rural["rural_years"], "weak_years": rural["weak_years"],
                  "rural_days": c.rural_days, "weak_days": c.weak_days}  # fmt: skip
        if (c.rural_days or 0) >= need_rural or (c.weak_days or 0) >= need_weak:
            add(Check("rural_service", PASS, "rural_ok", params))
        elif c.rural_days is None or c.weak_days is None:
            add(Check("rural_service", UNKNOWN, "rural_dates_missing", params))
        else:
            add(Check("rural_service", FAIL, "rural_short", params))

    # training_hours
    params = {"hours": c.training_hours, "required": c.training_required}
    if c.training_complete is None:
        add(Check("training_hours", UNKNOWN, "training_missing", params))
    elif c.training_complete:
        add(Check("training_hours", PASS, "training_ok", params))
    else:
        add(Check("training_hours", FAIL, "training_short", params))

    # ethics_bar
    if not c.barred:
        add(Check("ethics_bar", PASS, "ethics_ok"))
    elif c.barred_until is None:
        add(Check("ethics_bar", FAIL, "ethics_barred_no_end"))
    else:
        add(Check("ethics_bar", FAIL, "ethics_barred", {"until": c.barred_until}))

    order = {r: i for i, r in enumerate(RULES)}
    checks.sort(key=lambda x: order[x.rule])
    return Eligibility(c.teacher, target, tuple(checks), str(rules["version"]))


def target_for(c: Candidate, rules: Mapping) -> str | None:
    """The title a candidate would apply for next: the one above the title held; for a
    teacher without a title, the highest title one of whose routes needs no title and accepts
    their degree (a doctorate may be assessed first-grade directly), else the ladder's first."""
    if c.current_title is not None:
        return next_title(c.current_title)
    if c.degree is not None:
        for target in reversed(LADDER):
            route = _route(rules, target, c.degree)
            if route is not None and not route.get("from_title"):
                return target
    return LADDER[0]


def validate_rules(rules: Mapping) -> None:
    """A rule file is consistent: known titles, one route per degree and target."""
    for target, routes in rules["routes"].items():
        if target not in LADDER:
            raise ValueError(f"unknown title {target!r}")
        seen: set[str] = set()
        for route in routes:
            if route.get("from_title") and LADDER.index(route["from_title"]) >= LADDER.index(
                target
            ):
                raise ValueError(f"{target}: route from {route['from_title']!r} is not below it")
            clash = seen & set(route["degrees"])
            if clash:
                raise ValueError(f"{target}: two routes for {sorted(clash)}")
            seen |= set(route["degrees"])


# --- the expert panel -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewer:
    """An expert in the pool: the subjects and stages they review, where they work, and the
    teachers they declared a relation with."""

    id: int
    subjects: frozenset[str]
    stages: frozenset[str]
    school: int | None = None
    district: int | None = None
    related: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Applicant:
    id: int  # the application
    teacher: int
    subject: str
    stage: str
    school: int | None
    district: int | None


@dataclass(frozen=True)
class Panel:
    members: tuple[int, ...]  # reviewer ids, in drawing order
    excluded: dict  # reviewer id → reason (subject, stage, same_school, same_district, relation)
    eligible: int  # how many reviewers could be drawn
    seed: str

    @property
    def complete(self) -> bool:
        return bool(self.members)


def conflict(r: Reviewer, a: Applicant, *, avoid_same_district: bool) -> str | None:
    """Why `r` may not review `a` (None: no reason)."""
    if a.subject not in r.subjects:
        return "subject"
    if a.stage not in r.stages:
        return "stage"
    if a.school is not None and r.school == a.school:
        return "same_school"
    if avoid_same_district and a.district is not None and r.district == a.district:
        return "same_district"
    if a.teacher in r.related:
        return "relation"
    return None


def draw_panel(
    pool: Iterable[Reviewer], applicant: Applicant, size: int, seed: str, *,
    avoid_same_district: bool = False,
) -> Panel:  # fmt: skip
    """Draw `size` reviewers for `applicant` at random among those without a conflict.

    Reproducible: the draw depends only on the pool, the applicant and the recorded `seed`
    (a stream seeded with "seed:application id" samples the eligible reviewers sorted by id),
    so the same seed gives the same panel. Fewer eligible than `size`: all of them (the caller
    decides whether that is enough).

    >>> pool = [Reviewer(i, frozenset({"math"}), frozenset({"primary"}), school=i) for i in range(1, 6)]
    >>> a = Applicant(7, 70, "math", "primary", school=2, district=None)
    >>> p = draw_panel(pool, a, 3, "s1")
    >>> p == draw_panel(reversed(pool), a, 3, "s1"), 2 in p.members, p.excluded
    (True, False, {2: 'same_school'})
    """
    excluded: dict[int, str] = {}
    eligible: list[int] = []
    for r in sorted(pool, key=lambda r: r.id):
        why = conflict(r, applicant, avoid_same_district=avoid_same_district)
        if why:
            excluded[r.id] = why
        else:
            eligible.append(r.id)
    rng = random.Random(f"{seed}:{applicant.id}")
    members = tuple(rng.sample(eligible, min(size, len(eligible))))
    return Panel(members=members, excluded=excluded, eligible=len(eligible), seed=seed)


# --- scores, aggregation, ranking -----------------------------------------------------------


class ScoreError(ValueError):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def score_total(rubric: Mapping, scores: Mapping[str, object]) -> Decimal:
    """The total of one reviewer's scores on the rubric: every criterion scored, each from 0
    to its maximum (`rubric["criteria"]`: key → {max, …}).

    >>> score_total({"criteria": {"a": {"max": 10}, "b": {"max": 5}}}, {"a": "7.5", "b": 5})
    Decimal('12.5')
    """
    total = Decimal(0)
    criteria = rubric["criteria"]
    unknown = sorted(set(scores) - set(criteria))
    if unknown:
        raise ScoreError("unknown_criterion", criterion=unknown[0])
    for key, spec in criteria.items():
        raw = scores.get(key)
        if raw is None or raw == "":
            raise ScoreError("missing", criterion=key)
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            raise ScoreError("not_a_number", criterion=key) from None
        if not value.is_finite() or value < 0 or value > Decimal(str(spec["max"])):
            raise ScoreError("out_of_range", criterion=key, max=spec["max"])
        total += value
    return total


def aggregate(totals: Sequence[Decimal], method: str, trim: int = 1) -> Decimal | None:
    """One application's score from its reviewers' totals, to two decimals: the `mean`, or the
    `trimmed_mean` without the `trim` highest and `trim` lowest totals (None when fewer than
    2 × trim + 1 totals remain to trim from; None for no totals).

    >>> aggregate([Decimal(80), Decimal(90), Decimal(70), Decimal(99)], "trimmed_mean")
    Decimal('85.00')
    >>> aggregate([Decimal(80), Decimal(90), Decimal(70), Decimal(99)], "mean")
    Decimal('84.75')
    """
    values = sorted(Decimal(t) for t in totals)
    if not values:
        return None
    if method == "trimmed_mean":
        if len(values) < 2 * trim + 1:
            return None
        values = values[trim : len(values) - trim]
    elif method != "mean":
        raise ValueError(f"unknown aggregation {method!r}")
    mean = sum(values) / len(values)
    return mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Ranked:
    id: int
    score: Decimal | None
    rank: int | None  # None: no score
    within_quota: bool


def rank_within_quota(entries: Iterable[tuple[int, Decimal | None]], quota: int) -> list[Ranked]:
    """Rank applications by score (highest first; ties by id, the earlier application first)
    and mark the first `quota` as within it. An application without a score is never within.

    >>> [(r.id, r.rank, r.within_quota) for r in rank_within_quota(
    ...     [(1, Decimal(80)), (2, Decimal(90)), (3, None), (4, Decimal(80))], 2)]
    [(2, 1, True), (1, 2, True), (4, 3, False), (3, None, False)]
    """
    entries = list(entries)
    scored = sorted((e for e in entries if e[1] is not None), key=lambda e: (-e[1], e[0]))
    unscored = sorted((e for e in entries if e[1] is None), key=lambda e: e[0])
    out = [Ranked(i, s, n, n <= quota) for n, (i, s) in enumerate(scored, start=1)]
    return out + [Ranked(i, None, None, False) for i, _ in unscored]
