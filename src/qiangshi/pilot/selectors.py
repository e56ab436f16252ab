"""The pilot office's indicators (issue 18, a first slice): per pilot region, side by side,
computed from the region's own data in the registry. Done so far: schools, pupils, full-time
teachers, teachers per 100 pupils, degree and title structure, salary parity (districts that
pass) and the burden of demands per school. Rotation, training, balance, ethics and recruitment
indicators, and regions entered from a template, are to come.

Counts only (aggregates): no person is listed. Missing data stays missing (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Sum

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.org.models import Region, School, SchoolEnrollment
from qiangshi.teachers.models import EducationRecord, Employment, TitleRecord
from qiangshi.welfare import selectors as welfare

DEGREE = ("bachelor", "master", "doctorate")
POSTGRADUATE = ("master", "doctorate")
SENIOR_TITLES = ("senior", "professor")


def pilot_regions(actor) -> list[Region]:
    """The pilot regions the actor compares: all of them for the pilot office (and the
    administrator), those within its own area for a bureau."""
    if not can(actor, "pilotindicator", "view"):
        return []
    qs = Region.objects.filter(is_pilot=True).order_by("path")
    if actor.role in (Role.PILOT, Role.ADMIN):
        return list(qs)
    if actor.region_id:
        return list(qs.filter(path__startswith=actor.region.path))
    return []


@dataclass(frozen=True)
class RegionIndicators:
    region: Region
    year: int
    schools: int
    pupils: int | None
    teachers: int
    teachers_per_100_pupils: Decimal | None
    degree_share: Decimal | None  # bachelor or above
    postgraduate_share: Decimal | None
    senior_title_share: Decimal | None
    parity_year: int | None
    parity_districts: int  # districts with a verdict
    parity_passing: int
    burden_demands_per_school: Decimal | None


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def region_indicators(region: Region, year: int) -> RegionIndicators:
    """The indicators of one region: enrollment of school year `year`, the registry today,
    the latest parity year up to `year`, demands that arrived in calendar year `year`."""
    from qiangshi.welfare.models import BurdenArrival, WageFigure

    schools = School.objects.filter(district__path__startswith=region.path, is_active=True)
    pupils = SchoolEnrollment.objects.filter(school__in=schools, year=year).aggregate(
        n=Sum("students")
    )["n"]
    jobs = Employment.objects.filter(
        school__in=schools, end_date__isnull=True, post_category="teaching",
        is_full_time_teacher=True,
    )  # fmt: skip
    teachers = jobs.values("teacher").distinct().count()

    def with_record(model, field, values) -> int:
        has = model.objects.filter(teacher=OuterRef("teacher"), **{f"{field}__in": values})
        return jobs.filter(Exists(has)).values("teacher").distinct().count()

    parity_years = (
        WageFigure.objects.filter(district__path__startswith=region.path, year__lte=year)
        .order_by("-year")
        .values_list("year", flat=True)
    )
    parity_year = parity_years.first()
    verdicts = (
        [r.result.passed for r in welfare.parity_report(region=region, year=parity_year)]
        if parity_year
        else []
    )
    known = [v for v in verdicts if v is not None]
    n_schools = schools.count()
    demands = BurdenArrival.objects.filter(school__in=schools, on__year=year).count()
    return RegionIndicators(
        region=region,
        year=year,
        schools=n_schools,
        pupils=pupils,
        teachers=teachers,
        teachers_per_100_pupils=(
            (Decimal(teachers) * 100 / pupils).quantize(Decimal("0.01")) if pupils else None
        ),
        degree_share=_share(with_record(EducationRecord, "level", DEGREE), teachers),
        postgraduate_share=_share(with_record(EducationRecord, "level", POSTGRADUATE), teachers),
        senior_title_share=_share(with_record(TitleRecord, "rank", SENIOR_TITLES), teachers),
        parity_year=parity_year,
        parity_districts=len(known),
        parity_passing=sum(known),
        burden_demands_per_school=(
            (Decimal(demands) / n_schools).quantize(Decimal("0.01")) if n_schools else None
        ),
    )


def pilot_indicators(*, actor, year: int) -> list[RegionIndicators]:
    return [region_indicators(r, year) for r in pilot_regions(actor)]
