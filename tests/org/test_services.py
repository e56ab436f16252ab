"""Schools and regions: scoped writes with audit."""

import pytest

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.org import selectors, services
from qiangshi.org.models import School


def _school(district, **overrides):
    data = {
        "code": "3502039999",
        "name": "思明新区实验小学",
        "district": district,
        "stage": "primary",
        "location": "urban",
    }
    data.update(overrides)
    return data


def test_district_office_creates_a_school_in_its_district(world):
    school = services.school_create(
        actor=world["users"]["district"], data=_school(world["tree"]["siming"])
    )
    assert school.district == world["tree"]["siming"]
    assert AuditLog.objects.filter(action="school.create", object_id=str(school.pk)).exists()


def test_district_office_cannot_create_in_another_district(world):
    with pytest.raises(ApplicationError) as exc:
        services.school_create(
            actor=world["users"]["district"], data=_school(world["tree"]["huli"])
        )
    assert "district" in exc.value.fields
    assert not School.objects.filter(code="3502039999").exists()


def test_school_admin_may_not_create_schools(world):
    with pytest.raises(ApplicationError):
        services.school_create(
            actor=world["users"]["school"], data=_school(world["tree"]["siming"])
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": ""}, "code"),
        ({"stage": "university"}, "stage"),
        ({"latitude": "abc"}, "latitude"),
        ({"latitude": 123}, "latitude"),
    ],
)
def test_bad_school_fields_are_named(world, overrides, field):
    with pytest.raises(ApplicationError) as exc:
        services.school_create(
            actor=world["users"]["admin"], data=_school(world["tree"]["siming"], **overrides)
        )
    assert field in exc.value.fields


def test_duplicate_code_is_rejected(world):
    existing = world["schools"]["a"]
    with pytest.raises(ApplicationError) as exc:
        services.school_create(
            actor=world["users"]["admin"], data=_school(world["tree"]["siming"], code=existing.code)
        )
    assert "code" in exc.value.fields


def test_update_records_changes_and_respects_scope(world):
    school = world["schools"]["a"]
    services.school_update(
        actor=world["users"]["school"], school=school, data={"address": "思明区演武路1号"}
    )
    audit = AuditLog.objects.get(action="school.update")
    assert audit.changes == {"address": ["", "思明区演武路1号"]}
    with pytest.raises(NotFound):
        services.school_update(
            actor=world["users"]["school"], school=world["schools"]["b"], data={"address": "x"}
        )


def test_enrollment_is_validated_against_the_schools_grades(world):
    school = world["schools"]["a"]  # primary: grades 1–6
    with pytest.raises(ApplicationError) as exc:
        services.school_enrollment_set(
            actor=world["users"]["school"],
            school=school,
            year=2026,
            grade=8,
            students=40,
            classes=1,
        )
    assert "grade" in exc.value.fields
    services.school_enrollment_set(
        actor=world["users"]["school"], school=school, year=2026, grade=1, students=180, classes=4
    )
    row = selectors.school_list(actor=world["users"]["school"]).get()
    assert row.students == 180


def test_region_path_makes_subtree_queries(world):
    region = services.region_create(
        actor=world["users"]["admin"],
        code="350205",
        name="海沧区",
        level="district",
        parent=world["tree"]["xiamen"],
    )
    assert region.path == "35/3502/350205/"
    with pytest.raises(ApplicationError) as exc:
        services.region_create(
            actor=world["users"]["admin"],
            code="350299",
            name="x",
            level="district",
            parent=world["tree"]["fujian"],
        )
    assert "parent" in exc.value.fields


def test_stage_change_that_orphans_enrollment_is_refused(world):
    school = world["schools"]["a"]
    services.school_enrollment_set(
        actor=world["users"]["admin"], school=school, year=2026, grade=2, students=40, classes=1
    )
    with pytest.raises(ApplicationError) as exc:
        services.school_update(
            actor=world["users"]["admin"], school=school, data={"stage": "senior"}
        )
    assert "stage" in exc.value.fields
    services.school_update(
        actor=world["users"]["admin"], school=school, data={"stage": "nine_year"}
    )
