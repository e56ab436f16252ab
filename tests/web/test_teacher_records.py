"""Correcting and deleting a teacher's history records on the web, and the record forms' bounds."""

from datetime import date

import pytest
from django.urls import reverse

from qiangshi.core.models import AuditLog
from qiangshi.teachers.models import Appraisal, TitleRecord
from qiangshi.teachers.services import teacher_record_add

pytestmark = pytest.mark.django_db


def _title(world, key="a", **data):
    data = {"rank": "second", "obtained_on": "2015-09-01", **data}
    return teacher_record_add(
        actor=world["users"]["admin"], teacher=world["teachers"][key], kind="title", data=data
    )


def _urls(teacher, kind, record) -> tuple[str, str]:
    args = [teacher.pk, kind, record.pk]
    return (
        reverse("web:teacher_record_edit", args=args),
        reverse("web:teacher_record_delete", args=args),
    )


def test_urls_have_the_documented_shape(world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    edit, delete = _urls(teacher, "title", record)
    assert edit == f"/teachers/{teacher.pk}/records/title/{record.pk}/edit/"
    assert delete == f"/teachers/{teacher.pk}/records/title/{record.pk}/delete/"


# --- The detail page offers the actions to those who may change ---------------------------------


def test_detail_page_links_edit_and_delete_per_record_for_school_admin(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    edit, delete = _urls(teacher, "title", record)
    client.force_login(world["users"]["school"])

    html = client.get(reverse("web:teacher_detail", args=[teacher.pk])).content.decode()

    assert f'href="{edit}"' in html
    assert f'href="{delete}"' in html


@pytest.mark.parametrize("role", ["teacher", "reviewer"])
def test_detail_page_has_no_record_actions_for_roles_that_may_not_change(client, world, role):
    teacher = world["teachers"]["a"]
    record = _title(world)
    edit, delete = _urls(teacher, "title", record)
    client.force_login(world["users"][role])

    response = client.get(reverse("web:teacher_detail", args=[teacher.pk]))

    html = response.content.decode()
    assert edit not in html and delete not in html


# --- Edit ---------------------------------------------------------------------------------------


def test_edit_page_shows_the_record_values(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world, appointed_on="2016-01-01")
    client.force_login(world["users"]["school"])

    response = client.get(_urls(teacher, "title", record)[0])

    assert response.status_code == 200
    form = response.context["form"]
    assert form["rank"].value() == "second"
    assert form["appointed_on"].value() == date(2016, 1, 1)
    assert 'value="2015-09-01"' in response.content.decode()


def test_school_admin_corrects_a_record(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client.force_login(world["users"]["school"])

    response = client.post(
        _urls(teacher, "title", record)[0],
        {"rank": "first", "obtained_on": "2015-09-01", "appointed_on": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("web:teacher_detail", args=[teacher.pk]) + "?tab=title"
    record.refresh_from_db()
    assert record.rank == "first"
    log = AuditLog.objects.get(action="teacher.title_update")
    assert log.changes == {"title.rank": ["second", "first"]}
    assert log.actor == world["users"]["school"]


def test_a_bad_correction_shows_field_errors_and_changes_nothing(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client.force_login(world["users"]["school"])

    response = client.post(
        _urls(teacher, "title", record)[0],
        {"rank": "first", "obtained_on": "2015-09-01", "appointed_on": "2014-01-01"},
    )

    assert response.status_code == 200
    assert "appointed_on" in response.context["form"].errors
    assert "invalid-feedback" in response.content.decode()
    record.refresh_from_db()
    assert (record.rank, record.appointed_on) == ("second", None)
    assert not AuditLog.objects.filter(action="teacher.title_update").exists()


def test_a_correction_into_a_taken_appraisal_year_is_refused(client, world):
    teacher = world["teachers"]["a"]
    admin = world["users"]["admin"]
    teacher_record_add(
        actor=admin, teacher=teacher, kind="appraisal", data={"year": 2023, "grade": "excellent"}
    )
    later = teacher_record_add(
        actor=admin, teacher=teacher, kind="appraisal", data={"year": 2024, "grade": "competent"}
    )
    client.force_login(admin)

    response = client.post(
        _urls(teacher, "appraisal", later)[0], {"year": "2023", "grade": "competent"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    later.refresh_from_db()
    assert later.year == 2024


# --- Delete -------------------------------------------------------------------------------------


def test_delete_asks_for_confirmation_first(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client.force_login(world["users"]["school"])
    delete = _urls(teacher, "title", record)[1]

    response = client.get(delete)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="post"' in html and "2015-09-01" in html
    assert TitleRecord.objects.filter(pk=record.pk).exists()


def test_school_admin_deletes_a_record_after_confirming(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client.force_login(world["users"]["school"])

    response = client.post(_urls(teacher, "title", record)[1])

    assert response.status_code == 302
    assert response["Location"] == reverse("web:teacher_detail", args=[teacher.pk]) + "?tab=title"
    assert not TitleRecord.objects.filter(pk=record.pk).exists()
    log = AuditLog.objects.get(action="teacher.title_delete")
    assert log.object_id == str(teacher.pk)
    assert log.changes["title.rank"] == ["second", None]


# --- Scope: 404 outside it ----------------------------------------------------------------------


def test_school_admin_of_a_cannot_edit_or_delete_records_of_teacher_b(client, world):
    teacher = world["teachers"]["b"]
    record = _title(world, key="b")
    edit, delete = _urls(teacher, "title", record)
    client.force_login(world["users"]["school"])

    assert client.get(edit).status_code == 404
    assert client.get(delete).status_code == 404
    assert client.post(edit, {"rank": "first", "obtained_on": "2015-09-01"}).status_code == 404
    assert client.post(delete).status_code == 404
    record.refresh_from_db()
    assert record.rank == "second"
    assert not AuditLog.objects.filter(
        action__in=["teacher.title_update", "teacher.title_delete"]
    ).exists()


@pytest.mark.parametrize("role", ["school", "admin"])
def test_a_record_of_another_teacher_cannot_be_reached_through_an_own_teacher(client, world, role):
    """Teacher a is in scope; the record is b's: 404 rather than a change to b's file."""
    record_of_b = _title(world, key="b")
    edit, delete = _urls(world["teachers"]["a"], "title", record_of_b)
    client.force_login(world["users"][role])

    assert client.get(edit).status_code == 404
    assert client.post(edit, {"rank": "first", "obtained_on": "2015-09-01"}).status_code == 404
    assert client.post(delete).status_code == 404
    assert TitleRecord.objects.get(pk=record_of_b.pk).rank == "second"


@pytest.mark.parametrize("role", ["teacher", "reviewer", "pilot", "auditor"])
def test_roles_without_change_get_404(client, world, role):
    teacher = world["teachers"]["a"]
    record = _title(world)
    edit, delete = _urls(teacher, "title", record)
    client.force_login(world["users"][role])

    assert client.get(edit).status_code == 404
    assert client.post(delete).status_code == 404
    assert TitleRecord.objects.filter(pk=record.pk, rank="second").exists()


def test_unknown_kind_or_record_answers_404(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)
    client.force_login(world["users"]["admin"])

    for url in (
        f"/teachers/{teacher.pk}/records/salary/{record.pk}/edit/",
        f"/teachers/{teacher.pk}/records/appraisal/{record.pk}/edit/",
        f"/teachers/{teacher.pk}/records/title/999999/delete/",
    ):
        assert client.get(url).status_code == 404, url


def test_record_pages_need_a_login(client, world):
    teacher = world["teachers"]["a"]
    record = _title(world)

    response = client.get(_urls(teacher, "title", record)[0])

    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- The record forms use the API's bounds ------------------------------------------------------


@pytest.mark.parametrize("year", ["70000", "1800"])
def test_appraisal_year_outside_1950_2100_is_refused_by_the_add_form(client, world, year):
    teacher = world["teachers"]["a"]
    client.force_login(world["users"]["school"])

    response = client.post(
        reverse("web:teacher_record_add", args=[teacher.pk, "appraisal"]),
        {"appraisal-year": year, "appraisal-grade": "excellent"},
    )

    assert response.status_code == 200
    group = next(g for g in response.context["groups"] if g["kind"] == "appraisal")
    assert "year" in group["form"].errors
    assert not Appraisal.objects.exists()


def test_appraisal_year_input_carries_min_and_max(client, world):
    teacher = world["teachers"]["a"]
    record = teacher_record_add(
        actor=world["users"]["admin"],
        teacher=teacher,
        kind="appraisal",
        data={"year": 2024, "grade": "excellent"},
    )
    client.force_login(world["users"]["school"])

    html = client.get(_urls(teacher, "appraisal", record)[0]).content.decode()

    assert 'min="1950"' in html and 'max="2100"' in html


def test_a_person_entering_a_title_or_a_post_gives_its_date(world):
    """The registry may lack these dates (an import's file left them out), but the forms a
    person fills in still ask for them: nothing falls back on today's date."""
    from qiangshi.web.forms import EmploymentChangeForm, record_form_class

    title = record_form_class("title")({"rank": "first"})
    assert not title.is_valid() and "obtained_on" in title.errors
    move = EmploymentChangeForm(
        {"school": world["schools"]["b"].pk, "employment_type": "established"},
        actor=world["users"]["admin"],
    )
    assert not move.is_valid() and "start_date" in move.errors
