"""Writes for awards: rounds and quotas, nominations and their steps on the review workflow,
objections during the public notice, and the decision (which creates the teacher's
`Recognition` through the teachers' services where the award is one the registry knows).

Every write is audited; objection texts never enter the audit trail. A refusal says why, in
both languages (over quota, outside the window, the rule that is not met)."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.access.scoping import get_in_scope
from qiangshi.access.scoping import require as _require
from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, bilingual, translated
from qiangshi.core.services import audit_record
from qiangshi.engines.awards import eligible
from qiangshi.ethics.selectors import ethics_bars
from qiangshi.org.models import Region, School
from qiangshi.teachers.models import Teacher
from qiangshi.teachers.services import teacher_record_add
from qiangshi.workflow import services as workflow
from qiangshi.workflow.selectors import item_for

from . import selectors
from .models import (
    AWARD_LEVELS,
    AwardKind,
    AwardNomination,
    AwardObjection,
    AwardQuota,
    AwardRound,
    ObjectionOutcome,
    Outcome,
)
from .rules import kind_rules, rules_on
from .workflow import PROCESS

MASK = "***"


def _field_error(message, field: str, params: dict | None = None) -> ApplicationError:
    error = translated(message, params)
    error.fields = {field: error.message}
    return error


def _by(actor):
    return actor if getattr(actor, "pk", None) else None


# --- rounds ----------------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *,
    actor,
    kind: str,
    year: int,
    level: str,
    title: str,
    nominations_open_on: date,
    nominations_close_on: date,
    reference_date: date | None = None,
    school_quota: int | None = None,
    district_quota: int | None = None,
) -> AwardRound:
    """Open a round organised by the actor's office (its region); quotas default to the rule
    file's for the kind."""
    _require(actor, "awardround", "create")
    if actor.role != Role.BUREAU or not actor.region_id:
        raise PermissionDenied
    if kind not in AwardKind.values:
        raise _field_error(_("Unknown award."), "kind")
    if level not in dict(AWARD_LEVELS):
        raise _field_error(_("Unknown level."), "level")
    if not 2000 <= year <= 2100:
        raise _field_error(_("Enter a year from 2000 to 2100."), "year")
    if not (title or "").strip():
        raise _field_error(_("This field is required."), "title")
    if nominations_close_on < nominations_open_on:
        raise _field_error(_("Nominations cannot close before they open."), "nominations_close_on")
    reference_date = reference_date or nominations_close_on
    rule_set = rules_on(reference_date)
    k = kind_rules(rule_set, kind)
    if AwardRound.objects.filter(kind=kind, year=year, level=level, region=actor.region).exists():
        raise _field_error(_("A round of this award, year and level already exists."), "kind")
    round_ = AwardRound.objects.create(
        kind=kind,
        year=year,
        level=level,
        region=actor.region,
        title=title.strip()[:200],
        nominations_open_on=nominations_open_on,
        nominations_close_on=nominations_close_on,
        reference_date=reference_date,
        school_quota=k["school_quota"] if school_quota is None else school_quota,
        district_quota=k.get("district_quota") if district_quota is None else district_quota,
        rule_version=rule_set["version"],
        created_by=_by(actor),
    )
    audit_record(actor=actor, action="awards.round.create", target=round_)
    return round_


@transaction.atomic
def quota_set(*, actor, round_pk, quota: int, school_pk=None, district_pk=None) -> AwardQuota:
    """Set the quota of one school or one district in a round (overriding the default)."""
    _require(actor, "awardround", "change")
    round_ = get_in_scope(AwardRound.objects.all(), actor, "change", pk=round_pk)
    if quota < 0:
        raise _field_error(_("A quota cannot be negative."), "quota")
    if (school_pk is None) == (district_pk is None):
        raise _field_error(_("Choose a school or a district."), "school")
    if school_pk is not None:
        school = get_in_scope(School.objects.all(), actor, "view", pk=school_pk)
        row, _created = AwardQuota.objects.update_or_create(
            round=round_, school=school, defaults={"quota": quota}
        )
    else:
        district = get_in_scope(Region.objects.all(), actor, "view", pk=district_pk)
        if district.level != "district":
            raise _field_error(_("Choose a district."), "district")
        row, _created = AwardQuota.objects.update_or_create(
            round=round_, district=district, defaults={"quota": quota}
        )
    audit_record(
        actor=actor, action="awards.quota.set", target=round_, changes={"quota": [None, quota]}
    )
    return row


# --- nominations -----------------------------------------------------------------------------


def _refuse_ineligible(results) -> None:
    failed = [r for r in results if r.status != "pass"]
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            lines = [f"{selectors.RULE_LABELS[r.rule]}: {selectors.rule_reason(r)}" for r in failed]
            head = str(_("The teacher does not meet the round's criteria."))
            texts[language] = " ".join([head, *lines])
    error = bilingual(texts["en"], texts["zh-hans"])
    error.fields = {"teacher": error.message}
    error.code = "ineligible"
    error.rules = [r.rule for r in failed]
    raise error


@transaction.atomic
def nomination_create(
    *, actor, round_pk, teacher_pk, citation: str, today: date | None = None
) -> AwardNomination:
    """The school administrator nominates one of the school's teachers: refused outside the
    nomination window, over the school's or the district's quota, twice, or when a rule of the
    round is not met (or its data missing), with the reason."""
    _require(actor, "awardnomination", "create")
    if actor.role != Role.SCHOOL or not actor.school_id:
        raise PermissionDenied
    today = today or date.today()
    round_ = get_in_scope(AwardRound.objects.all(), actor, "view", pk=round_pk)
    round_ = AwardRound.objects.select_for_update().get(pk=round_.pk)  # one quota count at once
    school = actor.school
    teacher = get_in_scope(
        Teacher.objects.filter(employments__school=school, employments__end_date__isnull=True),
        actor,
        "view",
        pk=teacher_pk,
    )
    if not (citation or "").strip():
        raise _field_error(_("Describe the teacher's deeds."), "citation")
    if not round_.nominations_open_on <= today <= round_.nominations_close_on:
        raise _field_error(
            _("Nominations are open from %(start)s to %(end)s."),
            "round",
            {"start": round_.nominations_open_on, "end": round_.nominations_close_on},
        )
    if AwardNomination.objects.filter(round=round_, teacher=teacher).exists():
        raise _field_error(_("This teacher is already nominated in this round."), "teacher")
    use = selectors.quota_use(round_, school)
    if use.school_used >= use.school_quota:
        error = _field_error(
            _("The school's quota of %(quota)s nominations in this round is used up."),
            "teacher",
            {"quota": use.school_quota},
        )
        error.code = "quota"
        raise error
    if use.district_quota is not None and use.district_used >= use.district_quota:
        error = _field_error(
            _("The district's quota of %(quota)s nominations in this round is used up."),
            "teacher",
            {"quota": use.district_quota},
        )
        error.code = "quota"
        raise error
    results = selectors.eligibility_of([teacher.pk], round_)[teacher.pk]
    if not eligible(results):
        _refuse_ineligible(results)
    nomination = AwardNomination.objects.create(
        round=round_,
        teacher=teacher,
        school=school,
        nominated_on=today,
        citation=citation.strip(),
        eligibility=selectors.results_out(results),
        rule_version=round_.rule_version,
        created_by=_by(actor),
    )
    workflow.work_start(actor=actor, process=PROCESS, object_id=nomination.pk, today=today)
    audit_record(
        actor=actor,
        action="awards.nomination.create",
        target=nomination,
        changes={"teacher": [None, teacher.pk], "round": [None, round_.pk]},
    )
    return nomination


def _recognition(actor, nomination: AwardNomination, decided_on: date):
    """The registry's recognition for an award the registry knows, valid from the decision."""
    k = kind_rules(selectors.round_rules(nomination.round), nomination.round.kind)
    kind = k.get("recognition_kind")
    if not kind:
        return None
    end = None
    if k.get("valid_years"):
        end = date(decided_on.year + k["valid_years"], decided_on.month, min(decided_on.day, 28))
        end -= timedelta(days=1)
    return teacher_record_add(
        actor=actor,
        teacher=nomination.teacher,
        kind="recognition",
        data={
            "kind": kind,
            "level": nomination.round.level,
            "subject": "",
            "start_date": decided_on,
            "end_date": end,
        },
    )


def _decide_award(actor, nomination: AwardNomination, today: date) -> None:
    if selectors.open_objections(nomination):
        raise translated(_("An objection to this nomination is still open: handle it first."))
    bar = next((b for b in ethics_bars(nomination.teacher, on=today) if b.kind == "awards"), None)
    if bar is not None:
        raise translated(_("The teacher is barred from awards by an ethics decision on this date."))
    nomination.outcome = Outcome.AWARDED
    nomination.decided_on = today
    nomination.recognition = _recognition(actor, nomination, today)


STEP_PERMISSION = {"submit": "create", "withdraw": "create"}


@transaction.atomic
def nomination_step(
    *,
    actor,
    nomination_pk,
    step: str,
    comment: str = "",
    attachments=(),
    today: date | None = None,
) -> AwardNomination:
    """Take a step on a nomination (workflows/award_nomination.json): the workflow refuses a
    step the actor's role, the state or the notice period does not allow; the decision to award
    is refused while an objection is open or when an ethics bar applies on the day. Nothing is
    written when anything is refused."""
    today = today or date.today()
    _require(actor, "awardnomination", STEP_PERMISSION.get(step, "review"))
    nomination = selectors.nomination_get(actor=actor, pk=nomination_pk)
    nomination = (
        AwardNomination.objects.select_for_update()
        .select_related("round", "teacher")
        .get(pk=nomination.pk)
    )
    item = item_for(PROCESS, nomination.pk)
    workflow.work_advance(
        actor=actor,
        item=item,
        transition=step,
        comment=comment,
        attachments=attachments,
        today=today,
    )
    changes: dict = {}
    if step == "publish":
        nomination.noticed_on = today
    elif step == "award":
        _decide_award(actor, nomination, today)
        changes = {"outcome": [None, Outcome.AWARDED]}
    elif step in ("district_reject", "bureau_reject", "refuse"):
        nomination.outcome = Outcome.NOT_AWARDED
        nomination.decided_on = today
        changes = {"outcome": [None, Outcome.NOT_AWARDED]}
    nomination.save()
    audit_record(
        actor=actor, action=f"awards.nomination.{step}", target=nomination, changes=changes
    )
    return nomination


def _round_batch(*, actor, round_pk, state: str, step: str, today: date | None) -> dict:
    today = today or date.today()
    round_ = get_in_scope(AwardRound.objects.all(), actor, "view", pk=round_pk)
    noms = selectors.nomination_list(actor=actor, filters={"round": round_.pk, "state": state})
    done, refused = [], []
    for n in noms:
        try:
            with transaction.atomic():
                nomination_step(actor=actor, nomination_pk=n.pk, step=step, today=today)
        except ApplicationError as e:
            refused.append((n, e.message))
        else:
            done.append(n)
    return {"done": done, "refused": refused}


def round_publish(*, actor, round_pk, today: date | None = None) -> dict:
    """Publish the public notice of every bureau-approved nomination of the round at once (the
    objection period starts the same day for all)."""
    _require(actor, "awardnomination", "change")
    return _round_batch(
        actor=actor, round_pk=round_pk, state="approved", step="publish", today=today
    )


def round_decide(*, actor, round_pk, today: date | None = None) -> dict:
    """Award every nomination whose public notice has ended; a nomination with an open
    objection, an ethics bar on the day, or a notice still running is refused with the reason
    and left as it is."""
    _require(actor, "awardnomination", "change")
    return _round_batch(actor=actor, round_pk=round_pk, state="notice", step="award", today=today)


# --- objections ------------------------------------------------------------------------------


@transaction.atomic
def objection_record(
    *, actor, nomination_pk, received_on: date, summary: str, today: date | None = None
) -> AwardObjection:
    """Record an objection received during the nomination's public notice."""
    _require(actor, "awardobjection", "create")
    today = today or date.today()
    nomination = selectors.nomination_get(actor=actor, pk=nomination_pk)
    item = item_for(PROCESS, nomination.pk)
    if item is None or item.state != "notice":
        raise translated(_("Objections are recorded only during the public notice."))
    if received_on > today:
        raise _field_error(_("The date cannot be in the future."), "received_on")
    if received_on < (nomination.noticed_on or item.state_since) or (
        item.due_on and received_on > item.due_on
    ):
        raise _field_error(
            _("The objection period runs from %(start)s to %(end)s."),
            "received_on",
            {"start": nomination.noticed_on or item.state_since, "end": item.due_on},
        )
    if not (summary or "").strip():
        raise _field_error(_("This field is required."), "summary")
    row = AwardObjection.objects.create(
        nomination=nomination,
        received_on=received_on,
        summary_encrypted=crypto.encrypt(summary.strip()),
        created_by=_by(actor),
    )
    audit_record(
        actor=actor, action="awards.objection.record", target=row,
        changes={"summary": [None, MASK]},
    )  # fmt: skip
    return row


@transaction.atomic
def objection_handle(
    *, actor, objection_pk, outcome: str, response: str, today: date | None = None
) -> AwardObjection:
    """Record how an objection was handled; an objection upheld ends the nomination as not
    awarded (the findings are the step's comment)."""
    _require(actor, "awardobjection", "change")
    today = today or date.today()
    row = get_in_scope(
        AwardObjection.objects.select_related("nomination"), actor, "change", pk=objection_pk
    )
    if row.outcome:
        raise translated(_("This objection has already been handled."))
    if outcome not in ObjectionOutcome.values:
        raise _field_error(_("Choose how the objection was handled."), "outcome")
    if not (response or "").strip():
        raise _field_error(_("Record the findings."), "response")
    row.outcome = outcome
    row.response_encrypted = crypto.encrypt(response.strip())
    row.handled_on = today
    row.save()
    if outcome == ObjectionOutcome.UPHELD:
        nomination_step(
            actor=actor, nomination_pk=row.nomination_id, step="refuse", comment=response,
            today=today,
        )  # fmt: skip
    audit_record(
        actor=actor, action="awards.objection.handle", target=row,
        changes={"outcome": [None, outcome], "response": [None, MASK]},
    )  # fmt: skip
    return row
