"""The pilot office's pages (issue 18): its home, the pilot regions side by side (filters by
year and indicators, xlsx export), one indicator's trend, and the periodic reports (written in
the background, kept, downloadable). The figures of regions that do not run Qiangshi arrive
through the import pages (kind "pilot-indicators")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.imports.jobs import may_import
from qiangshi.pilot import report as report_files
from qiangshi.pilot import selectors, services
from qiangshi.pilot.models import ReportFormat
from qiangshi.web.lists import paginate, xlsx_response


def _year(request, name: str = "year") -> int:
    raw = request.GET.get(name, "")
    if raw.isdigit() and 1990 <= int(raw) <= 2100:
        return int(raw)
    return selectors.default_year()


def _cell(figure: selectors.Figure, ind: selectors.Indicator) -> dict:
    if figure.value is None:
        return {"missing": True}
    when = timezone.localtime(figure.at).strftime("%Y-%m-%d") if figure.at else ""
    return {
        "missing": False,
        "text": selectors.figure_text(figure, ind),
        "imported": figure.origin == selectors.IMPORTED,
        "note": report_files.origin_text(figure),
        "when": when,
    }


@login_required
@require_GET
def pilot_indicators(request):
    """Indicators per pilot region and year, side by side; filters; xlsx export."""
    require(request.user, "pilotindicator", "view")
    year = _year(request)
    chosen = selectors.chosen_indicators(request.GET.getlist("k"))
    columns = selectors.comparison(actor=request.user, year=year, keys={i.key for i in chosen})
    rows = [(ind, [_cell(c.figures[ind.key], ind) for c in columns]) for ind in chosen]
    if request.GET.get("format") == "xlsx":
        require(request.user, "pilotindicator", "export")
        header = [_("Indicator"), _("Unit")]
        for c in columns:
            header += [c.pilot_region.display_name, _("Source")]
        body = []
        for ind in chosen:
            line = [ind.label, ind.unit]
            for c in columns:
                f = c.figures[ind.key]
                line += [
                    None if f.value is None else float(f.value),
                    report_files.origin_text(f),
                ]
            body.append(line)
        return xlsx_response(f"pilot-indicators-{year}", [(_("Pilot indicators"), header, body)])
    years = selectors.available_years(request.user)
    return render(
        request,
        "web/pilot/indicators.html",
        {
            "year": year,
            "years": sorted(set(years) | {year}, reverse=True),
            "columns": columns,
            "rows": rows,
            "every": selectors.indicators(),
            "chosen": {i.key for i in chosen},
            "query": request.GET.urlencode(),
            "may_import": may_import(request.user, "pilot-indicators"),
            "may_report": can(request.user, "pilotreport", "create"),
        },
    )


@login_required
@require_GET
def pilot_trend(request, key: str):
    """One indicator of every pilot region, year by year (the latest years)."""
    require(request.user, "pilotindicator", "view")
    ind = selectors.indicator_map().get(key)
    if ind is None:
        raise Http404
    last = _year(request)
    years = selectors.trend_years(last)
    series = selectors.trend(actor=request.user, key=key, years=years)
    rows = [(p, [_cell(f, ind) for f in figures]) for p, figures in series]
    chart = {
        "years": years,
        "label": ind.label,
        "series": [
            {
                "name": p.display_name,
                "data": [None if f.value is None else float(f.value) for f in figures],
            }
            for p, figures in series
        ],
    }
    return render(
        request,
        "web/pilot/trend.html",
        {
            "ind": ind,
            "year": last,
            "years": years,
            "rows": rows,
            "chart": chart,
            "every": selectors.indicators(),
        },
    )


@login_required
def pilot_reports(request):
    """The kept reports of the pilot regions the actor compares; a form to write one."""
    require(request.user, "pilotreport", "view")
    regions = selectors.pilot_regions(request.user)
    if request.method == "POST":
        try:
            job = services.pilot_report_start(
                actor=request.user,
                code=request.POST.get("region", ""),
                year=int(request.POST.get("year") or 0),
                fmt=request.POST.get("fmt", ReportFormat.PDF),
            )
        except NotFound:
            messages.error(request, _("Choose one of the pilot regions."))
        except (ValueError, ApplicationError) as exc:
            messages.error(request, getattr(exc, "message", _("Enter a year.")))
        else:
            messages.success(
                request, _("The report is being written; it appears below when ready.")
            )
            return redirect("web:pilot_report", pk=job.pk)
        return redirect("web:pilot_reports")
    page = paginate(request, selectors.report_list(actor=request.user), per_page=20)
    return render(
        request,
        "web/pilot/reports.html",
        {
            "page": page,
            "regions": regions,
            "year": selectors.default_year(),
            "formats": ReportFormat.choices,
            "may_report": can(request.user, "pilotreport", "create"),
            "chosen_region": request.GET.get("region", ""),
        },
    )


def _report_or_404(request, pk: int):
    require(request.user, "pilotreport", "view")
    try:
        return selectors.report_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _report_context(job) -> dict:
    english = (get_language() or "").startswith("en")
    message = (job.message_en if english else job.message_zh) or job.message_en
    return {
        "job": job,
        "progress": {"percent": job.percent, "finished": job.finished},
        "message": message,
    }


@login_required
@require_GET
def pilot_report(request, pk: int):
    return render(request, "web/pilot/report.html", _report_context(_report_or_404(request, pk)))


@login_required
@require_GET
def pilot_report_progress(request, pk: int):
    """The progress bar, polled by htmx every second; once the report is done the page reloads."""
    context = _report_context(_report_or_404(request, pk))
    response = render(request, "web/pilot/_progress.html", context)
    if context["progress"]["finished"]:
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def pilot_report_download(request, pk: int):
    job = _report_or_404(request, pk)
    try:
        content = services.pilot_report_file(report_job=job)
    except NotFound:
        raise Http404 from None
    kind = (
        "application/pdf"
        if job.fmt == ReportFormat.PDF
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{job.file_name}"'
    return response


def pilot_home(request, work: list[dict] | None = None):
    """The pilot office's home (the dashboard for its role): the pilot regions, how each one's
    figures arrive, and the latest reports."""
    year = selectors.default_year()
    return render(
        request,
        "web/pilot/home.html",
        {
            "year": year,
            "cards": selectors.region_cards(actor=request.user, year=year),
            "reports": list(selectors.report_list(actor=request.user)[:5]),
            "may_import": may_import(request.user, "pilot-indicators"),
            "work": work or [],
        },
    )
