"""HTTP API for staffing and forward planning: a district's quotas and staff on roll, its
forecast of teacher demand, supply and gap, and the re-allocation of its quota pool (县管校聘).

The district must be wholly within the caller's scope for aggregates (404 otherwise, like a
missing one); moves need the right to change every school of the district."""

from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from qiangshi.access.api import ERRORS, Id
from qiangshi.access.scoping import can
from qiangshi.core.errors import NotFound
from qiangshi.org import selectors as org_selectors

from . import selectors, services
from .outputs import report_as_dict

router = Router(tags=["staffing"])


def _district(actor, district_id: int):
    if not can(actor, "school", "aggregate"):
        raise NotFound("Not found")
    return org_selectors.district_covered(actor, district_id)


class YearQuery(Schema):
    year: int | None = Field(
        None, ge=1901, le=2999, description="School year (default: the latest with enrollment)"
    )


class ForecastQuery(YearQuery):
    years: int = Field(10, ge=1, le=30, description="Years ahead (1–30)")


@router.get(
    "/districts/{district_id}",
    response={200: dict[str, Any], **ERRORS},
    summary="A district's quotas, staff on roll, positions, totals and allocations",
)
def district_staffing(request, district_id: Id, filters: Query[YearQuery]):
    region = _district(request.auth, district_id)
    year = filters.year or selectors.default_year(region)
    report = selectors.district_staffing(actor=request.auth, district=region, year=year)
    return report_as_dict(report, None)


@router.get(
    "/districts/{district_id}/forecast",
    response={200: dict[str, Any], **ERRORS},
    summary="A district's teacher demand, supply and gap per future year, stage and subject",
)
def district_forecast(request, district_id: Id, filters: Query[ForecastQuery]):
    region = _district(request.auth, district_id)
    year = filters.year or selectors.default_year(region)
    report = selectors.district_staffing(actor=request.auth, district=region, year=year)
    plan = selectors.district_forecast(
        actor=request.auth, district=region, years=filters.years, year=year
    )
    return report_as_dict(report, plan)


class MoveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    from_school: Id | None = Field(None, description="School id; null for the district reserve")
    to_school: Id | None = Field(None, description="School id; null for the district reserve")
    amount: int = Field(description="Posts of quota to move (a positive whole number)")


class MovesIn(Schema):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=1901, le=2999)
    moves: list[MoveIn] = Field(min_length=1, max_length=200)


def pool_as_dict(pool: dict[str, Any]) -> dict[str, Any]:
    return {
        "district": pool["district"],
        "year": pool["year"],
        "pool": pool["pool"],
        "allocated": pool["allocated"],
        "reserve": pool["reserve"],
        "schools": [
            {
                "school_id": pk,
                "school_code": s["code"],
                "school_name": s["name"],
                "quota": s["quota"],
                "allocated": s["allocated"],
            }
            for pk, s in schools_sorted(pool["schools"])
        ],
    }


def schools_sorted(schools: dict[int, dict]):
    return sorted(schools.items(), key=lambda item: item[1]["code"])


@router.post(
    "/districts/{district_id}/moves",
    response={200: dict[str, Any], **ERRORS},
    summary="Move quota between the district's schools and its reserve (all or nothing)",
)
def district_moves(request, district_id: Id, payload: MovesIn):
    region = _district(request.auth, district_id)
    pool = services.quota_allocate(
        actor=request.auth,
        district=region,
        year=payload.year,
        moves=[m.model_dump() for m in payload.moves],
    )
    return pool_as_dict(pool)
