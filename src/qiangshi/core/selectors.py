"""Reads of the audit and access logs (auditor and administrator only, via scope)."""

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from qiangshi.access.scoping import scope

from .models import AccessLog, AccessLogSubject, AuditLog


def _dated(qs: QuerySet, filters: dict[str, Any]) -> QuerySet:
    for key, lookup in (("date_from", "at__date__gte"), ("date_to", "at__date__lte")):
        value = filters.get(key)
        if value:
            try:
                qs = qs.filter(**{lookup: date.fromisoformat(str(value))})
            except ValueError:
                pass
    return qs


def audit_log_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """filters: q (object or note text), actor (username), action (prefix), object_type,
    object_id, date_from, date_to."""
    filters = filters or {}
    qs = scope(AuditLog.objects.all(), actor, "view")
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(object_repr__icontains=q) | Q(note__icontains=q) | Q(action__icontains=q))
    if who := (filters.get("actor") or "").strip():
        qs = qs.filter(actor_username=who)
    if action := (filters.get("action") or "").strip():
        qs = qs.filter(action__startswith=action)
    if object_type := (filters.get("object_type") or "").strip():
        qs = qs.filter(object_type=object_type)
    if object_id := (filters.get("object_id") or "").strip():
        qs = qs.filter(object_id=object_id)
    return _dated(qs, filters).order_by("-at", "-pk")


def access_log_list(*, actor, filters: dict[str, Any] | None = None) -> QuerySet:
    """filters: actor (username), object_id, field, date_from, date_to.

    `object_id` finds a person's individual views and the exports that included them (an
    export is one row with its people attached, see `AccessLogSubject`); `field` matches an
    export that wrote that field among others.
    """
    filters = filters or {}
    qs = scope(AccessLog.objects.all(), actor, "view")
    if who := (filters.get("actor") or "").strip():
        qs = qs.filter(actor_username=who)
    if object_id := (filters.get("object_id") or "").strip():
        exports = AccessLogSubject.objects.filter(object_id=object_id).values("access_log_id")
        qs = qs.filter(Q(object_id=object_id) | Q(pk__in=exports))
    if field := (filters.get("field") or "").strip():
        qs = qs.filter(
            Q(field=field)
            | Q(field__startswith=f"{field},")
            | Q(field__endswith=f",{field}")
            | Q(field__contains=f",{field},")
        )
    return _dated(qs, filters).order_by("-at", "-pk")


def audit_action_choices() -> list[str]:
    return list(AuditLog.objects.order_by().values_list("action", flat=True).distinct()[:200])
