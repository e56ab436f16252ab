"""The rotation pages, the API and `qiangshi rotation` end to end on the small district."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from qiangshi.access.services import api_token_create
from qiangshi.rotation.models import PlanStatus, RotationPlan

from .world import YEAR


def _create_web(client, rot, django_capture_on_commit_callbacks, user="district"):
    client.force_login(rot["users"][user])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:rotation_create"),
            {"region": "350203", "year": YEAR, "method": "milp", "name": "思明2026"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return RotationPlan.objects.get(name="思明2026")


def test_web_workflow(client, rot, django_capture_on_commit_callbacks):
    # subject needs are on by default in the form only when ticked: here they are off.
    plan = _create_web(client, rot, django_capture_on_commit_callbacks)
    body = client.get(reverse("web:rotation_plan", args=[plan.pk])).content.decode()
    assert plan.result["status"] in ("optimal", "feasible"), plan.result
    move = plan.moves.first()
    assert move.teacher.name in body and move.reason in body
    assert "cv-table" in body and "greedy-card" in body
    xlsx = client.get(reverse("web:rotation_export", args=[plan.pk]))
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["调动", "学校", "区域差异系数", "概况"] or len(wb.sheetnames) == 4
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == plan.moves.count() + 1
    client.post(reverse("web:rotation_submit", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    # The district office has no approve button and cannot approve by posting.
    client.post(reverse("web:rotation_review", args=[plan.pk]), {"decision": "approve"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED
    client.force_login(rot["users"]["bureau"])
    client.post(reverse("web:rotation_review", args=[plan.pk]), {"decision": "approve"})
    client.post(reverse("web:rotation_publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    # The moving teacher sees their own assignment.
    from tests import factories

    u = factories.user("teacher")
    move.teacher.user = u
    move.teacher.save(update_fields=["user"])
    client.force_login(u)
    body = client.get(reverse("web:rotation_home")).content.decode()
    assert move.destination.name in body


def test_pdf_export(client, rot, django_capture_on_commit_callbacks):
    from qiangshi.web.balance_pdf import cjk_font

    if cjk_font() is None:
        pytest.skip("no CJK font installed")
    plan = _create_web(client, rot, django_capture_on_commit_callbacks)
    response = client.get(reverse("web:rotation_pdf", args=[plan.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_web_decisions_and_bad_input(client, rot, django_capture_on_commit_callbacks):
    plan = _create_web(client, rot, django_capture_on_commit_callbacks)
    url = reverse("web:rotation_decide", args=[plan.pk])
    t = rot["people"]["plain2"]
    client.post(url, {"teacher": t.pk, "kind": "must_not"})
    assert plan.decisions.filter(teacher=t, kind="must_not").exists()
    # Bad input: an error message, nothing saved, no 500.
    for data in ({"teacher": "abc", "kind": "must"}, {"teacher": t.pk, "kind": "evil"},
                 {"teacher": t.pk, "kind": "not_to"}):  # fmt: skip
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
    assert plan.decisions.count() == 1
    d = plan.decisions.get()
    client.post(url, {"remove": d.pk})
    assert plan.decisions.count() == 0


def test_eligibility_page_and_export(client, rot):
    client.force_login(rot["users"]["district"])
    url = reverse("web:rotation_eligibility") + f"?region=350203&year={YEAR}&school={rot['u'].pk}"
    body = client.get(url).content.decode()
    assert "新来" in body and "豁免" in body and "照顾家中病人" in body
    response = client.get(url + "&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 19
    exempt = reverse("web:rotation_exempt")
    client.post(exempt, {"teacher": rot["people"]["plain4"].pk, "year": YEAR, "reason": "进修"})
    assert "进修" in client.get(url).content.decode()
    # Another district's region: 404.
    assert client.get(reverse("web:rotation_eligibility") + "?region=350206").status_code == 404


def test_create_form_errors(client, rot):
    client.force_login(rot["users"]["bureau"])
    response = client.post(
        reverse("web:rotation_create"),
        {"region": "3502", "year": YEAR, "method": "milp", "origins": ["350203"]},
    )
    assert response.status_code == 400
    assert RotationPlan.objects.count() == 0


def test_api(client, rot, django_capture_on_commit_callbacks):
    _, key = api_token_create(actor=rot["users"]["district"], name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/rotation/plans",
            {"region": "350203", "year": YEAR, "subject_needs": False},
            content_type="application/json",
            **auth,
        )
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    detail = client.get(f"/api/rotation/plans/{plan_id}", **auth).json()
    assert detail["solve_state"] == "done" and detail["result"]["status"] in ("optimal", "feasible")
    moves = client.get(f"/api/rotation/plans/{plan_id}/moves", **auth).json()
    assert moves["count"] >= 2 and moves["items"][0]["reason"]
    elig = client.get(f"/api/rotation/eligibility?region=350203&year={YEAR}", **auth).json()
    assert elig["quota"]["minimum_rotations"] == 2
    assert client.post(f"/api/rotation/plans/{plan_id}/submit", **auth).json()["status"] == (
        "submitted"
    )
    bad = client.post(
        f"/api/rotation/plans/{plan_id}/review",
        {"approve": True},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 403 and bad.json()["message"]
    # Another district's office does not see the plan.
    from tests import factories

    other = factories.user("district", region=rot["tree"]["huli"])
    _, other_key = api_token_create(actor=other, name="o")
    response = client.get(
        f"/api/rotation/plans/{plan_id}", HTTP_AUTHORIZATION=f"Bearer {other_key}"
    )
    assert response.status_code == 404
    assert (
        client.post(
            "/api/rotation/plans", {"region": "350203"}, content_type="application/json", **auth
        ).status_code
        == 422
    )


def test_command_plan_xlsx_and_json(rot, tmp_path, capsys):
    out = tmp_path / "plan.xlsx"
    call_command(
        "rotation", "plan", "--region", "350203", "--year", str(YEAR), "--out", str(out),
        "--no-subject-needs",
    )  # fmt: skip
    wb = load_workbook(out)
    assert len(wb.sheetnames) == 4 and wb.worksheets[0].max_row >= 3
    capsys.readouterr()
    call_command(
        "rotation", "plan", "--region", "350203", "--year", str(YEAR), "--format", "json",
        "--no-subject-needs", "--method", "greedy",
    )  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["method"] == "greedy" and len(data["moves"]) >= 2
    with pytest.raises(CommandError):
        call_command("rotation", "plan", "--region", "999999", "--year", str(YEAR))


def test_command_apply(rot, django_capture_on_commit_callbacks, capsys):
    from datetime import date

    from qiangshi.rotation import services

    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR, subject_needs=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    services.plan_submit(actor=bureau, plan=plan)
    services.plan_review(actor=bureau, plan=plan, approve=True)
    services.plan_publish(actor=bureau, plan=plan)
    call_command("rotation", "apply", "--today", "2026-08-01")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED
    call_command("rotation", "apply", "--today", date(2026, 9, 1).isoformat())
    plan.refresh_from_db()
    assert plan.status == PlanStatus.EFFECTIVE
    # The teachers moved; the projection of their title and education still is their history.
    from qiangshi.teachers import projection
    from qiangshi.teachers.models import Teacher, TeacherCurrent

    assert TeacherCurrent.objects.count() == Teacher.objects.count()
    assert projection.mismatches() == []


def test_infeasible_plan_page_names_the_constraint(client, rot, django_capture_on_commit_callbacks):
    from qiangshi.rotation import services

    actor = rot["users"]["district"]
    plan = services.plan_create(actor=actor, region_code="350203", year=YEAR, subject_needs=False)
    services.decision_add(
        actor=actor, plan=plan, teacher_pk=rot["people"]["plain0"].pk, kind="must_not"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    client.force_login(actor)
    body = client.get(reverse("web:rotation_plan", args=[plan.pk])).content.decode()
    assert 'id="infeasibility"' in body and "骨干教师所占比例" in body
    assert 'id="plan-submit"' in body  # still a draft; submitting is refused by the service


def test_teacher_page_saves_preferences(client, rot):
    from tests import factories

    teacher = rot["people"]["plain3"]
    user = factories.user("teacher")
    teacher.user = user
    teacher.save(update_fields=["user"])
    client.force_login(user)
    body = client.get(reverse("web:rotation_home")).content.decode()
    assert "my-preferences" in body and rot["r"].name in body and rot["h"].name in body
    assert "<title>我的交流轮岗" in body or "<title>My rotation" in body
    client.post(reverse("web:rotation_preference"), {"year": YEAR + 1, "school": [rot["r"].pk, ""]})
    assert teacher.rotation_preferences.get().schools == [rot["r"].pk]


def test_api_preferences(client, rot):
    from tests import factories

    teacher = rot["people"]["plain3"]
    user = factories.user("teacher")
    teacher.user = user
    teacher.save(update_fields=["user"])
    _, key = api_token_create(actor=user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    ok = client.put(
        "/api/rotation/preferences",
        {"year": YEAR, "school_ids": [rot["r"].pk]},
        content_type="application/json",
        **auth,
    )
    assert ok.status_code == 200 and ok.json()["school_ids"] == [rot["r"].pk]
    bad = client.put(
        "/api/rotation/preferences",
        {"year": YEAR, "school_ids": [rot["u"].pk]},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["fields"]


def test_decisions_by_name_and_school_code(client, rot, django_capture_on_commit_callbacks):
    from tests import factories

    plan = _create_web(client, rot, django_capture_on_commit_callbacks)
    url = reverse("web:rotation_decide", args=[plan.pk])
    client.post(url, {"teacher": "陈五", "kind": "not_to", "school": rot["r"].code})
    d = plan.decisions.get()
    assert (d.teacher, d.kind, d.school) == (rot["people"]["plain4"], "not_to", rot["r"])
    # Two teachers of the district share a name: nothing is saved, the IDs are shown.
    factories.teacher(rot["users"]["admin"], rot["u"], "陈五")
    body = client.post(url, {"teacher": "陈五", "kind": "must_not"}, follow=True)
    assert plan.decisions.count() == 1
    assert str(rot["people"]["plain4"].pk) in body.content.decode()
    client.post(url, {"teacher": "无此人", "kind": "must_not"})
    client.post(url, {"teacher": "陈六", "kind": "must", "school": "NOPE"})
    assert plan.decisions.count() == 1


def test_exemptions_page_searches_paginates_and_exports(client, rot):
    client.force_login(rot["users"]["district"])
    url = reverse("web:rotation_exempt") + f"?region=350203&year={YEAR}"
    client.post(
        reverse("web:rotation_exempt"),
        {"teacher": rot["people"]["plain4"].pk, "year": YEAR, "reason": "进修一年"},
    )
    body = client.get(url).content.decode()
    assert "豁免" in body and "照顾家中病人" in body and "进修一年" in body
    assert "思明实验小学" in body  # the teacher's current school
    found = client.get(url + "&q=进修").content.decode()
    assert "进修一年" in found and "照顾家中病人" not in found
    assert "照顾家中病人" in client.get(url + "&q=思明实验").content.decode()
    assert "进修一年" not in client.get(url + "&q=湖里").content.decode()
    paged = client.get(url + "&per_page=1&page=2").content.decode()
    assert ("进修一年" in paged) != ("照顾家中病人" in paged)  # one of the two per page
    response = client.get(url + "&q=进修&format=xlsx")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][:5] == (
        rot["people"]["plain4"].name,
        rot["u"].code,
        "思明实验小学",
        YEAR,
        "进修一年",
    )
    # The eligibility page shows the first few and links here.
    eligibility = reverse("web:rotation_eligibility") + f"?region=350203&year={YEAR}"
    assert "exemptions-all" in client.get(eligibility).content.decode()
    # Another district's region: 404; a teacher: 403.
    assert client.get(reverse("web:rotation_exempt") + "?region=350206").status_code == 404
    client.force_login(rot["users"]["teacher"])
    assert client.get(url).status_code == 403
