"""Teacher pages: list (htmx filters, xlsx export), detail with history tabs, create and edit.

Reads go through teachers.selectors, writes through teachers.services; these views only parse,
call and render.
"""

import secrets
import time
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, EditConflict, NotFound
from qiangshi.engines import idcard
from qiangshi.imports.exports import HISTORY_KINDS
from qiangshi.imports.models import ImportKind
from qiangshi.org.selectors import district_choices
from qiangshi.teachers import selectors, services
from qiangshi.teachers.models import (
    EducationRecord,
    Employment,
    Subject,
    Teacher,
    TitleRecord,
)
from qiangshi.web.forms import (
    EmploymentChangeForm,
    EmploymentEndForm,
    TeacherFilterForm,
    TeacherForm,
    apply_errors,
    record_form_class,
)
from qiangshi.web.lists import paginate, query_without_page

from .exports import export_response

RESULTS_TARGET = "teacher-results"
# History groups in the order of the national template, with the related name on Teacher.
RECORD_TABS = [
    ("education", "education_records", gettext_lazy("Education")),
    ("title", "title_records", gettext_lazy("Titles")),
    ("certificate", "certificates", gettext_lazy("Certificates")),
    ("recognition", "recognitions", gettext_lazy("Recognitions")),
    ("appraisal", "appraisals", gettext_lazy("Appraisals")),
    ("teaching_load", "teaching_loads", gettext_lazy("Teaching load")),
    ("work", "work_experience", gettext_lazy("Prior work")),
]
EMPLOYMENT_COLUMNS = [
    "school",
    "employment_type",
    "post_category",
    "is_full_time_teacher",
    "main_subject",
    "post_grade",
    "is_homeroom",
    "start_date",
    "end_date",
    "end_reason",
]
_SUBJECT_LABELS = dict(Subject.choices)
IDENTITY_NAMES = ["name", "former_name", "national_id", "gender", "birth_date", "phone"]
FORM_SECTIONS = {
    "identity_names": IDENTITY_NAMES,
    "basic_names": [f for f in services.BASIC_FIELDS if f not in IDENTITY_NAMES],
    "employment_names": list(services.EMPLOYMENT_FIELDS),
}


def _teacher_or_404(actor, pk: int, action: str = "view") -> Teacher:
    try:
        return selectors.teacher_get(actor=actor, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


# --- List and export ---------------------------------------------------------------------------


# The history tables the list's template-layout export offers (kind, label), in the import
# menu's order; `teacher_export_template` takes the kind as ?kind=.
HISTORY_EXPORTS = [(k.value, k.label) for k in ImportKind if k.value in HISTORY_KINDS]
TEMPLATE_EXPORT_KINDS = ("teachers", *HISTORY_KINDS)


def _district_labels(actor) -> dict[str, str]:
    """District name → name in the current language (the list annotates the stored name)."""
    return {d.name: d.display_name for d in district_choices(actor=actor)}


# --- Searches by ID number: never in a URL ----------------------------------------------------
#
# The filter form is POSTed. Its parameters then go back into the address bar (for sharing,
# paging and sorting) with one exception: a search containing a run of digits (a national ID
# number, whole or in part) is replaced by a short-lived opaque token (`qt`) that only this
# session can resolve. So no ID number reaches a URL, the browser history or a server log.

SEARCH_TOKENS = "qs_teacher_searches"
_SEARCH_TOKENS_KEPT = 20


def _search_token(request, q: str) -> str:
    """A new token for search text `q`, kept in the session for QIANGSHI_SEARCH_TOKEN_MINUTES."""
    now = int(time.time())
    store = {k: v for k, v in request.session.get(SEARCH_TOKENS, {}).items() if v[1] > now}
    token = secrets.token_urlsafe(9)
    store[token] = [q, now + settings.QIANGSHI_SEARCH_TOKEN_MINUTES * 60]
    newest = sorted(store.items(), key=lambda item: item[1][1])[-_SEARCH_TOKENS_KEPT:]
    request.session[SEARCH_TOKENS] = dict(newest)
    return token


def _search_of(request, token: str) -> str | None:
    entry = request.session.get(SEARCH_TOKENS, {}).get(token)
    if entry is None or entry[1] <= time.time():
        return None
    return entry[0]


def list_params(request, data: QueryDict) -> QueryDict:
    """The list's parameters as they may appear in a URL (empty ones left out, a sensitive
    search replaced by a token)."""
    params = QueryDict(mutable=True)
    for key, values in data.lists():
        if key in ("csrfmiddlewaretoken", "page"):
            continue
        kept = [v for v in values if v != ""]
        if kept:
            params.setlist(key, kept)
    q = params.get("q", "")
    if q and selectors.search_is_sensitive(q):
        params.pop("q")
        params["qt"] = _search_token(request, q)
    params._mutable = False
    return params


def filter_data(request) -> tuple[QueryDict, bool]:
    """The request's list parameters with a search token resolved (for the form and the
    selectors, never for a URL), and whether a token had expired."""
    data = request.GET.copy()
    token = data.pop("qt", [""])[-1]
    expired = False
    if token:
        q = _search_of(request, token)
        if q is None:
            expired = True
        else:
            data["q"] = q
    return data, expired


def _list_url(params: QueryDict) -> str:
    query = params.urlencode()
    return reverse("web:teacher_list") + (f"?{query}" if query else "")


@login_required
def teacher_list(request):
    actor = request.user
    require(actor, "teacher", "view")
    htmx = getattr(request, "htmx", None)
    push_url = None
    if request.method == "POST":
        params = list_params(request, request.POST)
        if not htmx:
            return redirect(_list_url(params))
        # Render for the canonical parameters: paging and sort links are built from request.GET.
        request.GET = params
        push_url = _list_url(params)
    elif request.method != "GET":
        return HttpResponse(status=405)
    elif selectors.search_is_sensitive(request.GET.get("q", "")):
        # An old link or a typed URL with an ID number: move it out of the address bar.
        return redirect(_list_url(list_params(request, request.GET)))
    data, expired = filter_data(request)
    if expired:
        messages.info(request, _("That search has expired; search again."))
    form = TeacherFilterForm(data, actor=actor)
    filters = form.filters()
    page = paginate(request, selectors.teacher_list(actor=actor, filters=filters), per_page=50)
    districts = _district_labels(actor)
    for teacher in page:
        teacher.district_label = districts.get(
            teacher.current_district_name, teacher.current_district_name
        )
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "filtered": bool(set(filters) - {"sort"}),
        "can_export": can(actor, "teacher", "export"),
        "history_exports": HISTORY_EXPORTS,
        "can_create": can(actor, "teacher", "create"),
        "target": RESULTS_TARGET,
        "sort": filters.get("sort", ""),
    }
    partial = bool(htmx) and htmx.target == RESULTS_TARGET and not htmx.history_restore_request
    template = "web/teachers/_results.html" if partial else "web/teachers/list.html"
    context["is_partial"] = partial
    response = render(request, template, context)
    if push_url is not None:
        response["HX-Push-Url"] = push_url
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
def teacher_export(request):
    """The filtered list as xlsx; sensitive columns masked. With ?kind= a history table, that
    table of the listed teachers in the import template's layout (`teacher_export_template`)."""
    actor = request.user
    require(actor, "teacher", "export")
    if request.GET.get("kind") in HISTORY_KINDS:
        return teacher_export_template(request)
    filters = TeacherFilterForm(filter_data(request)[0], actor=actor).filters()
    return export_response(
        request, kind="teachers", fmt="list", filters=filters, note=masked_query(request)
    )


def masked_query(request) -> str:
    """The list's query string for the audit note, with an ID-number search masked."""
    params = filter_data(request)[0]
    params.pop("page", None)
    q = idcard.normalise(params.get("q", ""))
    if len(q) >= 15 and q[:15].isdigit():
        params["q"] = idcard.mask(q)
    elif selectors.search_is_sensitive(q):
        params["q"] = "*" * len(q)
    return params.urlencode()


# --- Detail ------------------------------------------------------------------------------------


# Dates a record must have but that were never given (an import's file left them out): shown
# as missing, never as a date.
_MISSING_DATES = {
    (Employment, "start_date"),
    (TitleRecord, "obtained_on"),
    (EducationRecord, "end_date"),  # with end_date_missing: graduated (else: still studying)
}


def _date_missing(record, name: str) -> bool:
    if getattr(record, name) is not None or (type(record), name) not in _MISSING_DATES:
        return False
    return not isinstance(record, EducationRecord) or record.end_date_missing


def _display(record, name: str):
    """A record field as text for the history tables."""
    field = record._meta.get_field(name)
    value = getattr(record, name)
    if _date_missing(record, name):
        return format_html(
            '<span class="badge text-bg-warning fw-normal" data-missing-date="{}">{}</span>',
            name,
            _("Date missing"),
        )
    if name in ("subjects", "other_subjects"):
        return ", ".join(str(_SUBJECT_LABELS.get(v, v)) for v in value or []) or "—"
    if field.choices and value not in (None, ""):
        return getattr(record, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return value.normalize()
    if value in (None, ""):
        return "—"
    return value


def _table(model, records, columns: list[str], *, actions: tuple[Teacher, str] | None = None):
    """Headers and rows of a history table; `actions` (teacher, kind) adds edit/delete links."""
    rows = []
    for r in records:
        row = {"cells": [_display(r, c) for c in columns]}
        if actions:
            args = [actions[0].pk, actions[1], r.pk]
            row["edit_url"] = reverse("web:teacher_record_edit", args=args)
            row["delete_url"] = reverse("web:teacher_record_delete", args=args)
        rows.append(row)
    return {
        "headers": [model._meta.get_field(c).verbose_name for c in columns],
        "rows": rows,
        "actions": bool(actions),
    }


def _detail_context(request, teacher: Teacher, *, bound: dict | None = None, tab: str = "") -> dict:
    """Everything the detail page shows; `bound` holds forms re-shown with their errors."""
    actor = request.user
    bound = bound or {}
    can_change = can(actor, "teacher", "change")
    groups = []
    for kind, related, label in RECORD_TABS:
        model = services.RECORD_MODELS[kind]
        records = list(getattr(teacher, related).all())
        form = None
        if can_change:
            form = bound.get(kind) or record_form_class(kind)(prefix=kind)
        groups.append(
            {
                "kind": kind,
                "label": label,
                "title": model._meta.verbose_name_plural,
                "count": len(records),
                "table": _table(
                    model,
                    records,
                    services.RECORD_FIELDS[kind],
                    actions=(teacher, kind) if can_change else None,
                ),
                "form": form,
                "open": kind in bound,
            }
        )
    employments = list(teacher.employments.all())
    current = teacher.current_employment
    basic = [
        (Teacher._meta.get_field(f).verbose_name, _display(teacher, f))
        for f in services.BASIC_FIELDS
        if f not in ("name", "email", "address")
    ]
    contact = [
        (Teacher._meta.get_field(f).verbose_name, _display(teacher, f))
        for f in ("email", "address")
    ]
    active = tab or request.GET.get("tab") or "basic"
    valid_tabs = {"basic", "employment"} | {tab[0] for tab in RECORD_TABS}
    return {
        "teacher": teacher,
        "can_see_ethics": can(actor, "ethicsbar", "view"),
        "current": current,
        "title": teacher.current_title,
        "education": teacher.highest_education,
        "completeness": selectors.teacher_completeness(teacher),
        "backbone": selectors.backbone_recognitions(teacher),
        "basic": basic,
        "contact": contact,
        "groups": groups,
        "employment_table": _table(Employment, employments, EMPLOYMENT_COLUMNS),
        "secondments": list(teacher.secondments.select_related("school")),
        "employment_count": len(employments),
        "employment_form": (
            bound.get("employment") or EmploymentChangeForm(actor=actor, prefix="employment")
        )
        if can_change
        else None,
        "employment_open": "employment" in bound,
        "can_change": can_change,
        "can_see_training": can(request.user, "trainingrecord", "view"),
        "can_reveal": can(actor, "teacher", "view_sensitive"),
        "active_tab": active if active in valid_tabs else "basic",
    }


@login_required
def teacher_detail(request, pk: int):
    teacher = _teacher_or_404(request.user, pk)
    return render(request, "web/teachers/detail.html", _detail_context(request, teacher))


@login_required
@require_POST
def teacher_reveal(request, pk: int, field: str):
    """An htmx fragment with the full value; the service writes the access log."""
    if field not in services.SENSITIVE_FIELDS:
        raise Http404
    teacher = _teacher_or_404(request.user, pk)
    try:
        value = services.teacher_reveal(actor=request.user, teacher=teacher, field=field)
    except ApplicationError:
        raise Http404 from None
    return render(request, "web/teachers/_revealed.html", {"value": value, "field": field})


def _detail_url(teacher: Teacher, tab: str = "") -> str:
    url = reverse("web:teacher_detail", args=[teacher.pk])
    return f"{url}?tab={tab}" if tab else url


@login_required
@require_POST
def teacher_record_add(request, pk: int, kind: str):
    if kind not in services.RECORD_MODELS:
        raise Http404
    teacher = _teacher_or_404(request.user, pk, "change")
    form = record_form_class(kind)(request.POST, prefix=kind)
    if form.is_valid():
        try:
            services.teacher_record_add(
                actor=request.user, teacher=teacher, kind=kind, data=form.cleaned_data
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The record was added."))
            return redirect(_detail_url(teacher, kind))
    context = _detail_context(request, teacher, bound={kind: form}, tab=kind)
    return render(request, "web/teachers/detail.html", context)


def _record_or_404(request, pk: int, kind: str, record_pk: int):
    """The teacher (within the actor's scope for changes) and one record of theirs, or 404."""
    if kind not in services.RECORD_MODELS:
        raise Http404
    teacher = _teacher_or_404(request.user, pk, "change")
    record = services.RECORD_MODELS[kind].objects.filter(teacher=teacher, pk=record_pk).first()
    if record is None:
        raise Http404
    return teacher, record


def _record_label(kind: str) -> str:
    return next(str(label) for k, _related, label in RECORD_TABS if k == kind)


def _record_facts(kind: str, record) -> list[tuple[str, object]]:
    return [
        (record._meta.get_field(f).verbose_name, _display(record, f))
        for f in services.RECORD_FIELDS[kind]
    ]


@login_required
def teacher_record_edit(request, pk: int, kind: str, record_pk: int):
    """Correct one history record; the service keeps the old values in the audit log."""
    teacher, record = _record_or_404(request, pk, kind, record_pk)
    form_class = record_form_class(kind)
    initial = {f: getattr(record, f) for f in services.RECORD_FIELDS[kind]}
    form = form_class(request.POST or None, initial=initial)
    version = _posted_version(request, record.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_record_update(
                actor=request.user, record=record, data=form.cleaned_data, version=version
            )
        except EditConflict as exc:
            version = _show_conflict(form, exc)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The record was corrected."))
            return redirect(_detail_url(teacher, kind))
    return render(
        request,
        "web/teachers/record_form.html",
        {
            "teacher": teacher,
            "kind": kind,
            "label": _record_label(kind),
            "form": form,
            "version": version,
        },
    )


@login_required
def teacher_record_delete(request, pk: int, kind: str, record_pk: int):
    """Remove a record entered by mistake, after a confirmation page (GET shows it)."""
    teacher, record = _record_or_404(request, pk, kind, record_pk)
    if request.method == "POST":
        try:
            services.teacher_record_delete(actor=request.user, record=record)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The record was deleted."))
        return redirect(_detail_url(teacher, kind))
    return render(
        request,
        "web/teachers/record_delete.html",
        {
            "teacher": teacher,
            "kind": kind,
            "label": _record_label(kind),
            "facts": _record_facts(kind, record),
        },
    )


@login_required
@require_POST
def teacher_employment_change(request, pk: int):
    teacher = _teacher_or_404(request.user, pk, "change")
    form = EmploymentChangeForm(request.POST, actor=request.user, prefix="employment")
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v is not None}
        try:
            services.employment_change(actor=request.user, teacher=teacher, data=data)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The new employment was recorded."))
            return redirect(_detail_url(teacher, "employment"))
    context = _detail_context(request, teacher, bound={"employment": form}, tab="employment")
    return render(request, "web/teachers/detail.html", context)


@login_required
def teacher_employment_end(request, pk: int):
    """End the current employment, after a confirmation page."""
    teacher = _teacher_or_404(request.user, pk, "change")
    current = teacher.current_employment
    form = EmploymentEndForm(request.POST or None, initial={"end_date": date.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_end(
                actor=request.user,
                teacher=teacher,
                end_date=form.cleaned_data["end_date"],
                reason=form.cleaned_data["end_reason"],
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The employment was ended."))
            return redirect(_detail_url(teacher, "employment"))
    return render(
        request,
        "web/teachers/employment_end.html",
        {"teacher": teacher, "current": current, "form": form},
    )


# --- Create and edit ---------------------------------------------------------------------------


@login_required
def teacher_create(request):
    actor = request.user
    require(actor, "teacher", "create")
    form = TeacherForm(request.POST or None, actor=actor, create=True)
    if request.method == "POST" and form.is_valid():
        try:
            teacher = services.teacher_create(
                actor=actor, data=form.basic_data(), employment=form.employment_data()
            )
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The teacher %(name)s was registered.") % {"name": teacher})
            return redirect(_detail_url(teacher))
    return render(
        request, "web/teachers/form.html", {"form": form, "create": True, **FORM_SECTIONS}
    )


@login_required
def teacher_edit(request, pk: int):
    actor = request.user
    teacher = _teacher_or_404(actor, pk, "change")
    initial = {f: getattr(teacher, f) for f in services.BASIC_FIELDS}
    form = TeacherForm(
        request.POST or None, initial=initial, actor=actor, create=False, teacher=teacher
    )
    version = _posted_version(request, teacher.version)
    if request.method == "POST" and form.is_valid():
        try:
            services.teacher_update(
                actor=actor, teacher=teacher, data=form.basic_data(), version=version
            )
        except EditConflict as exc:
            version = _show_conflict(form, exc)
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return redirect(_detail_url(teacher))
    return render(
        request,
        "web/teachers/form.html",
        {
            "form": form,
            "create": False,
            "teacher": teacher,
            "version": version,
            **FORM_SECTIONS,
        },
    )


def _posted_version(request, current: int) -> int | None:
    """The record version an edit form was loaded with (its hidden `version` field); on GET the
    current one. None (no check) when a POST carries none."""
    if request.method != "POST":
        return current
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _show_conflict(form, exc: EditConflict) -> int:
    """Put an edit conflict on the re-rendered form (the user's values stay in it): the message
    above the form, each field's own and other value next to it. Returns the version the form
    now carries, so that saving again deliberately keeps the user's values."""
    form.add_error(None, exc.message)
    for field, message in exc.fields.items():
        form.add_error(field if field in form.fields else None, message)
    return exc.version


@login_required
def teacher_export_template(request, fmt: str = "template"):
    """The filtered list in the import template's layout (or the national template's), for
    editing and importing back; ?kind=education, titles, employments or recognitions gives that
    history table of the listed teachers instead (one row per record). Full national IDs go
    only to roles that may see them, and the export is written to the access log as one record
    with the teachers exported attached to it."""
    actor = request.user
    if not can(actor, "teacher", "export"):
        raise PermissionDenied
    kind = request.GET.get("kind") or "teachers"
    if kind not in TEMPLATE_EXPORT_KINDS or (fmt == "national" and kind != "teachers"):
        raise Http404
    filters = TeacherFilterForm(filter_data(request)[0], actor=actor).filters()
    return export_response(request, kind=kind, fmt=fmt, filters=filters)


@login_required
def teacher_photo(request, pk: int):
    """The teacher's photo, served only inside the actor's scope (never from a public URL)."""
    try:
        teacher = selectors.teacher_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if not teacher.photo:
        raise Http404
    response = FileResponse(teacher.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def teacher_photo_upload(request, pk: int):
    try:
        teacher = selectors.teacher_get(actor=request.user, pk=pk, action="change")
    except NotFound:
        raise Http404 from None
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("Choose an image file."))
    else:
        try:
            services.teacher_photo_set(actor=request.user, teacher=teacher, upload=upload)
            messages.success(request, _("The photo was saved."))
        except ApplicationError as exc:
            messages.error(request, " ".join(exc.fields.values()) or exc.message)
    return redirect("web:teacher_detail", pk=pk)
