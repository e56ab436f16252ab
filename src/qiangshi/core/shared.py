"""Aggregates shared briefly between the users of one area.

A region's evaluation or staffing report reads every teacher of the region; on a page, a
figure a minute old is fine (lists show the rows just written). `shared` keeps such a value
for QIANGSHI_DASHBOARD_CACHE_SECONDS (default 60; 0 turns it off, as in the tests) in the
cache, keyed by what the value depends on, including the rows the reader may see
(`query_key` of the scoped queryset), so that readers of the same area share it and no reader
gets another area's figures.
"""

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

T = TypeVar("T")


def query_key(queryset: QuerySet) -> Any:
    """What identifies the rows of `queryset`: its SQL and parameters (None when it selects
    nothing)."""
    try:
        return queryset.query.sql_with_params()
    except EmptyResultSet:
        return None


def _key(parts: Any) -> str:
    return "qiangshi:shared:" + hashlib.sha256(repr((parts, date.today())).encode()).hexdigest()


def shared_get(parts: Any) -> Any:
    """The value kept for `parts` today, or None (also when sharing is off)."""
    if settings.QIANGSHI_DASHBOARD_CACHE_SECONDS <= 0:
        return None
    return cache.get(_key(parts))


def shared_set(parts: Any, value: Any) -> None:
    if (seconds := settings.QIANGSHI_DASHBOARD_CACHE_SECONDS) > 0:
        cache.set(_key(parts), value, seconds)


def shared(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """`compute()`, or its value kept for the same `name` and `parts` today."""
    if (hit := shared_get((name, parts))) is not None:
        return hit
    value = compute()
    shared_set((name, parts), value)
    return value
