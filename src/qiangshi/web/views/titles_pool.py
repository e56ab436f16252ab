"""Title evaluation, the offices' lists behind the panels (POLICY.md §3): the reviewers' pool
(who reviews which subjects and stages, where they work, who is taken out), the relations
reviewers declared with teachers (never drawn for them), and the schools designated as weak
(service there counts towards the senior title). Each list filters, pages and exports to xlsx;
taking a reviewer out and ending a designation ask for confirmation on a page of their own.

Views parse input and call `qiangshi.titles` selectors and services, which scope every row and
check every write (`access.scoping.require`)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.services import audit_record
from qiangshi.org import selectors as org_selectors
from qiangshi.teachers.models import Subject
from qiangshi.titles import selectors, services
from qiangshi.titles.models import RelationKind, RoundStage
from qiangshi.web.forms import StyledForm, apply_errors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _labels(codes, choices) -> str:
    names = dict(choices)
    return pgettext("list separator", ", ").join(str(names.get(c, c)) for c in codes)


def _districts(request) -> list:
    return list(org_selectors.district_choices(actor=request.user).order_by("code"))


def _schools(request) -> list:
    return list(
        org_selectors.school_list(actor=request.user)
        .select_related("district")
        .order_by("district__code", "code")
    )


# --- the reviewers' pool --------------------------------------------------------------------------


def _pool_filters(request, districts) -> dict:
    get = request.GET
    district = _int(get.get("district"))
    return {
        "q": get.get("q", "").strip()[:50],
        "subject": get.get("subject", "") if get.get("subject") in Subject.values else "",
        "stage": get.get("stage", "") if get.get("stage") in RoundStage.values else "",
        "district": district if district in {d.pk for d in districts} else None,
        "active": get.get("active", "") if get.get("active") in ("0", "1") else "",
    }


@login_required
def reviewer_list(request):
    """The pool: filters by name, subject, stage, district and whether in the pool; xlsx."""
    require(request.user, "reviewerprofile", "view")
    districts = _districts(request)
    filters = _pool_filters(request, districts)
    profiles = selectors.reviewer_profiles(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "reviewerprofile", "export")
        return _pool_export(request, profiles, filters)
    page = paginate(request, profiles)
    writable = selectors.reviewer_profiles_writable(actor=request.user, pks=[p.pk for p in page])
    rows = [
        {
            "profile": p,
            "subjects": _labels(p.subjects, Subject.choices),
            "stages": _labels(p.stages, RoundStage.choices),
            "may_change": p.pk in writable,
        }
        for p in page
    ]
    return render(
        request,
        "web/titles/reviewers.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "districts": districts,
            "subjects": Subject.choices,
            "stages": RoundStage.choices,
            "query": query_without_page(request),
            "may_create": can(request.user, "reviewerprofile", "create"),
            "may_export": can(request.user, "reviewerprofile", "export"),
            "may_relations": can(request.user, "reviewerrelation", "view"),
        },
    )


def _pool_export(request, profiles, filters):
    note = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
    audit_record(actor=request.user, action="titles.reviewer.export", note=note)
    header = [_("Login"), _("Reviewer"), _("Subjects"), _("Stages"), _("School"), _("District"),
              _("In the pool")]  # fmt: skip
    rows = (
        [p.user.username, p.user.display_name, _labels(p.subjects, Subject.choices),
         _labels(p.stages, RoundStage.choices), p.school.name if p.school else "",
         p.district.display_name if p.district else _("City-wide"), _("Yes") if p.is_active else _("No")]
        for p in profiles
    )  # fmt: skip
    return xlsx_response("title-reviewers", [(_("Reviewers' pool"), header, rows)])


class ProfileForm(StyledForm):
    user = forms.TypedChoiceField(label=gettext_lazy("Expert reviewer's login"), coerce=int)
    subjects = forms.MultipleChoiceField(
        label=gettext_lazy("Subjects reviewed"), choices=Subject.choices, widget=CHECKBOXES
    )
    stages = forms.MultipleChoiceField(
        label=gettext_lazy("Stages reviewed"), choices=RoundStage.choices, widget=CHECKBOXES
    )
    school = forms.TypedChoiceField(
        label=gettext_lazy("Works at the school"), coerce=int, required=False, empty_value=None,
        help_text=gettext_lazy("Never drawn for an applicant of the same school."),
    )  # fmt: skip
    district = forms.TypedChoiceField(
        label=gettext_lazy("District"), coerce=int, required=False, empty_value=None,
        help_text=gettext_lazy(
            "Taken from the school when one is given; empty at the bureau: a city-wide expert."
        ),
    )  # fmt: skip

    def __init__(self, *args, users=(), schools=(), districts=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["user"]
        else:
            self.fields["user"].choices = [("", "—")] + [
                (u.pk, f"{u.display_name} ({u.username})" if u.display_name else u.username)
                for u in users
            ]
        self.fields["school"].choices = [("", "—")] + [
            (s.pk, f"{s.district.display_name} · {s.name}") for s in schools
        ]
        self.fields["district"].choices = [("", "—")] + [(d.pk, d.display_name) for d in districts]


def _profile(request, pk, action="view"):
    try:
        return selectors.reviewer_profile_get(actor=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


def _profile_form_page(request, profile=None):
    districts = _districts(request)
    initial = {}
    if profile is not None:
        initial = {"subjects": profile.subjects, "stages": profile.stages,
                   "school": profile.school_id, "district": profile.district_id}  # fmt: skip
    form = ProfileForm(
        request.POST or None,
        initial=initial,
        users=[] if profile else selectors.reviewer_candidates(actor=request.user),
        schools=_schools(request),
        districts=districts,
        editing=profile is not None,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {"subjects": d["subjects"], "stages": d["stages"], "school_pk": d["school"],
                  "district_pk": d["district"]}  # fmt: skip
        try:
            if profile is None:
                services.reviewer_profile_create(actor=request.user, user_pk=d["user"], **values)
            else:
                services.reviewer_profile_update(
                    actor=request.user, profile_pk=profile.pk, **values
                )
        except NotFound:
            raise Http404 from None
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:title_reviewers")
    return render(request, "web/titles/reviewer_form.html", {"form": form, "profile": profile})


@login_required
def reviewer_create(request):
    require(request.user, "reviewerprofile", "create")
    return _profile_form_page(request)


@login_required
def reviewer_edit(request, pk):
    require(request.user, "reviewerprofile", "change")
    return _profile_form_page(request, _profile(request, pk, "change"))


@login_required
def reviewer_deactivate(request, pk):
    """Confirm, then take the reviewer out of the pool."""
    require(request.user, "reviewerprofile", "change")
    profile = _profile(request, pk, "change")
    if not profile.is_active:
        messages.info(request, _("This reviewer is already out of the pool."))
        return redirect("web:title_reviewers")
    if request.method == "POST":
        try:
            services.reviewer_profile_deactivate(
                actor=request.user, profile_pk=profile.pk,
                reason=request.POST.get("reason", "")[:300],
            )  # fmt: skip
        except ApplicationError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("%(name)s is out of the pool.") % {"name": profile.user})
        return redirect("web:title_reviewers")
    return render(
        request,
        "web/titles/reviewer_deactivate.html",
        {
            "profile": profile,
            "subjects": _labels(profile.subjects, Subject.choices),
            "stages": _labels(profile.stages, RoundStage.choices),
            "pending": selectors.reviewer_pending_count(profile.user),
        },
    )


@login_required
@require_POST
def reviewer_reactivate(request, pk):
    require(request.user, "reviewerprofile", "change")
    profile = _profile(request, pk, "change")
    try:
        services.reviewer_profile_reactivate(actor=request.user, profile_pk=profile.pk)
    except ApplicationError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("%(name)s is back in the pool.") % {"name": profile.user})
    return redirect("web:title_reviewers")


# --- declared relations ---------------------------------------------------------------------------


@login_required
def relation_list(request):
    """Relations declared with the teachers of the area: filters by name, reviewer and kind;
    xlsx."""
    require(request.user, "reviewerrelation", "view")
    reviewers = list(selectors.reviewer_profiles(actor=request.user))
    reviewer = _int(request.GET.get("reviewer"))
    kind = request.GET.get("kind", "")
    filters = {
        "q": request.GET.get("q", "").strip()[:50],
        "reviewer": reviewer if reviewer in {p.user_id for p in reviewers} else None,
        "kind": kind if kind in RelationKind.values else "",
    }
    relations = selectors.relation_list(actor=request.user, filters=filters)
    if request.GET.get("format") == "xlsx":
        require(request.user, "reviewerrelation", "export")
        note = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
        audit_record(actor=request.user, action="titles.relation.export", note=note)
        header = [_("Reviewer"), _("Login"), _("Teacher"), _("Registry ID"), _("Relation"),
                  _("Declared on")]  # fmt: skip
        rows = (
            [str(r.reviewer), r.reviewer.username, r.teacher.name, r.teacher_id,
             r.get_kind_display(), r.declared_on]
            for r in relations
        )  # fmt: skip
        return xlsx_response("title-relations", [(_("Declared relations"), header, rows)])
    page = paginate(request, relations)
    return render(
        request,
        "web/titles/relations.html",
        {
            "page": page,
            "filters": filters,
            "reviewers": reviewers,
            "kinds": RelationKind.choices,
            "query": query_without_page(request),
            "may_create": can(request.user, "reviewerrelation", "create"),
            "may_change": can(request.user, "reviewerrelation", "change"),
            "may_delete": can(request.user, "reviewerrelation", "delete"),
            "may_export": can(request.user, "reviewerrelation", "export"),
        },
    )


class RelationForm(StyledForm):
    reviewer = forms.TypedChoiceField(label=gettext_lazy("Reviewer"), coerce=int)
    teacher = forms.IntegerField(
        label=gettext_lazy("Teacher (registry ID)"), min_value=1, max_value=2**63 - 1,
        help_text=gettext_lazy("The ID shown on the teacher's page."),
    )  # fmt: skip
    kind = forms.ChoiceField(label=gettext_lazy("Relation"), choices=RelationKind.choices)
    declared_on = forms.DateField(label=gettext_lazy("Declared on"), widget=DATE)

    def __init__(self, *args, profiles=(), editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["reviewer"]
            del self.fields["teacher"]
        else:
            self.fields["reviewer"].choices = [("", "—")] + [
                (p.user_id, str(p.user)) for p in profiles
            ]


def _relation(request, pk, action):
    try:
        return selectors.relation_get(actor=request.user, pk=pk, action=action)
    except NotFound:
        raise Http404 from None


def _relation_form_page(request, relation=None):
    if relation is None:
        initial = {"declared_on": date.today()}
        if (teacher := _int(request.GET.get("teacher"))) is not None:
            initial["teacher"] = teacher
        if (reviewer := _int(request.GET.get("reviewer"))) is not None:
            initial["reviewer"] = reviewer
    else:
        initial = {"kind": relation.kind, "declared_on": relation.declared_on}
    form = RelationForm(
        request.POST or None,
        initial=initial,
        profiles=[] if relation else selectors.reviewer_profiles(actor=request.user),
        editing=relation is not None,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if relation is None:
                services.reviewer_relation_record(
                    actor=request.user, reviewer_pk=d["reviewer"], teacher_pk=d["teacher"],
                    kind=d["kind"], declared_on=d["declared_on"],
                )  # fmt: skip
            else:
                services.reviewer_relation_update(
                    actor=request.user, relation_pk=relation.pk, kind=d["kind"],
                    declared_on=d["declared_on"],
                )  # fmt: skip
        except NotFound:
            raise Http404 from None
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Saved."))
            return redirect("web:title_relations")
    return render(request, "web/titles/relation_form.html", {"form": form, "relation": relation})


@login_required
def relation_create(request):
    require(request.user, "reviewerrelation", "create")
    return _relation_form_page(request)


@login_required
def relation_edit(request, pk):
    require(request.user, "reviewerrelation", "change")
    return _relation_form_page(request, _relation(request, pk, "change"))


@login_required
@require_POST
def relation_remove(request, pk):
    require(request.user, "reviewerrelation", "delete")
    relation = _relation(request, pk, "delete")
    services.reviewer_relation_remove(actor=request.user, relation_pk=relation.pk)
    messages.success(request, _("Relation removed."))
    return redirect("web:title_relations")


# --- weak schools ---------------------------------------------------------------------------------


def _weak_filters(request, districts) -> dict:
    get = request.GET
    district = _int(get.get("district"))
    year = _int(get.get("year"))
    return {
        "district": district if district in {d.pk for d in districts} else None,
        "year": year if year is not None and 1950 <= year <= 2100 else None,
        "status": get.get("status", "") if get.get("status") in selectors.WEAK_STATUSES else "",
        "q": get.get("q", "").strip()[:50],
    }


def _status_labels() -> dict:
    return {
        "current": _("Designated"),
        "upcoming": _("Not yet in force"),
        "ended": _("Ended"),
    }


@login_required
def weak_school_list(request):
    """Designations of the area's schools: filters by district, year, status and school; xlsx."""
    require(request.user, "weakschool", "view")
    districts = _districts(request)
    filters = _weak_filters(request, districts)
    today = date.today()
    designations = selectors.weak_school_list(actor=request.user, filters=filters, today=today)
    labels = _status_labels()
    if request.GET.get("format") == "xlsx":
        require(request.user, "weakschool", "export")
        note = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
        audit_record(actor=request.user, action="titles.weak_school.export", note=note)
        header = [_("School code"), _("School"), _("District"), _("Designated from"),
                  _("Designation ends on"), _("Status"), _("Reason and decision")]  # fmt: skip
        rows = (
            [w.school.code, w.school.name, w.school.district.display_name, w.start_date, w.end_date,
             labels[selectors.weak_school_status(w, today)], w.source]
            for w in designations
        )  # fmt: skip
        return xlsx_response("weak-schools", [(_("Weak schools"), header, rows)])
    page = paginate(request, designations)
    rows = [{"w": w, "status": selectors.weak_school_status(w, today)} for w in page.object_list]
    for r in rows:
        r["status_label"] = labels[r["status"]]
    return render(
        request,
        "web/titles/weak_schools.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "districts": districts,
            "statuses": list(labels.items()),
            "query": query_without_page(request),
            "may_create": can(request.user, "weakschool", "create"),
            "may_change": can(request.user, "weakschool", "change"),
            "may_export": can(request.user, "weakschool", "export"),
        },
    )


class WeakSchoolForm(StyledForm):
    school = forms.TypedChoiceField(label=gettext_lazy("School"), coerce=int)
    start_date = forms.DateField(label=gettext_lazy("Designated from"), widget=DATE)
    end_date = forms.DateField(
        label=gettext_lazy("Designation ends on"), widget=DATE, required=False,
        help_text=gettext_lazy("The first day the school is no longer designated; empty if open."),
    )  # fmt: skip
    source = forms.CharField(
        label=gettext_lazy("Reason and decision"), max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Why the school is designated, and the decision (document number)."),
    )  # fmt: skip

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [("", "—")] + [
            (s.pk, f"{s.district.display_name} · {s.name}") for s in schools
        ]


@login_required
def weak_school_create(request):
    require(request.user, "weakschool", "create")
    initial = {"start_date": date.today()}
    if (school := _int(request.GET.get("school"))) is not None:
        initial["school"] = school
    form = WeakSchoolForm(request.POST or None, initial=initial, schools=_schools(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.weak_school_designate(
                actor=request.user, school_pk=d["school"], start_date=d["start_date"],
                end_date=d["end_date"], source=d["source"],
            )  # fmt: skip
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("School designated."))
            return redirect("web:title_weak_schools")
    return render(request, "web/titles/weak_school_form.html", {"form": form})


class EndForm(StyledForm):
    end_date = forms.DateField(label=gettext_lazy("Designation ends on"), widget=DATE)


@login_required
def weak_school_end(request, pk):
    """Confirm the end date, then end the designation."""
    require(request.user, "weakschool", "change")
    try:
        designation = selectors.weak_school_get(actor=request.user, pk=pk, action="change")
    except NotFound:
        raise Http404 from None
    form = EndForm(request.POST or None, initial={"end_date": date.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.weak_school_end(
                actor=request.user, designation_pk=designation.pk,
                end_date=form.cleaned_data["end_date"],
            )  # fmt: skip
        except ApplicationError as e:
            apply_errors(form, e)
        else:
            messages.success(request, _("Designation ended."))
            return redirect("web:title_weak_schools")
    return render(
        request,
        "web/titles/weak_school_end.html",
        {"form": form, "w": designation,
         "status_label": _status_labels()[selectors.weak_school_status(designation)]},
    )  # fmt: skip
