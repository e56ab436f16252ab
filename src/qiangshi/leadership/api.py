"""HTTP API for school leadership (POLICY §14): the terms of Party secretaries, principals and
vice-principals (scoped: the offices of the area, a school administrator its own school), and
each school's leadership and gaps on a date.

A role without the permission answers 403; a term or school outside the caller's area 404."""

from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.org.selectors import school_get

from . import selectors, services
from .models import Post

router = Router(tags=["leadership"])
ANSWERS = {**ERRORS, 403: ErrorOut}


def term_out(t) -> dict:
    return {
        "id": t.pk,
        "school": t.school_id,
        "post": t.post,
        "post_label": str(Post(t.post).label),
        "teacher": t.teacher_id,
        "holder_name": t.holder_name,
        "outside_name": t.outside_name,
        "outside_employer": t.outside_employer,
        "outside_position": t.outside_position,
        "term_number": t.term_number,
        "starts_on": t.starts_on,
        "ends_on": t.ends_on,
        "left_on": t.left_on,
    }


def row_out(r) -> dict:
    return {
        "school": r.school.pk,
        "school_code": r.school.code,
        "school_name": r.school.name,
        "district": r.school.district_id,
        "holders": {post: [term_out(t) for t in terms] for post, _label, terms in r.posts},
        "principal_full_terms": r.principal_terms,
        "gaps": r.gaps,
        "gap_labels": r.gap_labels,
    }


class TermListQuery(PageIn):
    school: int | None = Field(None, ge=1, le=2**63 - 1)
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    post: str = Field("", max_length=20, description="secretary, principal, vice_principal, …")
    q: str = Field("", max_length=50, description="Holder's name contains")
    current: bool = Field(False, description="Only the holders on `on`")
    on: date | None = Field(None, description="Date for `current` (default: today)")


@router.get("/terms", response={200: dict[str, Any], **ANSWERS}, summary="Terms you may see")
@requires("leadership.view")
def term_list(request, filters: Query[TermListQuery]):
    qs = selectors.term_list(actor=request.auth, filters=filters.dict())
    return page_of(qs, filters, term_out)


@router.get("/terms/{term_id}", response={200: dict[str, Any], **ANSWERS}, summary="One term")
@requires("leadership.view")
def term_detail(request, term_id: Id):
    return term_out(selectors.term_get(actor=request.auth, pk=term_id))


class TermIn(Schema):
    school: Id
    post: str = Field(..., max_length=20)
    teacher: Id | None = None
    outside_name: str = Field("", max_length=50)
    outside_employer: str = Field("", max_length=200)
    outside_position: str = Field("", max_length=100)
    term_number: int = Field(1, ge=1, le=services.MAX_TERM_NUMBER)
    starts_on: date
    ends_on: date | None = None
    left_on: date | None = None


@router.post("/terms", response={201: dict[str, Any], **ANSWERS}, summary="Record a term")
@requires("leadership.create")
def term_create(request, body: TermIn):
    data = body.dict(exclude={"school"})
    term = services.term_record(actor=request.auth, school_pk=body.school, data=data)
    return Status(201, term_out(term))


class TermPatch(Schema):
    post: str | None = Field(None, max_length=20)
    teacher: Id | None = None
    outside_name: str | None = Field(None, max_length=50)
    outside_employer: str | None = Field(None, max_length=200)
    outside_position: str | None = Field(None, max_length=100)
    term_number: int | None = Field(None, ge=1, le=services.MAX_TERM_NUMBER)
    starts_on: date | None = None
    ends_on: date | None = None
    left_on: date | None = None


@router.patch(
    "/terms/{term_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Change a term, or record its end (only the fields given)",
)
@requires("leadership.change")
def term_update(request, term_id: Id, body: TermPatch):
    term = services.term_update(
        actor=request.auth, term_pk=term_id, data=body.dict(exclude_unset=True)
    )
    return term_out(selectors.term_get(actor=request.auth, pk=term.pk))


@router.delete("/terms/{term_id}", response={204: None, **ANSWERS}, summary="Delete a term")
@requires("leadership.delete")
def term_delete(request, term_id: Id):
    services.term_delete(actor=request.auth, term_pk=term_id)
    return Status(204, None)


class SchoolsQuery(PageIn):
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    gap: str = Field("", max_length=20, description="Only schools with this gap")
    q: str = Field("", max_length=50, description="School name contains")
    on: date | None = Field(None, description="Date (default: today)")


@router.get(
    "/schools",
    response={200: dict[str, Any], **ANSWERS},
    summary="Each school's leadership and gaps on a date",
)
@requires("leadership.view")
def school_rows(request, filters: Query[SchoolsQuery]):
    rows = selectors.school_rows(
        actor=request.auth,
        filters={"district": filters.district, "gap": filters.gap, "q": filters.q},
        on=filters.on,
    )
    return page_of(rows, filters, row_out)


class OnQuery(Schema):
    on: date | None = Field(None, description="Date (default: today)")


@router.get(
    "/schools/{school_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="One school's leadership on a date and every term recorded",
)
@requires("leadership.view")
def school_detail(request, school_id: Id, filters: Query[OnQuery]):
    school = school_get(actor=request.auth, pk=school_id)
    data = selectors.school_leadership(actor=request.auth, school=school, on=filters.on)
    return {**row_out(data["row"]), "terms": [term_out(t) for t in data["history"]]}
