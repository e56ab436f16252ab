"""Digital-literacy aggregates for a school or an area: the mean per dimension (per school and
for the whole), the distribution of the scores per dimension and the change of the means year
over year, from the self-assessments under the framework in force. The computation is
`qiangshi.engines.literacy_stats`; this module reads the registry for it.

Who is counted: the current teachers the actor may see (of the school or area asked for), each
in their current school, for every year they assessed themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

from qiangshi.access.scoping import scope
from qiangshi.engines import literacy_stats as engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Employment, Teacher

from . import literacy
from .models import LiteracyAssessment


def _dimension_scores(answers: dict) -> dict[str, float | None]:
    return {d["code"]: d["score"] for d in literacy.dimension_scores(answers)}


@dataclass
class LiteracyOverview:
    year: int
    framework_version: str
    scale: tuple[int, int]
    dimensions: list[tuple[str, str]]  # (code, name)
    teachers: int  # current teachers counted
    assessed: int  # of them, assessed in `year`
    area: dict[str, engine.Mean] = field(default_factory=dict)
    schools: list[dict] = field(default_factory=list)  # school, assessed, means
    histograms: dict[str, list[int]] = field(default_factory=dict)
    trend: dict[str, list[engine.YearMean]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)


def literacy_scores(
    *, actor, region: Region | None = None, school: School | None = None
) -> tuple[list[engine.Score], dict[str, School], int]:
    """The engine's rows for the current teachers the actor may see (in `region` or `school`),
    the schools by code, and the number of teachers."""
    jobs = Employment.objects.filter(end_date__isnull=True).filter(
        teacher__in=scope(Teacher.objects.all(), actor, "view").values("pk")
    )
    if region is not None:
        jobs = jobs.filter(school__district__path__startswith=region.path)
    if school is not None:
        jobs = jobs.filter(school=school)
    pairs = dict(jobs.order_by().values_list("teacher_id", "school_id"))
    schools = School.objects.in_bulk(set(pairs.values()))
    rows = [
        engine.Score(str(t), schools[pairs[t]].code, year, _dimension_scores(answers))
        for t, year, answers in LiteracyAssessment.objects.filter(
            teacher_id__in=jobs.values("teacher_id"),
            framework_version=literacy.framework()["version"],
        )
        .order_by("year", "teacher_id")
        .values_list("teacher_id", "year", "answers")
    ]
    return rows, {s.code: s for s in schools.values()}, len(pairs)


def literacy_overview(
    *, actor, year: int, region: Region | None = None, school: School | None = None
) -> LiteracyOverview:
    """Means per dimension (the area's and each school's) and histograms for `year`, and the
    area's means year by year."""
    rows, schools, teachers = literacy_scores(actor=actor, region=region, school=school)
    dims = [(d["code"], literacy.name(d)) for d in literacy.framework()["dimensions"]]
    codes = [c for c, _ in dims]
    scale = literacy.scale()
    of_year = [r for r in rows if r.year == year]
    overview = LiteracyOverview(
        year,
        literacy.framework()["version"],
        scale,
        dims,
        teachers,
        len(of_year),
        area=engine.means(of_year, codes),
        histograms=engine.histograms(rows, codes, scale, year=year),
        trend={c: engine.yearly_means(rows, c) for c in codes},
        years=sorted({r.year for r in rows}),
    )
    by_group = engine.group_means(rows, year=year)
    counted: dict[str, int] = {}
    for r in of_year:
        counted[r.group] = counted.get(r.group, 0) + 1
    overview.schools = [
        {"school": schools[code], "assessed": counted[code], "means": by_group[code]}
        for code in sorted(by_group)
    ]
    return overview
