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


def shared(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """`compute()`, or its value kept for the same `name` and `parts` today."""
    seconds = settings.QIANGSHI_DASHBOARD_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    digest = hashlib.sha256(repr((parts, date.today())).encode()).hexdigest()
    key = f"qiangshi:{name}:{digest}"
    if (hit := cache.get(key)) is not None:
        return hit
    value = compute()
    cache.set(key, value, seconds)
    return value
