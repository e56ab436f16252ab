"""Writes to the region tree and schools. Each validates, runs in a transaction and is audited."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.access.scoping import can, get_in_scope, scope
from qiangshi.core.errors import ApplicationError, Forbidden
from qiangshi.core.services import audit_record, diff, snapshot

from .models import (
    STAGE_GRADES,
    Location,
    Ownership,
    Region,
    RegionLevel,
    School,
    SchoolEnrollment,
    Stage,
)
from .signals import school_moved

SCHOOL_FIELDS = [
    "code",
    "name",
    "district",
    "stage",
    "location",
    "ownership",
    "is_boarding",
    "address",
    "latitude",
    "longitude",
    "is_active",
]
REGION_FIELDS = ["code", "name", "name_en", "level", "parent", "is_pilot", "is_off_island"]
# What a region update may change; its code, level and parent fix its place in the tree.
REGION_EDITABLE = ["name", "name_en", "is_pilot", "is_off_island"]
_PARENT_LEVEL = {RegionLevel.CITY: RegionLevel.PROVINCE, RegionLevel.DISTRICT: RegionLevel.CITY}


@transaction.atomic
def region_create(
    *,
    actor,
    code: str,
    name: str,
    level: str,
    parent: Region | None = None,
    name_en: str = "",
    is_pilot: bool = False,
    is_off_island: bool = False,
) -> Region:
    if not can(actor, "region", "create"):
        raise Forbidden(_("You may not create regions."))
    code = code.strip()
    errors = {}
    if not code.isdigit():
        errors["code"] = _("A region code has digits only.")
    elif Region.objects.filter(code=code).exists():
        errors["code"] = _("Region code %(code)s is already used.") % {"code": code}
    if level not in RegionLevel.values:
        errors["level"] = _("Unknown level.")
    elif level == RegionLevel.PROVINCE and parent is not None:
        errors["parent"] = _("A province has no parent region.")
    elif level != RegionLevel.PROVINCE and (parent is None or parent.level != _PARENT_LEVEL[level]):
        errors["parent"] = _("A city belongs to a province and a district to a city.")
    if not name.strip():
        errors["name"] = _("This field is required.")
    if errors:
        raise ApplicationError(_("The region could not be saved."), fields=errors)
    region = Region(
        code=code,
        name=name.strip(),
        name_en=name_en.strip(),
        level=level,
        parent=parent,
        is_pilot=is_pilot,
        is_off_island=is_off_island,
        path=(parent.path if parent else "") + code + "/",
    )
    try:
        region.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            _("The region could not be saved."), fields=_validation_messages(exc)
        ) from None
    region.save()
    audit_record(
        actor=actor,
        action="region.create",
        target=region,
        changes={"code": [None, code], "name": [None, region.name]},
    )
    return region


def _validation_messages(exc: ValidationError) -> dict[str, str]:
    if hasattr(exc, "message_dict"):
        return {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
    return {"__all__": " ".join(str(m) for m in exc.messages)}


@transaction.atomic
def region_update(*, actor, region: Region, data: dict[str, Any]) -> Region:
    """Change a region's names and flags (REGION_EDITABLE); only the keys present in `data`.

    The code, level and parent place the region (and every school below it) in the tree and
    are not changed here.
    """
    if not can(actor, "region", "change"):
        raise Forbidden(_("You may not change regions."))
    region = get_in_scope(Region.objects.select_for_update(), actor, "change", pk=region.pk)
    before = snapshot(region, REGION_FIELDS)
    errors: dict[str, str] = {}
    for key in sorted(data):
        if key in REGION_FIELDS or key == "path":
            if key not in REGION_EDITABLE:
                errors[key] = _("This field cannot be changed.")
        else:
            errors[key] = _("Unknown field.")
    for key in ("name", "name_en"):
        if key in data:
            value = data[key]
            if not isinstance(value, str):
                errors[key] = _("Enter text.")
                continue
            setattr(region, key, value.strip())
    if "name" in data and "name" not in errors and not region.name:
        errors["name"] = _("This field is required.")
    for key in ("is_pilot", "is_off_island"):
        if key in data:
            if not isinstance(data[key], bool):
                errors[key] = _("Enter true or false.")
            else:
                setattr(region, key, data[key])
    if not errors:
        try:
            region.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors.update(_validation_messages(exc))
    if errors:
        raise ApplicationError(_("The region could not be saved."), fields=errors)
    changes = diff(before, snapshot(region, REGION_FIELDS))
    if changes:
        region.save()
        audit_record(actor=actor, action="region.update", target=region, changes=changes)
    return region


def _clean_school_data(data: dict[str, Any], *, actor, instance: School | None) -> dict[str, Any]:
    """Validate school fields; returns cleaned values or raises ApplicationError with fields."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for key in ("code", "name", "address"):
        if key in data:
            cleaned[key] = (data[key] or "").strip()
    for key in ("code", "name"):
        if key in cleaned and not cleaned[key] or instance is None and key not in cleaned:
            errors[key] = _("This field is required.")
    if cleaned.get("code"):
        clash = School.objects.filter(code=cleaned["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            errors["code"] = _("School code %(code)s is already used.") % {"code": cleaned["code"]}
    for key, choices in (("stage", Stage), ("location", Location), ("ownership", Ownership)):
        if key in data:
            if data[key] not in choices.values:
                errors[key] = _("Choose one of the listed values.")
            else:
                cleaned[key] = data[key]
        elif instance is None and key != "ownership":
            errors[key] = _("This field is required.")
    for key in ("is_boarding", "is_active"):
        if key in data:
            cleaned[key] = bool(data[key])
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        if key in data:
            value = data[key]
            if value in (None, ""):
                cleaned[key] = None
                continue
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                errors[key] = _("Enter a number.")
                continue
            if not low <= number <= high:
                errors[key] = _("Out of range.")
            else:
                cleaned[key] = number.quantize(Decimal("0.000001"))
    if "district" in data:
        district = data["district"]
        if not isinstance(district, Region):
            district = Region.objects.filter(pk=district).first() if district else None
        in_scope = (
            district is not None
            and scope(
                Region.objects.filter(pk=district.pk, level=RegionLevel.DISTRICT), actor, "view"
            )
            .filter(path__startswith=_actor_region_path(actor))
            .exists()
        )
        if not in_scope:
            errors["district"] = _("Choose a district within your area.")
        else:
            cleaned["district"] = district
    elif instance is None:
        errors["district"] = _("This field is required.")
    if errors:
        raise ApplicationError(_("The school could not be saved."), fields=errors)
    return cleaned


def _actor_region_path(actor) -> str:
    if actor.role == "admin":
        return ""
    if actor.region_id:
        return actor.region.path
    if actor.school_id:
        return actor.school.district.path
    return "\x00"  # matches nothing


@transaction.atomic
def school_create(*, actor, data: dict[str, Any]) -> School:
    """Create a school in a district inside the actor's area."""
    if not can(actor, "school", "create"):
        raise Forbidden(_("You may not create schools."))
    cleaned = _clean_school_data(data, actor=actor, instance=None)
    school = School(**cleaned)
    school.save()
    audit_record(
        actor=actor,
        action="school.create",
        target=school,
        changes=diff({}, snapshot(school, SCHOOL_FIELDS)),
    )
    return school


@transaction.atomic
def school_update(*, actor, school: School, data: dict[str, Any]) -> School:
    """Change a school's fields; only those given in `data`."""
    school = get_in_scope(School.objects.select_for_update(), actor, "change", pk=school.pk)
    cleaned = _clean_school_data(data, actor=actor, instance=school)
    if cleaned.get("stage", school.stage) != school.stage:
        grades = set(STAGE_GRADES[cleaned["stage"]])
        if school.enrollments.exclude(grade__in=grades).exists():
            raise ApplicationError(
                _("The school could not be saved."),
                fields={
                    "stage": _(
                        "The school has enrollment in grades the new stage does not "
                        "teach; correct the enrollment first."
                    )
                },
            )
    before = snapshot(school, SCHOOL_FIELDS)
    district_before = school.district_id
    for key, value in cleaned.items():
        setattr(school, key, value)
    moved = school.district_id != district_before
    changes = diff(before, snapshot(school, SCHOOL_FIELDS))
    if changes:
        school.save()
        audit_record(actor=actor, action="school.update", target=school, changes=changes)
    if moved:
        school_moved.send(sender=School, school=school)
    return school


@transaction.atomic
def school_enrollment_set(
    *, actor, school: School, year: int, grade: int, students: int, classes: int
) -> SchoolEnrollment:
    """Record (or correct) one grade's enrollment for a year."""
    school = get_in_scope(School.objects.all(), actor, "change", pk=school.pk)
    errors = {}
    if grade not in school.grades:
        errors["grade"] = _("This school does not teach grade %(grade)s.") % {"grade": grade}
    if students < 0:
        errors["students"] = _("Must not be negative.")
    if classes < 0 or (students > 0 and classes == 0):
        errors["classes"] = _("Students need at least one class.")
    if errors:
        raise ApplicationError(_("The enrollment could not be saved."), fields=errors)
    row, created = SchoolEnrollment.objects.get_or_create(
        school=school, year=year, grade=grade, defaults={"students": students, "classes": classes}
    )
    before = {} if created else {"students": row.students, "classes": row.classes}
    row.students, row.classes = students, classes
    row.save()
    audit_record(
        actor=actor,
        action="school.enrollment_set",
        target=school,
        changes={
            f"{year} G{grade} {k}": v
            for k, v in diff(before, {"students": students, "classes": classes}).items()
        },
    )
    return row
