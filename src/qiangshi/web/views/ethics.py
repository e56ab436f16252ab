"""Ethics pages (issue 17): cases on the review workflow, each teacher's ethics file and the bars
derived from it, and the inbox of everything that waits for the user.

Case content is shown only to the ethics officers, the teacher concerned (never the reporter) and
auditors; each view of a case is written to the access log. A school administrator or an office
sees on a teacher's ethics page only that a bar exists and until when.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from qiangshi.access.models import Role
from qiangshi.access.scoping import can, get_in_scope, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import ExportAccess, access_record, audit_record
from qiangshi.ethics import selectors, services
from qiangshi.ethics.models import Grade, Guideline, Measure, SanctionKind
from qiangshi.ethics.selectors import BAR_LABELS
from qiangshi.ethics.workflow import PROCESS, STATES, STEPS
from qiangshi.teachers.models import Teacher
from qiangshi.web.forms import StyledForm
from qiangshi.web.lists import paginate, query_without_page, xlsx_response
from qiangshi.workflow.models import WorkAttachment
from qiangshi.workflow.selectors import allowed_moves, history, inbox, item_for

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})


def _case(request, pk):
    try:
        return selectors.case_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


class CaseForm(StyledForm):
    teacher = forms.IntegerField(label=gettext_lazy("Teacher (registry ID)"), min_value=1)
    reported_on = forms.DateField(label=gettext_lazy("Reported on"), widget=DATE)
    reporter = forms.CharField(
        label=gettext_lazy("Reported by"), max_length=200, required=False,
        help_text=gettext_lazy("Never shown to the teacher."),
    )  # fmt: skip
    guidelines = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Guidelines concerned"), choices=Guideline.choices, coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    summary = forms.CharField(
        label=gettext_lazy("What was reported"), widget=forms.Textarea(attrs={"rows": 4})
    )
    attachment = forms.FileField(label=gettext_lazy("Attachment"), required=False)


@login_required
def ethics_case_list(request):
    require(request.user, "ethicscase", "view")
    state = request.GET.get("state", "")
    filters = {
        "q": request.GET.get("q", "").strip()[:50],
        "state": state if state in STATES else "",
    }
    cases = selectors.case_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        return _case_export(request, cases, filters)
    page = paginate(request, cases)
    items = selectors.case_states(list(page))
    today = date.today()
    rows = [
        {
            "case": c,
            "state": STATES.get(items[c.pk].state, "") if c.pk in items else "",
            "due_on": items[c.pk].due_on if c.pk in items else None,
            "overdue": c.pk in items
            and items[c.pk].due_on is not None
            and items[c.pk].due_on < today,
        }
        for c in page
    ]
    return render(
        request,
        "web/ethics/case_list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "states": STATES.items(),
            "query": query_without_page(request),
            "may_report": can(request.user, "ethicscase", "create"),
        },
    )


def _case_export(request, cases, filters):
    """The case list as xlsx: facts and outcome codes, never the case text; one access-log row
    (channel "export") naming the cases, and an audit row."""
    cases = list(cases.select_related("teacher"))
    items = selectors.case_states(cases)
    note = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
    access = ExportAccess(
        actor=request.user,
        object_type="ethics.ethicscase",
        fields=["case"],
        what=str(_("Ethics cases")),
        note=note,
    )
    access.add([{"pk": c.pk, "case": True} for c in cases])
    audit_record(actor=request.user, action="ethics.case.export", note=note)
    header = [
        _("Case"), _("Teacher"), _("Reported on"), _("Guidelines concerned"),
        _("Stage of the case"), _("Due on"), pgettext("ethics case", "Decision"), _("Decided on"),
        _("Takes effect on"), _("Appeal outcome"),
    ]  # fmt: skip

    def decision(c):
        if c.violation is None:
            return ""
        if not c.violation:
            return str(_("No violation"))
        parts = [str(SanctionKind(c.sanction_kind).label)] if c.sanction_kind else []
        return "; ".join(parts + [str(Measure(m).label) for m in c.measures if m in Measure.values])

    rows = (
        [
            c.pk,
            c.teacher.name,
            c.reported_on,
            "; ".join(str(Guideline(g).label) for g in c.guidelines if g in Guideline.values),
            str(STATES.get(items[c.pk].state, "")) if c.pk in items else "",
            items[c.pk].due_on if c.pk in items else None,
            decision(c),
            c.decided_on,
            c.starts_on,
            c.get_appeal_outcome_display() if c.appeal_outcome else "",
        ]
        for c in cases
    )
    return xlsx_response("ethics-cases", [(_("Ethics cases"), header, rows)])


@login_required
def ethics_case_create(request):
    require(request.user, "ethicscase", "create")
    initial = {"reported_on": date.today()}
    if request.GET.get("teacher", "").isdigit():  # from the teacher's ethics page
        initial["teacher"] = int(request.GET["teacher"])
    form = CaseForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.case_report(
                actor=request.user,
                teacher_pk=d["teacher"],
                reported_on=d["reported_on"],
                reporter=d["reporter"],
                guidelines=d["guidelines"],
                summary=d["summary"],
                attachments=[d["attachment"]] if d.get("attachment") else [],
            )
        except NotFound:
            form.add_error("teacher", _("No teacher with this ID in your area."))
        except ApplicationError as e:
            for field, message in e.fields.items():
                form.add_error(field if field in form.fields else None, message)
            if not e.fields:
                form.add_error(None, e.message)
        else:
            messages.success(request, _("Case recorded."))
            return redirect("web:ethics_case", case.pk)
    return render(request, "web/ethics/case_form.html", {"form": form})


@login_required
def ethics_case(request, pk):
    require(request.user, "ethicscase", "view")
    case = _case(request, pk)
    access_record(actor=request.user, target=case, field="ethics_case")
    item = item_for(PROCESS, case.pk)
    steps = history(item) if item else []
    return render(
        request,
        "web/ethics/case_detail.html",
        {
            "case": case,
            "item": item,
            "state_label": STATES.get(item.state, "") if item else "",
            "steps": [
                {
                    "step": s,
                    "label": STEPS.get(s.transition, _("Reported")),
                    "role": Role(s.actor_role).label if s.actor_role in Role.values else "",
                }
                for s in steps
            ],
            "moves": allowed_moves(request.user, item) if item else [],
            "guidelines": [Guideline(g).label for g in case.guidelines if g in Guideline.values],
            "measures": [Measure(m).label for m in case.measures if m in Measure.values],
            "show_reporter": request.user.role != Role.TEACHER,
            "sanction_kinds": SanctionKind.choices,
            "measure_choices": Measure.choices,
            "today": date.today(),
        },
    )


@login_required
@require_POST
def ethics_case_step(request, pk):
    require(request.user, "ethicscase", "view")
    case = _case(request, pk)
    step = request.POST.get("step", "")
    data = {k: request.POST.get(k, "") for k in ("findings", "statement", "decision", "appeal")}
    data["sanction_kind"] = request.POST.get("sanction_kind", "")
    data["measures"] = request.POST.getlist("measures")
    for key in ("decided_on", "starts_on"):
        raw = request.POST.get(key, "")
        try:
            data[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            messages.error(request, _("Enter a valid date."))
            return redirect("web:ethics_case", case.pk)
    try:
        services.case_step(
            actor=request.user,
            case_pk=case.pk,
            step=step,
            comment=request.POST.get("comment", ""),
            data=data,
            attachments=request.FILES.getlist("attachment"),
        )
    except ApplicationError as e:
        details = "; ".join(e.fields.values())
        messages.error(request, f"{e.message} {details}".strip())
    else:
        messages.success(request, _("Step recorded: %(step)s.") % {"step": STEPS.get(step, step)})
    return redirect("web:ethics_case", case.pk)


@login_required
def ethics_attachment(request, pk):
    require(request.user, "ethicscase", "view")
    attachment = WorkAttachment.objects.select_related("step__item").filter(pk=pk).first()
    if attachment is None or attachment.step.item.process != PROCESS:
        raise Http404
    case = _case(request, attachment.step.item.object_id)
    access_record(actor=request.user, target=case, field="ethics_attachment")
    return FileResponse(
        io.BytesIO(attachment.content()),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )


class FileEntryForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("assessment", ""), ("commitment", ""), ("commendation", "")],
        widget=forms.HiddenInput,
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year"), min_value=2000, max_value=2100, required=False
    )
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), choices=Grade.choices, required=False)
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), required=False, widget=DATE)
    title = forms.CharField(label=gettext_lazy("Commendation"), max_length=200, required=False)
    awarded_by = forms.CharField(label=gettext_lazy("Awarded by"), max_length=200, required=False)
    awarded_on = forms.DateField(label=gettext_lazy("Awarded on"), required=False, widget=DATE)


@login_required
def ethics_teacher(request, pk):
    """A teacher's ethics page: the bars in force (to everyone who may see bars), and the file
    and cases (to those who may see them)."""
    require(request.user, "ethicsbar", "view")
    try:
        teacher = get_in_scope(Teacher.objects.all(), request.user, "view", pk=pk)
    except NotFound:
        raise Http404 from None
    today = date.today()
    may_see_cases = can(request.user, "ethicscase", "view")
    bars = [
        {
            "label": BAR_LABELS.get(b.kind, b.kind),
            "ends_on": b.ends_on,
            "last_day": b.ends_on - timedelta(days=1) if b.ends_on else None,
            "refs": b.refs,
        }
        for b in selectors.ethics_bars(teacher, on=today)
    ]
    file = selectors.ethics_file(actor=request.user, teacher=teacher)
    cases = (
        list(selectors.case_list(actor=request.user, filters={"teacher": teacher.pk}))
        if may_see_cases
        else []
    )
    if may_see_cases:
        access_record(actor=request.user, target=teacher, field="ethics_file")
    return render(
        request,
        "web/ethics/teacher.html",
        {
            "teacher": teacher,
            "bars": bars,
            "show_why": may_see_cases,
            "file": file,
            "may_see_file": can(request.user, "ethicsfile", "view"),
            "may_record": can(request.user, "ethicsfile", "change"),
            "cases": cases,
            "may_see_cases": may_see_cases,
            "may_report": can(request.user, "ethicscase", "create"),
            "grades": Grade.choices,
            "this_year": today.year,
        },
    )


@login_required
@require_POST
def ethics_teacher_record(request, pk):
    require(request.user, "ethicsfile", "change")
    form = FileEntryForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the values entered."))
        return redirect("web:ethics_teacher", pk)
    d = form.cleaned_data
    try:
        if d["kind"] == "assessment":
            services.assessment_record(
                actor=request.user, teacher_pk=pk, year=d["year"] or 0, grade=d["grade"]
            )
        elif d["kind"] == "commitment":
            if not d["signed_on"]:
                raise ApplicationError(_("Enter the date it was signed."))
            services.commitment_record(
                actor=request.user, teacher_pk=pk, year=d["year"] or d["signed_on"].year,
                signed_on=d["signed_on"],
            )  # fmt: skip
        else:
            if not d["awarded_on"]:
                raise ApplicationError(_("Enter the date it was awarded."))
            services.commendation_record(
                actor=request.user, teacher_pk=pk, title=d["title"], awarded_by=d["awarded_by"],
                awarded_on=d["awarded_on"],
            )  # fmt: skip
    except NotFound:
        raise Http404 from None
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("web:ethics_teacher", pk)


@login_required
def inbox_page(request):
    """Everything waiting for the user on the review workflow, most urgent first."""
    entries = inbox(request.user)
    page = paginate(request, entries)
    return render(request, "web/inbox.html", {"page": page, "today": date.today()})
