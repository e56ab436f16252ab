"""Reading import jobs: a user sees their own (the administrator every one), others answer 404."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from qiangshi.access.models import Role
from qiangshi.core.errors import NotFound

from . import specs
from .models import ImportJob, ImportStatus

FINISHED = {
    ImportStatus.VALIDATED,
    ImportStatus.REJECTED,
    ImportStatus.COMMITTED,
    ImportStatus.FAILED,
}
STAGE_LABELS = {
    "read": _("Reading the file"),
    "validate": _("Checking the rows"),
    "write": _("Writing to the registry"),
}


def columns_for(kind: str) -> list[specs.Column] | None:
    """The columns of an import kind, or None while that kind has no layout yet."""
    if kind == "wages":  # built from the welfare rule sets' component lists
        from qiangshi.welfare.parity_import import wage_columns

        return wage_columns()
    if kind == "pilot-indicators":  # built from the pilot app's indicator file
        from qiangshi.pilot.importing import pilot_columns

        return pilot_columns()
    if kind == "payroll":  # the same component lists, per teacher
        from qiangshi.welfare.payroll import payroll_columns

        return payroll_columns()
    by_kind = getattr(specs, "COLUMNS_BY_KIND", None)
    if by_kind is not None:
        return by_kind.get(kind)
    return {
        "teachers": specs.TEACHER_COLUMNS,
        "schools": getattr(specs, "SCHOOL_COLUMNS", None),
        "facilities": getattr(specs, "FACILITY_COLUMNS", None),
    }.get(kind)


def import_job_list(*, actor, everyone: bool = False) -> QuerySet[ImportJob]:
    """The actor's own jobs, newest first (with `everyone`, the administrator sees all)."""
    qs = ImportJob.objects.select_related("user").defer("errors", "changes")
    if everyone and actor.role == Role.ADMIN:
        return qs
    return qs.filter(user=actor)


def import_job_get(*, actor, pk: int) -> ImportJob:
    """One job of the actor's (any job for the administrator); NotFound otherwise."""
    qs = ImportJob.objects.select_related("user")
    if actor.role != Role.ADMIN:
        qs = qs.filter(user=actor)
    job = qs.filter(pk=pk).first()
    if job is None:
        raise NotFound(_("Not found"))
    return job


def job_finished(job: ImportJob) -> bool:
    return job.status in FINISHED


def job_progress(job: ImportJob) -> dict[str, Any]:
    """What the progress bar shows: percent, the stage's label, rows done of rows."""
    done, total = job.rows_done, job.rows_total
    fraction = min(done / total, 1.0) if total else 0.0
    if job_finished(job):
        percent = 100
    elif job.status == ImportStatus.VALIDATING:
        percent = {"read": 3, "validate": 5 + 95 * fraction}.get(job.stage, 0)
    else:  # running: import_file checks every row again, then writes
        percent = {"read": 2, "validate": 2 + 38 * fraction, "write": 40 + 60 * fraction}.get(
            job.stage, 0
        )
    return {
        "percent": int(percent),
        "stage": job.stage,
        "stage_label": STAGE_LABELS.get(job.stage, ""),
        "rows_done": done,
        "rows_total": total,
        "finished": job_finished(job),
    }


def job_problems(job: ImportJob, language: str | None = None) -> list[dict[str, Any]]:
    """The job's problems as {row, column, value, reason}, the reason in the given language."""
    lang = language or translation.get_language() or "zh-hans"
    key = "reason_en" if lang.startswith("en") else "reason_zh"
    return [
        {
            "row": p.get("row"),
            "column": p.get("column") or "",
            "value": "" if p.get("value") is None else p.get("value"),
            "reason": p.get(key) or p.get("reason", ""),
        }
        for p in job.errors or []
    ]


def job_result(job: ImportJob, language: str | None = None) -> dict[str, Any]:
    """The command line's JSON shape: counts and every problem."""
    return {
        "new": job.new,
        "changed": job.changed,
        "unchanged": job.unchanged,
        "rejected": job.rejected,
        "errors": job_problems(job, language),
    }


def job_notes(job: ImportJob, language: str | None = None) -> list[dict[str, Any]]:
    """What the import fills in (or filled in) for dates the file leaves out, each note with
    its `reason` in `language` (default: the active one)."""
    english = (language or translation.get_language() or "zh-hans").startswith("en")
    return [
        {**note, "reason": note["reason_en"] if english else note["reason_zh"]}
        for note in job.notes or []
    ]


def mapping_needed(job: ImportJob) -> bool:
    """Whether the file has headings the importer does not know, or lacks required columns."""
    info = job.header_info or {}
    return bool(info.get("unknown") or info.get("missing"))
