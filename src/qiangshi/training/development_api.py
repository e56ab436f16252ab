"""HTTP API for teacher development (issue 16, part B): a teacher's growth paths, degree studies
(list, record, complete, discontinue) and their effect on a school's balance indicator, and
the science teachers' training figures. Mounted under /api/training beside `training.api`.

Lists answer {"items", "count", "page", "page_size"}; a role without the permission gets 403;
a teacher, study or school outside the caller's area answers 404 like a missing one."""

from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.access.scoping import get_in_scope, scope
from qiangshi.engines.training import number
from qiangshi.org.models import Region, RegionLevel, School
from qiangshi.teachers.models import EducationLevel, StudyMode

from . import degrees, growth, science
from .models import DegreeStudyStatus

router = Router(tags=["training"])
RESPONSES = {**ERRORS, 403: ErrorOut}


def _criterion(c) -> dict[str, Any]:
    return {
        "kind": c.criterion.kind,
        "minimum": c.criterion.minimum,
        "kinds": sorted(c.criterion.kinds),
        "met": c.met,
        "met_on": c.met_on.isoformat() if c.met_on else None,
        "have": c.have,
    }


@router.get(
    "/teachers/{teacher_id}/growth",
    response={200: dict[str, Any], **RESPONSES},
    summary="A teacher's growth paths: milestones reached (when), the next and what it lacks",
)
@requires("trainingrecord.view")
def teacher_growth(request, teacher_id: Id):
    result = growth.teacher_growth(actor=request.auth, teacher_pk=teacher_id, on=date.today())
    return {
        "teacher_id": result.teacher.pk,
        "paths_version": result.file["version"],
        "unverified": bool(result.file.get("unverified")),
        "paths": [
            {
                "code": r.path.code,
                "name": growth.name(r.path),
                "current": r.current.milestone.code if r.current else None,
                "next": r.next.milestone.code if r.next else None,
                "milestones": [
                    {
                        "code": m.milestone.code,
                        "name": growth.name(m.milestone),
                        "reached": m.reached,
                        "reached_on": m.reached_on.isoformat() if m.reached_on else None,
                        "criteria": [_criterion(c) for c in m.criteria],
                    }
                    for m in r.milestones
                ],
            }
            for r in result.results
        ],
    }


def study_out(s) -> dict[str, Any]:
    return {
        "id": s.pk,
        "teacher_id": s.teacher_id,
        "teacher": s.teacher.name,
        "level": s.level,
        "institution": s.institution,
        "programme": s.programme,
        "study_mode": s.study_mode,
        "start_date": s.start_date.isoformat(),
        "expected_on": s.expected_on.isoformat(),
        "status": s.status,
        "completed_on": s.completed_on.isoformat() if s.completed_on else None,
        "education_record_id": s.education_record_id,
    }


class StudyQuery(PageIn):
    q: str | None = Field(None, max_length=100)
    status: DegreeStudyStatus | None = None
    level: EducationLevel | None = None
    school: int | None = Field(None, ge=1, le=2**31 - 1)
    due: date | None = None


@router.get(
    "/degree-studies", response={200: dict[str, Any], **RESPONSES}, summary="Degree studies"
)
@requires("degreestudy.view")
def study_list(request, filters: Query[StudyQuery]):
    qs = degrees.degree_study_list(actor=request.auth, filters=filters.dict())
    return page_of(qs, filters, study_out)


class StudyIn(Schema):
    teacher_id: Id
    level: EducationLevel
    institution: str = Field(..., max_length=120)
    programme: str = Field(..., max_length=120)
    study_mode: StudyMode = StudyMode.IN_SERVICE
    start_date: date
    expected_on: date


@router.post(
    "/degree-studies",
    response={201: dict[str, Any], **RESPONSES},
    summary="Record a teacher's study for a higher degree",
)
@requires("degreestudy.create")
def study_create(request, body: StudyIn):
    data = body.dict()
    study = degrees.degree_study_create(
        actor=request.auth, teacher_pk=data.pop("teacher_id"), **data
    )
    return Status(201, study_out(degrees.degree_study_get(actor=request.auth, pk=study.pk)))


class CompleteIn(Schema):
    completed_on: date


@router.post(
    "/degree-studies/{study_id}/complete",
    response={200: dict[str, Any], **RESPONSES},
    summary="The degree was obtained: it becomes an education record of the teacher",
)
@requires("degreestudy.change")
def study_complete(request, study_id: Id, body: CompleteIn):
    degrees.degree_study_complete(
        actor=request.auth, study_pk=study_id, completed_on=body.completed_on
    )
    return study_out(degrees.degree_study_get(actor=request.auth, pk=study_id))


@router.post(
    "/degree-studies/{study_id}/discontinue",
    response={200: dict[str, Any], **RESPONSES},
    summary="The teacher stopped studying",
)
@requires("degreestudy.change")
def study_discontinue(request, study_id: Id):
    degrees.degree_study_discontinue(actor=request.auth, study_pk=study_id)
    return study_out(degrees.degree_study_get(actor=request.auth, pk=study_id))


class EffectQuery(Schema):
    by: date


@router.get(
    "/schools/{school_id}/degree-effect",
    response={200: dict[str, Any], **RESPONSES},
    summary="A school's teachers above the required degree per 100 pupils, now and projected",
)
@requires("degreestudy.aggregate")
def degree_effect(request, school_id: Id, query: Query[EffectQuery]):
    school = get_in_scope(School.objects.all(), request.auth, "view", pk=school_id)
    effect = degrees.degree_effect(actor=request.auth, school=school, by=query.by)
    return {
        "school_id": school.pk,
        "year": effect.year,
        "by": effect.by.isoformat(),
        "rule_set": effect.rule_set,
        "indicator": degrees.INDICATOR,
        "stages": [
            {
                "stage": s.stage,
                "minimum": s.minimum,
                "now": s.now,
                "projected": s.projected,
                "added": s.added,
            }
            for s in effect.stages
        ],
        "study_ids": [s.pk for s in effect.studies],
    }


class ScienceQuery(Schema):
    region: str | None = Field(None, max_length=12, description="A district or city code")


def _row(r) -> dict[str, Any]:
    return {
        "teachers": r.teachers,
        "on_pace": r.on_pace,
        "complete": r.complete,
        "hours_per_teacher": number(r.hours_per_teacher) if r.teachers else None,
        "science_hours_per_teacher": number(r.science_hours_per_teacher) if r.teachers else None,
        "trained": r.trained,
        "coverage": r.coverage,
    }


@router.get(
    "/science",
    response={200: dict[str, Any], **RESPONSES},
    summary="Science teachers' training per school: pace, hours per teacher, coverage",
)
@requires("trainingrecord.aggregate")
def science_report(request, query: Query[ScienceQuery]):
    region = None
    if query.region:
        region = get_in_scope(
            scope(
                Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)),
                request.auth,
                "view",
            ),
            request.auth,
            "view",
            code=query.region,
        )
    report = science.science_report(actor=request.auth, on=date.today(), region=region)
    return {
        "subjects": report.parameters["subjects"],
        "parameters_version": report.parameters["version"],
        "cycle_start": report.start.isoformat(),
        "cycle_end": report.end.isoformat(),
        "rule_version": report.rule_version,
        "total": _row(report.total),
        "schools": [
            {"school_id": r.school.pk, "school": r.school.name, **_row(r)} for r in report.schools
        ],
    }
