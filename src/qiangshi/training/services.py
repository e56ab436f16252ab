"""Writes for training: programmes, enrolment (with capacity and a waiting list), and the
school's confirmation of a completion, which credits the programme's hours to the teacher's
training record. Each write is audited."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import ApplicationError, NotFound, translated
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region, Stage
from qiangshi.teachers.models import Subject, Teacher

from . import literacy
from .importing import hours_problem
from .models import (
    PLACE_HOLDING,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
    LiteracyAssessment,
    Programme,
    ProgrammeLevel,
    RecordSource,
    TargetGroup,
    TrainingCategory,
    TrainingRecord,
)


def _error(message, field: str | None = None, **params) -> ApplicationError:
    return translated(
        message,
        params or None,
        fields={field: message % params if params else message} if field else None,
    )


@transaction.atomic
def programme_create(
    *,
    actor,
    title: str,
    level: str,
    provider: str,
    hours: Decimal,
    category: str,
    capacity: int,
    starts_on: date,
    ends_on: date,
    mode: str,
    subject: str = "",
    stage: str = "",
    target_groups: list[str] | None = None,
    description: str = "",
    region: Region | None = None,
    covers: list[str] | None = None,
) -> Programme:
    """A programme organised by the actor's office (its region; the administrator names one)."""
    if not can(actor, "programme", "create"):
        raise PermissionDenied
    region = region or getattr(actor, "region", None)
    if region is None or not scope(Region.objects.filter(pk=region.pk), actor, "view").exists():
        raise _error(_("Choose a region in your area."), "region")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise _error(_("Give the programme a title of at most 200 characters."), "title")
    checks = [
        (level, ProgrammeLevel.values, "level"),
        (category, TrainingCategory.values, "category"),
        (mode, DeliveryMode.values, "mode"),
    ]
    for value, allowed, name in checks:
        if value not in allowed:
            raise _error(_("Choose one of the listed values."), name)
    for value, allowed, name in (
        (subject, Subject.values, "subject"),
        (stage, Stage.values, "stage"),
    ):
        if value and value not in allowed:
            raise _error(_("Choose one of the listed values."), name)
    groups = list(dict.fromkeys(target_groups or []))
    if any(g not in TargetGroup.values for g in groups):
        raise _error(_("Choose one of the listed values."), "target_groups")
    if bad := hours_problem(Decimal(hours), starts_on):
        raise translated(bad[1], fields={"hours": bad[1]})
    covers = list(dict.fromkeys(covers or []))
    if any(c not in literacy.indicators() for c in covers):
        raise _error(_("Choose one of the listed values."), "covers")
    if capacity is None or capacity < 1:
        raise _error(_("The capacity must be at least one place."), "capacity")
    if ends_on < starts_on:
        raise _error(_("The programme ends before it starts."), "ends_on")
    programme = Programme.objects.create(
        title=title,
        level=level,
        provider=(provider or "").strip()[:200],
        region=region,
        hours=hours,
        category=category,
        subject=subject or "",
        stage=stage or "",
        target_groups=groups,
        capacity=capacity,
        starts_on=starts_on,
        ends_on=ends_on,
        mode=mode,
        description=description or "",
        covers=covers,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="training.programme_create",
        target=programme,
        changes={"title": [None, title], "hours": [None, str(hours)], "capacity": [None, capacity]},
    )
    return programme


def _teacher_for(actor, teacher_pk) -> Teacher:
    if actor.role == Role.TEACHER:
        own = getattr(actor, "teacher_profile", None)
        if own is None or (teacher_pk is not None and int(teacher_pk) != own.pk):
            raise NotFound("Not found")
        return own
    if teacher_pk is None:
        raise _error(_("Choose a teacher."), "teacher")
    return get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)


@transaction.atomic
def enrolment_create(
    *, actor, programme_pk, teacher_pk=None, today: date | None = None
) -> Enrolment:
    """Enrol a teacher on a programme: the teacher themselves, or assigned by their school or
    an office. A place while the capacity lasts; past it, the waiting list."""
    if not can(actor, "enrolment", "create"):
        raise PermissionDenied
    today = today or timezone.localdate()
    teacher = _teacher_for(actor, teacher_pk)
    # The programme must be one the actor sees and, for an assignment, one offered where the
    # teacher works (a programme of the teacher's own area).
    get_in_scope(Programme.objects.all(), actor, "view", pk=programme_pk)
    programme = Programme.objects.select_for_update().get(pk=programme_pk)
    school = teacher.current_school
    if (
        school is None
        or not programme.region.path
        or not school.district.path.startswith(programme.region.path)
    ):
        raise _error(_("This programme is not offered where the teacher works."))
    if programme.ends_on < today:
        raise _error(_("This programme has ended: enrolment is closed."))
    taken = programme.enrolments.filter(status__in=PLACE_HOLDING).count()
    status = EnrolmentStatus.ENROLLED if taken < programme.capacity else EnrolmentStatus.WAITING
    existing = Enrolment.objects.filter(programme=programme, teacher=teacher).first()
    if existing is not None and existing.status != EnrolmentStatus.WITHDRAWN:
        raise _error(_("This teacher is already enrolled on this programme."))
    assigned_by = None if actor.role == Role.TEACHER else actor
    try:
        with transaction.atomic():
            if existing is not None:  # enrolling again after withdrawing
                existing.status, existing.assigned_by = status, assigned_by
                existing.created_at = timezone.now()  # back of the queue
                existing.save(update_fields=["status", "assigned_by", "created_at", "updated_at"])
                enrolment = existing
            else:
                enrolment = Enrolment.objects.create(
                    programme=programme, teacher=teacher, status=status, assigned_by=assigned_by
                )
    except IntegrityError:
        raise _error(_("This teacher is already enrolled on this programme.")) from None
    audit_record(
        actor=actor,
        action="training.enrol" if assigned_by is None else "training.assign",
        target=enrolment,
        changes={"status": [None, status], "programme": [None, programme.title]},
    )
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, actor, enrolment_pk) -> Enrolment:
    """Withdraw an enrolment (the teacher, their school or an office); a place it held goes
    to the first on the waiting list."""
    enrolment = get_in_scope(Enrolment.objects.all(), actor, "view", pk=enrolment_pk)
    if not can(actor, "enrolment", "create"):
        raise PermissionDenied
    programme = Programme.objects.select_for_update().get(pk=enrolment.programme_id)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING):
        raise _error(_("Only an enrolment in progress can be withdrawn."))
    held = enrolment.status == EnrolmentStatus.ENROLLED
    before = enrolment.status
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="training.withdraw",
        target=enrolment,
        changes={"status": [before, EnrolmentStatus.WITHDRAWN]},
    )
    if held:
        first = (
            programme.enrolments.filter(status=EnrolmentStatus.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if first is not None:
            first.status = EnrolmentStatus.ENROLLED
            first.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                action="training.promote",
                target=first,
                changes={"status": [EnrolmentStatus.WAITING, EnrolmentStatus.ENROLLED]},
                note="a place was freed",
            )
    return enrolment


@transaction.atomic
def enrolments_confirm(
    *, actor, enrolment_pks: list[int], completed: bool, today: date | None = None
) -> int:
    """The school confirms that its teachers completed a programme (or did not). A completion
    credits the programme's hours to the teacher's training record, dated the programme's last
    day (or today, if that is earlier). All or none: one enrolment that cannot be confirmed
    refuses the lot. Returns the number confirmed."""
    if not can(actor, "enrolment", "review"):
        raise PermissionDenied
    today = today or timezone.localdate()
    pks = sorted({int(pk) for pk in enrolment_pks})
    if not pks:
        raise _error(_("Choose at least one enrolment."))
    in_scope = scope(Enrolment.objects.all(), actor, "review").filter(pk__in=pks).values("pk")
    # Locked, so that two confirmations of one enrolment cannot both credit its hours.
    rows = list(
        Enrolment.objects.filter(pk__in=in_scope)
        .select_for_update()
        .select_related("programme", "teacher")
        .order_by("pk")
    )
    if len(rows) != len(pks):
        raise NotFound("Not found")
    new_status = EnrolmentStatus.COMPLETED if completed else EnrolmentStatus.NOT_COMPLETED
    for enrolment in rows:
        programme = enrolment.programme
        if enrolment.status != EnrolmentStatus.ENROLLED:
            raise _error(
                _("%(name)s is not enrolled on %(programme)s (or it is already confirmed)."),
                name=enrolment.teacher.name,
                programme=programme.title,
            )
        if programme.starts_on > today:
            raise _error(_("%(programme)s has not started yet."), programme=programme.title)
        enrolment.status = new_status
        enrolment.confirmed_by = actor
        enrolment.confirmed_at = timezone.now()
        enrolment.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
        changes = {"status": [EnrolmentStatus.ENROLLED, new_status]}
        if completed:
            record = TrainingRecord.objects.create(
                teacher=enrolment.teacher,
                date=min(programme.ends_on, today),
                hours=programme.hours,
                category=programme.category,
                title=programme.title,
                provider=programme.provider,
                source=RecordSource.PROGRAMME,
                enrolment=enrolment,
                created_by=actor,
            )
            changes["hours credited"] = [None, str(record.hours)]
        audit_record(actor=actor, action="training.confirm", target=enrolment, changes=changes)
    return len(pks)


@transaction.atomic
def literacy_answers_save(*, actor, answers: dict[str, str], year: int) -> LiteracyAssessment:
    """A teacher saves answers of their own self-assessment for `year` (each a whole number on
    the framework's scale; an empty answer clears it). Answers not given are kept."""
    if actor.role != Role.TEACHER or not can(actor, "literacyassessment", "create"):
        raise PermissionDenied
    teacher = getattr(actor, "teacher_profile", None)
    if teacher is None:
        raise NotFound("Not found")
    low, high = literacy.scale()
    known = literacy.question_codes()
    version = literacy.framework()["version"]
    assessment, _created = LiteracyAssessment.objects.select_for_update().get_or_create(
        teacher=teacher, framework_version=version, year=year
    )
    before = dict(assessment.answers)
    for code, value in answers.items():
        if code not in known:
            continue
        if value in ("", None):
            assessment.answers.pop(code, None)
            continue
        if not str(value).isdigit() or not low <= int(value) <= high:
            raise _error(_("Answer each question on the scale shown."), code)
        assessment.answers[code] = int(value)
    if assessment.answers != before:
        assessment.save(update_fields=["answers", "updated_at"])
        audit_record(
            actor=actor,
            action="training.literacy_save",
            target=assessment,
            changes={
                code: [before.get(code), assessment.answers.get(code)]
                for code in sorted(set(before) | set(assessment.answers))
                if before.get(code) != assessment.answers.get(code)
            },
        )
    return assessment
