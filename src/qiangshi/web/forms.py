"""Forms for parsing and rendering input. Business rules live in the services: a view passes
`cleaned_data` to a service and maps its ApplicationError back with `apply_errors`."""

from functools import cache

from django import forms
from django.db import models
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qiangshi.access.scoping import scope
from qiangshi.core.errors import ApplicationError
from qiangshi.core.shared import query_key, shared
from qiangshi.org.models import Region, School, Stage
from qiangshi.org.selectors import district_choices
from qiangshi.teachers.models import (
    EducationLevel,
    Employment,
    EmploymentType,
    Gender,
    Subject,
    Teacher,
    TitleRank,
    TitleRecord,
)
from qiangshi.teachers.services import BASIC_FIELDS, RECORD_FIELDS, RECORD_MODELS

# Fields stored as a JSON list of subject codes.
_SUBJECT_LISTS = {"subjects", "other_subjects"}
# Bounds of numeric record fields: the same as the API's (teachers/api.py AppraisalIn,
# TeachingLoadIn), so a value the API refuses is not accepted here either.
RECORD_NUMBER_BOUNDS = {
    "year": (1950, 2100),
    "school_year": (1950, 2100),
    "weekly_periods": (0, 999),
    "other_periods": (0, 999),
}


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's field errors next to the fields, the rest above the form."""
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
        else:
            form.add_error(None, message)
        placed = True
    if not placed:
        form.add_error(None, exc.message)


class StyledForm(forms.Form):
    """Adds Bootstrap classes to every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)

    def add_error(self, field, error):
        super().add_error(field, error)
        # Mark the widgets of fields that now carry errors (Bootstrap's red outline).
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = (attrs.get("class", "") + " is-invalid").strip()


# Dates the registry may lack (an import's file left them out: kept empty, never guessed) but
# that a person entering the record gives.
_DATES_TO_GIVE = {(Employment, "start_date"), (TitleRecord, "obtained_on")}


def _form_field(model: type[models.Model], name: str) -> forms.Field:
    model_field = model._meta.get_field(name)
    if name in _SUBJECT_LISTS:
        return forms.MultipleChoiceField(
            label=model_field.verbose_name,
            choices=Subject.choices,
            required=name == "subjects",
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )
    if isinstance(model_field, models.DateField):
        return forms.DateField(
            label=model_field.verbose_name,
            required=not model_field.blank or (model, name) in _DATES_TO_GIVE,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        )
    bounds = RECORD_NUMBER_BOUNDS.get(name)
    if bounds:
        field = model_field.formfield(min_value=bounds[0], max_value=bounds[1])
    else:
        field = model_field.formfield()
    if isinstance(model_field, models.TextField):
        field.widget = forms.TextInput()
    return field


def _fields_form(model, names: list[str], class_name: str) -> type[StyledForm]:
    attrs = {name: _form_field(model, name) for name in names}
    return type(class_name, (StyledForm,), attrs)


@cache
def record_form_class(kind: str) -> type[StyledForm]:
    """The add-record form of one history group (teachers.services.RECORD_FIELDS)."""
    return _fields_form(RECORD_MODELS[kind], RECORD_FIELDS[kind], f"{kind.title()}RecordForm")


class Normalised(BaseChoiceIterator):
    """Choices already in the form Django normalises them to ((value, label) pairs, or
    (group, [pairs])), handed to a field as they are: Django's `normalize_choices` walks every
    option again for the field and for its widget (a province's 4,050 schools: 10 ms a form)."""

    def __init__(self, choices: list):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


def _school_choices(actor, schools=None) -> list:
    """Schools in scope (or `schools`), grouped by district when there is more than one."""
    groups: dict[str, list] = {}
    if schools is None:
        schools = scope(School.objects.all(), actor, "view")
    # Plain values, not model instances: a province's 4,050 schools in 0.02 s instead of 0.1 s.
    rows = schools.order_by("district__path", "name").values_list("pk", "name", "district_id")
    rows = list(rows)
    districts = {d.pk: d.display_name for d in Region.objects.filter(pk__in={r[2] for r in rows})}
    for pk, name, district_id in rows:
        groups.setdefault(districts[district_id], []).append((pk, name))
    if len(groups) == 1:
        return next(iter(groups.values()))
    return list(groups.items())


_EMPLOYMENT_NAMES = [
    "employment_type",
    "post_category",
    "is_full_time_teacher",
    "main_subject",
    "other_subjects",
    "post_grade",
    "is_homeroom",
    "start_date",
]


class EmploymentFormMixin:
    def _add_school(self, actor):
        # Every school in scope (a province's 4,050 took 16 ms to read and group), the same for
        # every reader of an area: shared until the next write (core.shared).
        schools = scope(School.objects.all(), actor, "view")
        choices = shared(
            "employment school choices",
            (query_key(schools), get_language()),
            lambda: _school_choices(actor, schools),
        )
        self.fields["school"] = forms.TypedChoiceField(
            label=_("school"),
            choices=Normalised([("", "—"), *choices]),
            coerce=int,
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        )


def _employment_fields() -> dict[str, forms.Field]:
    fields = {name: _form_field(Employment, name) for name in _EMPLOYMENT_NAMES}
    fields["post_grade"].widget.attrs.update({"min": 1, "max": 13})
    return fields


class EmploymentChangeForm(EmploymentFormMixin, StyledForm):
    """A transfer or a change of post / type: a new employment from a start date."""

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_employment_fields())
        self._add_school(actor)
        self.order_fields(["school", *_EMPLOYMENT_NAMES])
        self.style()


class EmploymentEndForm(StyledForm):
    end_date = forms.DateField(
        label=_("end date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end_reason = forms.CharField(label=_("end reason"), max_length=100)


class TeacherForm(EmploymentFormMixin, StyledForm):
    """Basic information and contact; on create also the current employment."""

    def __init__(self, *args, actor, create: bool, teacher: Teacher | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in BASIC_FIELDS:
            self.fields[name] = _form_field(Teacher, name)
        self.fields["national_id"] = forms.CharField(
            label=_("national ID number"), max_length=18, required=create
        )
        self.fields["phone"] = forms.CharField(label=_("phone"), max_length=20, required=False)
        if not create and teacher is not None:
            self.fields["national_id"].help_text = _(
                "Leave blank to keep the current number (%(masked)s)."
            ) % {"masked": teacher.national_id_masked}
            self.fields["phone"].help_text = _(
                "Leave blank to keep the current number (%(masked)s)."
            ) % {"masked": teacher.phone_masked or "—"}
        order = ["name", "former_name", "national_id", "gender", "birth_date", "phone"]
        if create:
            self.fields.update(_employment_fields())
            self._add_school(actor)
        self.order_fields(order)
        self.style()
        self.fields["national_id"].widget.attrs.update({"autocomplete": "off"})

    def basic_data(self) -> dict:
        data = {k: self.cleaned_data[k] for k in BASIC_FIELDS if k in self.cleaned_data}
        for key in ("national_id", "phone"):
            value = (self.cleaned_data.get(key) or "").strip()
            if value or self.fields[key].required:
                data[key] = value
        return data

    def employment_data(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ["school", *_EMPLOYMENT_NAMES]
            if k in self.cleaned_data and self.cleaned_data[k] is not None
        }


def _all(choices) -> list:
    return [("", _("All"))] + list(choices)


class TeacherFilterForm(StyledForm):
    """The teacher list's search and filters (GET). Invalid values are simply ignored."""

    q = forms.CharField(label=_("Search"), required=False)
    district = forms.TypedChoiceField(
        label=_("district"), required=False, coerce=int, widget=forms.Select
    )
    school = forms.TypedChoiceField(
        label=_("school"), required=False, coerce=int, widget=forms.Select
    )
    stage = forms.ChoiceField(label=_("stage"), required=False, choices=_all(Stage.choices))
    subject = forms.ChoiceField(label=_("subject"), required=False, choices=_all(Subject.choices))
    title = forms.ChoiceField(
        label=_("title"),
        required=False,
        choices=_all(TitleRank.choices) + [("none", _("No title"))],
    )
    education = forms.ChoiceField(
        label=_("education level"), required=False, choices=_all(EducationLevel.choices)
    )
    employment_type = forms.ChoiceField(
        label=_("employment type"), required=False, choices=_all(EmploymentType.choices)
    )
    gender = forms.ChoiceField(label=_("gender"), required=False, choices=_all(Gender.choices))
    age_min = forms.IntegerField(label=_("age from"), required=False, min_value=16, max_value=80)
    age_max = forms.IntegerField(label=_("age to"), required=False, min_value=16, max_value=80)
    status = forms.ChoiceField(
        label=_("staff"),
        required=False,
        choices=[
            ("", _("Current staff")),
            ("former", _("Former staff (retired or left)")),
            ("all", _("Current and former")),
        ],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are the same for every reader of an area: shared until the next write
        # (core.shared), in the reader's language.
        districts = district_choices(actor=actor)
        self.fields["district"].choices = _all(
            shared(
                "district choices",
                (query_key(districts), get_language()),
                lambda: [(d.pk, d.display_name) for d in districts],
            )
        )
        self.fields["school"].choices = _all(self._schools(actor))
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("Name or full national ID number"), "type": "search"}
        )

    # Above this many schools in scope the school list offers the chosen district's only: a
    # province's 4,000 options took 0.45 s to render on every page of the list.
    SCHOOLS_LISTED = 300

    def _schools(self, actor) -> list:
        schools = scope(School.objects.select_related("district"), actor, "view")
        data = self.data if self.is_bound else {}
        district = str(data.get("district") or "")
        chosen = str(data.get("school") or "")
        listed, choices = shared(
            "school choices",
            (query_key(schools), district, chosen, get_language()),
            lambda: self._school_options(actor, schools, district, chosen),
        )
        if not listed:
            self.fields["school"].help_text = _("Choose a district to list its schools.")
        return choices

    def _school_options(self, actor, schools, district: str, chosen: str) -> tuple[bool, list]:
        """(whether every school in scope is listed, the choices)."""
        if schools.count() <= self.SCHOOLS_LISTED:
            return True, _school_choices(actor, schools)
        if district.isdigit():
            return False, _school_choices(actor, schools.filter(district_id=int(district)))
        if chosen.isdigit():
            return False, _school_choices(actor, schools.filter(pk=int(chosen)))
        return False, []

    def filters(self) -> dict:
        """The valid filters only (an unknown school or a bad age is dropped)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
