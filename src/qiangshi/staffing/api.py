"""HTTP API for staffing and forward planning: a district's quotas and staff on roll, its
forecast of teacher demand, supply and gap, and the re-allocation of its quota pool (县管校聘).

Every operation needs the role's right to aggregates (403 otherwise); the district must be
wholly within the caller's scope (404 otherwise, like a missing one); moves need the right to
change every school of the district."""

from dataclasses import replace
from typing import Any

from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from qiangshi.access.api import ERRORS, Id, requires
from qiangshi.core.errors import bilingual
from qiangshi.org import selectors as org_selectors

from . import selectors, services
from .outputs import posts_as_dict, report_as_dict, scenario_as_dict

router = Router(tags=["staffing"])


def _district(actor, district_id: int):
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
@requires("school.aggregate")
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
@requires("school.aggregate")
def district_forecast(request, district_id: Id, filters: Query[ForecastQuery]):
    region = _district(request.auth, district_id)
    year = filters.year or selectors.default_year(region)
    report = selectors.district_staffing(actor=request.auth, district=region, year=year)
    plan = selectors.district_forecast(
        actor=request.auth, district=region, years=filters.years, year=year
    )
    return report_as_dict(report, plan)


class ScenarioQuery(ForecastQuery):
    cap_primary: int | None = Field(None, ge=10, le=80, description="Class size cap, primary")
    cap_junior: int | None = Field(None, ge=10, le=80, description="Class size cap, junior")
    births_change: float = Field(
        0, ge=-90, le=200, description="Entrants (births) more (+) or fewer (−), in percent"
    )
    births_trend: float = Field(
        0,
        ge=-50,
        le=50,
        description="Births past the last loaded year: percent change a year (0: held)",
    )
    retire_male: int | None = Field(None, ge=50, le=70, description="Retirement age of men")
    retire_female: int | None = Field(None, ge=50, le=70, description="Retirement age of women")
    attrition: float | None = Field(None, ge=0, le=30, description="Yearly attrition, percent")


@router.get(
    "/districts/{district_id}/scenario",
    response={200: dict[str, Any], **ERRORS},
    summary="A district's forecast under changed parameters, beside the baseline",
)
@requires("school.aggregate")
def district_scenario(request, district_id: Id, filters: Query[ScenarioQuery]):
    region = _district(request.auth, district_id)
    year = filters.year or selectors.default_year(region)
    scenario = selectors.Scenario(
        class_size_cap={
            k: v
            for k, v in (("primary", filters.cap_primary), ("junior", filters.cap_junior))
            if v is not None
        },
        births_change=filters.births_change,
        births_trend=filters.births_trend,
        retirement_age={
            k: v
            for k, v in (("male", filters.retire_male), ("female", filters.retire_female))
            if v is not None
        },
        attrition_rate=None if filters.attrition is None else filters.attrition / 100,
    )
    comparison = selectors.district_scenario(
        actor=request.auth, district=region, years=filters.years, year=year, scenario=scenario
    )
    return scenario_as_dict(comparison)


@router.get(
    "/districts/{district_id}/posts",
    response={200: dict[str, Any], **ERRORS},
    summary="A district's title posts (allowed vs used by band) and promotions possible",
)
@requires("school.aggregate")
def district_posts(request, district_id: Id, filters: Query[YearQuery]):
    region = _district(request.auth, district_id)
    year = filters.year or selectors.default_year(region)
    return posts_as_dict(selectors.district_posts(actor=request.auth, district=region, year=year))


@router.get(
    "/schools/{school_id}/posts",
    response={200: dict[str, Any], **ERRORS},
    summary="A school's title posts (allowed vs used by band) and promotions possible",
)
@requires("school.aggregate")
def school_posts(request, school_id: Id, filters: Query[YearQuery]):
    school = selectors.school_for(request.auth, school_id)
    if school.ownership == "private":
        raise bilingual(
            "A private school has no staffing quota, so no post structure.",
            "民办学校不核定编制，没有岗位结构。",
        )
    year = filters.year or selectors.default_year(school.district)
    on = selectors.default_on(year)
    (row,) = selectors.school_staffing(schools=[school], year=year, on=on)
    allocated = selectors.allocations_for(school.district, year).get(school.pk)
    if allocated is not None:
        row = replace(row, allocated=allocated)
    (posts,) = selectors.school_posts([row], on)
    return {"school_id": school.pk, "year": year, "on": on.isoformat(), **posts.as_dict()}


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
@requires("school.aggregate", "school.change")
def district_moves(request, district_id: Id, payload: MovesIn):
    region = _district(request.auth, district_id)
    pool = services.quota_allocate(
        actor=request.auth,
        district=region,
        year=payload.year,
        moves=[m.model_dump() for m in payload.moves],
    )
    return pool_as_dict(pool)
