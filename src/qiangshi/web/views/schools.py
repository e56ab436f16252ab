"""School pages: list with filters and export, detail, create and edit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from qiangshi.access.scoping import can, require
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.leadership import selectors as leadership_selectors
from qiangshi.org import selectors as org_selectors
from qiangshi.org import services as org_services
from qiangshi.teachers import selectors as teacher_selectors
from qiangshi.teachers.models import EmploymentType, Subject, TitleRank
from qiangshi.web.adminforms import SchoolFilterForm, SchoolForm, apply_errors
from qiangshi.web.lists import paginate, query_without_page, xlsx_response

SORTABLE = ("code", "name", "students")


def get_or_404(selector, **kwargs):
    """Call a fetch-by-id selector; missing and out-of-scope both answer 404."""
    try:
        return selector(**kwargs)
    except NotFound:
        raise Http404 from None


def _filtered_schools(request):
    districts = list(org_selectors.district_choices(actor=request.user))
    form = SchoolFilterForm(request.GET or None, districts=districts)
    filters = form.filters() if request.GET else {}
    return form, filters, org_selectors.school_list(actor=request.user, filters=filters)


def _sort_links(request, current: str) -> dict[str, dict]:
    """For each sortable column: the query string that sorts by it and the current direction."""
    links = {}
    for key in SORTABLE:
        params = request.GET.copy()
        params.pop("page", None)
        direction = "asc" if current == key else "desc" if current == f"-{key}" else ""
        params["sort"] = f"-{key}" if current == key else key
        links[key] = {"query": params.urlencode(), "direction": direction}
    return links


@login_required
def school_list(request):
    require(request.user, "school", "view")
    form, filters, schools = _filtered_schools(request)
    page = paginate(request, schools)
    counts = teacher_selectors.teacher_count_by_school([s.pk for s in page.object_list])
    for school in page.object_list:
        school.teacher_count = counts.get(school.pk, 0)
    current_sort = filters.get("sort") or "code"
    return render(
        request,
        "web/admin/school_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "sort": _sort_links(request, current_sort),
            "enrollment_year": org_selectors.latest_enrollment_year(),
            "can_create": can(request.user, "school", "create"),
            "can_export": can(request.user, "school", "export"),
        },
    )


@login_required
def school_export(request):
    require(request.user, "school", "export")
    districts = list(org_selectors.district_choices(actor=request.user))
    form = SchoolFilterForm(request.GET or None, districts=districts)
    filters = form.filters() if request.GET else {}
    schools = list(org_selectors.school_list(actor=request.user, filters=filters, action="export"))
    counts = teacher_selectors.teacher_count_by_school([s.pk for s in schools])
    header = [
        _("School code"),
        _("Name"),
        _("District"),
        _("Stage"),
        _("Location"),
        _("Ownership"),
        _("Boarding school"),
        _("Students"),
        _("Teachers"),
        _("Address"),
    ]
    rows = (
        [
            s.code,
            s.name,
            s.district.display_name,
            s.get_stage_display(),
            s.get_location_display(),
            s.get_ownership_display(),
            s.is_boarding,
            s.students,
            counts.get(s.pk, 0),
            s.address,
        ]
        for s in schools
    )
    return xlsx_response("schools", [(str(_("Schools")), header, rows)])


def _enrollment_rows(school) -> tuple[list[int], list[dict]]:
    """The enrollment table as rows per year with a cell per grade the school teaches."""
    table = org_selectors.school_enrollment_table(school=school)
    grades = list(school.grades)
    rows = []
    for year, by_grade in table.items():
        cells = [by_grade.get(g) for g in grades]
        rows.append(
            {
                "year": year,
                "cells": cells,
                "students": sum(c[0] for c in cells if c),
                "classes": sum(c[1] for c in cells if c),
            }
        )
    return grades, rows


@login_required
def school_detail(request, pk: int):
    school = get_or_404(org_selectors.school_get, actor=request.user, pk=pk)
    grades, enrollment = _enrollment_rows(school)
    can_see_teachers = can(request.user, "teacher", "view")
    teachers = None
    if can_see_teachers:
        teachers = paginate(
            request,
            teacher_selectors.teacher_list(actor=request.user, filters={"school": school.pk}),
        )
        labels = {
            "current_subject": dict(Subject.choices),
            "title_rank": dict(TitleRank.choices),
            "current_employment_type": dict(EmploymentType.choices),
        }
        for teacher in teachers.object_list:
            for attr, choices in labels.items():
                code = getattr(teacher, attr)
                setattr(teacher, f"{attr}_label", choices.get(code, code or ""))
    leadership = None
    if can(request.user, "leadership", "view"):
        leadership = leadership_selectors.school_leadership(actor=request.user, school=school)
        leadership = leadership["row"]
    return render(
        request,
        "web/admin/school_detail.html",
        {
            "school": school,
            "grades": grades,
            "enrollment": enrollment,
            "facilities": school.facilities.order_by("-year"),
            "teachers": teachers,
            "query": query_without_page(request),
            "leadership": leadership,
            "can_edit": org_selectors.school_list(actor=request.user, action="change")
            .filter(pk=school.pk)
            .exists(),
        },
    )


def _school_form_page(request, *, school=None):
    districts = list(org_selectors.district_choices(actor=request.user))
    editing = school is not None
    if request.method == "POST":
        form = SchoolForm(request.POST, districts=districts, editing=editing)
        if form.is_valid():
            try:
                if editing:
                    school = org_services.school_update(
                        actor=request.user, school=school, data=form.data_for_service()
                    )
                    messages.success(request, _("The school was saved."))
                else:
                    school = org_services.school_create(
                        actor=request.user, data=form.data_for_service()
                    )
                    messages.success(request, _("The school was created."))
            except NotFound:
                raise Http404 from None
            except ApplicationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("web:school_detail", school.pk)
    elif editing:
        initial = {
            field: getattr(school, field)
            for field in (
                "code",
                "name",
                "stage",
                "location",
                "ownership",
                "is_boarding",
                "address",
                "latitude",
                "longitude",
                "is_active",
            )
        }
        initial["district"] = school.district_id
        form = SchoolForm(initial=initial, districts=districts, editing=True)
    else:
        form = SchoolForm(districts=districts)
    return render(request, "web/admin/school_form.html", {"form": form, "school": school})


@login_required
@require_http_methods(["GET", "POST"])
def school_create(request):
    require(request.user, "school", "create")
    return _school_form_page(request)


@login_required
@require_http_methods(["GET", "POST"])
def school_edit(request, pk: int):
    school = get_or_404(org_selectors.school_get, actor=request.user, pk=pk, action="change")
    return _school_form_page(request, school=school)
