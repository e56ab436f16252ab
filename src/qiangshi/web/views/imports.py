"""Bulk import pages: upload, a job's progress and preview, column mapping, confirmation,
the annotated file and the blank templates.

The work happens in imports.jobs (services) and imports.selectors (reads); these views parse,
call and render.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qiangshi.core.errors import ApplicationError, Gone, NotFound
from qiangshi.imports import jobs, selectors
from qiangshi.imports.annotate import template_workbook
from qiangshi.imports.models import ImportJob, ImportKind, ImportLayout, ImportStatus
from qiangshi.imports.specs import TEMPLATE_SHEETS
from qiangshi.web.forms import StyledForm, apply_errors
from qiangshi.web.lists import XLSX, paginate

ACCEPT = ".xlsx,.xls,.csv"
PROBLEMS_PER_PAGE = 50


def _require_import(actor) -> None:
    if not jobs.may_import(actor):
        raise PermissionDenied


def _available_kinds() -> list[tuple[str, str]]:
    return [(v, label) for v, label in ImportKind.choices if selectors.columns_for(v)]


def _job_or_404(actor, pk: int) -> ImportJob:
    try:
        return selectors.import_job_get(actor=actor, pk=pk)
    except NotFound:
        raise Http404 from None


class ImportUploadForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=())
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            ".xlsx, .xls or .csv (UTF-8 or GB18030); the first row is the header"
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    # Teachers only: the list page hides these two for the other kinds.
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout of the file"),
        choices=ImportLayout.choices,
        initial=ImportLayout.TEMPLATE,
        required=False,
        help_text=gettext_lazy(
            "The national teacher-information template: a workbook as reported to the "
            "national system (teachers only)"
        ),
    )
    school_code = forms.CharField(
        label=gettext_lazy("School code (national template)"),
        required=False,
        max_length=ImportJob._meta.get_field("school_code").max_length,
        help_text=gettext_lazy(
            "Given to every row of a workbook that has no school codes; leave blank to use the "
            "workbook's own"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _available_kinds()


class ColumnMappingForm(StyledForm):
    """One select per heading the importer did not recognise: which column it is."""

    def __init__(self, *args, job: ImportJob, **kwargs):
        super().__init__(*args, **kwargs)
        info = job.header_info or {}
        columns = selectors.columns_for(job.kind) or []
        mapped = set((info.get("mapped") or {}).keys())
        english = (translation.get_language() or "").startswith("en")
        choices = [("", _("— ignore this column —"))] + [
            (
                c.key,
                (c.title_en if english else c.title_zh)
                + (" *" if c.required else "")
                + ("" if c.key not in mapped else " " + _("(already matched)")),
            )
            for c in columns
        ]
        self.headings: dict[str, str] = {}
        for index, heading in info.get("unknown") or []:
            name = f"col_{index}"
            self.headings[name] = heading
            self.fields[name] = forms.ChoiceField(label=heading, choices=choices, required=False)
        self.style()

    def mapping(self) -> dict[str, str]:
        return {
            self.headings[name]: value
            for name, value in self.cleaned_data.items()
            if name in self.headings and value
        }


# --- List and upload ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request):
    actor = request.user
    _require_import(actor)
    jobs.import_jobs_recover()
    # ?kind=… preselects what the file holds (links from the pages of one kind, e.g. wages).
    form = ImportUploadForm(initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > jobs.max_upload_bytes():  # refused before it is read
                    raise jobs.upload_too_large()
                job = jobs.import_job_start(
                    actor=actor,
                    kind=form.cleaned_data["kind"],
                    data=upload.read(),
                    filename=upload.name,
                    layout=form.cleaned_data.get("layout") or ImportLayout.TEMPLATE,
                    school_code=form.cleaned_data.get("school_code") or "",
                )
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("web:import_detail", pk=job.pk)
    page = paginate(request, selectors.import_job_list(actor=actor), per_page=20)
    context = {
        "form": form,
        "page": page,
        "query": "",
        "kinds": _available_kinds(),
        "active": {ImportStatus.VALIDATING, ImportStatus.RUNNING},
    }
    return render(request, "web/imports/list.html", context, status=400 if form.errors else 200)


# --- One job -------------------------------------------------------------------------------------


def _detail_context(request, job: ImportJob, mapping_form=None) -> dict:
    problems = selectors.job_problems(job)
    columns = {c.key: c for c in selectors.columns_for(job.kind) or []}
    english = (translation.get_language() or "").startswith("en")
    if english:  # a column is recorded by its Chinese heading: name it in English here
        titles = {c.title_zh: c.title_en for c in columns.values()}
        problems = [{**p, "column": titles.get(p["column"], p["column"])} for p in problems]
    page = paginate(request, problems, per_page=PROBLEMS_PER_PAGE)
    finished = selectors.job_finished(job)
    checked = job.status in (ImportStatus.VALIDATED, ImportStatus.REJECTED)
    is_owner = job.user_id == request.user.pk
    missing = [
        (columns[k].title_en if english else columns[k].title_zh)
        for k in (job.header_info or {}).get("missing", [])
        if k in columns
    ]
    national = job.layout == ImportLayout.NATIONAL
    if (
        mapping_form is None
        and checked
        and is_owner
        and not national  # its columns are found by the national template's names
        and selectors.mapping_needed(job)
    ):
        mapping_form = ColumnMappingForm(job=job)
    return {
        "job": job,
        "progress": selectors.job_progress(job),
        "finished": finished,
        "problems": page,
        "problem_count": len(problems),
        "query": "",
        "is_owner": is_owner,
        "can_commit": is_owner and job.status == ImportStatus.VALIDATED,
        "can_retry": is_owner and job.status == ImportStatus.FAILED and bool(job.file),
        # A file that could not be read (or a national workbook that could not be converted)
        # has no rows to annotate.
        "can_annotate": bool(job.file) and any(p["row"] for p in problems),
        "national": national,
        "mapping_form": mapping_form if mapping_form and mapping_form.fields else None,
        "missing_columns": missing,
        "rows_checked": job.new + job.changed + job.unchanged + job.rejected,
        "notes": selectors.job_notes(job),
    }


@login_required
@require_GET
def import_detail(request, pk: int):
    _require_import(request.user)
    job = jobs.import_job_recover_if_stale(_job_or_404(request.user, pk))
    return render(request, "web/imports/detail.html", _detail_context(request, job))


@login_required
@require_GET
def import_progress(request, pk: int):
    """The progress bar, polled by htmx every second; once the job is done the page reloads."""
    _require_import(request.user)
    job = jobs.import_job_recover_if_stale(_job_or_404(request.user, pk))
    context = {"job": job, "progress": selectors.job_progress(job)}
    response = render(request, "web/imports/_progress.html", context)
    if context["progress"]["finished"]:
        response["HX-Refresh"] = "true"  # show the preview
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_commit(request, pk: int):
    _require_import(request.user)
    job = _job_or_404(request.user, pk)
    try:
        job = jobs.import_job_commit(actor=request.user, job=job)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("web:import_detail", pk=pk)
    if job.status == ImportStatus.COMMITTED:
        messages.success(
            request,
            _("Imported: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
            % {"new": job.new, "changed": job.changed, "unchanged": job.unchanged},
        )
    elif job.status == ImportStatus.FAILED:
        messages.error(request, job.message or _("The import failed; nothing was imported."))
    return redirect("web:import_detail", pk=pk)


@login_required
@require_POST
def import_retry(request, pk: int):
    """Run a failed job again from its check (its process died, or it ran out of memory)."""
    _require_import(request.user)
    job = _job_or_404(request.user, pk)
    try:
        jobs.import_job_retry(actor=request.user, job=job)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("web:import_detail", pk=pk)


@login_required
@require_POST
def import_remap(request, pk: int):
    """Check the file again with the headings mapped by hand."""
    _require_import(request.user)
    job = _job_or_404(request.user, pk)
    if job.user_id != request.user.pk:
        raise Http404
    form = ColumnMappingForm(request.POST, job=job)
    if form.is_valid():
        try:
            jobs.import_job_remap(actor=request.user, job=job, mapping=form.mapping())
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("web:import_detail", pk=pk)
    context = _detail_context(request, job, mapping_form=form)
    return render(request, "web/imports/detail.html", context, status=400)


@login_required
@require_GET
def import_annotated(request, pk: int):
    """The uploaded rows as xlsx with the bad cells red and a column of reasons (for a workbook
    in the national layout, the roster converted to the import template's layout)."""
    _require_import(request.user)
    job = _job_or_404(request.user, pk)
    try:
        content = jobs.import_job_annotated(
            job=job, language=translation.get_language() or "zh-hans", reason_title=_("Problems")
        )
    except Gone as exc:  # purged, or lost from the storage
        context = {"job": job, "message": exc.message}
        return render(request, "web/imports/gone.html", context, status=410)
    except ApplicationError:
        raise Http404 from None  # unreadable: nothing to annotate
    stem = job.file_name.rsplit(".", 1)[0] or "import"
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = _attachment(
        f"{stem}-{_('annotated')}-{stamp}.xlsx", fallback=f"import-{job.pk}-annotated-{stamp}.xlsx"
    )
    return response


def _attachment(filename: str, *, fallback: str = "download.xlsx") -> str:
    """A Content-Disposition for a name that may hold Chinese characters (RFC 6266): the name
    itself as `filename*`, and for clients that read only `filename` the name's ASCII part —
    or `fallback` where that part would not name the file (a Chinese name leaves ".xlsx")."""
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").strip()
    stem = ascii_name.rsplit(".", 1)[0]
    if not any(ch.isalnum() for ch in stem) or ascii_name != filename.replace('"', ""):
        ascii_name = fallback
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


@login_required
@require_GET
def import_template(request, kind: str):
    """A blank template of the kind: Chinese headings (required ones marked *), allowed values."""
    if not jobs.may_import(request.user, kind):
        raise PermissionDenied
    columns = selectors.columns_for(kind)
    if kind not in ImportKind.values or not columns:
        raise Http404
    language = translation.get_language() or "zh-hans"
    english = language.startswith("en")
    label = str(ImportKind(kind).label) if english else TEMPLATE_SHEETS.get(kind, kind)
    content = template_workbook(columns, label, language=language)
    response = HttpResponse(content, content_type=XLSX)
    fallback = f"qiangshi-{kind}-import-template.xlsx"
    name = fallback if english else f"强师-{label}导入模板.xlsx"
    response["Content-Disposition"] = _attachment(name, fallback=fallback)
    return response
