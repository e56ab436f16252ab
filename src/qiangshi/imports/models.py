"""Every bulk import is kept: who, when, which file, what it found and what it changed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    TEACHERS = "teachers", _("Teachers")
    SCHOOLS = "schools", _("Schools")
    FACILITIES = "facilities", _("School facilities")
    EDUCATION = "education", _("Education history")
    TITLES = "titles", _("Title history")
    EMPLOYMENTS = "employments", _("Employment history")
    RECOGNITIONS = "recognitions", _("Recognitions")
    BIRTHS = "births", _("Births by district")  # staffing: the forecast's births series
    WAGES = "wages", _("Salary parity figures")  # welfare: teachers' and civil servants' pay
    TRAINING = "training", _("Training hours")  # training: hours from elsewhere
    PILOT = "pilot-indicators", _("Pilot indicators")  # pilot: regions not running Qiangshi
    PAYROLL = "payroll", _("Payroll by teacher")  # welfare: per-teacher pay (sensitive)


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Validated, waiting for confirmation")
    REJECTED = "rejected", _("Rejected: the file has errors")
    RUNNING = "running", _("Running")
    COMMITTED = "committed", _("Imported")
    FAILED = "failed", _("Failed")


class ImportLayout(models.TextChoices):
    """How the uploaded file is laid out: Qiangshi's own import template, or the national
    teacher-information template (POLICY.md §12), converted to the former before it is checked."""

    TEMPLATE = "template", _("The import template")
    NATIONAL = "national", _("The national teacher-information template")


class ImportJob(models.Model):
    """One upload: validated first (a preview), committed all-or-nothing on confirmation.

    `errors` lists every problem as {"row", "column", "value", "reason"} with rows numbered as
    Excel shows them; `changes` lists the keys of the rows that were created or changed.
    While it is validating or running, its worker beats `heartbeat_at`; a job whose heartbeat
    stops (its process was killed) is marked failed and may be started again.
    A job in the national layout keeps the workbook as uploaded (its name, hash and file) and
    converts it to the import template's layout each time it is checked or imported.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("file hash"), max_length=64)
    layout = models.CharField(
        _("layout"), max_length=16, choices=ImportLayout.choices, default=ImportLayout.TEMPLATE
    )
    # National layout: the school code given to every row; blank = the workbook's own codes.
    school_code = models.CharField(_("school code"), max_length=20, blank=True)
    file = models.FileField(_("file"), upload_to="imports/", blank=True)
    column_mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices)
    # What a background job is doing now ("read", "validate", "write"; "" when idle).
    stage = models.CharField(_("stage"), max_length=16, blank=True)
    # The file's header as matched: {"header": [...], "unknown": [...], "missing": [keys]}.
    header_info = models.JSONField(_("columns found"), default=dict, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    changes = models.JSONField(_("changed rows"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    # What the import filled in for dates the file left out: [{"count", "reason_zh", "reason_en"}]
    notes = models.JSONField(_("notes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # While the job is validating or running: when its worker last said it was alive, and
    # which process that is ("host:pid"); a job silent too long is taken as dead.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Ready to download")
    FAILED = "failed", _("Failed")


class ExportFormat(models.TextChoices):
    """The layout of an exported file: the teacher list as shown (sensitive columns masked),
    the import template's layout, or the national teacher-information template's."""

    LIST = "list", _("The list as shown")
    TEMPLATE = "template", _("The import template")
    NATIONAL = "national", _("The national teacher-information template")


# What can be exported (`exports.KINDS`): the registry's kinds, not the district series.
EXPORT_KINDS = [
    (value, label)
    for value, label in ImportKind.choices
    if value not in (ImportKind.BIRTHS, ImportKind.WAGES, ImportKind.PAYROLL)
]


class ExportJob(models.Model):
    """An export too large to build within a request, built in the background.

    Only the user who asked may download its file (`file`, set only once the whole workbook is
    written: a job that fails leaves none). The filter is kept encrypted (a search may hold an
    ID number) with a masked copy for display (`filters_note`). `rows_done`/`rows_total` is
    the progress, `row_count` the rows written. While it runs, its worker beats
    `heartbeat_at`; a job whose worker died is marked failed (`export_jobs_recover`). Files are
    deleted after some days (`purge_import_files`); the job stays on record.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="export_jobs",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EXPORT_KINDS)
    fmt = models.CharField(
        _("format"), max_length=16, choices=ExportFormat.choices, default=ExportFormat.TEMPLATE
    )
    filters_encrypted = models.TextField(_("filters"), blank=True)
    filters_note = models.CharField(_("filter"), max_length=500, blank=True)
    # The language the requester used (the list layout's headings are in it).
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("work to do"), default=0)
    rows_done = models.PositiveIntegerField(_("work done"), default=0)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    message_zh = models.TextField(_("message (Chinese)"), blank=True)
    message_en = models.TextField(_("message (English)"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.fmt} #{self.pk}"
