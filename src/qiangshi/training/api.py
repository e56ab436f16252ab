"""HTTP API for training: programmes, enrolments (enrol, assign, withdraw, confirm completion),
a teacher's hours with their cycle and transcript (PDF), and hours entered by teachers with
their certificates.

Lists answer {"items", "count", "page", "page_size"}; a role without the permission gets 403;
a programme, enrolment or teacher outside the caller's area answers 404 like a missing one."""

import os
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.core.errors import NotFound
from qiangshi.core.services import audit_record
from qiangshi.engines.training import number

from . import selectors, services
from .models import (
    ClaimStatus,
    DeliveryMode,
    EnrolmentStatus,
    ProgrammeLevel,
    ReminderKind,
    TrainingCategory,
)

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


def _transcript(request, pk: int | None) -> HttpResponse:
    # The PDF is laid out by the web layer's ReportLab module (the embedded CJK font), as the
    # page's download is: imported here when asked for.
    from qiangshi.web.training_pdf import teacher_transcript_pdf

    teacher = selectors.transcript_teacher(actor=request.auth, pk=pk)
    data = teacher_transcript_pdf(actor=request.auth, teacher=teacher, on=timezone.localdate())
    audit_record(actor=request.auth, action="training.transcript", target=teacher)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="training-transcript-{teacher.pk}.pdf"'
    return response


@router.get(
    "/transcript.pdf",
    response={200: None, **RESPONSES},
    summary="The caller's own training transcript as PDF (a teacher)",
    description="404 for a caller who is not a teacher with a record of their own.",
)
@requires("trainingrecord.view")
def own_transcript(request):
    return _transcript(request, None)


@router.get(
    "/teachers/{teacher_id}/transcript.pdf",
    response={200: None, **RESPONSES},
    summary="A teacher's training transcript as PDF (the teacher themselves and their school)",
    description="Offices may not download it (403); a teacher outside the caller's area is 404.",
)
@requires("trainingrecord.view")
def teacher_transcript(request, teacher_id: Id):
    return _transcript(request, teacher_id)


# --- Sessions and attendance ------------------------------------------------------------------


def session_out(s) -> dict[str, Any]:
    return {
        "id": s.pk,
        "programme_id": s.programme_id,
        "date": s.date.isoformat(),
        "starts_at": s.starts_at.strftime("%H:%M"),
        "ends_at": s.ends_at.strftime("%H:%M"),
        "place": s.place,
        "link": s.link or None,
        "hours": number(s.hours),
    }


@router.get(
    "/programmes/{programme_id}/sessions",
    response={200: dict[str, Any], **RESPONSES},
    summary="A programme's sessions",
)
@requires("programme.view")
def session_list(request, programme_id: Id, filters: Query[PageQuery]):
    programme = selectors.programme_get(actor=request.auth, pk=programme_id)
    return _page(
        selectors.session_list(actor=request.auth, programme=programme), filters, session_out
    )


class SessionIn(Schema):
    date: date
    starts_at: time
    ends_at: time
    hours: Decimal = Field(..., gt=0, le=24, max_digits=4, decimal_places=1)
    place: str = Field("", max_length=200)
    link: str = Field("", max_length=500)


@router.post(
    "/programmes/{programme_id}/sessions",
    response={201: dict[str, Any], **RESPONSES},
    summary="Add a session (the office that runs the programme)",
)
@requires("programme.change")
def session_create(request, programme_id: Id, body: SessionIn):
    s = services.session_create(actor=request.auth, programme_pk=programme_id, **body.dict())
    return Status(201, session_out(s))


@router.get(
    "/programmes/{programme_id}/attendance",
    response={200: dict[str, Any], **RESPONSES},
    summary="Attendance per enrolled teacher and session, with the attended share",
)
@requires("attendance.view")
def attendance_list(request, programme_id: Id, filters: Query[PageQuery]):
    programme = selectors.programme_get(actor=request.auth, pk=programme_id)
    sessions, rows = selectors.attendance_grid(actor=request.auth, programme=programme)

    def out(row) -> dict[str, Any]:
        s = row.summary
        return {
            "enrolment_id": row.enrolment.pk,
            "teacher_id": row.enrolment.teacher_id,
            "teacher": row.enrolment.teacher.name,
            "status": row.enrolment.status,
            "marks": {str(sess.pk): m for sess, m in zip(sessions, row.marks, strict=True)},
            "hours_attended": number(s.hours_attended),
            "hours_total": number(s.hours_total),
            "unmarked": s.unmarked,
            "share": None if s.share is None else float(round(s.share, 4)),
        }

    return _page(rows, filters, out)


class MarkIn(Schema):
    enrolment_id: Id
    present: bool | None = Field(..., description="true, false, or null to clear the mark")


class MarksIn(Schema):
    marks: list[MarkIn] = Field(..., min_length=1, max_length=1000)


@router.post(
    "/sessions/{session_id}/attendance",
    response={200: dict[str, int], **RESPONSES},
    summary="Mark who attended a session (the school or the organiser)",
)
@requires("attendance.create")
def attendance_mark(request, session_id: Id, body: MarksIn):
    n = services.attendance_mark(
        actor=request.auth,
        session_pk=session_id,
        marks={m.enrolment_id: m.present for m in body.marks},
    )
    return {"changed": n}


# --- Hours entered by teachers ----------------------------------------------------------------


def claim_out(c) -> dict[str, Any]:
    return {
        "id": c.pk,
        "teacher_id": c.teacher_id,
        "teacher": c.teacher.name,
        "date": c.date.isoformat(),
        "hours": number(c.hours),
        "category": c.category,
        "title": c.title,
        "provider": c.provider,
        "status": c.status,
        "reason": c.review_reason or None,
        "record_id": c.record_id,
        "created_at": c.created_at.isoformat(),
    }


class ClaimQuery(PageQuery):
    status: ClaimStatus | None = None
    q: str | None = Field(None, max_length=100)


@router.get(
    "/claims",
    response={200: dict[str, Any], **RESPONSES},
    summary="Hours entered by teachers (the teacher's own; a school's teachers')",
)
@requires("hoursclaim.view")
def claim_list(request, filters: Query[ClaimQuery]):
    return _page(
        selectors.claim_list(actor=request.auth, filters=filters.dict()), filters, claim_out
    )


@router.post(
    "/claims",
    response={201: dict[str, Any], **RESPONSES},
    summary="A teacher enters hours with the certificate (PDF, JPEG, PNG)",
)
@requires("hoursclaim.create", roles={"teacher"})
def claim_submit(
    request,
    date: Form[date],
    hours: Form[Decimal],
    category: Form[TrainingCategory],
    title: Form[str],
    evidence: File[UploadedFile],
    provider: Form[str] = "",
    comment: Form[str] = "",
):
    claim = services.hours_claim_submit(
        actor=request.auth,
        date=date,
        hours=hours,
        category=category,
        title=title,
        provider=provider,
        comment=comment,
        evidence=evidence,
    )
    return Status(201, claim_out(selectors.claim_get(actor=request.auth, pk=claim.pk)))


@router.post(
    "/claims/{claim_id}/approve",
    response={200: dict[str, Any], **RESPONSES},
    summary="The school approves: the hours go on the record",
)
@requires("hoursclaim.review")
def claim_approve(request, claim_id: Id):
    services.hours_claim_approve(actor=request.auth, claim_pk=claim_id)
    return claim_out(selectors.claim_get(actor=request.auth, pk=claim_id))


@router.post(
    "/claims/{claim_id}/withdraw",
    response={200: dict[str, Any], **RESPONSES},
    summary="The teacher withdraws hours of their own that wait for the school's review",
)
@requires("hoursclaim.create", roles={"teacher"})
def claim_withdraw(request, claim_id: Id):
    services.hours_claim_withdraw(actor=request.auth, claim_pk=claim_id)
    return claim_out(selectors.claim_get(actor=request.auth, pk=claim_id))


@router.get(
    "/claims/{claim_id}/evidence",
    response={200: None, **RESPONSES},
    summary="The certificate of hours entered (the teacher and their school only)",
)
@requires("hoursclaim.view")
def claim_evidence(request, claim_id: Id):
    claim = selectors.claim_get(actor=request.auth, pk=claim_id)
    if not claim.evidence:
        raise NotFound("Not found")
    audit_record(actor=request.auth, action="training.claim_evidence", target=claim)
    return FileResponse(
        claim.evidence.open("rb"),
        as_attachment=True,
        filename=os.path.basename(claim.evidence.name),
    )


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


@router.post(
    "/claims/{claim_id}/return",
    response={200: dict[str, Any], **RESPONSES},
    summary="The school rejects, with the reason",
)
@requires("hoursclaim.review")
def claim_return(request, claim_id: Id, body: ReasonIn):
    services.hours_claim_return(actor=request.auth, claim_pk=claim_id, reason=body.reason)
    return claim_out(selectors.claim_get(actor=request.auth, pk=claim_id))


# --- Training spend ---------------------------------------------------------------------------


def _share(value) -> float | None:
    return None if value is None else float(round(value, 6))


def _money(value) -> float | None:
    return None if value is None else float(value)


def spend_status_out(s) -> dict[str, Any]:
    return {
        "budget": _money(s.budget),
        "spend": _money(s.spend),
        "share": _share(s.share),
        "minimum": float(s.minimum),
        "meets": s.meets,
    }


class SpendQuery(PageQuery):
    year: int = Field(..., ge=2000, le=2100)
    region: str | None = Field(None, max_length=12, description="A district or city code")


@router.get(
    "/spend",
    response={200: dict[str, Any], **RESPONSES},
    summary="Training spend against the public budget, per school, and the area's figure",
)
@requires("trainingbudget.view")
def spend_report(request, filters: Query[SpendQuery]):
    from qiangshi.access.scoping import get_in_scope
    from qiangshi.org.models import Region

    region = None
    if filters.region:
        region = get_in_scope(Region.objects.all(), request.auth, "view", code=filters.region)
    report = selectors.spend_report(actor=request.auth, year=filters.year, region=region)
    out = _page(
        report.schools,
        filters,
        lambda r: {"school_id": r.school.pk, "school": r.school.name, **spend_status_out(r.status)},
    )
    out["area"] = {**spend_status_out(report.area), "schools_without_budget": report.area.missing}
    out["rule_version"] = report.rule_version
    return out


class BudgetIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    public_budget: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)


@router.put(
    "/schools/{school_id}/budget",
    response={200: dict[str, Any], **RESPONSES},
    summary="Enter a school's public-funds budget of a year",
)
@requires("trainingbudget.create")
def budget_set(request, school_id: Id, body: BudgetIn):
    b = services.training_budget_set(actor=request.auth, school_pk=school_id, **body.dict())
    return {"school_id": b.school_id, "year": b.year, "public_budget": float(b.public_budget)}


class SpendIn(Schema):
    year: int = Field(..., ge=2000, le=2100)
    amount: Decimal = Field(..., gt=0, max_digits=14, decimal_places=2)
    programme_id: Id | None = None
    description: str = Field("", max_length=200)


@router.post(
    "/schools/{school_id}/spend",
    response={201: dict[str, Any], **RESPONSES},
    summary="Record training spend of a school (a programme's cost or a total)",
)
@requires("trainingbudget.create")
def spend_add(request, school_id: Id, body: SpendIn):
    s = services.training_spend_add(
        actor=request.auth,
        school_pk=school_id,
        year=body.year,
        amount=body.amount,
        programme_pk=body.programme_id,
        description=body.description,
    )
    return Status(201, {"id": s.pk, "school_id": s.school_id, "year": s.year,
                        "amount": float(s.amount), "programme_id": s.programme_id})  # fmt: skip


# --- Teachers behind, and reminders -----------------------------------------------------------


@router.get(
    "/schools/{school_id}/behind",
    response={200: dict[str, Any], **RESPONSES},
    summary="A school's teachers at risk on the cycle and new teachers behind on the induction",
)
@requires("trainingrecord.aggregate")
def school_behind(request, school_id: Id, filters: Query[PageQuery]):
    school = selectors.school_for_training(actor=request.auth, pk=school_id)
    data = selectors.school_training(actor=request.auth, school=school, on=date.today())
    rows = [
        {"teacher_id": t["teacher_id"], "name": t["name"], "kind": "cycle",
         "shortfall": number(t["status"].shortfall),
         "projected_shortfall": number(t["status"].projected_shortfall)}
        for t in data.report.at_risk
    ] + [
        {"teacher_id": t["teacher_id"], "name": t["name"], "kind": "induction",
         "shortfall": number(t["induction"].shortfall), "until": t["induction"].end.isoformat()}
        for t in data.induction_behind
    ]  # fmt: skip
    for row in rows:
        row["reminded"] = (row["teacher_id"], row["kind"]) in data.open_reminders
    return _page(rows, filters, lambda r: r)


class ReminderIn(Schema):
    teacher_id: Id
    kind: ReminderKind


def reminder_out(r) -> dict[str, Any]:
    return {
        "id": r.pk,
        "teacher_id": r.teacher_id,
        "kind": r.kind,
        "shortfall": number(r.shortfall),
        "sent_at": r.created_at.isoformat(),
        "acknowledged_at": r.acknowledged_at.isoformat() if r.acknowledged_at else None,
    }


@router.post(
    "/reminders",
    response={201: dict[str, Any], **RESPONSES},
    summary="Remind a teacher who is behind (it waits in their inbox)",
)
@requires("trainingreminder.create")
def reminder_send(request, body: ReminderIn):
    r = services.reminder_send(actor=request.auth, teacher_pk=body.teacher_id, kind=body.kind)
    return Status(201, reminder_out(r))


@router.post(
    "/reminders/{reminder_id}/acknowledge",
    response={200: dict[str, Any], **RESPONSES},
    summary="The teacher acknowledges a reminder",
)
@requires("trainingreminder.change", roles={"teacher"})
def reminder_acknowledge(request, reminder_id: Id):
    return reminder_out(services.reminder_acknowledge(actor=request.auth, reminder_pk=reminder_id))
