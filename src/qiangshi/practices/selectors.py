"""Reads for the practice library: the list, the relevance search, a case and its similar cases.

The library exists to spread practice between regions, so every role with `practice.view`
(the offices, schools, teachers, the pilot office) reads every case, whatever region it comes
from: a case describes what a region did, never a person. Writing is narrowed by region
(`writable_regions`): the pilot office writes for every pilot region, a bureau for the pilot
regions within its own area.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.core.errors import NotFound
from qiangshi.engines import segment

from . import regions, search
from .models import Practice


def _require_view(actor) -> None:
    if not can(actor, "practice", "view"):
        raise NotFound("Not found")


def practice_list(*, actor, pillar: str = "", region: str = "") -> QuerySet:
    """Every case the actor may read (all of them, see the module docstring), newest first,
    filtered by pillar and region (a code and the regions below it)."""
    if not can(actor, "practice", "view"):
        return Practice.objects.none()
    qs = Practice.objects.defer("tokens", "full_text")
    if pillar:
        qs = qs.filter(pillar=pillar)
    if region:
        qs = qs.filter(region_code__startswith=region)
    return qs.order_by("-id")


@dataclass(frozen=True)
class Found:
    """A case found by a search, with its score and the query words it holds."""

    practice: Practice
    score: float
    terms: tuple[str, ...]


def practice_search_hits(
    *, actor, query: str, pillar: str = "", region: str = "", limit: int | None = None
) -> tuple[list[str], list]:
    """(the query's words, the ranked hits): a sequence whose length is the number of matches
    (every case holding one of the words when `limit` is None) and whose items are found as
    they are read, so that a page costs a page."""
    if not can(actor, "practice", "view"):
        return segment.query_terms(query), []
    return library_search(query=query, pillar=pillar, region=region, limit=limit)


def library_search(
    *, query: str, pillar: str = "", region: str = "", limit: int | None = None
) -> tuple[list[str], list]:
    """System read (the command, the benchmark): `practice_search_hits` without an actor."""
    terms = segment.query_terms(query)
    if not terms:
        return terms, []
    return terms, search.index().search(
        terms, limit=limit, where={"pillar": pillar}, prefix={"region": region}
    )


def with_cases(hits) -> list[Found]:
    """The hits' cases, in the hits' order (a case deleted since the index was built is left
    out)."""
    by_pk = Practice.objects.defer("tokens", "full_text").in_bulk([h.id for h in hits])
    return [Found(by_pk[h.id], h.score, h.terms) for h in hits if h.id in by_pk]


def practice_search(
    *, actor, query: str, pillar: str = "", region: str = "", limit: int = 20
) -> list[Found]:
    """The `limit` cases most relevant to `query` (BM25 over jieba's words), best first."""
    _terms, hits = practice_search_hits(
        actor=actor, query=query, pillar=pillar, region=region, limit=limit
    )
    return with_cases(hits)


def practice_get(*, actor, pk) -> Practice:
    _require_view(actor)
    try:
        return Practice.objects.get(pk=int(pk))
    except (Practice.DoesNotExist, TypeError, ValueError):
        raise NotFound("Not found") from None


def practice_similar(*, actor, practice: Practice, limit: int = 5) -> list[Found]:
    """The cases most like `practice` by its heaviest words, each with the shared words that
    make it similar (the explanation)."""
    _require_view(actor)
    return with_cases(search.index().similar(practice.pk, limit=limit))


def practice_top_terms(*, actor, practice: Practice, n: int = 10) -> list[str]:
    """The words that weigh most in the case (what "similar" compares)."""
    _require_view(actor)
    return [t for t, _w in search.index().top_terms(practice.pk, n, min_length=2)]


def writable_regions(actor) -> list[str]:
    """The region codes the actor may write cases for."""
    if not (can(actor, "practice", "create") or can(actor, "practice", "change")):
        return []
    if actor.role in (Role.ADMIN, Role.PILOT):
        return regions.codes()
    if actor.role == Role.BUREAU and actor.region_id:
        return [c for c in regions.codes() if c.startswith(actor.region.code)]
    return []


def practice_may_change(actor, practice: Practice) -> bool:
    return can(actor, "practice", "change") and practice.region_code in writable_regions(actor)
