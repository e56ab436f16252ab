"""HTTP API for welfare: salary parity per district and year (list, one district's history,
entering a district-year's figures) and the non-teaching burden (requests to enter schools and
their decision, what arrived at schools, anonymous reports).

Lists answer {"items", "count", "page", "page_size"}; a role without the permission gets 403;
a district or record outside the caller's area answers 404 like a missing one."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.core.errors import NotFound

from . import rules, selectors, services
from .models import RequestStatus

router = Router(tags=["welfare"])
ANSWERS = {**ERRORS, 403: ErrorOut}


def _page(items, filters, out=None) -> dict[str, Any]:
    """The list answer every endpoint gives (`access.api.page_of`), each item through `out`."""
    return page_of(items, filters, out)


class ParityQuery(PageIn):
    year: int | None = Field(None, ge=1990, le=2100, description="Year (default: the latest)")
    region: str | None = Field(None, max_length=12, description="City or district code")
    failing: bool = Field(False, description="Only districts that fail")
    source: Literal["finance", "payroll"] = Field(
        "finance",
        description="Teachers' figures: the finance office's return, or the payroll rows' average",
    )


def _parity_item(row: selectors.ParityRow) -> dict[str, Any]:
    return {
        "district_id": row.district.pk,
        "district_code": row.district.code,
        "district_name": row.district.name,
        "year": row.year,
        **selectors.parity_as_dict(row),
        "driving_component": row.result.driver,
        "rule_version": row.rule_version,
        "teacher_source": row.teacher_source,
    }


@router.get(
    "/parity",
    response={200: dict[str, Any], **ANSWERS},
    summary="Salary parity per district for a year",
    description="Per district: `teacher_wage`, `civil_servant_wage`, `gap` (teachers minus "
    "civil servants, yuan a year), `passed` (null when a figure is missing), `by_component` "
    "and the `driving_component` of a failing gap.",
)
@requires("wage.view")
def parity_list(request, filters: Query[ParityQuery]):
    actor = request.auth
    year = filters.year or next(iter(selectors.parity_years(actor)), None)
    if year is None:
        return _page([], filters)
    region = None
    if filters.region:
        region = next((r for r in selectors.wage_regions(actor) if r.code == filters.region), None)
        if region is None:
            region = selectors.wage_districts(actor).filter(code=filters.region).first()
        if region is None:
            raise NotFound("Not found")
    rows = selectors.parity_table(
        actor=actor, year=year, region=region, failing_only=filters.failing, source=filters.source
    )
    return _page(rows, filters, _parity_item)


@router.get(
    "/parity/{district_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="A district's salary parity year by year",
)
@requires("wage.view")
def parity_district(request, district_id: Id):
    actor = request.auth
    district = selectors.wage_district_get(actor, district_id)
    history = selectors.parity_history(actor=actor, district=district)
    return {
        "district_id": district.pk,
        "district_code": district.code,
        "district_name": district.name,
        "years": [_parity_item(r) for r in history],
    }


class FiguresIn(Schema):
    teacher: dict[str, Decimal] = Field(..., description="component → yuan per person a year")
    civil_servant: dict[str, Decimal]


@router.put(
    "/parity/{district_id}/{year}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Enter a district-year's figures (every component of the year's rule set)",
)
@requires("wage.change")
def parity_set(request, district_id: Id, year: int, body: FiguresIn):
    actor = request.auth
    figures = {("teacher", c): v for c, v in body.teacher.items()}
    figures |= {("civil_servant", c): v for c, v in body.civil_servant.items()}
    district = services.wages_set(actor=actor, district_pk=district_id, year=year, figures=figures)
    row = next(
        r for r in selectors.parity_history(actor=actor, district=district) if r.year == year
    )
    return _parity_item(row)


@router.get(
    "/parity-components/{year}",
    response={200: dict[str, Any], **ANSWERS},
    summary="The components compared in a year (the rule set in force)",
)
@requires("wage.view")
def parity_components(request, year: int):
    if not 1990 <= year <= 2100:
        raise NotFound("Not found")
    rule_set = rules.parity_rules(year)
    return {"version": rule_set["version"], "components": rule_set["components"]}


# --- burden ---------------------------------------------------------------------------------


PageQuery = PageIn


class RequestQuery(PageQuery):
    status: RequestStatus | None = None


def _request_out(r) -> dict[str, Any]:
    names = {s.pk: s.name for s in r.schools.all()}
    return {
        "id": r.pk,
        "kind": r.kind,
        "title": r.title,
        "requester": r.requester,
        "purpose": r.purpose,
        "schools": [{"id": pk, "name": n} for pk, n in names.items()],
        "start_date": r.start_date,
        "end_date": r.end_date,
        "hours": float(r.hours),
        "status": r.status,
        "reasons": [services.reason_text(x, names) for x in r.reasons],
        "on_list": r.list_item_id is not None,
        "rule_version": r.rule_version,
    }


@router.get("/requests", response={200: dict[str, Any], **ANSWERS}, summary="Requests to enter")
@requires("entryrequest.view")
def request_list(request, filters: Query[RequestQuery]):
    qs = selectors.request_list(actor=request.auth, status=filters.status)
    return _page(qs, filters, _request_out)


class RequestIn(Schema):
    kind: str = Field(..., max_length=12)
    title: str = Field(..., max_length=200)
    requester: str = Field(..., max_length=200)
    purpose: str = Field("", max_length=500)
    schools: list[Id] = Field(..., max_length=5000)
    start_date: date
    end_date: date
    hours: Decimal
    announced_on: date
    list_item: Id | None = None


@router.post("/requests", response={201: dict[str, Any], **ANSWERS}, summary="Submit a request")
@requires("entryrequest.create")
def request_submit(request, body: RequestIn):
    r = services.entry_request_submit(
        actor=request.auth,
        kind=body.kind,
        title=body.title,
        requester=body.requester,
        purpose=body.purpose,
        school_pks=body.schools,
        start_date=body.start_date,
        end_date=body.end_date,
        hours=body.hours,
        announced_on=body.announced_on,
        list_item_pk=body.list_item,
    )
    return Status(201, _request_out(r))


class DecisionIn(Schema):
    approve: bool
    comment: str = Field("", max_length=500)


@router.post(
    "/requests/{request_id}/decision",
    response={200: dict[str, Any], **ANSWERS},
    summary="Approve or refuse a waiting request",
)
@requires("entryrequest.review")
def request_decide(request, request_id: Id, body: DecisionIn):
    r = services.entry_request_decide(
        actor=request.auth, request_pk=request_id, approve=body.approve, comment=body.comment
    )
    return _request_out(r)


class ArrivalQuery(PageQuery):
    year: int | None = Field(None, ge=1990, le=2100)
    unapproved: bool = False


@router.get("/arrivals", response={200: dict[str, Any], **ANSWERS}, summary="What arrived")
@requires("burdenarrival.view")
def arrival_list(request, filters: Query[ArrivalQuery]):
    qs = selectors.arrival_list(
        actor=request.auth, year=filters.year, unapproved=filters.unapproved
    )
    return _page(qs, filters, _arrival_out)


def _arrival_out(a) -> dict[str, Any]:
    return {
        "id": a.pk,
        "school_id": a.school_id,
        "school_name": a.school.name,
        "kind": a.kind,
        "title": a.title,
        "requester": a.requester,
        "on": a.on,
        "hours": float(a.hours),
        "teachers_involved": a.teachers_involved,
        "approved": a.approved,
        "paper_trail": a.paper_trail,
    }


class ReportIn(Schema):
    kind: str = Field(..., max_length=12)
    requester: str = Field(..., max_length=200)
    description: str = Field(..., max_length=4000)


@router.post(
    "/reports",
    response={201: dict[str, Any], **ANSWERS},
    summary="Report a demand anonymously (teachers)",
    description="The report keeps the school and the semester only: not who sent it, nor when.",
)
@requires("burdenreport.create")
def report_submit(request, body: ReportIn):
    services.anonymous_report_submit(
        actor=request.auth, kind=body.kind, requester=body.requester, description=body.description
    )
    return Status(201, {"received": True})
