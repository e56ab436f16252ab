"""The audit log (every write) and the access log (every full view of a sensitive value)."""

import json

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qiangshi.access.scoping import can, require, scope
from qiangshi.core import selectors as core_selectors
from qiangshi.imports.models import ImportKind
from qiangshi.web import audit_labels
from qiangshi.web.adminforms import AccessFilterForm, AuditFilterForm
from qiangshi.web.lists import paginate, query_without_page, xlsx_response


def _export_label(what: str) -> str:
    """The name of an export in the access log (its kind, stored as a code) in the UI language."""
    if what == "national":
        return _("Teachers (national template)")
    return str(dict(ImportKind.choices).get(what, what))


# Object types whose records have a page of their own (link from the log to the object).
OBJECT_PAGES = {"teachers.teacher": "web:teacher_detail", "org.school": "web:school_detail"}
RECORD_PAGE_ROWS = 50


def _text(value) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def change_rows(changes, object_type: str = "") -> list[dict]:
    """An audit row's changes as (field, before, after) in the reader's language;
    {field: [before, after]} is the norm, anything else is shown as one value."""
    rows = []
    if not isinstance(changes, dict):
        return [{"field": "", "before": None, "after": _text(changes), "single": True}]
    for key, value in changes.items():
        field, model_field = audit_labels.field_label(object_type, key)
        if isinstance(value, list | tuple) and len(value) == 2:
            before, after = (audit_labels.value_label(model_field, v, key) for v in value)
            rows.append(
                {
                    "field": field,
                    "before": None if before in (None, "") else _text(before),
                    "after": None if after in (None, "") else _text(after),
                }
            )
        else:
            value = audit_labels.value_label(model_field, value, key)
            rows.append({"field": field, "before": None, "after": _text(value), "single": True})
    return rows


def _changes_text(changes, object_type: str = "") -> str:
    parts = []
    for row in change_rows(changes, object_type):
        if row.get("single"):
            parts.append(f"{row['field']}: {row['after']}" if row["field"] else row["after"])
        else:
            parts.append(f"{row['field']}: {row['before'] or '∅'} → {row['after'] or '∅'}")
    return "; ".join(parts)


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None)


@login_required
def audit_log(request):
    require(request.user, "auditlog", "view")
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = paginate(request, core_selectors.audit_log_list(actor=request.user, filters=filters))
    for entry in page.object_list:
        entry.change_rows = change_rows(entry.changes, entry.object_type)
        entry.action_label = audit_labels.action_label(entry.action)
        entry.object_type_label = audit_labels.object_type_label(entry.object_type)
    return render(
        request,
        "web/admin/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": can(request.user, "auditlog", "export"),
            "actions": [
                (a, audit_labels.action_label(a)) for a in core_selectors.audit_action_choices()
            ],
        },
    )


@login_required
def audit_export(request):
    require(request.user, "auditlog", "export")
    form = AuditFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    entries = core_selectors.audit_log_list(actor=request.user, filters=filters)
    header = [
        _("Time"),
        _("Actor"),
        _("Action"),
        _("Action code"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Changes"),
        _("Note"),
    ]
    rows = (
        [
            _local(e.at),
            e.actor_username,
            audit_labels.action_label(e.action),
            e.action,
            audit_labels.object_type_label(e.object_type),
            e.object_id,
            e.object_repr,
            _changes_text(e.changes, e.object_type),
            e.note,
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    return xlsx_response("audit-log", [(str(_("Audit log")), header, rows)])


@login_required
def access_log(request):
    require(request.user, "accesslog", "view")
    form = AccessFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    page = paginate(request, core_selectors.access_log_list(actor=request.user, filters=filters))
    for entry in page.object_list:
        entry.export_label = _export_label(entry.object_repr) if entry.channel == "export" else ""
        entry.field_label = audit_labels.access_fields_label(entry.object_type, entry.field)
        entry.channel_label = audit_labels.channel_label(entry.channel)
        entry.object_type_label = audit_labels.object_type_label(entry.object_type)
    return render(
        request,
        "web/admin/access_log.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": can(request.user, "accesslog", "export"),
        },
    )


@login_required
def access_export(request):
    require(request.user, "accesslog", "export")
    form = AccessFilterForm(request.GET or None)
    filters = form.filters() if request.GET else {}
    entries = core_selectors.access_log_list(actor=request.user, filters=filters)
    header = [
        _("Time"),
        _("Viewer"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Field"),
        _("Channel"),
        _("People"),
        _("Filter"),
    ]
    rows = (
        [
            _local(e.at),
            e.actor_username,
            e.object_type,
            e.object_id,
            e.object_repr,
            e.field,
            e.channel,
            e.subject_count,
            e.note,
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    return xlsx_response("access-log", [(str(_("Access log")), header, rows)])


@login_required
def audit_record(request, object_type: str, object_id: str):
    """What the logs hold about one record, for a reader of the logs who may not open the record
    itself (an auditor): its name as last recorded, every audit row and every view or export of
    it; and a link to the record's own page when the reader may open it."""
    may_audit = can(request.user, "auditlog", "view")
    may_access = can(request.user, "accesslog", "view")
    if not (may_audit or may_access):
        raise PermissionDenied
    filters = {"object_type": object_type, "object_id": object_id}
    audit_rows = core_selectors.audit_log_list(actor=request.user, filters=filters)
    access_rows = (
        core_selectors.access_log_list(actor=request.user, filters={"object_id": object_id})
        if may_access and object_type == "teachers.teacher"
        else None
    )
    latest = (
        audit_rows.exclude(object_repr="").values_list("object_repr", flat=True).first()
        if may_audit
        else None
    )
    audit_page = paginate(request, audit_rows if may_audit else audit_rows.none(), per_page=25)
    for entry in audit_page.object_list:
        entry.change_rows = change_rows(entry.changes, entry.object_type)
        entry.action_label = audit_labels.action_label(entry.action)
    access_list = list(access_rows[:RECORD_PAGE_ROWS]) if access_rows is not None else []
    for entry in access_list:
        entry.export_label = _export_label(entry.object_repr) if entry.channel == "export" else ""
        entry.field_label = audit_labels.access_fields_label(entry.object_type, entry.field)
        entry.channel_label = audit_labels.channel_label(entry.channel)
    return render(
        request,
        "web/admin/audit_record.html",
        {
            "object_type_label": audit_labels.object_type_label(object_type),
            "object_id": object_id,
            "name": latest or (access_list[0].object_repr if access_list else ""),
            "record_url": _record_url(request.user, object_type, object_id),
            "page": audit_page,
            "query": "",
            "access_rows": access_list,
            "access_total": access_rows.count() if access_rows is not None else 0,
            "access_url": reverse("web:access_log") + f"?object_id={object_id}",
        },
    )


def _record_url(user, object_type: str, object_id: str) -> str:
    """The record's own page, if it exists and lies in what `user` may open."""
    name = OBJECT_PAGES.get(object_type)
    if not name or not object_id.isdigit():
        return ""
    model = apps.get_model(object_type)
    if not scope(model.objects.filter(pk=int(object_id)), user, "view").exists():
        return ""
    return reverse(name, args=[int(object_id)])
