"""The practice library (issue 18, pilot office): cases of replicable practice from the pilot
regions, one per row, searched by relevance over their segmented words (`tokens`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Pillar(models.TextChoices):
    """The five reform pillars of the seed (GLOSSARY.md)."""

    ETHICS = "ethics", _("Teacher ethics and conduct")
    CAPABILITY = "capability", _("Capability")
    ALLOCATION = "allocation", _("Management and allocation")
    WELFARE = "welfare", _("Welfare")
    GOVERNANCE = "governance", _("Governance")


class Practice(models.Model):
    """A case of replicable practice (可复制可推广的有效做法): what a pilot region did under one
    pillar. `tokens` is its words as segmented for search (title twice, tags, summary, full
    text), kept with the case so that the search index builds without segmenting again."""

    scope_subject = "practice"

    title = models.CharField(_("title"), max_length=200)
    region_code = models.CharField(_("region"), max_length=12, db_index=True)
    pillar = models.CharField(_("pillar"), max_length=16, choices=Pillar.choices, db_index=True)
    summary = models.TextField(_("summary"))
    full_text = models.TextField(_("full text"))
    tags = models.JSONField(_("tags"), default=list, blank=True)
    tokens = models.TextField(_("segmented words"), blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("practice case")
        verbose_name_plural = _("practice cases")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def region_name(self) -> str:
        from .regions import name

        return name(self.region_code)


class PracticeAttachment(models.Model):
    """A file attached to a case (a report, slides, a policy document)."""

    scope_subject = "practice"

    practice = models.ForeignKey(
        Practice,
        verbose_name=_("practice case"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="practices/")
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name
