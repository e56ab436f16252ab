"""HTTP API for awards (issue 17): rounds, nominations and their steps, results, statistics,
eligibility and the long-service honours, all scoped.

A role without the permission answers 403; a round, nomination or teacher outside the caller's
area 404. Objection texts are not given by the API."""

from datetime import date
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.access.scoping import get_in_scope
from qiangshi.core.errors import ApplicationError
from qiangshi.teachers.models import Teacher
from qiangshi.workflow.selectors import allowed_moves, history, item_for

from . import selectors, services
from .models import AwardKind
from .workflow import PROCESS, STATES

router = Router(tags=["awards"])
ANSWERS = {**ERRORS, 403: ErrorOut}


class RoundListQuery(PageIn):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: str = Field("", max_length=20, description="Award kind")
    q: str = Field("", max_length=50, description="Title contains")


def round_out(r) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "year": r.year,
        "level": r.level,
        "title": r.title,
        "region": r.region.code,
        "nominations_open_on": r.nominations_open_on,
        "nominations_close_on": r.nominations_close_on,
        "reference_date": r.reference_date,
        "school_quota": r.school_quota,
        "district_quota": r.district_quota,
        "rule_version": r.rule_version,
    }


@router.get("/rounds", response={200: dict[str, Any], **ANSWERS}, summary="Award rounds")
@requires("awardround.view")
def round_list(request, filters: Query[RoundListQuery]):
    qs = selectors.round_list(
        actor=request.auth, filters={"year": filters.year, "kind": filters.kind, "q": filters.q}
    )
    return page_of(qs, filters, round_out)


@router.get("/rounds/{round_id}", response={200: dict[str, Any], **ANSWERS}, summary="One round")
@requires("awardround.view")
def round_detail(request, round_id: Id):
    return round_out(selectors.round_get(actor=request.auth, pk=round_id))


class RoundIn(Schema):
    kind: str = Field(..., max_length=20)
    year: int = Field(..., ge=2000, le=2100)
    level: str = Field(..., max_length=10)
    title: str = Field(..., max_length=200)
    nominations_open_on: date
    nominations_close_on: date
    reference_date: date | None = None
    school_quota: int | None = Field(None, ge=0, le=1000)
    district_quota: int | None = Field(None, ge=0, le=10000)


@router.post("/rounds", response={201: dict[str, Any], **ANSWERS}, summary="Open a round")
@requires("awardround.create")
def round_create(request, body: RoundIn):
    r = services.round_create(actor=request.auth, **body.dict())
    return Status(201, round_out(r))


@router.get(
    "/rounds/{round_id}/statistics",
    response={200: dict[str, Any], **ANSWERS},
    summary="A round's figures per state and per district (over the nominations you may see)",
)
@requires("awardround.view")
def round_statistics(request, round_id: Id):
    r = selectors.round_get(actor=request.auth, pk=round_id)
    stats = selectors.round_statistics(actor=request.auth, round_=r)
    return {
        "round": r.pk,
        "states": [{**s, "label": str(s["label"])} for s in stats["states"]],
        "districts": [
            {**{k: v for k, v in d.items() if k != "district"}, "district": d["district"].code}
            for d in stats["districts"]
        ],
        "total": stats["total"],
    }


class EligibilityQuery(Schema):
    teacher: Id


@router.get(
    "/rounds/{round_id}/eligibility",
    response={200: dict[str, Any], **ANSWERS},
    summary="A teacher's eligibility for the round, rule by rule (stable rule keys)",
)
@requires("awardround.view", "teacher.view")
def round_eligibility(request, round_id: Id, filters: Query[EligibilityQuery]):
    r = selectors.round_get(actor=request.auth, pk=round_id)
    teacher = get_in_scope(Teacher.objects.all(), request.auth, "view", pk=filters.teacher)
    results = selectors.eligibility_of([teacher.pk], r)[teacher.pk]
    return {
        "round": r.pk,
        "teacher": teacher.pk,
        "on": r.reference_date,
        "rule_version": r.rule_version,
        "eligible": all(x.status == "pass" for x in results),
        "rules": selectors.reasons(results),
    }


class NominationListQuery(PageIn):
    round: int | None = Field(None, ge=1, le=2**63 - 1)
    school: int | None = Field(None, ge=1, le=2**63 - 1)
    state: str = Field("", max_length=20)
    q: str = Field("", max_length=50, description="Teacher name contains")


def nomination_summary(n, item) -> dict:
    return {
        "id": n.pk,
        "round": n.round_id,
        "teacher": n.teacher_id,
        "teacher_name": n.teacher.name,
        "school": n.school_id,
        "nominated_on": n.nominated_on,
        "state": item.state if item else "",
        "state_label": str(STATES.get(item.state, "")) if item else "",
        "due_on": item.due_on if item else None,
        "outcome": n.outcome,
        "decided_on": n.decided_on,
    }


def nomination_out(n, actor) -> dict:
    item = item_for(PROCESS, n.pk)
    return {
        **nomination_summary(n, item),
        "citation": n.citation,
        "rule_version": n.rule_version,
        "eligibility": selectors.reasons(n.eligibility),
        "noticed_on": n.noticed_on,
        "recognition": n.recognition_id,
        "history": [
            {
                "step": s.transition,
                "from": s.from_state,
                "to": s.to_state,
                "by": s.actor_username,
                "role": s.actor_role,
                "on": s.on,
                "comment": s.comment,
            }
            for s in (history(item) if item else [])
        ],
        "next_steps": [m["name"] for m in allowed_moves(actor, item)] if item else [],
    }


@router.get("/nominations", response={200: dict[str, Any], **ANSWERS}, summary="Nominations")
@requires("awardnomination.view")
def nomination_list(request, filters: Query[NominationListQuery]):
    qs = selectors.nomination_list(
        actor=request.auth,
        filters={
            "round": filters.round,
            "school": filters.school,
            "state": filters.state,
            "q": filters.q,
        },
    )
    answer = page_of(qs, filters)
    states = selectors.nomination_states(answer["items"])
    answer["items"] = [nomination_summary(n, states.get(n.pk)) for n in answer["items"]]
    return answer


@router.get(
    "/nominations/{nomination_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="One nomination",
)
@requires("awardnomination.view")
def nomination_detail(request, nomination_id: Id):
    n = selectors.nomination_get(actor=request.auth, pk=nomination_id)
    return nomination_out(n, request.auth)


class NominationIn(Schema):
    round: Id
    teacher: Id
    citation: str = Field(..., max_length=10000)


@router.post(
    "/nominations",
    response={201: dict[str, Any], **ANSWERS},
    summary="Nominate a teacher of your school (refused over quota or when a rule is not met)",
)
@requires("awardnomination.create")
def nomination_create(request, body: NominationIn):
    n = services.nomination_create(
        actor=request.auth, round_pk=body.round, teacher_pk=body.teacher, citation=body.citation
    )
    return Status(201, nomination_out(n, request.auth))


class StepIn(Schema):
    step: str = Field(..., max_length=40)
    comment: str = Field("", max_length=10000)


@router.post(
    "/nominations/{nomination_id}/steps",
    response={200: dict[str, Any], **ANSWERS},
    summary="Take the next step (a step your role may not take answers 403)",
)
@requires("awardnomination.view")
def nomination_step(request, nomination_id: Id, body: StepIn):
    try:
        n = services.nomination_step(
            actor=request.auth, nomination_pk=nomination_id, step=body.step, comment=body.comment
        )
    except ApplicationError as e:
        if getattr(e, "code", "") == "role":
            return Status(403, {"message": e.message, "fields": {}})
        raise
    return nomination_out(n, request.auth)


class ResultsQuery(PageIn):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: str = Field("", max_length=20)


@router.get(
    "/results",
    response={200: dict[str, Any], **ANSWERS},
    summary="Awards decided (awarded nominations), newest first",
)
@requires("awardnomination.view")
def result_list(request, filters: Query[ResultsQuery]):
    qs = selectors.nomination_list(actor=request.auth).filter(outcome="awarded")
    if filters.year:
        qs = qs.filter(decided_on__year=filters.year)
    if filters.kind in AwardKind.values:
        qs = qs.filter(round__kind=filters.kind)
    qs = qs.order_by("-decided_on", "pk")

    def row(n):
        return {
            "nomination": n.pk,
            "round": n.round_id,
            "kind": n.round.kind,
            "level": n.round.level,
            "year": n.round.year,
            "teacher": n.teacher_id,
            "teacher_name": n.teacher.name,
            "school": n.school_id,
            "decided_on": n.decided_on,
            "recognition": n.recognition_id,
        }

    return page_of(qs, filters, row)


class LongServiceQuery(PageIn):
    year: int = Field(..., ge=2000, le=2100)
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    school: int | None = Field(None, ge=1, le=2**63 - 1)
    status: str = Field("", pattern="^(|reached|unknown)$")


@router.get(
    "/long-service",
    response={200: dict[str, Any], **ANSWERS},
    summary="Long-service honours of a year (teachers with an unknown start listed as unknown)",
)
@requires("awardhonour.view")
def long_service(request, filters: Query[LongServiceQuery]):
    rows = selectors.long_service_list(
        actor=request.auth,
        year=filters.year,
        filters={"district": filters.district, "school": filters.school, "status": filters.status},
    )
    return page_of(
        rows,
        filters,
        lambda r: {
            "teacher": r.teacher.pk,
            "teacher_name": r.teacher.name,
            "school": r.school.pk if r.school else None,
            "work_start_date": r.work_start,
            "status": r.status,
        },
    )
