"""Staffing and forward-planning pages (issue 4): the region's districts, a district's schools
coloured by gap with the quota re-allocation form (县管校聘), a school's staffing card and the
district's forecast of teacher demand, supply and gap; each exportable to xlsx.

Every figure comes from `qiangshi.staffing.selectors`; writes go through
`qiangshi.staffing.services`. Who may see what: the role must aggregate schools
("school.aggregate"); a district page needs the whole district in the actor's scope, a school
page the school (anything else answers 404).
"""

from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.xlsx import safe_cell_value
from qiangshi.org import selectors as org_selectors
from qiangshi.org.models import Ownership
from qiangshi.staffing import selectors, services
from qiangshi.staffing.outputs import posts_xlsx, report_xlsx, scenario_xlsx
from qiangshi.teachers.models import Subject
from qiangshi.web.lists import XLSX, paginate, query_without_page, xlsx_response

SUBJECT_LABELS = dict(Subject.choices)

PART_LABELS = {
    "primary": gettext_lazy("Primary"),
    "junior": gettext_lazy("Junior secondary"),
    "senior": gettext_lazy("Senior secondary"),
}
BAND_LABELS = {
    "senior": gettext_lazy("Senior (professor-level and senior)"),
    "intermediate": gettext_lazy("Intermediate (first grade)"),
    "junior": gettext_lazy("Junior (second and third grade)"),
}
RESERVE = "reserve"


def _get(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def _year(request, district=None) -> int:
    """?year=Y when it is a school year; 422 (InvalidInput) for one before any staffing
    standard."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1900 < int(raw) < 3000:
        return selectors.check_school_year(int(raw))
    return selectors.default_year(district)


def _years_ahead(request) -> int:
    raw = request.GET.get("years", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 30 else 10


def part_label(part: str) -> str:
    return str(PART_LABELS.get(part, part))


def _gap_class(net: int) -> str:
    """Row colour: red for overstaffing, amber for vacancies."""
    if net < 0:
        return "table-danger"
    if net > 0:
        return "table-warning"
    return ""


# ---------------------------------------------------------------------------------------------
# The quota move form


class QuotaMoveForm(forms.Form):
    from_school = forms.ChoiceField(label=pgettext_lazy("quota move", "From"))
    to_school = forms.ChoiceField(label=pgettext_lazy("quota move", "To"))
    amount = forms.IntegerField(label=gettext_lazy("Posts of quota"), min_value=1)
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm this move of quota; it is recorded in the audit log."),
        required=True,
    )

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(RESERVE, _("District reserve"))] + [
            (str(pk), f"{s['name']} ({s['code']})") for pk, s in schools
        ]
        self.fields["from_school"].choices = choices
        self.fields["to_school"].choices = choices
        for name in ("from_school", "to_school"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["amount"].widget.attrs["class"] = "form-control form-control-sm"
        self.fields["confirm"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        if data.get("from_school") and data.get("from_school") == data.get("to_school"):
            self.add_error("to_school", _("Choose two different places to move quota between."))
        return data

    def move(self) -> dict:
        def ref(value):
            return None if value == RESERVE else int(value)

        d = self.cleaned_data
        return {
            "from_school": ref(d["from_school"]),
            "to_school": ref(d["to_school"]),
            "amount": d["amount"],
        }


def _may_allocate(user, district) -> bool:
    try:
        services._district_to_change(user, district)
    except ApplicationError:
        return False
    return can(user, "school", "change")


# ---------------------------------------------------------------------------------------------
# Pages


@login_required
def staffing_region(request):
    """Every district the actor covers: quota, staff on roll, vacancies and overstaffing."""
    require(request.user, "school", "aggregate")
    districts = org_selectors.districts_covered(request.user)
    year = _year(request, districts)
    rows, error = [], ""
    totals = dict.fromkeys(("quota", "allocated", "established", "vacancies", "overstaffing"), 0)
    try:
        reports = selectors.districts_staffing(actor=request.user, districts=districts, year=year)
    except ApplicationError as exc:
        error, reports = str(exc), []
    for district, report in zip(districts, reports, strict=False):
        t = report["totals"]
        row = {
            "district": district,
            "url": reverse("web:staffing_district", args=[district.pk]) + f"?year={year}",
            "forecast_url": reverse("web:staffing_forecast", args=[district.pk]),
            "schools": t["schools"],
            "quota": t["quota"],
            "allocated": t.get("allocated", t["quota"]),
            "reserve": report["reserve"] or 0,
            "established": t["established"],
            "other": t["other_employment"],
            "vacancies": t["vacancies"],
            "overstaffing": t["overstaffing"],
            "net": t["net"],
        }
        for k in totals:
            totals[k] += row[k]
        rows.append(row)
    return render(
        request,
        "web/staffing/region.html",
        {"rows": rows, "year": year, "totals": totals, "error": error},
    )


def _district_rows(report) -> list[dict]:
    rows = []
    for r in report.schools:
        d = r.as_dict()
        d.update(
            {
                "pk": r.school_id,
                "net_class": _gap_class(r.effective_net),
                "effective_quota": r.effective_quota,
                "students_total": sum(r.students.values()),
                "parts": ", ".join(
                    f"{part_label(p)} {q}" for p, q in r.quota.by_stage.items() if q
                ),
            }
        )
        rows.append(d)
    return rows


@login_required
def staffing_district(request, district_pk: int):
    """A district's schools coloured by gap, totals, a chart and the quota move form."""
    require(request.user, "school", "aggregate")
    district = _get(org_selectors.district_covered, request.user, district_pk)
    year = _year(request, district)
    may_allocate = _may_allocate(request.user, district)
    form = None
    if request.method == "POST":
        if not may_allocate:
            raise PermissionDenied
        pool = selectors.quota_pool(district, year)
        form = QuotaMoveForm(request.POST, schools=pool["schools"].items())
        if form.is_valid():
            try:
                services.quota_allocate(
                    actor=request.user, district=district, year=year, moves=[form.move()]
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                for message in exc.fields.values():
                    form.add_error(None, message)
            else:
                messages.success(request, _("The quota was moved."))
                url = reverse("web:staffing_district", args=[district.pk])
                return redirect(f"{url}?year={year}")
    try:
        report = selectors.district_staffing(actor=request.user, district=district, year=year)
    except ApplicationError as exc:
        return render(
            request,
            "web/staffing/district.html",
            {"district": district, "year": year, "error": str(exc), "report": None},
        )
    if may_allocate and form is None:
        schools = [(r.school_id, {"code": r.code, "name": r.name}) for r in report.schools]
        form = QuotaMoveForm(schools=schools)
    rows = _district_rows(report)
    private_rows = _private_rows(report)
    try:
        gaps = gaps_context(
            selectors.gap_comparison(
                actor=request.user, district=district, year=year, on=report.on, report=report
            )
        )
    except ApplicationError:
        gaps = None  # the forecast cannot run (a school's data): the quotas still show
    chart = {
        "names": [r["school_name"] for r in rows],
        "quota": [r["effective_quota"] for r in rows],
        "established": [r["established"] for r in rows],
        "other": [r["other_employment"] for r in rows],
        "labels": {
            "quota": _("Quota") if report.pool is None else _("Allocated quota"),
            "established": _("Established staff"),
            "other": _("Other employment"),
        },
    }
    status = 400 if form is not None and form.errors else 200
    return render(
        request,
        "web/staffing/district.html",
        {
            "district": district,
            "year": year,
            "report": report,
            "rows": rows,
            "totals": report.totals,
            "pool": report.pool,
            "chart_data": chart,
            "private_rows": private_rows,
            "gaps": gaps,
            "private_totals": {
                **report.private_totals,
                "ratio": _ratio(report.private_totals["students_per_staff"]),
                "teacher_ratio": _ratio(report.private_totals["students_per_full_time_teacher"]),
            },
            "form": form if may_allocate else None,
            "error": "",
        },
        status=status,
    )


@login_required
def staffing_district_export(request, district_pk: int):
    require(request.user, "school", "aggregate")
    district = _get(org_selectors.district_covered, request.user, district_pk)
    year = _year(request, district)
    try:
        report = selectors.district_staffing(actor=request.user, district=district, year=year)
    except ApplicationError:
        raise Http404 from None
    return _workbook_response(f"staffing-{district.code}-{year}", report_xlsx(report, None))


def _workbook_response(stem: str, content: bytes):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.xlsx"'
    return response


def gaps_context(comparison) -> dict:
    """The quota shortfall and the curriculum gap as both pages show them (one formatting for
    both, so that the same figure reads the same)."""
    q, c = comparison.quota_shortfall, comparison.curriculum_gap
    return {
        "year": q.year,
        "quota_shortfall": q,
        "quota_shortfall_text": f"{q.value:+,}" if q.value else "0",
        "quota_text": f"{q.quota:,}",
        "established_text": f"{q.established:,}",
        "vacancies_text": f"{q.vacancies:,}",
        "overstaffing_text": f"{q.overstaffing:,}",
        "curriculum_gap": c,
        "curriculum_gap_value": round(c.value, 1),
        "curriculum_gap_text": f"{c.value:+,.1f}" if round(c.value, 1) else "0.0",
        "demand_text": f"{c.demand:,.1f}",
        "supply_text": f"{c.supply:,.0f}",
    }


def _ratio(value) -> str:
    """A staff-to-student ratio as officials write it: "1 : 18.3" ("—" when undefined)."""
    return "—" if value is None else f"1 : {value:.1f}"


def _private_rows(report) -> list[dict]:
    return [
        {
            **r.as_dict(),
            "pk": r.school_id,
            "students_total": r.students_total,
            "ratio": _ratio(r.students_per_staff),
            "teacher_ratio": _ratio(r.students_per_full_time_teacher),
        }
        for r in report.private_schools
    ]


def _school_card(request, school_pk: int):
    """(school, year, row, error): the school's staffing row, or for a private school its
    `PrivateSchoolStaff` (no quota, POLICY.md §2)."""
    school = _get(selectors.school_for, request.user, school_pk)
    year = _year(request, school.district)
    on = selectors.default_on(year)
    if school.ownership == Ownership.PRIVATE:
        (row,) = selectors.private_staffing(schools=[school], year=year, on=on)
        return school, year, row, ""
    try:
        (row,) = selectors.school_staffing(schools=[school], year=year, on=on)
    except ApplicationError as exc:
        return school, year, None, str(exc)
    allocated = selectors.allocations_for(school.district, year).get(school.pk)
    if allocated is not None:
        row = replace(row, allocated=allocated)
    return school, year, row, ""


def _private_lines(row) -> list[tuple[str, object]]:
    lines = [
        (_("Students, %(part)s") % {"part": part_label(k)}, v) for k, v in row.students.items()
    ]
    return lines + [
        (_("Ownership"), _("Private (no staffing quota)")),
        (_("Teachers on roll"), row.teachers),
        (_("Non-teaching staff"), row.non_teaching),
        (_("Full-time teachers"), row.full_time_teachers),
        (_("Staff to students"), _ratio(row.students_per_staff)),
        (_("Full-time teachers to students"), _ratio(row.students_per_full_time_teacher)),
    ]


def _school_lines(row) -> list[tuple[str, object]]:
    if isinstance(row, selectors.PrivateSchoolStaff):
        return _private_lines(row)
    p, o = row.position, row.on_roll
    lines = [
        (_("Students, %(part)s") % {"part": part_label(k)}, v) for k, v in row.students.items()
    ]
    lines += [
        (_("Quota, %(part)s") % {"part": part_label(k)}, v) for k, v in row.quota.by_stage.items()
    ]
    lines += [
        (_("Quota"), row.quota.total),
        (_("Allocated quota"), "" if row.allocated is None else row.allocated),
        (_("Established teachers"), o.established_teachers),
        (_("Established non-teaching staff"), o.established_non_teaching),
        (_("Other teachers (non-established, contract, substitute)"), o.other_teachers),
        (_("Other non-teaching staff"), o.other_non_teaching),
        (_("Full-time teachers"), row.full_time_teachers),
        (_("Vacancies"), p.vacancies),
        (_("Overstaffing"), p.overstaffing),
        (_("Non-teaching cap"), p.non_teaching.allowed),
        (_("Non-teaching staff"), p.non_teaching.actual),
        (_("Non-teaching staff above the cap"), p.non_teaching.excess),
    ]
    return lines


@login_required
def staffing_school(request, school_pk: int):
    """One school's staffing card: quota per stage part, staff on roll, the non-teaching cap."""
    require(request.user, "school", "aggregate")
    school, year, row, error = _school_card(request, school_pk)
    district_url = None
    if school.district in org_selectors.districts_covered(request.user):
        district_url = reverse("web:staffing_district", args=[school.district.pk])
    parts = []
    if isinstance(row, selectors.PrivateSchoolStaff):
        return render(
            request,
            "web/staffing/school.html",
            {
                "school": school,
                "year": year,
                "row": None,
                "private": row,
                "ratio": _ratio(row.students_per_staff),
                "teacher_ratio": _ratio(row.students_per_full_time_teacher),
                "district_url": district_url,
                "error": error,
            },
        )
    if row is not None:
        parts = [
            {"label": part_label(p), "students": row.students.get(p, 0), "quota": q}
            for p, q in row.quota.by_stage.items()
        ]
    return render(
        request,
        "web/staffing/school.html",
        {
            "school": school,
            "year": year,
            "row": row,
            "parts": parts,
            "net_class": _gap_class(row.effective_net) if row else "",
            "district_url": district_url,
            "error": error,
        },
    )


@login_required
def staffing_school_export(request, school_pk: int):
    require(request.user, "school", "aggregate")
    school, year, row, _error = _school_card(request, school_pk)
    if row is None:
        raise Http404
    rows = [[str(label), value] for label, value in _school_lines(row)]
    header = [_("Item"), _("Value")]
    title = [[safe_cell_value(f"{school.name} ({school.code})"), year]]
    return xlsx_response(
        f"staffing-{school.code}-{year}",
        [(str(_("School staffing"))[:31], [str(h) for h in header], title + rows)],
    )


def _forecast(request, district_pk: int):
    district = _get(org_selectors.district_covered, request.user, district_pk)
    year = _year(request, district)
    years = _years_ahead(request)
    plan = selectors.district_forecast(
        actor=request.user, district=district, years=years, year=year
    )
    return district, year, years, plan


def _number(request, name: str, low: float, high: float, *, integer: bool = True):
    """A GET number within [low, high], or None when absent or out of range."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        return None
    return value if low <= value <= high else None


def scenario_from_request(request) -> tuple[selectors.Scenario, dict]:
    """The scenario of the forecast page's GET parameters (cap_primary, cap_junior,
    births_change in %, births_trend in % a year past the last loaded births year, retire_male and retire_female in years, attrition in %), and the values
    to show back in the form. Missing or out-of-range values leave the baseline's."""
    caps = {
        stage: cap
        for stage in ("primary", "junior")
        if (cap := _number(request, f"cap_{stage}", 10, 80)) is not None
    }
    births = _number(request, "births_change", -90, 200, integer=False)
    trend = _number(request, "births_trend", -50, 50, integer=False)
    ages = {
        gender: age
        for gender in ("male", "female")
        if (age := _number(request, f"retire_{gender}", 50, 70)) is not None
    }
    attrition = _number(request, "attrition", 0, 30, integer=False)
    scenario = selectors.Scenario(
        class_size_cap=caps,
        births_change=births or 0.0,
        births_trend=trend or 0.0,
        retirement_age=ages,
        attrition_rate=None if attrition is None else attrition / 100,
    )
    values = {
        "cap_primary": caps.get("primary", ""),
        "cap_junior": caps.get("junior", ""),
        "births_change": "" if births is None else births,
        "births_trend": "" if trend is None else trend,
        "retire_male": ages.get("male", ""),
        "retire_female": ages.get("female", ""),
        "attrition": "" if attrition is None else attrition,
    }
    return scenario, values


def _span(years) -> str:
    years = sorted(years)
    if not years:
        return ""
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}–{years[-1]}"


def births_assumption_note(plan) -> str:
    """The births assumed past the last loaded year (POLICY.md §13), in words: shown on the
    forecast page beside the intake note ("" when no births series is loaded)."""
    if not plan.births:
        return ""
    last = plan.last_births_year
    values = {"last": last, "births": f"{plan.births[last]:,}"}
    if plan.births_assumption.held:
        text = (
            _(
                "Births after %(last)s are not known yet: they are assumed to stay at the "
                "%(births)s of %(last)s (held at the last known year), not extrapolated from past "
                "intakes."
            )
            % values
        )
    else:
        values["change"] = f"{plan.births_assumption.annual_change:+g}"
        text = (
            _(
                "Births after %(last)s are not known yet: they are assumed to change by "
                "%(change)s%% a year from the %(births)s of %(last)s (scenario)."
            )
            % values
        )
    if plan.assumed_births:
        text += " " + _("Assumed births used by this forecast: %(span)s.") % {
            "span": _span(plan.assumed_births)
        }
    return text


def _intake_note(plan) -> str:
    note = _entrants_note(plan)
    if plan.intake_methods.get("cohort"):
        note += " " + _(
            "Grade 7 of junior schools: from the district's grade 6 of the year before, times "
            "each school's observed share of it."
        )
    return note


def _entrants_note(plan) -> str:
    span = _span(plan.births)
    n = plan.intake_methods
    if plan.intake_method == "births":
        return _(
            "New entrants: from births six years before grade 1 (births series loaded for "
            "%(span)s), times each school's observed ratio of entrants to births."
        ) % {"span": span}
    if plan.intake_method == "mixed":
        return _(
            "New entrants: from births six years earlier for %(births)s school-years (births "
            "series loaded for %(span)s); from the trend of first-grade intake for the other "
            "%(trend)s, of schools whose enrollment history no loaded births year reaches."
        ) % {
            "births": n.get("births", 0) + n.get("assumed", 0) + n.get("cohort", 0),
            "trend": n.get("trend", 0),
            "span": span,
        }
    if plan.births:
        return _(
            "New entrants: from the trend of first-grade intake (the births series loaded for "
            "%(span)s reaches no year of the schools' enrollment history, so no ratio of "
            "entrants to births can be learned)."
        ) % {"span": span}
    return _(
        "New entrants: from the trend of first-grade intake (no births series is loaded for "
        "this district; import one under Imports → Births by district)."
    )


def _comparison_context(comparison) -> dict:
    by_year = comparison.by_year()
    stage_rows = [{**r, "stage_label": part_label(r["stage"])} for r in comparison.by_stage()]
    return {
        "comparison": comparison,
        "comparison_years": by_year,
        "comparison_stages": stage_rows,
        "scenario_note": _intake_note(comparison.changed),
        "scenario_births_note": births_assumption_note(comparison.changed),
        "scenario_chart": {
            "years": [str(r["year"]) for r in by_year],
            "baseline": [round(r["baseline"]["gap"], 2) for r in by_year],
            "scenario": [round(r["scenario"]["gap"], 2) for r in by_year],
            "difference": [round(r["gap_difference"], 2) for r in by_year],
            "labels": {
                "baseline": _("Baseline gap (FTE)"),
                "scenario": _("Scenario gap (FTE)"),
                "difference": _("Difference (scenario − baseline)"),
            },
        },
    }


@login_required
def staffing_forecast(request, district_pk: int):
    """Demand, supply and gap per future year, stage and subject, with the total gap chart, the
    entrants' method, and a scenario compared with the baseline side by side."""
    require(request.user, "school", "aggregate")
    scenario, scenario_values = scenario_from_request(request)
    comparison = None
    try:
        if scenario.is_baseline:
            district, year, years, plan = _forecast(request, district_pk)
        else:
            district = _get(org_selectors.district_covered, request.user, district_pk)
            year, years = _year(request, district), _years_ahead(request)
            comparison = selectors.district_scenario(
                actor=request.user, district=district, years=years, year=year,
                scenario=scenario,
            )  # fmt: skip
            plan = comparison.baseline
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        district = _get(org_selectors.district_covered, request.user, district_pk)
        return render(
            request,
            "web/staffing/forecast.html",
            {"district": district, "year": _year(request, district), "years": 10,
             "plan": None, "error": str(exc), "scenario": scenario_values,
             "params": None},
        )  # fmt: skip
    all_rows = [
        {
            **r.as_dict(),
            "stage_label": part_label(r.stage),
            "subject_label": SUBJECT_LABELS.get(r.subject) or _("Unspecified"),
            "gap_class": "text-danger fw-semibold" if r.recruit else "",
        }
        for r in plan.rows
    ]
    page = paginate(request, all_rows, per_page=60)
    by_year = plan.by_year()
    chart = {
        "years": [str(y) for y in plan.years],
        "gap": [round(t["gap"], 2) for t in by_year],
        "recruit": [t["recruit"] for t in by_year],
        "labels": {
            "gap": _("Curriculum gap (FTE)"),
            "recruit": _("Teachers to recruit or train"),
        },
    }
    params = plan.parameters
    context = {
        "district": district,
        "year": year,
        "years": years,
        "plan": plan,
        "rows": page.object_list,
        "page": page,
        "query": query_without_page(request),
        "by_year": [{k: round(v, 2) for k, v in t.items()} for t in by_year],
        "chart_data": chart,
        "intake_note": _intake_note(plan),
        "births_note": births_assumption_note(plan),
        "scenario": scenario_values,
        "params": {
            "cap_primary": params.class_size_cap.get("primary"),
            "cap_junior": params.class_size_cap.get("junior"),
            "attrition": round(params.attrition_rate * 100, 2),
            "retire_male": params.retirement.rows["male"][0][1] // 12,
            "retire_female": params.retirement.rows["female"][0][1] // 12,
        },
        "scenario_query": "&".join(f"{k}={v}" for k, v in scenario_values.items() if v != ""),
        "error": "",
    }
    if comparison is not None:
        context.update(_comparison_context(comparison))
    try:
        context["gaps"] = gaps_context(
            selectors.gap_comparison(
                actor=request.user, district=district, year=year, on=plan.on, plan=plan
            )
        )
    except ApplicationError:
        context["gaps"] = None
    return render(request, "web/staffing/forecast.html", context)


@login_required
def staffing_forecast_export(request, district_pk: int):
    require(request.user, "school", "aggregate")
    try:
        district, year, years, plan = _forecast(request, district_pk)
        report = selectors.district_staffing(actor=request.user, district=district, year=year)
    except NotFound:
        raise Http404 from None
    except ApplicationError:
        raise Http404 from None
    return _workbook_response(
        f"staffing-forecast-{district.code}-{year}-{years}y", report_xlsx(report, plan)
    )


@login_required
def staffing_scenario_export(request, district_pk: int):
    """The scenario against the baseline, per year and stage, as xlsx."""
    require(request.user, "school", "aggregate")
    scenario, _values = scenario_from_request(request)
    district = _get(org_selectors.district_covered, request.user, district_pk)
    year, years = _year(request, district), _years_ahead(request)
    try:
        comparison = selectors.district_scenario(
            actor=request.user, district=district, years=years, year=year, scenario=scenario
        )
    except ApplicationError:
        raise Http404 from None
    return _workbook_response(
        f"staffing-scenario-{district.code}-{year}-{years}y", scenario_xlsx(comparison)
    )


# ---------------------------------------------------------------------------------------------
# Post structure (POLICY.md §3)


def _band_rows(structure) -> list[dict]:
    return [
        {
            "band": b.band,
            "label": BAND_LABELS[b.band],
            "allowed": b.allowed,
            "used": b.used,
            "vacant": b.vacant,
            "over": b.over,
            "promotions": b.promotions,
        }
        for b in structure.bands
    ]


def _district_posts(request, district_pk: int):
    district = _get(org_selectors.district_covered, request.user, district_pk)
    year = _year(request, district)
    try:
        posts = selectors.district_posts(actor=request.user, district=district, year=year)
    except ApplicationError as exc:
        return district, year, None, str(exc)
    return district, year, posts, ""


@login_required
def staffing_posts(request, district_pk: int):
    """A district's title posts: allowed vs used by band, promotions possible this year, per
    school (paginated) and for the district."""
    require(request.user, "school", "aggregate")
    district, year, posts, error = _district_posts(request, district_pk)
    context = {"district": district, "year": year, "posts": posts, "error": error}
    if posts is not None:
        rows = [
            {
                **s.as_dict(),
                "pk": s.school_id,
                "bands_list": _band_rows(s.structure),
                "stage_label": s.stage,
            }
            for s in posts.schools
        ]
        page = paginate(request, rows)
        context.update(
            {
                "rows": page.object_list,
                "page": page,
                "query": query_without_page(request),
                "total_bands": _band_rows(posts.total),
                "total_promotions": sum(
                    b.promotions for b in posts.total.bands if b.band != "junior"
                ),
                "band_labels": [BAND_LABELS[b] for b in ("senior", "intermediate", "junior")],
                "shares": [
                    {"stage": part_label(stage), **by_band}
                    for stage, by_band in posts.shares.items()
                ],
            }
        )
    return render(request, "web/staffing/posts.html", context)


@login_required
def staffing_posts_export(request, district_pk: int):
    require(request.user, "school", "aggregate")
    district, year, posts, _error = _district_posts(request, district_pk)
    if posts is None:
        raise Http404
    return _workbook_response(f"staffing-posts-{district.code}-{year}", posts_xlsx(posts))


def _school_posts(request, school_pk: int):
    school, year, row, error = _school_card(request, school_pk)
    if isinstance(row, selectors.PrivateSchoolStaff):
        return (
            school,
            year,
            None,
            _("A private school has no staffing quota, so no post structure."),
        )
    if row is None:
        return school, year, None, error
    try:
        (posts,) = selectors.school_posts([row], selectors.default_on(year))
    except ApplicationError as exc:
        return school, year, None, str(exc)
    return school, year, posts, ""


@login_required
def staffing_school_posts(request, school_pk: int):
    """One school's title posts: allowed vs used by band and promotions possible this year."""
    require(request.user, "school", "aggregate")
    school, year, posts, error = _school_posts(request, school_pk)
    return render(
        request,
        "web/staffing/school_posts.html",
        {
            "school": school,
            "year": year,
            "posts": posts,
            "bands": _band_rows(posts.structure) if posts else [],
            "promotions": posts.as_dict()["promotions"] if posts else 0,
            "error": error,
        },
    )


@login_required
def staffing_school_posts_export(request, school_pk: int):
    require(request.user, "school", "aggregate")
    school, year, posts, _error = _school_posts(request, school_pk)
    if posts is None:
        raise Http404
    header = [_("Title band"), _("Allowed"), _("Used"), _("Vacant"), _("Over"), _("Promotions")]
    rows = [
        [str(b["label"]), b["allowed"], b["used"], b["vacant"], b["over"], b["promotions"]]
        for b in _band_rows(posts.structure)
    ]
    title = [[safe_cell_value(f"{school.name} ({school.code})"), year, posts.posts]]
    return xlsx_response(
        f"staffing-posts-{school.code}-{year}",
        [(str(_("Post structure"))[:31], [str(h) for h in header], title + rows)],
    )
