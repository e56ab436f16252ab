"""Writes for the ethics file: sanctions, yearly assessments, commitments, commendations, and
cases on the review workflow. Every write is audited with the sensitive content masked; case text
is encrypted at rest (models.EthicsCase)."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.access.scoping import get_in_scope
from qiangshi.access.scoping import require as _require
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import audit_record
from qiangshi.teachers.models import Teacher
from qiangshi.workflow import services as workflow
from qiangshi.workflow.selectors import item_for

from . import selectors
from .models import (
    GRADE_ORDER,
    AppealOutcome,
    EthicsAssessment,
    EthicsCase,
    EthicsCommendation,
    EthicsCommitment,
    Grade,
    Guideline,
    Measure,
    Sanction,
    SanctionKind,
)
from .rules import bar_rules_on, sanction_end
from .workflow import PROCESS

MASK = "***"


def _not_future(day: date, field: str, today: date | None = None) -> None:
    if day > (today or date.today()):
        message = _("The date cannot be in the future.")
        raise ApplicationError(message, fields={field: message})


@transaction.atomic
def sanction_record(*, actor, teacher_pk, kind: str, decided_on: date) -> Sanction:
    """Record a sanction decided on a teacher in the actor's scope; its end follows the rules."""
    teacher = get_in_scope(Teacher.objects.all(), actor, "change", pk=teacher_pk)
    if kind not in SanctionKind.values:
        raise ApplicationError(_("Unknown sanction."), fields={"kind": _("Unknown sanction.")})
    if decided_on > date.today():
        raise ApplicationError(
            _("The decision date cannot be in the future."),
            fields={"decided_on": _("The decision date cannot be in the future.")},
        )
    return _sanction_create(actor=actor, teacher=teacher, kind=kind, starts_on=decided_on)


def _sanction_create(*, actor, teacher, kind: str, starts_on: date) -> Sanction:
    ends_on, version = sanction_end(kind, starts_on)
    sanction = Sanction.objects.create(
        teacher=teacher,
        kind=kind,
        decided_on=starts_on,
        ends_on=ends_on,
        rule_version=version,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action="ethics.sanction",
        target=sanction,
        changes={"kind": [None, MASK], "decided_on": [None, MASK]},
    )
    return sanction


# --- the ethics file --------------------------------------------------------------------------


def _file_teacher(actor, teacher_pk) -> Teacher:
    _require(actor, "ethicsfile", "change")
    return get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)


def grade_cap(teacher_pk: int, year: int) -> tuple[str, str] | None:
    """(the best grade allowed in `year`, the sanction that caps it), or None: a warning active
    in the year allows no "excellent", a demerit no "pass or above" (rules' `grade_caps`)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    cap = None
    for s in Sanction.objects.filter(teacher_id=teacher_pk, decided_on__lte=last):
        end = min(d for d in (s.ends_on, s.revoked_on, date.max) if d is not None)
        if end <= first:
            continue
        limit = bar_rules_on(s.decided_on).get("grade_caps", {}).get(s.kind)
        if limit and (cap is None or GRADE_ORDER.index(limit) > GRADE_ORDER.index(cap[0])):
            cap = (limit, s.kind)
    return cap


@transaction.atomic
def assessment_record(*, actor, teacher_pk, year: int, grade: str) -> EthicsAssessment:
    """Record (or correct) the teacher's ethics assessment grade for a year."""
    teacher = _file_teacher(actor, teacher_pk)
    if grade not in Grade.values:
        raise ApplicationError(_("Unknown grade."), fields={"grade": _("Unknown grade.")})
    if not 2000 <= year <= date.today().year:
        message = _("Enter a year from 2000 to this year.")
        raise ApplicationError(message, fields={"year": message})
    cap = grade_cap(teacher.pk, year)
    if cap and GRADE_ORDER.index(grade) < GRADE_ORDER.index(cap[0]):
        message = _("A %(sanction)s in %(year)s allows at most the grade “%(grade)s”.") % {
            "sanction": SanctionKind(cap[1]).label,
            "year": year,
            "grade": Grade(cap[0]).label,
        }
        raise ApplicationError(message, fields={"grade": message})
    row, created = EthicsAssessment.objects.update_or_create(
        teacher=teacher,
        year=year,
        defaults={"grade": grade, "created_by": actor if getattr(actor, "pk", None) else None},
    )
    audit_record(
        actor=actor, action="ethics.assessment", target=row, changes={"grade": [None, MASK]}
    )
    return row


@transaction.atomic
def commitment_record(*, actor, teacher_pk, year: int, signed_on: date) -> EthicsCommitment:
    """Record the ethics commitment the teacher signed for a year."""
    teacher = _file_teacher(actor, teacher_pk)
    _not_future(signed_on, "signed_on")
    row, _created = EthicsCommitment.objects.update_or_create(
        teacher=teacher,
        year=year,
        defaults={
            "signed_on": signed_on,
            "created_by": actor if getattr(actor, "pk", None) else None,
        },
    )
    audit_record(actor=actor, action="ethics.commitment", target=row)
    return row


@transaction.atomic
def commendation_record(
    *, actor, teacher_pk, title: str, awarded_by: str, awarded_on: date
) -> EthicsCommendation:
    """Record a commendation for the teacher's conduct."""
    teacher = _file_teacher(actor, teacher_pk)
    if not title.strip():
        message = _("This field is required.")
        raise ApplicationError(message, fields={"title": message})
    _not_future(awarded_on, "awarded_on")
    row = EthicsCommendation.objects.create(
        teacher=teacher,
        title=title.strip()[:200],
        awarded_by=awarded_by.strip()[:200],
        awarded_on=awarded_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action="ethics.commendation", target=row)
    return row


# --- cases ------------------------------------------------------------------------------------


def _required_text(value: str, field: str) -> str:
    if not (value or "").strip():
        message = _("This field is required.")
        raise ApplicationError(message, fields={field: message})
    return value.strip()


@transaction.atomic
def case_report(
    *,
    actor,
    teacher_pk,
    reported_on: date,
    summary: str,
    guidelines: list[int],
    reporter: str = "",
    attachments=(),
    today: date | None = None,
) -> EthicsCase:
    """Open a case on a teacher in the actor's area: who, what, which guidelines."""
    _require(actor, "ethicscase", "create")
    teacher = get_in_scope(Teacher.objects.all(), actor, "view", pk=teacher_pk)
    summary = _required_text(summary, "summary")
    _not_future(reported_on, "reported_on", today)
    try:
        codes = sorted({int(g) for g in guidelines})
    except (TypeError, ValueError):
        codes = [0]
    if not codes or any(g not in Guideline.values for g in codes):
        message = _("Choose one or more of the ten guidelines.")
        raise ApplicationError(message, fields={"guidelines": message})
    case = EthicsCase(
        teacher=teacher,
        reported_on=reported_on,
        guidelines=codes,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    case.summary = summary
    case.reporter = reporter
    case.save()
    workflow.work_start(
        actor=actor, process=PROCESS, object_id=case.pk, attachments=attachments, today=today
    )
    audit_record(
        actor=actor,
        action="ethics.case.report",
        target=case,
        changes={"teacher": [None, teacher.pk], "summary": [None, MASK]},
    )
    return case


def _decide(case: EthicsCase, actor, data: dict, today: date) -> None:
    kind = data.get("sanction_kind") or ""
    if kind and kind not in SanctionKind.values:
        raise ApplicationError(
            _("Unknown sanction."), fields={"sanction_kind": _("Unknown sanction.")}
        )
    measures = sorted(set(data.get("measures") or []))
    if any(m not in Measure.values for m in measures):
        message = _("Unknown measure.")
        raise ApplicationError(message, fields={"measures": message})
    if not kind and not measures:
        message = _("Choose a sanction or at least one other measure.")
        raise ApplicationError(message, fields={"sanction_kind": message})
    decision = _required_text(data.get("decision", ""), "decision")
    decided_on = data.get("decided_on") or today
    starts_on = data.get("starts_on") or decided_on
    _not_future(decided_on, "decided_on", today)
    if starts_on < decided_on:
        message = _("The start date cannot be before the decision.")
        raise ApplicationError(message, fields={"starts_on": message})
    case.violation = True
    case.sanction_kind = kind
    case.measures = measures
    case.decision = decision
    case.decided_on = decided_on
    case.starts_on = starts_on
    if kind:
        case.sanction = _sanction_create(
            actor=actor, teacher=case.teacher, kind=kind, starts_on=starts_on
        )


@transaction.atomic
def case_step(
    *,
    actor,
    case_pk,
    step: str,
    comment: str = "",
    data: dict | None = None,
    attachments=(),
    today: date | None = None,
) -> EthicsCase:
    """Take a step on a case (see workflows/ethics_case.json): the workflow refuses a step the
    actor's role, the case's state or a deadline does not allow, with the reason; the step's
    own fields are checked here. Nothing is written when anything is refused."""
    today = today or date.today()
    data = data or {}
    case = selectors.case_get(actor=actor, pk=case_pk)
    case = EthicsCase.objects.select_for_update().get(pk=case.pk)
    item = item_for(PROCESS, case.pk)
    workflow.work_advance(
        actor=actor,
        item=item,
        transition=step,
        comment=comment,
        attachments=attachments,
        today=today,
    )
    changes: dict = {}
    if step == "request_statement":
        case.findings = _required_text(data.get("findings", ""), "findings")
        case.teacher_informed_on = today
    elif step == "submit_statement":
        case.statement = _required_text(data.get("statement", ""), "statement")
    elif step == "decide":
        _decide(case, actor, data, today)
        changes = {"violation": [None, MASK], "sanction": [None, MASK]}
    elif step == "clear":
        case.violation = False
        case.decided_on = today
        case.decision = comment
    elif step == "notify":
        case.noticed_on = today
    elif step == "appeal":
        case.appeal = _required_text(data.get("appeal", ""), "appeal")
    elif step in ("uphold", "revoke"):
        case.appeal_outcome = AppealOutcome.UPHELD if step == "uphold" else AppealOutcome.REVOKED
        if step == "revoke":
            case.revoked_on = today
            if case.sanction_id:
                Sanction.objects.filter(pk=case.sanction_id).update(revoked_on=today)
    case.save()
    audit_record(actor=actor, action=f"ethics.case.{step}", target=case, changes=changes)
    return case
