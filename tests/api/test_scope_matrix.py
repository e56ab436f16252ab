"""Every role × the list and detail endpoints: the API shows exactly what scope() allows.

The expected sets are written out here, independently of scoping.py, so a change to scope that
widens or narrows what a role sees through the API fails these tests. None: the role may not see
such records at all, and the API answers 403 (a record outside a role's area answers 404).
"""

import pytest

ROLES = ["admin", "bureau", "district", "school", "teacher", "reviewer", "pilot", "auditor"]

VISIBLE_TEACHERS = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "reviewer": set(),
    "pilot": None,
    "auditor": None,
}
VISIBLE_SCHOOLS = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "reviewer": None,
    "pilot": {"a", "b", "c"},
    "auditor": None,
}
# Region codes: 35 Fujian, 3502 Xiamen (pilot), 350203 Siming, 350206 Huli, 3508 Longyan,
# 350802 Xinluo. Offices see their region, what is below it and the regions above it.
VISIBLE_REGIONS = {
    "admin": {"35", "3502", "350203", "350206", "3508", "350802"},
    "bureau": {"35", "3502", "350203", "350206"},
    "district": {"35", "3502", "350203"},
    "school": {"35", "3502", "350203"},
    "teacher": {"35", "3502", "350203"},
    "reviewer": None,
    "pilot": {"35", "3502", "350203", "350206"},
    "auditor": None,
}


def _keys_of(objects: dict, ids: set[int]) -> set[str]:
    return {k for k, o in objects.items() if o.pk in ids}


def _refused(response) -> bool:
    return response.status_code == 403 and bool(response.json()["message"])


@pytest.mark.parametrize("role", ROLES)
def test_teacher_list_shows_only_teachers_in_scope(world, api_as, role):
    response = api_as(role).get("/api/teachers")

    if VISIBLE_TEACHERS[role] is None:
        assert _refused(response)
        return
    assert response.status_code == 200
    body = response.json()
    ids = {item["id"] for item in body["items"]}
    assert _keys_of(world["teachers"], ids) == VISIBLE_TEACHERS[role]
    assert body["count"] == len(VISIBLE_TEACHERS[role])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ["a", "b", "c", "d"])
def test_teacher_detail_outside_scope_answers_404(world, api_as, role, key):
    teacher = world["teachers"][key]

    response = api_as(role).get(f"/api/teachers/{teacher.pk}")

    if VISIBLE_TEACHERS[role] is None:
        assert _refused(response)
    elif key in VISIBLE_TEACHERS[role]:
        assert response.status_code == 200
        assert response.json()["id"] == teacher.pk
    else:
        assert response.status_code == 404
        assert response.json()["message"]


@pytest.mark.parametrize("role", ROLES)
def test_school_list_shows_only_schools_in_scope(world, api_as, role):
    response = api_as(role).get("/api/schools")

    if VISIBLE_SCHOOLS[role] is None:
        assert _refused(response)
        return
    assert response.status_code == 200
    ids = {item["id"] for item in response.json()["items"]}
    assert _keys_of(world["schools"], ids) == VISIBLE_SCHOOLS[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ["a", "b", "c", "d"])
def test_school_detail_outside_scope_answers_404(world, api_as, role, key):
    school = world["schools"][key]

    response = api_as(role).get(f"/api/schools/{school.pk}")

    visible = VISIBLE_SCHOOLS[role]
    expected = 403 if visible is None else 200 if key in visible else 404
    assert response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_region_list_shows_only_regions_in_scope(world, api_as, role):
    response = api_as(role).get("/api/regions")

    if VISIBLE_REGIONS[role] is None:
        assert _refused(response)
        return
    assert response.status_code == 200
    codes = {item["code"] for item in response.json()["items"]}
    assert codes == VISIBLE_REGIONS[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["fujian", "xiamen", "siming", "huli", "longyan", "xinluo"])
def test_region_detail_outside_scope_answers_404(world, api_as, role, name):
    region = world["tree"][name]

    response = api_as(role).get(f"/api/regions/{region.pk}")

    visible = VISIBLE_REGIONS[role]
    expected = 403 if visible is None else 200 if region.code in visible else 404
    assert response.status_code == expected


def test_missing_and_forbidden_teacher_answer_identically(world, api_as):
    school_admin = api_as("school")
    forbidden = school_admin.get(f"/api/teachers/{world['teachers']['b'].pk}")
    missing = school_admin.get("/api/teachers/999999")

    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.json() == missing.json()


def test_school_admin_cannot_find_another_schools_teacher_by_name_or_id(world, api_as):
    other = world["teachers"]["b"]
    admin, school_admin = api_as("admin"), api_as("school")

    assert admin.get("/api/teachers", {"q": other.name}).json()["count"] == 1
    assert school_admin.get("/api/teachers", {"q": other.name}).json()["items"] == []
    by_id = {"q": other.national_id}
    assert admin.post("/api/teachers/search", by_id).json()["count"] == 1
    assert school_admin.post("/api/teachers/search", by_id).json()["count"] == 0


def test_school_admin_filtering_by_another_school_sees_nothing(world, api_as):
    response = api_as("school").get("/api/teachers", {"school": world["schools"]["b"].pk})

    assert response.json()["count"] == 0


def test_school_list_filters_by_district_and_stage(world, api_as):
    admin = api_as("admin")

    siming = admin.get("/api/schools", {"district": world["tree"]["siming"].pk}).json()
    junior = admin.get("/api/schools", {"stage": "junior"}).json()

    assert {s["id"] for s in siming["items"]} == {
        world["schools"]["a"].pk,
        world["schools"]["b"].pk,
    }
    assert [s["id"] for s in junior["items"]] == [world["schools"]["c"].pk]


def test_region_list_filters_by_level_and_parent(world, api_as):
    admin = api_as("admin")

    districts = admin.get("/api/regions", {"level": "district"}).json()
    in_xiamen = admin.get("/api/regions", {"parent": world["tree"]["xiamen"].pk}).json()

    assert {r["code"] for r in districts["items"]} == {"350203", "350206", "350802"}
    assert {r["code"] for r in in_xiamen["items"]} == {"350203", "350206"}
