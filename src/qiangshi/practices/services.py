"""Writes for the practice library: a case written or edited, a file attached or removed. Each
validates, runs in one transaction, is audited and drops the process's search index on commit
(other processes see the change through the index's stamp)."""

from __future__ import annotations

import re
from pathlib import PurePath

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.core.errors import ApplicationError, Forbidden, NotFound, translated
from qiangshi.core.services import audit_record, diff, snapshot

from . import search
from .models import Pillar, Practice, PracticeAttachment
from .selectors import practice_get, practice_may_change, writable_regions

TITLE_MAX = 200
SUMMARY_MAX = 1000
FULL_TEXT_MAX = 50000
TAGS_MAX = 10
TAG_MAX = 20
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = frozenset(
    {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".txt", ".jpg", ".jpeg", ".png"}
)
FIELDS = ("title", "region_code", "pillar", "summary", "full_text", "tags")


def parse_tags(value) -> list[str]:
    """Tags from a list or from one text separated by commas, 、, semicolons or spaces; blanks
    and repeats dropped, order kept."""
    parts = value if isinstance(value, list | tuple) else re.split(r"[,，、;；\s]+", value or "")
    return list(dict.fromkeys(str(p).strip() for p in parts if str(p).strip()))


def _clean(actor, *, title, region_code, pillar, summary, full_text, tags) -> dict:
    errors: dict[str, str] = {}
    values = {
        "title": (title or "").strip(),
        "region_code": (region_code or "").strip(),
        "pillar": (pillar or "").strip(),
        "summary": (summary or "").strip(),
        "full_text": (full_text or "").strip(),
        "tags": parse_tags(tags),
    }
    for name, limit in (
        ("title", TITLE_MAX),
        ("summary", SUMMARY_MAX),
        ("full_text", FULL_TEXT_MAX),
    ):
        if not values[name]:
            errors[name] = _("Required.")
        elif len(values[name]) > limit:
            errors[name] = _("At most %(n)d characters.") % {"n": limit}
    if values["pillar"] not in Pillar.values:
        errors["pillar"] = _("Choose one of the five pillars.")
    if values["region_code"] not in writable_regions(actor):
        errors["region_code"] = _("Choose a pilot region you may write cases for.")
    if len(values["tags"]) > TAGS_MAX:
        errors["tags"] = _("At most %(n)d tags.") % {"n": TAGS_MAX}
    elif any(len(t) > TAG_MAX for t in values["tags"]):
        errors["tags"] = _("A tag has at most %(n)d characters.") % {"n": TAG_MAX}
    if errors:
        raise ApplicationError(_("Some fields are missing or not valid."), fields=errors)
    return values


def _changed() -> None:
    """Drop this process's index now (a search later in this transaction sees the change) and
    again once the change commits (a search in between may have rebuilt it without)."""
    search.invalidate()
    transaction.on_commit(search.invalidate)


def _check_may_write(actor, action: str) -> None:
    if not writable_regions(actor):
        raise translated(
            gettext_lazy("Only the pilot office and the bureau write practice cases."),
            error=Forbidden,
        )


@transaction.atomic
def practice_create(
    *, actor, title: str, region_code: str, pillar: str, summary: str, full_text: str, tags=()
) -> Practice:
    """Add a case to the library (its words segmented and kept with it)."""
    _check_may_write(actor, "create")
    values = _clean(
        actor,
        title=title,
        region_code=region_code,
        pillar=pillar,
        summary=summary,
        full_text=full_text,
        tags=tags,
    )
    practice = Practice(**values, created_by=actor if getattr(actor, "pk", None) else None)
    practice.tokens = search.document_tokens(
        title=practice.title, summary=practice.summary, full_text=practice.full_text,
        tags=practice.tags,
    )  # fmt: skip
    practice.save(force_insert=True)
    audit_record(
        actor=actor,
        action="practices.create",
        target=practice,
        changes={k: [None, v] for k, v in snapshot(practice, FIELDS).items() if k != "full_text"},
    )
    _changed()
    return practice


@transaction.atomic
def practice_update(
    *,
    actor,
    practice_pk,
    title: str,
    region_code: str,
    pillar: str,
    summary: str,
    full_text: str,
    tags=(),
) -> Practice:
    """Edit a case of a region the actor writes for; its words are segmented again."""
    practice = practice_get(actor=actor, pk=practice_pk)
    if not practice_may_change(actor, practice):
        raise NotFound("Not found")
    values = _clean(
        actor,
        title=title,
        region_code=region_code,
        pillar=pillar,
        summary=summary,
        full_text=full_text,
        tags=tags,
    )
    before = snapshot(practice, FIELDS)
    for name, value in values.items():
        setattr(practice, name, value)
    practice.tokens = search.document_tokens(
        title=practice.title, summary=practice.summary, full_text=practice.full_text,
        tags=practice.tags,
    )  # fmt: skip
    practice.save()
    changes = diff(before, snapshot(practice, FIELDS))
    if "full_text" in changes:  # the text is long: the trail says that it changed
        changes["full_text"] = [len(before["full_text"]), len(practice.full_text)]
    audit_record(actor=actor, action="practices.update", target=practice, changes=changes)
    _changed()
    return practice


@transaction.atomic
def practice_attachment_add(*, actor, practice_pk, upload) -> PracticeAttachment:
    """Attach an uploaded file (PDF, Office, text or image; at most 20 MB) to a case."""
    practice = practice_get(actor=actor, pk=practice_pk)
    if not practice_may_change(actor, practice):
        raise NotFound("Not found")
    name = PurePath(getattr(upload, "name", "") or "").name[:255]
    if not name:
        raise ApplicationError(_("Choose a file."), fields={"file": _("Choose a file.")})
    if PurePath(name).suffix.lower() not in ATTACHMENT_TYPES:
        message = _("Attach a PDF, Word, Excel, PowerPoint, text or image file.")
        raise ApplicationError(message, fields={"file": message})
    if upload.size > ATTACHMENT_MAX_BYTES:
        message = _("The file is larger than 20 MB.")
        raise ApplicationError(message, fields={"file": message})
    attachment = PracticeAttachment(
        practice=practice,
        name=name,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        action="practices.attachment_add",
        target=practice,
        changes={"attachment": [None, name]},
    )
    return attachment


@transaction.atomic
def practice_attachment_remove(*, actor, attachment_pk) -> Practice:
    """Remove a file from a case (the file itself is deleted once the removal commits)."""
    try:
        attachment = PracticeAttachment.objects.select_related("practice").get(
            pk=int(attachment_pk)
        )
    except (PracticeAttachment.DoesNotExist, TypeError, ValueError):
        raise NotFound("Not found") from None
    practice = practice_get(actor=actor, pk=attachment.practice_id)
    if not practice_may_change(actor, practice):
        raise NotFound("Not found")
    stored = attachment.file.name
    storage = attachment.file.storage
    attachment.delete()
    audit_record(
        actor=actor,
        action="practices.attachment_remove",
        target=practice,
        changes={"attachment": [attachment.name, None]},
    )
    transaction.on_commit(lambda: storage.delete(stored))
    return practice
