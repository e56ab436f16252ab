"""Teacher award eligibility and long-service honours (issue 17, POLICY.md §6), on plain data.

An award round (excellent teacher, excellent homeroom teacher, master teacher, …) sets criteria
from a versioned rule file; `check` answers, rule by rule, whether a candidate meets each one on
the round's reference date, with a stable rule key and the facts a message needs. A rule whose
data is missing answers "missing", never "pass" or "fail": the registry does not say, and the
page shows it as such. A candidate is eligible only when every rule passes.

Rule keys (stable across languages): ``teaching_years``, ``appraisals``,
``appraisal_excellent``, ``ethics_bar``, ``not_recently_awarded``, ``title``, ``homeroom``.

>>> c = Criteria(min_teaching_years=5, appraisal_years=3, appraisal_min_grade="competent",
...     grade_order=("excellent", "competent", "basic", "incompetent"))
>>> who = Candidate(work_start=date(2010, 9, 1), appraisals={2025: "excellent",
...     2024: "competent", 2023: "competent"})
>>> [(r.rule, r.status) for r in check(who, c, on=date(2026, 8, 31), year=2026)]
[('teaching_years', 'pass'), ('appraisals', 'pass'), ('ethics_bar', 'pass')]
>>> long_service(date(1996, 9, 1), 2026, years=30)
'reached'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PASS, FAIL, MISSING = "pass", "fail", "missing"


@dataclass(frozen=True)
class Criteria:
    """What a round asks (None or 0: the rule is not applied)."""

    min_teaching_years: int | None = None
    appraisal_years: int = 0  # the last N years before the round's year
    appraisal_min_grade: str | None = None
    appraisal_excellent_min: int = 0  # at least this many "excellent" among those years
    grade_order: tuple[str, ...] = ()  # best first; a grade outside it meets no minimum
    repeat_years: int | None = None  # not awarded the same within this many years
    min_title: str | None = None
    title_order: tuple[str, ...] = ()  # lowest first
    homeroom: bool = False  # must hold a homeroom post


@dataclass(frozen=True)
class Candidate:
    """The registry's facts about one teacher (None: not recorded)."""

    work_start: date | None = None
    appraisals: dict[int, str] = field(default_factory=dict)  # year -> grade
    barred_until: date | None = None  # an awards bar on the date: the first day it ends
    barred: bool = False  # barred from awards on the date (barred_until None: no end)
    previous_awards: tuple[date, ...] = ()  # the same award given before, by date
    title: str | None = None
    is_homeroom: bool | None = None


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: str  # pass, fail, missing
    params: dict = field(default_factory=dict)


def full_years(start: date, on: date) -> int:
    """Whole years from `start` to `on` (a birthday-style count).

    >>> full_years(date(2016, 9, 1), date(2026, 8, 31)), full_years(date(2016, 9, 1), date(2026, 9, 1))
    (9, 10)
    """
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def _teaching_years(c: Candidate, k: Criteria, on: date) -> RuleResult:
    need = k.min_teaching_years
    if c.work_start is None:
        return RuleResult("teaching_years", MISSING, {"required": need})
    years = full_years(c.work_start, on)
    status = PASS if years >= need else FAIL
    return RuleResult("teaching_years", status, {"years": years, "required": need})


def _appraisals(c: Candidate, k: Criteria, year: int) -> list[RuleResult]:
    years = list(range(year - 1, year - 1 - k.appraisal_years, -1))
    missing = [y for y in years if y not in c.appraisals]
    out = []
    if k.appraisal_min_grade:
        floor = k.grade_order.index(k.appraisal_min_grade)
        below = [
            y
            for y in years
            if y in c.appraisals
            and (
                c.appraisals[y] not in k.grade_order or k.grade_order.index(c.appraisals[y]) > floor
            )
        ]
        params = {"years": years, "minimum": k.appraisal_min_grade}
        if below:
            out.append(RuleResult("appraisals", FAIL, {**params, "below": below}))
        elif missing:
            out.append(RuleResult("appraisals", MISSING, {**params, "missing": missing}))
        else:
            out.append(RuleResult("appraisals", PASS, params))
    if k.appraisal_excellent_min:
        best = k.grade_order[0] if k.grade_order else "excellent"
        count = sum(1 for y in years if c.appraisals.get(y) == best)
        params = {"years": years, "count": count, "required": k.appraisal_excellent_min}
        if count >= k.appraisal_excellent_min:
            out.append(RuleResult("appraisal_excellent", PASS, params))
        elif count + len(missing) >= k.appraisal_excellent_min:
            # The years not recorded could still make up the count: the registry does not say.
            out.append(RuleResult("appraisal_excellent", MISSING, {**params, "missing": missing}))
        else:
            out.append(RuleResult("appraisal_excellent", FAIL, params))
    return out


def _title(c: Candidate, k: Criteria) -> RuleResult:
    params = {"minimum": k.min_title}
    if c.title is None:
        return RuleResult("title", MISSING, params)
    held = k.title_order.index(c.title) if c.title in k.title_order else -1
    ok = held >= k.title_order.index(k.min_title)
    return RuleResult("title", PASS if ok else FAIL, {**params, "title": c.title})


def _not_recent(c: Candidate, k: Criteria, on: date) -> RuleResult:
    since = date(on.year - k.repeat_years, on.month, min(on.day, 28))
    recent = sorted(d for d in c.previous_awards if since < d <= on)
    params = {"within": k.repeat_years}
    if recent:
        return RuleResult("not_recently_awarded", FAIL, {**params, "awarded_on": recent[-1]})
    return RuleResult("not_recently_awarded", PASS, params)


def check(c: Candidate, k: Criteria, *, on: date, year: int) -> list[RuleResult]:
    """Each rule of `k` for `c` on the reference date `on` of a round of `year`, in a fixed
    order. Appraisals are those of the `appraisal_years` years before `year`."""
    out: list[RuleResult] = []
    if k.min_teaching_years:
        out.append(_teaching_years(c, k, on))
    if k.appraisal_years:
        out.extend(_appraisals(c, k, year))
    if k.min_title:
        out.append(_title(c, k))
    if k.homeroom:
        if c.is_homeroom is None:
            out.append(RuleResult("homeroom", MISSING))
        else:
            out.append(RuleResult("homeroom", PASS if c.is_homeroom else FAIL))
    if c.barred:
        out.append(RuleResult("ethics_bar", FAIL, {"until": c.barred_until}))
    else:
        out.append(RuleResult("ethics_bar", PASS))
    if k.repeat_years:
        out.append(_not_recent(c, k, on))
    return out


def eligible(results: list[RuleResult]) -> bool:
    """Eligible only when every rule passes (a missing fact is not a pass)."""
    return all(r.status == PASS for r in results)


def long_service(work_start: date | None, year: int, *, years: int) -> str:
    """Whether a teacher reaches `years` of teaching in `year`: "reached" (the start year is
    `year - years`), "earlier" (reached before), "not_yet", or "unknown" (no start recorded).

    >>> [long_service(d, 2026, years=30) for d in (date(1995, 3, 1), date(1997, 1, 1), None)]
    ['earlier', 'not_yet', 'unknown']
    """
    if work_start is None:
        return "unknown"
    if work_start.year == year - years:
        return "reached"
    return "earlier" if work_start.year < year - years else "not_yet"
