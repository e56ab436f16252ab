"""HTTP API for ethics (issue 17): cases (scoped: the ethics officers of the area, the teacher
concerned, auditors), their steps on the review workflow, and a teacher's bars on a date.

A role without the permission answers 403; a case or teacher outside the caller's scope 404.
Every read of a case is written to the access log (channel "api")."""

from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import access_record
from qiangshi.teachers.models import Teacher
from qiangshi.workflow.selectors import allowed_moves, history, item_for

from . import selectors, services
from .workflow import PROCESS, STATES

router = Router(tags=["ethics"])
ANSWERS = {**ERRORS, 403: ErrorOut}


class CaseListQuery(PageIn):
    teacher: int | None = Field(None, ge=1, le=2**63 - 1)
    q: str = Field("", max_length=50, description="Teacher name contains")
    state: str = Field("", max_length=20)


def _state(item) -> dict:
    return {
        "state": item.state if item else "",
        "state_label": str(STATES.get(item.state, "")) if item else "",
        "due_on": item.due_on if item else None,
    }


def case_summary(case, item) -> dict:
    return {
        "id": case.pk,
        "teacher": case.teacher_id,
        "teacher_name": case.teacher.name,
        "reported_on": case.reported_on,
        **_state(item),
    }


def case_out(case, actor) -> dict:
    item = item_for(PROCESS, case.pk)
    out = {
        **case_summary(case, item),
        "guidelines": case.guidelines,
        "summary": case.summary,
        "findings": case.findings,
        "statement": case.statement,
        "violation": case.violation,
        "sanction": case.sanction_kind,
        "measures": case.measures,
        "decision": case.decision,
        "decided_on": case.decided_on,
        "starts_on": case.starts_on,
        "noticed_on": case.noticed_on,
        "appeal": case.appeal,
        "appeal_outcome": case.appeal_outcome,
        "revoked_on": case.revoked_on,
        "history": [
            {
                "step": s.transition,
                "from": s.from_state,
                "to": s.to_state,
                "by": s.actor_username,
                "role": s.actor_role,
                "on": s.on,
                "comment": s.comment,
                "attachments": [a.name for a in s.attachments.all()],
            }
            for s in (history(item) if item else [])
        ],
        "next_steps": [m["name"] for m in allowed_moves(actor, item)] if item else [],
    }
    if actor.role != Role.TEACHER:  # the reporter is never shown to the teacher
        out["reporter"] = case.reporter
    return out


@router.get("/cases", response={200: dict[str, Any], **ANSWERS}, summary="Cases you may see")
@requires("ethicscase.view")
def case_list(request, filters: Query[CaseListQuery]):
    qs = selectors.case_list(
        actor=request.auth,
        filters={"teacher": filters.teacher, "q": filters.q, "state": filters.state},
    )
    answer = page_of(qs, filters)
    states = selectors.case_states(answer["items"])
    answer["items"] = [case_summary(c, states.get(c.pk)) for c in answer["items"]]
    return answer


@router.get("/cases/{case_id}", response={200: dict[str, Any], **ANSWERS}, summary="One case")
@requires("ethicscase.view")
def case_detail(request, case_id: Id):
    case = selectors.case_get(actor=request.auth, pk=case_id)
    access_record(actor=request.auth, target=case, field="ethics_case", channel="api")
    return case_out(case, request.auth)


class CaseIn(Schema):
    teacher: Id
    reported_on: date
    summary: str = Field(..., max_length=10000)
    guidelines: list[int] = Field(..., max_length=10)
    reporter: str = Field("", max_length=200)


@router.post("/cases", response={201: dict[str, Any], **ANSWERS}, summary="Record a report")
@requires("ethicscase.create")
def case_create(request, body: CaseIn):
    case = services.case_report(
        actor=request.auth,
        teacher_pk=body.teacher,
        reported_on=body.reported_on,
        summary=body.summary,
        guidelines=body.guidelines,
        reporter=body.reporter,
    )
    return Status(201, case_out(case, request.auth))


class StepIn(Schema):
    step: str = Field(..., max_length=40)
    comment: str = Field("", max_length=10000)
    findings: str = Field("", max_length=10000)
    statement: str = Field("", max_length=10000)
    appeal: str = Field("", max_length=10000)
    decision: str = Field("", max_length=10000)
    sanction_kind: str = Field("", max_length=12)
    measures: list[str] = Field([], max_length=10)
    decided_on: date | None = None
    starts_on: date | None = None


@router.post(
    "/cases/{case_id}/steps",
    response={200: dict[str, Any], **ANSWERS},
    summary="Take the next step (a step your role may not take answers 403)",
)
@requires("ethicscase.view")
def case_step(request, case_id: Id, body: StepIn):
    try:
        case = services.case_step(
            actor=request.auth,
            case_pk=case_id,
            step=body.step,
            comment=body.comment,
            data=body.dict(exclude={"step", "comment"}),
        )
    except ApplicationError as e:
        if getattr(e, "code", "") == "role":
            return Status(403, {"message": e.message, "fields": {}})
        raise
    return case_out(case, request.auth)


class BarsQuery(Schema):
    on: date | None = Field(None, description="Date (default: today)")


@router.get(
    "/teachers/{teacher_id}/bars",
    response={200: dict[str, Any], **ANSWERS},
    summary="What the teacher is barred from on a date, and until when",
)
@requires("ethicsbar.view")
def teacher_bars(request, teacher_id: Id, filters: Query[BarsQuery]):
    teacher = get_in_scope(Teacher.objects.all(), request.auth, "view", pk=teacher_id)
    on = filters.on or date.today()
    why = can(request.auth, "ethicscase", "view")
    return {
        "teacher": teacher.pk,
        "on": on,
        "bars": [
            {
                "bar": b.kind,
                "label": str(selectors.BAR_LABELS.get(b.kind, b.kind)),
                "ends_on": b.ends_on,
                "rule_version": b.rule_version,
                **({"because": list(b.refs)} if why else {}),
            }
            for b in selectors.ethics_bars(teacher, on=on)
        ],
    }
