"""Each teacher's current title, highest completed education, school and area, kept in
`TeacherCurrent`.

The history (TitleRecord, EducationRecord, Employment) is the truth; `TeacherCurrent` is a projection of it
that the lists, the API and the dashboard read instead of recomputing "the highest title" and
"the highest completed degree" for every teacher on every view. This module is the one place
that computes and writes it:

- `refresh(teacher_ids)` recomputes the rows of those teachers from their history (a few
  grouped queries, whatever the number of teachers) and replaces them. Every write that
  changes the history calls it in its own transaction: the record services of
  `teachers.services`, the imports (through `kept_current`), the demo builder.
- `kept_current()` collects the teachers a bulk write touches (`touched(ids)`) and refreshes
  them once, at the end of the block, inside the caller's transaction.
- `mismatches()` recomputes every teacher and lists those whose row differs from the history;
  `qiangshi check_projections [--fix]` reports (and puts right) them. A degree whose graduation
  date comes after the last refresh makes the row stale on that day: `education_due_on` holds
  that date, and the daily `check_projections --fix` refreshes it.
"""

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Max, Min, Q, Value, When
from django.utils import timezone

from qiangshi.core.bulk import filter_in, insert_tuples

from .models import (
    EDUCATION_RANK,
    TITLE_RANK,
    EducationRecord,
    Employment,
    Teacher,
    TeacherCurrent,
    TitleRecord,
)

TITLE_BY_ORDER = {order: rank for rank, order in TITLE_RANK.items()}
EDUCATION_BY_ORDER = {order: level for level, order in EDUCATION_RANK.items()}
FIELDS = (
    "title_rank",
    "title_order",
    "education_level",
    "education_order",
    "education_due_on",
    "is_current",
    "school_id",
    "district_id",
)
CHUNK = 20_000


@dataclass(frozen=True)
class State:
    title_rank: str | None = None
    title_order: int | None = None
    education_level: str | None = None
    education_order: int | None = None
    education_due_on: date | None = None
    is_current: bool = False
    school_id: int | None = None
    district_id: int | None = None


def _order(field: str, ranks: dict[str, int]) -> Case:
    return Case(
        *[When(**{field: k}, then=Value(v)) for k, v in ranks.items()], output_field=IntegerField()
    )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def compute(teacher_ids: Iterable[int], today: date | None = None) -> dict[int, State]:
    """What the history says of these teachers today: {teacher id: State}."""
    today = today or timezone.localdate()
    ids = sorted(set(teacher_ids))
    titles: dict[int, int] = {}
    education: dict[int, tuple[int | None, date | None]] = {}
    for qs in filter_in(TitleRecord.objects.all(), "teacher_id", ids):
        rows = qs.order_by().values("teacher_id").annotate(o=Max(_order("rank", TITLE_RANK)))
        titles.update((r["teacher_id"], r["o"]) for r in rows)
    completed = Q(end_date__lte=today) | Q(end_date__isnull=True, end_date_missing=True)
    for qs in filter_in(EducationRecord.objects.all(), "teacher_id", ids):
        rows = (
            qs.order_by()
            .values("teacher_id")
            .annotate(
                o=Max(_order("level", EDUCATION_RANK), filter=completed),
                due=Min("end_date", filter=Q(end_date__gt=today)),
            )
        )
        education.update((r["teacher_id"], (r["o"], r["due"])) for r in rows)
    # The open employment (at most one); else the last one, by start date (an unknown start
    # counts as the earliest), then by entry.
    jobs: dict[int, tuple[bool, int | None, int | None]] = {}
    for qs in filter_in(Employment.objects.all(), "teacher_id", ids):
        rows = qs.order_by("teacher_id", F("start_date").asc(nulls_first=True), "pk").values_list(
            "teacher_id", "end_date", "school_id", "school__district_id"
        )
        for teacher_id, end, school_id, district_id in rows:
            held = jobs.get(teacher_id)
            if held is not None and held[0]:
                continue
            jobs[teacher_id] = (end is None, school_id if end is None else None, district_id)
    out = {}
    for pk in ids:
        title = titles.get(pk)
        level, due = education.get(pk, (None, None))
        is_current, school_id, district_id = jobs.get(pk, (False, None, None))
        out[pk] = State(
            title_rank=TITLE_BY_ORDER.get(title),
            title_order=title,
            education_level=EDUCATION_BY_ORDER.get(level),
            education_order=level,
            education_due_on=due,
            is_current=is_current,
            school_id=school_id,
            district_id=district_id,
        )
    return out


@functools.lru_cache(maxsize=4096)
def new_state(
    title_ranks: tuple[str, ...],
    education: tuple[tuple[str, date | None, bool], ...],
    school_id: int | None,
    district_id: int | None,
    today: date,
) -> State:
    """The row of a teacher whose whole history is being written now (one an import
    creates: its title and education records, one open employment at `school_id`): what
    `compute` finds once that history is in the database. `education` holds (level, end date,
    end date missing) of each record. (Cached: a roster's teachers share a few dozen rows.)"""
    title = max((TITLE_RANK[r] for r in title_ranks if r in TITLE_RANK), default=None)
    level = due = None
    for name, end, missing in education:
        if end is not None and end > today:
            due = end if due is None else min(due, end)
        elif (end is not None or missing) and name in EDUCATION_RANK:
            order = EDUCATION_RANK[name]
            level = order if level is None else max(level, order)
    return State(
        title_rank=TITLE_BY_ORDER.get(title),
        title_order=title,
        education_level=EDUCATION_BY_ORDER.get(level),
        education_order=level,
        education_due_on=due,
        is_current=school_id is not None,
        school_id=school_id,
        district_id=district_id,
    )


@functools.lru_cache(maxsize=4096)
def _values(state: State) -> tuple:
    return tuple(getattr(state, f) for f in FIELDS)


def insert_new(states: dict[int, State], today: date, *, writer=None) -> None:
    """Write the rows of teachers created in this transaction (see `new_state`), through
    COPY (queued on `writer`, a `core.bulk.CopyWriter`, when given)."""
    if not states:
        return
    rows = [(today, *_values(state)) for state in states.values()]
    insert_tuples(TeacherCurrent, ("as_of", *FIELDS), rows, keys=list(states), writer=writer)


def refresh(teacher_ids: Iterable[int], today: date | None = None) -> int:
    """Recompute and replace the rows of these teachers (call it inside the transaction that
    changed their history). Returns the number of rows written."""
    today = today or timezone.localdate()
    ids = sorted(set(teacher_ids))
    written = 0
    for chunk in _chunks(ids):
        states = compute(chunk, today)
        for qs in filter_in(TeacherCurrent.objects.all(), "teacher_id", chunk):
            qs.delete()
        # Only teachers that exist (one deleted in the same transaction has no row).
        present = sorted(
            pk
            for qs in filter_in(Teacher.objects.all(), "pk", chunk)
            for pk in qs.values_list("pk", flat=True)
        )
        # Plain tuples through COPY, keyed by the teacher (no model instance per row: 1.5 s of
        # 100,000 teachers imported).
        rows = [(today, *[getattr(states[pk], f) for f in FIELDS]) for pk in present]
        insert_tuples(TeacherCurrent, ("as_of", *FIELDS), rows, keys=present)
        written += len(rows)
    return written


def refresh_all(today: date | None = None) -> int:
    """Recompute every teacher's row (the data migration, and a repair after a restore)."""
    return refresh(Teacher.objects.values_list("pk", flat=True), today)


def stored(teacher_ids: Iterable[int]) -> dict[int, State]:
    out = {}
    for qs in filter_in(TeacherCurrent.objects.all(), "teacher_id", list(teacher_ids)):
        for row in qs.values("teacher_id", *FIELDS):
            pk = row.pop("teacher_id")
            out[pk] = State(**row)
    return out


def mismatches(today: date | None = None) -> list[int]:
    """The teachers whose row differs from their history (a missing row included), and the
    rows of no teacher."""
    today = today or timezone.localdate()
    ids = list(Teacher.objects.order_by("pk").values_list("pk", flat=True))
    wrong = []
    for chunk in _chunks(ids):
        expected, have = compute(chunk, today), stored(chunk)
        wrong += [pk for pk in chunk if have.get(pk) != expected[pk]]
    return wrong


# --- Bulk writes: refresh once, at the end --------------------------------------------------

_TOUCHED: ContextVar[set[int] | None] = ContextVar("qiangshi_projection_touched", default=None)


@contextmanager
def kept_current() -> Iterator[None]:
    """Refresh, as the block ends without error, the teachers `touched` inside it. Open it
    inside the transaction that writes, so that the projection commits with the history."""
    touched: set[int] = set()
    token = _TOUCHED.set(touched)
    try:
        yield
    finally:
        _TOUCHED.reset(token)
    if touched and not (connection.in_atomic_block and transaction.get_rollback()):
        refresh(touched)


def touched(teacher_ids: Iterable[int]) -> None:
    """Teachers whose titles or education a bulk write changed: refreshed at the end of the
    enclosing `kept_current` block, or at once outside one."""
    collected = _TOUCHED.get()
    if collected is None:
        refresh(teacher_ids)
    else:
        collected.update(teacher_ids)
