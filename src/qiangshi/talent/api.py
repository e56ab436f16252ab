"""HTTP API for talent and partnerships (/api/talent/...): recruitment plans, targets and hires
with recruitment against plan; olympiad results and rewards per school; partnerships, the people
sent and received, activities (confirming one credits training hours, cancelling takes them
back) and the partnership summary; a teacher's own partnership hours; teacher perks and their
take-up.

Lists answer {"items", "count", "page", "page_size"}; a role without the permission gets 403; a
record outside the caller's area answers 404 like a missing one; a record of a region above the
office's own may be read but not changed (403)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.access.scoping import scope
from qiangshi.core.errors import NotFound
from qiangshi.org.models import Region

from . import selectors, services
from .models import (
    ActivityKind,
    Direction,
    HireStatus,
    Olympiad,
    OlympiadLevel,
    PartnershipKind,
    RecruitmentCategory,
)

router = Router(tags=["talent"])
ANSWERS = {**ERRORS, 403: ErrorOut}


def _num(value) -> float | None:
    return None if value is None else float(value)


def _region(actor, code: str | None) -> Region:
    """A region the caller sees, by code (default: their own, or their school's district)."""
    if not code:
        own = getattr(actor, "region", None) or getattr(
            getattr(actor, "school", None), "district", None
        )
        if own is None:
            raise NotFound("Not found")
        return own
    region = scope(Region.objects.filter(code=code), actor, "view").first()
    if region is None:
        raise NotFound("Not found")
    return region


def _args(body: Schema, *ids: str, **more) -> dict[str, Any]:
    """A body's fields as a service's keyword arguments: each of the `ids` (record ids such as
    `school`) as `<id>_pk`, with `more`."""
    fields = body.model_dump()
    return {**{f"{k}_pk" if k in ids else k: v for k, v in fields.items()}, **more}


def _patch(request, body: Schema, update, **record):
    """A PATCH of an office record: the fields the request gave, through the service."""
    data = _values(request.auth, body, given_only=True)
    return update(actor=request.auth, data=data, **record)


def _values(actor, body: Schema, *, given_only: bool = False) -> dict[str, Any]:
    """An office record's input for its service, the region code resolved (absent or null: the
    service's default on create, unchanged on update); `given_only`: only the fields the
    request gave (a PATCH)."""
    values = body.model_dump(exclude_unset=given_only)
    code = values.pop("region", None)
    if code:
        values["region"] = _region(actor, code)
    return values


# --- recruitment ----------------------------------------------------------------------------


class PlanQuery(PageIn):
    year: int | None = Field(None, ge=1990, le=2100)
    q: str | None = Field(None, max_length=100, description="Text in the region's name or remarks")


def _plan_out(plan, progress) -> dict[str, Any]:
    p = progress[plan.pk]
    return {
        "id": plan.pk,
        "region_code": plan.region.code,
        "region_name": plan.region.name,
        "year": plan.year,
        "remarks": plan.remarks,
        "categories": [
            {"category": c.category, "target": c.target, "hires": c.hires, "rate": _num(c.rate)}
            for c in p["categories"]
        ],
        "target": p["target"],
        "hires": p["hires"],
        "rate": _num(p["rate"]),
    }


@router.get(
    "/plans",
    response={200: dict[str, Any], **ANSWERS},
    summary="Recruitment plans with targets, hires and rate per category",
)
@requires("recruitmentplan.view")
def plan_list(request, filters: Query[PlanQuery]):
    qs = selectors.plan_list(actor=request.auth, year=filters.year, q=filters.q or "")
    answer = page_of(qs, filters)
    progress = selectors.plan_progress(answer["items"])
    answer["items"] = [_plan_out(p, progress) for p in answer["items"]]
    return answer


class PlanIn(Schema):
    year: int = Field(..., ge=1990, le=2100)
    region: str | None = Field(None, max_length=12, description="Region code (default: yours)")
    remarks: str = Field("", max_length=500)


@router.post("/plans", response={201: dict[str, Any], **ANSWERS}, summary="Create a plan")
@requires("recruitmentplan.create")
def plan_create(request, body: PlanIn):
    plan = services.recruitment_plan_create(actor=request.auth, **_values(request.auth, body))
    return Status(201, _plan_out(plan, selectors.plan_progress([plan])))


class PlanPatch(Schema):
    year: int | None = Field(None, ge=1990, le=2100)
    region: str | None = Field(None, max_length=12, description="Region code")
    remarks: str | None = Field(None, max_length=500)


@router.get(
    "/plans/{plan_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="A plan, with targets and hires per category and subject",
)
@requires("recruitmentplan.view")
def plan_detail(request, plan_id: Id):
    plan = selectors.plan_get(actor=request.auth, pk=plan_id)
    out = _plan_out(plan, selectors.plan_progress([plan]))
    out["subjects"] = [
        {"category": s.category, "subject": s.subject, "target": s.target, "hires": s.hires,
         "rate": _num(s.rate)}
        for s in selectors.plan_subjects(plan)
    ]  # fmt: skip
    return out


@router.patch(
    "/plans/{plan_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Change a plan's year, region or remarks (only the fields given)",
)
@requires("recruitmentplan.change")
def plan_update(request, plan_id: Id, body: PlanPatch):
    _patch(request, body, services.recruitment_plan_update, plan_pk=plan_id)
    return plan_detail(request, plan_id)


class TargetIn(Schema):
    category: RecruitmentCategory
    subject: str = Field("", max_length=32, description="A subject code; empty: any subject")
    target: int = Field(..., ge=0, le=10000, description="0 removes the target")


@router.put(
    "/plans/{plan_id}/targets",
    response={200: dict[str, Any], **ANSWERS},
    summary="Set a plan's target for a category and subject",
)
@requires("recruitmentplan.change")
def plan_target_set(request, plan_id: Id, body: TargetIn):
    services.recruitment_target_set(
        actor=request.auth,
        plan_pk=plan_id,
        category=body.category,
        subject=body.subject,
        target=body.target,
    )
    return plan_detail(request, plan_id)


@router.get(
    "/recruitment",
    response={200: dict[str, Any], **ANSWERS},
    summary="Recruitment against plan for a region and year (the pilot report's figure)",
    description="Targets and counted hires (signed or joined) of every plan of the year at or "
    "below the region, per category; `rate` is null where there is no target.",
)
@requires("recruitmentplan.view")
def recruitment(
    request,
    year: int = Query(..., ge=1990, le=2100),
    region: str | None = Query(None, max_length=12),
):
    return selectors.recruitment_against_plan(_region(request.auth, region), year)


class RecordQuery(PageIn):
    """The filters of the lists of a school's records (hires, olympiad results)."""

    q: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=1990, le=2100)
    school: Id | None = None


class HireQuery(RecordQuery):
    category: RecruitmentCategory | None = None
    status: HireStatus | None = None
    plan: Id | None = None


def _hire_out(h) -> dict[str, Any]:
    return {
        "id": h.pk,
        "plan_id": h.plan_id,
        "category": h.category,
        "subject": h.subject,
        "name": h.name,
        "school_id": h.school_id,
        "school_name": h.school.name,
        "university": h.university,
        "hired_on": h.hired_on,
        "status": h.status,
        "teacher_id": h.teacher_id,
    }


@router.get("/hires", response={200: dict[str, Any], **ANSWERS}, summary="Hires")
@requires("hire.view")
def hire_list(request, filters: Query[HireQuery]):
    qs = selectors.hire_list(actor=request.auth, filters=filters.model_dump())
    return page_of(qs, filters, _hire_out)


class HireIn(Schema):
    plan: Id
    category: RecruitmentCategory
    subject: str = Field("", max_length=32)
    name: str = Field("", max_length=50, description="Empty with a teacher: the teacher's name")
    school: Id
    university: str = Field("", max_length=120)
    hired_on: date
    teacher: Id | None = Field(None, description="The registry teacher, once they joined")


@router.post("/hires", response={201: dict[str, Any], **ANSWERS}, summary="Record a hire")
@requires("hire.create")
def hire_create(request, body: HireIn):
    hire = services.hire_record(actor=request.auth, **_args(body, "plan", "school", "teacher"))
    return Status(201, _hire_out(hire))


class LinkIn(Schema):
    teacher: Id


@router.post(
    "/hires/{hire_id}/link",
    response={200: dict[str, Any], **ANSWERS},
    summary="Link a hire to the registry teacher (they joined)",
)
@requires("hire.change")
def hire_link(request, hire_id: Id, body: LinkIn):
    hire = services.hire_link_teacher(actor=request.auth, hire_pk=hire_id, teacher_pk=body.teacher)
    return _hire_out(hire)


# --- olympiad -------------------------------------------------------------------------------


class OlympiadQuery(RecordQuery):
    olympiad: Olympiad | None = None
    level: OlympiadLevel | None = None


def _result_out(r) -> dict[str, Any]:
    return {
        "id": r.pk,
        "olympiad": r.olympiad,
        "competition": r.competition,
        "coach_id": r.coach_id,
        "coach_name": r.coach.name,
        "school_id": r.school_id,
        "school_name": r.school.name,
        "pupil": r.pupil,
        "level": r.level,
        "awarded_on": r.awarded_on,
        "reward": float(r.reward),
        "rule_version": r.rule_version,
    }


@router.get(
    "/olympiad",
    response={200: dict[str, Any], **ANSWERS},
    summary="Olympiad results and the coaches' rewards",
)
@requires("olympiadresult.view")
def olympiad_list(request, filters: Query[OlympiadQuery]):
    qs = selectors.olympiad_list(actor=request.auth, filters=filters.model_dump())
    return page_of(qs, filters, _result_out)


class OlympiadIn(Schema):
    olympiad: Olympiad
    competition: str = Field(..., max_length=200)
    coach: Id
    pupil: str = Field(..., max_length=50)
    level: OlympiadLevel
    awarded_on: date


@router.post(
    "/olympiad",
    response={201: dict[str, Any], **ANSWERS},
    summary="Record a result; the coach's reward follows from the rule set",
)
@requires("olympiadresult.create")
def olympiad_create(request, body: OlympiadIn):
    result = services.olympiad_result_record(actor=request.auth, **_args(body, "coach"))
    return Status(201, _result_out(result))


class YearQuery(PageIn):
    year: int | None = Field(None, ge=1990, le=2100)


@router.get(
    "/olympiad/schools",
    response={200: dict[str, Any], **ANSWERS},
    summary="Olympiad rewards per school",
)
@requires("olympiadresult.view")
def olympiad_schools(request, filters: Query[YearQuery]):
    rows = selectors.olympiad_totals_by_school(actor=request.auth, year=filters.year)
    return page_of(
        rows,
        filters,
        lambda r: {
            "school_id": r.school.pk,
            "school_name": r.school.name,
            "results": r.results,
            "national": r.national,
            "coaches": r.coaches,
            "reward": float(r.reward),
        },
    )


# --- partnerships ---------------------------------------------------------------------------


class PartnershipQuery(PageIn):
    kind: PartnershipKind | None = None
    q: str | None = Field(None, max_length=100)
    year: int | None = Field(None, ge=1990, le=2100, description="Running in this year")


def _partnership_out(p) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "title": p.title,
        "partner": p.partner,
        "region_code": p.region.code,
        "terms": p.terms,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
    }


def _activity_out(a) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "kind": a.kind,
        "starts_on": a.starts_on,
        "ends_on": a.ends_on,
        "hours": float(a.hours),
        "location": a.location,
        "others": a.others,
        "status": a.status,
    }


@router.get("/partnerships", response={200: dict[str, Any], **ANSWERS}, summary="Partnerships")
@requires("partnership.view")
def partnership_list(request, filters: Query[PartnershipQuery]):
    qs = selectors.partnership_list(
        actor=request.auth, kind=filters.kind, q=filters.q or "", year=filters.year
    )
    return page_of(
        qs,
        filters,
        lambda p: {
            **_partnership_out(p),
            "sent": p.sent,
            "received": p.received,
            "activities": p.activity_count,
        },
    )


class PartnershipIn(Schema):
    kind: PartnershipKind
    title: str = Field(..., max_length=200)
    partner: str = Field(..., max_length=200)
    terms: str = Field("", max_length=10000)
    starts_on: date
    ends_on: date | None = None
    region: str | None = Field(None, max_length=12, description="Region code (default: yours)")


@router.post(
    "/partnerships", response={201: dict[str, Any], **ANSWERS}, summary="Record a partnership"
)
@requires("partnership.create")
def partnership_create(request, body: PartnershipIn):
    p = services.partnership_create(actor=request.auth, **_values(request.auth, body))
    return Status(201, _partnership_out(p))


class PartnershipPatch(Schema):
    kind: PartnershipKind | None = None
    title: str | None = Field(None, max_length=200)
    partner: str | None = Field(None, max_length=200)
    terms: str | None = Field(None, max_length=10000)
    starts_on: date | None = None
    ends_on: date | None = Field(None, description="null: open-ended")
    region: str | None = Field(None, max_length=12, description="Region code")


@router.patch(
    "/partnerships/{partnership_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Change a partnership (only the fields given)",
)
@requires("partnership.change")
def partnership_update(request, partnership_id: Id, body: PartnershipPatch):
    _patch(request, body, services.partnership_update, partnership_pk=partnership_id)
    return partnership_detail(request, partnership_id)


@router.get(
    "/partnerships/{partnership_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="A partnership with its people and activities",
)
@requires("partnership.view")
def partnership_detail(request, partnership_id: Id):
    p = selectors.partnership_get(actor=request.auth, pk=partnership_id)
    return {
        **_partnership_out(p),
        "people": [
            {"id": x.pk, "direction": x.direction, "name": x.name, "teacher_id": x.teacher_id,
             "organisation": x.organisation, "starts_on": x.starts_on, "ends_on": x.ends_on}
            for x in p.people.order_by("-starts_on", "pk")
        ],
        "activities": [_activity_out(a) for a in p.activities.order_by("-starts_on", "pk")],
    }  # fmt: skip


class PersonIn(Schema):
    direction: Direction
    teacher: Id | None = Field(None, description="A registry teacher; else give the name")
    name: str = Field("", max_length=50)
    organisation: str = Field("", max_length=200)
    starts_on: date
    ends_on: date | None = None


@router.post(
    "/partnerships/{partnership_id}/people",
    response={201: dict[str, Any], **ANSWERS},
    summary="Record a person sent or received",
)
@requires("partnership.change")
def partnership_person_add(request, partnership_id: Id, body: PersonIn):
    x = services.exchange_add(
        actor=request.auth, **_args(body, "teacher", partnership_pk=partnership_id)
    )
    return Status(201, {"id": x.pk, "direction": x.direction, "name": x.name})


class ActivityIn(Schema):
    title: str = Field(..., max_length=200)
    kind: ActivityKind
    starts_on: date
    ends_on: date
    hours: Decimal = Field(..., gt=0, le=1000)
    location: str = Field("", max_length=200)
    others: int = Field(0, ge=0, le=100000)


@router.post(
    "/partnerships/{partnership_id}/activities",
    response={201: dict[str, Any], **ANSWERS},
    summary="Record an activity (planned: it credits nothing until confirmed)",
)
@requires("partnership.change")
def activity_create(request, partnership_id: Id, body: ActivityIn):
    a = services.activity_add(actor=request.auth, **_args(body, partnership_pk=partnership_id))
    return Status(201, _activity_out(a))


class ParticipantsIn(Schema):
    teachers: list[Id] = Field(..., min_length=1, max_length=2000)


def _activity_detail(actor, activity_id) -> dict[str, Any]:
    a = selectors.activity_get(actor=actor, pk=activity_id)
    return {
        **_activity_out(a),
        "partnership_id": a.partnership_id,
        "participants": [
            {"teacher_id": x.teacher_id, "name": x.teacher.name,
             "credited_hours": _num(x.credited_hours)}
            for x in selectors.activity_participants(a)
        ],
    }  # fmt: skip


@router.get(
    "/activities/{activity_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="An activity with who took part and the hours credited",
)
@requires("partnership.view")
def activity_detail(request, activity_id: Id):
    return _activity_detail(request.auth, activity_id)


@router.post(
    "/activities/{activity_id}/participants",
    response={200: dict[str, Any], **ANSWERS},
    summary="Add registry teachers who took part (credited at once on a confirmed activity)",
)
@requires("partnership.change")
def activity_participants(request, activity_id: Id, body: ParticipantsIn):
    services.activity_participants_add(
        actor=request.auth, activity_pk=activity_id, teacher_pks=body.teachers
    )
    return _activity_detail(request.auth, activity_id)


@router.post(
    "/activities/{activity_id}/confirm",
    response={200: dict[str, Any], **ANSWERS},
    summary="Confirm an activity: credit training hours where the rules say so (never twice)",
)
@requires("partnership.change")
def activity_confirm(request, activity_id: Id):
    credited = services.activity_confirm(actor=request.auth, activity_pk=activity_id)
    return {**_activity_detail(request.auth, activity_id), "credited_now": credited}


@router.post(
    "/activities/{activity_id}/cancel",
    response={200: dict[str, Any], **ANSWERS},
    summary="Cancel an activity: the hours it credited are taken back",
)
@requires("partnership.change")
def activity_cancel(request, activity_id: Id):
    taken = services.activity_cancel(actor=request.auth, activity_pk=activity_id)
    return {**_activity_detail(request.auth, activity_id), "taken_back": taken}


@router.get(
    "/partnership-summary",
    response={200: dict[str, Any], **ANSWERS},
    summary="Partnership counts for a region and year (the pilot report's figures)",
)
@requires("partnership.view")
def partnership_summary(
    request,
    year: int = Query(..., ge=1990, le=2100),
    region: str | None = Query(None, max_length=12),
):
    return selectors.partnership_summary(_region(request.auth, region), year)


@router.get(
    "/hours",
    response={200: dict[str, Any], **ANSWERS},
    summary="Partnership activities and credited hours (a teacher: their own)",
)
@requires("activityparticipant.view")
def participations(request, filters: Query[PageIn]):
    return page_of(
        selectors.participation_list(actor=request.auth),
        filters,
        lambda x: {
            "teacher_id": x.teacher_id,
            "activity_id": x.activity_id,
            "activity": x.activity.title,
            "partnership": x.activity.partnership.title,
            "kind": x.activity.partnership.kind,
            "starts_on": x.activity.starts_on,
            "ends_on": x.activity.ends_on,
            "status": x.activity.status,
            "credited_hours": _num(x.credited_hours),
        },
    )


# --- perks ----------------------------------------------------------------------------------


class PerkQuery(PageIn):
    q: str | None = Field(None, max_length=100)
    current: bool = Field(False, description="Only perks running today")


def _perk_out(p) -> dict[str, Any]:
    return {
        "id": p.pk,
        "region_code": p.region.code,
        "name": p.name,
        "provider": p.provider,
        "eligibility": p.eligibility,
        "starts_on": p.starts_on,
        "ends_on": p.ends_on,
        "description": p.description,
    }


@router.get("/perks", response={200: dict[str, Any], **ANSWERS}, summary="Teacher perks")
@requires("perk.view")
def perk_list(request, filters: Query[PerkQuery]):
    qs = selectors.perk_list(
        actor=request.auth,
        q=filters.q or "",
        current_on=timezone.localdate() if filters.current else None,
    )
    return page_of(qs, filters, _perk_out)


class PerkIn(Schema):
    name: str = Field(..., max_length=200)
    provider: str = Field(..., max_length=200)
    eligibility: str = Field(..., max_length=500)
    starts_on: date
    ends_on: date | None = None
    description: str = Field("", max_length=10000)
    region: str | None = Field(None, max_length=12, description="Region code (default: yours)")


@router.post("/perks", response={201: dict[str, Any], **ANSWERS}, summary="Add a teacher perk")
@requires("perk.create")
def perk_create(request, body: PerkIn):
    perk = services.perk_create(actor=request.auth, **_values(request.auth, body))
    return Status(201, _perk_out(perk))


class PerkPatch(Schema):
    name: str | None = Field(None, max_length=200)
    provider: str | None = Field(None, max_length=200)
    eligibility: str | None = Field(None, max_length=500)
    starts_on: date | None = None
    ends_on: date | None = Field(None, description="null: open-ended")
    description: str | None = Field(None, max_length=10000)
    region: str | None = Field(None, max_length=12, description="Region code")


@router.get("/perks/{perk_id}", response={200: dict[str, Any], **ANSWERS}, summary="A perk")
@requires("perk.view")
def perk_detail(request, perk_id: Id):
    return _perk_out(selectors.perk_get(actor=request.auth, pk=perk_id))


@router.patch(
    "/perks/{perk_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="Change a teacher perk (only the fields given)",
)
@requires("perk.change")
def perk_update(request, perk_id: Id, body: PerkPatch):
    return _perk_out(_patch(request, body, services.perk_update, perk_pk=perk_id))


@router.get(
    "/perks/{perk_id}/uptake",
    response={200: dict[str, Any], **ANSWERS},
    summary="A perk's take-up per school in the caller's area",
)
@requires("perkuptake.view")
def perk_uptake(request, perk_id: Id, filters: Query[PageIn]):
    perk = selectors.perk_get(actor=request.auth, pk=perk_id)
    rows = selectors.uptake_by_school(actor=request.auth, perk=perk)
    return page_of(
        rows,
        filters,
        lambda r: {
            "school_id": r.school.pk,
            "school_name": r.school.name,
            "taken": r.taken,
            "teachers": r.teachers,
            "share": _num(r.share),
        },
    )


class UptakeIn(Schema):
    school: Id
    on: date
    count: int | None = Field(None, ge=1, le=100000, description="A number of teachers")
    teacher: Id | None = Field(None, description="Or one teacher of the school")


@router.post(
    "/perks/{perk_id}/uptake",
    response={201: dict[str, Any], **ANSWERS},
    summary="Record take-up at a school (a count, or one teacher)",
)
@requires("perkuptake.create")
def perk_uptake_create(request, perk_id: Id, body: UptakeIn):
    u = services.perk_uptake_record(
        actor=request.auth, **_args(body, "school", "teacher", perk_pk=perk_id)
    )
    return Status(201, {"id": u.pk, "school_id": u.school_id, "count": u.count})
