"""School leadership pages (POLICY §14): the region view of the schools' gaps (no separate
Party secretary, a missing vice-principal of a kind, a principal past two terms) with its
export, each school's leadership with its history, and the forms the offices record terms with.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.leadership import outputs, selectors, services
from qiangshi.leadership.models import OUTSIDE_POSTS, VICE_POSTS, Post
from qiangshi.org import selectors as org_selectors
from qiangshi.teachers import selectors as teacher_selectors
from qiangshi.web.forms import StyledForm, apply_errors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _school(request, pk):
    try:
        return org_selectors.school_get(actor=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


def _filters(request, districts) -> dict:
    district = request.GET.get("district", "")
    gap = request.GET.get("gap", "")
    return {
        "district": int(district) if district.isdigit() and int(district) in districts else None,
        "gap": gap if gap in selectors.GAPS else "",
        "q": request.GET.get("q", "").strip()[:50],
    }


@login_required
def leadership_region(request):
    """Every school of the user's area with its Party secretary, principal and vice-principals
    on today's date, and its gaps; filters by district, gap and name; xlsx export."""
    require(request.user, "leadership", "view")
    districts = list(org_selectors.district_choices(actor=request.user))
    filters = _filters(request, {d.pk for d in districts})
    rows = selectors.school_rows(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "leadership", "export")
        return _export(request, rows, filters)
    counts = selectors.gap_counts(
        selectors.school_rows(actor=request.user, filters={"district": filters["district"]})
    )
    page = paginate(request, rows)
    return render(
        request,
        "web/leadership/region.html",
        {
            "page": page,
            "filters": filters,
            "districts": districts,
            "gaps": [(k, v, counts[k]) for k, v in selectors.GAPS.items()],
            "vice_posts": [(p, Post(p).label) for p in VICE_POSTS],
            "query": query_without_page(request),
            "may_export": can(request.user, "leadership", "export"),
        },
    )


def _export(request, rows, filters):
    note = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
    audit_record(actor=request.user, action="leadership.export", note=note)
    return xlsx_response("school-leadership", [outputs.schools_sheet(rows)])


@login_required
def leadership_school(request, pk):
    """A school's leadership today and every term recorded, with the edit actions."""
    require(request.user, "leadership", "view")
    school = _school(request, pk)
    data = selectors.school_leadership(actor=request.user, school=school)
    return render(
        request,
        "web/leadership/school.html",
        {
            "school": school,
            "row": data["row"],
            "history": data["history"],
            "posts": [(p, Post(p).label) for p in Post.values],
            "gap_labels": data["row"].gap_labels,
            "may_create": can(request.user, "leadership", "create"),
            "may_change": can(request.user, "leadership", "change"),
            "may_delete": can(request.user, "leadership", "delete"),
            "today": date.today(),
        },
    )


class TermForm(StyledForm):
    post = forms.ChoiceField(label=gettext_lazy("Post"), choices=Post.choices)
    teacher = forms.TypedChoiceField(
        label=gettext_lazy("Teacher of the school"), coerce=int, required=False, empty_value=None
    )
    outside_name = forms.CharField(
        label=gettext_lazy("Outside person: name"), max_length=50, required=False,
        help_text=gettext_lazy(
            "Science, security and health vice-principals only, when not a teacher of the school."
        ),
    )  # fmt: skip
    outside_employer = forms.CharField(
        label=gettext_lazy("Outside person: employer"), max_length=200, required=False
    )
    outside_position = forms.CharField(
        label=gettext_lazy("Outside person: position"), max_length=100, required=False
    )
    term_number = forms.IntegerField(
        label=gettext_lazy("Term number"), min_value=1, max_value=services.MAX_TERM_NUMBER,
        initial=1, help_text=gettext_lazy("Which term in this post at this school (1 = first)."),
    )  # fmt: skip
    starts_on = forms.DateField(label=gettext_lazy("Term starts on"), widget=DATE)
    ends_on = forms.DateField(
        label=gettext_lazy("Term ends on"), widget=DATE, required=False,
        help_text=gettext_lazy("The end of the term as appointed; empty if not set."),
    )  # fmt: skip
    left_on = forms.DateField(
        label=gettext_lazy("Left the post on"), widget=DATE, required=False,
        help_text=gettext_lazy("Only if the holder left before the end of the term."),
    )  # fmt: skip

    def __init__(self, *args, teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].choices = [("", "—")] + [(t.pk, t.name) for t in teachers]


def _teachers(request, school, term=None):
    teachers = list(
        teacher_selectors.teacher_list(actor=request.user, filters={"school": school.pk})
    )
    if term is not None and term.teacher_id and term.teacher_id not in {t.pk for t in teachers}:
        teachers.append(term.teacher)
    return teachers


def _form_page(request, *, school, term=None):
    if term is None:
        initial = {"starts_on": date.today()}
        if request.GET.get("post") in Post.values:
            initial["post"] = request.GET["post"]
    else:
        initial = term.values()
    form = TermForm(
        request.POST or None, initial=initial, teachers=_teachers(request, school, term)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if term is None:
                services.term_record(actor=request.user, school_pk=school.pk, data=data)
            else:
                if not data["teacher"]:
                    data["teacher"] = None
                services.term_update(actor=request.user, term_pk=term.pk, data=data)
        except NotFound:
            raise Http404 from None
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:leadership_school", school.pk)
    return render(
        request,
        "web/leadership/term_form.html",
        {
            "form": form,
            "school": school,
            "term": term,
            "outside_posts": [Post(p).label for p in OUTSIDE_POSTS],
        },
    )


@login_required
def leadership_term_create(request, pk):
    require(request.user, "leadership", "create")
    return _form_page(request, school=_school(request, pk))


def _term(request, pk, action):
    try:
        return selectors.term_get(actor=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


@login_required
def leadership_term_edit(request, pk):
    require(request.user, "leadership", "change")
    term = _term(request, pk, "change")
    return _form_page(request, school=term.school, term=term)


@login_required
@require_POST
def leadership_term_delete(request, pk):
    require(request.user, "leadership", "delete")
    term = _term(request, pk, "delete")
    services.term_delete(actor=request.user, term_pk=term.pk)
    messages.success(request, _("Term deleted."))
    return redirect("web:leadership_school", term.school_id)
