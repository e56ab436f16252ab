"""HTTP API of the pilot office (/api/pilot/...): what its pages show, read from the same
selectors (one number, one function): the pilot regions with how many of their indicators are
known (its home), the regions side by side (the comparison page), one module's indicators, one
indicator year by year (the trend page), a region's report data (the figures, the per-district
tables and the counts behind them, as the report file prints them) and the kept reports.

For the pilot office and the administrator only (a bureau compares its own pilot regions on the
pages). Read-only: reports are requested on the pages. Counts and shares only: no person is
listed. A figure neither computed nor imported is null (missing), never 0."""

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router

from qiangshi.access.api import ERRORS, ErrorOut, Id, PageIn, page_of, requires
from qiangshi.access.models import Role
from qiangshi.core.errors import InvalidInput, NotFound

from . import report, selectors
from .models import PilotRegion, ReportStatus
from .selectors import Figure, Indicator, RegionYear

router = Router(tags=["pilot"])
ANSWERS = {**ERRORS, 403: ErrorOut}
OFFICE = {Role.PILOT, Role.ADMIN}
Code = Path(..., max_length=12, pattern=r"^\w+$", description="Pilot region code")
# The page's year: a school year (the current one by default).
YEAR = Query(None, ge=1990, le=2100, description="School year (default: the current one)")
KEYS = Query(None, max_length=40, description="Indicator keys, repeated (default: all)")


def _year(year: int | None) -> int:
    return year if year is not None else selectors.default_year()


def _region_out(p: PilotRegion) -> dict[str, Any]:
    return {"code": p.code, "name": p.display_name, "runs_here": p.runs_here}


def _indicator_out(ind: Indicator) -> dict[str, Any]:
    return {
        "key": ind.key,
        "module": ind.group,
        "label": ind.label,
        "unit": ind.unit,
        "digits": ind.digits,
        "definition": ind.description,
    }


def _when(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _figure_out(figure: Figure, ind: Indicator) -> dict[str, Any]:
    """A figure: its value (null: missing) and the text the pages print, where it comes from."""
    return {
        "value": None if figure.value is None else float(figure.value),
        "text": selectors.figure_text(figure, ind),
        "origin": figure.origin,
        "origin_text": report.origin_text(figure),
        "source": figure.source,
        "imported_at": _when(figure.at),
    }


def _columns_out(columns: list[RegionYear], chosen: list[Indicator], year: int) -> dict:
    return {
        "year": year,
        "indicators": [_indicator_out(i) for i in chosen],
        "regions": [
            {
                **_region_out(c.pilot_region),
                "figures": {i.key: _figure_out(c.figures[i.key], i) for i in chosen},
            }
            for c in columns
        ],
    }


def _comparison(actor, year: int, chosen: list[Indicator]) -> dict[str, Any]:
    """The comparison page's columns for these indicators."""
    columns = selectors.comparison(actor=actor, year=year, keys={i.key for i in chosen})
    return _columns_out(columns, chosen, year)


@router.get(
    "/regions",
    response={200: dict[str, Any], **ANSWERS},
    summary="The pilot regions, each with how many of its indicators are known (the home page)",
)
@requires("pilotindicator.view", roles=OFFICE)
def regions(request, year: int | None = YEAR):
    year = _year(year)
    cards = selectors.region_cards(actor=request.auth, year=year)
    return {
        "year": year,
        "regions": [
            {**_region_out(c.pilot_region), "known": c.known, "total": c.total} for c in cards
        ],
    }


@router.get(
    "/indicators",
    response={200: dict[str, Any], **ANSWERS},
    summary="The indicators compared, module by module (the reviewed indicator file)",
)
@requires("pilotindicator.view", roles=OFFICE)
def indicators(request):
    return {
        "version": selectors.indicator_rules()["version"],
        "modules": [
            {"module": group, "indicators": [_indicator_out(i) for i in inds]}
            for group, inds in selectors.modules().items()
        ],
    }


@router.get(
    "/comparison",
    response={200: dict[str, Any], **ANSWERS},
    summary="The pilot regions side by side for a year (the comparison page)",
    description="`k` (repeatable) narrows to those indicators, as the page's filter does; an "
    "unknown key answers 422.",
)
@requires("pilotindicator.view", roles=OFFICE)
def comparison(
    request,
    year: int | None = YEAR,
    k: list[str] | None = KEYS,
):
    k = k or []
    unknown = sorted(set(k) - set(selectors.indicator_map()))
    if unknown:
        raise InvalidInput(
            _("The request is not valid."),
            fields={"k": _("Unknown indicator: %(keys)s") % {"keys": ", ".join(unknown)}},
        )
    return _comparison(request.auth, _year(year), selectors.chosen_indicators(k))


@router.get(
    "/modules/{module}",
    response={200: dict[str, Any], **ANSWERS},
    summary="One module's indicators for every pilot region (the comparison page, narrowed)",
)
@requires("pilotindicator.view", roles=OFFICE)
def module(request, module: str = Path(..., max_length=20), year: int | None = YEAR):
    chosen = selectors.modules().get(module)
    if chosen is None:
        raise NotFound("Not found")
    return {"module": module, **_comparison(request.auth, _year(year), chosen)}


@router.get(
    "/trend/{key}",
    response={200: dict[str, Any], **ANSWERS},
    summary="One indicator of every pilot region, year by year (the trend page)",
)
@requires("pilotindicator.view", roles=OFFICE)
def trend(request, key: str = Path(..., max_length=40), year: int | None = YEAR):
    ind = selectors.indicator_map().get(key)
    if ind is None:
        raise NotFound("Not found")
    years = selectors.trend_years(_year(year))
    series = selectors.trend(actor=request.auth, key=key, years=years)
    return {
        "indicator": _indicator_out(ind),
        "years": years,
        "regions": [
            {**_region_out(p), "figures": [_figure_out(f, ind) for f in figures]}
            for p, figures in series
        ],
    }


@router.get(
    "/regions/{code}/report",
    response={200: dict[str, Any], **ANSWERS},
    summary="A pilot region's report data for a year (what its report file prints)",
    description="Computed afresh, as the report is: the indicators with their sources, the "
    "balance and salary-parity tables per district and the counts behind the figures, where "
    "the region runs Qiangshi here. Texts in the request's language.",
)
@requires("pilotreport.view", roles=OFFICE)
def report_data(request, code: str = Code, year: int | None = YEAR):
    pilot_region = selectors.pilot_region_get(request.auth, code)
    data = report.gather(pilot_region, _year(year))
    every = selectors.indicators()
    return {
        **_columns_out([data], every, data.year)["regions"][0],
        "year": data.year,
        "indicator_file": selectors.indicator_rules()["version"],
        "indicators": [_indicator_out(i) for i in every],
        "balance": [
            dict(zip(("district", "stage", "verdict", "largest_cv", "rule_set"), row, strict=True))
            for row in report.balance_rows(data)
        ],
        "parity": [
            dict(
                zip(("district", "teachers", "civil_servants", "gap", "verdict"), row, strict=True)
            )
            for row in report.parity_rows(data)
        ],
        "facts": [{"module": m, "figures": text} for m, text in report.module_facts(data)],
    }


def _report_out(job) -> dict[str, Any]:
    done = job.status == ReportStatus.DONE
    return {
        "id": job.pk,
        "region": _region_out(job.pilot_region),
        "year": job.year,
        "format": job.fmt,
        "status": job.status,
        "percent": job.percent,
        "created_at": _when(job.created_at),
        "finished_at": _when(job.finished_at),
        "file_name": job.file_name if done else "",
        "download": reverse("web:pilot_report_download", args=[job.pk]) if done else None,
    }


@router.get(
    "/reports",
    response={200: dict[str, Any], **ANSWERS},
    summary="The kept reports, newest first (the reports page)",
)
@requires("pilotreport.view", roles=OFFICE)
def report_list(request, filters: Query[PageIn]):
    return page_of(selectors.report_list(actor=request.auth), filters, _report_out)


@router.get(
    "/reports/{report_id}",
    response={200: dict[str, Any], **ANSWERS},
    summary="A kept report: its progress, and where to download it once ready",
)
@requires("pilotreport.view", roles=OFFICE)
def report_detail(request, report_id: Id):
    return _report_out(selectors.report_get(actor=request.auth, pk=report_id))
