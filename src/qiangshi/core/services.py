"""Writing the audit and access logs. Every service in every area calls `audit_record`."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AccessLog, AccessLogSubject, AuditLog


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """Field values of `obj` as JSON-able data, for before/after comparison."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def audit_record(
    *,
    actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditLog:
    """Write one audit row. `changes` must already have sensitive values masked."""
    row = _audit_row(actor, action, target, object_type, changes, note)
    row.save(force_insert=True)
    return row


def audit_records(
    *, actor, action: str, entries: Iterable[tuple[models.Model, dict[str, Any]]], note: str = ""
) -> None:
    """`audit_record` for many targets of one action at once, (target, changes) each: one
    INSERT per batch instead of one per row."""
    AuditLog.objects.bulk_create(
        [_audit_row(actor, action, target, "", changes, note) for target, changes in entries],
        batch_size=2000,
    )


def _audit_row(actor, action, target, object_type, changes, note) -> AuditLog:
    return AuditLog(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        action=action,
        object_type=object_type or (target._meta.label_lower if target is not None else ""),
        object_id=str(target.pk) if target is not None else "",
        object_repr=str(target)[:255] if target is not None else "",
        changes=changes or {},
        note=note,
    )


def access_record(*, actor, target: models.Model, field: str, channel: str = "web") -> None:
    """Record that `actor` saw `field` of `target` in full."""
    AccessLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        object_repr=str(target)[:255],
        field=field,
        channel=channel,
    )


class ExportAccess:
    """The access record of one export: one `AccessLog` row (channel "export") with the people
    written in full attached as `AccessLogSubject` rows, instead of a row per person and field.

    Call `add` for each batch of people before their values are written; the parent row is
    written with the first batch (so that an export cut short is still on record) and its
    count kept current with each. `fields` are the sensitive fields written in full; a person
    with none of them filled in is not recorded. `note` is the filter, already masked (see
    `imports.exports.filters_note`): it must hold no ID number, phone or pay.
    """

    def __init__(self, *, actor, object_type: str, fields: Iterable[str], what: str, note: str):
        self.actor = actor
        self.object_type = object_type
        self.fields = tuple(fields)
        self.what = what
        self.note = note
        self.row: AccessLog | None = None

    def add(self, people: Iterable[dict[str, Any]]) -> None:
        """`people` are dicts with "pk" and the clear values under the field names."""
        ids = [str(p["pk"]) for p in people if any(p.get(f) for f in self.fields)]
        if not ids:
            return
        if self.row is None:
            actor = self.actor
            self.row = AccessLog.objects.create(
                actor=actor if getattr(actor, "pk", None) else None,
                actor_username=getattr(actor, "username", "") or "system",
                object_type=self.object_type,
                object_id="",
                object_repr=self.what[:255],
                field=",".join(self.fields)[:64],
                channel="export",
                subject_count=0,
                note=self.note[:500],
            )
        AccessLogSubject.objects.bulk_create(
            [AccessLogSubject(access_log=self.row, object_id=i) for i in ids], batch_size=5000
        )
        self.row.subject_count += len(ids)
        self.row.save(update_fields=["subject_count"])
