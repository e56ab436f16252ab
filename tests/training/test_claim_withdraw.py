"""A teacher withdraws hours they entered while the school has not reviewed them: through the
workflow (a `withdraw` step of the teacher's), audited, out of the school's inbox, on the page
(a button asking for confirmation) and through the API."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from qiangshi.access.services import api_token_create
from qiangshi.core.errors import ApplicationError, Forbidden, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.training import services
from qiangshi.training.models import ClaimStatus, HoursClaim, TrainingRecord
from qiangshi.workflow.selectors import history, inbox, item_for
from tests import factories
from tests.api.conftest import ApiClient


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _submit(world, title="福建省中小学教师网络研修"):
    return services.hours_claim_submit(
        actor=world["users"]["teacher"], date=date(2026, 1, 10), hours=Decimal("30"),
        category="online", title=title, today=date(2026, 2, 1),
        evidence=SimpleUploadedFile("证书.pdf", b"%PDF-1.4", content_type="application/pdf"),
    )  # fmt: skip


def test_the_teacher_withdraws_a_pending_claim(world):
    claim = _submit(world)
    teacher, school = world["users"]["teacher"], world["users"]["school"]
    assert len(inbox(school)) == 1
    services.hours_claim_withdraw(actor=teacher, claim_pk=claim.pk)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN
    item = item_for("training_hours_claim", claim.pk)
    assert item.state == "withdrawn"
    assert [s.transition for s in history(item)] == ["", "withdraw"]
    assert history(item)[-1].actor == teacher
    assert inbox(school) == []
    log = AuditLog.objects.get(action="training.claim_withdraw")
    assert log.actor_username == teacher.username
    assert log.changes == {"status": ["pending", "withdrawn"]}
    # Nothing further: not withdrawn twice, not reviewed, nothing on the record.
    with pytest.raises(ApplicationError):
        services.hours_claim_withdraw(actor=teacher, claim_pk=claim.pk)
    with pytest.raises(ApplicationError):
        services.hours_claim_approve(actor=school, claim_pk=claim.pk)
    assert not TrainingRecord.objects.exists()


def test_only_the_teacher_and_only_while_it_waits(world):
    claim = _submit(world)
    with pytest.raises(Forbidden):
        services.hours_claim_withdraw(actor=world["users"]["school"], claim_pk=claim.pk)
    other = factories.user("teacher")
    world["teachers"]["b"].user = other
    world["teachers"]["b"].save(update_fields=["user"])
    with pytest.raises(NotFound):
        services.hours_claim_withdraw(actor=other, claim_pk=claim.pk)
    services.hours_claim_approve(actor=world["users"]["school"], claim_pk=claim.pk)
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        services.hours_claim_withdraw(actor=world["users"]["teacher"], claim_pk=claim.pk)
    assert "awaiting the school's review" in refused.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED and TrainingRecord.objects.count() == 1
    assert not AuditLog.objects.filter(action="training.claim_withdraw").exists()


def test_the_withdraw_button_asks_first_and_withdraws(world, client):
    pending = _submit(world)
    done = _submit(world, title="已审核的研修")
    services.hours_claim_return(actor=world["users"]["school"], claim_pk=done.pk, reason="无证书")
    client.force_login(world["users"]["teacher"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("web:training_claims")).content.decode()
    url = reverse("web:training_claim_withdraw", args=[pending.pk])
    assert f'action="{url}"' in page and "data-confirm=" in page
    assert reverse("web:training_claim_withdraw", args=[done.pk]) not in page
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:training_claims")
    body = response.content.decode()
    assert "Withdrawn: your school will not review these hours." in body
    assert HoursClaim.objects.get(pk=pending.pk).status == ClaimStatus.WITHDRAWN
    with translation.override("zh-hans"):
        client.cookies["django_language"] = "zh-hans"
        assert "已撤回" in client.get(reverse("web:training_claims")).content.decode()
    # The school has no such button and may not post it.
    client.force_login(world["users"]["school"])
    page = client.get(reverse("web:training_claims") + "?status=").content.decode()
    assert "training/claims/" in page and "/withdraw/" not in page
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405


def test_withdraw_through_the_api(world, api_as):
    claim = _submit(world)
    url = f"/api/training/claims/{claim.pk}/withdraw"
    for role in ("school", "district", "admin"):
        assert api_as(role).post(url).status_code == 403, role
    other = factories.user("teacher")
    world["teachers"]["b"].user = other
    world["teachers"]["b"].save(update_fields=["user"])
    stranger = ApiClient(api_token_create(actor=other, name="tests")[1])
    assert stranger.post(url).status_code == 404
    r = api_as("teacher").post(url)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    again = api_as("teacher").post(url)
    assert again.status_code == 400 and again.json()["message"]
    listed = api_as("teacher").get("/api/training/claims", {"status": "withdrawn"}).json()
    assert [c["id"] for c in listed["items"]] == [claim.pk]
    assert api_as("school").get("/api/training/claims", {"status": "pending"}).json()["count"] == 0
