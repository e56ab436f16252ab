"""Separation of duties, as a matrix: who may read the logs and who may take business decisions.

The system administrator runs the system but reads no audit or access log and approves nothing;
the auditor reads the logs and nothing else; offices decide but do not read the logs.
"""

from datetime import date

import pytest
from django.urls import reverse

from qiangshi.access.models import Role
from qiangshi.access.permissions import ROLE_PERMISSIONS, has_perm
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.teachers import services as teacher_services
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]

# duty → the roles that hold it; every other role must not.
DUTIES = {
    "auditlog.view": {"auditor"},
    "auditlog.export": {"auditor"},
    "accesslog.view": {"auditor"},
    "accesslog.export": {"auditor"},
    "changerequest.review": {"bureau", "district", "school"},
    "rotation.review": {"bureau"},
    "sanction.create": {"bureau", "district"},
    "placement.change": {"bureau", "district"},
    "entryrequest.review": {"bureau", "district"},  # requests to enter schools (POLICY §9)
    "burdenreport.create": {"teacher"},  # anonymous reports: teachers only
    "user.create": {"admin"},
    "loginlock.view": {"admin"},
    "loginlock.change": {"admin"},
    "region.create": {"admin"},
    "teacher.create": {"admin", "bureau", "district", "school"},
    # Ethics case content: the ethics officers, the teacher concerned (own cases), auditors.
    "ethicscase.view": {"ethics", "teacher", "auditor"},
    "ethicscase.create": {"ethics"},
    "ethicscase.change": {"ethics"},
    "ethicsfile.change": {"ethics"},
    "ethicsbar.view": {"admin", "bureau", "district", "school", "teacher", "ethics"},
    # Who reviews titles, the conflicts declared and the weak schools: the offices' decisions.
    "reviewerprofile.change": {"bureau", "district"},
    "reviewerrelation.create": {"bureau", "district"},
    "weakschool.create": {"bureau", "district"},
}


@pytest.mark.parametrize("duty", sorted(DUTIES))
@pytest.mark.parametrize("role", ROLES)
def test_duty_matrix(role, duty):
    user = factories.user(role, username=f"{role}-duty")
    assert has_perm(user, duty) == (role in DUTIES[duty]), (role, duty)


def test_the_auditor_holds_no_permission_but_reading_the_logs_and_ethics_cases():
    auditor = factories.user("auditor", username="auditor-only")
    every_perm = set().union(*(p for p in ROLE_PERMISSIONS.values())) - {"*"}
    every_perm |= set(DUTIES)
    held = {p for p in every_perm if has_perm(auditor, p)}
    assert held == {
        "auditlog.view",
        "auditlog.export",
        "accesslog.view",
        "accesslog.export",
        "ethicscase.view",
        "ethicsfile.view",
    }


def test_the_administrator_cannot_open_or_export_the_logs(client, world):
    client.force_login(world["users"]["admin"])
    for name in ("audit_log", "audit_export", "access_log", "access_export"):
        assert client.get(reverse(f"web:{name}")).status_code == 403, name
    nav = [link["url_name"] for link in client.get("/").context["nav_links"]]
    assert "web:audit_log" not in nav and "web:access_log" not in nav


def test_the_administrator_cannot_approve_a_change_request(world):
    request = teacher_services.change_request_submit(
        actor=world["users"]["teacher"], kind="contact", payload={"email": "t@example.com"}
    )
    with pytest.raises(ApplicationError):
        teacher_services.change_request_approve(actor=world["users"]["admin"], request=request)
    request.refresh_from_db()
    assert request.status == "pending"
    assert not AuditLog.objects.filter(action__startswith="changerequest.approve").exists()


def test_the_administrator_cannot_review_or_publish_a_rotation_plan(client, world):
    from qiangshi.rotation.models import RotationPlan

    plan = RotationPlan.objects.create(
        region=world["tree"]["siming"], year=2026, effective_date=date(2026, 9, 1)
    )
    client.force_login(world["users"]["admin"])
    for name in ("rotation_review", "rotation_publish", "rotation_apply"):
        response = client.post(reverse(f"web:{name}", args=[plan.pk]), {"decision": "approve"})
        assert response.status_code == 403, name
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_the_auditor_sees_the_logs_and_no_registry_page(client, world):
    client.force_login(world["users"]["auditor"])
    assert client.get(reverse("web:audit_log")).status_code == 200
    assert client.get(reverse("web:access_log")).status_code == 200
    a = world["teachers"]["a"].pk
    school = world["schools"]["a"].pk
    for url in (
        reverse("web:teacher_list"),
        reverse("web:teacher_export"),
        reverse("web:teacher_create"),
        reverse("web:teacher_detail", args=[a]),
        reverse("web:school_list"),
        reverse("web:school_detail", args=[school]),
        reverse("web:change_request_list"),
        reverse("web:rotation_home"),
        reverse("web:placement_home"),
        reverse("web:import_list"),
        reverse("web:login_locks"),
    ):
        assert client.get(url).status_code in (403, 404), url
    nav = {link["url_name"] for link in client.get("/").context["nav_links"]}
    assert nav <= {
        "web:dashboard",
        "web:audit_log",
        "web:access_log",
        "web:api_tokens",
        "web:account_security",
        # Auditors hold ethics cases to account (issue 17), and everyone has an inbox.
        "web:ethics_case_list",
        "web:inbox",
    }


def test_the_auditor_reads_nothing_through_the_api(client, world):
    from qiangshi.access.services import api_token_create

    _, key = api_token_create(actor=world["users"]["auditor"], name="audit")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    for url in ("/api/teachers", "/api/schools", "/api/regions"):
        response = client.get(url, **auth)
        assert response.status_code in (200, 403, 404), url
        if response.status_code == 200:
            assert response.json()["count"] == 0, url
