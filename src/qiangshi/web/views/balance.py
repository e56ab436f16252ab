"""Quality-balance monitor pages (issue 5): the region overview, a district per stage, a school,
and the district's official-style tables as xlsx.

Every number comes from the engine through `qiangshi.balance.selectors`; this module only
arranges results for the templates. Who may see what: the role must aggregate schools
("school.aggregate"); a district page needs the whole district in the actor's scope, a school
page the school (anything else answers 404).
"""

import io
from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from qiangshi.access.scoping import require
from qiangshi.balance import selectors
from qiangshi.balance.rules import rule_set_version
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.xlsx import safe_cell_value
from qiangshi.engines.balance import STAGES, DistrictResult, RuleSet
from qiangshi.org import selectors as org_selectors
from qiangshi.org.models import School
from qiangshi.web.lists import XLSX

TOP_CONTRIBUTORS = 5

STAGE_LABELS = {"primary": gettext_lazy("Primary"), "junior": gettext_lazy("Junior secondary")}

# Indicator names, units and how each figure is counted (the English of the rule file's
# definitions, translated here; a key missing here falls back to the rule file's text).
INDICATOR_LABELS = {
    "higher_degree_teachers_per_100": gettext_lazy(
        "Teachers with a degree above the requirement per 100 students"
    ),
    "backbone_teachers_per_100": gettext_lazy(
        "Backbone teachers of district level or above per 100 students"
    ),
    "pe_arts_teachers_per_100": gettext_lazy(
        "Full-time PE, music and fine-arts teachers per 100 students"
    ),
    "teaching_area_per_student": gettext_lazy("Teaching and auxiliary rooms per student"),
    "sports_area_per_student": gettext_lazy("Sports grounds and halls per student"),
    "equipment_value_per_student": gettext_lazy("Teaching equipment value per student"),
    "multimedia_rooms_per_100": gettext_lazy("Networked multimedia classrooms per 100 students"),
}
SHORT_LABELS = {
    "higher_degree_teachers_per_100": gettext_lazy("Higher-degree teachers"),
    "backbone_teachers_per_100": gettext_lazy("Backbone teachers"),
    "pe_arts_teachers_per_100": gettext_lazy("PE and arts teachers"),
    "teaching_area_per_student": gettext_lazy("Teaching area"),
    "sports_area_per_student": gettext_lazy("Sports area"),
    "equipment_value_per_student": gettext_lazy("Equipment value"),
    "multimedia_rooms_per_100": gettext_lazy("Multimedia classrooms"),
}
UNITS = {
    "higher_degree_teachers_per_100": gettext_lazy("per 100 students"),
    "backbone_teachers_per_100": gettext_lazy("per 100 students"),
    "pe_arts_teachers_per_100": gettext_lazy("per 100 students"),
    "teaching_area_per_student": gettext_lazy("m² per student"),
    "sports_area_per_student": gettext_lazy("m² per student"),
    "equipment_value_per_student": gettext_lazy("yuan per student"),
    "multimedia_rooms_per_100": gettext_lazy("per 100 students"),
}
DEFINITIONS = {
    "higher_degree_teachers_per_100": gettext_lazy(
        "Full-time teachers whose highest completed education is above the stage's "
        "requirement: junior college (专科) or more for primary, bachelor (本科) or more for "
        "junior."
    ),
    "backbone_teachers_per_100": gettext_lazy(
        "Teachers of the school holding a backbone-teacher, subject-leader or master-teacher "
        "recognition of district level or above, valid on the date."
    ),
    "pe_arts_teachers_per_100": gettext_lazy(
        "Full-time teachers whose main subject is PE, music or fine arts; rural small schools "
        "may add rotating, part-time and itinerant teachers."
    ),
    "teaching_area_per_student": gettext_lazy(
        "Teaching and auxiliary rooms in m² (indoor sports rooms excluded), from the school's "
        "facility record of the year."
    ),
    "sports_area_per_student": gettext_lazy(
        "Sports grounds and halls in m², from the school's facility record of the year."
    ),
    "equipment_value_per_student": gettext_lazy(
        "Value of teaching instruments and equipment in yuan, from the school's facility "
        "record of the year."
    ),
    "multimedia_rooms_per_100": gettext_lazy(
        "Networked multimedia classrooms, from the school's facility record of the year."
    ),
}
EXCLUSION_REASONS = {
    "special_education": gettext_lazy("special-education school"),
    "vocational": gettext_lazy("vocational school"),
    "teaching_point": gettext_lazy("teaching point (fewer than 50 pupils)"),
    "enrollment": gettext_lazy("no enrollment recorded for the year"),
    "facility": gettext_lazy("no facility record for the year"),
    "private": gettext_lazy("private school (this rule set evaluates public schools only)"),
}


# ---------------------------------------------------------------------------------------------
# Formatting


def _get(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def fmt_value(key: str, value: float | None) -> str:
    """An indicator value as shown: yuan without decimals, everything else with two."""
    if value is None:
        return "—"
    if key.startswith("equipment_value"):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def fmt_cv(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def change_text(resource: str, add: float) -> str:
    """One suggested change in plain words: "+2 backbone teachers", "+120 m² teaching area"."""
    n, amount = int(add), _amount(add)
    if resource == "higher_degree_teachers":
        text = ngettext(
            "+%(n)s teacher with a degree above the requirement",
            "+%(n)s teachers with a degree above the requirement",
            n,
        )
    elif resource == "backbone_teachers":
        text = ngettext("+%(n)s backbone teacher", "+%(n)s backbone teachers", n)
    elif resource == "pe_arts_teachers":
        text = ngettext("+%(n)s PE or arts teacher", "+%(n)s PE or arts teachers", n)
    elif resource == "multimedia_rooms":
        text = ngettext("+%(n)s multimedia classroom", "+%(n)s multimedia classrooms", n)
    elif resource == "teaching_area_m2":
        text = _("+%(n)s m² teaching and auxiliary rooms")
    elif resource == "sports_area_m2":
        text = _("+%(n)s m² sports grounds and halls")
    elif resource == "equipment_value_yuan":
        text = _("+%(n)s yuan of teaching equipment")
    else:
        text = f"+%(n)s {resource}"
    return text % {"n": amount}


def join_changes(changes: list[str]) -> str:
    """Suggested changes as one line ("+2 backbone teachers, +120 m² …")."""
    return pgettext("list separator", ", ").join(changes)


def exclusion_text(reason: str) -> str:
    if reason.startswith("missing_data:"):
        parts = reason.split(":", 1)[1].split(",")
        return "; ".join(str(EXCLUSION_REASONS.get(p, p)) for p in parts)
    return str(EXCLUSION_REASONS.get(reason, reason))


def _label(rules: RuleSet, key: str) -> str:
    return str(INDICATOR_LABELS.get(key) or rules.indicator(key).label_en or key)


def _definition(rules: RuleSet, key: str) -> str:
    return str(DEFINITIONS.get(key) or rules.indicator(key).definition)


def _stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


# ---------------------------------------------------------------------------------------------
# Request parameters


def _year(request, years: list[int]) -> int:
    """?year=Y when it is a number, else the latest year with enrollment, else this year."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1900 < int(raw) < 3000:
        return int(raw)
    if years:
        return years[0]
    today = date.today()
    return today.year if today.month >= 9 else today.year - 1


def _stage(request, available) -> str:
    stage = request.GET.get("stage", "")
    if stage in STAGES:
        return stage
    return next((s for s in STAGES if s in available), STAGES[0])


# ---------------------------------------------------------------------------------------------
# Arranging a district result


def _school_names(district, codes) -> dict[str, School]:
    return {s.code: s for s in School.objects.filter(district=district, code__in=list(codes))}


def district_context(district, result: DistrictResult) -> dict:
    """Cards, school rows, charts and failing schools of one district and stage."""
    rules = rule_set_version(result.rule_set)
    keys = rules.keys
    codes = {s.code for s in result.schools} | {e.code for e in result.excluded}
    schools = _school_names(district, codes)

    def name(code: str) -> str:
        school = schools.get(code)
        return school.name if school else code

    indicators = []
    charts = []
    for key in keys:
        ind = result.indicators[key]
        contributors = [
            {"code": code, "name": name(code), "share": share, "share_text": f"{share:.0%}"}
            for code, share in ind.contributions[:TOP_CONTRIBUTORS]
        ]
        indicators.append(
            {
                "key": key,
                "label": _label(rules, key),
                "label_zh": rules.indicator(key).label,
                "short": str(SHORT_LABELS.get(key, key)),
                "unit": str(UNITS.get(key, "")),
                "definition": _definition(rules, key),
                "minimum": ind.minimum,
                "minimum_text": fmt_value(key, ind.minimum),
                "mean": ind.mean,
                "mean_text": fmt_value(key, ind.mean),
                "cv": ind.cv,
                "cv_text": fmt_cv(ind.cv),
                "limit": ind.limit,
                "limit_text": f"{ind.limit:.2f}",
                "within_limit": ind.within_limit,
                "level_met": ind.mean_reaches_minimum,
                "contributors": contributors,
                "contributors_text": join_changes(
                    [f"{c['name']} {c['share_text']}" for c in contributors]
                ),
                "below": sum(1 for s in result.schools if not s.met[key]),
            }
        )
        big = key.startswith("equipment_value")
        charts.append(
            {
                "id": f"chart-{key}",
                "label": _label(rules, key),
                "unit": str(UNITS.get(key, "")),
                "names": [name(s.code) for s in result.schools],
                "values": [round(s.values[key], 4) for s in result.schools],
                "met": [s.met[key] for s in result.schools],
                "minimum": ind.minimum,
                "mean": None if ind.mean is None else round(ind.mean, 0 if big else 2),
                "minimum_label": _("Minimum"),
                "mean_label": _("District mean"),
            }
        )
    rows = []
    for s in result.schools:
        school = schools.get(s.code)
        cells = []
        for key in keys:
            ratio = s.values[key] / s.minimums[key] if s.minimums[key] else 1
            cells.append(
                {
                    "text": fmt_value(key, s.values[key]),
                    "met": s.met[key],
                    "tolerated": not s.met[key] and ratio >= rules.missed_floor - 1e-9,
                }
            )
        rows.append(
            {
                "code": s.code,
                "name": name(s.code),
                "pk": school.pk if school else None,
                "enrollment": s.enrollment,
                "cells": cells,
                "met_count": sum(1 for k in keys if s.met[k]),
                "passed": s.passed,
                "changes": [change_text(f.resource, f.add) for f in s.shortfalls],
                "changes_text": join_changes(
                    [change_text(f.resource, f.add) for f in s.shortfalls]
                ),
                "small_school_rule": s.small_school_rule,
            }
        )
    excluded = [
        {"code": e.code, "name": name(e.code), "reason": exclusion_text(e.reason)}
        for e in result.excluded
    ]
    return {
        "result": result,
        "rules": rules,
        "indicators": indicators,
        "over_limit": [i for i in indicators if not i["within_limit"]],
        "below_minimum": [i for i in indicators if not i["level_met"]],
        "rows": rows,
        "failing": [r for r in rows if not r["passed"]],
        "excluded": excluded,
        "chart_data": charts,
        "total_students": sum(s.enrollment for s in result.schools),
    }


def private_scope_text(counted: bool) -> str:
    """Which way private schools were treated, in one sentence (pages, exports)."""
    if counted:
        return str(
            _(
                "Public and private schools are both evaluated (the rule set counts private "
                "schools)."
            )
        )
    return str(
        _("Public schools only: private schools are not evaluated (the rule set leaves them out).")
    )


def _rule_note(rules: RuleSet, private_counted: bool | None = None) -> dict:
    return {
        "version": rules.version,
        "source": rules.source,
        "effective_from": rules.effective_from,
        "reviewed_by": rules.reviewed_by,
        "min_met": rules.min_met,
        "count": len(rules.keys),
        "floor": round(rules.missed_floor * 100),
        "include_private": rules.include_private if private_counted is None else private_counted,
    }


def district_history(actor, district, stage: str) -> dict | None:
    """The district's verdict and each indicator's CV of one stage for every school year with
    enrollment and facility data, oldest first, with the data of the CV line chart. None when
    no year has both."""
    years = sorted(selectors.evaluation_years(district))
    if not years:
        return None
    rows, keys, rule_sets = [], None, {}
    for year in years:
        # The figures of each year's page (the same selector, shared the same way).
        try:
            result = selectors.stage_reports(district=district, year=year, actor=actor).get(stage)
        except ApplicationError:
            result = None
        if result is None:
            rows.append({"year": year, "state": "unjudged", "cells": [], "result": None})
            continue
        rules = rule_sets.setdefault(result.rule_set, rule_set_version(result.rule_set))
        keys = keys or rules.keys
        cells = []
        for key in keys:
            ind = result.indicators.get(key)
            cells.append(
                {
                    "cv": None if ind is None else ind.cv,
                    "text": fmt_cv(None if ind is None else ind.cv),
                    "limit_text": "" if ind is None else f"{ind.limit:.2f}",
                    "within": True if ind is None else ind.within_limit,
                }
            )
        rows.append(
            {
                "year": year,
                "state": "passed" if result.passed else "failed",
                "cells": cells,
                "result": result,
                "failing": len(result.failing_schools),
                "schools": len(result.schools),
                "limit": max(i.limit for i in result.indicators.values()),
                "rule_set": result.rule_set,
            }
        )
    keys = keys or ()
    chart = {
        "years": [str(r["year"]) for r in rows],
        "limit_label": _("CV limit"),
        "limit": [r.get("limit") for r in rows],
        "series": [
            {
                "name": str(SHORT_LABELS.get(key, key)),
                "values": [
                    None
                    if not r["cells"] or r["cells"][n]["cv"] is None
                    else round(r["cells"][n]["cv"], 4)
                    for r in rows
                ],
            }
            for n, key in enumerate(keys)
        ],
    }
    return {
        "rows": rows,
        "headers": [str(SHORT_LABELS.get(k, k)) for k in keys],
        "width": len(keys),
        "chart": chart,
    }


# ---------------------------------------------------------------------------------------------
# Pages


@login_required
def balance_region(request):
    """Every district the actor covers, with its verdict per stage side by side."""
    require(request.user, "school", "aggregate")
    districts = org_selectors.districts_covered(request.user)
    years = selectors.enrollment_years(districts) if districts else []
    year = _year(request, years)
    rows = []
    error = ""
    try:
        all_reports = selectors.districts_stage_reports(
            districts=districts, year=year, actor=request.user
        )
    except ApplicationError as exc:
        error, districts = str(exc), []
    for district in districts:
        reports = all_reports[district.pk]
        stages = []
        for stage in STAGES:
            if stage not in reports:
                stages.append({"stage": stage, "state": "none"})
                continue
            result = reports[stage]
            if result is None:
                stages.append({"stage": stage, "state": "unjudged"})
                continue
            rules = rule_set_version(result.rule_set)
            stages.append(
                {
                    "stage": stage,
                    "state": "passed" if result.passed else "failed",
                    "schools": len(result.schools),
                    "failing": len(result.failing_schools),
                    "excluded": len(result.excluded),
                    "over": join_changes(
                        [
                            str(SHORT_LABELS.get(k, k))
                            for k, i in result.indicators.items()
                            if not i.within_limit
                        ]
                    ),
                    "below": join_changes(
                        [str(SHORT_LABELS.get(k, k)) for k in result.means_below_minimum]
                    ),
                    "rule_set": rules.version,
                    "url": reverse("web:balance_district", args=[district.pk])
                    + f"?year={year}&stage={stage}",
                }
            )
        rows.append(
            {
                "district": district,
                "url": reverse("web:balance_district", args=[district.pk]) + f"?year={year}",
                "stages": stages,
            }
        )
    return render(
        request,
        "web/balance/region.html",
        {
            "rows": rows,
            "year": year,
            "years": years,
            "stages": [(s, _stage_label(s)) for s in STAGES],
            "error": error,
        },
    )


@login_required
def balance_district(request, district_pk: int):
    """One district and stage: indicator cards, charts, failing schools and what they need."""
    require(request.user, "school", "aggregate")
    district = _get(org_selectors.district_covered, request.user, district_pk)
    years = selectors.enrollment_years(district)
    year = _year(request, years)
    error = ""
    try:
        reports = selectors.stage_reports(district=district, year=year, actor=request.user)
    except ApplicationError as exc:
        reports, error = {}, str(exc)
    stage = _stage(request, reports)
    result = reports.get(stage)
    context = {
        "district": district,
        "year": year,
        "years": years,
        "stage": stage,
        "stage_label": _stage_label(stage),
        "stages": [(s, _stage_label(s), s in reports) for s in STAGES],
        "has_stage": stage in reports,
        "error": error,
        "result": None,
    }
    if result is not None:
        context.update(district_context(district, result))
        context["rule_note"] = _rule_note(context["rules"], result.private_schools_counted)
    if not error and stage in reports:
        context["history"] = district_history(request.user, district, stage)
    return render(request, "web/balance/district.html", context)


@login_required
def balance_school(request, school_pk: int):
    """One school: its values per stage part against the minimum and the district's mean."""
    require(request.user, "school", "aggregate")
    school = _get(selectors.school_for, request.user, school_pk)
    years = selectors.enrollment_years(school.district)
    year = _year(request, years)
    error = ""
    try:
        reports = selectors.stage_reports(district=school.district, year=year)
    except ApplicationError as exc:
        reports, error = {}, str(exc)
    parts = []
    rule_note = None
    for stage, result in reports.items():
        if result is None:
            continue
        rules = rule_set_version(result.rule_set)
        rule_note = rule_note or _rule_note(rules, result.private_schools_counted)
        own = next((s for s in result.schools if s.code == school.code), None)
        excluded = next((e for e in result.excluded if e.code == school.code), None)
        if own is None and excluded is None:
            continue
        lines = []
        for key in rules.keys:
            ind = result.indicators[key]
            value = own.values[key] if own else None
            lines.append(
                {
                    "key": key,
                    "label": _label(rules, key),
                    "unit": str(UNITS.get(key, "")),
                    "definition": _definition(rules, key),
                    "value": value,
                    "value_text": fmt_value(key, value),
                    "minimum_text": fmt_value(key, ind.minimum),
                    "mean_text": fmt_value(key, ind.mean),
                    "met": own.met[key] if own else None,
                    "cv_text": fmt_cv(ind.cv),
                    "within_limit": ind.within_limit,
                    "level_met": ind.mean_reaches_minimum,
                }
            )
        parts.append(
            {
                "stage": stage,
                "stage_label": _stage_label(stage),
                "own": own,
                "excluded": exclusion_text(excluded.reason) if excluded else "",
                "lines": lines,
                "changes": join_changes(
                    [change_text(f.resource, f.add) for f in own.shortfalls] if own else []
                ),
                "district_passed": result.passed,
            }
        )
    district_url = None
    if school.district in org_selectors.districts_covered(request.user):
        district_url = reverse("web:balance_district", args=[school.district.pk])
    return render(
        request,
        "web/balance/school.html",
        {
            "school": school,
            "year": year,
            "years": years,
            "parts": parts,
            "rule_note": rule_note,
            "district_url": district_url,
            "error": error,
        },
    )


# ---------------------------------------------------------------------------------------------
# Export


def _sheet_title(ws, text: str, sub: str, width: int) -> None:
    ws.append([safe_cell_value(text)])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    ws.append([safe_cell_value(sub)])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.append([])


def _header(ws, names) -> None:
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F3")
    ws.append([str(n) for n in names])
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")


def district_workbook(district, year: int, result: DistrictResult) -> bytes:
    """Two sheets in the layout of the inspection tables: the schools' values with their
    verdicts, and each indicator's mean, S, CV and limit."""
    data = district_context(district, result)
    rules = data["rules"]
    keys = rules.keys
    stage = _stage_label(result.stage)
    title = _("%(district)s, school year %(year)s, %(stage)s: quality-balance indicators") % {
        "district": district.display_name,
        "year": year,
        "stage": stage,
    }
    sub = _("Rule set %(version)s: %(source)s") % {
        "version": rules.version,
        "source": rules.source,
    }
    sub += " " + private_scope_text(result.private_schools_counted)
    wb = Workbook()
    ws = wb.active
    ws.title = str(_("School values"))[:31]
    labels = [_label(rules, k) for k in keys]
    header = [
        _("No."),
        _("School code"),
        _("School"),
        _("Students"),
        *labels,
        _("Indicators met"),
        _("Result"),
        _("Changes needed"),
    ]
    _sheet_title(ws, title, sub, len(header))
    _header(ws, header)
    ws.append(["", "", str(_("Minimum")), "", *[result.indicators[k].minimum for k in keys]])
    for n, row in enumerate(data["rows"], start=1):
        school = next(s for s in result.schools if s.code == row["code"])
        ws.append(
            [
                n,
                safe_cell_value(row["code"]),
                safe_cell_value(row["name"]),
                row["enrollment"],
                *[round(school.values[k], 4) for k in keys],
                row["met_count"],
                str(_("Passed") if row["passed"] else _("Not passed")),
                join_changes(row["changes"]),  # our own text: "+2 …" is not a formula
            ]
        )
    ws.append(
        [
            "",
            "",
            str(_("District mean (weighted)")),
            data["total_students"],
            *[
                "" if result.indicators[k].mean is None else round(result.indicators[k].mean, 4)
                for k in keys
            ],
        ]
    )
    for e in data["excluded"]:
        ws.append(
            [
                "",
                safe_cell_value(e["code"]),
                safe_cell_value(e["name"]),
                "",
                str(_("Not evaluated")),
            ]
            + [""] * (len(keys) - 1)
            + ["", "", safe_cell_value(e["reason"])]
        )
    ws.freeze_panes = "E5"
    ws.column_dimensions["C"].width = 28

    cv = wb.create_sheet(str(_("Indicator CVs"))[:31])
    header = [
        _("No."),
        _("Indicator"),
        _("Unit"),
        _("Minimum"),
        _("District mean (weighted)"),
        _("Standard deviation S"),
        _("Coefficient of variation"),
        _("Limit"),
        _("Spread: CV within the limit"),
        _("Level: mean reaches the minimum"),
        _("Schools below the minimum"),
        _("Schools pulling the CV up (share of S²)"),
    ]
    _sheet_title(cv, title, sub, len(header))
    _header(cv, header)
    for n, ind in enumerate(data["indicators"], start=1):
        s = None if ind["cv"] is None or ind["mean"] is None else ind["cv"] * ind["mean"]
        cv.append(
            [
                n,
                ind["label"],
                ind["unit"],
                ind["minimum"],
                "" if ind["mean"] is None else round(ind["mean"], 4),
                "" if s is None else round(s, 4),
                "" if ind["cv"] is None else round(ind["cv"], 4),
                ind["limit"],
                str(_("Yes") if ind["within_limit"] else _("No")),
                str(_("Yes") if ind["level_met"] else _("No")),
                ind["below"],
                safe_cell_value(ind["contributors_text"]),
            ]
        )
    verdict = _("Passed") if result.passed else _("Not passed")
    cv.append([])
    cv.append(["", str(_("District verdict")), str(verdict)])
    cv.column_dimensions["B"].width = 48
    cv.column_dimensions["L"].width = 40
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@login_required
def balance_district_export(request, district_pk: int):
    require(request.user, "school", "aggregate")
    district = _get(org_selectors.district_covered, request.user, district_pk)
    years = selectors.enrollment_years(district)
    year = _year(request, years)
    try:
        reports = selectors.stage_reports(district=district, year=year, actor=request.user)
    except ApplicationError:
        raise Http404 from None
    stage = _stage(request, reports)
    result = reports.get(stage)
    if result is None:
        raise Http404
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(district_workbook(district, year, result), content_type=XLSX)
    name = f"balance-{district.code}-{year}-{stage}-{stamp}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def balance_district_pdf(request, district_pk: int):
    """The district's evaluation of one stage as a PDF report with the charts; the same scope
    rules as the district page."""
    from qiangshi.web.balance_pdf import district_pdf

    require(request.user, "school", "aggregate")
    district = _get(org_selectors.district_covered, request.user, district_pk)
    years = selectors.enrollment_years(district)
    year = _year(request, years)
    try:
        reports = selectors.stage_reports(district=district, year=year, actor=request.user)
    except ApplicationError:
        raise Http404 from None
    stage = _stage(request, reports)
    result = reports.get(stage)
    if result is None:
        raise Http404
    try:
        content = district_pdf(district, year, [result], on=selectors.default_on(year))
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content, content_type="application/pdf")
    name = f"balance-{district.code}-{year}-{stage}-{stamp}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
