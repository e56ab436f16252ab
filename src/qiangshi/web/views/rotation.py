"""Rotation planning pages (issue 6): plans and their workflow, the eligible teachers per school
with the reason for every exclusion, a plan's moves with reasons, the balance before and after,
fixed and forbidden moves, and exports (xlsx, PDF). Teachers see their own published move.

Reads come from `qiangshi.rotation.selectors`, writes go through `qiangshi.rotation.services`.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.engines import rotation as engine
from qiangshi.org.models import Region, RegionLevel
from qiangshi.rotation import selectors, services
from qiangshi.rotation.models import DecisionKind, Method, MoveForm, PlanStatus, SolveState
from qiangshi.rotation.outputs import (
    cv_rows,
    form_label,
    indicator_label,
    plan_xlsx,
    subject_label,
)
from qiangshi.web.lists import paginate, query_without_page, xlsx_response

STATUS_BADGE = {
    PlanStatus.DRAFT: "secondary",
    PlanStatus.SUBMITTED: "info",
    PlanStatus.RETURNED: "warning",
    PlanStatus.APPROVED: "primary",
    PlanStatus.PUBLISHED: "success",
    PlanStatus.EFFECTIVE: "dark",
}


EXEMPTIONS_SHOWN = 10  # on the eligibility page; the rest on the exemptions page


def _year(request) -> int:
    raw = request.GET.get("year", "") or request.POST.get("year", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return selectors.current_school_year() + 1


class PlanForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("District or city"))
    year = forms.IntegerField(label=gettext_lazy("School year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=Method.choices)
    effective_date = forms.DateField(
        label=gettext_lazy("Effective date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Default: 1 September of the school year."),
    )
    origins = forms.MultipleChoiceField(
        label=gettext_lazy("Sending districts (city programmes)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    destinations = forms.MultipleChoiceField(
        label=gettext_lazy("Receiving districts (city programmes)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_distance_km = forms.FloatField(
        label=gettext_lazy("Distance cap (km)"),
        required=False,
        min_value=0.1,
        help_text=gettext_lazy("Empty: the rule set's cap."),
    )
    subject_needs = forms.BooleanField(
        label=gettext_lazy("Receiving schools must get the subjects they lack"),
        required=False,
        initial=True,
    )
    exchange = forms.BooleanField(
        label=gettext_lazy("Exchange: receiving districts may send teachers back"),
        required=False,
        initial=True,
    )
    form = forms.ChoiceField(
        label=gettext_lazy("Form of the teachers' moves"),
        choices=MoveForm.choices,
        initial=MoveForm.TRANSFER,
        required=False,
        help_text=gettext_lazy("Each move can still be changed on the plan page."),
    )
    term_years = forms.IntegerField(
        label=gettext_lazy("Term (years)"), required=False, min_value=1, max_value=3, initial=3
    )
    appointments = forms.CharField(
        label=gettext_lazy("Schools with a new principal named (school codes)"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy(
            "Their principal may leave without another arriving. Separate codes with commas."
        ),
    )

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.display_name) for r in regions]
        districts = [(r.code, r.display_name) for r in regions if r.level == RegionLevel.DISTRICT]
        if any(r.level == RegionLevel.CITY for r in regions):
            self.fields["origins"].choices = districts
            self.fields["destinations"].choices = districts
        else:  # a district office: no programmes across districts
            del self.fields["origins"]
            del self.fields["destinations"]
            del self.fields["exchange"]
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
            elif isinstance(field.widget, forms.Select | forms.SelectMultiple):
                field.widget.attrs["class"] = "form-select form-select-sm"
            else:
                field.widget.attrs["class"] = "form-control form-control-sm"


@login_required
def rotation_home(request):
    """Plans in the actor's area (filters, pagination, export) and the new-plan form; a
    teacher's own published moves."""
    require(request.user, "rotation", "view")
    user = request.user
    context: dict = {"my_moves": list(selectors.my_moves(user))}
    if user.role == Role.TEACHER:
        year = selectors.current_school_year() + 1
        preference = selectors.my_preference(user, year)
        chosen = list(preference.schools) if preference else []
        context.update(
            {
                "year": year,
                "choices": selectors.preference_choices(user),
                "chosen": chosen + [None] * (3 - len(chosen)),
                "preference": preference,
            }
        )
        return render(request, "web/rotation/mine.html", context)
    plans = selectors.plan_list(user)
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        plans = plans.filter(status=status)
    region_code = request.GET.get("region", "")
    if region_code:
        plans = plans.filter(region__code=region_code)
    year = request.GET.get("year", "")
    if year.isdigit():
        plans = plans.filter(year=int(year))
    if request.GET.get("format") == "xlsx":
        require(user, "rotation", "export")
        rows = (
            [
                p.pk,
                str(p),
                p.region.code,
                p.region.name,
                p.year,
                p.get_status_display(),
                p.get_method_display(),
                p.effective_date.isoformat(),
                (p.result or {}).get("moves"),
                (p.result or {}).get("objective"),
            ]
            for p in plans
        )
        header = [
            _("ID"),
            _("Plan"),
            _("Region code"),
            _("Region"),
            _("School year"),
            _("Status"),
            _("Method"),
            _("Effective date"),
            _("Moves"),
            _("Objective"),
        ]
        return xlsx_response("rotation-plans", [(_("Rotation plans"), header, rows)])
    regions = selectors.plan_regions(user) if can(user, "rotation", "create") else []
    form = PlanForm(
        regions=regions,
        initial={
            "year": _year(request),
            "method": Method.MILP,
            "subject_needs": True,
            "exchange": True,
            "form": MoveForm.TRANSFER,
            "term_years": 3,
        },
    )
    context.update(
        {
            "page": paginate(request, plans),
            "query": query_without_page(request),
            "statuses": PlanStatus.choices,
            "status": status,
            "region_code": region_code,
            "year": year,
            "form": form,
            "regions": regions,
            "may_create": bool(regions),
            "badges": STATUS_BADGE,
        }
    )
    return render(request, "web/rotation/home.html", context)


@login_required
def rotation_create(request):
    require(request.user, "rotation", "create")
    if request.method != "POST":
        return redirect("web:rotation_home")
    regions = selectors.plan_regions(request.user)
    form = PlanForm(request.POST, regions=regions)
    if form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_create(
                actor=request.user,
                region_code=d["region"],
                year=d["year"],
                method=d["method"],
                name=d["name"],
                effective_date=d["effective_date"],
                origins=d.get("origins"),
                destinations=d.get("destinations"),
                max_distance_km=d["max_distance_km"],
                subject_needs=d["subject_needs"],
                exchange=d.get("exchange", True),
                form=d["form"],
                term_years=d["term_years"],
                appointments=[
                    c.strip() for c in d["appointments"].replace("，", ",").split(",") if c.strip()
                ],
            )
            services.plan_solve(actor=request.user, plan=plan)
        except (ApplicationError, NotFound) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Plan created; solving."))
            return redirect("web:rotation_plan", plan.pk)
    plans = selectors.plan_list(request.user)
    return render(
        request,
        "web/rotation/home.html",
        {
            "page": paginate(request, plans),
            "query": "",
            "statuses": PlanStatus.choices,
            "form": form,
            "regions": regions,
            "may_create": True,
            "badges": STATUS_BADGE,
            "my_moves": [],
        },
        status=400,
    )


def _plan(request, pk):
    services.stuck_solves_recover()
    try:
        return selectors.plan_get(request.user, pk)
    except NotFound:
        raise Http404 from None


def _school_rows(result: dict) -> list[dict]:
    rows = []
    for s in result.get("schools", []):
        if not (s["moved_in"] or s["moved_out"]):
            continue
        cells = []
        for key in engine.INDICATORS:
            b, a = s["before"].get(key), s["after"].get(key)
            cells.append({"before": b, "after": a, "up": a is not None and b is not None and a > b})
        rows.append({**s, "cells": cells})
    return rows


SOLVER_STATUS = {
    "optimal": gettext_lazy("Optimal"),
    "feasible": gettext_lazy("Feasible (time limit reached)"),
    "incomplete": gettext_lazy("Incomplete"),
    "infeasible": gettext_lazy("Infeasible"),
    "no_solution": gettext_lazy("No plan found in time"),
}
GROUP_LABELS = {
    "subject_needs": gettext_lazy("subject needs of receiving schools"),
    "quotas": gettext_lazy("rotation quotas"),
    "backbone_share": gettext_lazy("backbone teachers' share"),
    "staffing": gettext_lazy("staffing quota ± tolerance"),
    "distance": gettext_lazy("distance cap"),
    "allowed_pairs": gettext_lazy("allowed sending → receiving districts"),
    "fixed": gettext_lazy("fixed and forbidden moves"),
    "budget": gettext_lazy("the number of moves allowed"),
}


def _solver_status(result: dict) -> str:
    """The solve's outcome in words; a complete greedy plan is not "time limit reached"."""
    if result.get("method") == "greedy" and result.get("status") == "feasible":
        return str(_("Complete (greedy baseline)"))
    return str(SOLVER_STATUS.get(result.get("status"), result.get("status", "")))


def _infeasibility(result: dict) -> str:
    """A sentence naming the constraint groups that, relaxed, make a plan possible."""
    groups = [str(GROUP_LABELS.get(g, g)) for g in result.get("infeasible_groups") or []]
    if result.get("status") != "infeasible":
        return ""
    if not groups:
        return _(
            "No plan satisfies all hard constraints, and no single constraint group could be "
            "named as the cause in the time available."
        )
    return _(
        "No plan satisfies all hard constraints. Relaxing any one of these would make a plan "
        "possible: %(groups)s."
    ) % {"groups": _("; ").join(groups)}


def _needs(by_school: dict | None) -> list[dict]:
    """[{school, subjects}] from {school id: {subject: teachers}} stored with a result."""
    if not by_school:
        return []
    from qiangshi.org.models import School

    names = dict(
        School.objects.filter(pk__in=[int(k) for k in by_school]).values_list("pk", "name")
    )
    return [
        {
            "school": names.get(int(pk), pk),
            "subjects": "、".join(f"{subject_label(j)} {n}" for j, n in sorted(needs.items())),
        }
        for pk, needs in sorted(by_school.items(), key=lambda kv: str(names.get(int(kv[0]), "")))
        if needs
    ]


@login_required
def rotation_plan(request, pk: int):
    """A plan: workflow, solver result, balance before/after, moves with reasons, decisions."""
    require(request.user, "rotation", "view")
    plan = _plan(request, pk)
    user = request.user
    planner = user.role in selectors.PLANNERS
    visible = selectors.plan_moves_for(user, plan)
    principal_moves = list(visible.filter(is_principal=True).order_by("origin__name"))
    moves = visible.filter(is_principal=False)
    q = request.GET.get("q", "").strip()
    if q:
        moves = moves.filter(
            Q(teacher__name__icontains=q)
            | Q(origin__name__icontains=q)
            | Q(destination__name__icontains=q)
            | Q(origin__code=q)
            | Q(destination__code=q)
        )
    result = plan.result or {}
    in_area = services.in_planning_area(user, plan)
    may_edit = plan.is_editable and can(user, "rotation", "change") and in_area
    may_review = can(user, "rotation", "review") and in_area
    cv = [
        {
            "district": r[0],
            "stage": r[1],
            "indicator": r[2],
            "before": r[3],
            "after": r[4],
            "change": r[5],
            "better": r[5] is not None and r[5] < 0,
        }
        for r in cv_rows(result)
    ]
    chart = {
        "labels": [f"{r['district']} · {r['stage']} · {r['indicator']}" for r in cv],
        "before": [r["before"] for r in cv],
        "after": [r["after"] for r in cv],
        "before_label": _("CV before"),
        "after_label": _("CV after"),
    }
    page = paginate(request, moves)
    for m in (*page, *principal_moves):
        m.subject_label = subject_label(m.subject)
        m.form_label = form_label(m)
    notice = selectors.plan_notice(user, plan)
    tradeoff = result.get("tradeoff") or []
    return render(
        request,
        "web/rotation/plan.html",
        {
            "plan": plan,
            "planner": planner,
            "principal_moves": principal_moves,
            "notice_open": notice is not None,
            "tradeoff": tradeoff,
            "tradeoff_chart": _tradeoff_chart(tradeoff),
            "balance_years": _balance_years(result),
            "forms": MoveForm.choices,
            "term_range": range(1, 4),
            "result": result,
            "page": page,
            "query": query_without_page(request),
            "q": q,
            "cv": cv,
            "chart": chart,
            "schools": _school_rows(result),
            "indicators": [indicator_label(k) for k in engine.INDICATORS],
            "decisions": plan.decisions.select_related("teacher", "school"),
            "decision_kinds": DecisionKind.choices,
            "may_edit": may_edit,
            "may_review": may_review,
            "may_export": can(user, "rotation", "export"),
            "badge": STATUS_BADGE.get(plan.status, "secondary"),
            "solving": plan.solve_state in (SolveState.QUEUED, SolveState.RUNNING),
            "methods": Method.choices,
            "greedy": result.get("greedy"),
            "solver_status": _solver_status(result),
            "infeasibility": _infeasibility(result),
            "needs": _needs(result.get("needs")),
            "uncoverable": _needs(result.get("uncoverable")),
        },
    )


@login_required
def rotation_plan_status(request, pk: int):
    """The solve progress fragment the plan page polls while a solve runs."""
    require(request.user, "rotation", "view")
    plan = _plan(request, pk)
    solving = plan.solve_state in (SolveState.QUEUED, SolveState.RUNNING)
    response = render(request, "web/rotation/_status.html", {"plan": plan, "solving": solving})
    if not solving and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _tradeoff_chart(points: list[dict]) -> dict:
    """Balance gained against the number of teachers' moves, one point per budget solved."""
    feasible = [p for p in points if p.get("gain") is not None]
    return {
        "moves": [p["moves"] for p in feasible],
        "gain": [round(p["gain"], 1) for p in feasible],
        "chosen": [bool(p.get("chosen")) for p in feasible],
        "x_label": _("Teachers' moves"),
        "y_label": _("Balance gained"),
    }


def _balance_years(result: dict) -> str:
    """ "2025" (or "思明区 2025, 湖里区 2024"): the school year(s) of the balance figures."""
    years = result.get("balance_years") or {}
    if len(set(years.values())) <= 1:
        return str(next(iter(years.values()), ""))
    names = dict(Region.objects.filter(code__in=list(years)).values_list("code", "name"))
    return _(", ").join(f"{names.get(c, c)} {y}" for c, y in sorted(years.items()))


def _post_action(request, pk: int, call, success: str):
    if request.method != "POST":
        return redirect("web:rotation_plan", pk)
    plan = _plan(request, pk)
    try:
        call(plan)
    except (ApplicationError, NotFound) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("web:rotation_plan", pk)


@login_required
def rotation_solve(request, pk: int):
    require(request.user, "rotation", "change")
    method = request.POST.get("method") or None
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_solve(actor=request.user, plan=plan, method=method),
        _("Solving the plan."),
    )


@login_required
def rotation_submit(request, pk: int):
    require(request.user, "rotation", "change")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_submit(actor=request.user, plan=plan),
        _("Plan submitted for approval."),
    )


@login_required
def rotation_review(request, pk: int):
    require(request.user, "rotation", "review")
    approve = request.POST.get("decision") == "approve"
    comment = request.POST.get("comment", "")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_review(
            actor=request.user, plan=plan, approve=approve, comment=comment
        ),
        _("Plan approved.") if approve else _("Plan returned."),
    )


@login_required
def rotation_publish(request, pk: int):
    require(request.user, "rotation", "review")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_publish(actor=request.user, plan=plan),
        _("Plan published: teachers now see their assignment."),
    )


@login_required
def rotation_apply(request, pk: int):
    require(request.user, "rotation", "review")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_apply(actor=request.user, plan=plan),
        _("The moves took effect: new employment records were created."),
    )


@login_required
def rotation_delete(request, pk: int):
    require(request.user, "rotation", "change")
    if request.method != "POST":
        return redirect("web:rotation_plan", pk)
    plan = _plan(request, pk)
    try:
        services.plan_delete(actor=request.user, plan=plan)
    except (ApplicationError, NotFound) as exc:
        messages.error(request, str(exc))
        return redirect("web:rotation_plan", pk)
    messages.success(request, _("Plan deleted."))
    return redirect("web:rotation_home")


@login_required
def rotation_decide(request, pk: int):
    """Fix or forbid a move (from a move row or the decision form), or remove a decision."""
    require(request.user, "rotation", "change")
    remove = request.POST.get("remove")
    if remove:
        return _post_action(
            request,
            pk,
            lambda plan: services.decision_remove(
                actor=request.user, plan=plan, decision_pk=remove
            ),
            _("Decision removed; re-solve to apply it."),
        )
    return _post_action(
        request,
        pk,
        lambda plan: services.decision_add(
            actor=request.user,
            plan=plan,
            teacher_pk=selectors.resolve_teacher(request.user, plan, request.POST.get("teacher")),
            kind=request.POST.get("kind", ""),
            school_pk=selectors.resolve_school(plan, request.POST.get("school")),
        ),
        _("Decision saved; re-solve to apply it."),
    )


@login_required
def rotation_budget(request, pk: int):
    """Keep another point of the trade-off between balance gained and moves."""
    require(request.user, "rotation", "change")
    option = request.POST.get("option", "")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_choose_budget(
            actor=request.user, plan=plan, option=int(option) if option.isdigit() else -1
        ),
        _("The plan now has the moves of this budget."),
    )


@login_required
def rotation_move_form(request, pk: int, move_pk: int):
    """A move becomes a transfer or a term of 1–3 years."""
    require(request.user, "rotation", "change")
    return _post_action(
        request,
        pk,
        lambda plan: services.move_set_form(
            actor=request.user,
            plan=plan,
            move_pk=move_pk,
            form=request.POST.get("form", ""),
            term_years=request.POST.get("term_years") or None,
        ),
        _("Form of the move saved."),
    )


def _date(value: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("Not a date: %(value)s") % {"value": value}) from None


@login_required
def rotation_notice_set(request, pk: int):
    """The bureau switches the public notice on for a period, or off."""
    require(request.user, "rotation", "review")
    return _post_action(
        request,
        pk,
        lambda plan: services.plan_set_notice(
            actor=request.user,
            plan=plan,
            start=_date(request.POST.get("notice_start", "")),
            end=_date(request.POST.get("notice_end", "")),
        ),
        _("Public notice saved."),
    )


@login_required
def rotation_notice(request, pk: int):
    """The public notice (公示) of a plan: name, from-school and to-school, while it is on."""
    require(request.user, "rotation", "view")
    plan = _plan(request, pk)
    notice = selectors.plan_notice(request.user, plan)
    if notice is None:
        raise Http404
    q = request.GET.get("q", "").strip()
    if q:
        notice = notice.filter(
            Q(teacher__name__icontains=q)
            | Q(origin__name__icontains=q)
            | Q(destination__name__icontains=q)
        )
    if request.GET.get("format") == "xlsx":
        rows = ([m.teacher.name, m.origin.name, m.destination.name] for m in notice)
        header = [_("Name"), pgettext("rotation move", "From"), pgettext("rotation move", "To")]
        return xlsx_response(f"rotation-notice-{plan.pk}", [(_("Public notice"), header, rows)])
    return render(
        request,
        "web/rotation/notice.html",
        {"plan": plan, "page": paginate(request, notice), "q": q,
         "query": query_without_page(request)},
    )  # fmt: skip


@login_required
def rotation_plan_export(request, pk: int):
    require(request.user, "rotation", "export")
    plan = _plan(request, pk)
    data = plan_xlsx(plan, selectors.plan_moves_for(request.user, plan))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rotation-{plan.region.code}-{plan.year}-{plan.pk}.xlsx"'
    )
    return response


@login_required
def rotation_plan_pdf(request, pk: int):
    require(request.user, "rotation", "export")
    plan = _plan(request, pk)
    from qiangshi.web.rotation_pdf import plan_pdf

    try:
        data = plan_pdf(plan, list(selectors.plan_moves_for(request.user, plan)))
    except ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("web:rotation_plan", pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="rotation-{plan.region.code}-{plan.year}-{plan.pk}.pdf"'
    )
    return response


def _planning_area(request):
    """(the regions the user plans, the one asked for by ?region=, the school year ?year=)
    for the eligibility and exemption pages, which teachers may not see."""
    require(request.user, "rotation", "view")
    if request.user.role == Role.TEACHER:
        raise PermissionDenied
    regions = selectors.plan_regions(request.user)
    if not regions:
        raise PermissionDenied
    code = request.GET.get("region") or regions[0].code
    try:
        region = selectors.region_for(request.user, code)
    except NotFound:
        raise Http404 from None
    return regions, region, _year(request)


@login_required
def rotation_eligibility(request):
    """Eligible teachers per school with the reason for each exclusion, the year's quotas, the
    teachers of one school, and manual exemptions."""
    regions, region, year = _planning_area(request)
    rows, people, rules = selectors.eligibility_summary(region, year, actor=request.user)
    quota = selectors.quota_summary(rows, rules)
    school_pk = request.GET.get("school", "")
    school_rows = {str(r.school.pk): r for r in rows}
    selected = school_rows.get(school_pk)
    teachers = []
    if selected is not None:
        teachers = [c for c in people if c.school_id == selected.school.pk]
        only = request.GET.get("show", "")
        if only == "eligible":
            teachers = [c for c in teachers if c.eligible]
        elif only == "excluded":
            teachers = [c for c in teachers if not c.eligible]
        for c in teachers:
            c.subject_name = subject_label(c.subject)
    if request.GET.get("format") == "xlsx":
        require(request.user, "rotation", "export")
        school_by_pk = {r.school.pk: r.school for r in rows}
        source = teachers if selected is not None else people
        data = (
            [
                c.name,
                school_by_pk[c.school_id].code,
                school_by_pk[c.school_id].name,
                subject_label(c.subject),
                c.since.isoformat() if c.since else _("Start date missing"),
                c.years,
                _("Yes") if c.is_backbone else _("No"),
                _("Yes") if c.eligible else _("No"),
                "; ".join(c.reason_texts),
            ]
            for c in source
        )
        header = [
            _("Teacher"),
            _("School code"),
            _("School"),
            _("Subject"),
            _("At this school since"),
            _("Years"),
            _("Backbone teacher"),
            _("Eligible"),
            _("Reasons for exclusion"),
        ]
        return xlsx_response(
            f"rotation-eligibility-{region.code}-{year}", [(_("Eligibility"), header, data)]
        )
    table = []
    for r in rows:
        table.append(
            {
                "row": r,
                "reasons": [
                    (str(selectors.REASON_SHORT[k]), n)
                    for k, n in sorted(r.excluded_by_reason.items(), key=lambda kv: -kv[1])
                ],
                "url": reverse("web:rotation_eligibility")
                + f"?region={region.code}&year={year}&school={r.school.pk}",
            }
        )
    page = paginate(request, table, per_page=50)
    exemptions = selectors.exemptions(request.user, region, year)
    exemption_count = exemptions.count()
    return render(
        request,
        "web/rotation/eligibility.html",
        {
            "region": region,
            "regions": regions,
            "year": year,
            "rules": rules,
            "quota": quota,
            "page": page,
            "query": query_without_page(request),
            "selected": selected,
            "teachers": teachers,
            "exemptions": exemptions[:EXEMPTIONS_SHOWN],
            "exemption_count": exemption_count,
            "may_change": can(request.user, "rotation", "change"),
            "show": request.GET.get("show", ""),
            "totals": {
                "teachers": sum(r.teachers for r in rows),
                "eligible": sum(r.eligible for r in rows),
                "sending": sum(1 for r in rows if r.is_sending),
            },
        },
    )


def _exemption_list(request):
    """The year's exemptions of a district or city: searchable, paginated, exportable."""
    regions, region, year = _planning_area(request)
    q = request.GET.get("q", "").strip()
    rows = selectors.exemptions(request.user, region, year, q=q)
    if request.GET.get("format") == "xlsx":
        require(request.user, "rotation", "export")
        header = [
            _("Teacher"),
            _("School code"),
            _("School"),
            _("School year"),
            _("Reason"),
            _("Recorded by"),
            _("Recorded on"),
        ]
        data = (
            [
                e.teacher.name,
                e.school_code or "",
                e.school_name or "",
                e.year,
                e.reason,
                e.created_by.username if e.created_by else "",
                timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
            ]
            for e in rows.iterator()
        )
        return xlsx_response(
            f"rotation-exemptions-{region.code}-{year}", [(_("Exemptions"), header, data)]
        )
    return render(
        request,
        "web/rotation/exemptions.html",
        {
            "region": region,
            "regions": regions,
            "year": year,
            "q": q,
            "page": paginate(request, rows),
            "query": query_without_page(request),
            "may_change": can(request.user, "rotation", "change"),
            "may_export": can(request.user, "rotation", "export"),
        },
    )


@login_required
def rotation_exempt(request):
    """GET: the list of exemptions; POST: add one (teacher, year, reason) or remove one."""
    if request.method != "POST":
        return _exemption_list(request)
    require(request.user, "rotation", "change")
    back = request.POST.get("next") or reverse("web:rotation_eligibility")
    if not back.startswith("/"):
        back = reverse("web:rotation_eligibility")
    try:
        if request.POST.get("remove"):
            services.exemption_remove(actor=request.user, exemption_pk=request.POST["remove"])
            messages.success(request, _("Exemption removed."))
        else:
            services.exemption_add(
                actor=request.user,
                teacher_pk=request.POST.get("teacher"),
                year=_year(request),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Exemption saved."))
    except (ApplicationError, NotFound) as exc:
        messages.error(request, str(exc) if str(exc) != "Not found" else _("No such teacher."))
    return redirect(back)


@login_required
def rotation_preference(request):
    """A teacher states (or withdraws) their preferred schools for next year's rotation."""
    if request.method != "POST":
        return redirect("web:rotation_home")
    try:
        services.preference_set(
            actor=request.user,
            year=_year(request),
            school_pks=request.POST.getlist("school"),
        )
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your preferences were saved."))
    return redirect("web:rotation_home")
