"""Writes for talent and partnerships: recruitment plans, targets and hires; olympiad results
and their rewards; partnerships, the people sent and received, activities and the training
hours they credit; teacher perks and their take-up. Each validates, runs in one transaction and
is audited.

Offices (bureau, district) write the records of their own region and below; a record of a region
above theirs they may read, not change (403). Schools record hires, olympiad results and perk
take-up for themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import get_in_scope, require, scope
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound, translated
from qiangshi.core.services import audit_record, diff, snapshot
from qiangshi.engines import talent as engine
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Subject, Teacher
from qiangshi.training.models import RecordSource, TrainingRecord

from . import rules
from .models import (
    ActivityKind,
    ActivityParticipant,
    ActivityStatus,
    Direction,
    Exchange,
    Hire,
    HireStatus,
    Olympiad,
    OlympiadLevel,
    OlympiadResult,
    Partnership,
    PartnershipActivity,
    PartnershipKind,
    Perk,
    PerkUptake,
    RecruitmentCategory,
    RecruitmentPlan,
    RecruitmentTarget,
)
from .selectors import office_covers


def _error(message, field: str | None = None, **params) -> ApplicationError:
    return translated(
        message,
        params or None,
        fields={field: message % params if params else message} if field else None,
    )


def _fields_error(errors: dict) -> ApplicationError:
    """One error carrying every field's message (lazy messages, rendered in the active
    language)."""
    return ApplicationError(
        str(_("Some fields are missing or not valid.")),
        fields={k: str(v) for k, v in errors.items()},
    )


def _own_region(actor, region: Region) -> None:
    if not office_covers(actor, region):
        raise translated(
            _("Only the office of this region (or of one above it) may change it."),
            error=Forbidden,
        )


def _record_region(actor, region: Region | None) -> Region:
    """The region a new office record belongs to: the one named (in the actor's area) or the
    actor's own."""
    region = region or getattr(actor, "region", None)
    if region is None:
        raise _error(_("Choose a region in your area."), "region")
    _own_region(actor, region)
    return region


def _check_year(errors: dict, year) -> None:
    if not isinstance(year, int) or not 1990 <= year <= 2100:
        errors["year"] = _("The year must be between 1990 and 2100.")


def _text(errors: dict, name: str, value, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[name] = _("Required.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)s characters.") % {"n": limit}
    return value


def _dates(errors: dict, starts_on, ends_on, end_field: str = "ends_on") -> None:
    if starts_on and ends_on and ends_on < starts_on:
        errors[end_field] = _("The end comes before the start.")


def _period(errors: dict, starts_on, ends_on) -> None:
    """A start (required) and an end (open-ended when None) that does not come before it."""
    if starts_on is None:
        errors["starts_on"] = _("Required.")
    _dates(errors, starts_on, ends_on)


def _actor(actor):
    return actor if getattr(actor, "pk", None) else None


def _merged(record, fields: tuple[str, ...], data: dict) -> dict:
    """A record's values with the changes in `data` (a field not in `data` keeps its value)."""
    return {f: data[f] if f in data else getattr(record, f) for f in fields}


def _update(actor, record, fields: tuple[str, ...], values: dict):
    """Write checked values to an office record and audit the fields that changed (none: no
    write and no audit row)."""
    before = snapshot(record, fields)
    for name, value in values.items():
        setattr(record, name, value)
    changes = diff(before, snapshot(record, fields))
    if changes:
        record.save()
        audit_record(actor=actor, action="talent.update", target=record, changes=changes)
    return record


# --- recruitment ----------------------------------------------------------------------------


# What an office may change of its plan (its targets and hires have their own writes).
PLAN_FIELDS = ("region", "year", "remarks")


def _plan_values(
    actor, *, region: Region | None, year, remarks: str, plan: RecruitmentPlan | None = None
) -> dict:
    """A plan's values, checked: one plan per region and year; a changed `plan` keeps its hires
    in its region and within a year of its year."""
    region = _record_region(actor, region)
    errors: dict = {}
    _check_year(errors, year)
    remarks = _text(errors, "remarks", remarks, 500, required=False)
    others = RecruitmentPlan.objects.filter(region=region, year=year)
    if plan is not None:
        others = others.exclude(pk=plan.pk)
    if not errors and others.exists():
        errors["year"] = _("This region already has a plan for that year.")
    if plan is not None and not errors:
        hires = plan.hires.all()
        if hires.exclude(school__district__path__startswith=region.path).exists():
            errors["region"] = _("The plan has hires at schools outside that region.")
        if hires.exclude(hired_on__year__in=(year - 1, year, year + 1)).exists():
            errors["year"] = _("The plan has hires signed more than a year from that year.")
    if errors:
        raise _fields_error(errors)
    return {"region": region, "year": year, "remarks": remarks}


@transaction.atomic
def recruitment_plan_create(
    *, actor, year: int, region: Region | None = None, remarks: str = ""
) -> RecruitmentPlan:
    """A region's recruitment plan for a year (one per region and year)."""
    require(actor, "recruitmentplan", "create")
    values = _plan_values(actor, region=region, year=year, remarks=remarks)
    plan = RecruitmentPlan.objects.create(**values, created_by=_actor(actor))
    audit_record(actor=actor, action="talent.create", target=plan, changes={"year": [None, year]})
    return plan


def _plan_for_change(actor, plan_pk) -> RecruitmentPlan:
    plan = get_in_scope(
        RecruitmentPlan.objects.select_related("region"), actor, "change", pk=plan_pk
    )
    _own_region(actor, plan.region)
    return plan


@transaction.atomic
def recruitment_plan_update(*, actor, plan_pk, data: dict) -> RecruitmentPlan:
    """Change a plan's region, year or remarks (`data`: the fields that change); the fields
    that changed are audited."""
    require(actor, "recruitmentplan", "change")
    plan = _plan_for_change(actor, plan_pk)
    values = _plan_values(actor, plan=plan, **_merged(plan, PLAN_FIELDS, data))
    return _update(actor, plan, PLAN_FIELDS, values)


@transaction.atomic
def recruitment_plan_delete(*, actor, plan_pk) -> None:
    """Delete a plan without hires (and its targets)."""
    plan = _plan_for_change(actor, plan_pk)
    if plan.hires.exists():
        raise _error(_("The plan has hires: delete or move them first."))
    audit_record(actor=actor, action="talent.delete", target=plan)
    plan.delete()


@transaction.atomic
def recruitment_target_set(
    *, actor, plan_pk, category: str, subject: str = "", target: int
) -> RecruitmentTarget | None:
    """Set a plan's target for a category and subject (blank: any subject); 0 removes it."""
    plan = _plan_for_change(actor, plan_pk)
    errors: dict = {}
    if category not in RecruitmentCategory.values:
        errors["category"] = _("Choose one of the listed values.")
    if subject and subject not in Subject.values:
        errors["subject"] = _("Choose one of the listed values.")
    if not isinstance(target, int) or not 0 <= target <= 10000:
        errors["target"] = _("Enter a whole number from 0 to 10000.")
    if errors:
        raise _fields_error(errors)
    row = RecruitmentTarget.objects.filter(plan=plan, category=category, subject=subject).first()
    before = row.target if row else None
    if row is None and target == 0:
        return None
    if row is None:
        row = RecruitmentTarget.objects.create(
            plan=plan, category=category, subject=subject, target=target
        )
    audit_record(
        actor=actor, action="talent.update", target=row, changes={"target": [before, target]}
    )
    if target == 0:
        row.delete()
        return None
    if before is not None:
        row.target = target
        row.save(update_fields=["target"])
    return row


def _school_for(actor, school_pk) -> School:
    return get_in_scope(School.objects.select_related("district"), actor, "view", pk=school_pk)


def _teacher_for(actor, teacher_pk) -> Teacher:
    return get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)


@transaction.atomic
def hire_record(
    *,
    actor,
    plan_pk,
    category: str,
    name: str,
    school_pk,
    hired_on: date,
    subject: str = "",
    university: str = "",
    teacher_pk=None,
) -> Hire:
    """Record a hire under a plan, into a school of the plan's region: by the office, or by the
    school for itself. With a registry teacher it counts as joined; without, as signed."""
    require(actor, "hire", "create")
    plan = get_in_scope(RecruitmentPlan.objects.select_related("region"), actor, "view", pk=plan_pk)
    school = _school_for(actor, school_pk)
    errors: dict = {}
    if category not in RecruitmentCategory.values:
        errors["category"] = _("Choose one of the listed values.")
    if subject and subject not in Subject.values:
        errors["subject"] = _("Choose one of the listed values.")
    teacher = _teacher_for(actor, teacher_pk) if teacher_pk else None
    if teacher is not None and not (name or "").strip():
        name = teacher.name
    name = _text(errors, "name", name, 50)
    university = _text(errors, "university", university, 120, required=False)
    if not school.district.path.startswith(plan.region.path):
        errors["school"] = _("The school is not in the plan's region.")
    if hired_on is None or hired_on.year not in (plan.year - 1, plan.year, plan.year + 1):
        errors["hired_on"] = _("The date must fall within a year of the plan's year.")
    if errors:
        raise _fields_error(errors)
    hire = Hire.objects.create(
        plan=plan,
        category=category,
        subject=subject,
        name=name,
        school=school,
        university=university,
        hired_on=hired_on,
        status=HireStatus.JOINED if teacher else HireStatus.SIGNED,
        teacher=teacher,
        created_by=_actor(actor),
    )
    audit_record(
        actor=actor,
        action="talent.create",
        target=hire,
        changes={"category": [None, category], "status": [None, hire.status]},
    )
    return hire


def _hire_for_change(actor, hire_pk) -> Hire:
    require(actor, "hire", "change")
    return get_in_scope(Hire.objects.select_related("school", "plan"), actor, "change", pk=hire_pk)


@transaction.atomic
def hire_link_teacher(*, actor, hire_pk, teacher_pk) -> Hire:
    """The hire joined: link them to their registry record."""
    hire = _hire_for_change(actor, hire_pk)
    teacher = _teacher_for(actor, teacher_pk)
    if Hire.objects.filter(teacher=teacher).exclude(pk=hire.pk).exists():
        raise _error(_("This teacher is already linked to another hire."), "teacher")
    before = hire.status
    hire.teacher, hire.status = teacher, HireStatus.JOINED
    hire.save(update_fields=["teacher", "status", "updated_at"])
    audit_record(
        actor=actor,
        action="talent.hire_link",
        target=hire,
        changes={"status": [before, hire.status], "teacher": [None, teacher.name]},
    )
    return hire


@transaction.atomic
def hire_withdraw(*, actor, hire_pk) -> Hire:
    """The hire did not come (or left before joining): no longer counted against the plan."""
    hire = _hire_for_change(actor, hire_pk)
    if hire.status == HireStatus.WITHDRAWN:
        return hire
    before = hire.status
    hire.status = HireStatus.WITHDRAWN
    hire.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="talent.withdraw",
        target=hire,
        changes={"status": [before, "withdrawn"]},
    )
    return hire


@transaction.atomic
def hire_delete(*, actor, hire_pk) -> None:
    hire = _hire_for_change(actor, hire_pk)
    audit_record(actor=actor, action="talent.delete", target=hire)
    hire.delete()


# --- olympiad-coach incentives ---------------------------------------------------------------


def _recompute_rewards(coach_id: int, year: int) -> None:
    """Rewards of a coach's results in a calendar year, under the rule set for that year (the
    one in force on 1 January): the yearly cap makes each depend on the others."""
    rule_set = rules.olympiad_rules(date(year, 1, 1))
    rows = list(
        OlympiadResult.objects.select_for_update()
        .filter(coach_id=coach_id, awarded_on__year=year)
        .order_by("awarded_on", "id")
    )
    results = [
        engine.Result(r.pk, r.coach_id, year, (r.awarded_on, r.pk), r.olympiad, r.level)
        for r in rows
    ]
    rewards = {w.key: w for w in engine.coach_rewards(results, rule_set)}
    changed = []
    for r in rows:
        amount = rewards[r.pk].reward
        if r.reward != amount or r.rule_version != rule_set["version"]:
            r.reward, r.rule_version = amount, rule_set["version"]
            changed.append(r)
    OlympiadResult.objects.bulk_update(changed, ["reward", "rule_version"])


@transaction.atomic
def olympiad_result_record(
    *,
    actor,
    olympiad: str,
    competition: str,
    coach_pk,
    pupil: str,
    level: str,
    awarded_on: date,
) -> OlympiadResult:
    """Record a pupil's result credited to their coach (at the coach's current school) and
    compute the coach's reward under the rule set."""
    require(actor, "olympiadresult", "create")
    coach = _teacher_for(actor, coach_pk)
    school = coach.current_school
    errors: dict = {}
    if olympiad not in Olympiad.values:
        errors["olympiad"] = _("Choose one of the listed values.")
    if level not in OlympiadLevel.values:
        errors["level"] = _("Choose one of the listed values.")
    competition = _text(errors, "competition", competition, 200)
    pupil = _text(errors, "pupil", pupil, 50)
    if school is None:
        errors["coach"] = _("The coach has no current school.")
    if awarded_on is None or awarded_on > timezone.localdate():
        errors["awarded_on"] = _("The date cannot be in the future.")
    elif awarded_on.year < 1990:
        errors["awarded_on"] = _("The year must be between 1990 and 2100.")
    if errors:
        raise _fields_error(errors)
    result = OlympiadResult.objects.create(
        olympiad=olympiad,
        competition=competition,
        coach=coach,
        school=school,
        pupil=pupil,
        level=level,
        awarded_on=awarded_on,
        reward=Decimal(0),
        rule_version="",
        created_by=_actor(actor),
    )
    _recompute_rewards(coach.pk, awarded_on.year)
    result.refresh_from_db()
    audit_record(
        actor=actor,
        action="talent.create",
        target=result,
        changes={"level": [None, level], "reward": [None, str(result.reward)]},
    )
    return result


@transaction.atomic
def olympiad_result_delete(*, actor, result_pk) -> None:
    """Delete a result; the coach's other rewards that year are computed again (the cap)."""
    require(actor, "olympiadresult", "change")
    result = get_in_scope(OlympiadResult.objects.all(), actor, "change", pk=result_pk)
    coach_id, year = result.coach_id, result.awarded_on.year
    audit_record(actor=actor, action="talent.delete", target=result)
    result.delete()
    _recompute_rewards(coach_id, year)


# --- partnerships ---------------------------------------------------------------------------


@transaction.atomic
def partnership_create(
    *,
    actor,
    kind: str,
    title: str,
    partner: str,
    starts_on: date,
    ends_on: date | None = None,
    terms: str = "",
    region: Region | None = None,
) -> Partnership:
    """A partnership of the actor's office (or of a region in its area)."""
    require(actor, "partnership", "create")
    values = _partnership_values(
        actor, region=region, kind=kind, title=title, partner=partner, terms=terms,
        starts_on=starts_on, ends_on=ends_on,
    )  # fmt: skip
    partnership = Partnership.objects.create(**values, created_by=_actor(actor))
    audit_record(
        actor=actor, action="talent.create", target=partnership, changes={"kind": [None, kind]}
    )
    return partnership


PARTNERSHIP_FIELDS = ("region", "kind", "title", "partner", "terms", "starts_on", "ends_on")


def _partnership_values(
    actor, *, region: Region | None, kind: str, title: str, partner: str, terms: str,
    starts_on: date | None, ends_on: date | None, partnership: Partnership | None = None,
) -> dict:  # fmt: skip
    """A partnership's values, checked. The kind of a partnership whose activities credited
    training hours stays (the hours were credited under its rules)."""
    region = _record_region(actor, region)
    errors: dict = {}
    if kind not in PartnershipKind.values:
        errors["kind"] = _("Choose one of the listed values.")
    elif (
        partnership is not None
        and kind != partnership.kind
        and ActivityParticipant.objects.filter(
            activity__partnership=partnership, training_record__isnull=False
        ).exists()
    ):
        errors["kind"] = _(
            "Its activities credited training hours under the present kind: cancel them "
            "before changing it."
        )
    title = _text(errors, "title", title, 200)
    partner = _text(errors, "partner", partner, 200)
    terms = _text(errors, "terms", terms, 10000, required=False)
    _period(errors, starts_on, ends_on)
    if errors:
        raise _fields_error(errors)
    return {"region": region, "kind": kind, "title": title, "partner": partner, "terms": terms,
            "starts_on": starts_on, "ends_on": ends_on}  # fmt: skip


def _partnership_for_change(actor, partnership_pk) -> Partnership:
    require(actor, "partnership", "change")
    partnership = get_in_scope(
        Partnership.objects.select_related("region"), actor, "view", pk=partnership_pk
    )
    _own_region(actor, partnership.region)
    return partnership


@transaction.atomic
def partnership_update(*, actor, partnership_pk, data: dict) -> Partnership:
    """Change a partnership's region, kind, title, partner, terms or period (`data`: the fields
    that change); the fields that changed are audited."""
    partnership = _partnership_for_change(actor, partnership_pk)
    values = _partnership_values(
        actor, partnership=partnership, **_merged(partnership, PARTNERSHIP_FIELDS, data)
    )
    return _update(actor, partnership, PARTNERSHIP_FIELDS, values)


@transaction.atomic
def partnership_delete(*, actor, partnership_pk) -> None:
    """Delete a partnership with its people and activities; hours its activities credited are
    taken back."""
    partnership = _partnership_for_change(actor, partnership_pk)
    for activity in partnership.activities.all():
        _uncredit(activity.participants.all())
    audit_record(actor=actor, action="talent.delete", target=partnership)
    partnership.delete()


@transaction.atomic
def exchange_add(
    *,
    actor,
    partnership_pk,
    direction: str,
    starts_on: date,
    name: str = "",
    organisation: str = "",
    teacher_pk=None,
    ends_on: date | None = None,
) -> Exchange:
    """A person sent to or received from the partner: a registry teacher of the actor's area,
    or someone from outside (name and organisation)."""
    partnership = _partnership_for_change(actor, partnership_pk)
    errors: dict = {}
    if direction not in Direction.values:
        errors["direction"] = _("Choose one of the listed values.")
    teacher = _teacher_for(actor, teacher_pk) if teacher_pk else None
    if teacher is not None:
        name = name or teacher.name
        school = teacher.current_school
        organisation = organisation or (school.name if school else "")
    name = _text(errors, "name", name, 50)
    organisation = _text(errors, "organisation", organisation, 200, required=False)
    if starts_on is None:
        errors["starts_on"] = _("Required.")
    _dates(errors, starts_on, ends_on)
    if errors:
        raise _fields_error(errors)
    person = Exchange.objects.create(
        partnership=partnership,
        direction=direction,
        teacher=teacher,
        name=name,
        organisation=organisation,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(
        actor=actor,
        action="talent.create",
        target=person,
        changes={"direction": [None, direction]},
    )
    return person


@transaction.atomic
def exchange_delete(*, actor, exchange_pk) -> Partnership:
    require(actor, "partnership", "change")
    person = get_in_scope(
        Exchange.objects.select_related("partnership__region"), actor, "view", pk=exchange_pk
    )
    _own_region(actor, person.partnership.region)
    partnership = person.partnership
    audit_record(actor=actor, action="talent.delete", target=person)
    person.delete()
    return partnership


def _hours(errors: dict, value) -> Decimal | None:
    try:
        hours = Decimal(str(value))
        if hours.is_finite() and 0 < hours <= 1000:
            return hours.quantize(Decimal("0.1"))
    except (InvalidOperation, TypeError):
        pass
    errors["hours"] = _("Enter the hours (more than 0, at most 1000).")
    return None


@transaction.atomic
def activity_add(
    *,
    actor,
    partnership_pk,
    title: str,
    kind: str,
    starts_on: date,
    ends_on: date,
    hours,
    location: str = "",
    others: int = 0,
) -> PartnershipActivity:
    """A planned activity of a partnership; it credits nothing until it is confirmed."""
    partnership = _partnership_for_change(actor, partnership_pk)
    errors: dict = {}
    title = _text(errors, "title", title, 200)
    if kind not in ActivityKind.values:
        errors["kind"] = _("Choose one of the listed values.")
    if starts_on is None:
        errors["starts_on"] = _("Required.")
    if ends_on is None:
        errors["ends_on"] = _("Required.")
    _dates(errors, starts_on, ends_on)
    hours = _hours(errors, hours)
    location = _text(errors, "location", location, 200, required=False)
    if not isinstance(others, int) or not 0 <= others <= 100000:
        errors["others"] = _("Enter a whole number from 0 to 100000.")
    if errors:
        raise _fields_error(errors)
    activity = PartnershipActivity.objects.create(
        partnership=partnership,
        title=title,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        hours=hours,
        location=location,
        others=others,
        status=ActivityStatus.PLANNED,
    )
    audit_record(
        actor=actor, action="talent.create", target=activity, changes={"hours": [None, str(hours)]}
    )
    return activity


def _activity_for_change(actor, activity_pk) -> PartnershipActivity:
    require(actor, "partnership", "change")
    get_in_scope(PartnershipActivity.objects.all(), actor, "view", pk=activity_pk)
    # Locked: two confirmations at once must not both credit the hours.
    activity = (
        PartnershipActivity.objects.select_for_update()
        .select_related("partnership__region")
        .get(pk=activity_pk)
    )
    _own_region(actor, activity.partnership.region)
    return activity


def _credit(activity: PartnershipActivity, participants: Iterable[ActivityParticipant], actor):
    """Credit the activity's hours to each participant not yet credited, where the rule set in
    force on its last day says so. Returns how many were credited."""
    rule_set = rules.partnership_rules(activity.ends_on)
    hours = engine.credited_hours(
        activity.hours,
        partnership_kind=activity.partnership.kind,
        activity_kind=activity.kind,
        rules=rule_set,
    )
    if activity.rule_version != rule_set["version"]:
        activity.rule_version = rule_set["version"]
        activity.save(update_fields=["rule_version", "updated_at"])
    if hours <= 0:
        return 0
    category = rule_set["credit"][activity.partnership.kind].get("category", "other")
    credited = 0
    for p in participants:
        if p.training_record_id is not None:
            continue
        p.training_record = TrainingRecord.objects.create(
            teacher_id=p.teacher_id,
            date=activity.ends_on,
            hours=hours,
            category=category,
            title=activity.title[:200],
            provider=activity.partnership.partner[:200],
            source=RecordSource.PARTNERSHIP,
            created_by=_actor(actor),
        )
        p.credited_hours = hours
        p.save(update_fields=["training_record", "credited_hours"])
        credited += 1
    return credited


def _uncredit(participants: Iterable[ActivityParticipant]) -> int:
    """Take back the hours credited to these participants (their training records go)."""
    taken = 0
    for p in participants:
        if p.training_record_id is None:
            continue
        record_pk = p.training_record_id
        p.training_record, p.credited_hours = None, None
        p.save(update_fields=["training_record", "credited_hours"])
        TrainingRecord.objects.filter(pk=record_pk, source=RecordSource.PARTNERSHIP).delete()
        taken += 1
    return taken


@transaction.atomic
def activity_participants_add(*, actor, activity_pk, teacher_pks: Iterable[int]) -> int:
    """Add registry teachers of the actor's area who took part; on a confirmed activity they are
    credited at once. Teachers already on it are skipped. Returns how many were added."""
    activity = _activity_for_change(actor, activity_pk)
    if activity.status == ActivityStatus.CANCELLED:
        raise _error(_("The activity was cancelled."))
    pks = sorted({int(pk) for pk in teacher_pks})
    if not pks:
        raise _error(_("Choose at least one teacher."), "teachers")
    teachers = list(scope(Teacher.objects.filter(pk__in=pks), actor, "view"))
    if len(teachers) != len(pks):
        raise NotFound("Not found")
    present = set(activity.participants.values_list("teacher_id", flat=True))
    new = []
    for t in teachers:
        if t.pk in present:
            continue
        try:
            with transaction.atomic():
                new.append(ActivityParticipant.objects.create(activity=activity, teacher=t))
        except IntegrityError:  # added meanwhile
            continue
    credited = _credit(activity, new, actor) if activity.status == ActivityStatus.CONFIRMED else 0
    if new:
        audit_record(
            actor=actor,
            action="talent.update",
            target=activity,
            changes={
                "participant_count": [len(present), len(present) + len(new)],
                "credited": [None, credited],
            },
        )
    return len(new)


@transaction.atomic
def activity_participant_remove(*, actor, participant_pk) -> PartnershipActivity:
    """Remove a participant; hours credited to them are taken back."""
    row = get_in_scope(ActivityParticipant.objects.all(), actor, "view", pk=participant_pk)
    activity = _activity_for_change(actor, row.activity_id)
    row = ActivityParticipant.objects.select_for_update().get(pk=row.pk)
    taken = _uncredit([row])
    audit_record(
        actor=actor,
        action="talent.update",
        target=activity,
        changes={"teacher": [row.teacher.name, None], "credited": [taken, 0]},
    )
    row.delete()
    return activity


@transaction.atomic
def activity_confirm(*, actor, activity_pk, today: date | None = None) -> int:
    """Confirm that an activity took place: it credits its hours (under the rule set) to each
    participant not credited yet. Confirming again credits only those added since: never
    twice. Returns the number credited now."""
    activity = _activity_for_change(actor, activity_pk)
    today = today or timezone.localdate()
    if activity.status == ActivityStatus.CANCELLED:
        raise _error(_("The activity was cancelled."))
    if activity.starts_on > today:
        raise _error(_("The activity has not started yet."))
    before = activity.status
    activity.status = ActivityStatus.CONFIRMED
    activity.save(update_fields=["status", "updated_at"])
    participants = list(activity.participants.select_for_update().order_by("pk"))
    credited = _credit(activity, participants, actor)
    audit_record(
        actor=actor,
        action="talent.activity_confirm",
        target=activity,
        changes={"status": [before, activity.status], "credited": [None, credited]},
    )
    return credited


@transaction.atomic
def activity_cancel(*, actor, activity_pk) -> int:
    """Cancel an activity: the hours it credited are taken back. Returns how many."""
    activity = _activity_for_change(actor, activity_pk)
    if activity.status == ActivityStatus.CANCELLED:
        return 0
    before = activity.status
    taken = _uncredit(list(activity.participants.select_for_update().order_by("pk")))
    activity.status = ActivityStatus.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action="talent.activity_cancel",
        target=activity,
        changes={"status": [before, activity.status], "credited": [taken, 0]},
    )
    return taken


# --- teacher perks --------------------------------------------------------------------------


@transaction.atomic
def perk_create(
    *,
    actor,
    name: str,
    provider: str,
    eligibility: str,
    starts_on: date,
    ends_on: date | None = None,
    description: str = "",
    region: Region | None = None,
) -> Perk:
    """A benefit on the region's list of teacher perks."""
    require(actor, "perk", "create")
    values = _perk_values(
        actor, region=region, name=name, provider=provider, eligibility=eligibility,
        starts_on=starts_on, ends_on=ends_on, description=description,
    )  # fmt: skip
    perk = Perk.objects.create(**values)
    audit_record(actor=actor, action="talent.create", target=perk)
    return perk


PERK_FIELDS = ("region", "name", "provider", "eligibility", "starts_on", "ends_on", "description")


def _perk_values(
    actor, *, region: Region | None, name: str, provider: str, eligibility: str,
    starts_on: date | None, ends_on: date | None, description: str, perk: Perk | None = None,
) -> dict:  # fmt: skip
    """A perk's values, checked; a changed `perk` keeps its take-up in its region and period."""
    region = _record_region(actor, region)
    errors: dict = {}
    name = _text(errors, "name", name, 200)
    provider = _text(errors, "provider", provider, 200)
    eligibility = _text(errors, "eligibility", eligibility, 500)
    description = _text(errors, "description", description, 10000, required=False)
    _period(errors, starts_on, ends_on)
    if perk is not None and not errors:
        uptakes = perk.uptakes.all()
        if uptakes.exclude(school__district__path__startswith=region.path).exists():
            errors["region"] = _("Take-up was recorded at schools outside that region.")
        if uptakes.filter(on__lt=starts_on).exists():
            errors["starts_on"] = _("Take-up was recorded before this date.")
        if ends_on is not None and uptakes.filter(on__gt=ends_on).exists():
            errors["ends_on"] = _("Take-up was recorded after this date.")
    if errors:
        raise _fields_error(errors)
    return {"region": region, "name": name, "provider": provider, "eligibility": eligibility,
            "starts_on": starts_on, "ends_on": ends_on, "description": description}  # fmt: skip


def _perk_for_change(actor, perk_pk) -> Perk:
    require(actor, "perk", "change")
    perk = get_in_scope(Perk.objects.select_related("region"), actor, "view", pk=perk_pk)
    _own_region(actor, perk.region)
    return perk


@transaction.atomic
def perk_update(*, actor, perk_pk, data: dict) -> Perk:
    """Change a perk (`data`: the fields that change); the fields that changed are audited."""
    perk = _perk_for_change(actor, perk_pk)
    values = _perk_values(actor, perk=perk, **_merged(perk, PERK_FIELDS, data))
    return _update(actor, perk, PERK_FIELDS, values)


@transaction.atomic
def perk_delete(*, actor, perk_pk) -> None:
    """Delete a perk and its take-up records."""
    perk = _perk_for_change(actor, perk_pk)
    audit_record(actor=actor, action="talent.delete", target=perk)
    perk.delete()


@transaction.atomic
def perk_uptake_record(
    *, actor, perk_pk, school_pk, on: date, count: int | None = None, teacher_pk=None
) -> PerkUptake:
    """Take-up of a perk at a school of the perk's region: a count of teachers, or one teacher
    of that school (each teacher once per perk)."""
    require(actor, "perkuptake", "create")
    perk = get_in_scope(Perk.objects.select_related("region"), actor, "view", pk=perk_pk)
    school = _school_for(actor, school_pk)
    errors: dict = {}
    if not school.district.path.startswith(perk.region.path):
        errors["school"] = _("The school is not in the perk's region.")
    teacher = None
    if teacher_pk:
        teacher = _teacher_for(actor, teacher_pk)
        if teacher.current_school != school:
            errors["teacher"] = _("The teacher does not work at this school.")
        elif PerkUptake.objects.filter(perk=perk, teacher=teacher).exists():
            errors["teacher"] = _("This teacher's take-up is already recorded.")
        count = 1
    elif not isinstance(count, int) or not 0 < count <= 100000:
        errors["count"] = _("Enter how many teachers took it up (at least 1), or a teacher.")
    if on is None or on > timezone.localdate():
        errors["on"] = _("The date cannot be in the future.")
    elif on < perk.starts_on or (perk.ends_on and on > perk.ends_on):
        errors["on"] = _("The date is outside the perk's period.")
    if errors:
        raise _fields_error(errors)
    uptake = PerkUptake.objects.create(
        perk=perk, school=school, teacher=teacher, count=count, on=on
    )
    audit_record(
        actor=actor, action="talent.create", target=uptake, changes={"count": [None, count]}
    )
    return uptake


@transaction.atomic
def perk_uptake_delete(*, actor, uptake_pk) -> Perk:
    require(actor, "perkuptake", "change")
    uptake = get_in_scope(PerkUptake.objects.select_related("perk"), actor, "change", pk=uptake_pk)
    perk = uptake.perk
    audit_record(actor=actor, action="talent.delete", target=uptake)
    uptake.delete()
    return perk
