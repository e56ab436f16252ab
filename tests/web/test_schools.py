"""School pages: who sees which schools, filters, export, create and edit."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.models import AuditLog
from qiangshi.org import services as org_services
from qiangshi.org.models import School

# role → schools (keys of world["schools"]) on the list page; None = the page is forbidden
LISTED = {
    "admin": {"a", "b", "c", "d"},
    "bureau": {"a", "b", "c"},
    "district": {"a", "b"},
    "school": {"a"},
    "teacher": {"a"},
    "pilot": {"a", "b", "c"},
    "reviewer": None,
    "auditor": None,
}


def _codes(response) -> set[str]:
    return {s.code for s in response.context["page"].object_list}


def _keys(world, codes: set[str]) -> set[str]:
    return {k for k, s in world["schools"].items() if s.code in codes}


@pytest.mark.parametrize("role", sorted(LISTED))
def test_school_list_shows_only_schools_in_the_roles_area(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("web:school_list"))
    if LISTED[role] is None:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    assert _keys(world, _codes(response)) == LISTED[role]
    for key, school in world["schools"].items():
        assert (school.name in response.content.decode()) == (key in LISTED[role])


@pytest.mark.parametrize("role", sorted(LISTED))
def test_school_detail_answers_404_outside_the_roles_area(client, world, role):
    client.force_login(world["users"][role])
    for key, school in world["schools"].items():
        response = client.get(reverse("web:school_detail", args=[school.pk]))
        visible = LISTED[role] is not None and key in LISTED[role]
        assert response.status_code == (200 if visible else 404), (role, key)


def test_school_detail_of_a_missing_school_is_404(client, world):
    client.force_login(world["users"]["admin"])
    assert client.get(reverse("web:school_detail", args=[999999])).status_code == 404


def test_school_admin_never_sees_another_school_in_export(client, world):
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:school_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert codes == [world["schools"]["a"].code]


def test_export_follows_the_list_filters(client, world):
    client.force_login(world["users"]["bureau"])
    response = client.get(reverse("web:school_export"), {"stage": "junior"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [world["schools"]["c"].code]
    assert rows[0][8] == 1  # one current teacher


def test_roles_without_export_permission_get_403_on_export(client, world):
    client.force_login(world["users"]["teacher"])
    assert client.get(reverse("web:school_export")).status_code == 403


def test_school_list_filters_by_search_and_district(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("web:school_list"), {"q": "湖里"})
    assert _keys(world, _codes(response)) == {"c"}
    response = client.get(reverse("web:school_list"), {"district": world["tree"]["siming"].pk})
    assert _keys(world, _codes(response)) == {"a", "b"}
    response = client.get(reverse("web:school_list"), {"q": world["schools"]["d"].code})
    assert _keys(world, _codes(response)) == {"d"}


def test_school_list_sorts_by_name_descending(client, world):
    client.force_login(world["users"]["admin"])
    response = client.get(reverse("web:school_list"), {"sort": "-name"})
    names = [s.name for s in response.context["page"].object_list]
    assert names == sorted(names, reverse=True)


def test_school_list_counts_current_teachers_in_one_query(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["users"]["admin"])
    for i in range(5):
        org_services.school_create(
            actor=world["users"]["admin"],
            data={
                "code": f"X{i}",
                "name": f"Extra {i}",
                "district": world["tree"]["huli"],
                "stage": "primary",
                "location": "rural",
            },
        )
    response = client.get(reverse("web:school_list"))
    rows = {s.code: s.teacher_count for s in response.context["page"].object_list}
    assert rows[world["schools"]["a"].code] == 1
    assert rows["X0"] == 0
    # The count of queries does not grow with the number of schools on the page.
    with django_assert_max_num_queries(10):
        client.get(reverse("web:school_list"))


def test_district_office_creates_a_school_in_its_district(client, world):
    district = world["users"]["district"]
    client.force_login(district)
    response = client.post(
        reverse("web:school_create"),
        {
            "code": "3502039999",
            "name": "思明新校",
            "district": world["tree"]["siming"].pk,
            "stage": "primary",
            "location": "urban",
            "ownership": "public",
        },
    )
    school = School.objects.get(code="3502039999")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:school_detail", args=[school.pk])
    assert AuditLog.objects.filter(action="school.create", object_id=str(school.pk)).exists()


def test_school_create_shows_a_field_error_for_a_used_code(client, world):
    client.force_login(world["users"]["admin"])
    response = client.post(
        reverse("web:school_create"),
        {
            "code": world["schools"]["a"].code,
            "name": "Duplicate",
            "district": world["tree"]["siming"].pk,
            "stage": "primary",
            "location": "urban",
            "ownership": "public",
        },
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not School.objects.filter(name="Duplicate").exists()


def test_district_office_cannot_place_a_school_outside_its_area(client, world):
    client.force_login(world["users"]["district"])
    response = client.post(
        reverse("web:school_create"),
        {
            "code": "X1",
            "name": "Elsewhere",
            "district": world["tree"]["huli"].pk,
            "stage": "primary",
            "location": "urban",
            "ownership": "public",
        },
    )
    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert not School.objects.filter(code="X1").exists()


def test_school_admin_may_not_create_schools(client, world):
    client.force_login(world["users"]["school"])
    assert client.get(reverse("web:school_create")).status_code == 403
    response = client.get(reverse("web:school_list"))
    assert reverse("web:school_create") not in response.content.decode()


def test_school_admin_edits_own_school_but_gets_404_on_another(client, world):
    client.force_login(world["users"]["school"])
    a, b = world["schools"]["a"], world["schools"]["b"]
    assert client.get(reverse("web:school_edit", args=[b.pk])).status_code == 404
    response = client.post(reverse("web:school_edit", args=[b.pk]), {"name": "Hijacked"})
    assert response.status_code == 404
    response = client.get(reverse("web:school_edit", args=[a.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, False)}
    data["address"] = "思明路1号"
    response = client.post(reverse("web:school_edit", args=[a.pk]), data)
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.address == "思明路1号"
    assert b.name != "Hijacked"
    assert AuditLog.objects.filter(action="school.update", object_id=str(a.pk)).exists()


def test_teacher_cannot_edit_the_school(client, world):
    client.force_login(world["users"]["teacher"])
    a = world["schools"]["a"]
    assert client.get(reverse("web:school_edit", args=[a.pk])).status_code == 404
    response = client.get(reverse("web:school_detail", args=[a.pk]))
    assert reverse("web:school_edit", args=[a.pk]) not in response.content.decode()


def test_school_detail_shows_enrollment_and_current_teachers(client, world):
    admin = world["users"]["admin"]
    a = world["schools"]["a"]
    org_services.school_enrollment_set(
        actor=admin, school=a, year=2024, grade=1, students=45, classes=1
    )
    org_services.school_enrollment_set(
        actor=admin, school=a, year=2024, grade=2, students=88, classes=2
    )
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:school_detail", args=[a.pk]))
    row = response.context["enrollment"][0]
    assert row["year"] == 2024 and row["students"] == 133 and row["classes"] == 3
    teachers = [t.name for t in response.context["teachers"].object_list]
    assert teachers == [world["teachers"]["a"].name]
    html = response.content.decode()
    assert reverse("web:teacher_detail", args=[world["teachers"]["a"].pk]) in html
    assert world["teachers"]["b"].name not in html


def test_pilot_office_sees_school_facts_but_no_teacher_names(client, world):
    client.force_login(world["users"]["pilot"])
    response = client.get(reverse("web:school_detail", args=[world["schools"]["a"].pk]))
    assert response.status_code == 200
    assert response.context["teachers"] is None
    assert world["teachers"]["a"].name not in response.content.decode()


@pytest.mark.parametrize(
    "url_name",
    [
        "school_list",
        "school_export",
        "change_request_list",
        "audit_log",
        "access_log",
        "api_tokens",
    ],
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url_name):
    response = client.get(reverse(f"web:{url_name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))
