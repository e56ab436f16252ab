"""Writes on the workflow: start an item, move it on. Each call checks the move against the
process definition (refusing with the reason), records the step with its comment and
attachments, and writes an audit row (the comment is never copied into the audit trail).

Callers are the areas' services: they fetch their record inside the actor's scope first, so the
workflow checks only the role and the definition."""

import base64
from datetime import date

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, translated
from qiangshi.core.services import audit_record
from qiangshi.engines.workflow import Refusal

from . import registry
from .models import WorkAttachment, WorkItem, WorkStep

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

REFUSALS = {
    "unknown_state": _("The record is in a state its process does not know."),
    "final": _("This process has ended: no further step is possible."),
    "unknown_transition": _("Unknown step “%(transition)s”."),
    "wrong_state": _("“%(transition)s” is not possible in the state “%(state)s”."),
    "role": _("Your role may not take the step “%(transition)s” (only: %(roles)s)."),
    "deadline_running": _("“%(transition)s” is possible only after the deadline of %(due_on)s."),
    "deadline_passed": _("The deadline of %(due_on)s for “%(transition)s” has passed."),
    "comment_required": _("The step “%(transition)s” needs a comment."),
}


def refusal_error(process: registry.Process, refusal: Refusal) -> ApplicationError:
    """The refusal as a user-facing error in both languages."""
    from django.utils import translation

    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            roles = dict(Role.choices)
            params = {
                "transition": str(
                    process.transition_labels.get(refusal.transition, refusal.transition)
                ),
                "state": str(process.state_labels.get(refusal.state, "?")),
                "roles": "、".join(str(roles.get(r, r)) for r in refusal.detail.get("roles", []))
                if language != "en"
                else ", ".join(str(roles.get(r, r)) for r in refusal.detail.get("roles", [])),
                "due_on": refusal.detail.get("due_on", ""),
            }
            texts[language] = str(REFUSALS[refusal.code]) % params
    from qiangshi.core.errors import bilingual

    error = bilingual(texts["en"], texts["zh-hans"])
    error.code = refusal.code
    return error


def _step(item, *, actor, role, transition, from_state, to_state, on, comment, attachments):
    step = WorkStep.objects.create(
        item=item,
        transition=transition,
        from_state=from_state,
        to_state=to_state,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        actor_role=role,
        on=on,
        comment_encrypted=crypto.encrypt(comment.strip()),
    )
    for upload in attachments:
        data = upload.read()
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise translated(_("The file %(name)s is larger than 10 MB."), {"name": upload.name})
        WorkAttachment.objects.create(
            step=step,
            name=upload.name[:255],
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            size=len(data),
            content_encrypted=crypto.encrypt(base64.b64encode(data).decode()),
        )
    return step


@transaction.atomic
def work_start(
    *, actor, process: str, object_id: int, comment: str = "", attachments=(), today=None
) -> WorkItem:
    """Put a record on its process, in the initial state."""
    proc = registry.get(process)
    definition = proc.definition
    today = today or date.today()
    item = WorkItem.objects.create(
        process=process,
        object_id=object_id,
        definition_version=definition.version,
        state=definition.initial,
        state_since=today,
        due_on=definition.due_on(definition.initial, today),
    )
    _step(
        item,
        actor=actor,
        role=proc.role_of(actor),
        transition="",
        from_state="",
        to_state=definition.initial,
        on=today,
        comment=comment,
        attachments=attachments,
    )
    audit_record(actor=actor, action=f"workflow.{process}.start", target=item)
    return item


@transaction.atomic
def work_advance(
    *, actor, item: WorkItem, transition: str, comment: str = "", attachments=(), today=None
) -> WorkStep:
    """Take `transition` on `item` as `actor`: refused with the reason when the definition does
    not allow it (state, role, deadline, missing comment); nothing is written then."""
    item = WorkItem.objects.select_for_update().get(pk=item.pk)
    proc = registry.get(item.process)
    definition = proc.definition
    today = today or date.today()
    role = proc.role_of(actor)
    refusal = definition.refusal(item.state, transition, role, item.due_on, today, comment or "")
    if refusal is not None:
        raise refusal_error(proc, refusal)
    target = definition.transition(item.state, transition).target
    step = _step(
        item,
        actor=actor,
        role=role,
        transition=transition,
        from_state=item.state,
        to_state=target,
        on=today,
        comment=comment or "",
        attachments=attachments,
    )
    before = item.state
    item.state = target
    item.state_since = today
    item.due_on = definition.due_on(target, today)
    item.save(update_fields=["state", "state_since", "due_on"])
    audit_record(
        actor=actor,
        action=f"workflow.{item.process}.{transition}",
        target=item,
        changes={"state": [before, target]},
    )
    return step
