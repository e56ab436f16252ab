"""Writes of the pilot office: starting a periodic report (written in the background and kept)
and writing it. Imported figures are written by the import engine (`importing.py`)."""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from qiangshi.access.scoping import can
from qiangshi.core.background import enqueue
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound, translated
from qiangshi.core.services import audit_record

from . import report
from .models import PilotRegion, PilotReport, ReportFormat, ReportStatus
from .selectors import pilot_region_get

logger = logging.getLogger(__name__)


def check_year(year: int) -> int:
    if not 1990 <= int(year) <= 2100:
        raise translated(gettext_lazy("The year must be between 1990 and 2100."))
    return int(year)


def pilot_report_start(*, actor, code: str, year: int, fmt: str = ReportFormat.PDF) -> PilotReport:
    """Record a report of a pilot region the actor compares and write it in the background
    (a Celery worker with a broker, a thread of this process otherwise; see
    `core.background`). The request returns at once; the reports page shows its progress."""
    if not can(actor, "pilotreport", "create"):
        raise translated(gettext_lazy("You may not write pilot reports."), error=Forbidden)
    pilot_region = pilot_region_get(actor, code)
    year = check_year(year)
    if fmt not in ReportFormat.values:
        raise translated(gettext_lazy("Unknown report format."))
    job = PilotReport.objects.create(
        pilot_region=pilot_region,
        year=year,
        fmt=fmt,
        language=translation.get_language() or "zh-hans",
        requested_by=actor,
        status=ReportStatus.QUEUED,
        steps_total=report.total_steps(),
    )
    audit_record(
        actor=actor,
        action="pilot.report_create",
        target=job,
        changes={"pilot_region": pilot_region.code, "year": year, "format": fmt},
    )
    from . import tasks

    enqueue(tasks.write_report, job.pk, after_commit=False)
    job.refresh_from_db()
    return job


class _Progress:
    def __init__(self, job_id: int):
        self.job_id = job_id

    def __call__(self, done: int, total: int) -> None:
        PilotReport.objects.filter(pk=self.job_id, status=ReportStatus.RUNNING).update(
            steps_done=done, steps_total=total, heartbeat_at=timezone.now()
        )


def pilot_report_write(job_id: int) -> None:
    """Write a queued report and keep its file; a failure is recorded on it, with no file."""
    claimed = PilotReport.objects.filter(pk=job_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING, heartbeat_at=timezone.now()
    )
    if not claimed:
        return
    job = PilotReport.objects.select_related("pilot_region", "requested_by").get(pk=job_id)
    try:
        with translation.override(job.language or "zh-hans"):
            content = report.build(
                job.pilot_region,
                job.year,
                job.fmt,
                requested_by=job.requested_by.username if job.requested_by else "",
                progress=_Progress(job.pk),
            )
        name = report.file_name(job.pilot_region, job.year, job.fmt)
        job.file.save(f"{job.pk}-{name}", ContentFile(content), save=False)
        PilotReport.objects.filter(pk=job.pk).update(
            status=ReportStatus.DONE,
            file=job.file.name,
            file_name=name,
            steps_done=report.total_steps(),
            finished_at=timezone.now(),
        )
    except Exception as exc:  # recorded on the report; nothing is offered for download
        logger.exception("pilot report %s failed", job_id)
        reason = (
            exc
            if isinstance(exc, ApplicationError) and exc.message_en != exc.message_zh
            else translated(
                gettext_lazy("The report could not be written (%(error)s)."),
                {"error": type(exc).__name__},
            )
        )
        PilotReport.objects.filter(pk=job_id).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            message_zh=reason.message_zh,
            message_en=reason.message_en,
        )


def pilot_report_file(*, report_job: PilotReport) -> bytes:
    """The file of a finished report (the caller fetched it with `selectors.report_get`)."""
    if report_job.status != ReportStatus.DONE or not report_job.file:
        raise NotFound("Not found")
    with report_job.file.open("rb") as f:
        return f.read()


def pilot_report_sync(*, code: str, year: int, fmt: str) -> tuple[PilotRegion, bytes]:
    """The command's report, written now as a system operator (any pilot region)."""
    pilot_region = PilotRegion.objects.select_related("region").filter(code=str(code)).first()
    if pilot_region is None:
        raise translated(gettext_lazy("Unknown pilot region code: %(code)s"), {"code": code})
    year = check_year(year)
    return pilot_region, report.build(pilot_region, year, fmt)


def pilot_region_link(*, actor, pilot_region: PilotRegion, region) -> PilotRegion:
    """Link a pilot region to the registry's region once it runs Qiangshi here (its figures are
    computed from then on) or unlink it (`region=None`: back to imported figures). Audited."""
    before = pilot_region.region.code if pilot_region.region_id else None
    pilot_region.region = region
    pilot_region.save(update_fields=["region"])
    audit_record(
        actor=actor,
        action="pilot.region_link",
        target=pilot_region,
        changes={"region": [before, region.code if region is not None else None]},
    )
    return pilot_region
