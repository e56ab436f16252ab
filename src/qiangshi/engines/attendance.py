"""Attendance at a programme's sessions and the hours it credits (继续教育, POLICY.md §4).

Each session has hours; a teacher's attendance share is the session hours they attended over
the hours of all the programme's sessions:

    share    = Σ hours of sessions attended / Σ hours of all sessions
    credited = programme hours × share, to a tenth of an hour (when the programme credits by
               attendance; otherwise the programme's hours)

A session nobody marked for the teacher is *unmarked*, not absent: a completion cannot be
confirmed while any session is unmarked, and the share is not computed.

>>> marks = [Mark(Decimal(3), True), Mark(Decimal(3), False), Mark(Decimal(2), True)]
>>> a = attendance(marks)
>>> (a.share, a.unmarked)
(Decimal('0.625'), 0)
>>> credited_hours(Decimal(24), a, by_attendance=True)
Decimal('15.0')
>>> attendance([Mark(Decimal(3), None)]).share is None
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Mark:
    """One session for one teacher: its hours and whether they attended (None: not marked)."""

    hours: Decimal
    present: bool | None


@dataclass(frozen=True)
class Attendance:
    sessions: int
    attended: int
    unmarked: int
    hours_total: Decimal
    hours_attended: Decimal
    share: Decimal | None  # None: no sessions, or some not marked

    def meets(self, minimum: Decimal) -> bool | None:
        """Whether the share reaches `minimum` (None when it cannot be said)."""
        return None if self.share is None else self.share >= minimum


def attendance(marks: Iterable[Mark]) -> Attendance:
    """The attendance of one teacher over a programme's sessions."""
    marks = list(marks)
    total = sum((m.hours for m in marks), Decimal(0))
    attended = [m for m in marks if m.present]
    unmarked = sum(1 for m in marks if m.present is None)
    hours_attended = sum((m.hours for m in attended), Decimal(0))
    share = None if unmarked or not total else hours_attended / total
    return Attendance(len(marks), len(attended), unmarked, total, hours_attended, share)


def credited_hours(programme_hours: Decimal, att: Attendance, *, by_attendance: bool) -> Decimal:
    """The hours a confirmed completion credits: the programme's, or in proportion to the
    attendance share when the programme says so (and has sessions)."""
    if not by_attendance or att.share is None:
        return programme_hours
    return (programme_hours * att.share).quantize(TENTH, rounding=ROUND_HALF_UP)
