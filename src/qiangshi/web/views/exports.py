"""Export jobs' pages: an export too large for one request is built in the background; the
user who asked follows its progress and downloads the file (`imports.export_jobs`).

`export_response` is what every export button of the teacher list calls: below the inline size
the file comes at once, as it always did; above it a job starts and the browser goes to its page.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from qiangshi.core.errors import ApplicationError, Gone, NotFound
from qiangshi.imports import export_jobs
from qiangshi.imports.exports import export_file
from qiangshi.imports.models import ExportJob, ExportStatus
from qiangshi.web.lists import XLSX, paginate

from .imports import _attachment


def export_response(request, *, kind: str, fmt: str, filters: dict, note: str | None = None):
    """The export as a download, or (above the inline size) a background job's page."""
    actor = request.user
    try:
        if export_jobs.export_in_background(actor=actor, kind=kind, filters=filters, fmt=fmt):
            job = export_jobs.export_job_start(
                actor=actor, kind=kind, filters=filters, fmt=fmt, note=note
            )
            return redirect("web:export_detail", pk=job.pk)
        result = export_file(actor=actor, kind=kind, filters=filters, fmt=fmt, note=note)
    except ApplicationError as exc:
        raise PermissionDenied(exc.message) from None
    response = HttpResponse(result.data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
    return response


def _job_or_404(request, pk: int) -> ExportJob:
    try:
        return export_jobs.export_job_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _context(job: ExportJob) -> dict:
    return {
        "job": job,
        "progress": export_jobs.export_progress(job),
        "message": export_jobs.export_job_message(job),
        "retention_days": export_jobs.retention_days(),
    }


@login_required
@require_GET
def export_list(request):
    """The user's own exports, newest first, with their status and download links."""
    export_jobs.export_jobs_recover()
    page = paginate(request, export_jobs.export_job_list(actor=request.user), per_page=20)
    context = {"page": page, "query": "", "retention_days": export_jobs.retention_days()}
    return render(request, "web/exports/list.html", context)


@login_required
@require_GET
def export_detail(request, pk: int):
    return render(request, "web/exports/detail.html", _context(_job_or_404(request, pk)))


@login_required
@require_GET
def export_progress(request, pk: int):
    """The progress bar, polled by htmx every second; once the job ends the page reloads."""
    job = _job_or_404(request, pk)
    context = _context(job)
    response = render(request, "web/exports/_progress.html", context)
    if context["progress"]["finished"]:
        response["HX-Refresh"] = "true"  # show the download link or the error
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_download(request, pk: int):
    """The finished file, for the user who asked only (anyone else: 404)."""
    job = _job_or_404(request, pk)
    if job.status != ExportStatus.DONE:
        raise Http404
    try:
        data = export_jobs.export_job_file(job=job)
    except Gone as exc:
        context = {**_context(job), "message": exc.message}
        return render(request, "web/exports/detail.html", context, status=410)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = _attachment(
        job.file_name or f"export-{job.pk}.xlsx", fallback=f"export-{job.pk}.xlsx"
    )
    response["Cache-Control"] = "private, no-store"
    return response
