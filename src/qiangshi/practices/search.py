"""The practice library's search index: built from the cases' persisted words, kept per process
and rebuilt when the cases change.

Building it reads only `id, pillar, region_code, tokens` (no segmentation), so a process pays it
once; a search checks a cheap stamp of the table (row count, newest change, highest id), at most
once every `CHECK_SECONDS`, and rebuilds when it moved: a case written by another process is
found within that second. A write in this process drops the index at once (`invalidate`, on
commit).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Count, Max

from qiangshi.engines import bm25, segment

from .models import Practice

segment.configure(settings.VAR_DIR / "cache" / "jieba")

CHECK_SECONDS = 1.0

_lock = threading.Lock()
_cached: tuple[tuple, bm25.Index] | None = None
_checked_at = 0.0


def _stamp() -> tuple:
    s = Practice.objects.order_by().aggregate(
        n=Count("id"), changed=Max("updated_at"), top=Max("id")
    )
    return (s["n"], s["changed"], s["top"])


def _build() -> bm25.Index:
    rows = Practice.objects.order_by("id").values_list("id", "pillar", "region_code", "tokens")
    return bm25.Index(
        bm25.Doc(pk, segment.split_stored(tokens), {"pillar": pillar, "region": region})
        for pk, pillar, region, tokens in rows.iterator(chunk_size=2000)
    )


def index() -> bm25.Index:
    """The current index of every case (built on first use and after a change)."""
    global _cached, _checked_at
    cached = _cached
    if cached is not None and time.monotonic() - _checked_at < CHECK_SECONDS:
        return cached[1]
    stamp = _stamp()
    _checked_at = time.monotonic()
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        if _cached is None or _cached[0] != stamp:
            _cached = (stamp, _build())
        return _cached[1]


def invalidate() -> None:
    global _cached
    _cached = None


def document_tokens(*, title: str, summary: str, full_text: str, tags: list[str]) -> str:
    """A case's persisted word form: the title counts twice, then its tags, summary and text."""
    return " ".join(
        segment.field_tokens([(title, 2), (" ".join(tags), 1), (summary, 1), (full_text, 1)])
    )
