"""Welfare pages (issue 18; POLICY §7, §9): salary parity per district and year (region page
with failing districts flagged and the trend, a district's history, the form to enter a
district-year), and the non-teaching burden (burden index, the yearly lists, requests to enter
schools and their decision, what arrived at schools, teachers' anonymous reports).

Figures come from `qiangshi.welfare.selectors`; writes go through `qiangshi.welfare.services`.
A role without the permission gets 403; a district or record outside the area 404.
"""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiangshi.access.scoping import can
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org import selectors as org_selectors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response
from qiangshi.welfare import rules, selectors, services
from qiangshi.welfare.models import BurdenKind, RequestStatus, WageGroup

GROUP_LABELS = {
    WageGroup.TEACHER: gettext_lazy("Teachers"),
    WageGroup.CIVIL_SERVANT: gettext_lazy("Civil servants"),
}


def _need(user, subject: str, action: str = "view") -> None:
    if not can(user, subject, action):
        raise PermissionDenied


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _year_param(request, default: int) -> int:
    year = _int(request.GET.get("year"))
    return year if year is not None and 1990 <= year <= 2100 else default


SOURCE_LABELS = {
    selectors.FINANCE: gettext_lazy("The finance office's return"),
    selectors.PAYROLL: gettext_lazy("Average of the payroll rows"),
}


def _source(request) -> str:
    source = request.GET.get("source", "")
    return source if source in selectors.TEACHER_SOURCES else selectors.FINANCE


def _style(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            widget.attrs["class"] = "form-select form-select-sm"
        else:
            widget.attrs["class"] = "form-control form-control-sm"
    return form


def _fail(form, exc: ApplicationError) -> None:
    """Put a service's error on the form: per field where it names one."""
    for name, message in exc.fields.items():
        form.add_error(name if name in form.fields else None, message)
    if not exc.fields:
        form.add_error(None, exc.message)


@login_required
def welfare_home(request):
    """The welfare entry of the navigation: the first page the role may use."""
    user = request.user
    for subject, action, name in (
        ("wage", "view", "web:welfare_parity"),
        ("burdenarrival", "view", "web:welfare_burden"),
        ("burdenreport", "create", "web:welfare_report"),
    ):
        if can(user, subject, action):
            return redirect(name)
    raise PermissionDenied


# --- salary parity --------------------------------------------------------------------------


def _money(value) -> float | None:
    return None if value is None else float(value)


def _parity_view_row(row: selectors.ParityRow) -> dict:
    r = row.result
    return {
        "district": row.district,
        "year": row.year,
        "teacher_wage": r.teacher_wage,
        "civil_servant_wage": r.civil_servant_wage,
        "gap": r.gap,
        "passed": r.passed,
        "has_figures": row.has_figures,
        "driver": rules.component_label(r.driver) if r.driver else "",
        "missing": [rules.component_label(c) for c in r.missing],
        "components": [
            {
                "label": rules.component_label(c.component),
                "teacher_wage": c.teacher_wage,
                "civil_servant_wage": c.civil_servant_wage,
                "gap": c.gap,
            }
            for c in r.by_component
        ],
        "rule_version": row.rule_version,
    }


def _verdict(passed) -> str:
    if passed is None:
        return _("Missing")
    return _("Passes") if passed else _("Fails")


def _parity_xlsx(rows: list[selectors.ParityRow], year: int):
    comps = rules.parity_rules(year)["components"]
    keys = [c["key"] for c in comps]
    header = [
        _("District"),
        _("District code"),
        _("Year"),
        _("Teachers' average annual wage (yuan)"),
        _("Civil servants' average annual wage (yuan)"),
        _("Gap (yuan)"),
        _("Verdict"),
        _("Driving component"),
    ]
    for c in keys:
        label = rules.component_label(c)
        header += [
            f"{GROUP_LABELS['teacher']}·{label}",
            f"{GROUP_LABELS['civil_servant']}·{label}",
            f"{_('Gap')}·{label}",
        ]
    header.append(_("Rule version"))
    body = []
    for row in rows:
        r = row.result
        line = [
            row.district.display_name,
            row.district.code,
            row.year,
            r.teacher_wage,
            r.civil_servant_wage,
            r.gap,
            _verdict(r.passed),
            rules.component_label(r.driver) if r.driver else "",
        ]
        parts = {c.component: c for c in r.by_component}
        for c in keys:
            p = parts.get(c)
            line += [p and p.teacher_wage, p and p.civil_servant_wage, p and p.gap]
        line.append(row.rule_version)
        body.append(line)
    return xlsx_response(f"salary-parity-{year}", [(_("Salary parity"), header, body)])


@login_required
def welfare_parity(request):
    """Every district the actor covers for a year: both averages, the gap, the verdict and the
    component driving a gap; failing districts flagged; the gap's trend; xlsx export."""
    user = request.user
    _need(user, "wage", "view")
    years = selectors.parity_years(user)
    year = _year_param(request, years[0] if years else timezone.localdate().year - 1)
    regions = selectors.wage_regions(user)
    region = next((r for r in regions if r.code == request.GET.get("region")), None)
    source = _source(request)
    rows = selectors.parity_table(actor=user, year=year, region=region, source=source)
    if request.GET.get("format") == "xlsx":
        _need(user, "wage", "export")
        audit_record(actor=user, action="welfare.parity_export", object_type="welfare.wage",
                     note=f"year={year} region={region.code if region else ''}")  # fmt: skip
        return _parity_xlsx(rows, year)
    series = selectors.parity_series(actor=user, region=region, source=source)
    all_years = sorted({r.year for rs in series.values() for r in rs})
    chart = {
        "years": all_years,
        "gap_label": _("Gap (yuan)"),
        "series": [
            {
                "name": d.display_name,
                "data": [
                    _money(next((r.result.gap for r in rs if r.year == y), None)) for y in all_years
                ],
            }
            for d, rs in series.items()
            if rs
        ],
    }
    view_rows = [_parity_view_row(r) for r in rows]
    failing = [r for r in view_rows if r["passed"] is False]
    return render(
        request,
        "web/welfare/parity.html",
        {
            "rows": view_rows,
            "failing": failing,
            "year": year,
            "years": years,
            "regions": regions,
            "region": region,
            "chart": chart if all_years else None,
            "components": [rules.component_label(c) for c in rules.components(year)],
            "rule_version": rules.parity_rules(year)["version"],
            "may_change": can(user, "wage", "change"),
            "may_export": can(user, "wage", "export"),
            "may_import": can(user, "teacher", "create") and can(user, "wage", "change"),
            "may_import_payroll": can(user, "payroll", "create"),
            "query": query_without_page(request),
            "source": source,
            "sources": list(SOURCE_LABELS.items()),
        },
    )


def _district(request, district_pk, action="view"):
    try:
        return selectors.wage_district_get(request.user, district_pk, action)
    except NotFound:
        raise Http404 from None


@login_required
def welfare_parity_district(request, district_pk: int):
    """A district's parity year by year, with each component."""
    user = request.user
    _need(user, "wage", "view")
    district = _district(request, district_pk)
    source = _source(request)
    history = selectors.parity_history(actor=user, district=district, source=source)
    rows = [_parity_view_row(r) for r in reversed(history)]
    chart = {
        "years": [r.year for r in history],
        "teacher_label": str(GROUP_LABELS["teacher"]),
        "civil_label": str(GROUP_LABELS["civil_servant"]),
        "gap_label": _("Gap (yuan)"),
        "teacher": [_money(r.result.teacher_wage) for r in history],
        "civil": [_money(r.result.civil_servant_wage) for r in history],
        "gap": [_money(r.result.gap) for r in history],
    }
    return render(
        request,
        "web/welfare/parity_district.html",
        {
            "district": district,
            "rows": rows,
            "chart": chart if history else None,
            "may_change": can(user, "wage", "change"),
            "source": source,
            "source_label": SOURCE_LABELS[source],
            "sources": list(SOURCE_LABELS.items()),
        },
    )


@login_required
def welfare_payroll(request, district_pk: int):
    """A district-year's payroll rows: the teachers' average per component (public compulsory
    schools, what the parity rule compares) for every role that sees the district's parity;
    each teacher's own pay only for the roles with `payroll.view`, every page of it recorded
    in the access log."""
    user = request.user
    _need(user, "wage", "view")
    district = _district(request, district_pk)
    year = _year_param(request, timezone.localdate().year - 1)
    summary = selectors.payroll_district_summary(actor=user, district=district, year=year)
    components = rules.components(year)
    averages = [
        (rules.component_label(c), summary.by_component.get(c) if summary else None)
        for c in components
    ]
    page = lines = None
    if can(user, "payroll", "view"):
        page = paginate(
            request, selectors.payroll_teachers(actor=user, district=district, year=year)
        )
        lines = services.payroll_reveal(
            actor=user, district_pk=district.pk, year=year,
            teacher_ids=[t for t, _s in page.object_list],
        )  # fmt: skip
        lines = [
            {
                "line": line,
                "amounts": [line.by_component.get(c) for c in components],
            }
            for line in lines
        ]
    return render(
        request,
        "web/welfare/payroll.html",
        {
            "district": district,
            "year": year,
            "summary": summary,
            "averages": averages,
            "component_labels": [rules.component_label(c) for c in components],
            "page": page,
            "lines": lines,
            "query": query_without_page(request),
        },
    )


class WageForm(forms.Form):
    def __init__(self, *args, components=(), initial_figures=None, **kwargs):
        super().__init__(*args, **kwargs)
        for group, group_label in GROUP_LABELS.items():
            for c in components:
                name = f"{group}__{c}"
                self.fields[name] = forms.DecimalField(
                    label=f"{group_label}·{rules.component_label(c)}",
                    min_value=0,
                    max_value=9_999_999,
                    decimal_places=2,
                    required=True,
                    initial=(initial_figures or {}).get((group, c)),
                )
        _style(self)


@login_required
def welfare_parity_edit(request, district_pk: int):
    """Enter or correct a district-year's figures (every component of the year's rule set)."""
    user = request.user
    _need(user, "wage", "change")
    district = _district(request, district_pk, "change")
    source = request.POST if request.method == "POST" else request.GET
    year = _int(source.get("year"))
    if year is None or not 1990 <= year <= 2100:
        year = timezone.localdate().year - 1
    comps = rules.components(year)
    current = selectors.parity_figures(actor=user, district=district, year=year)
    form = WageForm(
        request.POST if request.method == "POST" else None,
        components=comps,
        initial_figures=current,
    )
    if request.method == "POST" and form.is_valid():
        figures = {}
        for name, value in form.cleaned_data.items():
            group, component = name.split("__", 1)
            figures[(group, component)] = value
        try:
            services.wages_set(actor=user, district_pk=district.pk, year=year, figures=figures)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("The figures were saved."))
            return redirect(reverse("web:welfare_parity_district", args=[district.pk]))
    groups = [(label, [form[f"{g}__{c}"] for c in comps]) for g, label in GROUP_LABELS.items()]
    return render(
        request,
        "web/welfare/parity_edit.html",
        {"district": district, "year": year, "form": form, "groups": groups},
    )


# --- non-teaching burden --------------------------------------------------------------------


def _burden_tabs(user) -> list[dict]:
    tabs = [
        ("burdenarrival", "view", "web:welfare_burden", gettext_lazy("Burden index")),
        ("burdenlist", "view", "web:welfare_lists", gettext_lazy("Lists and whitelist")),
        ("entryrequest", "view", "web:welfare_requests", gettext_lazy("Requests to enter schools")),
        ("burdenarrival", "view", "web:welfare_arrivals", gettext_lazy("What arrived")),
        ("burdenreport", "view", "web:welfare_reports", gettext_lazy("Anonymous reports")),
    ]
    return [
        {"url": reverse(name), "label": label, "name": name.split(":")[1]}
        for subject, action, name, label in tabs
        if can(user, subject, action)
    ]


def _kind_label(kind: str) -> str:
    return str(dict(BurdenKind.choices).get(kind, kind))


@login_required
def welfare_burden(request):
    """The burden index per school for a year (count and hours per teacher), its trend, and
    the demands that arrived without approval."""
    user = request.user
    _need(user, "burdenarrival", "view")
    year = _year_param(request, timezone.localdate().year)
    rows = selectors.burden_index(actor=user, year=year)
    if request.GET.get("format") == "xlsx":
        _need(user, "burdenarrival", "export")
        audit_record(actor=user, action="welfare.burden_export", object_type="welfare.arrival",
                     note=f"year={year}")  # fmt: skip
        header = [_("School"), _("School code"), _("Year"), _("Demands"), _("Without approval"),
                  _("Teacher-hours"), _("Teachers"), _("Hours per teacher")]  # fmt: skip
        body = [
            [
                r.school.name,
                r.school.code,
                r.year,
                r.index.count,
                r.unapproved,
                r.index.teacher_hours,
                r.teachers,
                r.index.hours_per_teacher,
            ]  # fmt: skip
            for r in rows
        ]
        return xlsx_response(f"burden-{year}", [(_("Burden index"), header, body)])
    trend = selectors.burden_trend(actor=user)
    chart = {
        "years": list(trend),
        "count_label": _("Demands"),
        "hours_label": _("Teacher-hours"),
        "count": [v["count"] for v in trend.values()],
        "hours": [round(v["teacher_hours"], 1) for v in trend.values()],
    }
    unapproved = selectors.arrival_list(actor=user, year=year, unapproved=True)[:20]
    return render(
        request,
        "web/welfare/burden.html",
        {
            "tabs": _burden_tabs(user),
            "current": "welfare_burden",
            "rows": rows,
            "year": year,
            "chart": chart if trend else None,
            "unapproved": unapproved,
            "may_export": can(user, "burdenarrival", "export"),
            "rule": rules.burden_rules(date(year, 12, 31)),
        },
    )


class ListItemForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=1990, max_value=2100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BurdenKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    requester = forms.CharField(label=gettext_lazy("Who asks"), max_length=200)
    purpose = forms.CharField(label=gettext_lazy("Why"), max_length=500, required=False)
    comprehensive = forms.BooleanField(
        label=gettext_lazy("Comprehensive inspection (county level or above)"), required=False
    )


@login_required
def welfare_lists(request):
    """The yearly list of inspections and the whitelist of activities of the actor's area (and
    of the regions above it); offices add entries."""
    user = request.user
    _need(user, "burdenlist", "view")
    year = _year_param(request, timezone.localdate().year)
    may_add = can(user, "burdenlist", "create") and bool(user.region_id)
    form = _style(ListItemForm(request.POST or None, initial={"year": year}))
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.burden_list_add(actor=user, **form.cleaned_data)
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("The entry was added to the list."))
                return redirect(reverse("web:welfare_lists") + f"?year={form.cleaned_data['year']}")
    items = selectors.burden_list(actor=user, year=year)
    return render(
        request,
        "web/welfare/lists.html",
        {
            "tabs": _burden_tabs(user),
            "current": "welfare_lists",
            "year": year,
            "inspections": [i for i in items if i.kind == BurdenKind.INSPECTION],
            "activities": [i for i in items if i.kind == BurdenKind.ACTIVITY],
            "form": form if may_add else None,
        },
    )


class RequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BurdenKind.choices)
    list_item = forms.TypedChoiceField(
        label=gettext_lazy("List entry"), coerce=int, required=False, empty_value=None
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    requester = forms.CharField(label=gettext_lazy("Who asks"), max_length=200)
    purpose = forms.CharField(label=gettext_lazy("Why"), max_length=500, required=False)
    schools = forms.TypedMultipleChoiceField(label=gettext_lazy("Schools affected"), coerce=int)
    start_date = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput({"type": "date"})
    )
    end_date = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput({"type": "date"}))
    hours = forms.DecimalField(
        label=gettext_lazy("Duration (hours)"), min_value=0.5, max_value=1000, decimal_places=1
    )
    announced_on = forms.DateField(
        label=gettext_lazy("Scope announced on"), widget=forms.DateInput({"type": "date"})
    )

    def __init__(self, *args, items=(), schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_item"].choices = [("", _("— not on a list —"))] + [
            (i.pk, f"{i.year} · {_kind_label(i.kind)} · {i.title}") for i in items
        ]
        self.fields["schools"].choices = [(s.pk, s.name) for s in schools]
        self.fields["schools"].widget.attrs["size"] = 8
        _style(self)


@login_required
def welfare_requests(request):
    """Requests to enter schools: the list (status filter), the form to record one (refused at
    once, with the reasons, when it is not on a list, late or over a cap), and decisions."""
    user = request.user
    _need(user, "entryrequest", "view")
    may_submit = can(user, "entryrequest", "create") and bool(user.region_id)
    form = None
    if may_submit:
        today = timezone.localdate()
        items = list(
            selectors.list_items_for(user.region, today.year, BurdenKind.ACTIVITY)
            | selectors.list_items_for(user.region, today.year, BurdenKind.INSPECTION)
            | selectors.list_items_for(user.region, today.year + 1, BurdenKind.ACTIVITY)
            | selectors.list_items_for(user.region, today.year + 1, BurdenKind.INSPECTION)
        )
        schools = org_selectors.school_list(actor=user).order_by("code")[:2000]
        form = RequestForm(request.POST or None, items=items, schools=schools)
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                r = services.entry_request_submit(
                    actor=user,
                    kind=d["kind"],
                    title=d["title"],
                    requester=d["requester"],
                    purpose=d["purpose"],
                    school_pks=d["schools"],
                    start_date=d["start_date"],
                    end_date=d["end_date"],
                    hours=d["hours"],
                    announced_on=d["announced_on"],
                    list_item_pk=d["list_item"],
                )
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                if r.status == RequestStatus.REFUSED:
                    messages.warning(request, _("The request was refused: see the reasons."))
                else:
                    messages.success(
                        request, _("The request was recorded and waits for a decision.")
                    )
                return redirect("web:welfare_requests")
    status = request.GET.get("status") or None
    if status not in RequestStatus.values:
        status = None
    page = paginate(request, selectors.request_list(actor=user, status=status))
    rows = []
    may_review = can(user, "entryrequest", "review")
    own_path = getattr(user.region, "path", None)
    for r in page.object_list:
        names = {s.pk: s.name for s in r.schools.all()}
        rows.append(
            {
                "r": r,
                "schools": list(names.values()),
                "reasons": [services.reason_text(x, names) for x in r.reasons],
                "may_decide": may_review
                and r.status == RequestStatus.PENDING
                and own_path is not None
                and r.region.path.startswith(own_path),
            }
        )
    return render(
        request,
        "web/welfare/requests.html",
        {
            "tabs": _burden_tabs(user),
            "current": "welfare_requests",
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": RequestStatus.choices,
            "form": form,
            "query": query_without_page(request),
            "rule": rules.burden_rules(timezone.localdate()),
        },
    )


@login_required
@require_POST
def welfare_request_decide(request, pk: int):
    user = request.user
    _need(user, "entryrequest", "review")
    approve = request.POST.get("decision") == "approve"
    try:
        r = services.entry_request_decide(
            actor=user, request_pk=pk, approve=approve, comment=request.POST.get("comment", "")
        )
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if r.status == RequestStatus.APPROVED:
            messages.success(request, _("The request was approved."))
        else:
            messages.warning(request, _("The request was refused."))
    return redirect("web:welfare_requests")


class ArrivalForm(forms.Form):
    school = forms.TypedChoiceField(label=gettext_lazy("School"), coerce=int)
    request = forms.TypedChoiceField(
        label=gettext_lazy("Approved request"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BurdenKind.choices)
    title = forms.CharField(label=gettext_lazy("What"), max_length=200)
    requester = forms.CharField(label=gettext_lazy("Who asked"), max_length=200)
    on = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput({"type": "date"}))
    hours = forms.DecimalField(
        label=gettext_lazy("Hours"), min_value=0.1, max_value=1000, decimal_places=1
    )
    teachers_involved = forms.IntegerField(
        label=gettext_lazy("Teachers involved"), min_value=1, max_value=10000
    )
    paper_trail = forms.BooleanField(
        label=gettext_lazy("Paper trail demanded as evidence"), required=False
    )

    def __init__(self, *args, schools=(), requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.pk, s.name) for s in schools]
        self.fields["request"].choices = [("", _("— none: not approved —"))] + [
            (r.pk, f"{r.start_date} · {r.title} ({r.requester})") for r in requests
        ]
        _style(self)


@login_required
def welfare_arrivals(request):
    """What actually arrived at schools (filters: year, without approval, school); a school
    records what arrived, approved or not; xlsx export."""
    user = request.user
    _need(user, "burdenarrival", "view")
    year = _year_param(request, timezone.localdate().year)
    unapproved = request.GET.get("unapproved") == "1"
    form = None
    if can(user, "burdenarrival", "create"):
        schools = list(org_selectors.school_list(actor=user).order_by("code")[:50])
        requests = []
        for s in schools:
            requests += list(selectors.approved_requests_for_school(s))
        form = ArrivalForm(
            request.POST or None,
            schools=schools,
            requests=sorted(set(requests), key=lambda r: r.start_date, reverse=True)[:200],
            initial={"on": timezone.localdate()},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.arrival_record(
                    actor=user,
                    school_pk=d["school"],
                    kind=d["kind"],
                    title=d["title"],
                    requester=d["requester"],
                    on=d["on"],
                    hours=d["hours"],
                    teachers_involved=d["teachers_involved"],
                    request_pk=d["request"],
                    paper_trail=d["paper_trail"],
                )
            except NotFound:
                form.add_error("school", _("Not a school of yours."))
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("Recorded."))
                return redirect("web:welfare_arrivals")
    qs = selectors.arrival_list(actor=user, year=year, unapproved=unapproved)
    if request.GET.get("format") == "xlsx":
        _need(user, "burdenarrival", "export")
        audit_record(actor=user, action="welfare.arrivals_export", object_type="welfare.arrival",
                     note=f"year={year} unapproved={unapproved}")  # fmt: skip
        header = [_("Date"), _("School"), _("School code"), _("Kind"), _("What"), _("Who asked"),
                  _("Hours"), _("Teachers involved"), _("Approved"), _("Paper trail")]  # fmt: skip
        body = [
            [
                a.on,
                a.school.name,
                a.school.code,
                _kind_label(a.kind),
                a.title,
                a.requester,
                a.hours,
                a.teachers_involved,
                a.approved,
                a.paper_trail,
            ]  # fmt: skip
            for a in qs
        ]
        return xlsx_response(f"arrivals-{year}", [(_("What arrived"), header, body)])
    page = paginate(request, qs)
    return render(
        request,
        "web/welfare/arrivals.html",
        {
            "tabs": _burden_tabs(user),
            "current": "welfare_arrivals",
            "page": page,
            "year": year,
            "unapproved": unapproved,
            "form": form,
            "query": query_without_page(request),
            "may_export": can(user, "burdenarrival", "export"),
        },
    )


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BurdenKind.choices)
    requester = forms.CharField(label=gettext_lazy("Who asked"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What was demanded"), max_length=4000, widget=forms.Textarea({"rows": 5})
    )


@login_required
def welfare_report(request):
    """A teacher reports a demand on their school anonymously."""
    user = request.user
    _need(user, "burdenreport", "create")
    form = _style(ReportForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        try:
            services.anonymous_report_submit(actor=user, **form.cleaned_data)
        except ApplicationError as exc:
            _fail(form, exc)
        else:
            messages.success(request, _("Thank you. Your report was received without your name."))
            return redirect("web:welfare_report")
    return render(request, "web/welfare/report.html", {"form": form})


@login_required
def welfare_reports(request):
    """The anonymous reports of the schools in the actor's area (no author, no time)."""
    user = request.user
    _need(user, "burdenreport", "view")
    page = paginate(request, selectors.report_list(actor=user))
    return render(
        request,
        "web/welfare/reports.html",
        {
            "tabs": _burden_tabs(user),
            "current": "welfare_reports",
            "page": page,
            "query": query_without_page(request),
        },
    )
