"""Writes for training: programmes, enrolment (with capacity and a waiting list), and the
school's confirmation of a completion, which credits the programme's hours to the teacher's
training record. Each write is audited."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound, bilingual, translated
from qiangshi.core.services import audit_record
from qiangshi.org.models import Region, School, Stage
from qiangshi.teachers.models import Subject, Teacher

from . import literacy
from .importing import hours_problem
from .models import (
    PLACE_HOLDING,
    Attendance,
    ClaimStatus,
    DeliveryMode,
    Enrolment,
    EnrolmentStatus,
    HoursClaim,
    LiteracyAssessment,
    Programme,
    ProgrammeLevel,
    RecordSource,
    ReminderKind,
    Session,
    TargetGroup,
    TrainingBudget,
    TrainingCategory,
    TrainingRecord,
    TrainingReminder,
    TrainingSpend,
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
            hours = _hours_after_attendance(enrolment, today)
            record = TrainingRecord.objects.create(
                teacher=enrolment.teacher,
                date=min(programme.ends_on, today),
                hours=hours,
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


# --- Sessions and attendance ------------------------------------------------------------------


def _programme_to_change(actor, programme_pk) -> Programme:
    """A programme the actor's office runs (its region is in the actor's area), locked."""
    if not can(actor, "programme", "change"):
        raise PermissionDenied
    get_in_scope(Programme.objects.all(), actor, "view", pk=programme_pk)
    programme = Programme.objects.select_for_update().get(pk=programme_pk)
    area = getattr(getattr(actor, "region", None), "path", None)
    if actor.role != Role.ADMIN and (area is None or not programme.region.path.startswith(area)):
        raise Forbidden(_("Only the office that runs the programme may change it."))
    return programme


@transaction.atomic
def session_create(
    *,
    actor,
    programme_pk,
    date: date,
    starts_at: time,
    ends_at: time,
    hours: Decimal,
    place: str = "",
    link: str = "",
) -> Session:
    """A session of a programme, within its dates, at a place or a link (or both)."""
    programme = _programme_to_change(actor, programme_pk)
    if not programme.starts_on <= date <= programme.ends_on:
        raise _error(
            _("A session falls within the programme's dates (%(start)s to %(end)s)."),
            "date",
            start=programme.starts_on.isoformat(),
            end=programme.ends_on.isoformat(),
        )
    if ends_at <= starts_at:
        raise _error(_("The session ends before it starts."), "ends_at")
    if hours is None or hours <= 0 or hours != hours.quantize(Decimal("0.1")) or hours > 24:
        raise _error(_("Give the session's hours: more than 0, at most 24, one decimal."), "hours")
    place, link = (place or "").strip()[:200], (link or "").strip()
    if not place and not link:
        raise _error(_("Give a place or a link."), "place")
    if link and not link.startswith(("https://", "http://")):
        raise _error(_("A link starts with https:// or http://."), "link")
    session = Session.objects.create(
        programme=programme,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=hours,
        place=place,
        link=link[:500],
    )
    audit_record(
        actor=actor,
        action="training.session_create",
        target=session,
        changes={"date": [None, date.isoformat()], "hours": [None, str(hours)]},
    )
    return session


@transaction.atomic
def session_delete(*, actor, session_pk) -> None:
    """Remove a session nobody's attendance was marked for."""
    session = get_in_scope(Session.objects.all(), actor, "view", pk=session_pk)
    _programme_to_change(actor, session.programme_id)
    if session.attendance.exists():
        raise _error(_("Attendance was marked for this session: it cannot be removed."))
    audit_record(
        actor=actor,
        action="training.session_delete",
        target=session,
        changes={"date": [session.date.isoformat(), None]},
    )
    session.delete()


@transaction.atomic
def programme_credit_by_attendance_set(*, actor, programme_pk, by_attendance: bool) -> Programme:
    """Whether a completion credits the programme's hours in proportion to attendance."""
    programme = _programme_to_change(actor, programme_pk)
    if programme.credit_by_attendance != bool(by_attendance):
        audit_record(
            actor=actor,
            action="training.attendance_rule",
            target=programme,
            changes={"credit_by_attendance": [programme.credit_by_attendance, bool(by_attendance)]},
        )
        programme.credit_by_attendance = bool(by_attendance)
        programme.save(update_fields=["credit_by_attendance", "updated_at"])
    return programme


@transaction.atomic
def attendance_mark(
    *, actor, session_pk, marks: dict[int, bool | None], today: date | None = None
) -> int:
    """The school (for its teachers) or the organiser marks who attended a session that has
    taken place: {enrolment id: present (True/False), or None to clear a mark}. Only enrolments
    still in progress are marked; all or none. Returns the number of marks changed."""
    if not can(actor, "attendance", "create"):
        raise PermissionDenied
    today = today or timezone.localdate()
    session = get_in_scope(
        Session.objects.select_related("programme"), actor, "view", pk=session_pk
    )
    if session.date > today:
        raise _error(_("This session has not taken place yet."))
    pks = sorted({int(pk) for pk in marks})
    visible = scope(Enrolment.objects.all(), actor, "view").filter(pk__in=pks).values("pk")
    rows = {
        e.pk: e
        for e in Enrolment.objects.filter(pk__in=visible, programme_id=session.programme_id)
        .select_related("teacher")
        .select_for_update()
    }
    if len(rows) != len(pks):
        raise NotFound("Not found")
    existing = {a.enrolment_id: a for a in session.attendance.filter(enrolment_id__in=pks)}
    changed = 0
    summary: dict[str, list] = {}
    for pk in pks:
        enrolment, present = rows[pk], marks[pk]
        if enrolment.status != EnrolmentStatus.ENROLLED:
            raise _error(
                _("%(name)s's enrolment is not in progress: attendance cannot be changed."),
                name=enrolment.teacher.name,
            )
        mark = existing.get(pk)
        before = None if mark is None else mark.present
        if before == present:
            continue
        if present is None:
            mark.delete()
        elif mark is None:
            Attendance.objects.create(
                session=session,
                enrolment=enrolment,
                teacher=enrolment.teacher,
                present=bool(present),
                marked_by=actor,
            )
        else:
            mark.present, mark.marked_by = bool(present), actor
            mark.save(update_fields=["present", "marked_by", "updated_at"])
        summary[enrolment.teacher.name] = [before, present]
        changed += 1
    if changed:
        audit_record(
            actor=actor, action="training.attendance_mark", target=session, changes=summary
        )
    return changed


def _hours_after_attendance(enrolment: Enrolment, today: date) -> Decimal:
    """The hours a completion credits. With sessions: every session must be marked and the
    attended share reach the rule file's minimum; the hours follow the share when the
    programme says so."""
    from qiangshi.engines import attendance as engine

    from .rules import rules_on

    programme = enrolment.programme
    sessions = list(programme.sessions.all())
    if not sessions:
        return programme.hours
    marks = dict(enrolment.attendance.values_list("session_id", "present"))
    att = engine.attendance(engine.Mark(s.hours, marks.get(s.pk)) for s in sessions)
    if att.unmarked:
        raise _error(
            _("Attendance of %(name)s is not marked for %(n)d sessions of %(programme)s."),
            name=enrolment.teacher.name,
            n=att.unmarked,
            programme=programme.title,
        )
    minimum = Decimal(str(rules_on(today).get("min_attendance_share", 0)))
    if not att.meets(minimum):
        raise _error(
            _(
                "%(name)s attended %(share)s%% of the session hours of %(programme)s; "
                "a completion needs at least %(minimum)s%%."
            ),
            name=enrolment.teacher.name,
            share=f"{att.share * 100:.0f}",
            programme=programme.title,
            minimum=f"{minimum * 100:.0f}",
        )
    return engine.credited_hours(programme.hours, att, by_attendance=programme.credit_by_attendance)


# --- Hours entered by the teacher, approved by the school --------------------------------------


def _check_evidence(upload) -> None:
    """A certificate is a scan or photo (PDF, JPEG, PNG), at most 10 MB, like other evidence."""
    import os

    from qiangshi.teachers.services import EVIDENCE_MAX_BYTES, EVIDENCE_TYPES

    if upload is None:
        raise _error(_("Attach the certificate (PDF, JPEG or PNG)."), "evidence")
    if os.path.splitext(getattr(upload, "name", "") or "")[1].lower() not in EVIDENCE_TYPES:
        raise _error(_("Upload a PDF, JPEG or PNG file."), "evidence")
    if (getattr(upload, "size", 0) or 0) > EVIDENCE_MAX_BYTES:
        raise _error(_("The file is larger than 10 MB."), "evidence")


@transaction.atomic
def hours_claim_submit(
    *,
    actor,
    date: date,
    hours: Decimal,
    category: str,
    title: str,
    evidence,
    provider: str = "",
    comment: str = "",
    today: date | None = None,
) -> HoursClaim:
    """A teacher enters training hours of their own with the certificate; the claim waits for
    their school's review (in the school's inbox)."""
    from qiangshi.workflow import services as workflow

    from .importing import hours_problem
    from .workflow import CLAIM_PROCESS

    teacher = getattr(actor, "teacher_profile", None)
    if actor.role != Role.TEACHER or teacher is None or not can(actor, "hoursclaim", "create"):
        raise Forbidden(_("Only a teacher may enter hours of their own."))
    today = today or timezone.localdate()
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise _error(_("Name the training in at most 200 characters."), "title")
    if category not in TrainingCategory.values:
        raise _error(_("Choose one of the listed values."), "category")
    if date is None or date > today:
        raise _error(_("The training's date cannot be in the future."), "date")
    if hours is None:
        raise _error(_("Enter a number."), "hours")
    if bad := hours_problem(Decimal(hours), date):
        raise bilingual(bad[1], bad[0], fields={"hours": bad[1]})
    _check_evidence(evidence)
    claim = HoursClaim(
        teacher=teacher,
        date=date,
        hours=hours,
        category=category,
        title=title,
        provider=(provider or "").strip()[:200],
        comment=(comment or "").strip(),
        submitted_by=actor,
    )
    claim.evidence = evidence
    claim.save()
    workflow.work_start(actor=actor, process=CLAIM_PROCESS, object_id=claim.pk, today=today)
    audit_record(
        actor=actor,
        action="training.claim_submit",
        target=claim,
        changes={"hours": [None, str(hours)], "title": [None, title]},
    )
    return claim


def _pending_claim(actor, claim_pk) -> HoursClaim:
    if not can(actor, "hoursclaim", "review"):
        raise PermissionDenied
    claim = get_in_scope(HoursClaim.objects.select_for_update(), actor, "review", pk=claim_pk)
    if claim.status != ClaimStatus.PENDING:
        raise _error(_("These hours have already been reviewed."))
    return claim


def _claim_step(actor, claim: HoursClaim, step: str, comment: str = "") -> None:
    from qiangshi.workflow import services as workflow
    from qiangshi.workflow.selectors import item_for

    from .workflow import CLAIM_PROCESS

    item = item_for(CLAIM_PROCESS, claim.pk)
    workflow.work_advance(actor=actor, item=item, transition=step, comment=comment)


@transaction.atomic
def hours_claim_approve(*, actor, claim_pk) -> HoursClaim:
    """The school approves: the hours go on the teacher's record (source: entered by the
    teacher)."""
    claim = _pending_claim(actor, claim_pk)
    _claim_step(actor, claim, "approve")
    claim.record = TrainingRecord.objects.create(
        teacher=claim.teacher,
        date=claim.date,
        hours=claim.hours,
        category=claim.category,
        title=claim.title,
        provider=claim.provider,
        source=RecordSource.SELF_REPORTED,
        created_by=actor,
    )
    claim.status = ClaimStatus.APPROVED
    claim.reviewed_by, claim.reviewed_at = actor, timezone.now()
    claim.save(update_fields=["record", "status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action="training.claim_approve",
        target=claim,
        changes={"status": [ClaimStatus.PENDING, ClaimStatus.APPROVED]},
    )
    return claim


@transaction.atomic
def hours_claim_return(*, actor, claim_pk, reason: str) -> HoursClaim:
    """The school rejects the hours, with the reason the teacher will read."""
    claim = _pending_claim(actor, claim_pk)
    reason = (reason or "").strip()
    if not reason:
        raise _error(_("Give a reason."), "reason")
    _claim_step(actor, claim, "return", reason)
    claim.status = ClaimStatus.RETURNED
    claim.review_reason = reason
    claim.reviewed_by, claim.reviewed_at = actor, timezone.now()
    claim.save(
        update_fields=["status", "review_reason", "reviewed_by", "reviewed_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="training.claim_return",
        target=claim,
        changes={"status": [ClaimStatus.PENDING, ClaimStatus.RETURNED], "reason": [None, reason]},
    )
    return claim


@transaction.atomic
def hours_claim_withdraw(*, actor, claim_pk) -> HoursClaim:
    """The teacher withdraws hours of their own while they wait for the school's review: the
    claim leaves the school's inbox and nothing goes on the record."""
    teacher = getattr(actor, "teacher_profile", None)
    if actor.role != Role.TEACHER or teacher is None or not can(actor, "hoursclaim", "create"):
        raise Forbidden(_("Only the teacher who entered the hours may withdraw them."))
    claim = get_in_scope(HoursClaim.objects.select_for_update(), actor, "view", pk=claim_pk)
    if claim.teacher_id != teacher.pk:  # scope already limits a teacher to their own
        raise NotFound("Not found")
    if claim.status != ClaimStatus.PENDING:
        raise _error(_("Only hours awaiting the school's review can be withdrawn."))
    _claim_step(actor, claim, "withdraw")
    claim.status = ClaimStatus.WITHDRAWN
    claim.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="training.claim_withdraw",
        target=claim,
        changes={"status": [ClaimStatus.PENDING, ClaimStatus.WITHDRAWN]},
    )
    return claim


# --- Training spend against the public budget ---------------------------------------------------


def _school_for_budget(actor, school_pk) -> School:
    if not can(actor, "trainingbudget", "create"):
        raise PermissionDenied
    return get_in_scope(School.objects.all(), actor, "view", pk=school_pk)


def _year(year) -> int:
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise _error(_("Enter a year between 2000 and 2100."), "year")
    return year


def _money(value, field: str) -> Decimal:
    if (
        value is None
        or not Decimal(value).is_finite()
        or value <= 0
        or value != Decimal(value).quantize(Decimal("0.01"))
        or value >= Decimal("1e12")
    ):
        raise _error(_("Enter an amount in yuan, more than 0, at most two decimals."), field)
    return Decimal(value)


@transaction.atomic
def training_budget_set(*, actor, school_pk, year: int, public_budget: Decimal) -> TrainingBudget:
    """Enter (or correct) a school's public-funds budget of a year."""
    school = _school_for_budget(actor, school_pk)
    year, amount = _year(year), _money(public_budget, "public_budget")
    budget = TrainingBudget.objects.select_for_update().filter(school=school, year=year).first()
    before = None if budget is None else str(budget.public_budget)
    if budget is None:
        budget = TrainingBudget(school=school, year=year)
    budget.public_budget, budget.entered_by = amount, actor
    budget.save()
    audit_record(
        actor=actor,
        action="training.budget_set",
        target=budget,
        changes={"public_budget": [before, str(amount)], "year": [None, year]},
    )
    return budget


@transaction.atomic
def training_spend_add(
    *,
    actor,
    school_pk,
    year: int,
    amount: Decimal,
    programme_pk=None,
    description: str = "",
) -> TrainingSpend:
    """Record money the school spent on training in a year: a programme's cost for its teachers
    or a total from its accounts (described)."""
    school = _school_for_budget(actor, school_pk)
    year, amount = _year(year), _money(amount, "amount")
    programme = None
    if programme_pk:
        programme = get_in_scope(Programme.objects.all(), actor, "view", pk=programme_pk)
    description = (description or "").strip()[:200]
    if programme is None and not description:
        raise _error(_("Choose the programme or describe the spend."), "description")
    spend = TrainingSpend.objects.create(
        school=school,
        year=year,
        amount=amount,
        programme=programme,
        description=description,
        entered_by=actor,
    )
    audit_record(
        actor=actor,
        action="training.spend_add",
        target=spend,
        changes={"amount": [None, str(amount)], "year": [None, year]},
    )
    return spend


@transaction.atomic
def training_spend_delete(*, actor, spend_pk) -> None:
    if not can(actor, "trainingbudget", "create"):
        raise PermissionDenied
    spend = get_in_scope(TrainingSpend.objects.all(), actor, "view", pk=spend_pk)
    audit_record(
        actor=actor,
        action="training.spend_delete",
        target=spend,
        changes={"amount": [str(spend.amount), None], "year": [spend.year, None]},
    )
    spend.delete()


# --- Reminders ----------------------------------------------------------------------------------


@transaction.atomic
def reminder_send(*, actor, teacher_pk, kind: str, today: date | None = None) -> TrainingReminder:
    """Remind a teacher who is behind (at risk on the cycle, or short of the induction): the
    reminder waits in their inbox until they acknowledge it. One open reminder of a kind at a
    time."""
    from qiangshi.workflow import services as workflow

    from .selectors import teacher_cycle
    from .workflow import REMINDER_PROCESS

    if not can(actor, "trainingreminder", "create"):
        raise PermissionDenied
    today = today or timezone.localdate()
    teacher = get_in_scope(Teacher.objects.select_for_update(), actor, "view", pk=teacher_pk)
    cycle = teacher_cycle(teacher=teacher, on=today)
    if kind == ReminderKind.CYCLE:
        behind = cycle.status.at_risk
        shortfall = cycle.status.shortfall
    elif kind == ReminderKind.INDUCTION:
        behind = cycle.induction is not None and not cycle.induction.complete
        shortfall = cycle.induction.shortfall if behind else Decimal(0)
    else:
        raise _error(_("Choose one of the listed values."), "kind")
    if not behind:
        raise _error(_("%(name)s is not behind: no reminder is needed."), name=teacher.name)
    if teacher.training_reminders.filter(kind=kind, acknowledged_at__isnull=True).exists():
        raise _error(
            _("%(name)s has not yet acknowledged the last reminder of this kind."),
            name=teacher.name,
        )
    reminder = TrainingReminder.objects.create(
        teacher=teacher, kind=kind, shortfall=shortfall, sent_by=actor
    )
    workflow.work_start(actor=actor, process=REMINDER_PROCESS, object_id=reminder.pk, today=today)
    audit_record(
        actor=actor,
        action="training.reminder_send",
        target=reminder,
        changes={"kind": [None, kind], "shortfall": [None, str(shortfall)]},
    )
    return reminder


@transaction.atomic
def reminder_acknowledge(*, actor, reminder_pk) -> TrainingReminder:
    """The teacher acknowledges a reminder: it leaves their inbox."""
    from qiangshi.workflow import services as workflow
    from qiangshi.workflow.selectors import item_for

    from .workflow import REMINDER_PROCESS

    if actor.role != Role.TEACHER or not can(actor, "trainingreminder", "change"):
        raise PermissionDenied
    reminder = get_in_scope(
        TrainingReminder.objects.select_for_update(), actor, "view", pk=reminder_pk
    )
    if reminder.acknowledged_at is not None:
        return reminder
    workflow.work_advance(
        actor=actor, item=item_for(REMINDER_PROCESS, reminder.pk), transition="acknowledge"
    )
    reminder.acknowledged_at = timezone.now()
    reminder.save(update_fields=["acknowledged_at", "updated_at"])
    audit_record(
        actor=actor,
        action="training.reminder_acknowledge",
        target=reminder,
        changes={"acknowledged_at": [None, reminder.acknowledged_at.isoformat()]},
    )
    return reminder
