"""Training pages (issue 16): the programme list (search, filters, pagination, xlsx export) and
detail with enrolment and assignment, a new programme, the school's completion confirmations,
a teacher's hours and cycle, and the cycle report of a school or an area.

Reads come from `qiangshi.training.selectors`, writes go through `qiangshi.training.services`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region, RegionLevel, Stage
from qiangshi.teachers.models import Subject, Teacher
from qiangshi.training import selectors, services
from qiangshi.training.models import (
    DeliveryMode,
    EnrolmentStatus,
    ProgrammeLevel,
    TargetGroup,
    TrainingCategory,
)
from qiangshi.training.outputs import cycle_report_xlsx
from qiangshi.web.lists import XLSX, paginate, query_without_page, xlsx_response

FILTERS = ("q", "level", "category", "subject", "stage", "mode", "open")


def _filters(request) -> dict:
    return {k: request.GET.get(k, "") for k in FILTERS}


def _indicator_choices() -> list[tuple[str, str]]:
    from qiangshi.training import literacy

    return [(code, literacy.name(i)) for code, i in literacy.indicators().items()]


def _choices() -> dict:
    return {
        "indicators": _indicator_choices(),
        "levels": ProgrammeLevel.choices,
        "categories": TrainingCategory.choices,
        "subjects": Subject.choices,
        "stages": Stage.choices,
        "modes": DeliveryMode.choices,
        "groups": TargetGroup.choices,
    }


@login_required
def training_home(request):
    """The programmes the actor may see, filtered and paged."""
    require(request.user, "programme", "view")
    filters = _filters(request)
    qs = selectors.programme_list(actor=request.user, filters=filters)
    page = paginate(request, qs)
    return render(
        request,
        "web/training/home.html",
        {
            "page": page,
            "query": query_without_page(request),
            "filters": filters,
            "mine": selectors.own_enrolments(actor=request.user),
            "may_create": can(request.user, "programme", "create"),
            "may_confirm": can(request.user, "enrolment", "review"),
            "may_report": can(request.user, "trainingrecord", "aggregate"),
            "own_teacher": getattr(request.user, "teacher_profile", None)
            if request.user.role == Role.TEACHER
            else None,
            **_choices(),
        },
    )


@login_required
def training_export(request):
    """The filtered programme list as xlsx."""
    require(request.user, "programme", "export")
    qs = selectors.programme_list(actor=request.user, filters=_filters(request))
    rows = [
        (
            p.title,
            p.get_level_display(),
            p.provider,
            p.region.display_name,
            p.hours,
            p.get_category_display(),
            p.get_subject_display() if p.subject else "",
            p.get_stage_display() if p.stage else "",
            "、".join(p.target_group_labels()),
            p.capacity,
            p.taken,
            p.waiting,
            p.starts_on,
            p.ends_on,
            p.get_mode_display(),
        )
        for p in qs[:50000]
    ]
    audit_record(actor=request.user, action="training.programme_export", note=f"{len(rows)} rows")
    header = [
        _("Title"),
        _("Level"),
        _("Provider"),
        _("Organising region"),
        _("Hours"),
        _("Category"),
        _("Subject"),
        _("Stage"),
        _("Target groups"),
        _("Capacity"),
        _("Places taken"),
        _("Waiting"),
        _("Starts on"),
        _("Ends on"),
        _("Delivery"),
    ]
    return xlsx_response("programmes", [(_("Programmes"), header, rows)])


def _programme(request, pk):
    require(request.user, "programme", "view")
    try:
        return selectors.programme_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def training_programme(request, pk):
    """A programme: what it is, the actor's own enrolment, assignment and the enrolments of the
    teachers the actor may see."""
    programme = _programme(request, pk)
    user = request.user
    enrolments = (
        selectors.enrolment_list(actor=user, filters={"programme": programme.pk})
        if can(user, "enrolment", "view")
        else []
    )
    may_assign = user.role != Role.TEACHER and can(user, "enrolment", "create")
    teachers = []
    if may_assign:
        enrolled = {e.teacher_id for e in enrolments if e.status != EnrolmentStatus.WITHDRAWN}
        teachers = [
            t
            for t in scope(Teacher.objects.all(), user, "view")
            .filter(
                employments__end_date__isnull=True,
                employments__school__district__path__startswith=programme.region.path,
            )
            .order_by("name", "pk")[:500]
            if t.pk not in enrolled
        ]
    return render(
        request,
        "web/training/programme.html",
        {
            "programme": programme,
            "enrolments": enrolments,
            "mine": selectors.own_enrolments(actor=user).get(programme.pk),
            "is_teacher": user.role == Role.TEACHER,
            "may_assign": may_assign,
            "teachers": teachers,
            "today": timezone.localdate(),
            "covers": [label for code, label in _indicator_choices() if code in programme.covers],
        },
    )


@login_required
@require_POST
def training_enrol(request, pk):
    """Enrol (a teacher themselves) or assign a teacher (`teacher` in the form)."""
    programme = _programme(request, pk)
    require(request.user, "enrolment", "create")
    teacher = request.POST.get("teacher") or None
    try:
        enrolment = services.enrolment_create(
            actor=request.user,
            programme_pk=programme.pk,
            teacher_pk=int(teacher) if teacher and teacher.isdigit() else teacher,
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if enrolment.status == EnrolmentStatus.WAITING:
            messages.warning(request, _("The programme is full: on the waiting list."))
        else:
            messages.success(request, _("Enrolled."))
    return redirect("web:training_programme", programme.pk)


@login_required
@require_POST
def training_withdraw(request, pk):
    try:
        enrolment = selectors.enrolment_get(actor=request.user, pk=pk)
        services.enrolment_withdraw(actor=request.user, enrolment_pk=enrolment.pk)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Enrolment withdrawn."))
    return redirect("web:training_programme", enrolment.programme_id)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@login_required
def training_programme_create(request):
    """A new programme of the actor's office."""
    require(request.user, "programme", "create")
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else {}
    if request.method == "POST":
        p = request.POST
        hours, capacity = _decimal(p.get("hours", "")), p.get("capacity", "")
        starts_on, ends_on = _date(p.get("starts_on", "")), _date(p.get("ends_on", ""))
        if hours is None or not hours.is_finite():
            errors["hours"] = _("Enter a number.")
        if not capacity.isdigit():
            errors["capacity"] = _("Enter a whole number.")
        if starts_on is None:
            errors["starts_on"] = _("Enter a date (YYYY-MM-DD).")
        if ends_on is None:
            errors["ends_on"] = _("Enter a date (YYYY-MM-DD).")
        region = None
        if request.user.role == Role.ADMIN:
            region = Region.objects.filter(code=p.get("region", "")).first()
        if not errors:
            try:
                programme = services.programme_create(
                    actor=request.user,
                    title=p.get("title", ""),
                    level=p.get("level", ""),
                    provider=p.get("provider", ""),
                    hours=hours,
                    category=p.get("category", ""),
                    capacity=int(capacity),
                    starts_on=starts_on,
                    ends_on=ends_on,
                    mode=p.get("mode", ""),
                    subject=p.get("subject", ""),
                    stage=p.get("stage", ""),
                    target_groups=p.getlist("target_groups"),
                    covers=p.getlist("covers"),
                    description=p.get("description", ""),
                    region=region,
                )
            except ApplicationError as exc:
                errors = dict(exc.fields) or {"form": exc.message}
            else:
                messages.success(request, _("Programme created."))
                return redirect("web:training_programme", programme.pk)
    regions = []
    if request.user.role == Role.ADMIN:
        regions = list(
            Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)).order_by(
                "path"
            )
        )
    return render(
        request,
        "web/training/programme_form.html",
        {"errors": errors, "values": values, "regions": regions, **_choices()},
    )


@login_required
def training_confirm(request):
    """The school's list of its teachers' enrolments awaiting confirmation (programmes that have
    started), confirmed as completed or not completed in one go."""
    require(request.user, "enrolment", "review")
    if request.method == "POST":
        pks = [int(v) for v in request.POST.getlist("enrolment") if v.isdigit()]
        completed = request.POST.get("outcome") == "completed"
        try:
            n = services.enrolments_confirm(
                actor=request.user, enrolment_pks=pks, completed=completed
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                (
                    _("%(n)d completions confirmed; the hours are on the teachers' records.")
                    if completed
                    else _("%(n)d enrolments marked not completed.")
                )
                % {"n": n},
            )
        return redirect("web:training_confirm")
    today = timezone.localdate()
    pending = selectors.enrolment_list(
        actor=request.user, filters={"status": EnrolmentStatus.ENROLLED}
    ).filter(programme__starts_on__lte=today)
    page = paginate(request, pending)
    return render(
        request,
        "web/training/confirm.html",
        {"page": page, "query": query_without_page(request)},
    )


def _cycle_context(teacher: Teacher, on: date) -> dict:
    cycle = selectors.teacher_cycle(teacher=teacher, on=on)
    labels = dict(TrainingCategory.choices)
    rules = selectors.cycle_bounds(on)[2]
    categories = [
        {
            "label": labels.get(code, code),
            "hours": hours,
            "minimum": rules.categories[code].minimum if code in rules.categories else None,
            "cap": rules.categories[code].cap if code in rules.categories else None,
        }
        for code, hours in cycle.status.by_category.items()
    ]
    share = min(cycle.status.hours / rules.required_hours * 100, Decimal(100))
    return {
        "cycle": cycle.status,
        "induction": cycle.induction,
        "categories": categories,
        "required": rules.required_hours,
        "share": round(share),
    }


def _hours_extras(request, teacher, own: bool) -> dict:
    from qiangshi.web.views.training_school import hours_extras

    return hours_extras(request, teacher, own)


@login_required
def training_hours(request, pk=None):
    """A teacher's training record and cycle: the teacher's own (no `pk`), or one teacher the
    actor may see."""
    require(request.user, "trainingrecord", "view")
    if pk is None:
        teacher = getattr(request.user, "teacher_profile", None)
        if teacher is None:
            raise Http404
    else:
        try:
            teacher = selectors.teacher_for_records(actor=request.user, pk=pk)
        except NotFound:
            raise Http404 from None
    page = paginate(request, selectors.record_list(actor=request.user, teacher_pk=teacher.pk))
    return render(
        request,
        "web/training/hours.html",
        {
            "teacher": teacher,
            "own": pk is None,
            "page": page,
            "query": query_without_page(request),
            "enrolments": selectors.enrolment_list(
                actor=request.user, filters={"teacher": teacher.pk}
            ).exclude(status=EnrolmentStatus.WITHDRAWN),
            **_cycle_context(teacher, timezone.localdate()),
            **_hours_extras(request, teacher, pk is None),
        },
    )


def _report_region(request) -> Region | None:
    """The district (or city) chosen for the report, within the actor's area; None: all of it."""
    code = request.GET.get("region", "")
    if not code:
        return None
    region = (
        scope(Region.objects.filter(code=code), request.user, "view")
        .filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT))
        .first()
    )
    if region is None:
        raise Http404
    if request.user.region_id and not region.path.startswith(request.user.region.path):
        raise Http404
    return region


@login_required
def training_report(request):
    """The cycle report: completion rate and teachers at risk per school, for the actor's
    school or area (a district or city chosen within it)."""
    require(request.user, "trainingrecord", "aggregate")
    region = _report_region(request)
    report = selectors.cycle_report(actor=request.user, on=timezone.localdate(), region=region)
    if request.GET.get("format") == "xlsx":
        require(request.user, "trainingrecord", "export")
        area = region.display_name if region else _("Your area")
        audit_record(
            actor=request.user,
            action="training.report_export",
            note=region.code if region else "",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        response = HttpResponse(cycle_report_xlsx(report, area), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="training-cycle-{stamp}.xlsx"'
        return response
    regions = []
    if request.user.role != Role.SCHOOL:
        regions = list(
            scope(
                Region.objects.filter(level__in=(RegionLevel.CITY, RegionLevel.DISTRICT)),
                request.user,
                "view",
            )
            .filter(path__startswith=request.user.region.path if request.user.region_id else "")
            .order_by("path")
        )
    return render(
        request,
        "web/training/report.html",
        {
            "report": report,
            "region": region,
            "regions": regions,
            "at_risk": report.at_risk[:200],
            "rate": None
            if report.completion_rate is None
            else round(report.completion_rate * 100, 1),
        },
    )


# --- Digital literacy ---------------------------------------------------------------------------


def _reason(programme, rec, names: dict[str, str]) -> str:
    """Why a programme is recommended, from the engine's named parts."""
    labels = dict(TrainingCategory.choices)
    bits = []
    for part in rec.parts:
        if part.kind == "literacy":
            indicator = names.get(part.detail, part.detail)
            bits.append(
                _("covers %(indicator)s, your lowest") % {"indicator": indicator}
                if rec.lowest == part.detail
                else _("covers %(indicator)s") % {"indicator": indicator}
            )
        elif part.kind == "hours":
            bits.append(_("%(n)s h towards your cycle") % {"n": f"{part.detail:g}"})
        elif part.kind == "minimum":
            bits.append(
                _("counts towards the %(category)s minimum")
                % {"category": labels.get(part.detail, part.detail)}
            )
        elif part.kind == "subject" and part.points > 0:
            bits.append(_("for your subject"))
        elif part.kind == "stage" and part.points > 0:
            bits.append(_("for your stage"))
        elif part.kind == "full":
            bits.append(_("full: you would wait for a place"))
    bits.append(_("starts %(date)s") % {"date": programme.starts_on.isoformat()})
    return "；".join(bits) if not _english() else "; ".join(bits)


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


@login_required
def training_literacy(request):
    """A teacher's digital-literacy self-assessment (one page, saved as they go), their profile
    per dimension and the programmes recommended for them."""
    from qiangshi.training import literacy

    require(request.user, "literacyassessment", "create")
    teacher = getattr(request.user, "teacher_profile", None)
    if teacher is None:
        raise Http404
    today = timezone.localdate()
    if request.method == "POST":
        answers = {k[2:]: v for k, v in request.POST.items() if k.startswith("q-")}
        try:
            services.literacy_answers_save(actor=request.user, answers=answers, year=today.year)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Saved."))
        return redirect("web:training_literacy")
    assessment = selectors.literacy_assessment(teacher=teacher, year=today.year)
    answers = assessment.answers if assessment else {}
    frame = literacy.framework()
    low, high = literacy.scale()
    scale_labels = frame["scale"]["labels_en" if _english() else "labels_zh"]
    dimensions = [
        {
            "name": literacy.name(d),
            "indicators": [
                {
                    "name": literacy.name(i),
                    "questions": [
                        {
                            "code": q["code"],
                            "text": literacy.question_text(q),
                            "answer": answers.get(q["code"]),
                        }
                        for q in i["questions"]
                    ],
                }
                for i in d["indicators"]
            ],
        }
        for d in frame["dimensions"]
    ]
    profile = literacy.dimension_scores(answers)
    names = {code: literacy.name(i) for code, i in literacy.indicators().items()}
    recommended = [
        {"programme": p, "reason": _reason(p, r, names)}
        for p, r in selectors.recommendations(actor=request.user, teacher=teacher, on=today)
    ]
    return render(
        request,
        "web/training/literacy.html",
        {
            "dimensions": dimensions,
            "choices": list(zip(range(low, high + 1), scale_labels, strict=False)),
            "profile": profile,
            "history": selectors.literacy_history(teacher=teacher),
            "chart": {
                "indicators": [{"name": d["name"], "max": high} for d in profile],
                "values": [round(d["score"], 2) if d["score"] is not None else 0 for d in profile],
                "label": _("My self-assessment"),
            },
            "answered": len(answers),
            "recommended": recommended,
            "framework_version": frame["version"],
        },
    )
