"""Issue 13, item 11: an export is one access-log row (who, when, filter, how many people) with
the people attached, and a search by person finds it as well as the person's own views."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.core.models import AccessLog, AccessLogSubject
from qiangshi.core.services import ExportAccess
from qiangshi.imports.exports import export_file
from qiangshi.teachers import services as teacher_services
from tests import factories

CITY = 300  # teachers besides the four of `world`


@pytest.fixture
def city(world):
    schools = [world["schools"]["a"], world["schools"]["c"]]
    extra = [
        factories.teacher(world["users"]["admin"], schools[i % 2], f"教师{i:03d}")
        for i in range(CITY)
    ]
    return {**world, "extra": extra}


def _export_as_bureau(client, city, **params):
    client.force_login(city["users"]["bureau"])
    response = client.get(reverse("web:teacher_export_template"), params)
    assert response.status_code == 200
    client.logout()
    return response


def test_a_city_export_writes_one_access_row_and_one_subject_per_teacher(client, city):
    _export_as_bureau(client, city)
    # The bureau sees Xiamen: the city teachers and world's three there (not Longyan's).
    expected = {str(t.pk) for t in city["extra"]} | {
        str(city["teachers"][k].pk) for k in ("a", "b", "c")
    }
    log = AccessLog.objects.get()
    assert (log.channel, log.field, log.object_repr) == ("export", "national_id,phone", "teachers")
    assert log.actor_username == city["users"]["bureau"].username
    assert log.subject_count == len(expected) == CITY + 3
    assert AccessLogSubject.objects.count() == len(expected)
    assert set(log.subjects.values_list("object_id", flat=True)) == expected


def test_searching_by_a_teacher_finds_the_export_and_the_individual_views(client, city):
    teacher = city["extra"][6]  # in school A
    other = city["extra"][7]  # in Huli
    _export_as_bureau(client, city, school=city["schools"]["a"].pk)
    teacher_services.teacher_reveal(
        actor=city["users"]["school"], teacher=teacher, field="national_id"
    )
    teacher_services.teacher_reveal(actor=city["users"]["bureau"], teacher=other, field="phone")
    client.force_login(city["users"]["auditor"])

    response = client.get(reverse("web:access_log"), {"object_id": str(teacher.pk)})
    entries = list(response.context["page"].object_list)
    assert [(e.channel, e.actor_username) for e in entries] == [
        ("web", city["users"]["school"].username),
        ("export", city["users"]["bureau"].username),
    ]
    export = entries[1]
    in_school_a = CITY // 2 + 1  # every other city teacher, and 陈静
    assert export.subject_count == in_school_a
    assert export.note == f"school={city['schools']['a'].pk}"
    html = response.content.decode()
    assert f"导出（教师）：{in_school_a} 人" in html  # the page is in Chinese by default
    assert teacher.national_id not in html and teacher.phone not in html

    # A teacher of the other school was not in that export: only their own view is found.
    response = client.get(reverse("web:access_log"), {"object_id": str(other.pk)})
    assert [e.channel for e in response.context["page"].object_list] == ["web"]
    # A field search still finds an export that wrote that field among others.
    response = client.get(reverse("web:access_log"), {"field": "phone"})
    assert [e.channel for e in response.context["page"].object_list] == ["web", "export"]

    response = client.get(reverse("web:access_export"), {"object_id": str(teacher.pk)})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[6], r[7]) for r in rows] == [
        (city["users"]["school"].username, "web", None),
        (city["users"]["bureau"].username, "export", in_school_a),
    ]
    assert teacher.national_id not in str(rows) and teacher.phone not in str(rows)


def test_nothing_sensitive_goes_into_the_export_record(city):
    teacher = city["teachers"]["a"]
    for q in (teacher.national_id, teacher.phone):
        export_file(actor=city["users"]["bureau"], kind="teachers", filters={"q": q})
    for log in AccessLog.objects.all():
        text = " ".join(str(v) for v in (log.object_repr, log.object_id, log.field, log.note))
        assert teacher.national_id not in text
        assert teacher.phone not in text
        assert teacher.national_id[-4:] in text or "138****1234" in text  # masked, not dropped


def test_an_export_in_several_batches_is_still_one_row(world):
    access = ExportAccess(
        actor=world["users"]["admin"],
        object_type="teachers.teacher",
        fields=("national_id",),
        what="teachers",
        note="",
    )
    a, b, c = (world["teachers"][k] for k in "abc")
    access.add([{"pk": a.pk, "national_id": "x"}, {"pk": b.pk, "national_id": ""}])
    access.add([{"pk": c.pk, "national_id": "y"}])
    access.add([{"pk": b.pk, "national_id": None}])  # nothing written in full: not recorded
    log = AccessLog.objects.get()
    assert log.subject_count == 2
    assert sorted(log.subjects.values_list("object_id", flat=True)) == sorted(
        [str(a.pk), str(c.pk)]
    )


def test_an_export_with_nothing_in_full_writes_no_access_row(world):
    access = ExportAccess(
        actor=world["users"]["admin"],
        object_type="teachers.teacher",
        fields=("national_id",),
        what="teachers",
        note="",
    )
    access.add([])
    access.add([{"pk": world["teachers"]["a"].pk, "national_id": ""}])
    assert not AccessLog.objects.exists()
