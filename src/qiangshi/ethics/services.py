"""Writes for ethics sanctions (audited; the kind is masked in the audit trail)."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.access.scoping import get_in_scope
from qiangshi.core.errors import ApplicationError
from qiangshi.core.services import audit_record
from qiangshi.teachers.models import Teacher

from .models import Sanction, SanctionKind
from .rules import sanction_end

MASK = "***"


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
    ends_on, version = sanction_end(kind, decided_on)
    sanction = Sanction.objects.create(
        teacher=teacher,
        kind=kind,
        decided_on=decided_on,
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
