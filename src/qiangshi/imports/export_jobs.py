"""Export jobs: an export too large to build within a request is built in the background.

`export_in_background` tells whether an export is above the inline size
(`QIANGSHI_EXPORT_INLINE_MAX` rows, `QIANGSHI_EXPORT_NATIONAL_INLINE_MAX` teachers for the
national template, whose rows cost far more), counted on the same scoped querysets as the export
(`exports.export_row_count`). `export_job_start` records an ExportJob ("queued") and runs
`tasks.run_export` through `core.background.enqueue`, as the imports do: on a Celery worker when a
broker is configured, otherwise in a thread of the web process (or, in the tests, before
`export_job_start` returns).

The task (`run_export`) builds the file with `exports.export_file` as the user who asked — the
same audit record and the same access-log row (one per export, the teachers attached) as a direct
download — saving its progress on the job as it goes. The file is stored only once the whole
workbook is built, with the job marked done in the same step: a job that fails (or whose process
dies: `export_jobs_recover`) never offers a partial file, and says why in both languages.

Only the user who asked may see the job and download its file (`export_job_get`): anyone else,
whatever their role, gets "not found". Files are deleted after some days
(`export_files_purge`, run by `qiangshi purge_import_files`).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.core import crypto
from qiangshi.core.background import enqueue
from qiangshi.core.errors import ApplicationError, Gone, NotFound, bilingual, translated

from .exports import export_check, export_file, export_row_count, filters_note
from .jobs import _worker_gone, job_files_purge, worker_name
from .models import ExportFormat, ExportJob, ExportStatus

logger = logging.getLogger(__name__)

ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)
PROGRESS_INTERVAL = 0.5  # seconds between progress writes


# --- When an export runs in the background ---------------------------------------------------


def inline_max(fmt: str) -> int:
    """The largest export (rows; teachers for the national template) built within a request."""
    if fmt == ExportFormat.NATIONAL:
        return int(getattr(settings, "QIANGSHI_EXPORT_NATIONAL_INLINE_MAX", 1000))
    return int(getattr(settings, "QIANGSHI_EXPORT_INLINE_MAX", 5000))


def export_in_background(*, actor, kind: str, filters: dict[str, Any], fmt: str) -> bool:
    """Whether this export is too large to build within the request (see the module)."""
    size = export_row_count(actor=actor, kind=kind, filters=filters, fmt=fmt)
    return size > inline_max(fmt)


# --- Services --------------------------------------------------------------------------------


def export_job_start(
    *,
    actor,
    kind: str,
    filters: dict[str, Any] | None = None,
    fmt: str = "template",
    note: str | None = None,
) -> ExportJob:
    """Record an export job for the actor and build its file in the background. `note` is the
    filter as the audit record shows it (default: the filters, masked: `filters_note`)."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    export_check(actor=actor, kind=kind, fmt=fmt)
    job = ExportJob.objects.create(
        user=actor,
        kind=kind,
        fmt=fmt,
        filters_encrypted=crypto.encrypt(json.dumps(filters, sort_keys=True)),
        filters_note=(filters_note(filters) if note is None else note)[:500],
        language=translation.get_language() or "zh-hans",
        status=ExportStatus.QUEUED,
    )
    from . import tasks

    enqueue(tasks.run_export, job.pk, after_commit=False)
    job.refresh_from_db()
    return job


def job_filters(job: ExportJob) -> dict[str, Any]:
    return json.loads(crypto.decrypt(job.filters_encrypted)) if job.filters_encrypted else {}


class _Progress:
    """`progress(done, total)` for export_file: saved on the job at most every
    PROGRESS_INTERVAL seconds (and the last step), with the heartbeat."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < PROGRESS_INTERVAL:
            return
        self.last = now
        ExportJob.objects.filter(pk=self.job_id, status=ExportStatus.RUNNING).update(
            rows_done=max(done, 0), rows_total=max(total, 0), heartbeat_at=timezone.now()
        )


def run_export(job_id: int) -> None:
    """Build a queued job's file as the user who asked, and store it (see the module)."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        worker=worker_name(),
    )
    if not claimed:
        return  # gone, or already taken by another worker
    job = ExportJob.objects.select_related("user").get(pk=job_id)
    refusal = _refusal(job)
    if refusal is not None:  # the user may no longer make this export
        _fail(job_id, refusal)
        return
    try:
        with translation.override(job.language or "zh-hans"):
            result = export_file(
                actor=job.user,
                kind=job.kind,
                filters=job_filters(job),
                fmt=job.fmt,
                note=job.filters_note,
                progress=_Progress(job.pk),
            )
        _store(job, result.data, result.filename, result.rows)
    except Exception as exc:  # recorded on the job; nothing is offered for download
        logger.exception("export job %s failed", job_id)
        _fail(job_id, _failure(exc))


def _store(job: ExportJob, data: bytes, filename: str, rows: int) -> None:
    """Save the file and mark the job done; if the job cannot be marked done, the file goes."""
    job.file.save(f"export-{job.pk}.xlsx", ContentFile(data), save=False)
    try:
        done = _mark_done(job, filename, rows)
    except Exception:
        job.file.delete(save=False)
        raise
    if not done:  # marked failed meanwhile (taken for dead): keep no file
        job.file.delete(save=False)


def _refusal(job: ExportJob) -> ApplicationError | None:
    """Why the job's user may not make its export now (in both languages), or None."""
    texts = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            try:
                export_check(actor=job.user, kind=job.kind, fmt=job.fmt)
            except ApplicationError as exc:
                texts[language] = exc.message
    if not texts:
        return None
    return bilingual(texts["en"], texts["zh-hans"])


def _mark_done(job: ExportJob, filename: str, rows: int) -> int:
    return ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        file=job.file.name,
        file_name=filename,
        row_count=rows,
        finished_at=timezone.now(),
    )


def _failure(exc: BaseException) -> ApplicationError:
    if isinstance(exc, ApplicationError) and exc.message_en != exc.message_zh:
        return exc
    if isinstance(exc, MemoryError):
        return translated(
            gettext_lazy(
                "The export needs more memory than the server has; no file was made. Narrow the "
                "filter and export in parts."
            )
        )
    return translated(
        gettext_lazy("The export failed and no file was made (%(error)s)."),
        {"error": type(exc).__name__},
    )


def _stopped() -> ApplicationError:
    return translated(
        gettext_lazy(
            "The export stopped before it finished (its process ended or stopped answering); "
            "no file was made. Export again."
        )
    )


def _fail(job_id: int, reason: ApplicationError, *, only: QuerySet | None = None) -> bool:
    match = only if only is not None else ExportJob.objects.filter(pk=job_id, status__in=ACTIVE)
    return bool(
        match.update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            message_zh=reason.message_zh,
            message_en=reason.message_en,
        )
    )


# --- Reads -----------------------------------------------------------------------------------


def export_job_list(*, actor) -> QuerySet[ExportJob]:
    """The actor's own export jobs, newest first."""
    return ExportJob.objects.filter(user_id=actor.pk).order_by("-created_at", "-id")


def export_job_get(*, actor, pk: int) -> ExportJob:
    """One of the actor's own export jobs; anyone else's, like a missing one, is not found."""
    job = export_job_list(actor=actor).filter(pk=pk).first()
    if job is None:
        raise NotFound(_("No such export."))
    return export_job_recover_if_stale(job)


def export_job_running(*, actor) -> list[ExportJob]:
    """The actor's exports still queued or running (the dashboard lists them)."""
    export_jobs_recover()
    return list(export_job_list(actor=actor).filter(status__in=ACTIVE)[:10])


def export_progress(job: ExportJob) -> dict[str, Any]:
    """{"percent", "rows_done", "rows_total", "finished"} for the progress bar."""
    finished = job.status not in ACTIVE
    total = job.rows_total
    if job.status == ExportStatus.DONE:
        percent = 100
    elif total:
        percent = min(99, int(job.rows_done * 100 / total))
    else:
        percent = 0
    return {
        "percent": percent,
        "rows_done": job.rows_done,
        "rows_total": total,
        "finished": finished,
    }


def export_job_message(job: ExportJob) -> str:
    """Why the job failed, in the active language."""
    english = (translation.get_language() or "").startswith("en")
    return (job.message_en if english else job.message_zh) or job.message_en or job.message_zh


def export_job_file(*, job: ExportJob) -> bytes:
    """The file of a finished job (the caller is its owner: see `export_job_get`); Gone once
    deleted after the retention period, NotFound while it has none (running, failed)."""
    if job.status != ExportStatus.DONE:
        raise NotFound(_("This export has no file."))
    if not job.file:
        raise _file_gone()
    try:
        with job.file.open("rb") as f:
            return f.read()
    except FileNotFoundError:
        raise _file_gone() from None


def _file_gone() -> Gone:
    return translated(
        gettext_lazy(
            "The exported file is no longer kept (exports are deleted after %(days)s days): "
            "export again."
        ),
        {"days": retention_days()},
        error=Gone,
    )


# --- Dead workers and old files --------------------------------------------------------------


def retention_days() -> int:
    return int(getattr(settings, "QIANGSHI_EXPORT_RETENTION_DAYS", 7))


def _stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "QIANGSHI_JOB_STALE_AFTER_SECONDS", 600))


def export_job_is_stale(job: ExportJob, now=None) -> bool:
    """Whether a queued or running job's worker is dead: its process (on this host) is gone,
    or nothing was heard from it for `QIANGSHI_JOB_STALE_AFTER_SECONDS`."""
    if job.status not in ACTIVE:
        return False
    if job.status == ExportStatus.RUNNING:
        gone = _worker_gone(job.worker or "")
        if gone is not None:
            return gone
    beat = job.heartbeat_at or job.created_at
    return beat is not None and (now or timezone.now()) - beat > _stale_after()


def export_job_recover_if_stale(job: ExportJob) -> ExportJob:
    if export_job_is_stale(job):
        only = ExportJob.objects.filter(pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at)
        if _fail(job.pk, _stopped(), only=only):
            job.refresh_from_db()
    return job


def export_jobs_recover() -> list[int]:
    """Mark failed every queued or running export job whose worker is dead; their ids."""
    now = timezone.now()
    recovered = []
    for job in ExportJob.objects.filter(status__in=ACTIVE).only(
        "id", "status", "heartbeat_at", "worker", "created_at"
    ):
        if export_job_is_stale(job, now):
            only = ExportJob.objects.filter(
                pk=job.pk, status=job.status, heartbeat_at=job.heartbeat_at
            )
            if _fail(job.pk, _stopped(), only=only):
                logger.warning("export job %s was left %s by a dead worker", job.pk, job.status)
                recovered.append(job.pk)
    return recovered


def export_files_purge(*, older_than_days: int) -> int:
    """Delete the files of export jobs finished more than the given days ago (they may hold ID
    numbers in clear); the jobs stay on record. Returns how many files were deleted."""
    export_jobs_recover()
    return job_files_purge(ExportJob.objects.exclude(status__in=ACTIVE), older_than_days)
