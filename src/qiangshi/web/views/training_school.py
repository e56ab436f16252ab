"""More training pages (issue 16): a programme's sessions and attendance, hours a teacher
enters with a certificate for the school to approve, the training spend against the public
budget, a school's training page (charts, teachers behind, reminders) and the printable
transcript.

Reads come from `qiangshi.training.selectors`, writes go through `qiangshi.training.services`.
"""

from __future__ import annotations

import os
from datetime import time
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region, RegionLevel
from qiangshi.training import selectors, services
from qiangshi.training.models import ClaimStatus, ReminderKind, TrainingCategory
from qiangshi.web.lists import paginate, query_without_page, xlsx_response
from qiangshi.web.views.schools import get_or_404
from qiangshi.web.views.training import _date
from qiangshi.web.views.training import _decimal as decimal_or_none


def _decimal(value) -> Decimal | None:
    number = decimal_or_none(str(value).strip() if value is not None else "")
    return number if number is not None and number.is_finite() else None


def _time(value) -> time | None:
    try:
        return time.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _report(request, exc: ApplicationError) -> None:
    messages.error(request, exc.message)
    for message in (exc.fields or {}).values():
        if message != exc.message:
            messages.error(request, message)


def _run(request, call, success: str) -> None:
    """Run a service call for a form: success message, or the refusal's messages; a record
    outside the actor's scope answers 404."""
    try:
        call()
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        _report(request, exc)
    else:
        messages.success(request, success)


# --- Sessions and attendance ------------------------------------------------------------------


def _programme(request, pk):
    require(request.user, "programme", "view")
    return get_or_404(selectors.programme_get, actor=request.user, pk=pk)


@login_required
def training_programme_sessions(request, pk):
    """A programme's sessions (the organiser adds them) and the attendance of the enrolled
    teachers the actor sees, marked per session by the school or the organiser."""
    programme = _programme(request, pk)
    user = request.user
    sessions, rows = (
        selectors.attendance_grid(actor=user, programme=programme)
        if can(user, "attendance", "view")
        else (list(selectors.session_list(actor=user, programme=programme)), [])
    )
    chosen = next((s for s in sessions if str(s.pk) == request.GET.get("session")), None)
    today = timezone.localdate()
    if chosen is None:
        held = [s for s in sessions if s.date <= today]
        chosen = held[-1] if held else None
    index = sessions.index(chosen) if chosen is not None else None
    runs = (
        user.role == Role.ADMIN
        or can(user, "programme", "change")
        and user.region_id
        and programme.region.path.startswith(user.region.path)
    )
    return render(
        request,
        "web/training/sessions.html",
        {
            "programme": programme,
            "sessions": sessions,
            "rows": [
                {"row": r, "mark": r.marks[index] if index is not None else None} for r in rows
            ],
            "chosen": chosen,
            "may_mark": can(user, "attendance", "create")
            and chosen is not None
            and chosen.date <= today,
            "may_manage": bool(runs),
            "minimum": round(selectors.min_attendance_share(today) * 100),
            "today": today,
            "values": request.GET,
        },
    )


@login_required
@require_POST
def training_programme_session_add(request, pk):
    programme = _programme(request, pk)
    p = request.POST
    day, starts, ends = _date(p.get("date")), _time(p.get("starts_at")), _time(p.get("ends_at"))
    hours = _decimal(p.get("hours"))
    if None in (day, starts, ends, hours):
        messages.error(request, _("Give the session's date, times and hours."))
        return redirect("web:training_programme_sessions", programme.pk)
    _run(
        request,
        lambda: services.session_create(
            actor=request.user,
            programme_pk=programme.pk,
            date=day,
            starts_at=starts,
            ends_at=ends,
            hours=hours,
            place=p.get("place", ""),
            link=p.get("link", ""),
        ),
        _("Session added."),
    )
    return redirect("web:training_programme_sessions", programme.pk)


@login_required
@require_POST
def training_programme_attendance_rule(request, pk):
    programme = _programme(request, pk)
    _run(
        request,
        lambda: services.programme_credit_by_attendance_set(
            actor=request.user,
            programme_pk=programme.pk,
            by_attendance=request.POST.get("by_attendance") == "1",
        ),
        _("Saved."),
    )
    return redirect("web:training_programme_sessions", programme.pk)


@login_required
@require_POST
def training_session_delete(request, pk):
    from qiangshi.training.models import Session

    session = Session.objects.filter(pk=pk).first()
    if session is None:
        raise Http404
    _run(
        request,
        lambda: services.session_delete(actor=request.user, session_pk=pk),
        _("Session removed."),
    )
    return redirect("web:training_programme_sessions", session.programme_id)


@login_required
@require_POST
def training_session_attendance(request, pk):
    """Marks of one session: `present-<enrolment>` = "1" (present), "0" (absent) or "" (not
    marked)."""
    from qiangshi.training.models import Session

    require(request.user, "attendance", "create")
    session = Session.objects.filter(pk=pk).first()
    if session is None:
        raise Http404
    marks = {}
    for key, value in request.POST.items():
        if key.startswith("present-") and key[8:].isdigit():
            marks[int(key[8:])] = {"1": True, "0": False}.get(value)
    try:
        n = services.attendance_mark(actor=request.user, session_pk=pk, marks=marks)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("%(n)d attendance marks saved.") % {"n": n})
    url = redirect("web:training_programme_sessions", session.programme_id)
    url["Location"] += f"?session={session.pk}"
    return url


# --- Hours entered by the teacher -------------------------------------------------------------


@login_required
def training_claims(request):
    """Hours entered by teachers with a certificate. A teacher enters theirs and follows each
    one's status; the school reviews its teachers' (approve, or reject with a reason)."""
    require(request.user, "hoursclaim", "view")
    user = request.user
    is_teacher = user.role == Role.TEACHER
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not is_teacher:
            raise PermissionDenied
        p = request.POST
        day, hours = _date(p.get("date")), _decimal(p.get("hours"))
        if day is None:
            errors["date"] = _("Enter a date (YYYY-MM-DD).")
        if hours is None:
            errors["hours"] = _("Enter a number.")
        if not errors:
            try:
                services.hours_claim_submit(
                    actor=user,
                    date=day,
                    hours=hours,
                    category=p.get("category", ""),
                    title=p.get("title", ""),
                    provider=p.get("provider", ""),
                    comment=p.get("comment", ""),
                    evidence=request.FILES.get("evidence"),
                )
            except ApplicationError as exc:
                errors = dict(exc.fields) or {"form": exc.message}
            else:
                messages.success(request, _("Submitted: your school will review the hours."))
                return redirect("web:training_claims")
    status = request.GET.get("status")
    if status is None:
        status = "" if is_teacher else ClaimStatus.PENDING
    filters = {"status": status if status in ClaimStatus.values else "", "q": request.GET.get("q")}
    page = paginate(request, selectors.claim_list(actor=user, filters=filters))
    return render(
        request,
        "web/training/claims.html",
        {
            "page": page,
            "query": query_without_page(request),
            "filters": filters,
            "statuses": ClaimStatus.choices,
            "categories": TrainingCategory.choices,
            "is_teacher": is_teacher,
            "may_review": can(user, "hoursclaim", "review"),
            "errors": errors,
            "values": request.POST if request.method == "POST" else {},
        },
        status=400 if errors else 200,
    )


def _claim_action(request, pk, service, success: str, **kwargs):
    require(request.user, "hoursclaim", "review")
    _run(request, lambda: service(actor=request.user, claim_pk=pk, **kwargs), success)
    return redirect("web:training_claims")


@login_required
@require_POST
def training_claim_approve(request, pk):
    return _claim_action(
        request, pk, services.hours_claim_approve, _("Approved: the hours are on the record.")
    )


@login_required
@require_POST
def training_claim_return(request, pk):
    return _claim_action(
        request,
        pk,
        services.hours_claim_return,
        _("Rejected: the teacher sees the reason."),
        reason=request.POST.get("reason", ""),
    )


@login_required
@require_POST
def training_claim_withdraw(request, pk):
    """The teacher withdraws hours of their own that wait for the school's review."""
    require(request.user, "hoursclaim", "create")
    _run(
        request,
        lambda: services.hours_claim_withdraw(actor=request.user, claim_pk=pk),
        _("Withdrawn: your school will not review these hours."),
    )
    return redirect("web:training_claims")


@login_required
@require_GET
def training_claim_evidence(request, pk):
    """The certificate, for the teacher and their school only."""
    require(request.user, "hoursclaim", "view")
    claim = get_or_404(selectors.claim_get, actor=request.user, pk=pk)
    if not claim.evidence:
        raise Http404
    audit_record(actor=request.user, action="training.claim_evidence", target=claim)
    return FileResponse(
        claim.evidence.open("rb"),
        as_attachment=True,
        filename=os.path.basename(claim.evidence.name),
    )


# --- Training spend ---------------------------------------------------------------------------


def _year(request) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None
    return year or timezone.localdate().year


def _spend_region(request) -> Region | None:
    code = request.GET.get("region", "")
    if not code or request.user.role in (Role.SCHOOL, Role.TEACHER):
        return None
    region = (
        scope(Region.objects.filter(code=code), request.user, "view")
        .filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT))
        .first()
    )
    if region is None or (
        request.user.region_id and not region.path.startswith(request.user.region.path)
    ):
        raise Http404
    return region


def _pct(share) -> str:
    return "—" if share is None else f"{share * 100:.2f}%"


@login_required
def training_spend(request):
    """Training spend against the public-funds budget, per school of the actor's area, for a
    year: the share, and the verdict against the rule file's minimum where a budget is
    entered."""
    require(request.user, "trainingbudget", "view")
    year, region = _year(request), _spend_region(request)
    report = selectors.spend_report(actor=request.user, year=year, region=region)
    if request.GET.get("format") == "xlsx":
        verdicts = {True: _("Met"), False: _("Not met"), None: _("No verdict")}
        rows = [
            (
                r.school.code,
                r.school.name,
                r.school.district.name,
                r.status.budget if r.status.budget is not None else _("Missing"),
                r.status.spend,
                _pct(r.status.share),
                verdicts[r.status.meets],
            )
            for r in report.schools
        ]
        audit_record(actor=request.user, action="training.spend_export", note=str(year))
        header = [_("School code"), _("School"), _("District"), _("Public funds budget (yuan)"),
                  _("Training spend (yuan)"), _("Share"), _("Verdict")]  # fmt: skip
        return xlsx_response(f"training-spend-{year}", [(_("Training spend"), header, rows)])
    regions = []
    if request.user.role not in (Role.SCHOOL, Role.TEACHER):
        regions = list(
            scope(
                Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)),
                request.user,
                "view",
            )
            .filter(path__startswith=request.user.region.path if request.user.region_id else "")
            .order_by("path")
        )
    page = paginate(request, report.schools)
    for row in page:
        row.share_text = _pct(row.status.share)
    return render(
        request,
        "web/training/spend.html",
        {
            "report": report,
            "page": page,
            "query": query_without_page(request),
            "year": year,
            "region": region,
            "regions": regions,
            "minimum": f"{report.minimum * 100:g}",
            "area_share": _pct(report.area.share),
            "may_enter": can(request.user, "trainingbudget", "create"),
        },
    )


@login_required
def training_spend_school(request, school_pk):
    """A school's budget and training spend of a year: enter the budget, add or remove spend."""
    require(request.user, "trainingbudget", "view")
    school = get_or_404(selectors.school_for_training, actor=request.user, pk=school_pk)
    year = _year(request)
    if request.method == "POST":
        require(request.user, "trainingbudget", "create")
        p = request.POST
        year = int(p["year"]) if p.get("year", "").isdigit() else year
        try:
            if p.get("what") == "budget":
                services.training_budget_set(
                    actor=request.user,
                    school_pk=school.pk,
                    year=year,
                    public_budget=_decimal(p.get("public_budget")),
                )
                messages.success(request, _("Budget saved."))
            else:
                programme = p.get("programme", "")
                services.training_spend_add(
                    actor=request.user,
                    school_pk=school.pk,
                    year=year,
                    amount=_decimal(p.get("amount")),
                    programme_pk=int(programme) if programme.isdigit() else None,
                    description=p.get("description", ""),
                )
                messages.success(request, _("Spend recorded."))
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            _report(request, exc)
        response = redirect("web:training_spend_school", school.pk)
        response["Location"] += f"?year={year}"
        return response
    report = selectors.spend_report(actor=request.user, year=year, school=school)
    row = report.schools[0] if report.schools else None
    return render(
        request,
        "web/training/spend_school.html",
        {
            "school": school,
            "year": year,
            "row": row,
            "share": _pct(row.status.share if row else None),
            "minimum": f"{report.minimum * 100:g}",
            "entries": selectors.spend_list(actor=request.user, school=school, year=year),
            "programmes": selectors.programme_list(actor=request.user).filter(
                starts_on__year__lte=year, ends_on__year__gte=year
            )[:200],
            "may_enter": can(request.user, "trainingbudget", "create"),
        },
    )


@login_required
@require_POST
def training_spend_delete(request, pk):
    from qiangshi.training.models import TrainingSpend

    require(request.user, "trainingbudget", "create")
    spend = scope(TrainingSpend.objects.all(), request.user, "view").filter(pk=pk).first()
    if spend is None:
        raise Http404
    services.training_spend_delete(actor=request.user, spend_pk=pk)
    messages.success(request, _("Spend removed."))
    response = redirect("web:training_spend_school", spend.school_id)
    response["Location"] += f"?year={spend.year}"
    return response


# --- A school's training page -----------------------------------------------------------------


@login_required
def training_school(request, school_pk):
    """A school's cycle: charts (hours distribution, completion over time, hours by category),
    the teachers at risk of missing the cycle and the new teachers behind on their induction,
    each with a reminder to send."""
    require(request.user, "trainingrecord", "aggregate")
    school = get_or_404(selectors.school_for_training, actor=request.user, pk=school_pk)
    today = timezone.localdate()
    data = selectors.school_training(actor=request.user, school=school, on=today)
    labels = dict(TrainingCategory.choices)
    rate = data.report.completion_rate
    return render(
        request,
        "web/training/school.html",
        {
            "school": school,
            "data": data,
            "report": data.report,
            "rate": None if rate is None else round(rate * 100, 1),
            "at_risk": [
                {**t, "reminded": (t["teacher_id"], ReminderKind.CYCLE) in data.open_reminders}
                for t in data.report.at_risk[:200]
            ],
            "behind": [
                {**t, "reminded": (t["teacher_id"], ReminderKind.INDUCTION) in data.open_reminders}
                for t in data.induction_behind[:200]
            ],
            "may_remind": can(request.user, "trainingreminder", "create"),
            "chart": {
                "distribution": {
                    "names": [label for label, _n in data.distribution],
                    "values": [n for _label, n in data.distribution],
                    "label": _("Teachers"),
                },
                "completion": {
                    "names": [d.isoformat() for d, _r in data.completion_over_time],
                    "values": [
                        None if r is None else round(r * 100, 1)
                        for _d, r in data.completion_over_time
                    ],
                    "label": _("Completion rate (%)"),
                },
                "categories": {
                    "names": [str(labels.get(c, c)) for c in data.by_category],
                    "values": [float(h) for h in data.by_category.values()],
                    "label": _("Hours counted"),
                },
            },
            "cycle_kind": ReminderKind.CYCLE,
            "induction_kind": ReminderKind.INDUCTION,
        },
    )


@login_required
@require_POST
def training_remind(request, school_pk):
    """Send a reminder to a teacher of the school (`teacher`, `kind`)."""
    require(request.user, "trainingreminder", "create")
    school = get_or_404(selectors.school_for_training, actor=request.user, pk=school_pk)
    teacher = request.POST.get("teacher", "")
    _run(
        request,
        lambda: services.reminder_send(
            actor=request.user,
            teacher_pk=int(teacher) if teacher.isdigit() else 0,
            kind=request.POST.get("kind", ""),
        ),
        _("Reminder sent: it waits in the teacher's inbox."),
    )
    return redirect("web:training_school", school.pk)


@login_required
@require_POST
def training_reminder_acknowledge(request, pk):
    try:
        services.reminder_acknowledge(actor=request.user, reminder_pk=pk)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Reminder acknowledged."))
    return redirect("web:training_my_hours")


def hours_extras(request, teacher, own: bool) -> dict:
    """What the hours page adds for sessions, reminders, entered hours and the transcript."""
    user = request.user
    return {
        "attendance": selectors.own_attendance(actor=user, teacher=teacher)
        if can(user, "attendance", "view")
        else [],
        "reminders": list(selectors.open_reminders(actor=user, teacher=teacher))
        if can(user, "trainingreminder", "view")
        else [],
        "may_claim": own and can(user, "hoursclaim", "create"),
        "may_transcript": selectors.may_transcript(user, teacher),
    }


# --- The transcript ---------------------------------------------------------------------------


@login_required
@require_GET
def training_transcript(request, pk=None):
    """A teacher's training transcript as PDF: their own (no `pk`) or, for their school, one
    of its teachers."""
    from qiangshi.web.training_pdf import teacher_transcript_pdf

    teacher = get_or_404(selectors.transcript_teacher, actor=request.user, pk=pk)
    try:
        data = teacher_transcript_pdf(actor=request.user, teacher=teacher, on=timezone.localdate())
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return (
            redirect("web:training_hours", teacher.pk) if pk else redirect("web:training_my_hours")
        )
    audit_record(actor=request.user, action="training.transcript", target=teacher)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="training-transcript-{teacher.pk}.pdf"'
    return response
