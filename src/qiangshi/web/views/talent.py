"""Talent and partnership pages (issue 18; POLICY §15): recruitment plans and hires, olympiad-coach
rewards, partnerships with their people and activities (whose confirmation credits training
hours), a teacher's own partnership hours, and teacher perks with their take-up per school.

Reads come from `qiangshi.talent.selectors`, writes go through `qiangshi.talent.services`. A role
without the permission gets 403; a record outside the area 404; a record of a region above the
office's own may be read but not changed (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org import selectors as org_selectors
from qiangshi.talent import rules, selectors, services
from qiangshi.talent.models import (
    ActivityKind,
    ActivityStatus,
    Direction,
    HireStatus,
    Olympiad,
    OlympiadLevel,
    PartnershipKind,
    RecruitmentCategory,
)
from qiangshi.teachers.models import Subject, Teacher
from qiangshi.web.forms import StyledForm, apply_errors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response


def _answers(view):
    """Service errors as HTTP answers: outside the area 404, a role or region that may not 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None
        except Forbidden:
            raise PermissionDenied from None

    return wrapped


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _year(request, default=None):
    year = _int(request.GET.get("year"))
    return year if year is not None and 1990 <= year <= 2100 else default


def _date_input():
    return forms.DateInput({"type": "date"})


def _tabs(user) -> list[dict]:
    tabs = [
        ("recruitmentplan", "view", "web:talent_plans", gettext_lazy("Recruitment plans")),
        ("hire", "view", "web:talent_hires", gettext_lazy("Hires")),
        ("olympiadresult", "view", "web:talent_olympiad", gettext_lazy("Olympiad coaches")),
        ("partnership", "view", "web:talent_partnerships", gettext_lazy("Partnerships")),
        ("activityparticipant", "view", "web:talent_participations",
         gettext_lazy("Partnership hours")),
        ("perk", "view", "web:talent_perks", gettext_lazy("Teacher perks")),
        ("perkuptake", "view", "web:talent_uptake", gettext_lazy("Perk take-up")),
    ]  # fmt: skip
    return [
        {"url": reverse(name), "label": label, "name": name.split(":")[1]}
        for subject, action, name, label in tabs
        if can(user, subject, action)
    ]


def _page(request, template: str, current: str, context: dict):
    return render(request, template, {"tabs": _tabs(request.user), "current": current, **context})


def _label(choices, value) -> str:
    return str(dict(choices).get(value, value)) if value else ""


def _teacher_choices(user, *, region=None, school=None, q: str = "") -> list[tuple[int, str]]:
    """Teachers the actor sees who work now (in `region` or at `school`), by name: at most 500
    (narrow with `q`)."""
    qs = scope(Teacher.objects.all(), user, "view").filter(employments__end_date__isnull=True)
    if region is not None:
        qs = qs.filter(employments__school__district__path__startswith=region.path)
    if school is not None:
        qs = qs.filter(employments__school=school)
    if q:
        qs = qs.filter(name__icontains=q)
    rows = (
        qs.order_by("name", "pk")
        .values_list("pk", "name", "employments__school__name")
        .distinct()[:500]
    )
    return [(pk, f"{name} · {school_name}") for pk, name, school_name in rows]


def _school_choices(user, region=None) -> list[tuple[int, str]]:
    qs = org_selectors.school_list(actor=user)
    if region is not None:
        qs = qs.filter(district__path__startswith=region.path)
    return [(s.pk, s.name) for s in qs.order_by("code")[:2000]]


def _percent(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


@login_required
def talent_home(request):
    """The talent entry of the navigation: the first page the role may use."""
    for tab in _tabs(request.user):
        return redirect(tab["url"])
    raise PermissionDenied


# --- recruitment ----------------------------------------------------------------------------


class RegionRecordForm(StyledForm):
    """The form of an office's record of a region (plan, partnership, perk), to add one or
    change one: its `region` field offers the regions the office may file records for."""

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.pk, r.display_name) for r in regions]


class PlanForm(RegionRecordForm):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    region = forms.TypedChoiceField(label=gettext_lazy("Region"), coerce=int)
    remarks = forms.CharField(label=gettext_lazy("Remarks"), max_length=500, required=False)


def _office_regions(user):
    """Regions an office may file records for: its own and those below."""
    if user.role == Role.ADMIN:
        return list(org_selectors.region_list(actor=user))
    if not user.region_id:
        return []
    return list(org_selectors.region_list(actor=user).filter(path__startswith=user.region.path))


def _add_form(request, form_class, subject: str, initial: dict):
    """The form to add an office record on its list page (None for a role that may not) and
    the regions it offers."""
    user = request.user
    regions = _office_regions(user) if can(user, subject, "create") else []
    if not regions:
        return None, regions
    initial = {"region": user.region_id, **initial}
    return form_class(request.POST or None, regions=regions, initial=initial), regions


def _save(request, form, regions, write, done: str):
    """A posted office-record form written by `write(data)` (its region resolved among
    `regions`): the record, with `done` as the message; None when the form or the service
    refused the input (the errors stand on the form)."""
    if form is None:
        raise PermissionDenied
    if not form.is_valid():
        return None
    data = dict(form.cleaned_data)
    data["region"] = next((r for r in regions if r.pk == data["region"]), None)
    try:
        record = write(data)
    except ApplicationError as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, done)
    return record


@dataclass(frozen=True)
class RecordEdit:
    """An office record's edit page: how to read the record, the form it was added with, the
    service that changes it, where the page belongs and what it says."""

    subject: str  # the permission subject
    get: Callable  # selector(actor=, pk=)
    form_class: type
    fields: tuple[str, ...]
    update: Callable  # service(actor=, record=, data=)
    current: str  # the tab
    detail: str  # the record's page
    heading: str
    name: Callable  # the record's name on the page


def _edit_page(request, pk: int, edit: RecordEdit):
    """The form a record was added with, filled in with its values; saving it goes through the
    service (which audits the fields that changed). Only the office of the record's region (or
    of one above it) may: 403 otherwise."""
    user = request.user
    require(user, edit.subject, "change")
    record = edit.get(actor=user, pk=pk)
    if not selectors.office_covers(user, record.region):
        raise PermissionDenied
    regions = _office_regions(user)
    initial = {**{f: getattr(record, f) for f in edit.fields}, "region": record.region_id}
    form = edit.form_class(request.POST or None, regions=regions, initial=initial)
    back = reverse(edit.detail, args=[record.pk])
    if request.method == "POST" and _save(
        request, form, regions,
        lambda data: edit.update(actor=user, record=record.pk, data=data),
        _("The changes were saved."),
    ):  # fmt: skip
        return redirect(back)
    context = {"form": form, "heading": edit.heading, "record_name": edit.name(record),
               "back": back}  # fmt: skip
    return _page(request, "web/talent/edit.html", edit.current, context)


def _export(user, subject: str, name: str, title, header: list, rows, *, note: str = "",
            object_type: str = ""):  # fmt: skip
    """A list page's Excel download: 403 without the role's export permission on `subject`;
    audited; one sheet of `rows` (an iterable read only once the permission is checked)."""
    require(user, subject, "export")
    audit_record(actor=user, action="talent.export", note=note,
                 object_type=object_type or f"talent.{subject}")  # fmt: skip
    return xlsx_response(name, [(title, header, rows)])


def _plan_rows(qs):
    """The plans' rows of the export: one per plan and category."""
    plans = list(qs)
    progress = selectors.plan_progress(plans)
    for p in plans:
        for row in progress[p.pk]["categories"]:
            yield [p.region.display_name, p.year,
                   _label(RecruitmentCategory.choices, row.category), row.target, row.hires,
                   None if row.rate is None else float(row.rate)]  # fmt: skip


@login_required
@_answers
def talent_plans(request):
    """Recruitment plans (filters: year, text), each with its targets, hires and rate per
    category; offices add a plan; xlsx export."""
    user = request.user
    require(user, "recruitmentplan", "view")
    form, regions = _add_form(
        request, PlanForm, "recruitmentplan", {"year": timezone.localdate().year}
    )
    if request.method == "POST":
        plan = _save(
            request, form, regions,
            lambda data: services.recruitment_plan_create(actor=user, **data),
            _("The plan was created: now set its targets."),
        )  # fmt: skip
        if plan is not None:
            return redirect("web:talent_plan", pk=plan.pk)
    year = _year(request)
    q = (request.GET.get("q") or "").strip()[:100]
    qs = selectors.plan_list(actor=user, year=year, q=q)
    if request.GET.get("format") == "xlsx":
        header = [_("Region"), _("Year"), _("Category"), _("Target"), _("Hires"), _("Rate")]
        return _export(user, "recruitmentplan", "recruitment-plans", _("Recruitment plans"),
                       header, _plan_rows(qs), note=f"year={year or ''} q={q}")  # fmt: skip
    page = paginate(request, qs)
    progress = selectors.plan_progress(page.object_list)
    rows = [{"plan": p, **progress[p.pk]} for p in page.object_list]
    for row in rows:
        row["rate_text"] = _percent(row["rate"])
        row["parts"] = [
            {"label": _label(RecruitmentCategory.choices, c.category), "target": c.target,
             "hires": c.hires, "rate": _percent(c.rate)}
            for c in row["categories"]
        ]  # fmt: skip
    return _page(
        request,
        "web/talent/plans.html",
        "talent_plans",
        {
            "page": page,
            "rows": rows,
            "year": year,
            "q": q,
            "form": form,
            "query": query_without_page(request),
            "may_export": can(user, "recruitmentplan", "export"),
        },
    )


class TargetForm(StyledForm):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=RecruitmentCategory.choices
    )
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), required=False)
    target = forms.IntegerField(label=gettext_lazy("Target"), min_value=0, max_value=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("Any subject"))] + list(Subject.choices)


class HireForm(StyledForm):
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), choices=RecruitmentCategory.choices
    )
    subject = forms.ChoiceField(label=gettext_lazy("Subject"), required=False)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=50)
    school = forms.TypedChoiceField(label=gettext_lazy("School"), coerce=int)
    university = forms.CharField(label=gettext_lazy("University"), max_length=120, required=False)
    hired_on = forms.DateField(label=gettext_lazy("Signed on"), widget=_date_input())

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = [("", _("Any subject"))] + list(Subject.choices)
        self.fields["school"].choices = schools


@login_required
@_answers
def talent_plan(request, pk: int):
    """A plan: targets and counted hires per category and subject, its hires; offices set
    targets; offices and schools record hires."""
    user = request.user
    require(user, "recruitmentplan", "view")
    plan = selectors.plan_get(actor=user, pk=pk)
    may_change = can(user, "recruitmentplan", "change") and selectors.office_covers(
        user, plan.region
    )
    may_hire = can(user, "hire", "create")
    action = request.POST.get("form") if request.method == "POST" else None
    target_form = TargetForm(request.POST if action == "target" else None)
    hire_form = None
    if may_hire:
        hire_form = HireForm(
            request.POST if action == "hire" else None,
            schools=_school_choices(user, plan.region),
            initial={"hired_on": timezone.localdate()},
        )
    if action == "target":
        if not may_change:
            raise PermissionDenied
        if target_form.is_valid():
            d = target_form.cleaned_data
            try:
                services.recruitment_target_set(actor=user, plan_pk=plan.pk, **d)
            except ApplicationError as exc:
                apply_errors(target_form, exc)
            else:
                messages.success(request, _("The target was saved."))
                return redirect("web:talent_plan", pk=plan.pk)
    elif action == "hire":
        if hire_form is None:
            raise PermissionDenied
        if hire_form.is_valid():
            d = hire_form.cleaned_data
            try:
                services.hire_record(
                    actor=user, plan_pk=plan.pk, category=d["category"], subject=d["subject"],
                    name=d["name"], school_pk=d["school"], university=d["university"],
                    hired_on=d["hired_on"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_errors(hire_form, exc)
            else:
                messages.success(request, _("The hire was recorded."))
                return redirect("web:talent_plan", pk=plan.pk)
    elif action is not None:
        raise PermissionDenied
    subjects = [
        {"category": _label(RecruitmentCategory.choices, s.category),
         "subject": _label(Subject.choices, s.subject) or _("Any subject"),
         "target": s.target, "hires": s.hires, "rate": _percent(s.rate),
         "subject_code": s.subject, "category_code": s.category}
        for s in selectors.plan_subjects(plan)
    ]  # fmt: skip
    total = selectors.plan_progress([plan])[plan.pk]
    return _page(
        request,
        "web/talent/plan.html",
        "talent_plans",
        {
            "plan": plan,
            "subjects": subjects,
            "total": total,
            "total_rate": _percent(total["rate"]),
            "hires": selectors.hire_list(actor=user, filters={"plan": plan.pk})[:500],
            "target_form": target_form if may_change else None,
            "hire_form": hire_form,
            "may_change": may_change,
            "may_change_hires": can(user, "hire", "change"),
        },
    )


PLAN_EDIT = RecordEdit(
    subject="recruitmentplan", get=selectors.plan_get, form_class=PlanForm,
    fields=services.PLAN_FIELDS,
    update=lambda record, **kw: services.recruitment_plan_update(plan_pk=record, **kw),
    current="talent_plans", detail="web:talent_plan",
    heading=gettext_lazy("Edit the recruitment plan"),
    name=lambda plan: f"{plan.region.display_name} {plan.year}",
)  # fmt: skip


@login_required
@_answers
def talent_plan_edit(request, pk: int):
    """Change a plan's region, year or remarks (its targets and hires on its own page)."""
    return _edit_page(request, pk, PLAN_EDIT)


@login_required
@require_POST
@_answers
def talent_plan_delete(request, pk: int):
    try:
        services.recruitment_plan_delete(actor=request.user, plan_pk=pk)
    except (NotFound, Forbidden):
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:talent_plan", pk=pk)
    messages.success(request, _("The plan was deleted."))
    return redirect("web:talent_plans")


def _list_filters(request, **choices) -> dict:
    """A list page's filters from the query string: text, year, school, and each filter of
    `choices` (name: the values it may take; any other value filters nothing)."""
    f = {
        "q": (request.GET.get("q") or "").strip()[:100],
        "year": _year(request),
        "school": _int(request.GET.get("school")),
    }
    for name, values in choices.items():
        value = request.GET.get(name) or ""
        f[name] = value if value in values else ""
    return f


@login_required
@_answers
def talent_hires(request):
    """Every hire the actor sees (filters: text, plan year, category, status, school); xlsx."""
    user = request.user
    require(user, "hire", "view")
    filters = _list_filters(request, category=RecruitmentCategory.values, status=HireStatus.values)
    qs = selectors.hire_list(actor=user, filters=filters)
    if request.GET.get("format") == "xlsx":
        header = [_("Name"), _("Category"), _("Subject"), _("School"), _("University"),
                  _("Signed on"), _("Status"), _("Plan"), _("In the registry")]  # fmt: skip
        body = (
            [h.name, h.get_category_display(), h.get_subject_display() if h.subject else "",
             h.school.name, h.university, h.hired_on, h.get_status_display(),
             f"{h.plan.region.display_name} {h.plan.year}", h.teacher_id is not None]
            for h in qs
        )  # fmt: skip
        return _export(user, "hire", "hires", _("Hires"), header, body,
                       note=f"q={filters['q']} year={filters['year'] or ''}")  # fmt: skip
    return _page(
        request,
        "web/talent/hires.html",
        "talent_hires",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "categories": RecruitmentCategory.choices,
            "statuses": HireStatus.choices,
            "schools": _school_choices(user)[:500],
            "query": query_without_page(request),
            "may_export": can(user, "hire", "export"),
            "may_change": can(user, "hire", "change"),
        },
    )


@login_required
@_answers
def talent_hire(request, pk: int):
    """A hire: link them to their registry record when they join, mark them withdrawn, or
    delete the record."""
    user = request.user
    require(user, "hire", "change")
    hire = selectors.hire_list(actor=user).filter(pk=pk).first()
    if hire is None:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "link":
                teacher = _int(request.POST.get("teacher"))
                if teacher is None:
                    raise ApplicationError(_("Choose a teacher."))
                services.hire_link_teacher(actor=user, hire_pk=hire.pk, teacher_pk=teacher)
                messages.success(request, _("The hire is linked to the registry."))
            elif action == "withdraw":
                services.hire_withdraw(actor=user, hire_pk=hire.pk)
                messages.success(request, _("The hire was marked withdrawn."))
            elif action == "delete":
                services.hire_delete(actor=user, hire_pk=hire.pk)
                messages.success(request, _("The hire was deleted."))
                return redirect("web:talent_plan", pk=hire.plan_id)
            else:
                raise PermissionDenied
        except (NotFound, Forbidden):
            raise
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("web:talent_hire", pk=hire.pk)
    q = (request.GET.get("teacher_q") or "").strip()[:50]
    return _page(
        request,
        "web/talent/hire.html",
        "talent_hires",
        {
            "hire": hire,
            "teachers": _teacher_choices(user, school=hire.school, q=q or hire.name[:1]),
            "teacher_q": q,
        },
    )


# --- olympiad-coach incentives ---------------------------------------------------------------


class OlympiadForm(StyledForm):
    olympiad = forms.ChoiceField(label=gettext_lazy("Olympiad"), choices=Olympiad.choices)
    competition = forms.CharField(label=gettext_lazy("Competition"), max_length=200)
    coach = forms.TypedChoiceField(label=gettext_lazy("Coach"), coerce=int)
    pupil = forms.CharField(label=gettext_lazy("Pupil"), max_length=50)
    level = forms.ChoiceField(label=gettext_lazy("Result"), choices=OlympiadLevel.choices)
    awarded_on = forms.DateField(label=gettext_lazy("Awarded on"), widget=_date_input())

    def __init__(self, *args, coaches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["coach"].choices = coaches


@login_required
@_answers
def talent_olympiad(request):
    """Olympiad results and the coaches' rewards (filters: text, year, olympiad, result,
    school); offices and schools record a result; xlsx export."""
    user = request.user
    require(user, "olympiadresult", "view")
    form = None
    if can(user, "olympiadresult", "create"):
        q = (request.GET.get("coach_q") or "").strip()[:50]
        form = OlympiadForm(
            request.POST or None,
            coaches=_teacher_choices(user, q=q),
            initial={"awarded_on": timezone.localdate()},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = services.olympiad_result_record(
                    actor=user, olympiad=d["olympiad"], competition=d["competition"],
                    coach_pk=d["coach"], pupil=d["pupil"], level=d["level"],
                    awarded_on=d["awarded_on"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The result was recorded: the coach's reward is %(amount)s yuan.")
                    % {"amount": result.reward},
                )
                return redirect("web:talent_olympiad")
    filters = _list_filters(request, olympiad=Olympiad.values, level=OlympiadLevel.values)
    qs = selectors.olympiad_list(actor=user, filters=filters)
    if request.GET.get("format") == "xlsx":
        header = [_("Awarded on"), _("Olympiad"), _("Competition"), _("Pupil"), _("Result"),
                  _("Coach"), _("School"), _("Reward (yuan)"), _("Rule version")]  # fmt: skip
        body = (
            [r.awarded_on, r.get_olympiad_display(), r.competition, r.pupil,
             r.get_level_display(), r.coach.name, r.school.name, r.reward, r.rule_version]
            for r in qs
        )  # fmt: skip
        return _export(user, "olympiadresult", "olympiad-rewards", _("Olympiad coaches"),
                       header, body,
                       note=f"q={filters['q']} year={filters['year'] or ''}")  # fmt: skip
    rule_set = rules.olympiad_rules(timezone.localdate())
    return _page(
        request,
        "web/talent/olympiad.html",
        "talent_olympiad",
        {
            "page": paginate(request, qs),
            "filters": filters,
            "olympiads": Olympiad.choices,
            "levels": OlympiadLevel.choices,
            "schools": _school_choices(user)[:500],
            "form": form,
            "query": query_without_page(request),
            "may_export": can(user, "olympiadresult", "export"),
            "may_delete": can(user, "olympiadresult", "change"),
            "rule_set": rule_set,
            "amounts": [
                (_label(OlympiadLevel.choices, k), v) for k, v in rule_set["amounts"].items()
            ],  # fmt: skip
        },
    )


@login_required
@_answers
def talent_olympiad_schools(request):
    """Olympiad rewards per school for a year (or all years): results, national prizes, coaches
    and the total; xlsx export."""
    user = request.user
    require(user, "olympiadresult", "view")
    year = _year(request)
    rows = selectors.olympiad_totals_by_school(actor=user, year=year)
    if request.GET.get("format") == "xlsx":
        header = [_("School"), _("School code"), _("Results"), _("National prizes"),
                  _("Coaches"), _("Rewards (yuan)")]  # fmt: skip
        body = ([r.school.name, r.school.code, r.results, r.national, r.coaches, r.reward]
                for r in rows)  # fmt: skip
        return _export(user, "olympiadresult", "olympiad-per-school", _("Rewards per school"),
                       header, body, note=f"per school year={year or ''}")  # fmt: skip
    return _page(
        request,
        "web/talent/olympiad_schools.html",
        "talent_olympiad",
        {
            "rows": rows,
            "year": year,
            "total": sum(r.reward for r in rows),
            "may_export": can(user, "olympiadresult", "export"),
        },
    )


@login_required
@require_POST
@_answers
def talent_olympiad_delete(request, pk: int):
    services.olympiad_result_delete(actor=request.user, result_pk=pk)
    messages.success(request, _("The result was deleted; the coach's rewards were recomputed."))
    return redirect("web:talent_olympiad")


# --- partnerships ---------------------------------------------------------------------------


class PartnershipForm(RegionRecordForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PartnershipKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    partner = forms.CharField(label=gettext_lazy("Partner region or organisation"), max_length=200)
    region = forms.TypedChoiceField(label=gettext_lazy("Region"), coerce=int)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=_date_input())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=_date_input(), required=False)
    terms = forms.CharField(
        label=gettext_lazy("Terms"), max_length=10000, required=False,
        widget=forms.Textarea({"rows": 3}),
    )  # fmt: skip


@login_required
@_answers
def talent_partnerships(request):
    """Partnerships (filters: kind, text, running in a year) with people sent and received and
    activities; offices add one; xlsx export."""
    user = request.user
    require(user, "partnership", "view")
    form, regions = _add_form(
        request, PartnershipForm, "partnership", {"starts_on": timezone.localdate()}
    )
    if request.method == "POST":
        p = _save(
            request, form, regions,
            lambda data: services.partnership_create(actor=user, **data),
            _("The partnership was recorded."),
        )  # fmt: skip
        if p is not None:
            return redirect("web:talent_partnership", pk=p.pk)
    kind = request.GET.get("kind") or ""
    kind = kind if kind in PartnershipKind.values else ""
    q = (request.GET.get("q") or "").strip()[:100]
    year = _year(request)
    qs = selectors.partnership_list(actor=user, kind=kind or None, q=q, year=year)
    if request.GET.get("format") == "xlsx":
        header = [_("Kind"), _("Title"), _("Partner region or organisation"), _("Region"),
                  _("Starts on"), _("Ends on"), _("Sent"), _("Received"), _("Activities"),
                  _("Terms")]  # fmt: skip
        body = (
            [p.get_kind_display(), p.title, p.partner, p.region.display_name, p.starts_on,
             p.ends_on, p.sent, p.received, p.activity_count, p.terms]
            for p in qs
        )  # fmt: skip
        return _export(user, "partnership", "partnerships", _("Partnerships"), header, body,
                       note=f"kind={kind} q={q} year={year or ''}")  # fmt: skip
    return _page(
        request,
        "web/talent/partnerships.html",
        "talent_partnerships",
        {
            "page": paginate(request, qs),
            "kind": kind,
            "q": q,
            "year": year,
            "kinds": PartnershipKind.choices,
            "form": form,
            "query": query_without_page(request),
            "may_export": can(user, "partnership", "export"),
        },
    )


class ExchangeForm(StyledForm):
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=Direction.choices)
    teacher = forms.TypedChoiceField(
        label=gettext_lazy("Registry teacher"), coerce=int, required=False, empty_value=None
    )
    name = forms.CharField(
        label=gettext_lazy("Name (someone from outside)"), max_length=50, required=False
    )
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=_date_input())
    ends_on = forms.DateField(label=gettext_lazy("To"), widget=_date_input(), required=False)

    def __init__(self, *args, teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = [("", _("— someone from outside —"))] + list(teachers)

    def clean(self):
        data = super().clean()
        if not data.get("teacher") and not (data.get("name") or "").strip():
            self.add_error("name", _("Choose a registry teacher or give the person's name."))
        return data


class ActivityForm(StyledForm):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActivityKind.choices)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=_date_input())
    ends_on = forms.DateField(label=gettext_lazy("Ends on"), widget=_date_input())
    hours = forms.DecimalField(
        label=gettext_lazy("Hours"), min_value=0.5, max_value=1000, decimal_places=1
    )
    location = forms.CharField(label=gettext_lazy("Location"), max_length=200, required=False)
    others = forms.IntegerField(
        label=gettext_lazy("Other participants"), min_value=0, max_value=100000, initial=0
    )


@login_required
@_answers
def talent_partnership(request, pk: int):
    """A partnership: its terms, the people sent and received, its activities; the office adds
    people and activities."""
    user = request.user
    require(user, "partnership", "view")
    p = selectors.partnership_get(actor=user, pk=pk)
    may_change = can(user, "partnership", "change") and selectors.office_covers(user, p.region)
    action = request.POST.get("form") if request.method == "POST" else None
    if action is not None and not may_change:
        raise PermissionDenied
    exchange_form = activity_form = None
    if may_change:
        q = (request.GET.get("teacher_q") or "").strip()[:50]
        exchange_form = ExchangeForm(
            request.POST if action == "person" else None,
            teachers=_teacher_choices(user, region=p.region, q=q),
        )
        activity_form = ActivityForm(request.POST if action == "activity" else None)
    if action == "person" and exchange_form.is_valid():
        d = exchange_form.cleaned_data
        try:
            services.exchange_add(
                actor=user, partnership_pk=p.pk, direction=d["direction"], teacher_pk=d["teacher"],
                name=d["name"], organisation=d["organisation"], starts_on=d["starts_on"],
                ends_on=d["ends_on"],
            )  # fmt: skip
        except ApplicationError as exc:
            apply_errors(exchange_form, exc)
        else:
            messages.success(request, _("The person was recorded."))
            return redirect("web:talent_partnership", pk=p.pk)
    elif action == "activity" and activity_form.is_valid():
        try:
            a = services.activity_add(actor=user, partnership_pk=p.pk, **activity_form.cleaned_data)
        except ApplicationError as exc:
            apply_errors(activity_form, exc)
        else:
            messages.success(request, _("The activity was recorded: add who took part."))
            return redirect("web:talent_activity", pk=a.pk)
    elif action not in (None, "person", "activity"):
        raise PermissionDenied
    return _page(
        request,
        "web/talent/partnership.html",
        "talent_partnerships",
        {
            "p": p,
            "people": p.people.select_related("teacher").order_by("-starts_on", "pk"),
            "activities": p.activities.order_by("-starts_on", "pk"),
            "may_change": may_change,
            "exchange_form": exchange_form,
            "activity_form": activity_form,
        },
    )


PARTNERSHIP_EDIT = RecordEdit(
    subject="partnership", get=selectors.partnership_get, form_class=PartnershipForm,
    fields=services.PARTNERSHIP_FIELDS,
    update=lambda record, **kw: services.partnership_update(partnership_pk=record, **kw),
    current="talent_partnerships", detail="web:talent_partnership",
    heading=gettext_lazy("Edit the partnership"), name=lambda p: p.title,
)  # fmt: skip


@login_required
@_answers
def talent_partnership_edit(request, pk: int):
    """Change a partnership's kind, title, partner, region, period or terms (its people and
    activities on its own page)."""
    return _edit_page(request, pk, PARTNERSHIP_EDIT)


@login_required
@require_POST
@_answers
def talent_partnership_delete(request, pk: int):
    services.partnership_delete(actor=request.user, partnership_pk=pk)
    messages.success(
        request, _("The partnership was deleted; the hours it credited were taken back.")
    )
    return redirect("web:talent_partnerships")


@login_required
@require_POST
@_answers
def talent_exchange_delete(request, pk: int):
    p = services.exchange_delete(actor=request.user, exchange_pk=pk)
    messages.success(request, _("The person was removed."))
    return redirect("web:talent_partnership", pk=p.pk)


@login_required
@_answers
def talent_activity(request, pk: int):
    """An activity: who took part and the hours credited to each; the office adds teachers,
    confirms the activity (crediting the hours the rules allow) or cancels it (taking them
    back)."""
    user = request.user
    require(user, "partnership", "view")
    activity = selectors.activity_get(actor=user, pk=pk)
    p = activity.partnership
    may_change = can(user, "partnership", "change") and selectors.office_covers(user, p.region)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "add":
                pks = [int(x) for x in request.POST.getlist("teachers") if x.isdigit()]
                n = services.activity_participants_add(
                    actor=user, activity_pk=activity.pk, teacher_pks=pks
                )
                messages.success(request, _("%(n)d teachers added.") % {"n": n})
            elif action == "confirm":
                n = services.activity_confirm(actor=user, activity_pk=activity.pk)
                messages.success(
                    request,
                    _("The activity was confirmed; training hours credited to %(n)d teachers.")
                    % {"n": n},
                )
            elif action == "cancel":
                n = services.activity_cancel(actor=user, activity_pk=activity.pk)
                messages.success(
                    request,
                    _("The activity was cancelled; hours taken back from %(n)d teachers.")
                    % {"n": n},
                )
            elif action == "remove":
                services.activity_participant_remove(
                    actor=user, participant_pk=_int(request.POST.get("participant"))
                )
                messages.success(request, _("The teacher was removed from the activity."))
            else:
                raise PermissionDenied
        except (NotFound, Forbidden):
            raise
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect("web:talent_activity", pk=activity.pk)
    participants = list(selectors.activity_participants(activity))
    teachers = []
    if may_change and activity.status != ActivityStatus.CANCELLED:
        present = {x.teacher_id for x in participants}
        q = (request.GET.get("teacher_q") or "").strip()[:50]
        teachers = [t for t in _teacher_choices(user, region=p.region, q=q) if t[0] not in present]
    credit = rules.partnership_rules(activity.ends_on)["credit"].get(p.kind) or {}
    return _page(
        request,
        "web/talent/activity.html",
        "talent_partnerships",
        {
            "activity": activity,
            "p": p,
            "participants": participants,
            "teachers": teachers,
            "teacher_q": (request.GET.get("teacher_q") or "")[:50],
            "may_change": may_change,
            "credits": activity.kind in credit.get("activity_kinds", ()),
            "credited_total": sum(x.credited_hours or 0 for x in participants),
        },
    )


@login_required
@_answers
def talent_participations(request):
    """Partnership activities and the training hours they credited: a teacher's own, or those of
    the teachers the office or school sees (search by name)."""
    user = request.user
    require(user, "activityparticipant", "view")
    qs = selectors.participation_list(actor=user)
    q = (request.GET.get("q") or "").strip()[:50]
    if q and user.role != Role.TEACHER:
        qs = qs.filter(teacher__name__icontains=q)
    return _page(
        request,
        "web/talent/participations.html",
        "talent_participations",
        {
            "page": paginate(request, qs),
            "q": q,
            "is_teacher": user.role == Role.TEACHER,
            "query": query_without_page(request),
        },
    )


# --- teacher perks --------------------------------------------------------------------------


class PerkForm(RegionRecordForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    provider = forms.CharField(label=gettext_lazy("Provider"), max_length=200)
    eligibility = forms.CharField(label=gettext_lazy("Who qualifies"), max_length=500)
    region = forms.TypedChoiceField(label=gettext_lazy("Region"), coerce=int)
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=_date_input())
    ends_on = forms.DateField(label=gettext_lazy("To"), widget=_date_input(), required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=10000, required=False,
        widget=forms.Textarea({"rows": 3}),
    )  # fmt: skip


@login_required
@_answers
def talent_perks(request):
    """The region's list of teacher perks (search, only current ones); offices add one; xlsx."""
    user = request.user
    require(user, "perk", "view")
    form, regions = _add_form(request, PerkForm, "perk", {"starts_on": timezone.localdate()})
    if request.method == "POST":
        perk = _save(
            request, form, regions,
            lambda data: services.perk_create(actor=user, **data),
            _("The perk was added to the list."),
        )  # fmt: skip
        if perk is not None:
            return redirect("web:talent_perk", pk=perk.pk)
    q = (request.GET.get("q") or "").strip()[:100]
    current = request.GET.get("current") == "1"
    qs = selectors.perk_list(actor=user, q=q, current_on=timezone.localdate() if current else None)
    if request.GET.get("format") == "xlsx":
        header = [_("Name"), _("Provider"), _("Who qualifies"), _("Region"), _("From"), _("To"),
                  _("Description")]  # fmt: skip
        body = ([p.name, p.provider, p.eligibility, p.region.display_name, p.starts_on,
                 p.ends_on, p.description] for p in qs)  # fmt: skip
        return _export(user, "perkuptake", "teacher-perks", _("Teacher perks"), header, body,
                       note=f"q={q}", object_type="talent.perk")  # fmt: skip
    return _page(
        request,
        "web/talent/perks.html",
        "talent_perks",
        {
            "page": paginate(request, qs),
            "q": q,
            "current": current,
            "form": form,
            "query": query_without_page(request),
            "may_export": can(user, "perkuptake", "export"),
        },
    )


class UptakeForm(StyledForm):
    school = forms.TypedChoiceField(label=gettext_lazy("School"), coerce=int)
    teacher = forms.TypedChoiceField(
        label=gettext_lazy("One teacher"), coerce=int, required=False, empty_value=None
    )
    count = forms.IntegerField(
        label=gettext_lazy("Or a number of teachers"), min_value=1, max_value=100000,
        required=False,
    )  # fmt: skip
    on = forms.DateField(label=gettext_lazy("Date"), widget=_date_input())

    def __init__(self, *args, schools=(), teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = schools
        self.fields["teacher"].choices = [("", _("— a count, not one teacher —"))] + list(teachers)

    def clean(self):
        data = super().clean()
        if not data.get("teacher") and not data.get("count"):
            self.add_error(
                "count", _("Enter how many teachers took it up (at least 1), or a teacher.")
            )
        return data


@login_required
@_answers
def talent_perk(request, pk: int):
    """A perk: what it is, its take-up per school and the records; offices and schools record
    take-up (a count, or one teacher)."""
    user = request.user
    require(user, "perk", "view")
    perk = selectors.perk_get(actor=user, pk=pk)
    form = None
    if can(user, "perkuptake", "create"):
        schools = _school_choices(user, perk.region)
        school = user.school if user.role == Role.SCHOOL else None
        form = UptakeForm(
            request.POST or None,
            schools=schools,
            teachers=_teacher_choices(user, region=perk.region, school=school,
                                      q=(request.GET.get("teacher_q") or "").strip()[:50]),
            initial={"on": timezone.localdate()},
        )  # fmt: skip
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.perk_uptake_record(
                    actor=user, perk_pk=perk.pk, school_pk=d["school"], on=d["on"],
                    count=d["count"], teacher_pk=d["teacher"],
                )  # fmt: skip
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The take-up was recorded."))
                return redirect("web:talent_perk", pk=perk.pk)
    may_uptake = can(user, "perkuptake", "view")
    return _page(
        request,
        "web/talent/perk.html",
        "talent_perks",
        {
            "perk": perk,
            "by_school": selectors.uptake_by_school(actor=user, perk=perk) if may_uptake else [],
            "records": selectors.uptake_list(actor=user, perk=perk)[:200] if may_uptake else [],
            "may_uptake": may_uptake,
            "form": form,
            "may_change": can(user, "perk", "change")
            and selectors.office_covers(user, perk.region),
            "may_delete_uptake": can(user, "perkuptake", "change"),
        },
    )


PERK_EDIT = RecordEdit(
    subject="perk", get=selectors.perk_get, form_class=PerkForm, fields=services.PERK_FIELDS,
    update=lambda record, **kw: services.perk_update(perk_pk=record, **kw),
    current="talent_perks", detail="web:talent_perk",
    heading=gettext_lazy("Edit the teacher perk"), name=lambda perk: perk.name,
)  # fmt: skip


@login_required
@_answers
def talent_perk_edit(request, pk: int):
    """Change a perk: what it is, who provides it, who qualifies, its region and period."""
    return _edit_page(request, pk, PERK_EDIT)


@login_required
@require_POST
@_answers
def talent_perk_delete(request, pk: int):
    services.perk_delete(actor=request.user, perk_pk=pk)
    messages.success(request, _("The perk was deleted."))
    return redirect("web:talent_perks")


@login_required
@require_POST
@_answers
def talent_uptake_delete(request, pk: int):
    perk = services.perk_uptake_delete(actor=request.user, uptake_pk=pk)
    messages.success(request, _("The take-up record was deleted."))
    return redirect("web:talent_perk", pk=perk.pk)


@login_required
@_answers
def talent_uptake(request):
    """Take-up of every perk per school in the actor's area: teachers who took it up, the
    school's teachers and the share; xlsx export."""
    user = request.user
    require(user, "perkuptake", "view")
    rows = selectors.uptake_by_school(actor=user)
    if request.GET.get("format") == "xlsx":
        header = [_("School"), _("School code"), _("Perk"), _("Took it up"), _("Teachers"),
                  _("Share")]  # fmt: skip
        body = ([r.school.name, r.school.code, r.perk.name, r.taken, r.teachers,
                 None if r.share is None else float(r.share)] for r in rows)  # fmt: skip
        return _export(user, "perkuptake", "perk-take-up", _("Perk take-up"), header, body)
    page = paginate(request, rows)
    return _page(
        request,
        "web/talent/uptake.html",
        "talent_uptake",
        {
            "page": page,
            "rows": [{"r": r, "share": _percent(r.share)} for r in page.object_list],
            "query": query_without_page(request),
            "may_export": can(user, "perkuptake", "export"),
        },
    )
