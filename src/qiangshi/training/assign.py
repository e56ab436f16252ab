"""A school assigns the top recommendation in bulk: for each teacher chosen, the programme the
recommendation engine ranks first (`selectors.recommendations`), previewed with its reason, then
assigned through the enrolment service (`services.enrolment_create`, which keeps the capacity and
the waiting list) once confirmed. The write is audited: each enrolment by the enrolment service,
and the batch as one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, scope
from qiangshi.core.errors import ApplicationError, NotFound, translated
from qiangshi.core.services import audit_record
from qiangshi.org.models import School
from qiangshi.teachers.models import Teacher

from . import selectors, services
from .models import Enrolment, EnrolmentStatus


def school_teachers(*, actor, school: School, filters: dict | None = None) -> QuerySet[Teacher]:
    """The school's current teachers the actor may see; filters: q (name), subject (main)."""
    f = filters or {}
    qs = (
        scope(Teacher.objects.all(), actor, "view")
        .filter(employments__school=school, employments__end_date__isnull=True)
        .distinct()
    )
    if q := (f.get("q") or "").strip():
        qs = qs.filter(name__icontains=q)
    if f.get("subject"):
        qs = qs.filter(
            Q(employments__main_subject=f["subject"]), employments__end_date__isnull=True
        )
    return qs.order_by("name", "pk")


@dataclass
class Proposal:
    teacher: Teacher
    programme: object | None  # the top-ranked programme, None when nothing fits
    recommendation: object | None
    waiting: bool = False  # the programme is full: the enrolment would wait


def proposals(*, actor, teachers, on: date) -> list[Proposal]:
    """The top recommendation of each teacher, as the actor would assign it."""
    out = []
    for teacher in teachers:
        ranked = selectors.recommendations(actor=actor, teacher=teacher, on=on, limit=1)
        if ranked:
            programme, rec = ranked[0]
            out.append(Proposal(teacher, programme, rec, rec.offer.places_left <= 0))
        else:
            out.append(Proposal(teacher, None, None))
    return out


@dataclass
class AssignResult:
    enrolled: list[Enrolment]
    waiting: list[Enrolment]
    refused: list[tuple[int, str]]  # (teacher id, why)


def recommendations_assign(
    *, actor, school: School, pairs: list[tuple[int, int]], today: date
) -> AssignResult:
    """Assign each (teacher id, programme id) of the confirmed preview: one enrolment each
    through `services.enrolment_create` (a place, or the waiting list past the capacity). A pair
    that cannot be assigned (the teacher is already on it, it has ended, …) is refused with the
    reason and the others go ahead. Teachers must be current teachers of `school`."""
    if actor.role == Role.TEACHER or not can(actor, "enrolment", "create"):
        raise PermissionDenied
    if not pairs:
        raise translated(_("Choose at least one teacher."))
    allowed = set(school_teachers(actor=actor, school=school).values_list("pk", flat=True))
    result = AssignResult([], [], [])
    with transaction.atomic():
        for teacher_pk, programme_pk in pairs:
            if teacher_pk not in allowed:
                raise NotFound("Not found")
            try:
                with transaction.atomic():
                    enrolment = services.enrolment_create(
                        actor=actor,
                        programme_pk=programme_pk,
                        teacher_pk=teacher_pk,
                        today=today,
                    )
            except NotFound:
                raise
            except ApplicationError as exc:
                result.refused.append((teacher_pk, exc.message))
                continue
            (
                result.waiting if enrolment.status == EnrolmentStatus.WAITING else result.enrolled
            ).append(enrolment)
        audit_record(
            actor=actor,
            action="training.recommend_assign",
            target=school,
            changes={
                "enrolled": [None, len(result.enrolled)],
                "waiting": [None, len(result.waiting)],
                "refused": [None, len(result.refused)],
            },
            note="top recommendations assigned in bulk",
        )
    return result
