"""Files through the API as on the pages: a teacher's training transcript (PDF) and the
certificate of hours a teacher entered, for the teacher and their school only, each download
in the audit trail."""

import io
import os
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from qiangshi.access.services import api_token_create
from qiangshi.core.models import AuditLog
from qiangshi.training import services
from qiangshi.training.models import TrainingRecord
from qiangshi.web.balance_pdf import cjk_font
from tests import factories
from tests.api.conftest import ApiClient

PDF = b"%PDF-1.4 certificate"
OFFICES = ("admin", "bureau", "district")
OTHERS = ("reviewer", "pilot", "auditor", "ethics")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def font():
    if cjk_font() is None:
        message = "No CJK font for the PDF: install fonts-wqy-microhei (make system-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _client(user) -> ApiClient:
    return ApiClient(api_token_create(actor=user, name="tests")[1])


@pytest.fixture
def strangers(world):
    """School B's administrator, and teacher B with a login of their own."""
    teacher_b = factories.user("teacher")
    world["teachers"]["b"].user = teacher_b
    world["teachers"]["b"].save(update_fields=["user"])
    return {
        "other_school": _client(factories.user("school", school=world["schools"]["b"])),
        "other_teacher": _client(teacher_b),
    }


def _audited(action: str, user) -> int:
    return AuditLog.objects.filter(action=action, actor_username=user.username).count()


def test_transcript_for_the_teacher_and_their_school(world, api_as, strangers, font):
    a = world["teachers"]["a"]
    TrainingRecord.objects.create(
        teacher=a, date=date(2026, 3, 1), hours=Decimal(12), category="school_based",
        title="校本研修：作业设计", source="import",
    )  # fmt: skip
    url = f"/api/training/teachers/{a.pk}/transcript.pdf"
    for role in ("teacher", "school"):
        user = world["users"][role]
        before = _audited("training.transcript", user)
        r = api_as(role).get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf", role
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
        assert "陈静" in text and "思明第一小学" in text and "校本研修：作业设计" in text
        assert _audited("training.transcript", user) == before + 1
    for role in (*OFFICES, *OTHERS):
        assert api_as(role).get(url).status_code == 403, role
    assert strangers["other_school"].get(url).status_code == 404
    assert strangers["other_teacher"].get(url).status_code == 404
    assert api_as("school").get("/api/training/teachers/99999999/transcript.pdf").status_code == 404


def test_own_transcript_is_a_teachers(world, api_as, strangers, font):
    r = api_as("teacher").get("/api/training/transcript.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert "陈静" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    r = strangers["other_teacher"].get("/api/training/transcript.pdf")
    assert "王芳" in PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    for role in ("school", *OFFICES):  # no record of their own
        assert api_as(role).get("/api/training/transcript.pdf").status_code == 404, role
    for role in OTHERS:
        assert api_as(role).get("/api/training/transcript.pdf").status_code == 403, role
    assert not AuditLog.objects.filter(
        action="training.transcript", actor_username=world["users"]["school"].username
    ).exists()


def test_certificate_for_the_teacher_and_their_school(world, api_as, strangers):
    claim = services.hours_claim_submit(
        actor=world["users"]["teacher"], date=date(2026, 1, 10), hours=Decimal(30),
        category="online", title="福建省中小学教师网络研修",
        evidence=SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf"),
        today=date(2026, 2, 1),
    )  # fmt: skip
    url = f"/api/training/claims/{claim.pk}/evidence"
    for role in ("teacher", "school"):
        user = world["users"][role]
        before = _audited("training.claim_evidence", user)
        r = api_as(role).get(url)
        assert r.status_code == 200, role
        assert b"".join(r.streaming_content) == PDF
        assert "attachment" in r["Content-Disposition"]
        assert _audited("training.claim_evidence", user) == before + 1
    for role in (*OFFICES, *OTHERS):
        assert api_as(role).get(url).status_code == 403, role
    assert strangers["other_school"].get(url).status_code == 404
    assert strangers["other_teacher"].get(url).status_code == 404
    assert api_as("school").get("/api/training/claims/99999999/evidence").status_code == 404
