"""HTTP API for title evaluation (issue 17): rounds, applications and results, scoped (an office
its area, a school its applicants, a reviewer only what was drawn for them, a teacher their own);
steps on the review workflow and reviewers' scores.

A role without the permission answers 403; a round or application outside the caller's scope
404. Reads of an application are written to the access log (channel "api")."""

from datetime import date
from typing import Any, Literal

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


# --- the reviewers' pool, declared relations, weak schools (the offices') ------------------------


def profile_out(p) -> dict:
    return {
        "id": p.pk,
        "user": p.user_id,
        "username": p.user.username,
        "name": p.user.display_name,
        "subjects": p.subjects,
        "stages": p.stages,
        "school": p.school_id,
        "district": p.district_id,
        "is_active": p.is_active,
    }


class ProfileListQuery(PageIn):
    q: str = Field("", max_length=50, description="Name or login contains")
    subject: str = Field("", max_length=32)
    stage: str = Field("", max_length=8)
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    active: bool | None = Field(None, description="In the pool (true) or taken out (false)")


@router.get("/reviewers", response={200: dict[str, Any], **ANSWERS}, summary="The reviewers' pool")
@requires("reviewerprofile.view")
def reviewer_list(request, filters: Query[ProfileListQuery]):
    qs = selectors.reviewer_profiles(
        actor=request.auth,
        filters={"q": filters.q, "subject": filters.subject, "stage": filters.stage,
                 "district": filters.district,
                 "active": "" if filters.active is None else str(int(filters.active))},
    )  # fmt: skip
    return page_of(qs, filters, profile_out)


class ProfileIn(Schema):
    user: Id = Field(..., description="An expert reviewer's login not yet in the pool")
    subjects: list[str] = Field(..., max_length=30)
    stages: list[str] = Field(..., max_length=3)
    school: Id | None = None
    district: Id | None = None


@router.post(
    "/reviewers", response={201: dict[str, Any], **ANSWERS}, summary="Add a reviewer to the pool"
)
@requires("reviewerprofile.create")
def reviewer_create(request, body: ProfileIn):
    profile = services.reviewer_profile_create(
        actor=request.auth, user_pk=body.user, subjects=body.subjects, stages=body.stages,
        school_pk=body.school, district_pk=body.district,
    )  # fmt: skip
    return Status(201, profile_out(profile))


class ProfilePatch(Schema):
    subjects: list[str] | None = Field(None, max_length=30)
    stages: list[str] | None = Field(None, max_length=3)
    school: Id | None = None
    district: Id | None = None
    is_active: bool | None = Field(None, description="false: take out of the pool")
    reason: str = Field("", max_length=300, description="Why taken out (audit trail)")


@router.patch(
    "/reviewers/{profile_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Change a reviewer's subjects, stages or workplace, or take them out of the pool",
)
@requires("reviewerprofile.change")
def reviewer_update(request, profile_id: Id, body: ProfilePatch):
    given = body.dict(exclude_unset=True)
    profile = selectors.reviewer_profile_get(actor=request.auth, pk=profile_id, action="change")
    if given.keys() & {"subjects", "stages", "school", "district"}:
        workplace = given.keys() & {"school", "district"}
        profile = services.reviewer_profile_update(
            actor=request.auth, profile_pk=profile.pk,
            subjects=given.get("subjects") or profile.subjects,
            stages=given.get("stages") or profile.stages,
            school_pk=given.get("school") if workplace else profile.school_id,
            district_pk=given.get("district") if workplace else profile.district_id,
        )  # fmt: skip
    if body.is_active is not None and body.is_active != profile.is_active:
        if body.is_active:
            profile = services.reviewer_profile_reactivate(
                actor=request.auth, profile_pk=profile.pk
            )
        else:
            profile = services.reviewer_profile_deactivate(
                actor=request.auth, profile_pk=profile.pk, reason=body.reason
            )
    return profile_out(profile)


def relation_out(r) -> dict:
    return {
        "id": r.pk,
        "reviewer": r.reviewer_id,
        "reviewer_name": str(r.reviewer),
        "teacher": r.teacher_id,
        "teacher_name": r.teacher.name,
        "kind": r.kind,
        "declared_on": r.declared_on,
    }


class RelationListQuery(PageIn):
    q: str = Field("", max_length=50, description="Reviewer's or teacher's name contains")
    reviewer: int | None = Field(None, ge=1, le=2**63 - 1)
    kind: str = Field("", max_length=10)


@router.get(
    "/relations",
    response={200: dict[str, Any], **ANSWERS},
    summary="Relations reviewers declared with the teachers of your area",
)
@requires("reviewerrelation.view")
def relation_list(request, filters: Query[RelationListQuery]):
    qs = selectors.relation_list(
        actor=request.auth,
        filters={"q": filters.q, "reviewer": filters.reviewer, "kind": filters.kind},
    )
    return page_of(qs, filters, relation_out)


class RelationIn(Schema):
    reviewer: Id = Field(..., description="The reviewer's user id (in your pool)")
    teacher: Id
    kind: str = Field(..., max_length=10, description="colleague, relative, mentor or other")
    declared_on: date | None = None


@router.post(
    "/relations",
    response={201: dict[str, Any], **ANSWERS},
    summary="Record a relation a reviewer declared (never drawn for that teacher afterwards)",
)
@requires("reviewerrelation.create")
def relation_create(request, body: RelationIn):
    row = services.reviewer_relation_record(
        actor=request.auth, reviewer_pk=body.reviewer, teacher_pk=body.teacher, kind=body.kind,
        declared_on=body.declared_on,
    )  # fmt: skip
    return Status(201, relation_out(row))


class RelationPatch(Schema):
    kind: str | None = Field(None, max_length=10)
    declared_on: date | None = None


@router.patch(
    "/relations/{relation_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Correct a relation's kind or date",
)
@requires("reviewerrelation.change")
def relation_update(request, relation_id: Id, body: RelationPatch):
    row = selectors.relation_get(actor=request.auth, pk=relation_id, action="change")
    row = services.reviewer_relation_update(
        actor=request.auth, relation_pk=row.pk, kind=body.kind or row.kind,
        declared_on=body.declared_on or row.declared_on,
    )  # fmt: skip
    return relation_out(row)


@router.delete(
    "/relations/{relation_id}",
    response={204: None, **ANSWERS},
    summary="Remove a relation recorded by mistake",
)
@requires("reviewerrelation.delete")
def relation_delete(request, relation_id: Id):
    services.reviewer_relation_remove(actor=request.auth, relation_pk=relation_id)
    return Status(204, None)


def weak_out(w) -> dict:
    return {
        "id": w.pk,
        "school": w.school_id,
        "school_code": w.school.code,
        "school_name": w.school.name,
        "district": w.school.district_id,
        "start_date": w.start_date,
        "end_date": w.end_date,
        "status": selectors.weak_school_status(w),
        "source": w.source,
    }


class WeakListQuery(PageIn):
    district: int | None = Field(None, ge=1, le=2**63 - 1)
    year: int | None = Field(None, ge=1950, le=2100, description="Designated at some time in")
    status: Literal["", "current", "upcoming", "ended"] = Field(
        "", description="current, upcoming or ended (today)"
    )
    q: str = Field("", max_length=50, description="School name or code contains")


@router.get(
    "/weak-schools",
    response={200: dict[str, Any], **ANSWERS},
    summary="Weak-school designations of your area",
)
@requires("weakschool.view")
def weak_school_list(request, filters: Query[WeakListQuery]):
    qs = selectors.weak_school_list(
        actor=request.auth,
        filters={"district": filters.district, "year": filters.year, "status": filters.status,
                 "q": filters.q},
    )  # fmt: skip
    return page_of(qs, filters, weak_out)


class WeakIn(Schema):
    school: Id
    start_date: date
    end_date: date | None = Field(None, description="First day no longer designated")
    source: str = Field(..., max_length=200, description="Reason and the decision")


@router.post(
    "/weak-schools",
    response={201: dict[str, Any], **ANSWERS},
    summary="Designate a school of your area as weak for a period",
)
@requires("weakschool.create")
def weak_school_create(request, body: WeakIn):
    row = services.weak_school_designate(
        actor=request.auth, school_pk=body.school, start_date=body.start_date,
        end_date=body.end_date, source=body.source,
    )  # fmt: skip
    return Status(201, weak_out(selectors.weak_school_get(actor=request.auth, pk=row.pk)))


class WeakEndIn(Schema):
    end_date: date = Field(..., description="First day no longer designated")


@router.post(
    "/weak-schools/{designation_id}/end",
    response={200: dict[str, Any], **ANSWERS},
    summary="End a designation",
)
@requires("weakschool.change")
def weak_school_end(request, designation_id: Id, body: WeakEndIn):
    row = services.weak_school_end(
        actor=request.auth, designation_pk=designation_id, end_date=body.end_date
    )
    return weak_out(selectors.weak_school_get(actor=request.auth, pk=row.pk))
