"""HTTP API of export jobs: start an export in the background, follow it, download its file.

A caller sees and downloads only their own export jobs; anyone else's (whatever the role)
answers 404. A role that may not make an export is refused with 403.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import ConfigDict

from qiangshi.access.api import ERRORS, ErrorOut, Id, Pagination, plain, requires
from qiangshi.core.errors import Gone
from qiangshi.teachers.api import TeacherFilters

from . import export_jobs
from .exports import KINDS
from .models import ExportFormat, ExportStatus

router = Router(tags=["exports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportJobOut(Schema):
    id: int
    kind: str
    kind_label: str
    format: ExportFormat
    status: ExportStatus
    status_label: str
    progress: int = Field(description="Percent done, 0–100")
    rows_done: int
    rows_total: int
    rows: int = Field(description="Rows written (once done)")
    finished: bool
    download: str | None = Field(description="The file's URL once it is ready (only for you)")
    message: str = Field(description="Why it failed, in the request's language")
    message_zh: str
    message_en: str
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj.get_kind_display()

    @staticmethod
    def resolve_format(obj) -> str:
        return obj.fmt

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_progress(obj) -> int:
        return export_jobs.export_progress(obj)["percent"]

    @staticmethod
    def resolve_rows(obj) -> int:
        return obj.row_count

    @staticmethod
    def resolve_finished(obj) -> bool:
        return export_jobs.export_progress(obj)["finished"]

    @staticmethod
    def resolve_download(obj) -> str | None:
        if obj.status == ExportStatus.DONE and obj.file:
            return f"/api/exports/{obj.pk}/download"
        return None

    @staticmethod
    def resolve_message(obj) -> str:
        return export_jobs.export_job_message(obj)


class ExportFilters(TeacherFilters):
    """The teacher list's filters (teachers and history tables), or the school list's
    (schools, facilities: district, school, stage, and `year` for facilities)."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(None, ge=1900, le=2200, description="Facilities: only this year")


class ExportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: Literal[KINDS] = Field(  # type: ignore[valid-type]
        description="teachers, schools, facilities, or a history table: education, titles, "
        "recognitions, employments"
    )
    format: ExportFormat = Field(
        ExportFormat.TEMPLATE,
        description="template: the import template's layout; national: the national "
        "teacher-information template (teachers only); list: the teacher list as shown, "
        "national ID and phone masked (teachers only)",
    )
    filters: ExportFilters = Field(default_factory=ExportFilters)


@router.get(
    "", response={200: list[ExportJobOut], **ERRORS}, summary="Your export jobs, newest first"
)
@paginate(Pagination)
@requires()
def export_list(request):
    export_jobs.export_jobs_recover()
    return export_jobs.export_job_list(actor=request.auth)


@router.post(
    "",
    response={201: ExportJobOut, **ERRORS},
    summary="Start an export as a background job",
    description=(
        "The file is built in the background with your scope (the same file as a direct "
        "export, the same audit record and access-log row); follow it with "
        "`GET /api/exports/{id}` and download it from `GET /api/exports/{id}/download` once "
        "`status` is `done`. Only you can see and download it; it is deleted after some days."
    ),
)
@requires()  # which permission depends on the kind: `export_check` answers 403
def export_create(request, payload: ExportIn):
    actor = request.auth
    filters = {k: v for k, v in plain(payload.filters.model_dump()).items() if v is not None}
    job = export_jobs.export_job_start(
        actor=actor, kind=payload.kind, filters=filters, fmt=payload.format.value
    )
    return Status(201, job)


@router.get("/{job_id}", response={200: ExportJobOut, **ERRORS}, summary="An export's status")
@requires()
def export_detail(request, job_id: Id):
    return export_jobs.export_job_get(actor=request.auth, pk=job_id)


@router.get(
    "/{job_id}/download",
    response={410: ErrorOut, **ERRORS},
    summary="The exported file (xlsx), once the job is done",
    description="404 while it runs, when it failed, or for anyone but its owner; 410 once the "
    "file is deleted after the retention period.",
)
@requires()
def export_download(request, job_id: Id):
    job = export_jobs.export_job_get(actor=request.auth, pk=job_id)
    try:
        data = export_jobs.export_job_file(job=job)
    except Gone as exc:
        return Status(410, {"message": exc.message, "fields": exc.fields})
    response = HttpResponse(data, content_type=XLSX)
    name = job.file_name or f"export-{job.pk}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
