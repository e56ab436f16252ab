"""HTTP API for title evaluation (issue 17): rounds, applications and results, scoped (an office
its area, a school its applicants, a reviewer only what was drawn for them, a teacher their own);
steps on the review workflow and reviewers' scores.

A role without the permission answers 403; a round or application outside the caller's scope
404. Reads of an application are written to the access log (channel "api")."""

from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import access_record
from qiangshi.workflow.selectors import allowed_moves, history, item_for

from . import eligibility, selectors, services
from .workflow import PROCESS, STATES

router = Router(tags=["titles"])
ANSWERS = {**ERRORS, 403: ErrorOut}


class RoundListQuery(PageIn):
    year: int | None = Field(None, ge=2000, le=2100)
    target: str = Field("", max_length=12)
    stage: str = Field("", max_length=8)


def round_out(r) -> dict:
    return {
        "id": r.pk,
        "year": r.year,
        "target": r.target,
        "stage": r.stage,
        "region": r.region.code,
        "opens_on": r.opens_on,
        "closes_on": r.closes_on,
        "reference_date": r.reference_date,
        "rule_version": r.rule_version,
        "rubric_version": r.rubric_version,
        "aggregation": r.aggregation,
        "panel_size": r.panel_size,
        "avoid_same_district": r.avoid_same_district,
        "materials": r.materials,
        "quota_source": r.quota_source,
        "seed": r.seed,
        "ranked_on": r.ranked_on,
    }


@router.get("/rounds", response={200: dict[str, Any], **ANSWERS}, summary="Rounds you may see")
@requires("titleround.view")
def round_list(request, filters: Query[RoundListQuery]):
    qs = selectors.round_list(
        actor=request.auth,
        filters={"year": filters.year, "target": filters.target, "stage": filters.stage},
    )
    answer = page_of(qs, filters)
    answer["items"] = [round_out(r) for r in answer["items"]]
    return answer


@router.get("/rounds/{round_id}", response={200: dict[str, Any], **ANSWERS}, summary="One round")
@requires("titleround.view")
def round_detail(request, round_id: Id):
    r = selectors.round_get(actor=request.auth, pk=round_id)
    return {
        **round_out(r),
        "quotas": [
            {"district": q.district.code, "school": q.school.code if q.school else None,
             "quota": q.quota, "source": q.source}
            for q in selectors.quota_rows(r)
        ],
    }  # fmt: skip


@router.get(
    "/rounds/{round_id}/results",
    response={200: dict[str, Any], **ANSWERS},
    summary="A round's ranked results (the applications you may see)",
)
@requires("titleround.view")
def round_results(request, round_id: Id):
    r = selectors.round_get(actor=request.auth, pk=round_id)
    apps = list(selectors.application_list(actor=request.auth, filters={"round": r.pk}))
    states = selectors.application_states(apps)
    stats = selectors.round_statistics(actor=request.auth, round_=r)
    return {
        "round": r.pk,
        "ranked_on": r.ranked_on,
        "results": [
            {
                "application": a.pk,
                "teacher": a.teacher_id,
                "district": a.district.code,
                "state": states[a.pk].state if a.pk in states else "",
                "score": a.score,
                "rank": a.rank,
                "within_quota": a.within_quota,
                "decided_on": a.decided_on,
            }
            for a in sorted(apps, key=lambda a: (a.district.code, a.rank or 10**6, a.pk))
        ],
        "statistics": {
            "applications": stats.applications,
            "by_state": stats.by_state,
            "pass_rates": {
                group: [
                    {
                        "key": x.key,
                        "label": x.label,
                        "applications": x.applications,
                        "decided": x.decided,
                        "approved": x.approved,
                        "pass_rate": x.pass_rate,
                    }
                    for x in rates
                ]  # fmt: skip
                for group, rates in (
                    ("district", stats.by_district),
                    ("subject", stats.by_subject),
                    ("location", stats.by_location),
                )
            },
        },
    }


@router.post(
    "/rounds/{round_id}/applications",
    response={201: dict[str, Any], **ANSWERS},
    summary="Start your application in an open round (pre-filled from the registry)",
)
@requires("titleapplication.create")
def application_create(request, round_id: Id):
    app = services.application_start(actor=request.auth, round_pk=round_id)
    return Status(201, application_out(app, request.auth))


class ApplicationListQuery(PageIn):
    round: int | None = Field(None, ge=1, le=2**63 - 1)
    state: str = Field("", max_length=20)
    q: str = Field("", max_length=50, description="Teacher name contains")


def application_summary(a, item) -> dict:
    return {
        "id": a.pk,
        "round": a.round_id,
        "teacher": a.teacher_id,
        "teacher_name": a.teacher.name,
        "school": a.school.code,
        "district": a.district.code,
        "subject": a.subject,
        "current_title": a.current_title or None,
        "eligible": a.eligible,
        "state": item.state if item else "",
        "state_label": str(STATES.get(item.state, "")) if item else "",
        "due_on": item.due_on if item else None,
        "score": a.score,
        "rank": a.rank,
        "within_quota": a.within_quota,
    }


def application_out(a, actor) -> dict:
    item = item_for(PROCESS, a.pk)
    return {
        **application_summary(a, item),
        "rule_version": a.rule_version,
        "checked_on": a.checked_on,
        "registry": a.snapshot,
        "checks": [
            {
                "rule": c["rule"],
                "status": c["status"],
                "message": eligibility.stored_check_message(c, a.round.target),
            }
            for c in a.checks
        ],
        "materials": [{"kind": m.kind, "name": m.name, "size": m.size} for m in a.materials.all()],
        "decided_on": a.decided_on,
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
        ],  # fmt: skip
        "next_steps": [m["name"] for m in allowed_moves(actor, item)] if item else [],
    }


@router.get(
    "/applications", response={200: dict[str, Any], **ANSWERS}, summary="Applications you may see"
)
@requires("titleapplication.view")
def application_list(request, filters: Query[ApplicationListQuery]):
    qs = selectors.application_list(
        actor=request.auth,
        filters={"round": filters.round, "state": filters.state, "q": filters.q},
    )
    answer = page_of(qs, filters)
    states = selectors.application_states(answer["items"])
    answer["items"] = [application_summary(a, states.get(a.pk)) for a in answer["items"]]
    return answer


@router.get(
    "/applications/{application_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="One application",
)
@requires("titleapplication.view")
def application_detail(request, application_id: Id):
    app = selectors.application_get(actor=request.auth, pk=application_id)
    access_record(actor=request.auth, target=app, field="title_application", channel="api")
    return application_out(app, request.auth)


class StepIn(Schema):
    step: str = Field(..., max_length=40)
    comment: str = Field("", max_length=10000)


@router.post(
    "/applications/{application_id}/steps",
    response={200: dict[str, Any], **ANSWERS},
    summary="Take the next step (a step your role may not take answers 403)",
)
@requires("titleapplication.view")
def application_step(request, application_id: Id, body: StepIn):
    try:
        app = services.application_step(
            actor=request.auth, application_pk=application_id, step=body.step, comment=body.comment
        )
    except ApplicationError as e:
        if getattr(e, "code", "") == "role":
            return Status(403, {"message": e.message, "fields": {}})
        raise
    return application_out(app, request.auth)


class ScoreIn(Schema):
    scores: dict[str, float] = Field(..., max_length=20)
    comment: str = Field("", max_length=10000)


@router.post(
    "/applications/{application_id}/scores",
    response={201: dict[str, Any], **ANSWERS},
    summary="Score an application drawn for you, on the round's rubric",
)
@requires("titlescore.create")
def application_score(request, application_id: Id, body: ScoreIn):
    score = services.score_submit(
        actor=request.auth,
        application_pk=application_id,
        scores={k: str(v) for k, v in body.scores.items()},
        comment=body.comment,
    )
    return Status(201, {"application": application_id, "total": score.total})
