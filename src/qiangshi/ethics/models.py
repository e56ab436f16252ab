"""Ethics sanctions (POLICY.md §6): the official sanctions and how long they last.

This is the part of the ethics file other areas need today: whether a teacher is under an active
sanction on a date (rotation eligibility, later promotion and awards). Cases, hearings and
appeals belong to the ethics area's own workflow, not here. A sanction is sensitive personal
information: lists show only that a teacher is excluded, never the kind, and the audit trail
masks it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import ScopedThroughTeacher


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    DEMERIT = "demerit", _("Demerit")
    DEMOTION = "demotion", _("Post demotion or removal")
    DISMISSAL = "dismissal", _("Dismissal")


class Sanction(ScopedThroughTeacher, models.Model):
    """One sanction decided on a teacher; active from `decided_on` until `ends_on` (exclusive;
    empty: no end)."""

    scope_subject = "sanction"

    teacher = models.ForeignKey(
        "teachers.Teacher",
        verbose_name=_("teacher"),
        on_delete=models.CASCADE,
        related_name="sanctions",
    )
    kind = models.CharField(_("sanction"), max_length=12, choices=SanctionKind.choices)
    decided_on = models.DateField(_("decided on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=20)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ethics sanction")
        verbose_name_plural = _("ethics sanctions")
        indexes = [models.Index(fields=["teacher", "decided_on"], name="ethics_sanction_teacher")]

    def __str__(self) -> str:
        return f"{self.teacher_id} {self.decided_on}"
