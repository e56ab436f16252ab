"""The pilot office's records (issue 18): the pilot regions it compares, the figures regions that
do not run Qiangshi send in, and the periodic reports it keeps.

A pilot region that runs Qiangshi here is linked to its `org.Region`, and its indicators are
computed from its own data by the modules' selectors; one that does not has no link, and its
figures are imported from the template (`PilotFigure`), each saying where it came from, when and
who loaded it. A figure never sent stays missing.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class PilotRegion(models.Model):
    """A region of the national reform pilot (试点地区): ten in the seed. `region` is the
    registry's region when the pilot region runs Qiangshi here, empty otherwise."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    region = models.OneToOneField(
        "org.Region",
        verbose_name=_("region in the registry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pilot_region",
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pilot region")
        verbose_name_plural = _("pilot regions")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def runs_here(self) -> bool:
        return self.region_id is not None


class PilotFigure(models.Model):
    """One indicator of a pilot region for a year, imported from the template (the region does
    not run Qiangshi, or sent a figure Qiangshi cannot compute). The indicator keys are those of
    the indicator file (`pilot/rules/indicators-*.json`)."""

    pilot_region = models.ForeignKey(
        PilotRegion,
        verbose_name=_("pilot region"),
        on_delete=models.CASCADE,
        related_name="figures",
    )
    year = models.PositiveIntegerField(_("year"))
    key = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        verbose_name = _("pilot indicator figure")
        verbose_name_plural = _("pilot indicator figures")
        ordering = ["pilot_region", "year", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot_region", "year", "key"], name="pilot_figure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pilot_region.code} {self.year} {self.key}"


class ReportFormat(models.TextChoices):
    PDF = "pdf", _("PDF document")
    XLSX = "xlsx", _("Excel workbook")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class PilotReport(models.Model):
    """A periodic report of a pilot region for a year, written in the background and kept: the
    file is stored only once it is whole (a failed report keeps none and says why). Everyone who
    may see the pilot region may download it."""

    pilot_region = models.ForeignKey(
        PilotRegion,
        verbose_name=_("pilot region"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    year = models.PositiveIntegerField(_("year"))
    fmt = models.CharField(
        _("format"), max_length=8, choices=ReportFormat.choices, default=ReportFormat.PDF
    )
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    steps_done = models.PositiveSmallIntegerField(_("steps done"), default=0)
    steps_total = models.PositiveSmallIntegerField(_("steps"), default=0)
    file = models.FileField(_("file"), upload_to="pilot-reports/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    message_zh = models.TextField(_("message (Chinese)"), blank=True)
    message_en = models.TextField(_("message (English)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("pilot report")
        verbose_name_plural = _("pilot reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.pilot_region.code} {self.year} {self.fmt}"

    @property
    def percent(self) -> int:
        if self.status == ReportStatus.DONE:
            return 100
        if not self.steps_total:
            return 0
        return min(99, self.steps_done * 100 // self.steps_total)

    @property
    def finished(self) -> bool:
        return self.status in (ReportStatus.DONE, ReportStatus.FAILED)
