"""Reads of regions and schools, always through the actor's scope."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum

from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.core.errors import NotFound
from qiangshi.core.shared import shared

from .models import Region, RegionLevel, School, SchoolEnrollment


def region_list(*, actor, level: str | None = None, parent: int | None = None) -> QuerySet:
    qs = scope(Region.objects.select_related("parent"), actor, "view")
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent_id=parent)
    return qs.order_by("path")


def region_get(*, actor, pk) -> Region:
    return get_in_scope(Region.objects.select_related("parent"), actor, "view", pk=pk)


def district_choices(*, actor) -> QuerySet:
    return region_list(actor=actor, level=RegionLevel.DISTRICT)


def latest_enrollment_year() -> int | None:
    """The latest year with enrollment recorded; shared until the next write (core.shared)."""
    years = SchoolEnrollment.objects.order_by("-year").values_list("year", flat=True)
    return shared("latest enrollment year", (), years.first)


def school_list(*, actor, filters: dict | None = None, action: str = "view") -> QuerySet:
    """Schools in scope, with current students and teachers annotated.

    filters: q (name or code), district, stage, location, ownership.
    """
    filters = filters or {}
    qs = scope(School.objects.select_related("district"), actor, action)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    for key in ("stage", "location", "ownership"):
        if value := filters.get(key):
            qs = qs.filter(**{key: value})
    if district := filters.get("district"):
        qs = qs.filter(district_id=district)
    year = latest_enrollment_year()
    students = (
        SchoolEnrollment.objects.filter(school=OuterRef("pk"), year=year)
        .values("school")
        .annotate(total=Sum("students"))
        .values("total")
    )
    qs = qs.annotate(students=Subquery(students))
    order = filters.get("sort") or "code"
    allowed = {"code", "-code", "name", "-name", "students", "-students"}
    return qs.order_by(order if order in allowed else "code", "pk")


def school_get(*, actor, pk, action: str = "view") -> School:
    return get_in_scope(School.objects.select_related("district"), actor, action, pk=pk)


def school_enrollment_table(*, school: School) -> dict:
    """{year: {grade: (students, classes)}} for the school, newest year first."""
    table: dict[int, dict[int, tuple[int, int]]] = {}
    for row in school.enrollments.order_by("-year", "grade"):
        table.setdefault(row.year, {})[row.grade] = (row.students, row.classes)
    return table


def districts_covered(actor, action: str = "aggregate") -> list[Region]:
    """The districts in the actor's scope whose every active school the actor also covers.

    District-wide reports (balance, staffing) describe the district as a whole, so an actor who
    sees only part of a district (a school administrator) does not get it: its figures would be
    those of one school.
    """
    regions = list(
        scope(Region.objects.filter(level=RegionLevel.DISTRICT), actor, action).order_by("path")
    )
    if not regions:
        return []
    active = School.objects.filter(district__in=regions, is_active=True).order_by()
    total = dict(active.values("district").annotate(n=Count("id")).values_list("district", "n"))
    seen = dict(
        scope(active, actor, action)
        .values("district")
        .annotate(n=Count("id"))
        .values_list("district", "n")
    )
    return [r for r in regions if seen.get(r.pk, 0) == total.get(r.pk, 0)]


def district_covered(actor, district_pk, action: str = "aggregate") -> Region:
    """A district (by primary key) the actor covers whole (see `districts_covered`); NotFound
    otherwise, whether it is missing or outside the actor's area."""
    try:
        pk = int(district_pk)
    except (TypeError, ValueError):
        raise NotFound("Not found") from None
    region = next((r for r in districts_covered(actor, action) if r.pk == pk), None)
    if region is None:
        raise NotFound("Not found")
    return region
