"""Forms for the admin-side pages: schools, change requests, audit filters, API tokens.

Forms only parse input into typed values; the rules live in the services, whose
ApplicationError field messages are put back on the form with `apply_errors`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from qiangshi.core.errors import ApplicationError
from qiangshi.org.models import Location, Ownership, Stage
from qiangshi.teachers.models import ChangeRequestKind, Teacher
from qiangshi.teachers.services import RECORD_FIELDS, RECORD_MODELS


def apply_errors(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's field errors on the form; the rest as a form-wide error."""
    placed = False
    for field, message in exc.fields.items():
        if field in form.fields:
            form.add_error(field, message)
            placed = True
        else:
            form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _choices(choices) -> list[tuple[str, Any]]:
    return [("", _("All")), *choices]


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # The browser's date input wants ISO dates whatever the active language.
        if isinstance(value, date):
            return value.isoformat()
        return super().format_value(value)


class BootstrapForm(forms.Form):
    """Puts Bootstrap's classes on widgets and marks fields with errors as invalid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            elif isinstance(widget, forms.HiddenInput):
                continue
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                css = self.fields[name].widget.attrs.get("class", "")
                if "is-invalid" not in css:
                    self.fields[name].widget.attrs["class"] = f"{css} is-invalid".strip()


# --- Schools -----------------------------------------------------------------------------------


class SchoolFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Search"), required=False)
    district = forms.TypedChoiceField(label=_("District"), required=False, coerce=int)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    location = forms.ChoiceField(label=_("Location"), required=False)
    ownership = forms.ChoiceField(label=_("Ownership"), required=False)
    sort = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = _choices([(d.pk, d.display_name) for d in districts])
        self.fields["stage"].choices = _choices(Stage.choices)
        self.fields["location"].choices = _choices(Location.choices)
        self.fields["ownership"].choices = _choices(Ownership.choices)

    def filters(self) -> dict[str, Any]:
        """The selector's filters; invalid input is ignored rather than failing the page."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class SchoolForm(BootstrapForm):
    code = forms.CharField(label=_("School code"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=120)
    district = forms.TypedChoiceField(label=_("District"), coerce=int)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    location = forms.ChoiceField(label=_("Location"), choices=Location.choices)
    ownership = forms.ChoiceField(label=_("Ownership"), choices=Ownership.choices)
    is_boarding = forms.BooleanField(label=_("Boarding school"), required=False)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), max_digits=9, decimal_places=6, required=False
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), max_digits=9, decimal_places=6, required=False
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, districts=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", "---------")] + [
            (d.pk, d.display_name) for d in districts
        ]
        if not editing:
            # A new school is active; closing one is an edit.
            del self.fields["is_active"]

    def data_for_service(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# --- Change requests ---------------------------------------------------------------------------

# Fields a teacher may propose per kind. Record kinds take the record's fields as the service
# defines them; contact and basic mirror the fields `change_request_submit` accepts.
REQUEST_FIELDS: dict[str, list[str]] = {
    ChangeRequestKind.CONTACT: ["phone", "email", "address"],
    ChangeRequestKind.BASIC: [
        "former_name",
        "marital_status",
        "political_status",
        "native_place",
        "birthplace",
        "ethnicity",
    ],
    ChangeRequestKind.EDUCATION: RECORD_FIELDS["education"],
    ChangeRequestKind.CERTIFICATE: RECORD_FIELDS["certificate"],
    ChangeRequestKind.TITLE: RECORD_FIELDS["title"],
    ChangeRequestKind.RECOGNITION: RECORD_FIELDS["recognition"],
    ChangeRequestKind.WORK: RECORD_FIELDS["work"],
}
REQUEST_MODELS: dict[str, type] = {
    ChangeRequestKind.CONTACT: Teacher,
    ChangeRequestKind.BASIC: Teacher,
    ChangeRequestKind.EDUCATION: RECORD_MODELS["education"],
    ChangeRequestKind.CERTIFICATE: RECORD_MODELS["certificate"],
    ChangeRequestKind.TITLE: RECORD_MODELS["title"],
    ChangeRequestKind.RECOGNITION: RECORD_MODELS["recognition"],
    ChangeRequestKind.WORK: RECORD_MODELS["work"],
}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def request_field_label(kind: str, name: str) -> str:
    """The label of a proposed field, for forms and the detail page."""
    if name == "phone":
        return str(_("Phone"))
    model = REQUEST_MODELS.get(kind)
    try:
        return str(model._meta.get_field(name).verbose_name).capitalize()
    except Exception:  # an unknown key in an old payload: show it as stored
        return name


def request_value_display(kind: str, name: str, value: Any) -> str:
    """A stored proposed value shown with its choice label (raw codes are not for people)."""
    model = REQUEST_MODELS.get(kind)
    try:
        field = model._meta.get_field(name)
    except Exception:
        return "" if value is None else str(value)
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return "" if value is None else str(value)


class ChangeRequestForm(BootstrapForm):
    """The fields of one kind of change, built from the model fields, plus evidence."""

    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea({"rows": 3})
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("A scan or photo of the document that supports the change (up to 10 MB)."),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        model = REQUEST_MODELS[kind]
        names = REQUEST_FIELDS[kind]
        # Contact and basic changes are partial: fill in only what changes.
        partial = kind in (ChangeRequestKind.CONTACT, ChangeRequestKind.BASIC)
        proposed = {}
        for name in names:
            if name == "phone":
                field = forms.CharField(label=_("Phone"), max_length=20, required=False)
            else:
                field = model._meta.get_field(name).formfield()
                if isinstance(field, forms.DateField):
                    field.widget = DateInput()
                if partial:
                    # No model defaults: an untouched field must not become a proposal.
                    field.required = False
                    field.initial = None
                    if isinstance(field, forms.ChoiceField):
                        field.choices = [
                            ("", _("(no change)")),
                            *[c for c in field.choices if c[0] != ""],
                        ]
            proposed[name] = field
        # Proposed fields first, then comment and evidence.
        self.fields = {**proposed, **self.fields}
        self.proposed_names = names
        self.style()

    def clean_evidence(self):
        evidence = self.cleaned_data.get("evidence")
        if evidence and evidence.size > EVIDENCE_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return evidence

    def payload(self) -> dict[str, Any]:
        """Proposed values as JSON-able data; empty fields are not part of the proposal."""
        data = {}
        for name in self.proposed_names:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            if isinstance(value, date | datetime):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            data[name] = value
        return data


class ChangeRequestFilterForm(BootstrapForm):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        from qiangshi.teachers.models import ChangeRequestStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("all", _("All")), *ChangeRequestStatus.choices]


class ReturnForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea({"rows": 3}))


# --- Audit and access logs ---------------------------------------------------------------------


class AuditFilterForm(BootstrapForm):
    q = forms.CharField(label=_("Search"), required=False)
    actor = forms.CharField(label=_("Actor (username)"), required=False)
    action = forms.CharField(label=_("Action starts with"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object ID"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "")}


class AccessFilterForm(AuditFilterForm):
    field = forms.CharField(label=_("Field"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("q", "action", "object_type"):
            del self.fields[name]
        self.fields["actor"].label = _("Viewer (username)")


# --- API tokens --------------------------------------------------------------------------------


class ApiTokenForm(BootstrapForm):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the script or system that uses it."),
    )
