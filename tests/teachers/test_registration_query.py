"""Registering a national ID number that a teacher outside one's area holds: a neutral answer
that does not confirm the number is registered, and a query to the office holding the record."""

from datetime import date

import pytest
from django.urls import reverse

from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.teachers import selectors, services
from qiangshi.teachers.models import RegistrationQuery, Teacher

pytestmark = pytest.mark.django_db

REVEALING = ("Another teacher already has this national ID number.", "已有其他教师使用该身份证号。")


def _data(existing: Teacher, **overrides) -> dict:
    data = {
        "name": "冒名",
        "gender": existing.gender,
        "birth_date": existing.birth_date,
        "national_id": existing.national_id,
        "phone": "13900001111",
    }
    data.update(overrides)
    return data


def _job(school) -> dict:
    return {
        "school": school,
        "employment_type": "established",
        "main_subject": "chinese",
        "start_date": date(2020, 9, 1),
    }


def test_an_id_held_outside_the_scope_gets_a_neutral_message_and_a_query(world):
    holder = world["teachers"]["d"]  # Longyan: outside Siming
    district = world["users"]["district"]
    before = Teacher.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.teacher_create(
            actor=district, data=_data(holder), employment=_job(world["schools"]["a"])
        )
    message = exc.value.fields["national_id"]
    assert message not in REVEALING and "already has" not in message
    assert holder.name not in str(exc.value.fields) and "新罗" not in message
    # Only the number is reported: no other field error that would differ from a free number.
    assert set(exc.value.fields) == {"national_id"}
    assert Teacher.objects.count() == before

    query = RegistrationQuery.objects.get()
    assert query.teacher == holder and query.asked_by == district
    assert AuditLog.objects.filter(action="teacher.registration_query").count() == 1
    # The asking office cannot see the query (nor the teacher); the holding office can.
    assert not selectors.registration_query_list(actor=district).exists()
    from tests import factories

    xinluo = factories.user("district", username="xinluo", region=world["tree"]["xinluo"])
    assert list(selectors.registration_query_list(actor=xinluo)) == [query]


def test_asking_twice_keeps_one_open_query(world):
    holder = world["teachers"]["d"]
    for _ in range(2):
        with pytest.raises(ApplicationError):
            services.teacher_create(
                actor=world["users"]["district"],
                data=_data(holder),
                employment=_job(world["schools"]["a"]),
            )
    assert RegistrationQuery.objects.count() == 1


def test_an_id_held_inside_the_scope_says_so(world):
    holder = world["teachers"]["b"]  # Siming: the district office sees this teacher
    with pytest.raises(ApplicationError) as exc:
        services.teacher_create(
            actor=world["users"]["district"],
            data=_data(holder),
            employment=_job(world["schools"]["a"]),
        )
    assert exc.value.fields["national_id"] in REVEALING
    assert not RegistrationQuery.objects.exists()


def test_changing_an_id_to_one_held_elsewhere_is_neutral_too(world):
    teacher = world["teachers"]["a"]
    holder = world["teachers"]["d"]
    with pytest.raises(ApplicationError) as exc:
        services.teacher_update(
            actor=world["users"]["district"],
            teacher=teacher,
            data={
                "national_id": holder.national_id,
                "birth_date": holder.birth_date,
                "gender": holder.gender,
            },
        )
    assert exc.value.fields["national_id"] not in REVEALING


def test_the_web_form_shows_the_neutral_message(client, world):
    holder = world["teachers"]["d"]
    client.force_login(world["users"]["district"])
    response = client.post(
        reverse("web:teacher_create"),
        {
            "name": "冒名",
            "gender": holder.gender,
            "birth_date": holder.birth_date.isoformat(),
            "national_id": holder.national_id,
            "phone": "13900001111",
            "nationality": "中国",
            "ethnicity": "汉族",
            "political_status": "masses",
            "personnel_status": "active",
            "post_category": "teaching",
            "school": world["schools"]["a"].pk,
            "employment_type": "established",
            "main_subject": "chinese",
            "start_date": "2020-09-01",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert all(text not in html for text in REVEALING), response.context["form"].errors
    assert "national_id" in response.context["form"].errors, response.context["form"].errors
    assert holder.name not in html
    assert RegistrationQuery.objects.filter(teacher=holder).exists()


def test_the_holding_office_sees_and_closes_the_query(client, world):
    holder = world["teachers"]["d"]
    with pytest.raises(ApplicationError):
        services.teacher_create(
            actor=world["users"]["district"],
            data=_data(holder),
            employment=_job(world["schools"]["a"]),
        )
    query = RegistrationQuery.objects.get()
    # The Siming office does not hold the record: no query on its page, and it may not close it.
    client.force_login(world["users"]["district"])
    assert (
        'id="registration-queries"'
        not in client.get(reverse("web:change_request_list")).content.decode()
    )
    url = reverse("web:registration_query_close", args=[query.pk])
    assert client.post(url).status_code == 404

    from tests import factories

    longyan = factories.user("district", username="longyan", region=world["tree"]["longyan"])
    client.force_login(longyan)
    page = client.get(reverse("web:change_request_list")).content.decode()
    assert 'id="registration-queries"' in page and holder.name in page
    assert client.post(url).status_code == 302
    query.refresh_from_db()
    assert query.closed_by == longyan
    assert (
        'id="registration-queries"'
        not in client.get(reverse("web:change_request_list")).content.decode()
    )
