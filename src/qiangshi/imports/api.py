"""HTTP API of bulk imports: upload a file, follow its job, read the result, confirm it.

A caller sees only their own jobs (the administrator every one); anyone else's answers 404.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from qiangshi.access.api import ERRORS, ErrorOut, Id, Pagination, requires
from qiangshi.core.errors import ApplicationError, Gone

from . import jobs, selectors
from .models import ImportKind, ImportLayout, ImportStatus

router = Router(tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Kind = Literal[tuple(ImportKind.values)]
Layout = Literal[tuple(ImportLayout.values)]


class ImportJobOut(Schema):
    id: int
    kind: str
    status: ImportStatus
    status_label: str
    stage: str
    progress: int = Field(description="Percent done, 0–100")
    rows_total: int
    rows_done: int
    file_name: str
    file_sha256: str
    layout: ImportLayout = Field(description="template, or national (the national template)")
    school: str = Field(
        description="National layout: the school code given to the rows without a 学校标识码"
    )
    column_mapping: dict[str, str]
    new: int
    changed: int
    unchanged: int
    rejected: int
    problems: int = Field(description="How many problems the check found")
    message: str
    finished: bool
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_progress(obj) -> int:
        return selectors.job_progress(obj)["percent"]

    @staticmethod
    def resolve_school(obj) -> str:
        return obj.school_code

    @staticmethod
    def resolve_problems(obj) -> int:
        return len(obj.errors or [])

    @staticmethod
    def resolve_finished(obj) -> bool:
        return selectors.job_finished(obj)


class ProblemOut(Schema):
    row: int | None
    column: str
    value: str
    reason: str


class NoteOut(Schema):
    key: str = Field(
        "",
        description="The date left out: employment_start, graduation_date or title_obtained_on",
    )
    count: int = Field(description="Rows whose file left the date out (kept empty)")
    rows: list[int] = Field(default_factory=list, description="The first of those Excel rows")
    reason: str
    reason_zh: str
    reason_en: str


class ImportResultOut(Schema):
    status: ImportStatus
    layout: ImportLayout
    new: int
    changed: int
    unchanged: int
    rejected: int
    errors: list[ProblemOut]
    notes: list[NoteOut] = Field(
        description="Dates the file leaves out that the import fills in (the import date), "
        "with how many records each"
    )


@router.get("", response={200: list[ImportJobOut], **ERRORS}, summary="Your imports, newest first")
@paginate(Pagination)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_list(request):
    jobs.import_jobs_recover()
    return selectors.import_job_list(actor=request.auth, everyone=True).defer(None)


@router.post(
    "",
    response={201: ImportJobOut, **ERRORS},
    summary="Upload a spreadsheet to import",
    description=(
        "Multipart form: `kind` (teachers, schools, facilities, …), `file` (.xlsx, .xls or "
        ".csv) and optionally `dry_run`, `layout` and `school`. `layout=national` reads a "
        "workbook in the national teacher-information template's layout (teachers only), "
        "converted to the import template's before it is checked; `school` is then the school "
        "code given to the rows that have no 学校标识码 of their own. The job keeps the "
        "workbook's name and hash. The file is checked as a background job; follow it with "
        "`GET /api/imports/{id}`. With `dry_run=true` nothing is written: the job stops at "
        "`validated` (or `rejected`) and `POST /api/imports/{id}/commit` imports it. Without it a "
        "file that has no problem is imported right after the check, all or nothing."
    ),
)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_create(
    request,
    kind: Form[Kind],
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    layout: Form[Layout] = ImportLayout.TEMPLATE.value,
    school: Form[str] = "",
):
    if file.size is not None and file.size > jobs.max_upload_bytes():
        raise jobs.upload_too_large()  # before it is read
    data = file.read()
    job = jobs.import_job_start(
        actor=request.auth,
        kind=kind,
        data=data,
        filename=file.name or "",
        commit=not dry_run,
        layout=layout,
        school_code=school,
    )
    return Status(201, job)


@router.get("/{job_id}", response={200: ImportJobOut, **ERRORS}, summary="An import's status")
@requires(*jobs.IMPORT_PERMISSIONS)
def import_detail(request, job_id: Id):
    job = selectors.import_job_get(actor=request.auth, pk=job_id)
    return jobs.import_job_recover_if_stale(job)


@router.get(
    "/{job_id}/result",
    response={200: ImportResultOut, **ERRORS},
    summary="Counts and every problem (row as Excel shows it, column, value, reason)",
)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_result(request, job_id: Id):
    job = selectors.import_job_get(actor=request.auth, pk=job_id)
    return {
        "status": job.status,
        "layout": job.layout,
        **selectors.job_result(job),
        "notes": selectors.job_notes(job),
    }


@router.post(
    "/{job_id}/commit",
    response={200: ImportJobOut, **ERRORS},
    summary="Confirm a checked import (only its uploader, only when it has no problem)",
)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_commit(request, job_id: Id):
    job = selectors.import_job_get(actor=request.auth, pk=job_id)
    if job.status != ImportStatus.VALIDATED:
        raise ApplicationError(_("Only a checked file without problems can be imported."))
    return jobs.import_job_commit(actor=request.auth, job=job)


@router.post(
    "/{job_id}/retry",
    response={200: ImportJobOut, **ERRORS},
    summary="Run a failed import again from its check (only its uploader, while its file is kept)",
)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_retry(request, job_id: Id):
    job = selectors.import_job_get(actor=request.auth, pk=job_id)
    return jobs.import_job_retry(actor=request.auth, job=job)


@router.get(
    "/{job_id}/annotated.xlsx",
    response={410: ErrorOut, **ERRORS},
    summary="The uploaded rows as xlsx, bad cells marked, with a column of reasons",
    description="410 when the stored upload is no longer kept (imported, or purged).",
)
@requires(*jobs.IMPORT_PERMISSIONS)
def import_annotated(request, job_id: Id):
    job = selectors.import_job_get(actor=request.auth, pk=job_id)
    try:
        content = jobs.import_job_annotated(
            job=job, language=translation.get_language() or "zh-hans", reason_title=_("Problems")
        )
    except Gone as exc:
        return Status(410, {"message": exc.message, "fields": exc.fields})
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-annotated.xlsx"'
    return response
