"""Hours a teacher enters with a certificate: the school approves (a self-reported record) or
rejects with a reason; only the teacher and their school see the claim and its evidence; the
school's inbox holds what waits."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.training import selectors, services
from qiangshi.training.models import ClaimStatus, RecordSource, TrainingRecord
from qiangshi.workflow.selectors import inbox
from tests import factories

PDF = b"%PDF-1.4 certificate"


def _file(name="证书.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _submit(world, **extra):
    values = {
        "date": date(2026, 1, 10),
        "hours": Decimal("30"),
        "category": "online",
        "title": "福建省中小学教师网络研修",
        "provider": "福建省教育厅",
        "evidence": _file(),
    }
    values.update(extra)
    return services.hours_claim_submit(
        actor=world["users"]["teacher"], today=date(2026, 2, 1), **values
    )


def test_approval_puts_self_reported_hours_on_the_record(world):
    claim = _submit(world)
    school = world["users"]["school"]
    [entry] = inbox(school)
    assert (
        "陈静" in entry.title and "福建省中小学教师网络研修" in entry.title and "30" in entry.title
    )
    services.hours_claim_approve(actor=school, claim_pk=claim.pk)
    claim.refresh_from_db()
    record = TrainingRecord.objects.get()
    assert claim.status == ClaimStatus.APPROVED and claim.record == record
    assert record.source == RecordSource.SELF_REPORTED and record.hours == Decimal("30")
    assert record.teacher == world["teachers"]["a"]
    assert inbox(school) == []
    with pytest.raises(ApplicationError):  # reviewed once only
        services.hours_claim_approve(actor=school, claim_pk=claim.pk)
    assert TrainingRecord.objects.count() == 1


def test_rejection_needs_a_reason_and_the_teacher_reads_it(world, client):
    claim = _submit(world)
    school = world["users"]["school"]
    with pytest.raises(ApplicationError):
        services.hours_claim_return(actor=school, claim_pk=claim.pk, reason="  ")
    services.hours_claim_return(actor=school, claim_pk=claim.pk, reason="证书印章不清晰")
    assert not TrainingRecord.objects.exists()
    client.force_login(world["users"]["teacher"])
    body = client.get(reverse("web:training_claims")).content.decode()
    assert "证书印章不清晰" in body and 'class="text-danger claim-reason"' in body


def test_bad_input_is_refused(world):
    with pytest.raises(ApplicationError):
        _submit(world, evidence=_file("证书.html", b"<script>"))
    with pytest.raises(ApplicationError):
        _submit(world, evidence=None)
    with pytest.raises(ApplicationError):  # in the future
        _submit(world, date=date(2026, 3, 1))
    with pytest.raises(ApplicationError):
        _submit(world, hours=Decimal("0"))
    with pytest.raises(Forbidden):
        services.hours_claim_submit(
            actor=world["users"]["school"], date=date(2026, 1, 1), hours=Decimal(1),
            category="online", title="x", evidence=_file(),
        )  # fmt: skip


def test_only_the_teacher_and_their_school_see_the_claim_and_evidence(world, client):
    claim = _submit(world)
    other_school = factories.user("school", school=world["schools"]["b"])
    assert list(selectors.claim_list(actor=other_school)) == []
    for role in ("district", "bureau", "admin"):
        assert list(selectors.claim_list(actor=world["users"][role])) == []
    with pytest.raises(NotFound):
        services.hours_claim_approve(actor=other_school, claim_pk=claim.pk)
    with pytest.raises(PermissionDenied):
        services.hours_claim_approve(actor=world["users"]["district"], claim_pk=claim.pk)
    url = reverse("web:training_claim_evidence", args=[claim.pk])
    for user, expected in (
        (world["users"]["teacher"], 200),
        (world["users"]["school"], 200),
        (other_school, 404),
        (world["users"]["district"], 403),
        (world["users"]["admin"], 403),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == expected, user.role
        if expected == 200:
            assert b"".join(response.streaming_content) == PDF


def test_the_claims_page_submits_and_the_school_approves(world, client):
    client.force_login(world["users"]["teacher"])
    r = client.post(
        reverse("web:training_claims"),
        {"title": "国家智慧教育平台寒假研修", "date": "2026-01-20", "hours": "12",
         "category": "online", "evidence": _file()},
    )  # fmt: skip
    assert r.status_code == 302
    bad = client.post(reverse("web:training_claims"), {"title": "x", "date": "", "hours": "a"})
    assert bad.status_code == 400
    client.force_login(world["users"]["school"])
    body = client.get(reverse("web:training_claims")).content.decode()
    assert "国家智慧教育平台寒假研修" in body
    claim = selectors.claim_list(actor=world["users"]["school"]).get()
    r = client.post(reverse("web:training_claim_approve", args=[claim.pk]))
    assert r.status_code == 302
    assert TrainingRecord.objects.get().source == RecordSource.SELF_REPORTED


def test_claims_api(world, api_as):
    teacher = api_as("teacher")
    r = teacher.client.post(
        "/api/training/claims",
        {"date": "2026-01-05", "hours": "6", "category": "other", "title": "校外讲座",
         "evidence": _file("证书.png", b"\x89PNG")},
        headers=teacher.headers,
    )  # fmt: skip
    assert r.status_code == 201, r.json()
    claim_id = r.json()["id"]
    assert api_as("school").get("/api/training/claims").json()["count"] == 1
    assert api_as("district").get("/api/training/claims").status_code == 403
    r = api_as("school").post(f"/api/training/claims/{claim_id}/return", {"reason": "无证书编号"})
    assert r.status_code == 200 and r.json()["status"] == "returned"
    assert r.json()["reason"] == "无证书编号"
