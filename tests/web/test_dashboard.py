"""The dashboard: figures over the actor's scope, or a short page for roles that see no registry."""

import json
import re

import pytest
from django.urls import reverse

from qiangshi.teachers.services import teacher_record_add

pytestmark = pytest.mark.django_db


def _data(response) -> dict:
    html = response.content.decode()
    found = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert found, "no chart data on the page"
    return json.loads(found.group(1))


def _kpi(response, name: str) -> str:
    html = response.content.decode()
    return re.search(rf'id="kpi-{name}">([^<]*)<', html).group(1).strip()


def test_district_dashboard_counts_only_its_two_teachers(client, world):
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:dashboard"))
    data = _data(response)
    assert data["total"] == 2
    assert [(s["code"], s["value"]) for s in data["stage"]] == [("primary", 2)]
    assert sum(data["pyramid"]["female"]) + sum(data["pyramid"]["male"]) == 2
    assert _kpi(response, "teachers") == "2"
    assert _kpi(response, "schools") == "2"


def test_bureau_dashboard_spans_its_city(client, world):
    client.force_login(world["users"]["bureau"])
    data = _data(client.get(reverse("web:dashboard")))
    assert data["total"] == 3
    assert {s["code"]: s["value"] for s in data["stage"]} == {"primary": 2, "junior": 1}
    assert sum(data["pyramid"]["male"]) == 1


def test_pilot_office_home_is_the_pilot_regions(client, world):
    client.force_login(world["users"]["pilot"])
    page = client.get(reverse("web:dashboard")).content.decode()
    assert 'id="pilot-regions"' in page and "厦门市" in page and "dashboard-data" not in page


def test_chart_labels_are_the_translated_choice_labels(client, world):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(world["users"]["district"])
    data = _data(client.get(reverse("web:dashboard")))
    assert data["stage"][0]["name"] == "Primary"
    assert {s["name"] for s in data["employment_type"]} == {"Established"}
    assert data["pyramid"]["female_label"] == "Female"


def test_backbone_and_bachelor_figures_follow_the_records(client, world):
    admin = world["users"]["admin"]
    a = world["teachers"]["a"]
    teacher_record_add(
        actor=admin,
        teacher=a,
        kind="recognition",
        data={"kind": "backbone", "level": "district", "start_date": "2020-01-01"},
    )
    teacher_record_add(
        actor=admin,
        teacher=a,
        kind="education",
        data={"level": "bachelor", "institution": "厦门大学", "end_date": "2007-07-01"},
    )
    client.force_login(world["users"]["district"])
    response = client.get(reverse("web:dashboard"))
    assert _kpi(response, "backbone") == "1"
    assert _kpi(response, "bachelor") == "50.0%"
    assert {s["code"]: s["value"] for s in _data(response)["education"]} == {
        "bachelor": 1,
        "": 1,
    }


def test_auditor_gets_a_link_to_the_audit_log_instead_of_charts(client, world):
    client.force_login(world["users"]["auditor"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert "dashboard-data" not in html
    assert reverse("web:audit_log") in html


@pytest.mark.parametrize("role", ["reviewer", "teacher"])
def test_roles_without_aggregates_see_no_figures(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("web:dashboard"))
    assert response.status_code == 200
    assert "dashboard-data" not in response.content.decode()


def test_teacher_dashboard_links_to_their_own_record(client, world):
    client.force_login(world["users"]["teacher"])
    html = client.get(reverse("web:dashboard")).content.decode()
    assert reverse("web:teacher_detail", args=[world["teachers"]["a"].pk]) in html


def test_each_role_sees_the_work_waiting_for_it_first(world, client):
    """Issue 13 §12: pending change requests for the offices that review them, a submitted
    rotation plan for the bureau, a teacher's own requests."""
    from qiangshi.rotation.models import PlanStatus
    from qiangshi.rotation.services import plan_create
    from qiangshi.teachers.services import change_request_submit

    teacher_user = world["users"]["teacher"]
    change_request_submit(
        actor=teacher_user, kind="contact", payload={"email": "chen@example.cn"}, comment="新邮箱"
    )
    plan = plan_create(actor=world["users"]["bureau"], region_code="350203", year=2027)
    plan.status = PlanStatus.SUBMITTED
    plan.save(update_fields=["status"])

    def work(user):
        client.force_login(user)
        return client.get("/").context["work"]

    school = work(world["users"]["school"])
    assert [i["count"] for i in school if "requests" in i["url"]] == [1]
    bureau = work(world["users"]["bureau"])
    assert any(i["count"] == 1 and "status=submitted" in i["url"] for i in bureau)
    mine = work(teacher_user)
    assert any(i["count"] == 1 and "request" in i["url"] for i in mine)
    assert work(world["users"]["auditor"]) == []
