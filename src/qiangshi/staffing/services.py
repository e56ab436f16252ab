"""Writes for staffing: the district's re-allocation of its quota pool (县管校聘).

`quota_allocate` moves posts of quota between the schools of a district and its reserve. The
pool is the sum of the computed quotas of the district's active schools for the year
(`selectors.quota_pool`); while the district has no allocation row for the year, every school's
allocation is its computed quota, and the first move writes one row per school. The moves are
checked by `engines.staffing.reallocate` (positive whole amounts, no school below zero, never
above the pool) and applied all or nothing, each changed school audited (before → after).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.services import audit_record
from qiangshi.engines.staffing import Move, ReallocationError, reallocate
from qiangshi.org.models import Region, RegionLevel, School

from . import selectors
from .models import QuotaAllocation

RESERVE = None  # a move's source or target: the district reserve


def _school_ref(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, School):
        return value.pk
    if isinstance(value, bool):
        raise ValueError(value)
    return int(value)


def _moves(moves: Iterable[Mapping[str, Any] | Move]) -> list[Move]:
    out = []
    for i, m in enumerate(moves):
        if isinstance(m, Move):
            out.append(Move(_school_ref(m.source), _school_ref(m.target), m.amount))
            continue
        try:
            source = _school_ref(m.get("from_school"))
            target = _school_ref(m.get("to_school"))
        except (TypeError, ValueError):
            raise ApplicationError(
                _("The quota could not be moved."),
                fields={f"moves.{i}": _("Choose a school of the district or the reserve.")},
            ) from None
        out.append(Move(source, target, m.get("amount")))
    return out


def _district_to_change(actor, district) -> Region:
    """The district if it is in the actor's scope (NotFound otherwise) and the actor may change
    every one of its active schools (Forbidden otherwise)."""
    region = get_in_scope(
        Region.objects.filter(level=RegionLevel.DISTRICT),
        actor,
        "view",
        pk=getattr(district, "pk", district),
    )
    active = School.objects.filter(district=region, is_active=True)
    if scope(active, actor, "change").count() != active.count():
        raise Forbidden(_("Only the district's office may re-allocate its quota."))
    return region


def _reallocation_message(exc: ReallocationError) -> tuple[str, str]:
    """(field, translated message) for an engine refusal."""
    field = "moves" if exc.index is None else f"moves.{exc.index}"
    messages = {
        "amount": _("The amount must be a positive whole number."),
        "same_school": _("Choose two different places to move quota between."),
        "unknown_school": _("Choose a school of the district or the reserve."),
        "insufficient": _("The school does not hold that much quota."),
        "above_pool": _("The allocations would exceed the district's pool."),
    }
    return field, messages.get(exc.code, str(exc))


def quota_allocate(*, actor, district: Region, year: int, moves) -> dict[str, Any]:
    """Apply `moves` ({from_school, to_school, amount}: school primary keys, None for the district
    reserve) to the district's allocations of `year`; return the new pool (`selectors.quota_pool`).

    The actor must be allowed to change schools and cover every active school of the district
    (the district holds the pool; a school cannot allocate to itself). ApplicationError, with
    nothing changed, for a refused move; NotFound for a district outside the scope.
    """
    if not can(actor, "school", "change"):
        raise Forbidden(_("You may not re-allocate quota."))
    region = _district_to_change(actor, district)
    moves = list(moves or [])
    if not moves:
        raise ApplicationError(
            _("The quota could not be moved."), fields={"moves": _("Give at least one move.")}
        )
    moves = _moves(moves)
    with transaction.atomic():
        # Lock the district's rows for the year (and the district, so two first moves do not
        # both initialise it).
        Region.objects.select_for_update().filter(pk=region.pk).first()
        existing = {
            a.school_id: a
            for a in QuotaAllocation.objects.select_for_update().filter(district=region, year=year)
        }
        pool = selectors.quota_pool(
            region, year, allocations={k: a.quota for k, a in existing.items()}
        )
        schools = pool["schools"]
        in_scope = set(
            scope(School.objects.filter(pk__in=list(schools)), actor, "change").values_list(
                "pk", flat=True
            )
        )
        for i, m in enumerate(moves):
            for ref in (m.source, m.target):
                if ref is not None and ref not in in_scope:
                    raise ApplicationError(
                        _("The quota could not be moved."),
                        fields={f"moves.{i}": _("Choose a school of the district or the reserve.")},
                    )
        before = {pk: s["allocated"] for pk, s in schools.items()}
        try:
            after = reallocate(pool["pool"], before, moves)
        except ReallocationError as exc:
            field, message = _reallocation_message(exc)
            raise ApplicationError(
                _("The quota could not be moved."), fields={field: message}
            ) from None
        for pk, quota in after.items():
            row = existing.get(pk)
            if row is None:
                row = QuotaAllocation.objects.create(
                    district=region, school_id=pk, year=year, quota=quota
                )
                existing[pk] = row
            elif row.quota != quota:
                row.quota = quota
                row.save(update_fields=["quota", "updated_at"])
            if before[pk] != quota:
                audit_record(
                    actor=actor,
                    action="staffing.quota_allocate",
                    target=row,
                    changes={"quota": [before[pk], quota]},
                    note=f"{region.code} {year}: {schools[pk]['code']}",
                )
    return selectors.quota_pool(region, year)


__all__ = ["RESERVE", "quota_allocate"]
