"""Optimistic locking: an edit made on an older version never silently reverts a later save."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from qiangshi.core.errors import EditConflict
from qiangshi.teachers import services
from qiangshi.teachers.models import Teacher, TitleRecord


def _teacher(world) -> Teacher:
    return Teacher.objects.get(pk=world["teachers"]["a"].pk)


def test_every_saved_change_raises_the_version(world):
    admin, teacher = world["users"]["admin"], _teacher(world)
    assert teacher.version == 1
    services.teacher_update(actor=admin, teacher=teacher, data={"address": "思明路1号"})
    assert _teacher(world).version == 2
    services.teacher_update(actor=admin, teacher=teacher, data={"address": "思明路1号"})
    assert _teacher(world).version == 2  # nothing changed, nothing saved


def test_a_stale_edit_that_would_overwrite_is_refused_with_both_values(world):
    admin, district = world["users"]["admin"], world["users"]["district"]
    loaded = _teacher(world).version  # both officials open the form at version 1
    services.teacher_update(
        actor=admin, teacher=_teacher(world), data={"address": "思明路1号"}, version=loaded
    )

    with pytest.raises(EditConflict) as caught:
        services.teacher_update(
            actor=district,
            teacher=_teacher(world),
            data={"address": "", "name": "陈静"},
            version=loaded,
        )

    assert caught.value.conflicts == {"address": ("—", "思明路1号")}
    assert caught.value.version == 2
    teacher = _teacher(world)
    assert teacher.address == "思明路1号" and teacher.version == 2


def test_a_stale_national_id_edit_shows_masked_values(world):
    admin = world["users"]["admin"]
    teacher = _teacher(world)
    services.teacher_update(actor=admin, teacher=teacher, data={"phone": "13900001111"})
    with pytest.raises(EditConflict) as caught:
        services.teacher_update(
            actor=admin, teacher=_teacher(world), data={"phone": "13700002222"}, version=1
        )
    yours, theirs = caught.value.conflicts["phone"]
    assert "13700002222" not in yours and "13900001111" not in theirs  # masked
    assert _teacher(world).phone == "13900001111"


def test_a_stale_record_correction_is_refused(world):
    admin = world["users"]["admin"]
    record = TitleRecord.objects.create(
        teacher=_teacher(world), rank="second", obtained_on=date(2015, 9, 1)
    )
    services.teacher_record_update(actor=admin, record=record, data={"rank": "first"}, version=1)
    with pytest.raises(EditConflict) as caught:
        services.teacher_record_update(
            actor=admin, record=record, data={"rank": "senior"}, version=1
        )
    assert set(caught.value.conflicts) == {"rank"}
    record.refresh_from_db()
    assert record.rank == "first" and record.version == 2


# --- API --------------------------------------------------------------------------------------


def test_api_gives_an_etag_and_answers_409_to_a_stale_if_match(world, api_as):
    teacher = world["teachers"]["a"]
    url = f"/api/teachers/{teacher.pk}"
    first, second = api_as("admin"), api_as("district")
    got = first.get(url)
    assert got["ETag"] == '"1"' and got.json()["version"] == 1

    saved = first.patch(url, {"address": "思明路1号"}, **{"If-Match": got["ETag"]})
    assert saved.status_code == 200 and saved["ETag"] == '"2"'

    refused = second.patch(url, {"address": "湖滨南路2号"}, **{"If-Match": got["ETag"]})
    assert refused.status_code == 409
    body = refused.json()
    assert body["conflicts"] == {"address": {"yours": "湖滨南路2号", "theirs": "思明路1号"}}
    assert body["version"] == 2 and "address" in body["fields"]
    assert _teacher(world).address == "思明路1号"

    # sending the current version (here in the body) keeps the second official's value
    again = second.patch(url, {"address": "湖滨南路2号", "version": 2})
    assert again.status_code == 200 and again.json()["version"] == 3
    assert _teacher(world).address == "湖滨南路2号"


def test_api_record_correction_with_a_stale_version_is_409(world, api_as):
    teacher = world["teachers"]["a"]
    record = TitleRecord.objects.create(
        teacher=teacher, rank="second", obtained_on=date(2015, 9, 1)
    )
    url = f"/api/teachers/{teacher.pk}/records/title/{record.pk}"
    api = api_as("school")
    assert api.patch(url, {"rank": "first", "version": 1}).status_code == 200
    refused = api.patch(url, {"rank": "senior"}, **{"If-Match": '"1"'})
    assert refused.status_code == 409
    assert (
        refused.json()["conflicts"]["rank"]["yours"]
        != refused.json()["conflicts"]["rank"]["theirs"]
    )
    record.refresh_from_db()
    assert record.rank == "first"


def test_api_refuses_a_malformed_if_match(world, api_as):
    teacher = world["teachers"]["a"]
    response = api_as("admin").patch(
        f"/api/teachers/{teacher.pk}", {"address": "x"}, **{"If-Match": "yesterday"}
    )
    assert response.status_code == 422
    assert _teacher(world).address == ""


# --- Web --------------------------------------------------------------------------------------


def _form_data(client, url) -> dict:
    """The edit form's fields as the browser would post them unchanged."""
    page = client.get(url)
    form = page.context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    data["version"] = page.context["version"]
    return data


def test_web_second_save_on_an_old_form_names_the_field_and_both_values(world):
    teacher = world["teachers"]["a"]
    url = reverse("web:teacher_edit", args=[teacher.pk])
    first, second = Client(), Client()
    first.force_login(world["users"]["admin"])
    second.force_login(world["users"]["district"])
    first_form, second_form = _form_data(first, url), _form_data(second, url)
    assert 'name="version" value="1"' in first.get(url).content.decode()

    assert first.post(url, {**first_form, "address": "思明路1号"}).status_code == 302
    page = second.post(url, {**second_form, "former_name": "陈小静"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "思明路1号" in html  # the other official's value, named on the address field
    errors = page.context["form"].errors
    assert "address" in errors and "陈小静" in page.context["form"]["former_name"].value()
    assert 'name="version" value="2"' in html
    teacher = _teacher(world)
    assert teacher.address == "思明路1号" and teacher.former_name == ""
