"""Plans a district office could sign (issue 12): who sees a published plan, the public notice,
terms with their secondments and return, the trade-off's other budgets, principals, and the
command's clean JSON."""

import json
import subprocess
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from qiangshi.access.services import api_token_create
from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.rotation import selectors, services
from qiangshi.rotation.models import MoveForm, PlanStatus
from qiangshi.teachers.models import Employment, Secondment, Teacher
from tests import factories

from .world import ON, YEAR, hire


def _published(rot, django_capture_on_commit_callbacks, **create):
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR, **create)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    assert plan.result["status"] in ("optimal", "feasible"), plan.result
    services.plan_submit(actor=bureau, plan=plan)
    services.plan_review(actor=bureau, plan=plan, approve=True)
    services.plan_publish(actor=bureau, plan=plan)
    return plan


def _teacher_user(teacher):
    u = factories.user("teacher")
    teacher.user = u
    teacher.save(update_fields=["user"])
    return u


def _api(client, user):
    _, key = api_token_create(actor=user, name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_who_sees_a_published_plan(client, rot, django_capture_on_commit_callbacks):
    plan = _published(rot, django_capture_on_commit_callbacks)
    moves = list(plan.moves.select_related("teacher"))
    assert len(moves) >= 2
    mover, other = moves[0].teacher, moves[1].teacher
    # the moving teacher: their own move only (web and API)
    me = _teacher_user(mover)
    client.force_login(me)
    body = client.get(reverse("web:rotation_plan", args=[plan.pk])).content.decode()
    assert mover.name in body and other.name not in body
    assert "result-cards" not in body and "tradeoff" not in body
    api = client.get(f"/api/rotation/plans/{plan.pk}/moves", **_api(client, me)).json()
    assert [r["teacher_id"] for r in api["items"]] == [mover.pk]
    detail = client.get(f"/api/rotation/plans/{plan.pk}", **_api(client, me)).json()
    assert "result" not in detail and "params" not in detail
    # a teacher of the district who does not move: nothing
    bystander = _teacher_user(rot["people"]["new"])
    client.force_login(bystander)
    assert client.get(reverse("web:rotation_plan", args=[plan.pk])).status_code == 404
    assert (
        client.get(f"/api/rotation/plans/{plan.pk}/moves", **_api(client, bystander)).status_code
        == 404
    )
    # the receiving school's administrator: the moves into their school
    school_admin = factories.user("school", school=rot["r"])
    listed = client.get(f"/api/rotation/plans/{plan.pk}/moves", **_api(client, school_admin))
    assert {r["to"] for r in listed.json()["items"]} == {rot["r"].code}
    assert listed.json()["count"] == sum(m.destination_id == rot["r"].pk for m in moves)
    # a school outside the plan's moves: nothing
    quiet = factories.school(rot["tree"]["siming"], "思明安静小学")
    outsider = factories.user("school", school=quiet)
    assert client.get(f"/api/rotation/plans/{plan.pk}", **_api(client, outsider)).status_code == 404
    # before publication the teacher saw nothing either
    draft = services.plan_create(actor=rot["users"]["bureau"], region_code="350203", year=YEAR)
    client.force_login(me)
    assert client.get(reverse("web:rotation_plan", args=[draft.pk])).status_code == 404


def test_public_notice_shows_names_and_schools_only_during_its_period(
    client, rot, django_capture_on_commit_callbacks
):
    plan = _published(rot, django_capture_on_commit_callbacks)
    bystander = _teacher_user(rot["people"]["new"])
    today = date.today()
    with pytest.raises(ApplicationError):  # a district office does not set it
        services.plan_set_notice(actor=rot["users"]["district"], plan=plan, start=today, end=today)
    with pytest.raises(ApplicationError):
        services.plan_set_notice(
            actor=rot["users"]["bureau"], plan=plan, start=today, end=date(2000, 1, 1)
        )
    services.plan_set_notice(
        actor=rot["users"]["bureau"], plan=plan, start=date(2000, 1, 1), end=date(2000, 1, 7)
    )
    client.force_login(bystander)  # the period is over
    assert client.get(reverse("web:rotation_notice", args=[plan.pk])).status_code == 404
    services.plan_set_notice(actor=rot["users"]["bureau"], plan=plan, start=today, end=today)
    page = client.get(reverse("web:rotation_notice", args=[plan.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    move = plan.moves.select_related("teacher", "origin", "destination").first()
    assert move.teacher.name in body and move.destination.name in body
    assert move.reason not in body and "骨干" not in body
    api = client.get(f"/api/rotation/plans/{plan.pk}/notice", **_api(client, bystander)).json()
    assert set(api["items"][0]) == {"name", "from", "to"}
    assert api["count"] == plan.moves.count()
    # the full moves stay hidden from a bystander during the notice
    full = client.get(f"/api/rotation/plans/{plan.pk}/moves", **_api(client, bystander)).json()
    assert full["count"] == 0
    assert AuditLog.objects.filter(action="rotation.notice").count() == 2
    # switched off: gone
    services.plan_set_notice(actor=rot["users"]["bureau"], plan=plan, start=None, end=None)
    assert client.get(reverse("web:rotation_notice", args=[plan.pk])).status_code == 404


def test_a_term_creates_a_secondment_and_ends_it_on_the_return_date(
    rot, django_capture_on_commit_callbacks
):
    plan = _published(rot, django_capture_on_commit_callbacks, form="term", term_years=2)
    moves = list(plan.moves.all())
    assert {m.form for m in moves} == {MoveForm.TERM} and {m.term_years for m in moves} == {2}
    assert moves[0].return_date == date(2028, 9, 1)
    services.plan_apply(actor=rot["users"]["bureau"], plan=plan, today=ON)
    for m in moves:
        # the post stays at home; a secondment at the receiving school
        job = Employment.objects.get(teacher=m.teacher_id, end_date__isnull=True)
        assert job.school_id == m.origin_id
        sec = Secondment.objects.get(teacher=m.teacher_id)
        assert (sec.school_id, sec.start_date, sec.return_date, sec.ended_on) == (
            m.destination_id, ON, date(2028, 9, 1), None
        )  # fmt: skip
        assert Teacher.objects.get(pk=m.teacher_id).personnel_status == "seconded"
    assert services.terms_end(actor=None, today=date(2028, 8, 31)) == 0
    # the teacher's record shows the term
    from django.test import Client

    client = Client()
    client.force_login(rot["users"]["bureau"])
    page = client.get(reverse("web:teacher_detail", args=[moves[0].teacher_id])).content.decode()
    assert 'id="secondments"' in page and moves[0].destination.name in page
    call_command("rotation", "apply", "--today", "2028-09-01")
    for m in moves:
        m.refresh_from_db()
        assert m.returned_on == date(2028, 9, 1)
        assert Secondment.objects.get(teacher=m.teacher_id).ended_on == date(2028, 9, 1)
        assert Teacher.objects.get(pk=m.teacher_id).personnel_status == "active"
    assert services.terms_end(actor=None, today=date(2029, 1, 1)) == 0  # once only
    assert AuditLog.objects.filter(action="rotation.return").exists()


def test_form_and_term_validation(rot, django_capture_on_commit_callbacks):
    bureau = rot["users"]["bureau"]
    with pytest.raises(ApplicationError):
        services.plan_create(
            actor=bureau, region_code="350203", year=YEAR, form="term", term_years=5
        )
    with pytest.raises(ApplicationError):
        services.plan_create(actor=bureau, region_code="350203", year=YEAR, form="holiday")
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    move = plan.moves.first()
    assert move.form == MoveForm.TRANSFER and move.term_years is None
    services.move_set_form(actor=bureau, plan=plan, move_pk=move.pk, form="term", term_years=3)
    move.refresh_from_db()
    assert (move.form, move.term_years) == ("term", 3)
    with pytest.raises(ApplicationError):
        services.move_set_form(actor=bureau, plan=plan, move_pk=move.pk, form="term", term_years=0)
    services.plan_submit(actor=bureau, plan=plan)
    with pytest.raises(ApplicationError):  # frozen once submitted
        services.move_set_form(actor=bureau, plan=plan, move_pk=move.pk, form="transfer")


def test_another_point_of_the_trade_off_can_be_kept(rot, django_capture_on_commit_callbacks):
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    points = plan.result["tradeoff"]
    assert sum(p["chosen"] for p in points) == 1
    assert [p["moves"] for p in points] == sorted(p["moves"] for p in points)
    best = min(p["objective"] for p in points)
    chosen = next(i for i, p in enumerate(points) if p["chosen"])
    assert points[chosen]["objective"] <= best * 1.05 + 1e-6
    assert plan.moves.filter(is_principal=False).count() == points[chosen]["moves"]
    other = len(points) - 1 if chosen != len(points) - 1 else 0
    if other != chosen:
        services.plan_choose_budget(actor=bureau, plan=plan, option=other)
        plan.refresh_from_db()
        assert plan.moves.filter(is_principal=False).count() == points[other]["moves"]
        assert plan.result["tradeoff"][other]["chosen"]
        assert plan.result["cv_before"]["350203"]
    with pytest.raises(ApplicationError):
        services.plan_choose_budget(actor=bureau, plan=plan, option=99)


def test_principals_exchange_and_each_school_keeps_one(rot, django_capture_on_commit_callbacks):
    admin = rot["users"]["admin"]
    # two more primary schools of Siming, each led by a principal of long standing
    schools = [
        factories.school(rot["tree"]["siming"], name, location="rural") for name in ("甲校", "乙校")
    ]
    from .world import enroll

    for school in schools:
        enroll(school, 200)
    lead = {}
    for school, name in zip(schools, ("甲校长", "乙校长"), strict=True):
        lead[school.pk] = hire(admin, school, name, start=date(2012, 9, 1))
        Employment.objects.filter(teacher=lead[school.pk]).update(is_principal=True)
    old = rot["people"]["principal"]
    Employment.objects.filter(teacher=old).update(start_date=date(2010, 9, 1))
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    principals = [lead[schools[0].pk], lead[schools[1].pk], old]
    services.decision_add(actor=bureau, plan=plan, teacher_pk=principals[0].pk, kind="must")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    moved = list(plan.moves.filter(is_principal=True))
    assert len(moved) >= 2, (
        plan.result["principal_notes"],
        plan.result["status"],
        plan.result["message"],
    )
    into = {m.destination_id for m in moved}
    out = {m.origin_id for m in moved}
    assert into == out and len(into) == len(moved)  # exchanges: each school keeps one
    assert plan.result["principal_moves"] == len(moved)
    assert all(m.form == MoveForm.TRANSFER for m in moved)
    assert all("校长" in m.reason or "rincipal" in m.reason for m in moved)
    # no principal counts in the teachers' quota
    assert plan.result["moves"] == plan.moves.filter(is_principal=False).count()


@pytest.mark.django_db(transaction=True)
def test_command_json_is_only_json_with_the_new_keys(rot, tmp_path):
    """Run as a separate process: nothing but the JSON on standard output (the solver's
    banner goes to standard error)."""
    import os

    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        pytest.skip("the child process needs a database file it can open; run on PostgreSQL")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env["DATABASE_URL"] = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    done = subprocess.run(
        [sys.executable, "-m", "qiangshi.cli", "rotation", "plan", "--region", "350203",
         "--year", str(YEAR), "--format", "json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)  # the whole of standard output is JSON
    move = data["moves"][0]
    assert {"form", "term_years", "is_principal", "stage_from", "stage_to", "subject"} <= set(move)
    assert move["stage_from"] == move["stage_to"] == "primary"
    assert set(data["cv_before"]["350203"]) == {"primary"}
    assert "backbone_teachers_per_100" in data["cv_before"]["350203"]["primary"]


def test_command_json_in_process(rot, capsys):
    call_command("rotation", "plan", "--region", "350203", "--year", str(YEAR), "--format", "json")
    out = capsys.readouterr().out
    data = json.loads(out)
    from qiangshi.balance.selectors import district_cvs

    assert data["cv_before"]["350203"] == district_cvs(district=rot["tree"]["siming"], year=2025)
    assert all(m["form"] == "transfer" and m["term_years"] is None for m in data["moves"])
    assert data["tradeoff"] and sum(p["chosen"] for p in data["tradeoff"]) == 1
    assert selectors.PLANNERS  # the offices that see every move
    assert PlanStatus.PUBLISHED


def test_the_plan_page_shows_the_balance_pages_cv(client, rot, django_capture_on_commit_callbacks):
    """The same number on both pages: the plan's "before" CV of each indicator is the balance
    page's CV of the district, stage and school year."""
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    client.force_login(rot["users"]["district"])
    balance = client.get(
        reverse("web:balance_district", args=[rot["tree"]["siming"].pk]),
        {"year": 2025, "stage": "primary"},
    )
    assert balance.status_code == 200
    on_balance = {i["key"]: i["cv"] for i in balance.context["indicators"]}
    page = client.get(reverse("web:rotation_plan", args=[plan.pk]))
    rows = [r for r in page.context["cv"] if r["stage"] in ("小学", "Primary")]
    from qiangshi.engines.rotation import INDICATORS

    assert len(rows) == len(INDICATORS)
    for key, r in zip(INDICATORS, rows, strict=True):
        assert r["before"] == pytest.approx(on_balance[key], abs=1e-4)


def test_the_new_plan_form_takes_the_form_appointments_and_district_checkboxes(
    client, rot, django_capture_on_commit_callbacks
):
    client.force_login(rot["users"]["bureau"])
    page = client.get(reverse("web:rotation_home")).content.decode()
    assert 'type="checkbox" name="origins"' in page and 'name="appointments"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("web:rotation_create"),
            {"region": "350203", "year": YEAR, "method": "greedy", "name": "条款", "form": "term",
             "term_years": 2, "appointments": f"{rot['u'].code}，"},
        )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:1000]
    from qiangshi.rotation.models import RotationPlan

    plan = RotationPlan.objects.get(name="条款")
    assert plan.params["form"] == "term" and plan.params["term_years"] == 2
    assert plan.params["appointments"] == [rot["u"].code]
    assert {m.form for m in plan.moves.filter(is_principal=False)} == {"term"}
    bad = client.post(
        reverse("web:rotation_create"),
        {"region": "350203", "year": YEAR, "method": "greedy", "form": "term",
         "appointments": "NO-SUCH-SCHOOL"},
    )  # fmt: skip
    assert bad.status_code == 400 and "NO-SUCH-SCHOOL" in bad.content.decode()


def test_the_plan_cvs_equal_the_balance_report_command(rot, capsys):
    """`qiangshi rotation plan --format json`'s cv_before equals `qiangshi balance report` for
    the same district and year, stage by stage."""
    call_command("rotation", "plan", "--region", "350203", "--year", str(YEAR), "--format", "json")
    plan = json.loads(capsys.readouterr().out)
    year = plan["balance_years"]["350203"]
    call_command(
        "balance", "report", "--district", "350203", "--year", str(year), "--format", "json"
    )
    report = json.loads(capsys.readouterr().out)
    results = report if isinstance(report, list) else report.get("results", [report])
    assert results
    for result in results:
        cvs = plan["cv_before"]["350203"][result["stage"]]
        for key, ind in result["indicators"].items():
            assert cvs[key] == pytest.approx(ind["cv"], abs=1e-6), key


def test_a_greedy_plan_is_not_said_to_have_run_out_of_time(
    client, rot, django_capture_on_commit_callbacks
):
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR, method="greedy")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    client.force_login(bureau)
    page = client.get(reverse("web:rotation_plan", args=[plan.pk]))
    assert page.context["solver_status"] in ("完整（贪心基线方案）", "Complete (greedy baseline)")


def test_a_solve_stopped_mid_way_is_marked_failed_and_can_run_again(
    client, rot, django_capture_on_commit_callbacks, capsys
):
    from datetime import timedelta

    from django.utils import timezone

    from qiangshi.rotation.models import RotationPlan, SolveState

    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    # a solve that was running when the server stopped: its heartbeat is old
    RotationPlan.objects.filter(pk=plan.pk).update(
        solve_state=SolveState.RUNNING, solve_heartbeat=timezone.now() - timedelta(hours=1)
    )
    fresh = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    RotationPlan.objects.filter(pk=fresh.pk).update(
        solve_state=SolveState.RUNNING, solve_heartbeat=timezone.now()
    )
    call_command("rotation", "recover")
    assert "1 stopped" in capsys.readouterr().out
    plan.refresh_from_db()
    fresh.refresh_from_db()
    assert plan.solve_state == SolveState.FAILED and plan.solve_message
    assert fresh.solve_state == SolveState.RUNNING  # still alive
    assert AuditLog.objects.filter(action="rotation.solve_stopped").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    plan.refresh_from_db()
    assert plan.solve_state == SolveState.DONE and plan.solve_heartbeat is not None
    # the plan page recovers too
    RotationPlan.objects.filter(pk=fresh.pk).update(
        solve_heartbeat=timezone.now() - timedelta(hours=1)
    )
    client.force_login(bureau)
    client.get(reverse("web:rotation_plan", args=[fresh.pk]))
    fresh.refresh_from_db()
    assert fresh.solve_state == SolveState.FAILED


def test_each_reader_sees_the_reasons_in_their_language(
    client, rot, django_capture_on_commit_callbacks
):
    bureau = rot["users"]["bureau"]
    plan = services.plan_create(actor=bureau, region_code="350203", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=bureau, plan=plan)
    move = plan.moves.first()
    assert move.reason and move.reason_en and move.reason != move.reason_en
    assert "km" in move.reason_en and "公里" in move.reason
    client.force_login(bureau)
    client.cookies["django_language"] = "en"
    en = client.get(reverse("web:rotation_plan", args=[plan.pk]))
    client.cookies["django_language"] = "zh-hans"
    zh = client.get(reverse("web:rotation_plan", args=[plan.pk]))
    assert move.reason_en in en.content.decode() and move.reason not in en.content.decode()
    assert move.reason in zh.content.decode()
