"""HTTP API for training: programmes, enrolments (enrol, assign, withdraw, confirm completion)
and a teacher's hours with their cycle.

Lists answer {"items", "count", "page", "page_size"}; a role without the permission gets 403;
a programme, enrolment or teacher outside the caller's area answers 404 like a missing one."""

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema, Status

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.engines.training import number

from . import selectors, services
from .models import DeliveryMode, EnrolmentStatus, ProgrammeLevel, TrainingCategory

router = Router(tags=["training"])
RESPONSES = {**ERRORS, 403: ErrorOut}


PageQuery = PageIn


def _page(qs, query: PageIn, out) -> dict[str, Any]:
    return page_of(qs, query, out)


def programme_out(p) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "level": p.level,
        "provider": p.provider,
        "region": p.region.code,
        "hours": number(p.hours),
        "category": p.category,
        "subject": p.subject or None,
        "stage": p.stage or None,
        "target_groups": p.target_groups,
        "capacity": p.capacity,
        "taken": getattr(p, "taken", None),
        "waiting": getattr(p, "waiting", None),
        "starts_on": p.starts_on.isoformat(),
        "ends_on": p.ends_on.isoformat(),
        "mode": p.mode,
        "description": p.description,
    }


def enrolment_out(e) -> dict[str, Any]:
    return {
        "id": e.pk,
        "programme_id": e.programme_id,
        "programme": e.programme.title,
        "teacher_id": e.teacher_id,
        "teacher": e.teacher.name,
        "status": e.status,
        "assigned": e.assigned_by_id is not None,
        "confirmed_at": e.confirmed_at.isoformat() if e.confirmed_at else None,
        "created_at": e.created_at.isoformat(),
    }


def record_out(r) -> dict[str, Any]:
    return {
        "id": r.pk,
        "date": r.date.isoformat(),
        "hours": number(r.hours),
        "category": r.category,
        "title": r.title,
        "provider": r.provider,
        "source": r.source,
        "enrolment_id": r.enrolment_id,
    }


class ProgrammeQuery(PageQuery):
    q: str | None = Field(None, max_length=100)
    level: ProgrammeLevel | None = None
    category: TrainingCategory | None = None
    subject: str | None = Field(None, max_length=32)
    stage: str | None = Field(None, max_length=16)
    mode: DeliveryMode | None = None
    open: bool = False


@router.get("/programmes", response={200: dict[str, Any], **RESPONSES}, summary="Programmes")
@requires("programme.view")
def programme_list(request, filters: Query[ProgrammeQuery]):
    f = filters.dict()
    f["open"] = "1" if filters.open else ""
    return _page(selectors.programme_list(actor=request.auth, filters=f), filters, programme_out)


@router.get(
    "/programmes/{programme_id}", response={200: dict[str, Any], **RESPONSES}, summary="A programme"
)
@requires("programme.view")
def programme_detail(request, programme_id: Id):
    return programme_out(selectors.programme_get(actor=request.auth, pk=programme_id))


class ProgrammeIn(Schema):
    title: str = Field(..., max_length=200)
    level: ProgrammeLevel
    provider: str = Field("", max_length=200)
    hours: Decimal = Field(..., gt=0, max_digits=6, decimal_places=1)
    category: TrainingCategory
    capacity: int = Field(..., ge=1, le=100000)
    starts_on: date
    ends_on: date
    mode: DeliveryMode
    subject: str = Field("", max_length=32)
    stage: str = Field("", max_length=16)
    target_groups: list[str] = Field(default_factory=list, max_length=10)
    description: str = Field("", max_length=5000)


@router.post(
    "/programmes", response={201: dict[str, Any], **RESPONSES}, summary="Create a programme"
)
@requires("programme.create")
def programme_create(request, body: ProgrammeIn):
    programme = services.programme_create(actor=request.auth, **body.dict())
    return Status(201, programme_out(selectors.programme_get(actor=request.auth, pk=programme.pk)))


class EnrolmentQuery(PageQuery):
    programme: int | None = Field(None, ge=1, le=2**31 - 1)
    teacher: int | None = Field(None, ge=1, le=2**31 - 1)
    status: EnrolmentStatus | None = None


@router.get("/enrolments", response={200: dict[str, Any], **RESPONSES}, summary="Enrolments")
@requires("enrolment.view")
def enrolment_list(request, filters: Query[EnrolmentQuery]):
    qs = selectors.enrolment_list(actor=request.auth, filters=filters.dict())
    return _page(qs, filters, enrolment_out)


class EnrolIn(Schema):
    programme_id: Id
    teacher_id: Id | None = Field(None, description="Omitted by a teacher enrolling themselves")


@router.post(
    "/enrolments",
    response={201: dict[str, Any], **RESPONSES},
    summary="Enrol (a teacher themselves) or assign a teacher to a programme",
)
@requires("enrolment.create")
def enrolment_create(request, body: EnrolIn):
    e = services.enrolment_create(
        actor=request.auth, programme_pk=body.programme_id, teacher_pk=body.teacher_id
    )
    return Status(201, enrolment_out(selectors.enrolment_get(actor=request.auth, pk=e.pk)))


@router.post(
    "/enrolments/{enrolment_id}/withdraw",
    response={200: dict[str, Any], **RESPONSES},
    summary="Withdraw an enrolment (a freed place goes to the waiting list's first)",
)
@requires("enrolment.create")
def enrolment_withdraw(request, enrolment_id: Id):
    services.enrolment_withdraw(actor=request.auth, enrolment_pk=enrolment_id)
    return enrolment_out(selectors.enrolment_get(actor=request.auth, pk=enrolment_id))


class ConfirmIn(Schema):
    enrolment_ids: list[Id] = Field(..., min_length=1, max_length=1000)
    completed: bool = True


@router.post(
    "/enrolments/confirm",
    response={200: dict[str, int], **RESPONSES},
    summary="The school confirms completions (crediting the hours) or non-completions",
)
@requires("enrolment.review")
def enrolments_confirm(request, body: ConfirmIn):
    n = services.enrolments_confirm(
        actor=request.auth, enrolment_pks=body.enrolment_ids, completed=body.completed
    )
    return {"confirmed": n}


def cycle_out(cycle) -> dict[str, Any]:
    s = cycle.status
    out = {
        "start": s.start.isoformat(),
        "end": s.end.isoformat(),
        "rule_version": s.rule_version,
        "hours": number(s.hours),
        "by_category": {c: number(h) for c, h in s.by_category.items()},
        "complete": s.complete,
        "shortfall": number(s.shortfall),
        "projected_hours": number(s.projected_hours),
        "projected_shortfall": number(s.projected_shortfall),
        "at_risk": s.at_risk,
        "induction": None,
    }
    if cycle.induction is not None:
        i = cycle.induction
        out["induction"] = {
            "hours": number(i.hours),
            "required": number(i.required),
            "complete": i.complete,
            "shortfall": number(i.shortfall),
            "until": i.end.isoformat(),
        }
    return out


@router.get(
    "/teachers/{teacher_id}/hours",
    response={200: dict[str, Any], **RESPONSES},
    summary="A teacher's training records and current cycle",
)
@requires("trainingrecord.view")
def teacher_hours(request, teacher_id: Id, filters: Query[PageQuery]):
    teacher = selectors.teacher_for_records(actor=request.auth, pk=teacher_id)
    out = _page(
        selectors.record_list(actor=request.auth, teacher_pk=teacher.pk), filters, record_out
    )
    out["cycle"] = cycle_out(selectors.teacher_cycle(teacher=teacher, on=date.today()))
    return out
