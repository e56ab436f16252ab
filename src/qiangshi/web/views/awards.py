"""Award pages (issue 17): rounds, nominating within quota with each rule's result, the reviews
on the workflow, the public notice with its objections, the decision, statistics; the
long-service honours and the Teachers' Day list (printable, xlsx)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, require, scope
from qiangshi.awards import outputs, selectors, services
from qiangshi.awards.models import AWARD_LEVELS, AwardKind, ObjectionOutcome
from qiangshi.awards.workflow import PROCESS, STATES, STEPS
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import access_record, audit_record
from qiangshi.org.models import Region, School
from qiangshi.web.forms import StyledForm, apply_errors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response
from qiangshi.workflow.selectors import allowed_moves, history, item_for

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _year(request) -> int:
    year = _int(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else date.today().year


def _round(request, pk):
    try:
        return selectors.round_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _nomination(request, pk):
    try:
        return selectors.nomination_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _error_text(e: ApplicationError) -> str:
    details = "; ".join(m for m in e.fields.values() if m and m != e.message)
    return f"{e.message} {details}".strip()


# --- rounds ----------------------------------------------------------------------------------


class RoundForm(StyledForm):
    kind = forms.ChoiceField(label=gettext_lazy("Award"), choices=AwardKind.choices)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=AWARD_LEVELS, initial="city")
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=pgettext_lazy("award round", "Title"), max_length=200)
    nominations_open_on = forms.DateField(label=gettext_lazy("Nominations open on"), widget=DATE)
    nominations_close_on = forms.DateField(label=gettext_lazy("Nominations close on"), widget=DATE)
    reference_date = forms.DateField(
        label=gettext_lazy("Reference date for eligibility"), widget=DATE, required=False,
        help_text=gettext_lazy("Empty: the day nominations close."),
    )  # fmt: skip
    school_quota = forms.IntegerField(
        label=gettext_lazy("Nominations per school"), min_value=0, max_value=1000,
        required=False, help_text=gettext_lazy("Empty: the rule file's number for the award."),
    )  # fmt: skip
    district_quota = forms.IntegerField(
        label=gettext_lazy("Nominations per district"), min_value=0, max_value=10000,
        required=False, help_text=gettext_lazy("Empty: the rule file's number for the award."),
    )  # fmt: skip


@login_required
def awards_home(request):
    """The rounds the user may see, with filters and an xlsx export."""
    require(request.user, "awardround", "view")
    kind = request.GET.get("kind", "")
    year = _int(request.GET.get("year"))
    filters = {
        "q": request.GET.get("q", "").strip()[:50],
        "kind": kind if kind in AwardKind.values else "",
        "year": year if year and 2000 <= year <= 2100 else None,
    }
    rounds = selectors.round_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "awardround", "export")
        audit_record(actor=request.user, action="awards.round.export")
        return xlsx_response("award-rounds", [outputs.rounds_sheet(rounds)])
    page = paginate(request, rounds)
    return render(
        request,
        "web/awards/home.html",
        {
            "page": page,
            "filters": filters,
            "kinds": AwardKind.choices,
            "query": query_without_page(request),
            "may_create": can(request.user, "awardround", "create")
            and request.user.role == Role.BUREAU,
            "may_honours": can(request.user, "awardhonour", "view"),
            "today": date.today(),
        },
    )


@login_required
def awards_round_create(request):
    require(request.user, "awardround", "create")
    if request.user.role != Role.BUREAU:
        raise PermissionDenied
    form = RoundForm(request.POST or None, initial={"year": date.today().year})
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Round opened."))
            return redirect("web:awards_round", round_.pk)
    return render(request, "web/awards/round_form.html", {"form": form})


def _user_school(user) -> School | None:
    if user.role == Role.SCHOOL and user.school_id:
        return user.school
    return None


@login_required
def awards_round(request, pk):
    """A round: its facts, quotas and their use, statistics, and the nominations (filters,
    xlsx), with the bureau's batch actions (publish the notice, decide)."""
    require(request.user, "awardround", "view")
    round_ = _round(request, pk)
    state = request.GET.get("state", "")
    filters = {
        "round": round_.pk,
        "q": request.GET.get("q", "").strip()[:50],
        "state": state if state in STATES else "",
    }
    noms = (
        selectors.nomination_list(actor=request.user, filters=filters)
        if can(request.user, "awardnomination", "view")
        else selectors.nomination_list(actor=request.user).none()
    )
    if request.GET.get("format") == "xlsx":
        return _nominations_export(request, round_, noms)
    page = paginate(request, noms)
    items = selectors.nomination_states(list(page))
    school = _user_school(request.user)
    return render(
        request,
        "web/awards/round.html",
        {
            "round": round_,
            "page": page,
            "rows": [{"n": n, "item": items.get(n.pk)} for n in page],
            "states_map": STATES,
            "filters": filters,
            "states": STATES.items(),
            "query": query_without_page(request),
            "stats": selectors.round_statistics(actor=request.user, round_=round_),
            "use": selectors.quota_use(round_, school) if school else None,
            "may_nominate": school is not None and can(request.user, "awardnomination", "create"),
            "may_decide": can(request.user, "awardnomination", "change"),
            "may_quota": can(request.user, "awardround", "change"),
            "quotas": round_.quotas.select_related("school", "district"),
            "districts": scope(
                Region.objects.filter(level="district"), request.user, "view"
            ).order_by("code"),
            "open_now": round_.nominations_open_on <= date.today() <= round_.nominations_close_on,
        },
    )


def _nominations_export(request, round_, noms):
    require(request.user, "awardround", "export")
    audit_record(
        actor=request.user, action="awards.nomination.export", target=round_,
        note=f"round={round_.pk}",
    )  # fmt: skip
    return xlsx_response("award-nominations", [outputs.nominations_sheet(noms)])


@login_required
@require_POST
def awards_round_quota(request, pk):
    require(request.user, "awardround", "change")
    round_ = _round(request, pk)
    raw = request.POST.get("quota", "").strip()
    code = request.POST.get("school_code", "").strip()[:20]
    district = _int(request.POST.get("district"))
    try:
        if not raw.isdigit():
            raise ApplicationError(_("Enter a whole number."))
        if code:
            school = scope(School.objects.all(), request.user, "view").filter(code=code).first()
            if school is None:
                raise NotFound("school")
            services.quota_set(
                actor=request.user, round_pk=round_.pk, quota=int(raw), school_pk=school.pk
            )
        elif district:
            services.quota_set(
                actor=request.user, round_pk=round_.pk, quota=int(raw), district_pk=district
            )
        else:
            raise ApplicationError(_("Choose a school or a district."))
    except NotFound:
        messages.error(request, _("No such school or district in your area."))
    except ApplicationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Quota saved."))
    return redirect("web:awards_round", round_.pk)


def _batch_message(request, result, done_text):
    if result["done"]:
        messages.success(request, done_text % {"n": len(result["done"])})
    for n, why in result["refused"]:
        messages.warning(request, f"{n.teacher.name}: {why}")
    if not result["done"] and not result["refused"]:
        messages.info(request, _("No nomination is at this stage."))


@login_required
@require_POST
def awards_round_publish(request, pk):
    require(request.user, "awardnomination", "change")
    round_ = _round(request, pk)
    result = services.round_publish(actor=request.user, round_pk=round_.pk)
    _batch_message(request, result, _("Public notice published for %(n)s nominations."))
    return redirect("web:awards_notice", round_.pk)


@login_required
@require_POST
def awards_round_decide(request, pk):
    require(request.user, "awardnomination", "change")
    round_ = _round(request, pk)
    result = services.round_decide(actor=request.user, round_pk=round_.pk)
    _batch_message(request, result, _("%(n)s nominations awarded."))
    return redirect("web:awards_round", round_.pk)


@login_required
def awards_notice(request, pk):
    """The round's public notice: the nominations under notice, the objection period, and the
    results decided (printable, and as PDF)."""
    require(request.user, "awardround", "view")
    round_ = _round(request, pk)
    notice = selectors.round_notice(actor=request.user, round_=round_)
    return render(
        request,
        "web/awards/notice.html",
        {
            "round": round_,
            "notice": notice.notice,
            "decided": notice.decided,
            "today": date.today(),
        },
    )


@login_required
@require_GET
def awards_notice_pdf(request, pk):
    """The public notice as PDF: the page's content, laid out for printing and sending."""
    from qiangshi.web.awards_pdf import notice_pdf

    require(request.user, "awardround", "view")
    round_ = _round(request, pk)
    try:
        data = notice_pdf(
            selectors.round_notice(actor=request.user, round_=round_), on=date.today()
        )
    except ApplicationError as e:
        messages.error(request, e.message)
        return redirect("web:awards_notice", round_.pk)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="award-notice-{round_.pk}.pdf"'
    return response


# --- nominating ------------------------------------------------------------------------------


class NominationForm(StyledForm):
    teacher = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    citation = forms.CharField(
        label=gettext_lazy("Deeds"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )


@login_required
def awards_nominate(request, pk):
    """The school's teachers with each rule's result for the round; nominate an eligible one."""
    require(request.user, "awardnomination", "create")
    school = _user_school(request.user)
    if school is None:
        raise PermissionDenied
    round_ = _round(request, pk)
    form = NominationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            n = services.nomination_create(
                actor=request.user,
                round_pk=round_.pk,
                teacher_pk=form.cleaned_data["teacher"],
                citation=form.cleaned_data["citation"],
            )
        except NotFound:
            messages.error(request, _("No teacher with this ID at your school."))
        except ApplicationError as e:
            messages.error(request, _error_text(e))
        else:
            messages.success(request, _("Nomination recorded."))
            return redirect("web:awards_nomination", n.pk)
    q = request.GET.get("q", "").strip()[:50]
    rows = selectors.school_candidates(actor=request.user, round_=round_, school=school, q=q)
    page = paginate(request, rows)
    return render(
        request,
        "web/awards/nominate.html",
        {
            "round": round_,
            "page": page,
            "q": q,
            "query": query_without_page(request),
            "use": selectors.quota_use(round_, school),
            "form": form,
            "open_now": round_.nominations_open_on <= date.today() <= round_.nominations_close_on,
        },
    )


@login_required
def awards_nomination(request, pk):
    require(request.user, "awardnomination", "view")
    n = _nomination(request, pk)
    item = item_for(PROCESS, n.pk)
    objections = selectors.objections_of(actor=request.user, nomination=n)
    if objections:
        access_record(actor=request.user, target=n, field="award_objections")
    return render(
        request,
        "web/awards/nomination.html",
        {
            "n": n,
            "item": item,
            "state_label": STATES.get(item.state, "") if item else "",
            "reasons": selectors.reasons(n.eligibility),
            "steps": [
                {
                    "step": s,
                    "label": STEPS.get(s.transition, _("Nominated")),
                    "role": Role(s.actor_role).label if s.actor_role in Role.values else "",
                }
                for s in (history(item) if item else [])
            ],
            "moves": allowed_moves(request.user, item) if item else [],
            "objections": objections,
            "may_object": can(request.user, "awardobjection", "create")
            and item is not None
            and item.state == "notice",
            "may_handle": can(request.user, "awardobjection", "change"),
            "objection_outcomes": ObjectionOutcome.choices,
            "today": date.today(),
        },
    )


@login_required
@require_POST
def awards_nomination_step(request, pk):
    require(request.user, "awardnomination", "view")
    n = _nomination(request, pk)
    step = request.POST.get("step", "")
    try:
        services.nomination_step(
            actor=request.user,
            nomination_pk=n.pk,
            step=step,
            comment=request.POST.get("comment", ""),
            attachments=request.FILES.getlist("attachment"),
        )
    except ApplicationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Step recorded: %(step)s.") % {"step": STEPS.get(step, step)})
    return redirect("web:awards_nomination", n.pk)


@login_required
@require_POST
def awards_objection(request, pk):
    require(request.user, "awardobjection", "create")
    n = _nomination(request, pk)
    try:
        received = date.fromisoformat(request.POST.get("received_on", ""))
    except ValueError:
        messages.error(request, _("Enter a valid date."))
        return redirect("web:awards_nomination", n.pk)
    try:
        services.objection_record(
            actor=request.user, nomination_pk=n.pk, received_on=received,
            summary=request.POST.get("summary", ""),
        )  # fmt: skip
    except ApplicationError as e:
        messages.error(request, _error_text(e))
    else:
        messages.success(request, _("Objection recorded."))
    return redirect("web:awards_nomination", n.pk)


@login_required
@require_POST
def awards_objection_handle(request, pk):
    require(request.user, "awardobjection", "change")
    try:
        row = services.objection_handle(
            actor=request.user, objection_pk=pk, outcome=request.POST.get("outcome", ""),
            response=request.POST.get("response", ""),
        )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ApplicationError as e:
        messages.error(request, _error_text(e))
        nomination = _int(request.POST.get("nomination"))
        if nomination:
            return redirect("web:awards_nomination", nomination)
        return redirect("web:awards_home")
    messages.success(request, _("Objection handled."))
    return redirect("web:awards_nomination", row.nomination_id)


# --- honours ---------------------------------------------------------------------------------


def _area_filters(request):
    """District and school filters limited to what the user may see."""
    districts = scope(Region.objects.filter(level="district"), request.user, "view").order_by(
        "code"
    )
    schools = scope(School.objects.all(), request.user, "view").order_by("name")
    district = _int(request.GET.get("district"))
    school = _int(request.GET.get("school"))
    return districts, schools, district, school


@login_required
def awards_long_service(request):
    """The long-service honours of a year (从教三十年), per school and district, xlsx."""
    require(request.user, "awardhonour", "view")
    year = _year(request)
    districts, schools, district, school = _area_filters(request)
    status = request.GET.get("status", "")
    filters = {
        "district": district,
        "school": school,
        "status": status if status in ("reached", "unknown") else "",
        "q": request.GET.get("q", "").strip()[:50],
    }
    rows = selectors.long_service_list(actor=request.user, year=year, filters=filters)
    n_years = selectors.long_service_years(year)
    if request.GET.get("format") == "xlsx":
        require(request.user, "awardhonour", "export")
        audit_record(actor=request.user, action="awards.long_service.export", note=f"year={year}")
        header = [_("Teacher"), _("School"), _("District"), _("Date started work"), _("Status")]
        out = (
            [r.teacher.name, r.school.name if r.school else "",
             r.school.district.display_name if r.school else "", r.work_start,
             _("Reached this year") if r.status == "reached" else _("Start not recorded")]
            for r in rows
        )  # fmt: skip
        return xlsx_response(f"long-service-{year}", [(_("Long-service honours"), header, out)])
    page = paginate(request, rows)
    return render(
        request,
        "web/awards/long_service.html",
        {
            "page": page,
            "year": year,
            "n_years": n_years,
            "filters": filters,
            "districts": districts,
            "schools": schools,
            "query": query_without_page(request),
            "reached": sum(1 for r in rows if r.status == "reached"),
            "unknown": sum(1 for r in rows if r.status == "unknown"),
        },
    )


@login_required
def awards_teachers_day(request):
    """Teachers' Day (9月10日) list of a year: who is honoured, per school (printable, xlsx)."""
    require(request.user, "awardhonour", "view")
    year = _year(request)
    districts, schools, district, school = _area_filters(request)
    if request.user.role == Role.SCHOOL:
        school = request.user.school_id
    rows = selectors.teachers_day_list(
        actor=request.user, year=year, school=school, district=district
    )
    if request.GET.get("format") == "xlsx":
        require(request.user, "awardhonour", "export")
        audit_record(actor=request.user, action="awards.teachers_day.export", note=f"year={year}")
        header = [_("School"), _("Teacher"), _("Honours")]
        out = (
            [r.school.name if r.school else "", r.teacher.name, "; ".join(r.honours)] for r in rows
        )
        return xlsx_response(f"teachers-day-{year}", [(_("Teachers' Day list"), header, out)])
    groups: dict = {}
    for r in rows:
        groups.setdefault(r.school, []).append(r)
    return render(
        request,
        "web/awards/teachers_day.html",
        {
            "year": year,
            "groups": [{"school": s, "rows": g} for s, g in groups.items()],
            "count": len(rows),
            "districts": districts,
            "schools": schools,
            "district": district,
            "school": school,
            "fixed_school": request.user.role == Role.SCHOOL,
            "query": query_without_page(request),
        },
    )
