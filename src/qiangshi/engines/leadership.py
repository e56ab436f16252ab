"""School leadership terms (POLICY.md §14, §8): who holds a post on a date, whether two
holdings of a single-holder post overlap, and how many full terms a principal has served.

A holding runs from `starts_on` to `until` (exclusive): the day the holder left (`left_on`), or
else the term's appointed end (`ends_on`); neither given: still open. A term is *full* when its
appointed end is recorded, has passed on the day asked about, and the holder did not leave before
it. A term's `term_number` says which term it is in that post at that school: the terms before the
first one recorded are counted as served in full (the record starts with the current term in many
schools), so a principal recorded only with an ongoing third term has served two full terms.

>>> t1 = Term(term_number=1, starts_on=date(2016, 9, 1), ends_on=date(2021, 9, 1))
>>> t2 = Term(term_number=2, starts_on=date(2021, 9, 1), ends_on=date(2026, 9, 1))
>>> full_terms([t1, t2], date(2025, 9, 1))
1
>>> full_terms([t1, t2], date(2026, 9, 1))
2
>>> full_terms([Term(term_number=3, starts_on=date(2024, 9, 1))], date(2025, 9, 1))
2
>>> overlaps(t1, t2)
False
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Term:
    """One holding of a post: the term's number, start, appointed end and the day the holder
    left (None when not recorded)."""

    term_number: int
    starts_on: date
    ends_on: date | None = None
    left_on: date | None = None

    @property
    def until(self) -> date | None:
        """The first day the holder is no longer in the post (None: open)."""
        if self.left_on is not None and (self.ends_on is None or self.left_on < self.ends_on):
            return self.left_on
        return self.ends_on


def holds_on(term: Term, on: date) -> bool:
    """Whether the holder is in the post on `on`."""
    return term.starts_on <= on and (term.until is None or on < term.until)


def overlaps(a: Term, b: Term) -> bool:
    """Whether two holdings share at least one day."""
    a_before_b_ends = b.until is None or a.starts_on < b.until
    b_before_a_ends = a.until is None or b.starts_on < a.until
    return a_before_b_ends and b_before_a_ends


def is_full(term: Term, on: date) -> bool:
    """Whether the term was served in full by `on`: its appointed end is recorded and passed,
    and the holder did not leave before it."""
    if term.ends_on is None or term.ends_on > on:
        return False
    return term.left_on is None or term.left_on >= term.ends_on


def full_terms(terms: Iterable[Term], on: date) -> int:
    """Full terms served in one post at one school by `on`: the terms before the first recorded
    one (`term_number` − 1), plus the recorded terms served in full. Terms starting after `on`
    do not count. No terms: 0."""
    started = [t for t in terms if t.starts_on <= on]
    if not started:
        return 0
    before = min(t.term_number for t in started) - 1
    return max(before, 0) + sum(is_full(t, on) for t in started)
