"""Import jobs: upload → check in the background → preview → confirm → import in the background.

`import_job_start` stores the uploaded file on a new ImportJob ("validating") and runs the check
as a Celery task (`tasks.validate_import`): `import_file(dry_run=True)`, which leaves the job
"validated" (nothing wrong, waiting for the user's confirmation) or "rejected" (every problem
listed). `import_job_commit` (only the uploader, only from "validated") runs the real import as
a task (`tasks.commit_import`); `import_file` writes everything in one transaction and records
the outcome on the job ("committed"); any failure marks the job "failed" and writes nothing.

Progress (stage, rows done, rows in the file) is written to the job as the work advances, at
most every `PROGRESS_INTERVAL` seconds. Without a broker (CELERY_TASK_ALWAYS_EAGER) the tasks run
in-process, in the request, with the same records.

A real worker runs the import's transaction on its own connection; a progress row updated on
that connection inside the transaction would stay invisible to the polling page until the commit.
On PostgreSQL such writes therefore go through a second, autocommit connection
(`_SideChannel`); on SQLite (one writer at a time) they are skipped inside a transaction.

A job in the national layout (`ImportLayout.NATIONAL`, teachers only) stores the workbook as
uploaded and converts it to the import template's layout (`national.national_to_import_file`)
each time it is checked or imported; the job keeps the workbook's name and hash. Its problems,
the header found and the annotated download are those of the converted roster: the template's
columns, one row per row of the 基本信息 sheet at the same row number. A workbook that cannot
be converted ends the check as rejected, with the reason, and nothing is written.

Without a broker the tasks run in a child process capped in memory (`core.background`): a file
that needs more than `QIANGSHI_IMPORT_MEMORY_LIMIT_MB` fails its job, never the web process.
While a job is validating or running its worker beats `heartbeat_at` (with each progress write
and every `QIANGSHI_JOB_HEARTBEAT_SECONDS` from a thread of its own) and names itself in
`worker`. A job whose process is gone, or whose heartbeat is older than
`QIANGSHI_JOB_STALE_AFTER_SECONDS`, is marked failed with a message in both languages
(`import_jobs_recover`: at start-up by `qiangshi recover_jobs`, by `purge_import_files`, and
whenever jobs are listed or looked at); its upload is then purged on schedule, and its
uploader may run it again (`import_job_retry`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, connections
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.models import Role
from qiangshi.access.scoping import can
from qiangshi.core.background import enqueue, in_job_thread, memory_limit_bytes
from qiangshi.core.errors import ApplicationError, Forbidden, Gone, NotFound, bilingual, translated
from qiangshi.core.services import audit_record
from qiangshi.engines import tabular

from .annotate import annotated_workbook
from .limits import max_rows, max_upload_bytes, read_limits
from .models import ImportJob, ImportKind, ImportLayout, ImportStatus
from .national import national_to_import_file
from .selectors import columns_for
from .services import import_file
from .specs import ignore_problem_column

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between progress writes
ACTIVE = (ImportStatus.VALIDATING, ImportStatus.RUNNING)
MAX_STORED_ERRORS = 5000


def _no_mapping_message() -> str:
    """Why a national-layout file has no hand-matched columns (in the active language)."""
    return _("The columns of a file in the national template's layout cannot be matched by hand.")


def upload_too_large() -> ApplicationError:
    """A file larger than the upload cap, refused in both languages."""
    error = translated(
        gettext_lazy("The file is larger than %(size)s MB; split it into smaller files."),
        {"size": max_upload_bytes() // (1024 * 1024)},
    )
    error.fields = {"file": error.message}
    return error


# Bulk import is for the roles that may register and change teachers; what else a kind of data
# needs (creating schools, …) its import checks.
IMPORT_PERMISSIONS = ("teacher.create", "teacher.change")


# Kinds that roles without the teacher permissions load: the permissions each one needs instead
# (the pilot office, which registers no teacher, loads the pilot regions' figures).
OWN_GATE_KINDS = {"pilot-indicators": ("pilotfigure.change",)}


def may_import(actor, kind: str | None = None) -> bool:
    """Whether the actor's role may bulk-import (create and change teachers), or import `kind`
    when that kind has its own gate (`OWN_GATE_KINDS`); with no kind, whether it may import
    anything at all (the import pages)."""
    if all(can(actor, *p.split(".")) for p in IMPORT_PERMISSIONS):
        return True
    gates = [OWN_GATE_KINDS[kind]] if kind in OWN_GATE_KINDS else []
    if kind is None:
        gates = list(OWN_GATE_KINDS.values())
    return any(all(can(actor, *p.split(".")) for p in perms) for perms in gates)


# --- Services ------------------------------------------------------------------------------


def import_job_start(
    *,
    actor,
    kind: str,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    commit: bool = False,
    layout: str = ImportLayout.TEMPLATE,
    school_code: str = "",
) -> ImportJob:
    """Store the upload on a new job and check it in the background (nothing is written).

    With `commit`, a file without problems is imported right after the check (the API's
    one-step import, like the command line); otherwise it waits for `import_job_commit`.
    `layout` "national" reads a workbook in the national teacher-information template's layout
    (teachers only); `school_code` then fills 学校代码 where the workbook has no school codes.
    """
    if not may_import(actor, kind):
        raise Forbidden(_("You may not import teachers."))
    if kind not in ImportKind.values or columns_for(kind) is None:
        raise ApplicationError(
            _("Importing %(kind)s is not available yet.") % {"kind": kind}, fields={"kind": kind}
        )
    if len(data) > max_upload_bytes():
        raise upload_too_large()
    layout, school_code = _clean_layout(kind, layout, school_code, mapping)
    mapping = _clean_mapping(kind, mapping)
    name = PurePath(filename or "upload").name[:255] or "upload"
    sha = hashlib.sha256(data).hexdigest()
    job = ImportJob(
        kind=kind,
        user=actor,
        file_name=name,
        file_sha256=sha,
        layout=layout,
        school_code=school_code,
        column_mapping=mapping,
        status=ImportStatus.VALIDATING,
        stage="read",
        heartbeat_at=timezone.now(),
    )
    # The stored name says nothing about the file's content; the user's name is kept apart.
    suffix = PurePath(name).suffix.lower()[:8]
    job.file.save(f"{sha[:16]}-{uuid.uuid4().hex[:8]}{suffix}", ContentFile(data), save=False)
    job.save()
    _dispatch("validate", job.pk, then_commit=commit)
    job.refresh_from_db()
    return job


def import_job_remap(*, actor, job: ImportJob, mapping: dict[str, str]) -> ImportJob:
    """Check the job's file again with columns mapped by hand ({header text: column key})."""
    if job.user_id != actor.pk:
        raise NotFound(_("Not found"))
    if job.status not in (ImportStatus.VALIDATED, ImportStatus.REJECTED):
        raise ApplicationError(_("Only a checked file can be checked again."))
    if job.layout == ImportLayout.NATIONAL:
        # Its columns are found by the national template's names, not matched by hand.
        raise ApplicationError(_no_mapping_message())
    merged = {**(job.column_mapping or {}), **_clean_mapping(job.kind, mapping)}
    claimed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportStatus.VALIDATED, ImportStatus.REJECTED]
    ).update(
        status=ImportStatus.VALIDATING,
        stage="read",
        column_mapping=merged,
        rows_done=0,
        new=0,
        changed=0,
        unchanged=0,
        rejected=0,
        errors=[],
        message="",
        finished_at=None,
        heartbeat_at=timezone.now(),
        worker="",
    )
    if not claimed:
        raise ApplicationError(_("Only a checked file can be checked again."))
    _dispatch("validate", job.pk)
    job.refresh_from_db()
    return job


def import_job_commit(*, actor, job: ImportJob) -> ImportJob:
    """Import a checked file (in the background): only its uploader, only once."""
    if job.user_id != actor.pk:
        if getattr(actor, "role", None) == Role.ADMIN:
            raise Forbidden(_("Only the person who uploaded the file can confirm it."))
        raise NotFound(_("Not found"))
    if not may_import(actor, job.kind):
        raise Forbidden(_("You may not import teachers."))
    # Claim the job in one statement: a double click or a second tab cannot import twice.
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.RUNNING,
        stage="read",
        rows_done=0,
        message="",
        heartbeat_at=timezone.now(),
        worker="",
    )
    if not claimed:
        raise ApplicationError(_("Only a checked file without problems can be imported."))
    _dispatch("commit", job.pk)
    job.refresh_from_db()
    return job


def import_job_retry(*, actor, job: ImportJob) -> ImportJob:
    """Run a failed job again from its check (its uploader only, while its file is kept): the
    way back from a job whose process died. Confirming it imports it, as any checked file."""
    if job.user_id != actor.pk:
        raise NotFound(_("Not found"))
    if not may_import(actor, job.kind):
        raise Forbidden(_("You may not import teachers."))
    if job.status != ImportStatus.FAILED:
        raise ApplicationError(_("Only a failed import can be started again."))
    if not job.file:
        raise ApplicationError(_("The uploaded file is no longer kept: upload it again."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.FAILED).update(
        status=ImportStatus.VALIDATING,
        stage="read",
        rows_done=0,
        new=0,
        changed=0,
        unchanged=0,
        rejected=0,
        errors=[],
        notes=[],
        message="",
        finished_at=None,
        heartbeat_at=timezone.now(),
        worker="",
    )
    if not claimed:
        raise ApplicationError(_("Only a failed import can be started again."))
    _dispatch("validate", job.pk)
    job.refresh_from_db()
    return job


def _clean_layout(
    kind: str, layout: str, school_code: str, mapping: dict[str, str] | None
) -> tuple[str, str]:
    """The layout and school code of an upload, refused where they do not apply."""
    layout = (layout or ImportLayout.TEMPLATE).strip()
    school_code = (school_code or "").strip()

    def refuse(field: str, message: str) -> ApplicationError:
        return ApplicationError(message, fields={field: message})

    if layout not in ImportLayout.values:
        raise refuse(
            "layout",
            _("“%(layout)s” is not a file layout: use “template” or “national”.")
            % {"layout": layout[:40]},
        )
    if layout == ImportLayout.TEMPLATE:
        if school_code:
            raise refuse(
                "school_code",
                _("A school code applies only to a file in the national template's layout."),
            )
        return layout, ""
    if kind != ImportKind.TEACHERS:
        raise refuse(
            "layout",
            _("The national teacher-information template holds teachers: import it as teachers."),
        )
    if mapping:
        raise refuse("mapping", _no_mapping_message())
    max_length = ImportJob._meta.get_field("school_code").max_length
    if len(school_code) > max_length:
        raise refuse(
            "school_code",
            _("A school code has at most %(max)s characters.") % {"max": max_length},
        )
    return layout, school_code


def _clean_mapping(kind: str, mapping: dict[str, str] | None) -> dict[str, str]:
    """{header text: column key or ""}; a key that is not a column of this kind is refused."""
    columns = columns_for(kind) or []
    keys = {c.key for c in columns}
    clean: dict[str, str] = {}
    for header, key in (mapping or {}).items():
        header, key = str(header).strip(), (key or "").strip()
        if not header:
            continue
        if key and key not in keys:
            raise ApplicationError(
                _("“%(key)s” is not a column of this import.") % {"key": key},
                fields={"mapping": key},
            )
        clean[header[:200]] = key
    return clean


def _dispatch(which: str, job_id: int, **kwargs: Any) -> None:
    """Run a job's task: in-process now (no broker), or on a worker once this transaction commits."""
    from . import tasks

    task = {"validate": tasks.validate_import, "commit": tasks.commit_import}[which]
    kwargs["language"] = translation.get_language() or "zh-hans"
    enqueue(
        task,
        job_id,
        after_commit=False,
        isolated=True,
        on_lost="qiangshi.imports.jobs:job_process_lost",
        **kwargs,
    )


# --- Progress ------------------------------------------------------------------------------


class _SideChannel:
    """A second, autocommit connection for progress writes made inside the import's transaction
    (PostgreSQL only; the worker's own connection would keep them invisible until the commit)."""

    def __init__(self) -> None:
        self.conn = None

    def update(self, job_id: int, values: dict[str, Any]) -> None:
        if self.conn is None:
            self.conn = connections.create_connection("default")
        table = ImportJob._meta.db_table
        columns = ", ".join(f"{name} = %s" for name in values)
        try:
            with self.conn.cursor() as cursor:
                # The job row may be locked by the import itself: never wait for it.
                cursor.execute("SET lock_timeout = '100ms'")
                cursor.execute(
                    f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), job_id]
                )
        except DatabaseError:
            logger.debug("progress write skipped for import job %s", job_id, exc_info=True)

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def worker_name() -> str:
    """This process as a job's worker: "host:pid:start" (the start time tells a process from a
    later one that reuses its pid)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid) or ''}"[:100]


def _started(pid: int) -> str | None:
    """When the process started (clock ticks since boot, from /proc), or None if it is gone
    (or /proc cannot tell)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    return fields[19].decode() if len(fields) > 19 else None


def _worker_gone(worker: str) -> bool | None:
    """Whether the worker process named is gone: True or False for a process of this host,
    None for another host's (or no name): only its heartbeat can tell then."""
    host, _, rest = worker.partition(":")
    pid, _, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    if not os.path.isdir("/proc/self"):  # no /proc: ask the kernel whether the pid exists
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False
    started = _started(int(pid))
    return started is None or (bool(start) and started != start)


class _Heartbeat(threading.Thread):
    """Beats a job's heartbeat from a thread of its own (and its own connection) while the work
    runs, so that a long step without progress (reading a large sheet, a commit) still shows
    the job alive. A beat that cannot be written (the row is locked, SQLite is writing the
    import) is skipped."""

    def __init__(self, job_id: int, interval: float):
        super().__init__(name=f"import-heartbeat:{job_id}", daemon=True)
        self.job_id = job_id
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    ImportJob.objects.filter(pk=self.job_id, status__in=ACTIVE).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    logger.debug("heartbeat skipped for import job %s", self.job_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=1)


class JobProgress:
    """`progress(stage, done, total)` for import_file: saves the job's progress, throttled,
    and keeps the job's heartbeat (see the module's docstring)."""

    def __init__(self, job: ImportJob, interval: float = PROGRESS_INTERVAL):
        self.job_id = job.pk
        self.interval = interval
        self.stage = ""
        self.last = 0.0
        self.side = _SideChannel()
        ImportJob.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now(), worker=worker_name()
        )
        self.beat = None
        beat = getattr(settings, "QIANGSHI_JOB_HEARTBEAT_SECONDS", 0)
        if beat and _elsewhere():  # within the request that started it, nobody waits
            self.beat = _Heartbeat(job.pk, beat)
            self.beat.start()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        final = done >= total
        if stage == self.stage and not final and now - self.last < self.interval:
            return
        self.stage, self.last = stage, now
        self.write(
            {
                "stage": stage[:16],
                "rows_done": max(done, 0),
                "rows_total": max(total, 0),
                "heartbeat_at": timezone.now(),
            }
        )

    def write(self, values: dict[str, Any]) -> None:
        # Within the request that started it (eager, no thread) nobody polls meanwhile: the
        # job's row is updated on the import's own connection.
        if connection.in_atomic_block and _elsewhere():
            if connection.vendor == "postgresql":
                self.side.update(self.job_id, values)
            return  # SQLite: one writer at a time; the final state is saved after the commit
        ImportJob.objects.filter(pk=self.job_id).update(**values)

    def close(self) -> None:
        if self.beat is not None:
            self.beat.stop()
        self.side.close()


def _elsewhere() -> bool:
    """Whether this job runs on a worker, in a job's thread or child: not within the request
    that started it."""
    from . import tasks

    return not tasks.validate_import.app.conf.task_always_eager or in_job_thread()


# --- The work the tasks do -----------------------------------------------------------------


def _file_bytes(job: ImportJob) -> bytes:
    with job.file.open("rb") as f:
        return f.read()


def _converted(job: ImportJob, data: bytes) -> tuple[bytes, str, tuple[str, bytes] | None]:
    """(data, file name, original) for import_file: a national-layout workbook converted to
    the import template's layout (raises ApplicationError when it cannot be), with the
    workbook as `original`; any other file as it is."""
    if job.layout != ImportLayout.NATIONAL:
        return data, job.file_name, None
    converted = national_to_import_file(data, school_code=job.school_code, filename=job.file_name)
    return converted, f"{PurePath(job.file_name).stem or 'national'}.csv", (job.file_name, data)


def _conversion_failure(exc: ApplicationError) -> ApplicationError:
    """The error that stopped a national-layout workbook's conversion, worded as such in both
    languages."""
    texts = {}
    for language, reason in (("zh-hans", exc.message_zh), ("en", exc.message_en)):
        with translation.override(language):
            texts[language] = _conversion_message(reason)
    return bilingual(texts["en"], texts["zh-hans"])


def _conversion_message(reason: str) -> str:
    return _(
        "The file could not be read in the national teacher-information template's layout: "
        "%(reason)s"
    ) % {"reason": reason}


def _file_error(exc: ApplicationError) -> dict[str, Any]:
    """A problem with the whole file, in both languages."""
    return {
        "row": None,
        "column": "",
        "value": "",
        "reason": exc.message,
        "reason_zh": exc.message_zh,
        "reason_en": exc.message_en,
    }


def _header_info(data: bytes, filename: str, kind: str, mapping: dict[str, str]) -> dict:
    """The header as matched: every heading, those not recognised, required ones missing."""
    columns = columns_for(kind) or []
    try:
        table = tabular.read_table(data, filename, max_rows=max_rows(), limits=read_limits())
        specs = [tabular.ColumnSpec(c.key, list(c.names), c.required) for c in columns]
        overrides = ignore_problem_column(table.header, columns, mapping)
        match = tabular.match_headers(table.header, specs, overrides=overrides)
    except (tabular.TableError, ValueError):
        return {}
    return {
        "header": table.header,
        "unknown": [[index, text] for index, text in match.unknown],
        "missing": list(match.missing_required),
        "mapped": match.mapping,
    }


def _finish(job_id: int, **values: Any) -> None:
    values.setdefault("stage", "")
    values.setdefault("finished_at", timezone.now())
    ImportJob.objects.filter(pk=job_id).update(**values)


def _fail(job_id: int, exc: BaseException) -> None:
    logger.exception("import job %s failed", job_id, exc_info=exc)
    if isinstance(exc, MemoryError):
        _finish_lost(job_id, None, _out_of_memory())
        return
    _finish(
        job_id,
        status=ImportStatus.FAILED,
        message=_("The import failed and nothing was imported (%(error)s).")
        % {"error": type(exc).__name__},
    )


def run_validation(job_id: int, *, language: str = "zh-hans", then_commit: bool = False) -> None:
    """Check the job's file (a dry run) and save the preview on the job."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.VALIDATING:
        return  # already done (a redelivered task) or gone
    progress = JobProgress(job)
    try:
        with translation.override(language):
            stored = _file_bytes(job)
            mapping = job.column_mapping or {}
            try:
                data, filename, original = _converted(job, stored)
            except ApplicationError as exc:
                failure = _conversion_failure(exc)
                _finish(
                    job_id,
                    status=ImportStatus.REJECTED,
                    message=failure.message,
                    errors=[_file_error(failure)],
                    header_info={},
                )
                return
            try:
                result = import_file(
                    actor=job.user,
                    kind=job.kind,
                    data=data,
                    filename=filename,
                    dry_run=True,
                    mapping=mapping or None,
                    progress=progress,
                    original=original,
                    school_code=job.school_code,
                )
            except ApplicationError as exc:
                _finish(
                    job_id,
                    status=ImportStatus.REJECTED,
                    message=exc.message,
                    errors=[_file_error(exc)],
                    header_info=_header_info(data, filename, job.kind, mapping),
                )
                return
            errors = [p.as_dict() for p in result.problems[:MAX_STORED_ERRORS]]
            message = ""
            if len(result.problems) > MAX_STORED_ERRORS:
                message = _("%(total)s problems; the first %(shown)s are listed.") % {
                    "total": len(result.problems),
                    "shown": MAX_STORED_ERRORS,
                }
            counted = result.new + result.changed + result.unchanged
            _finish(
                job_id,
                status=ImportStatus.REJECTED if result.problems else ImportStatus.VALIDATED,
                new=result.new,
                changed=result.changed,
                unchanged=result.unchanged,
                rejected=result.rejected,
                rows_total=counted + result.rejected,
                rows_done=counted + result.rejected,
                errors=errors,
                notes=result.notes(),
                message=message,
                header_info=_header_info(data, filename, job.kind, mapping),
            )
    except Exception as exc:
        _fail(job_id, exc)
        return
    finally:
        progress.close()
    if then_commit and not result.problems:
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.VALIDATED).update(
            status=ImportStatus.RUNNING, stage="read", rows_done=0
        )
        run_commit(job_id, language=language)


def run_commit(job_id: int, *, language: str = "zh-hans") -> None:
    """Import the job's file in one transaction; on any failure nothing is written."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.RUNNING:
        return
    progress = JobProgress(job)
    try:
        with translation.override(language):
            stored = _file_bytes(job)
            if hashlib.sha256(stored).hexdigest() != job.file_sha256:
                raise ApplicationError(_("The stored file has changed since it was checked."))
            data, filename, original = _converted(job, stored)
            result = import_file(
                actor=job.user,
                kind=job.kind,
                data=data,
                filename=filename,
                dry_run=False,
                mapping=job.column_mapping or None,
                progress=progress,
                job=job,
                original=original,
                school_code=job.school_code,
            )
            if result.job is not None and result.job.pk != job.pk:
                # import_file recorded a rejection on a row of its own: keep one record.
                result.job.delete()
            if result.committed:
                _finish(job_id, finished_at=job.finished_at or timezone.now())
                job.file.delete(save=False)  # the registry holds the data now, encrypted
                ImportJob.objects.filter(pk=job_id).update(file="")
                return
            # The registry changed since the check (e.g. someone registered the same person).
            _finish(
                job_id,
                status=ImportStatus.REJECTED,
                new=result.new,
                changed=result.changed,
                unchanged=result.unchanged,
                rejected=result.rejected,
                errors=[p.as_dict() for p in result.problems[:MAX_STORED_ERRORS]],
                message=_("The registry changed since the file was checked; nothing was imported."),
            )
    except ApplicationError as exc:
        _finish(job_id, status=ImportStatus.FAILED, message=exc.message)
    except Exception as exc:
        _fail(job_id, exc)
    finally:
        progress.close()


def import_job_annotated(*, job: ImportJob, language: str, reason_title: str) -> bytes:
    """The job's rows as xlsx with the bad cells red and a column of reasons.

    For a national-layout job, the roster converted to the import template's layout (where
    the problems were found), one row per row of its 基本信息 sheet. Raises Gone when the
    stored upload is no longer there (purged, or lost from the storage), ApplicationError when
    there is nothing to annotate (the file cannot be read or converted).
    """
    if not job.file:
        raise _file_gone()
    try:
        stored = _file_bytes(job)
    except FileNotFoundError:
        logger.warning("the stored upload of import job %s is missing", job.pk)
        raise _file_gone() from None
    data, filename, _original = _converted(job, stored)
    try:
        return annotated_workbook(
            data=data,
            filename=filename,
            problems=job.errors or [],
            language=language,
            reason_title=reason_title,
        )
    except tabular.TableError as exc:
        message = exc.message_en if language.startswith("en") else exc.message_zh
        raise ApplicationError(message) from None


def _file_gone() -> Gone:
    return translated(
        gettext_lazy(
            "The uploaded file is no longer kept (uploads are deleted once imported or after "
            "some days): upload it again to get the annotated file."
        ),
        error=Gone,
        fields={"file": "gone"},
    )


def import_files_purge(*, older_than_days: int) -> int:
    """Delete stored uploads of finished or abandoned jobs older than the given age.

    Uploads hold national ID numbers in clear; once a job is imported, rejected or left
    unconfirmed for that long, the file is no longer needed (its counts, problems and hash stay on
    the job). A job whose process died is marked failed first (`import_jobs_recover`), so that
    its file goes too; only a live job keeps its file. Returns how many files were deleted.
    """
    import_jobs_recover()
    return job_files_purge(ImportJob.objects.exclude(status__in=ACTIVE), older_than_days)


def job_files_purge(jobs, older_than_days: int) -> int:
    """Delete the stored files of the jobs (an import or export job queryset) created more
    than the given days ago, keeping the jobs; returns how many files were deleted."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    for job in jobs.filter(created_at__lt=cutoff).exclude(file="").iterator():
        job.file.delete(save=False)
        jobs.model.objects.filter(pk=job.pk).update(file="")
        deleted += 1
    return deleted


# --- Jobs whose process died ----------------------------------------------------------------


def _stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "QIANGSHI_JOB_STALE_AFTER_SECONDS", 600))


def job_is_stale(job: ImportJob, now=None) -> bool:
    """Whether a validating or running job's worker is dead: its process (on this host) is
    gone, or its heartbeat is older than `QIANGSHI_JOB_STALE_AFTER_SECONDS` (a worker on
    another host, or none yet). A live process on this host is never stale: SQLite cannot
    record a heartbeat while an import writes."""
    if job.status not in ACTIVE:
        return False
    gone = _worker_gone(job.worker or "")
    if gone is not None:
        return gone
    beat = job.heartbeat_at or job.created_at
    return beat is not None and (now or timezone.now()) - beat > _stale_after()


def _stopped() -> ApplicationError:
    return translated(
        gettext_lazy(
            "The job stopped before it finished (its process ended or stopped answering); "
            "nothing was imported. Start it again with “Retry”, or upload the file again."
        )
    )


def _out_of_memory() -> ApplicationError:
    return translated(
        gettext_lazy(
            "The file needs more memory than an import may use (%(limit)s MB); nothing was "
            "imported. Split it into smaller files."
        ),
        {"limit": memory_limit_bytes() // (1024 * 1024) or "—"},
        fields={"file": "too_large"},
    )


def _finish_lost(job_id: int, job: ImportJob | None, reason: ApplicationError) -> bool:
    """Mark an active job failed for `reason` (both languages kept, as a file problem), unless
    it moved on meanwhile (it finished, or beat again); records it in the audit log."""
    match = ImportJob.objects.filter(pk=job_id, status__in=ACTIVE)
    if job is not None:
        match = match.filter(status=job.status, heartbeat_at=job.heartbeat_at)
    claimed = match.update(
        status=ImportStatus.FAILED,
        stage="",
        finished_at=timezone.now(),
        message=reason.message,
        errors=[_file_error(reason)],
    )
    if claimed:
        audit_record(
            actor=None,
            action="import.fail",
            target=ImportJob.objects.get(pk=job_id),
            note=reason.message_en,
        )
    return bool(claimed)


def import_jobs_recover() -> list[int]:
    """Mark failed every validating or running job whose worker is dead (`job_is_stale`);
    returns their ids. Run at start-up (`qiangshi recover_jobs`), by `purge_import_files`, and
    when jobs are listed."""
    now = timezone.now()
    recovered = []
    active = ImportJob.objects.filter(status__in=ACTIVE).only(
        "id", "status", "heartbeat_at", "worker", "created_at"
    )
    for job in active:
        if job_is_stale(job, now) and _finish_lost(job.pk, job, _stopped()):
            logger.warning(
                "import job %s was left %s by a dead worker: marked failed", job.pk, job.status
            )
            recovered.append(job.pk)
    return recovered


def import_job_recover_if_stale(job: ImportJob) -> ImportJob:
    """`import_jobs_recover` for one job being looked at; returns it as it is now."""
    if job_is_stale(job) and _finish_lost(job.pk, job, _stopped()):
        job.refresh_from_db()
    return job


def job_process_lost(
    job_id: int, *, exitcode: int | None = None, error: str = "", language: str = "zh-hans", **_
) -> None:
    """A job's child process ended without finishing it (`core.background`): mark the job
    failed, for want of memory when it ran out (a MemoryError, or the reader aborting)."""
    with translation.override(language):
        # A reader that cannot allocate aborts (SIGABRT); Python raises MemoryError.
        memory = error == "MemoryError" or exitcode == -signal.SIGABRT
        _finish_lost(job_id, None, _out_of_memory() if memory else _stopped())
