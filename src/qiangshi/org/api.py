"""HTTP API for the region tree and schools. Reads go through selectors, writes through services."""

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from qiangshi.access.api import ERRORS, Id, Pagination, input_data, plain, requires
from qiangshi.access.scoping import can
from qiangshi.core.errors import ApplicationError

from . import selectors, services
from .models import Location, Ownership, RegionLevel, Stage

regions_router = Router(tags=["regions"])
schools_router = Router(tags=["schools"])


# --- Regions ----------------------------------------------------------------------------------


class RegionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    level: RegionLevel
    parent_id: int | None
    path: str
    is_pilot: bool
    is_off_island: bool


class RegionFilters(Schema):
    level: RegionLevel | None = None
    parent: Id | None = None


@regions_router.get("", response={200: list[RegionOut], **ERRORS}, summary="Regions in your area")
@paginate(Pagination)
@requires("region.view")
def region_list(request, filters: Query[RegionFilters]):
    return selectors.region_list(actor=request.auth, level=filters.level, parent=filters.parent)


@regions_router.get("/{region_id}", response={200: RegionOut, **ERRORS}, summary="One region")
@requires("region.view")
def region_detail(request, region_id: Id):
    return selectors.region_get(actor=request.auth, pk=region_id)


class RegionIn(Schema):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=12, description="Digits only, unique (e.g. 350203)")
    name: str = Field(max_length=100)
    name_en: str = Field("", max_length=100)
    level: RegionLevel
    parent: Id | None = Field(
        None, description="Required for a city (its province) and a district (its city)"
    )
    is_pilot: bool = False
    is_off_island: bool = False


class RegionPatch(Schema):
    """The names and flags; code, level and parent fix a region's place and cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    is_pilot: bool | None = None
    is_off_island: bool | None = None


@regions_router.post(
    "",
    response={201: RegionOut, **ERRORS},
    summary="Create a region (system administrator)",
)
@requires("region.create")
def region_create(request, payload: RegionIn):
    data = plain(payload.model_dump())
    parent = None
    if data["parent"] is not None:
        parent = selectors.region_list(actor=request.auth).filter(pk=data["parent"]).first()
        if parent is None and can(request.auth, "region", "create"):
            raise ApplicationError(
                _("The region could not be saved."),
                fields={"parent": _("Choose a region within your area.")},
            )
    data["parent"] = parent
    region = services.region_create(actor=request.auth, **data)
    return Status(201, selectors.region_get(actor=request.auth, pk=region.pk))


@regions_router.patch(
    "/{region_id}",
    response={200: RegionOut, **ERRORS},
    summary="Change a region's names and flags (system administrator; only the fields given)",
)
@requires("region.change")
def region_update(request, region_id: Id, payload: RegionPatch):
    region = selectors.region_get(actor=request.auth, pk=region_id)
    services.region_update(actor=request.auth, region=region, data=input_data(payload))
    return selectors.region_get(actor=request.auth, pk=region_id)


# --- Schools ----------------------------------------------------------------------------------


class SchoolOut(Schema):
    id: int
    code: str
    name: str
    district_id: int
    district_name: str = Field(alias="district.name")
    stage: Stage
    location: Location
    ownership: Ownership
    is_boarding: bool
    is_active: bool
    students: int | None = Field(None, description="Students in the latest enrollment year")


class EnrollmentGradeOut(Schema):
    grade: int
    students: int
    classes: int


class EnrollmentOut(Schema):
    year: int
    students: int
    classes: int
    grades: list[EnrollmentGradeOut]


class SchoolDetailOut(Schema):
    id: int
    code: str
    name: str
    district_id: int
    district_name: str
    stage: Stage
    location: Location
    ownership: Ownership
    is_boarding: bool
    is_active: bool
    address: str
    latitude: float | None
    longitude: float | None
    enrollment: EnrollmentOut | None = Field(
        description="Students and classes per grade in the school's latest enrollment year"
    )
    created_at: datetime
    updated_at: datetime


class SchoolFilters(Schema):
    q: str | None = Field(None, description="Part of the name or code")
    district: Id | None = None
    stage: Stage | None = None
    location: Location | None = None
    ownership: Ownership | None = None
    sort: str | None = Field(None, description="code, name or students; prefix - to reverse")


class SchoolIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=120)
    district: Id
    stage: Stage
    location: Location
    ownership: Ownership = Ownership.PUBLIC
    is_boarding: bool = False
    address: str = Field("", max_length=255)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool = True


class SchoolPatch(Schema):
    code: str | None = Field(None, max_length=20)
    name: str | None = Field(None, max_length=120)
    district: Id | None = None
    stage: Stage | None = None
    location: Location | None = None
    ownership: Ownership | None = None
    is_boarding: bool | None = None
    address: str | None = Field(None, max_length=255)
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    is_active: bool | None = None


_NULLABLE = frozenset({"latitude", "longitude"})


def _school_detail(school) -> dict:
    table = selectors.school_enrollment_table(school=school)
    enrollment = None
    if table:
        year = max(table)
        grades = [
            {"grade": g, "students": s, "classes": c} for g, (s, c) in sorted(table[year].items())
        ]
        enrollment = {
            "year": year,
            "students": sum(g["students"] for g in grades),
            "classes": sum(g["classes"] for g in grades),
            "grades": grades,
        }
    data = {f: getattr(school, f) for f in SchoolDetailOut.model_fields if hasattr(school, f)}
    data["district_name"] = school.district.name
    data["enrollment"] = enrollment
    return data


@schools_router.get("", response={200: list[SchoolOut], **ERRORS}, summary="Schools in your area")
@paginate(Pagination)
@requires("school.view")
def school_list(request, filters: Query[SchoolFilters]):
    return selectors.school_list(actor=request.auth, filters=plain(filters.model_dump()))


@schools_router.get("/{school_id}", response={200: SchoolDetailOut, **ERRORS}, summary="One school")
@requires("school.view")
def school_detail(request, school_id: Id):
    return _school_detail(selectors.school_get(actor=request.auth, pk=school_id))


@schools_router.post("", response={201: SchoolDetailOut, **ERRORS}, summary="Create a school")
@requires("school.create")
def school_create(request, payload: SchoolIn):
    school = services.school_create(
        actor=request.auth, data=input_data(payload, nullable=_NULLABLE)
    )
    return Status(201, _school_detail(selectors.school_get(actor=request.auth, pk=school.pk)))


@schools_router.patch(
    "/{school_id}",
    response={200: SchoolDetailOut, **ERRORS},
    summary="Change a school (only the fields given)",
)
@requires("school.change")
def school_update(request, school_id: Id, payload: SchoolPatch):
    school = selectors.school_get(actor=request.auth, pk=school_id)
    school = services.school_update(
        actor=request.auth, school=school, data=input_data(payload, nullable=_NULLABLE)
    )
    return _school_detail(selectors.school_get(actor=request.auth, pk=school.pk))
