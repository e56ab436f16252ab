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

from qiangshi.access.scoping import can
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.xlsx import safe_cell_value
from qiangshi.org import selectors as org_selectors
from qiangshi.staffing import selectors, services
from qiangshi.staffing.outputs import report_xlsx
from qiangshi.teachers.models import Subject
from qiangshi.web.lists import XLSX, xlsx_response

SUBJECT_LABELS = dict(Subject.choices)

PART_LABELS = {
    "primary": gettext_lazy("Primary"),
    "junior": gettext_lazy("Junior secondary"),
    "senior": gettext_lazy("Senior secondary"),
}
RESERVE = "reserve"


def _require(user) -> None:
    if not can(user, "school", "aggregate"):
        raise PermissionDenied


def _get(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except NotFound:
        raise Http404 from None


def _year(request, district=None) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1900 < int(raw) < 3000:
        return int(raw)
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
    _require(request.user)
    districts = org_selectors.districts_covered(request.user)
    year = _year(request, districts)
    rows, error = [], ""
    totals = dict.fromkeys(("quota", "allocated", "established", "vacancies", "overstaffing"), 0)
    for district in districts:
        try:
            report = selectors.district_staffing(actor=request.user, district=district, year=year)
        except ApplicationError as exc:
            error = str(exc)
            break
        t = report.totals
        row = {
            "district": district,
            "url": reverse("web:staffing_district", args=[district.pk]) + f"?year={year}",
            "forecast_url": reverse("web:staffing_forecast", args=[district.pk]),
            "schools": t["schools"],
            "quota": t["quota"],
            "allocated": t.get("allocated", t["quota"]),
            "reserve": report.pool["reserve"] if report.pool else 0,
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
    _require(request.user)
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
            "form": form if may_allocate else None,
            "error": "",
        },
        status=status,
    )


@login_required
def staffing_district_export(request, district_pk: int):
    _require(request.user)
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


def _school_card(request, school_pk: int):
    school = _get(selectors.school_for, request.user, school_pk)
    year = _year(request, school.district)
    on = selectors.default_on(year)
    try:
        (row,) = selectors.school_staffing(schools=[school], year=year, on=on)
    except ApplicationError as exc:
        return school, year, None, str(exc)
    allocated = selectors.allocations_for(school.district, year).get(school.pk)
    if allocated is not None:
        row = replace(row, allocated=allocated)
    return school, year, row, ""


def _school_lines(row) -> list[tuple[str, object]]:
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
    _require(request.user)
    school, year, row, error = _school_card(request, school_pk)
    district_url = None
    if school.district in org_selectors.districts_covered(request.user):
        district_url = reverse("web:staffing_district", args=[school.district.pk])
    parts = []
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
    _require(request.user)
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


@login_required
def staffing_forecast(request, district_pk: int):
    """Demand, supply and gap per future year, stage and subject, with the total gap chart."""
    _require(request.user)
    try:
        district, year, years, plan = _forecast(request, district_pk)
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        district = _get(org_selectors.district_covered, request.user, district_pk)
        return render(
            request,
            "web/staffing/forecast.html",
            {"district": district, "year": _year(request, district), "years": 10,
             "plan": None, "error": str(exc)},
        )  # fmt: skip
    rows = [
        {
            **r.as_dict(),
            "stage_label": part_label(r.stage),
            "subject_label": SUBJECT_LABELS.get(r.subject) or _("Unspecified"),
            "gap_class": "text-danger fw-semibold" if r.recruit else "",
        }
        for r in plan.rows
    ]
    by_year = {y: {"gap": 0.0, "recruit": 0, "demand": 0.0, "supply": 0.0} for y in plan.years}
    for r in plan.rows:
        t = by_year[r.year]
        t["gap"] += r.gap
        t["recruit"] += r.recruit
        t["demand"] += r.demand
        t["supply"] += r.supply
    chart = {
        "years": [str(y) for y in plan.years],
        "gap": [round(by_year[y]["gap"], 2) for y in plan.years],
        "recruit": [by_year[y]["recruit"] for y in plan.years],
        "labels": {"gap": _("Total gap (FTE)"), "recruit": _("Teachers to recruit or train")},
    }
    return render(
        request,
        "web/staffing/forecast.html",
        {
            "district": district,
            "year": year,
            "years": years,
            "plan": plan,
            "rows": rows,
            "by_year": [
                {"year": y, **{k: round(v, 2) for k, v in by_year[y].items()}} for y in plan.years
            ],
            "chart_data": chart,
            "error": "",
        },
    )


@login_required
def staffing_forecast_export(request, district_pk: int):
    _require(request.user)
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
