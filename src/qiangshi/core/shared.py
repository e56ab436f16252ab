"""Aggregates shared briefly between the users of one area, until the data changes.

A region's evaluation or staffing report reads every teacher of the region. `shared` keeps
such a value for at most QIANGSHI_DASHBOARD_CACHE_SECONDS (default 600; 0 turns it off, as in
the tests) in the cache, keyed by what the value depends on, including the rows the reader may
see (`query_key` of the scoped queryset), so that readers of the same area share it and no
reader gets another area's figures.

Every value also carries the data's generation: any committed write to the registry (an
INSERT, UPDATE, DELETE or COPY, seen by `watch_writes` on every database connection, or
announced by `data_changed_on_commit`) starts a new one, so a page read after a write never
shows a figure from before it. Writes that change no figure (sessions, sign-in bookkeeping,
the audit trail: `UNSHARED_TABLES`) keep it. So while nobody writes, as when many people browse,
the figures are computed once per area, and once again every QIANGSHI_DASHBOARD_CACHE_SECONDS:
that limit only bounds how long an edit made outside the application (in psql, say) can go
unseen. Values are also keyed by today's date (ages and open terms change with it).
"""

import hashlib
import re
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection as default_connection
from django.db.models import QuerySet

T = TypeVar("T")


def query_key(queryset: QuerySet) -> Any:
    """What identifies the rows of `queryset`: its SQL and parameters (None when it selects
    nothing)."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


GENERATION = "qiangshi:shared:generation"
# Tables whose writes change no shared figure: written while people only read pages.
UNSHARED_TABLES = ("django_session", "axes_", "core_auditlog", "access_user", "otp_")
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)', re.I)


def _sharing() -> bool:
    return settings.QIANGSHI_DASHBOARD_CACHE_SECONDS > 0


def generation() -> str:
    """The data's current generation (read before computing a value to keep under it); "0"
    when figures are not shared."""
    if not _sharing():
        return "0"
    current = cache.get(GENERATION)
    if current is None:
        cache.add(GENERATION, uuid.uuid4().hex, None)
        current = cache.get(GENERATION) or "0"
    return current


def data_changed() -> None:
    """Start a new generation: every value kept so far is recomputed when next asked for."""
    if _sharing():
        cache.set(GENERATION, uuid.uuid4().hex, None)


def data_changed_on_commit(connection=None) -> None:
    """`data_changed` once the current transaction commits (at once outside one); once per
    transaction however often it is called."""
    if not _sharing():
        return
    connection = connection or default_connection
    if not connection.in_atomic_block:
        data_changed()
    elif not any(func is data_changed for _, func, _ in connection.run_on_commit):
        connection.on_commit(data_changed)


def watch_writes(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection, see CoreConfig.ready) that
    announces a write to the registry."""
    result = execute(sql, params, many, context)
    match = _WRITE.match(sql) if _sharing() else None
    if match and not match.group(1).lower().startswith(UNSHARED_TABLES):
        data_changed_on_commit(context["connection"])
    return result


def _key(parts: Any, current: str) -> str:
    text = repr((parts, date.today(), current))
    return "qiangshi:shared:" + hashlib.sha256(text.encode()).hexdigest()


def shared_get(parts: Any, current: str | None = None) -> Any:
    """The value kept for `parts` today in generation `current` (by default the data's current
    one), or None (also when sharing is off)."""
    if not _sharing():
        return None
    return cache.get(_key(parts, generation() if current is None else current))


def shared_set(parts: Any, value: Any, current: str | None = None) -> None:
    """Keep `value` for `parts` under generation `current` (the one read before computing it:
    a value computed while a write committed is then kept under the old generation, where
    nobody looks any more)."""
    if _sharing():
        key = _key(parts, generation() if current is None else current)
        cache.set(key, value, settings.QIANGSHI_DASHBOARD_CACHE_SECONDS)


# While one reader computes a value, the others wait for it this long at most (then compute it
# themselves), asking the cache every POLL seconds.
WAIT_SECONDS = 30
POLL_SECONDS = 0.05


def _computing_key(name: str, parts: Any, current: str) -> str:
    """The cache key held while one reader computes `shared(name, parts)`."""
    return _key(("computing", name, parts), current)


def shared(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """`compute()`, or its value kept for the same `name` and `parts` today, since the last
    write.

    One reader computes a missing value; readers who ask for it meanwhile wait for that value
    instead of computing it too. After a write, twenty readers of a province's balance page
    would otherwise each spend its two seconds of SQL at once. A value is kept in a 1-tuple, so
    that None (a figure nobody has recorded yet) is kept too, not taken for a miss."""
    if not _sharing():
        return compute()
    current = generation()
    key = ("shared", name, parts)
    if (hit := shared_get(key, current)) is not None:
        return hit[0]
    computing = _computing_key(name, parts, current)
    if cache.add(computing, 1, WAIT_SECONDS):
        try:
            value = compute()
            shared_set(key, (value,), current)
        finally:
            cache.delete(computing)
        return value
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        if (hit := shared_get(key, current)) is not None:
            return hit[0]
        if cache.get(computing) is None:
            break  # the other reader failed (or its value is gone already)
    value = compute()
    shared_set(key, (value,), current)
    return value
