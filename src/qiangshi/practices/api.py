"""HTTP API for the practice library: the list (ranked by relevance when `q` is given, newest
first otherwise, filtered by pillar and region) and a case with its similar cases.

Lists answer {"items", "count", "page", "page_size"}; a role without `practice.view` gets 403;
a case that does not exist answers 404."""

from typing import Any

from ninja import Field, Query, Router

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires

from . import regions, selectors
from .models import Pillar, Practice

router = Router(tags=["practices"])
RESPONSES = {**ERRORS, 403: ErrorOut}


def practice_out(p: Practice) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "region": p.region_code,
        "region_name": regions.name(p.region_code),
        "pillar": p.pillar,
        "summary": p.summary,
        "tags": p.tags,
        "updated_at": p.updated_at.isoformat(),
    }


def found_out(f: selectors.Found) -> dict[str, Any]:
    return {**practice_out(f.practice), "score": round(f.score, 4), "terms": list(f.terms)}


class PracticeQuery(PageIn):
    q: str | None = Field(None, max_length=200, description="Words to search, ranked by BM25")
    pillar: Pillar | None = None
    region: str | None = Field(None, max_length=12, pattern=r"^\d{2,12}$")


@router.get("", response={200: dict[str, Any], **RESPONSES}, summary="Practice cases")
@requires("practice.view")
def practice_list(request, filters: Query[PracticeQuery]):
    pillar, region = filters.pillar or "", filters.region or ""
    if filters.q and filters.q.strip():
        _terms, hits = selectors.practice_search_hits(
            actor=request.auth, query=filters.q, pillar=pillar, region=region
        )
        result = page_of(hits, filters)  # the page's hits, then their cases in one query
        result["items"] = [found_out(f) for f in selectors.with_cases(result["items"])]
        return result
    qs = selectors.practice_list(actor=request.auth, pillar=pillar, region=region)
    return page_of(qs, filters, practice_out)


@router.get(
    "/{practice_id}", response={200: dict[str, Any], **RESPONSES}, summary="A practice case"
)
@requires("practice.view")
def practice_detail(request, practice_id: Id):
    practice = selectors.practice_get(actor=request.auth, pk=practice_id)
    similar = selectors.practice_similar(actor=request.auth, practice=practice)
    return {
        **practice_out(practice),
        "full_text": practice.full_text,
        "created_at": practice.created_at.isoformat(),
        "attachments": [
            {"id": a.pk, "name": a.name, "size": a.size} for a in practice.attachments.all()
        ],
        "similar": [
            {
                "id": f.practice.pk,
                "title": f.practice.title,
                "score": round(f.score, 4),
                "shared_terms": list(f.terms),
            }
            for f in similar
        ],  # fmt: skip
    }
