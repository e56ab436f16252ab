"""Audit and access log pages: the auditor only (not even the administrator: separation of
duties), searchable, exportable."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from qiangshi.core.models import AuditLog
from qiangshi.org import services as org_services
from qiangshi.teachers import services as teacher_services

ALLOWED = {"auditor"}
ROLES = ["admin", "bureau", "district", "school", "teacher", "reviewer", "pilot", "auditor"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", ["audit_log", "audit_export", "access_log", "access_export"])
def test_log_pages_are_forbidden_to_everyone_but_the_auditor(client, world, role, url_name):
    client.force_login(world["users"][role])
    response = client.get(reverse(f"web:{url_name}"))
    assert response.status_code == (200 if role in ALLOWED else 403)


def test_audit_log_shows_a_service_write_with_before_and_after(client, world):
    school = world["schools"]["a"]
    org_services.school_update(
        actor=world["users"]["district"], school=school, data={"name": "思明实验小学"}
    )
    client.force_login(world["users"]["auditor"])
    response = client.get(reverse("web:audit_log"))
    entry = response.context["page"].object_list[0]
    assert entry.action == "school.update"
    name = str(type(school)._meta.get_field("name").verbose_name)
    assert entry.change_rows == [{"field": name, "before": "思明第一小学", "after": "思明实验小学"}]
    assert entry.action_label == "学校：已修改" and "学校" in entry.object_type_label
    html = response.content.decode()
    assert "思明第一小学" in html and "思明实验小学" in html
    assert world["users"]["district"].username in html


def _actions(response) -> list[str]:
    return [e.action for e in response.context["page"].object_list]


def test_audit_search_filters_by_actor_action_object_and_date(client, world):
    district, admin = world["users"]["district"], world["users"]["admin"]
    a, b = world["schools"]["a"], world["schools"]["b"]
    org_services.school_update(actor=district, school=a, data={"address": "一号"})
    org_services.school_update(actor=admin, school=b, data={"address": "二号"})
    client.force_login(world["users"]["auditor"])
    url = reverse("web:audit_log")

    by_actor = client.get(url, {"actor": district.username})
    assert _actions(by_actor) == ["school.update"]

    by_action = client.get(url, {"action": "school."})
    assert set(_actions(by_action)) == {"school.update"}
    assert len(_actions(by_action)) == 2

    by_object = client.get(url, {"object_type": "org.school", "object_id": str(b.pk)})
    assert [e.object_id for e in by_object.context["page"].object_list] == [str(b.pk)]

    by_text = client.get(url, {"q": b.name})
    assert {e.object_id for e in by_text.context["page"].object_list} == {str(b.pk)}

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert _actions(client.get(url, {"date_from": tomorrow})) == []
    today = timezone.localdate().isoformat()
    assert len(_actions(client.get(url, {"date_from": today, "date_to": today}))) == (
        AuditLog.objects.count()
    )


def test_audit_export_contains_the_filtered_rows(client, world):
    org_services.school_update(
        actor=world["users"]["district"], school=world["schools"]["a"], data={"address": "一号"}
    )
    client.force_login(world["users"]["auditor"])
    response = client.get(reverse("web:audit_export"), {"action": "school.update"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1
    assert rows[0][2:4] == ("学校：已修改", "school.update")
    assert "地址" in rows[0][7] and "一号" in rows[0][7]


def test_access_log_lists_who_viewed_which_sensitive_field(client, world):
    teacher = world["teachers"]["a"]
    teacher_services.teacher_reveal(
        actor=world["users"]["school"], teacher=teacher, field="national_id"
    )
    teacher_services.teacher_reveal(
        actor=world["users"]["district"], teacher=teacher, field="phone"
    )
    client.force_login(world["users"]["auditor"])
    response = client.get(reverse("web:access_log"), {"actor": world["users"]["school"].username})
    entries = list(response.context["page"].object_list)
    assert [(e.field, e.object_id) for e in entries] == [("national_id", str(teacher.pk))]
    assert teacher.national_id not in response.content.decode()

    response = client.get(reverse("web:access_export"), {"field": "phone"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[5]) for r in rows] == [(world["users"]["district"].username, "phone")]


def test_an_auditor_follows_a_teacher_outside_their_view_to_the_logs_summary(client, world):
    teacher = world["teachers"]["a"]
    teacher_services.teacher_reveal(
        actor=world["users"]["school"], teacher=teacher, field="national_id"
    )
    client.force_login(world["users"]["auditor"])
    summary = reverse("web:audit_record", args=["teachers.teacher", teacher.pk])
    assert summary in client.get(reverse("web:audit_log")).content.decode()
    assert summary in client.get(reverse("web:access_log")).content.decode()
    # The record's own page is outside the auditor's view...
    assert client.get(reverse("web:teacher_detail", args=[teacher.pk])).status_code == 404
    # ...its summary in the logs is not: who created it, who saw the ID number.
    response = client.get(summary)
    html = response.content.decode()
    assert response.status_code == 200
    assert teacher.name in html and "教师：已新建" in html
    assert "身份证" in html and world["users"]["school"].username in html
    assert teacher.national_id not in html and teacher.phone not in html
    assert reverse("web:teacher_detail", args=[teacher.pk]) not in html
    client.cookies["django_language"] = "en"
    assert "Teacher: created" in client.get(summary).content.decode()


def test_the_logs_summary_is_for_readers_of_the_logs_only(client, world):
    teacher = world["teachers"]["a"]
    summary = reverse("web:audit_record", args=["teachers.teacher", teacher.pk])
    for role in ("bureau", "school", "teacher", "reviewer"):
        client.force_login(world["users"][role])
        assert client.get(summary).status_code == 403, role
