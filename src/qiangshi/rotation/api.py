"""HTTP API for rotation planning: eligibility and quotas of a district or city, plans (create,
solve, decisions, submit, review, publish, apply), their moves, and a teacher's own moves.

Plans outside the caller's area answer 404 like missing ones; a draft is visible to the offices
that plan it and the bureau, a published plan also to its schools."""

from datetime import date
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, DictPage, Id, PageIn, page_of, requires
from qiangshi.access.models import Role
from qiangshi.core.errors import NotFound

from . import selectors, services

router = Router(tags=["rotation"])


class EligibilityQuery(Schema):
    region: str = Field(..., max_length=12, description="District or city code")
    year: int = Field(..., ge=2000, le=2100, description="School year the rotation starts")
    school: int | None = Field(None, ge=1, description="List this school's teachers")


@router.get(
    "/eligibility",
    response={200: dict[str, Any], **ERRORS},
    summary="Eligible teachers per school, exclusions by reason, and the year's quotas",
)
@requires("rotation.view")
def eligibility(request, filters: Query[EligibilityQuery]):
    region = selectors.region_for(request.auth, filters.region)
    rows, people, rules = selectors.eligibility_summary(region, filters.year, actor=request.auth)
    out: dict[str, Any] = {
        "region": region.code,
        "year": filters.year,
        "rule_version": rules["version"],
        "quota": selectors.quota_summary(rows, rules),
        "schools": [
            {
                "school_id": r.school.pk,
                "school_code": r.school.code,
                "school_name": r.school.name,
                "is_sending": r.is_sending,
                "teachers": r.teachers,
                "eligible": r.eligible,
                "backbone_eligible": r.backbone_eligible,
                "excluded_by_reason": r.excluded_by_reason,
            }
            for r in rows
        ],
    }
    if filters.school:
        out["teachers"] = [
            {
                "teacher_id": c.teacher_id,
                "name": c.name,
                "subject": c.subject,
                "since": c.since.isoformat() if c.since else None,
                "years": c.years,
                "is_backbone": c.is_backbone,
                "eligible": c.eligible,
                "reasons": c.reasons,
                "reason_texts": c.reason_texts,
            }
            for c in people
            if c.school_id == filters.school
        ]
    return out


class PlanIn(Schema):
    region: str = Field(..., max_length=12, description="District or city code")
    year: int = Field(..., ge=2000, le=2100)
    method: Literal["milp", "greedy"] = "milp"
    name: str = Field("", max_length=120)
    effective_date: date | None = None
    origins: list[str] = Field(default_factory=list, description="Sending district codes")
    destinations: list[str] = Field(default_factory=list, description="Receiving districts")
    max_distance_km: float | None = Field(None, gt=0)
    subject_needs: bool = True
    exchange: bool = Field(True, description="Receiving districts may send teachers back")
    form: Literal["transfer", "term", ""] = Field(
        "", description="Default form of the teachers' moves (the rule set's when empty)"
    )
    term_years: int | None = Field(None, ge=1, le=10, description="Length of a term, in years")
    appointments: list[str] = Field(
        default_factory=list, description="Codes of schools where a new principal is named"
    )
    solve: bool = Field(True, description="Solve right away (a background job)")


def plan_out(plan, actor=None) -> dict[str, Any]:
    """A plan as the API shows it: in full to the planning offices (the stored trade-off's
    moves apart: see /moves); to a school administrator or a teacher its dates and status."""
    out = {
        "id": plan.pk,
        "name": str(plan),
        "region": plan.region.code,
        "year": plan.year,
        "status": plan.status,
        "effective_date": plan.effective_date.isoformat(),
        "notice_start": plan.notice_start.isoformat() if plan.notice_start else None,
        "notice_end": plan.notice_end.isoformat() if plan.notice_end else None,
    }
    if actor is not None and actor.role not in selectors.PLANNERS:
        return out
    return {
        **out,
        "method": plan.method,
        "params": plan.params,
        "solve_state": plan.solve_state,
        "solve_message": plan.solve_message,
        "result": {k: v for k, v in (plan.result or {}).items() if k != "options"},
        "review_comment": plan.review_comment,
    }


class PlanListQuery(Schema):
    region: str | None = Field(None, max_length=12)
    year: int | None = Field(None, ge=2000, le=2100)
    status: str | None = Field(None, max_length=12)


@router.get("/plans", response={200: DictPage, **ERRORS}, summary="Plans in your area")
@requires("rotation.view")
def plan_list(request, filters: Query[PlanListQuery], paging: Query[PageIn]):
    qs = selectors.plan_list(request.auth, year=filters.year)
    if filters.region:
        qs = qs.filter(region__code=filters.region)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return page_of(qs, paging, lambda p: plan_out(p, request.auth))


@router.post("/plans", response={201: dict[str, Any], **ERRORS}, summary="Create (and solve)")
@requires("rotation.create", "rotation.change")
def plan_create(request, body: PlanIn):
    plan = services.plan_create(
        actor=request.auth,
        region_code=body.region,
        year=body.year,
        method=body.method,
        name=body.name,
        effective_date=body.effective_date,
        origins=body.origins,
        destinations=body.destinations,
        max_distance_km=body.max_distance_km,
        subject_needs=body.subject_needs,
        exchange=body.exchange,
        form=body.form,
        term_years=body.term_years,
        appointments=body.appointments,
    )
    if body.solve:
        plan = services.plan_solve(actor=request.auth, plan=plan)
    plan.refresh_from_db()
    return Status(201, plan_out(plan, request.auth))


@router.get("/plans/{plan_id}", response={200: dict[str, Any], **ERRORS}, summary="A plan")
@requires("rotation.view")
def plan_detail(request, plan_id: Id):
    return plan_out(selectors.plan_get(request.auth, plan_id), request.auth)


def _move_out(m) -> dict[str, Any]:
    return {
        "id": m.pk,
        "teacher_id": m.teacher_id,
        "teacher_name": m.teacher.name,
        "from": m.origin.code,
        "to": m.destination.code,
        "subject": m.subject,
        "is_backbone": m.is_backbone,
        "is_principal": m.is_principal,
        "stage_from": m.stage_from,
        "stage_to": m.stage_to,
        "form": m.form,
        "term_years": m.term_years,
        "return_date": m.return_date.isoformat() if m.return_date else None,
        "distance_km": m.distance_km,
        "reason": m.reason_shown,
    }


@router.get("/plans/{plan_id}/moves", response={200: DictPage, **ERRORS}, summary="A plan's moves")
@requires("rotation.view")
def plan_moves(request, plan_id: Id, paging: Query[PageIn]):
    plan = selectors.plan_get(request.auth, plan_id)
    return page_of(selectors.plan_moves_for(request.auth, plan), paging, _move_out)


@router.get(
    "/plans/{plan_id}/notice",
    response={200: DictPage, **ERRORS},
    summary="A plan's public notice (name, from, to) while it is on",
    description="The notice's first and last day are the plan's `notice_start` and `notice_end`.",
)
@requires("rotation.view")
def plan_notice(request, plan_id: Id, paging: Query[PageIn]):
    plan = selectors.plan_get(request.auth, plan_id)
    notice = selectors.plan_notice(request.auth, plan)
    if notice is None:
        raise NotFound("Not found")
    return page_of(
        notice,
        paging,
        lambda m: {"name": m.teacher.name, "from": m.origin.name, "to": m.destination.name},
    )


class NoticeIn(Schema):
    start: date | None = None
    end: date | None = None


@router.post("/plans/{plan_id}/notice", response={200: dict[str, Any], **ERRORS})
@requires("rotation.review")
def plan_set_notice(request, plan_id: Id, body: NoticeIn):
    plan = selectors.plan_get(request.auth, plan_id)
    plan = services.plan_set_notice(actor=request.auth, plan=plan, start=body.start, end=body.end)
    return plan_out(plan, request.auth)


class BudgetIn(Schema):
    option: int = Field(..., ge=0, le=100, description="Index in result.tradeoff")


@router.post("/plans/{plan_id}/budget", response={200: dict[str, Any], **ERRORS})
@requires("rotation.change")
def plan_budget(request, plan_id: Id, body: BudgetIn):
    plan = selectors.plan_get(request.auth, plan_id)
    plan = services.plan_choose_budget(actor=request.auth, plan=plan, option=body.option)
    return plan_out(plan, request.auth)


class FormIn(Schema):
    form: Literal["transfer", "term"]
    term_years: int | None = Field(None, ge=1, le=10)


@router.post("/plans/{plan_id}/moves/{move_id}/form", response={200: dict[str, Any], **ERRORS})
@requires("rotation.change")
def move_form(request, plan_id: Id, move_id: Id, body: FormIn):
    plan = selectors.plan_get(request.auth, plan_id)
    move = services.move_set_form(
        actor=request.auth, plan=plan, move_pk=move_id, form=body.form, term_years=body.term_years
    )
    return {"id": move.pk, "form": move.form, "term_years": move.term_years}


class SolveIn(Schema):
    method: Literal["milp", "greedy"] | None = None


@router.post("/plans/{plan_id}/solve", response={202: dict[str, Any], **ERRORS})
@requires("rotation.change")
def plan_solve(request, plan_id: Id, body: SolveIn):
    plan = selectors.plan_get(request.auth, plan_id)
    plan = services.plan_solve(actor=request.auth, plan=plan, method=body.method)
    plan.refresh_from_db()
    return Status(202, plan_out(plan, request.auth))


class DecisionIn(Schema):
    teacher_id: int = Field(..., ge=1)
    kind: Literal["must", "must_not", "not_to"]
    school_id: int | None = Field(None, ge=1)


@router.post("/plans/{plan_id}/decisions", response={201: dict[str, Any], **ERRORS})
@requires("rotation.change")
def decision_add(request, plan_id: Id, body: DecisionIn):
    plan = selectors.plan_get(request.auth, plan_id)
    d = services.decision_add(
        actor=request.auth,
        plan=plan,
        teacher_pk=body.teacher_id,
        kind=body.kind,
        school_pk=body.school_id,
    )
    return Status(
        201, {"id": d.pk, "teacher_id": d.teacher_id, "kind": d.kind, "school_id": d.school_id}
    )


@router.delete("/plans/{plan_id}/decisions/{decision_id}", response={204: None, **ERRORS})
@requires("rotation.change")
def decision_remove(request, plan_id: Id, decision_id: Id):
    plan = selectors.plan_get(request.auth, plan_id)
    services.decision_remove(actor=request.auth, plan=plan, decision_pk=decision_id)
    return Status(204, None)


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


@router.post("/plans/{plan_id}/submit", response={200: dict[str, Any], **ERRORS})
@requires("rotation.change")
def plan_submit(request, plan_id: Id):
    plan = selectors.plan_get(request.auth, plan_id)
    return plan_out(services.plan_submit(actor=request.auth, plan=plan), request.auth)


@router.post("/plans/{plan_id}/review", response={200: dict[str, Any], **ERRORS})
@requires("rotation.review")
def plan_review(request, plan_id: Id, body: ReviewIn):
    plan = selectors.plan_get(request.auth, plan_id)
    plan = services.plan_review(
        actor=request.auth, plan=plan, approve=body.approve, comment=body.comment
    )
    return plan_out(plan, request.auth)


@router.post("/plans/{plan_id}/publish", response={200: dict[str, Any], **ERRORS})
@requires("rotation.review")
def plan_publish(request, plan_id: Id):
    plan = selectors.plan_get(request.auth, plan_id)
    return plan_out(services.plan_publish(actor=request.auth, plan=plan), request.auth)


@router.post("/plans/{plan_id}/apply", response={200: dict[str, Any], **ERRORS})
@requires("rotation.review")
def plan_apply(request, plan_id: Id):
    plan = selectors.plan_get(request.auth, plan_id)
    applied = services.plan_apply(actor=request.auth, plan=plan)
    plan.refresh_from_db()
    return {**plan_out(plan, request.auth), "applied": applied}


@router.get("/mine", response={200: DictPage, **ERRORS}, summary="My own moves")
@requires()
def my_moves(request, paging: Query[PageIn]):
    return page_of(
        selectors.my_moves(request.auth),
        paging,
        lambda m: {
            "plan_id": m.plan_id,
            "year": m.plan.year,
            "from": m.origin.name,
            "to": m.destination.name,
            "effective_date": m.plan.effective_date.isoformat(),
            "status": m.plan.status,
        },
    )


class PreferenceIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    school_ids: list[int] = Field(default_factory=list, description="Best first; empty withdraws")


@router.put(
    "/preferences", response={200: dict[str, Any], **ERRORS}, summary="My preferred schools"
)
@requires(roles={Role.TEACHER})
def my_preferences(request, body: PreferenceIn):
    pref = services.preference_set(actor=request.auth, year=body.year, school_pks=body.school_ids)
    return {"year": pref.year, "school_ids": pref.schools}
