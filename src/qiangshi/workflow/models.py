"""Work items on a review workflow, and their history (comments and attachments at each step).

A work item follows one record of an area (an ethics case, later a title application or an award
nomination) through the states of its process definition (`qiangshi.engines.workflow`). The area
owns the record and decides who may see it; the item holds where the record stands, until when,
and every step taken. Comments and attachments may hold sensitive personal information (an
ethics case): both are encrypted at rest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.core import crypto


class WorkItem(models.Model):
    """Where one record stands on its process: its state, since when, and its deadline."""

    process = models.CharField(_("process"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object ID"))
    definition_version = models.CharField(_("definition version"), max_length=20)
    state = models.CharField(_("state"), max_length=40)
    state_since = models.DateField(_("in this state since"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        constraints = [
            models.UniqueConstraint(fields=["process", "object_id"], name="workflow_item_unique")
        ]
        indexes = [models.Index(fields=["process", "state"], name="workflow_item_state")]

    def __str__(self) -> str:
        return f"{self.process}:{self.object_id} {self.state}"


class WorkStep(models.Model):
    """One step of an item's history: the move, who made it in which role, when, and why."""

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="steps"
    )
    transition = models.CharField(_("step"), max_length=40, blank=True)  # "": the start
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    actor_username = models.CharField(_("by"), max_length=150)
    actor_role = models.CharField(_("role"), max_length=16)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("time"), auto_now_add=True)
    comment_encrypted = models.TextField(_("comment (encrypted)"), blank=True)

    class Meta:
        verbose_name = _("work step")
        verbose_name_plural = _("work steps")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.from_state}→{self.to_state}"

    @property
    def comment(self) -> str:
        return crypto.decrypt(self.comment_encrypted)


class WorkAttachment(models.Model):
    """A file added at a step, kept encrypted in the database (no copy on disk)."""

    step = models.ForeignKey(
        WorkStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="attachments"
    )
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size"))
    content_encrypted = models.TextField(_("content (encrypted)"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def content(self) -> bytes:
        import base64

        return base64.b64decode(crypto.decrypt(self.content_encrypted))
