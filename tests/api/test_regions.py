"""Creating and changing regions through the API: the administrator only, validated, audited."""

import pytest

from qiangshi.core.models import AuditLog
from qiangshi.org.models import Region
from qiangshi.org.services import region_update


def _district(world, **overrides) -> dict:
    body = {
        "code": "350205",
        "name": "海沧区",
        "name_en": "Haicang",
        "level": "district",
        "parent": world["tree"]["xiamen"].pk,
        "is_off_island": True,
    }
    body.update(overrides)
    return body


# --- Create -----------------------------------------------------------------------------------


def test_admin_creates_a_district_under_a_city(world, api_as):
    response = api_as("admin").post("/api/regions", _district(world))

    assert response.status_code == 201, response.json()
    region = Region.objects.get(code="350205")
    body = response.json()
    assert body["id"] == region.pk
    assert body["parent_id"] == world["tree"]["xiamen"].pk
    assert body["path"] == "35/3502/350205/"
    assert body["is_off_island"] is True
    assert AuditLog.objects.filter(action="region.create", object_id=str(region.pk)).exists()


@pytest.mark.parametrize("role", ["bureau", "district", "school", "teacher", "pilot", "auditor"])
def test_other_roles_may_not_create_regions(world, api_as, role):
    response = api_as(role).post("/api/regions", _district(world))

    assert response.status_code in (400, 403)
    assert response.json()["message"]
    assert not Region.objects.filter(code="350205").exists()


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"code": "35020A"}, 400, "code"),
        ({"code": "350203"}, 400, "code"),  # Siming's code
        ({"parent": None}, 400, "parent"),
        ({"level": "province"}, 400, "parent"),
        ({"parent": 999_999}, 400, "parent"),
        ({"name": "   "}, 400, "name"),
        ({"level": "county"}, 422, "level"),
        ({"code": "1" * 13}, 422, "code"),
        ({"is_pilot": "maybe"}, 422, "is_pilot"),
        ({"parent": "abc"}, 422, "parent"),
        ({"path": "35/"}, 422, "path"),
    ],
)
def test_region_create_with_bad_input_answers_4xx_with_the_field(
    world, api_as, overrides, status, field
):
    count = Region.objects.count()

    response = api_as("admin").post("/api/regions", _district(world, **overrides))

    assert response.status_code == status, response.json()
    assert field in response.json()["fields"]
    assert Region.objects.count() == count


def test_region_create_without_a_body_answers_422_not_500(world, api_as):
    response = api_as("admin").post("/api/regions", {})

    assert response.status_code == 422
    assert {"code", "name", "level"} <= set(response.json()["fields"])


# --- Update -----------------------------------------------------------------------------------


def test_admin_renames_a_region_and_the_audit_keeps_before_and_after(world, api_as):
    siming = world["tree"]["siming"]

    response = api_as("admin").patch(
        f"/api/regions/{siming.pk}", {"name": " 思明 ", "is_off_island": True}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["name"] == "思明"
    siming.refresh_from_db()
    assert (siming.name, siming.is_off_island, siming.name_en) == ("思明", True, "Siming")
    assert (siming.code, siming.level, siming.path) == ("350203", "district", "35/3502/350203/")
    log = AuditLog.objects.get(action="region.update", object_id=str(siming.pk))
    assert log.changes == {"name": ["思明区", "思明"], "is_off_island": [False, True]}


def test_an_update_that_changes_nothing_writes_no_audit_record(world, api_as):
    siming = world["tree"]["siming"]

    response = api_as("admin").patch(f"/api/regions/{siming.pk}", {"name": "思明区"})

    assert response.status_code == 200
    assert not AuditLog.objects.filter(action="region.update").exists()


@pytest.mark.parametrize("role", ["bureau", "district", "school", "pilot"])
def test_roles_that_see_a_region_may_not_change_it(world, api_as, role):
    xiamen = world["tree"]["xiamen"]

    response = api_as(role).patch(f"/api/regions/{xiamen.pk}", {"name": "改名"})

    assert response.status_code in (400, 403, 404)
    assert response.json()["message"]
    xiamen.refresh_from_db()
    assert xiamen.name == "厦门市"
    assert not AuditLog.objects.filter(action="region.update").exists()


def test_office_may_not_change_a_region_and_gets_403(world, api_as):
    longyan = world["tree"]["longyan"]

    response = api_as("bureau").patch(f"/api/regions/{longyan.pk}", {"name": "改名"})

    assert response.status_code == 403
    longyan.refresh_from_db()
    assert longyan.name == "龙岩市"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"code": "9999"}, 422, "code"),
        ({"level": "city"}, 422, "level"),
        ({"parent": 1}, 422, "parent"),
        ({"name": None}, 400, "name"),
        ({"name": ""}, 400, "name"),
        ({"name": "x" * 101}, 422, "name"),
        ({"is_pilot": None}, 400, "is_pilot"),
        ({"is_pilot": "perhaps"}, 422, "is_pilot"),
    ],
)
def test_region_update_with_bad_input_answers_4xx_with_the_field(
    world, api_as, body, status, field
):
    siming = world["tree"]["siming"]

    response = api_as("admin").patch(f"/api/regions/{siming.pk}", body)

    assert response.status_code == status, response.json()
    assert field in response.json()["fields"]
    siming.refresh_from_db()
    assert (siming.name, siming.code, siming.level) == ("思明区", "350203", "district")


def test_region_update_of_a_missing_region_answers_404(world, api_as):
    assert api_as("admin").patch("/api/regions/999999", {"name": "x"}).status_code == 404


def test_region_update_service_refuses_code_level_and_parent(world):
    from qiangshi.core.errors import ApplicationError

    siming = world["tree"]["siming"]
    with pytest.raises(ApplicationError) as info:
        region_update(
            actor=world["users"]["admin"],
            region=siming,
            data={"code": "1", "level": "city", "parent": None, "colour": "red"},
        )
    assert set(info.value.fields) == {"code", "level", "parent", "colour"}
    siming.refresh_from_db()
    assert siming.code == "350203"
