"""Every change a teacher's record can undergo. grep `teacher_` / `_add` / `change_request_`.

Each service checks the actor's permission and scope, validates (field errors keyed by field
name), runs in one transaction and writes an audit record with sensitive values masked.
"""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core import crypto
from qiangshi.core.errors import ApplicationError, EditConflict, Forbidden
from qiangshi.core.services import access_record, audit_record, diff, snapshot
from qiangshi.engines import idcard
from qiangshi.org.models import School

from . import projection
from .models import (
    Appraisal,
    Certificate,
    ChangeRequest,
    ChangeRequestKind,
    ChangeRequestStatus,
    EducationRecord,
    Employment,
    Recognition,
    RegistrationQuery,
    Teacher,
    TeachingLoad,
    TitleRecord,
    WorkExperience,
)

BASIC_FIELDS = [
    "name",
    "former_name",
    "gender",
    "birth_date",
    "nationality",
    "ethnicity",
    "political_status",
    "marital_status",
    "native_place",
    "birthplace",
    "work_start_date",
    "personnel_status",
    "is_free_normal_graduate",
    "is_special_grade",
    "is_mental_health_teacher",
    "email",
    "address",
]
SENSITIVE_FIELDS = ["national_id", "phone"]
EMPLOYMENT_FIELDS = [
    "school",
    "employment_type",
    "post_category",
    "is_full_time_teacher",
    "post_grade",
    "main_subject",
    "other_subjects",
    "is_homeroom",
    "start_date",
]
_ID_REASONS = {
    "length": gettext_lazy("A national ID number has 18 characters."),
    "characters": gettext_lazy("A national ID number has 17 digits and a final digit or X."),
    "birth_date": gettext_lazy("The birth date inside the national ID number is not a valid date."),
    "checksum": gettext_lazy("The check digit of the national ID number is wrong (GB 11643)."),
}


def _messages(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "message_dict"):
        return {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(str(m) for m in exc.messages)}


def _assign(instance: models.Model, data: dict[str, Any], allowed: list[str]) -> dict[str, str]:
    """Set allowed fields from `data` (strings or typed values), then validate them.

    Returns field errors (empty when valid); conversion from strings is done by full_clean.
    """
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        return {k: _("Unknown field.") for k in unknown}
    for key, value in data.items():
        field = instance._meta.get_field(key)
        if isinstance(field, models.ForeignKey):
            setattr(instance, key, value)
        else:
            if isinstance(value, str):
                value = value.strip()
            if value == "" and (field.null or isinstance(field, models.DateField)):
                value = None
            setattr(instance, field.attname, value)
    try:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        return _messages(exc)
    return {}


class IdentityHeldElsewhere(ApplicationError):
    """The national ID number belongs to a teacher outside the actor's scope. The message says
    no more than that the number cannot be registered here; `holder_pk` (never shown) lets
    `teacher_create` ask the holding office to get in touch."""

    def __init__(self, message: str, *, fields: dict[str, str], holder_pk: int):
        super().__init__(message, fields=fields)
        self.holder_pk = holder_pk


def _held_elsewhere_message() -> str:
    return _(
        "This national ID number cannot be registered by your office. If the person already "
        "works at a school outside your area, the office that holds their record has been "
        "asked to contact you."
    )


def _check_identity(
    national_id: str,
    *,
    actor,
    birth_date: date | None,
    gender: str | None,
    exclude: int | None,
) -> tuple[str | None, dict[str, str], int | None]:
    """Validate a national ID against GB 11643, the record's birth date and gender, uniqueness.

    Returns the number, the errors, and the pk of a teacher outside the actor's scope who
    already holds the number (whose existence the errors do not reveal), if any.
    """
    try:
        parsed = idcard.parse(national_id)
    except idcard.InvalidNationalId as exc:
        return None, {"national_id": str(_ID_REASONS[exc.code])}, None
    errors = {}
    if birth_date and parsed.birth_date != birth_date:
        errors["birth_date"] = _(
            "The birth date does not agree with the national ID number (%(date)s)."
        ) % {"date": parsed.birth_date.isoformat()}
    if gender and parsed.gender != gender:
        errors["gender"] = _("The gender does not agree with the national ID number.")
    clash = Teacher.objects.filter(national_id_hash=crypto.lookup_hash(parsed.number))
    if exclude:
        clash = clash.exclude(pk=exclude)
    holder = clash.values_list("pk", flat=True).first()
    elsewhere = None
    if holder is not None:
        if scope(Teacher.objects.filter(pk=holder), actor, "view").exists():
            errors["national_id"] = _("Another teacher already has this national ID number.")
        else:
            # Outside the actor's scope: do not confirm that the number is registered.
            errors = {"national_id": _held_elsewhere_message()}
            elsewhere = holder
    return parsed.number, errors, elsewhere


def _check_dates(teacher: Teacher) -> dict[str, str]:
    """Dates of a person's record must be plausible: born in the past, work after birth."""
    errors = {}
    today = timezone.localdate()
    if teacher.birth_date and teacher.birth_date > today:
        errors["birth_date"] = _("The date is in the future.")
    if teacher.work_start_date:
        if teacher.work_start_date > today:
            errors["work_start_date"] = _("The date is in the future.")
        elif teacher.birth_date and teacher.work_start_date.year < teacher.birth_date.year + 14:
            errors["work_start_date"] = _("The teacher would have started work before age 14.")
    return errors


def _check_phone(phone: str) -> tuple[str, dict[str, str]]:
    digits = idcard.normalise(phone).replace("-", "")
    if digits and not (digits.isdigit() and 7 <= len(digits) <= 15):
        return digits, {"phone": _("Enter a valid phone number.")}
    return digits, {}


def _masked_view(teacher: Teacher) -> dict[str, Any]:
    data = snapshot(teacher, BASIC_FIELDS)
    data["national_id"] = teacher.national_id_masked
    data["phone"] = teacher.phone_masked
    return data


def _shown(model: type[models.Model], name: str, value: Any) -> str:
    """A value as a user reads it: the choice's label, "yes"/"no", "—" for nothing."""
    try:
        field = model._meta.get_field(name)
    except Exception:
        field = None
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:
        return {"national_id": str(_("national ID number")), "phone": str(_("phone"))}.get(
            name, name
        )


def _check_version(instance: models.Model, version: int | None, changes: dict[str, list]):
    """Refuse (EditConflict) an edit made on an older version of `instance` that would
    overwrite something: `changes` ({field: [stored, submitted]}) is what it would change."""
    if version is None or int(version) == instance.version or not changes:
        return
    model = type(instance)
    conflicts = {
        k: (_shown(model, k, mine), _shown(model, k, stored))
        for k, (stored, mine) in changes.items()
    }
    raise EditConflict(
        _(
            "Someone else saved this record after you opened it, so nothing was saved. Check "
            "each field named below; saving again replaces the values now held with yours."
        ),
        conflicts=conflicts,
        version=instance.version,
        fields={
            k: _("%(field)s: you entered “%(yours)s”; the record now holds “%(theirs)s”.")
            % {"field": _label(model, k), "yours": yours, "theirs": theirs}
            for k, (yours, theirs) in conflicts.items()
        },
    )


def _school_in_scope(actor, school: School | int | None) -> School | None:
    if school is None or school == "":
        return None
    pk = school.pk if isinstance(school, School) else school
    return scope(School.objects.all(), actor, "view").filter(pk=pk).first()


def teacher_create(
    *, actor, data: dict[str, Any], employment: dict[str, Any] | None = None
) -> Teacher:
    """Register a teacher (basic information, contact) and, usually, their current employment.

    `data` holds BASIC_FIELDS plus `national_id` and `phone`; `employment` holds
    EMPLOYMENT_FIELDS (school required) and is required for every role but the administrator.
    A number already held by a teacher outside the actor's scope is refused with a neutral
    message, and a registration query goes to the office that holds the record.
    """
    try:
        return _teacher_create(actor=actor, data=data, employment=employment)
    except IdentityHeldElsewhere as exc:
        registration_query_record(actor=actor, teacher_pk=exc.holder_pk)
        raise


@transaction.atomic
def _teacher_create(
    *, actor, data: dict[str, Any], employment: dict[str, Any] | None = None
) -> Teacher:
    if not can(actor, "teacher", "create"):
        raise Forbidden(_("You may not register teachers."))
    data = dict(data)
    national_id = str(data.pop("national_id", "") or "")
    phone = str(data.pop("phone", "") or "")
    teacher = Teacher()
    errors = _assign(teacher, data, BASIC_FIELDS)
    if not errors:
        errors = _check_dates(teacher)
    number, id_errors, elsewhere = (None, {"national_id": _("This field is required.")}, None)
    if national_id.strip():
        number, id_errors, elsewhere = _check_identity(
            national_id,
            actor=actor,
            birth_date=teacher.birth_date if "birth_date" not in errors else None,
            gender=teacher.gender or None,
            exclude=None,
        )
    if elsewhere is not None:
        raise IdentityHeldElsewhere(
            _("The teacher could not be saved."), fields=id_errors, holder_pk=elsewhere
        )
    errors.update(id_errors)
    phone, phone_errors = _check_phone(phone)
    errors.update(phone_errors)
    if employment is None and actor.role != "admin":
        errors["school"] = _("This field is required.")
    job = None
    if employment is not None:
        employment = dict(employment)
        school = _school_in_scope(actor, employment.pop("school", None))
        if school is None:
            errors["school"] = _("Choose a school within your area.")
        job = Employment(school=school) if school else Employment()
        # A start date not given stays empty (the record counts as incomplete): never today's.
        job_errors = _assign(job, employment, EMPLOYMENT_FIELDS[1:])
        job_errors.pop("teacher", None)
        if school is None:
            job_errors.pop("school", None)
        errors.update(job_errors)
    errors.pop("national_id_encrypted", None)
    errors.pop("national_id_hash", None)
    if errors:
        raise ApplicationError(_("The teacher could not be saved."), fields=errors)
    teacher.national_id_encrypted = crypto.encrypt(number)
    teacher.national_id_hash = crypto.lookup_hash(number)
    teacher.phone_encrypted = crypto.encrypt(phone)
    try:
        with transaction.atomic():
            teacher.save()
    except IntegrityError:
        raise ApplicationError(
            _("The teacher could not be saved."),
            fields={"national_id": _("This national ID number cannot be registered.")},
        ) from None
    changes = diff({}, _masked_view(teacher))
    if job is not None:
        job.teacher = teacher
        job.save()
        changes.update(
            {f"employment.{k}": v for k, v in diff({}, snapshot(job, EMPLOYMENT_FIELDS)).items()}
        )
    projection.refresh([teacher.pk])
    audit_record(actor=actor, action="teacher.create", target=teacher, changes=changes)
    return teacher


@transaction.atomic
def teacher_update(
    *, actor, teacher: Teacher, data: dict[str, Any], version: int | None = None
) -> Teacher:
    """Change basic information and contact. Only the keys present in `data` change.

    `version` is the teacher's version the editor started from (None: no check); when the
    record was saved since and this edit would change a field, EditConflict and nothing is
    written."""
    teacher = get_in_scope(Teacher.objects.select_for_update(), actor, "change", pk=teacher.pk)
    before = _masked_view(teacher)
    old_number, old_phone = teacher.national_id, teacher.phone
    data = dict(data)
    national_id = data.pop("national_id", None)
    phone = data.pop("phone", None)
    errors = _assign(teacher, data, BASIC_FIELDS)
    if not errors:
        errors = _check_dates(teacher)
    number = None
    if national_id is not None or "birth_date" in data or "gender" in data:
        current = old_number if national_id is None else str(national_id)
        if not current.strip():
            errors["national_id"] = _("This field is required.")
        else:
            number, id_errors, _elsewhere = _check_identity(
                current,
                actor=actor,
                birth_date=teacher.birth_date if "birth_date" not in errors else None,
                gender=teacher.gender or None,
                exclude=teacher.pk,
            )
            errors.update(id_errors)
    if phone is not None:
        phone, phone_errors = _check_phone(str(phone))
        errors.update(phone_errors)
    for key in ("national_id_encrypted", "national_id_hash"):
        errors.pop(key, None)
    if errors:
        raise ApplicationError(_("The teacher could not be saved."), fields=errors)
    changes = diff(before, _masked_view(teacher))
    # Sensitive values are compared in clear (masks hide the middle digits) and audited masked.
    if number is not None and number != old_number:
        teacher.national_id_encrypted = crypto.encrypt(number)
        teacher.national_id_hash = crypto.lookup_hash(number)
        changes["national_id"] = [before["national_id"], idcard.mask(number)]
    if phone is not None and phone != old_phone:
        teacher.phone_encrypted = crypto.encrypt(phone)
        changes["phone"] = [before["phone"], idcard.mask_phone(phone)]
    _check_version(teacher, version, changes)
    if changes:
        teacher.version += 1
        try:
            with transaction.atomic():
                teacher.save()
        except IntegrityError:
            raise ApplicationError(
                _("The teacher could not be saved."),
                fields={"national_id": _("This national ID number cannot be registered.")},
            ) from None
        audit_record(actor=actor, action="teacher.update", target=teacher, changes=changes)
    return teacher


PHOTO_TYPES = {".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG"}
PHOTO_MAX_BYTES = 2 * 1024 * 1024


@transaction.atomic
def teacher_photo_set(*, actor, teacher: Teacher, upload) -> Teacher:
    """Set (or replace) a teacher's photo: a JPEG or PNG of at most 2 MB, checked by content."""
    import os

    teacher = get_in_scope(Teacher.objects.select_for_update(), actor, "change", pk=teacher.pk)
    ext = os.path.splitext(getattr(upload, "name", "") or "")[1].lower()
    head = upload.read(8)
    upload.seek(0)
    if ext not in PHOTO_TYPES or not head.startswith(PHOTO_TYPES[ext]):
        raise ApplicationError(
            _("The photo could not be saved."), fields={"photo": _("Upload a JPEG or PNG image.")}
        )
    if (getattr(upload, "size", 0) or 0) > PHOTO_MAX_BYTES:
        raise ApplicationError(
            _("The photo could not be saved."),
            fields={"photo": _("The image is larger than 2 MB.")},
        )
    old = teacher.photo.name
    teacher.version += 1
    teacher.photo.save(f"teacher-{teacher.pk}{ext}", upload, save=True)
    audit_record(
        actor=actor,
        action="teacher.photo_set",
        target=teacher,
        changes={"photo": [old or None, teacher.photo.name]},
    )
    return teacher


def teacher_reveal(*, actor, teacher: Teacher, field: str, channel: str = "web") -> str:
    """Return a sensitive value in full for roles allowed to see it, and log the view."""
    if field not in SENSITIVE_FIELDS:
        raise ApplicationError(_("Unknown field."))
    teacher = get_in_scope(Teacher.objects.all(), actor, "view_sensitive", pk=teacher.pk)
    access_record(actor=actor, target=teacher, field=field, channel=channel)
    return teacher.national_id if field == "national_id" else teacher.phone


# --- Employment: history is never overwritten -------------------------------------------------


@transaction.atomic
def employment_change(*, actor, teacher: Teacher, data: dict[str, Any]) -> Employment:
    """Start a new employment (a transfer, a new post or type); the open one ends the day before.

    The actor must be able to change the teacher now and see the new school.
    """
    teacher = get_in_scope(Teacher.objects.select_for_update(), actor, "change", pk=teacher.pk)
    data = dict(data)
    school = _school_in_scope(actor, data.pop("school", None))
    job = Employment(teacher=teacher, school=school) if school else Employment(teacher=teacher)
    errors = _assign(job, data, EMPLOYMENT_FIELDS[1:])
    errors.pop("school", None)
    if school is None:
        errors["school"] = _("Choose a school within your area.")
    current = teacher.employments.filter(end_date__isnull=True).first()
    if job.start_date is None and "start_date" not in errors:
        # The current post closes the day before: a move needs its date (never a guess).
        errors["start_date"] = _("Give the date the new employment starts.")
    elif job.start_date and job.start_date > timezone.localdate():
        # "Current" means "no end date": a future start would move the teacher today.
        errors["start_date"] = _("Record a change on or after the day it takes effect.")
    elif current and job.start_date and current.start_date and job.start_date <= current.start_date:
        errors["start_date"] = _("The new employment must start after the current one started.")
    if errors:
        raise ApplicationError(_("The employment could not be saved."), fields=errors)
    if current:
        current.end_date = job.start_date - timedelta(days=1)
        current.end_reason = current.end_reason or "transfer"
        current.version += 1
    current.save(update_fields=["end_date", "end_reason", "version", "updated_at"])
    job.save()
    projection.refresh([teacher.pk])
    audit_record(
        actor=actor,
        action="teacher.employment_change",
        target=teacher,
        changes={
            f"employment.{k}": v
            for k, v in diff(
                snapshot(current, EMPLOYMENT_FIELDS) if current else {},
                snapshot(job, EMPLOYMENT_FIELDS),
            ).items()
        },
    )
    return job


@transaction.atomic
def employment_end(*, actor, teacher: Teacher, end_date: date, reason: str) -> Employment:
    """End the open employment (retirement, leaving the region)."""
    teacher = get_in_scope(Teacher.objects.select_for_update(), actor, "change", pk=teacher.pk)
    current = teacher.employments.filter(end_date__isnull=True).first()
    if current is None:
        raise ApplicationError(_("This teacher has no current employment."))
    if end_date > timezone.localdate():
        raise ApplicationError(
            _("The employment could not be saved."),
            fields={"end_date": _("Record a change on or after the day it takes effect.")},
        )
    if current.start_date is not None and end_date < current.start_date:
        raise ApplicationError(
            _("The employment could not be saved."),
            fields={"end_date": _("The end date is before the start date.")},
        )
    if not reason.strip():
        raise ApplicationError(
            _("The employment could not be saved."), fields={"end_reason": _("Give a reason.")}
        )
    current.end_date, current.end_reason = end_date, reason.strip()
    current.version += 1
    current.save(update_fields=["end_date", "end_reason", "version", "updated_at"])
    projection.refresh([teacher.pk])
    audit_record(
        actor=actor,
        action="teacher.employment_end",
        target=teacher,
        changes={
            "employment.end_date": [None, end_date.isoformat()],
            "employment.end_reason": [None, reason.strip()],
        },
    )
    return current


# --- The many-per-teacher record groups --------------------------------------------------------

RECORD_MODELS: dict[str, type[models.Model]] = {
    "education": EducationRecord,
    "certificate": Certificate,
    "title": TitleRecord,
    "recognition": Recognition,
    "appraisal": Appraisal,
    "teaching_load": TeachingLoad,
    "work": WorkExperience,
}
RECORD_FIELDS: dict[str, list[str]] = {
    "education": [
        "level",
        "institution",
        "major",
        "study_mode",
        "is_normal_major",
        "start_date",
        "end_date",
    ],
    "certificate": ["stage", "subject", "number", "issued_on", "issuing_authority"],
    "title": ["rank", "obtained_on", "appointed_on"],
    "recognition": ["kind", "level", "subject", "start_date", "end_date"],
    "appraisal": ["year", "grade"],
    "teaching_load": [
        "school_year",
        "term",
        "stage",
        "subjects",
        "weekly_periods",
        "other_periods",
        "concurrent_duties",
    ],
    "work": ["employer", "position", "start_date", "end_date"],
}


# The record groups that `TeacherCurrent` projects (teachers.projection).
PROJECTED_KINDS = {"title", "education"}


def _history_changed(kind: str, teacher_id: int) -> None:
    if kind in PROJECTED_KINDS:
        projection.refresh([teacher_id])


def _record_errors(kind: str, record: models.Model) -> dict[str, str]:
    errors: dict[str, str] = {}
    start = getattr(record, "start_date", None)
    end = getattr(record, "end_date", None)
    if start and end and end < start:
        errors["end_date"] = _("The end date is before the start date.")
    if (
        kind == "title"
        and record.appointed_on
        and record.obtained_on
        and record.appointed_on < record.obtained_on
    ):
        errors["appointed_on"] = _("A title is appointed on or after the date it is obtained.")
    try:
        record.validate_constraints()
    except ValidationError:
        errors["__all__"] = _("This record already exists for this teacher.")
    return errors


@transaction.atomic
def teacher_record_add(*, actor, teacher: Teacher, kind: str, data: dict[str, Any]):
    """Add one record of a group (education, certificate, title, recognition, appraisal,
    teaching_load, work) to a teacher."""
    if kind not in RECORD_MODELS:
        raise ApplicationError(_("Unknown record kind."))
    teacher = get_in_scope(Teacher.objects.all(), actor, "change", pk=teacher.pk)
    record = RECORD_MODELS[kind](teacher=teacher)
    errors = _assign(record, data, RECORD_FIELDS[kind])
    errors.pop("teacher", None)
    if not errors:
        errors = _record_errors(kind, record)
    if errors:
        raise ApplicationError(_("The record could not be saved."), fields=errors)
    record.save()
    _history_changed(kind, teacher.pk)
    audit_record(
        actor=actor,
        action=f"teacher.{kind}_add",
        target=teacher,
        changes={
            f"{kind}.{k}": v for k, v in diff({}, snapshot(record, RECORD_FIELDS[kind])).items()
        },
    )
    return record


@transaction.atomic
def teacher_record_update(
    *, actor, record: models.Model, data: dict[str, Any], version: int | None = None
):
    """Correct a record; the audit log keeps the values before the correction. `version` as
    in `teacher_update`."""
    kind = next(k for k, m in RECORD_MODELS.items() if isinstance(record, m))
    get_in_scope(Teacher.objects.all(), actor, "change", pk=record.teacher_id)
    record = type(record).objects.select_for_update().get(pk=record.pk)
    before = snapshot(record, RECORD_FIELDS[kind])
    errors = _assign(record, data, RECORD_FIELDS[kind])
    if not errors:
        errors = _record_errors(kind, record)
    if errors:
        raise ApplicationError(_("The record could not be saved."), fields=errors)
    changes = diff(before, snapshot(record, RECORD_FIELDS[kind]))
    _check_version(record, version, changes)
    if changes:
        record.version += 1
        record.save()
        _history_changed(kind, record.teacher_id)
        audit_record(
            actor=actor,
            action=f"teacher.{kind}_update",
            target=record.teacher,
            changes={f"{kind}.{k}": v for k, v in changes.items()},
        )
    return record


@transaction.atomic
def teacher_record_delete(*, actor, record: models.Model) -> None:
    """Remove a record entered by mistake; the audit log keeps what it held."""
    kind = next(k for k, m in RECORD_MODELS.items() if isinstance(record, m))
    teacher = get_in_scope(Teacher.objects.all(), actor, "change", pk=record.teacher_id)
    before = snapshot(record, RECORD_FIELDS[kind])
    record.delete()
    _history_changed(kind, teacher.pk)
    audit_record(
        actor=actor,
        action=f"teacher.{kind}_delete",
        target=teacher,
        changes={f"{kind}.{k}": v for k, v in diff(before, {}).items()},
    )


# --- Teachers keep their own record current ----------------------------------------------------

_REQUEST_KIND_TO_RECORD = {
    ChangeRequestKind.EDUCATION: "education",
    ChangeRequestKind.CERTIFICATE: "certificate",
    ChangeRequestKind.TITLE: "title",
    ChangeRequestKind.RECOGNITION: "recognition",
    ChangeRequestKind.WORK: "work",
}
_REQUEST_BASIC_FIELDS = {
    ChangeRequestKind.CONTACT: ["phone", "email", "address"],
    ChangeRequestKind.BASIC: [
        "former_name",
        "marital_status",
        "political_status",
        "native_place",
        "birthplace",
        "ethnicity",
    ],
}


def _validate_request_payload(kind: str, payload: dict[str, Any]) -> dict[str, str]:
    """Check a proposal as the service that will apply it would, without writing."""
    if not payload:
        return {"__all__": _("Propose at least one change.")}
    if kind in _REQUEST_BASIC_FIELDS:
        allowed = _REQUEST_BASIC_FIELDS[kind]
        unknown = sorted(set(payload) - set(allowed))
        if unknown:
            return {k: _("Unknown field.") for k in unknown}
        data = {k: v for k, v in payload.items() if k != "phone"}
        errors = _assign(
            Teacher(name="x", gender="male", birth_date=date(2000, 1, 1)), data, BASIC_FIELDS
        )
        if "phone" in payload:
            errors.update(_check_phone(str(payload["phone"]))[1])
        return {k: v for k, v in errors.items() if k in payload}
    record_kind = _REQUEST_KIND_TO_RECORD[kind]
    record = RECORD_MODELS[record_kind]()
    errors = _assign(record, payload, RECORD_FIELDS[record_kind])
    errors.pop("teacher", None)
    if not errors:
        start, end = getattr(record, "start_date", None), getattr(record, "end_date", None)
        if start and end and end < start:
            errors["end_date"] = _("The end date is before the start date.")
        if (
            record_kind == "title"
            and record.appointed_on
            and record.obtained_on
            and record.appointed_on < record.obtained_on
        ):
            errors["appointed_on"] = _("A title is appointed on or after the date it is obtained.")
    return errors


@transaction.atomic
def change_request_submit(
    *, actor, kind: str, payload: dict[str, Any], comment: str = "", evidence=None
) -> ChangeRequest:
    """A teacher proposes a change to their own record, with evidence."""
    teacher = getattr(actor, "teacher_profile", None)
    if not can(actor, "changerequest", "create") or teacher is None:
        raise Forbidden(_("Only a teacher may propose changes to their own record."))
    if kind not in ChangeRequestKind.values:
        raise ApplicationError(_("Unknown kind of change."), fields={"kind": _("Unknown kind.")})
    payload = {k: v for k, v in payload.items() if v not in (None, "")}
    errors = _validate_request_payload(kind, payload)
    if errors:
        raise ApplicationError(_("The request could not be submitted."), fields=errors)
    sensitive = {k: payload.pop(k) for k in list(payload) if k in SENSITIVE_FIELDS}
    request = ChangeRequest(
        teacher=teacher,
        kind=kind,
        payload=payload,
        comment=comment.strip(),
        submitted_by=actor,
        payload_encrypted=crypto.encrypt(_json(sensitive)) if sensitive else "",
    )
    if evidence is not None:
        _check_evidence(evidence)
        request.evidence = evidence
    request.save()
    shown = dict(payload)
    if "phone" in sensitive:
        shown["phone"] = idcard.mask_phone(sensitive["phone"])
    audit_record(
        actor=actor,
        action="change_request.submit",
        target=request,
        changes={k: [None, v] for k, v in shown.items()},
    )
    return request


EVIDENCE_TYPES = {".pdf", ".jpg", ".jpeg", ".png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _check_evidence(upload) -> None:
    """Evidence is a scan or photo: PDF, JPEG or PNG, at most 10 MB (never HTML or scripts)."""
    import os

    name = getattr(upload, "name", "") or ""
    if os.path.splitext(name)[1].lower() not in EVIDENCE_TYPES:
        raise ApplicationError(
            _("The request could not be submitted."),
            fields={"evidence": _("Upload a PDF, JPEG or PNG file.")},
        )
    if (getattr(upload, "size", 0) or 0) > EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The request could not be submitted."),
            fields={"evidence": _("The file is larger than 10 MB.")},
        )


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, default=str)


def change_request_payload(request: ChangeRequest) -> dict[str, Any]:
    """The full proposal, with sensitive values decrypted (for applying it)."""
    import json

    data = dict(request.payload)
    if request.payload_encrypted:
        data.update(json.loads(crypto.decrypt(request.payload_encrypted)))
    return data


def _pending(actor, request: ChangeRequest, action: str) -> ChangeRequest:
    request = get_in_scope(ChangeRequest.objects.select_for_update(), actor, action, pk=request.pk)
    if request.status != ChangeRequestStatus.PENDING:
        raise ApplicationError(_("This request has already been handled."))
    return request


@transaction.atomic
def change_request_approve(*, actor, request: ChangeRequest) -> ChangeRequest:
    """Apply a proposal through the ordinary services, as the reviewing administrator."""
    request = _pending(actor, request, "review")
    payload = change_request_payload(request)
    if request.kind in _REQUEST_BASIC_FIELDS:
        teacher_update(actor=actor, teacher=request.teacher, data=payload)
    else:
        teacher_record_add(
            actor=actor,
            teacher=request.teacher,
            kind=_REQUEST_KIND_TO_RECORD[request.kind],
            data=payload,
        )
    request.status = ChangeRequestStatus.APPROVED
    request.reviewed_by, request.reviewed_at = actor, timezone.now()
    request.save()
    audit_record(
        actor=actor,
        action="change_request.approve",
        target=request,
        changes={"status": ["pending", "approved"]},
    )
    return request


@transaction.atomic
def change_request_return(*, actor, request: ChangeRequest, reason: str) -> ChangeRequest:
    """Send a proposal back to the teacher with a reason; nothing in the record changes."""
    request = _pending(actor, request, "review")
    if not reason.strip():
        raise ApplicationError(
            _("The request could not be returned."), fields={"reason": _("Give a reason.")}
        )
    request.status = ChangeRequestStatus.RETURNED
    request.review_reason = reason.strip()
    request.reviewed_by, request.reviewed_at = actor, timezone.now()
    request.save()
    audit_record(
        actor=actor,
        action="change_request.return",
        target=request,
        changes={"status": ["pending", "returned"], "reason": [None, reason.strip()]},
    )
    return request


@transaction.atomic
def change_request_withdraw(*, actor, request: ChangeRequest) -> ChangeRequest:
    """The teacher takes back a pending proposal."""
    request = _pending(actor, request, "view")
    if request.submitted_by_id != actor.pk:
        raise Forbidden(_("Only the teacher who proposed it may withdraw it."))
    request.status = ChangeRequestStatus.WITHDRAWN
    request.save()
    audit_record(
        actor=actor,
        action="change_request.withdraw",
        target=request,
        changes={"status": ["pending", "withdrawn"]},
    )
    return request


def _office_label(actor) -> str:
    """Who asks, as the holding office should read it: role, area, name."""
    area = getattr(actor, "school", None) or getattr(actor, "region", None)
    parts = [str(actor.get_role_display()), str(area) if area else "", str(actor)]
    return " · ".join(p for p in parts if p)[:255]


@transaction.atomic
def registration_query_record(*, actor, teacher_pk: int) -> RegistrationQuery:
    """Ask the office that holds a teacher's record to contact `actor`, who tried to register
    the same national ID number. One open query per teacher and asker."""
    teacher = Teacher.objects.get(pk=teacher_pk)
    query = RegistrationQuery.objects.filter(
        teacher=teacher, asked_by=actor, closed_at__isnull=True
    ).first()
    if query is None:
        query = RegistrationQuery.objects.create(
            teacher=teacher, asked_by=actor, asked_by_office=_office_label(actor)
        )
        audit_record(
            actor=actor,
            action="teacher.registration_query",
            target=teacher,
            note=query.asked_by_office,
        )
    return query


@transaction.atomic
def registration_query_close(*, actor, query: RegistrationQuery) -> RegistrationQuery:
    """The holding office has dealt with a registration query."""
    query = get_in_scope(
        RegistrationQuery.objects.select_for_update(), actor, "review", pk=query.pk
    )
    if query.closed_at is None:
        query.closed_at = timezone.now()
        query.closed_by = actor
        query.save(update_fields=["closed_at", "closed_by"])
        audit_record(actor=actor, action="teacher.registration_query_close", target=query.teacher)
    return query
