"""Change requests end to end: a teacher proposes, the school reviews, the record changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qiangshi.core.models import AuditLog
from qiangshi.teachers import services as teacher_services
from qiangshi.teachers.models import ChangeRequest, ChangeRequestStatus, Teacher

NEW_PHONE = "13912345678"


def _submit_contact(client, world, **extra):
    client.force_login(world["users"]["teacher"])
    data = {
        "kind": "contact",
        "phone": NEW_PHONE,
        "comment": "换了新号码",
        "evidence": SimpleUploadedFile("proof.pdf", b"%PDF-1.4 evidence", "application/pdf"),
        **extra,
    }
    return client.post(reverse("web:change_request_create"), data)


@pytest.fixture
def pending(world):
    """A contact change proposed by teacher a through the service."""
    return teacher_services.change_request_submit(
        actor=world["users"]["teacher"],
        kind="contact",
        payload={"phone": NEW_PHONE, "email": "chen@example.cn"},
        comment="",
    )


def test_teacher_proposes_a_new_phone_and_school_admin_approves_it(client, world):
    teacher = world["teachers"]["a"]
    response = _submit_contact(client, world)
    change = ChangeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:change_request_detail", args=[change.pk])
    assert change.status == ChangeRequestStatus.PENDING
    assert NEW_PHONE not in str(change.payload)  # the phone is stored encrypted
    teacher.refresh_from_db()
    assert teacher.phone == "13800001234"

    # The teacher sees it in "my requests".
    response = client.get(reverse("web:change_request_list"))
    assert [c.pk for c in response.context["page"].object_list] == [change.pk]

    # The school administrator sees it pending, with the phone masked, and approves it.
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:change_request_list"))
    assert [c.pk for c in response.context["page"].object_list] == [change.pk]
    response = client.get(reverse("web:change_request_detail", args=[change.pk]))
    html = response.content.decode()
    assert "139****5678" in html
    assert NEW_PHONE not in html
    assert reverse("web:change_request_approve", args=[change.pk]) in html
    assert reverse("web:change_request_evidence", args=[change.pk]) in html

    response = client.post(reverse("web:change_request_approve", args=[change.pk]))
    assert response.status_code == 302
    change.refresh_from_db()
    teacher = Teacher.objects.get(pk=teacher.pk)
    assert change.status == ChangeRequestStatus.APPROVED
    assert teacher.phone == NEW_PHONE
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"change_request.submit", "teacher.update", "change_request.approve"} <= actions
    update = AuditLog.objects.get(action="teacher.update", object_id=str(teacher.pk))
    assert update.actor_username == world["users"]["school"].username
    assert NEW_PHONE not in str(update.changes)


def test_return_with_an_empty_reason_shows_an_error_and_changes_nothing(client, world, pending):
    client.force_login(world["users"]["school"])
    before = AuditLog.objects.count()
    response = client.post(
        reverse("web:change_request_return", args=[pending.pk]), {"reason": "  "}
    )
    assert response.status_code == 200
    assert "reason" in response.context["return_form"].errors
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.PENDING
    assert AuditLog.objects.count() == before
    assert Teacher.objects.get(pk=world["teachers"]["a"].pk).phone == "13800001234"


def test_return_with_a_reason_sends_it_back_to_the_teacher(client, world, pending):
    client.force_login(world["users"]["school"])
    response = client.post(
        reverse("web:change_request_return", args=[pending.pk]), {"reason": "请上传证明"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.RETURNED
    client.force_login(world["users"]["teacher"])
    response = client.get(reverse("web:change_request_detail", args=[pending.pk]))
    assert "请上传证明" in response.content.decode()
    assert Teacher.objects.get(pk=world["teachers"]["a"].pk).phone == "13800001234"


@pytest.mark.parametrize(
    "url_name", ["change_request_detail", "change_request_evidence", "change_request_approve"]
)
def test_school_admin_of_another_school_gets_404(client, world, pending, url_name):
    from tests import factories

    other = factories.user("school", school=world["schools"]["b"])
    client.force_login(other)
    url = reverse(f"web:{url_name}", args=[pending.pk])
    response = client.post(url) if url_name.endswith("approve") else client.get(url)
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.PENDING
    response = client.get(reverse("web:change_request_list"), {"status": "all"})
    assert list(response.context["page"].object_list) == []


def test_teacher_cannot_approve_own_request(client, world, pending):
    client.force_login(world["users"]["teacher"])
    response = client.get(reverse("web:change_request_detail", args=[pending.pk]))
    assert reverse("web:change_request_approve", args=[pending.pk]) not in (
        response.content.decode()
    )
    response = client.post(reverse("web:change_request_approve", args=[pending.pk]))
    assert response.status_code == 404
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.PENDING


def test_teacher_withdraws_a_pending_request(client, world, pending):
    client.force_login(world["users"]["teacher"])
    response = client.post(reverse("web:change_request_withdraw", args=[pending.pk]))
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == ChangeRequestStatus.WITHDRAWN


def test_evidence_downloads_within_scope(client, world):
    _submit_contact(client, world)
    change = ChangeRequest.objects.get()
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:change_request_evidence", args=[change.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
    assert "attachment" in response["Content-Disposition"]


def test_invalid_proposal_shows_field_errors_and_saves_nothing(client, world):
    response = _submit_contact(client, world, phone="12ab", evidence="")
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert not ChangeRequest.objects.exists()


def test_empty_proposal_is_refused(client, world):
    client.force_login(world["users"]["teacher"])
    response = client.post(reverse("web:change_request_create"), {"kind": "contact"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ChangeRequest.objects.exists()


def test_teacher_proposes_a_title_record_that_approval_adds(client, world):
    client.force_login(world["users"]["teacher"])
    response = client.get(reverse("web:change_request_create"), {"kind": "title"})
    assert set(response.context["form"].fields) >= {"rank", "obtained_on", "appointed_on"}
    response = client.post(
        reverse("web:change_request_create"),
        {"kind": "title", "rank": "first", "obtained_on": "2020-09-01"},
    )
    assert response.status_code == 302
    change = ChangeRequest.objects.get()
    assert change.payload == {"rank": "first", "obtained_on": "2020-09-01"}
    client.force_login(world["users"]["school"])
    response = client.get(reverse("web:change_request_detail", args=[change.pk]))
    assert "2020-09-01" in response.content.decode()
    client.post(reverse("web:change_request_approve", args=[change.pk]))
    teacher = world["teachers"]["a"]
    assert list(teacher.title_records.values_list("rank", flat=True)) == ["first"]


def test_only_teachers_may_open_the_proposal_form(client, world):
    client.force_login(world["users"]["school"])
    assert client.get(reverse("web:change_request_create")).status_code == 403


@pytest.mark.parametrize("role", ["auditor", "pilot", "reviewer"])
def test_roles_without_change_requests_get_403_on_the_list(client, world, role):
    client.force_login(world["users"][role])
    assert client.get(reverse("web:change_request_list")).status_code == 403


def test_reviewers_list_defaults_to_pending(client, world, pending):
    client.force_login(world["users"]["school"])
    client.post(reverse("web:change_request_return", args=[pending.pk]), {"reason": "no"})
    response = client.get(reverse("web:change_request_list"))
    assert list(response.context["page"].object_list) == []
    response = client.get(reverse("web:change_request_list"), {"status": "returned"})
    assert [c.pk for c in response.context["page"].object_list] == [pending.pk]


def test_basic_change_proposes_only_the_fields_filled_in(client, world):
    client.force_login(world["users"]["teacher"])
    response = client.get(reverse("web:change_request_create"), {"kind": "basic"})
    form = response.context["form"]
    assert all(form[name].value() in (None, "") for name in form.proposed_names)
    response = client.post(
        reverse("web:change_request_create"),
        {"kind": "basic", "native_place": "福建泉州", "ethnicity": "", "political_status": ""},
    )
    assert response.status_code == 302
    assert ChangeRequest.objects.get().payload == {"native_place": "福建泉州"}
