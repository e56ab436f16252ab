"""The plan workflow through the services: create → solve → decisions → submit → review →
publish → apply, with scoping and the audit trail."""

from datetime import date

import pytest

from qiangshi.balance.selectors import district_cvs
from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.rotation import selectors, services
from qiangshi.rotation.models import PlanStatus, SolveState
from qiangshi.teachers.models import Employment

from .world import ON, YEAR


def _solved(rot, capture, actor=None, **kw):
    actor = actor or rot["users"]["district"]
    plan = services.plan_create(
        actor=actor, region_code="350203", year=YEAR, subject_needs=False, **kw
    )
    with capture(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    plan.refresh_from_db()
    return plan


def test_solve_meets_quotas_and_moves_only_eligible(rot, django_capture_on_commit_callbacks):
    plan = _solved(rot, django_capture_on_commit_callbacks)
    assert plan.solve_state == SolveState.DONE
    assert plan.result["status"] in ("optimal", "feasible")
    moves = list(plan.moves.select_related("teacher"))
    eligible = {c.teacher_id for c in selectors.candidates(rot["tree"]["siming"], YEAR)[1]
                if c.eligible}  # fmt: skip
    assert len(moves) >= 2  # ceil(10% of 11 eligible)
    assert all(m.teacher_id in eligible for m in moves)
    assert all(m.origin == rot["u"] and m.destination == rot["r"] for m in moves)
    assert sum(m.is_backbone for m in moves) >= 0.2 * len(moves)
    # Every move says why, with names: the rural school lacks a backbone teacher (one per 100
    # pupils: 95 pupils, none on the roll) and the backbone teacher is one.
    assert all(rot["r"].name in m.reason and m.teacher.name in m.reason for m in moves)
    backbone = next(m for m in moves if m.is_backbone)
    assert "骨干教师" in backbone.reason or "backbone teacher" in backbone.reason
    # the CVs per district and stage are the balance module's, before and after
    assert set(plan.result["cv_before"]) == {"350203"}
    assert plan.result["cv_before"]["350203"] == district_cvs(
        district=rot["tree"]["siming"], year=2025
    )
    assert plan.result["balance_years"] == {"350203": 2025}
    # after: the same function, with each mover's counts taken from the origin's primary part
    # and added to the destination's (computed here by hand)
    changes = {}
    for m in moves:
        flags = {"higher_degree_teachers": 0.0, "backbone_teachers": float(m.is_backbone),
                 "pe_arts_teachers": float(m.subject == "pe")}  # fmt: skip
        for school, sign in ((m.origin, -1), (m.destination, 1)):
            delta = changes.setdefault((school.code, "primary"), dict.fromkeys(flags, 0.0))
            for key, value in flags.items():
                delta[key] += sign * value
    assert plan.result["cv_after"]["350203"] == district_cvs(
        district=rot["tree"]["siming"], year=2025, changes=changes
    )
    assert plan.result["cv_after"] != plan.result["cv_before"]
    assert plan.result["greedy"]["objective"] >= plan.result["objective"] - 1e-6
    assert AuditLog.objects.filter(action="rotation.solve", object_id=str(plan.pk)).exists()


def test_subject_needs_are_met(rot, django_capture_on_commit_callbacks):
    actor = rot["users"]["district"]
    plan = services.plan_create(actor=actor, region_code="350203", year=YEAR)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    plan.refresh_from_db()
    assert plan.result["status"] in ("optimal", "feasible")
    pe = plan.moves.get(teacher=rot["people"]["plain7"])
    assert pe.destination == rot["r"]
    assert "体育" in pe.reason or "PE" in pe.reason


def test_greedy_method(rot, django_capture_on_commit_callbacks):
    plan = _solved(rot, django_capture_on_commit_callbacks, method="greedy")
    assert plan.result["method"] == "greedy" and plan.moves.count() >= 2


def test_decisions_are_honoured(rot, django_capture_on_commit_callbacks):
    actor = rot["users"]["district"]
    plan = _solved(rot, django_capture_on_commit_callbacks)
    moved = plan.moves.exclude(is_backbone=True).first().teacher
    services.decision_add(actor=actor, plan=plan, teacher_pk=moved.pk, kind="must_not")
    fixed = rot["people"]["plain7"]
    if plan.moves.filter(teacher=fixed).exists():
        fixed = rot["people"]["plain6"]
    services.decision_add(
        actor=actor, plan=plan, teacher_pk=fixed.pk, kind="must", school_pk=rot["r"].pk
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    teachers = set(plan.moves.values_list("teacher_id", flat=True))
    assert moved.pk not in teachers and fixed.pk in teachers


def test_forbidding_every_backbone_move_is_reported_infeasible(
    rot, django_capture_on_commit_callbacks
):
    actor = rot["users"]["district"]
    plan = services.plan_create(actor=actor, region_code="350203", year=YEAR, subject_needs=False)
    services.decision_add(
        actor=actor, plan=plan, teacher_pk=rot["people"]["plain0"].pk, kind="must_not"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    plan.refresh_from_db()
    assert plan.result["status"] == "infeasible"
    assert "backbone_share" in plan.result["infeasible_groups"]
    assert plan.result["message"]
    assert plan.moves.count() == 0
    with pytest.raises(ApplicationError):
        services.plan_submit(actor=actor, plan=plan)


def test_full_workflow_to_new_employments(rot, django_capture_on_commit_callbacks):
    district, bureau = rot["users"]["district"], rot["users"]["bureau"]
    plan = _solved(rot, django_capture_on_commit_callbacks)
    services.plan_submit(actor=district, plan=plan)
    with pytest.raises(ApplicationError):  # submitted plans are frozen
        services.decision_add(
            actor=district, plan=plan, teacher_pk=rot["people"]["plain1"].pk, kind="must_not"
        )
    with pytest.raises(ApplicationError):  # a district office cannot approve
        services.plan_review(actor=district, plan=plan, approve=True)
    with pytest.raises(ApplicationError):  # returning needs a reason
        services.plan_review(actor=bureau, plan=plan, approve=False, comment=" ")
    services.plan_review(actor=bureau, plan=plan, approve=False, comment="骨干比例再提高")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.RETURNED and plan.is_editable
    services.plan_submit(actor=district, plan=plan)
    services.plan_review(actor=bureau, plan=plan, approve=True)
    moves = list(plan.moves.all())
    mover = moves[0].teacher
    assert list(selectors.my_moves(_teacher_user(mover))) == []  # not yet published
    services.plan_publish(actor=bureau, plan=plan)
    assert [m.pk for m in selectors.my_moves(_teacher_user(mover))] == [moves[0].pk]
    with pytest.raises(ApplicationError):
        services.plan_apply(actor=bureau, plan=plan, today=date(2026, 8, 31))
    n = services.plan_apply(actor=bureau, plan=plan, today=ON)
    assert n == len(moves)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.EFFECTIVE
    for m in moves:
        jobs = list(Employment.objects.filter(teacher=m.teacher_id).order_by("start_date"))
        assert jobs[-1].school_id == rot["r"].pk and jobs[-1].end_date is None
        assert jobs[-1].start_date == ON
        assert jobs[-2].end_date == date(2026, 8, 31)
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"rotation.create", "rotation.submitted", "rotation.returned", "rotation.approved",
            "rotation.published", "rotation.effective", "employment.rotate"} <= actions  # fmt: skip


def _teacher_user(teacher):
    from tests import factories

    u = factories.user("teacher")
    teacher.user = u
    teacher.save(update_fields=["user"])
    return u


def test_apply_stops_when_the_registry_changed(rot, django_capture_on_commit_callbacks):
    bureau = rot["users"]["bureau"]
    plan = _solved(rot, django_capture_on_commit_callbacks, actor=bureau)
    services.plan_submit(actor=bureau, plan=plan)
    services.plan_review(actor=bureau, plan=plan, approve=True)
    services.plan_publish(actor=bureau, plan=plan)
    gone = plan.moves.first().teacher
    Employment.objects.filter(teacher=gone, end_date__isnull=True).update(end_date=date(2026, 5, 1))
    before = Employment.objects.count()
    with pytest.raises(ApplicationError, match=gone.name):
        services.plan_apply(actor=bureau, plan=plan, today=ON)
    assert Employment.objects.count() == before
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PUBLISHED


def test_scoping(rot):
    with pytest.raises(NotFound):  # Huli is not the Siming office's
        services.plan_create(actor=rot["users"]["district"], region_code="350206", year=YEAR)
    with pytest.raises(ApplicationError):
        services.plan_create(actor=rot["users"]["school"], region_code="350203", year=YEAR)
    city = services.plan_create(
        actor=rot["users"]["bureau"],
        region_code="3502",
        year=YEAR,
        origins=["350203"],
        destinations=["350206"],
    )
    # A district office sees the city plan but may not change it.
    assert selectors.plan_get(rot["users"]["district"], city.pk) == city
    with pytest.raises(ApplicationError):
        services.plan_solve(actor=rot["users"]["district"], plan=city)
    # Schools and teachers do not see drafts.
    with pytest.raises(NotFound):
        selectors.plan_get(rot["users"]["school"], city.pk)


def test_programme_validation(rot):
    bureau = rot["users"]["bureau"]
    with pytest.raises(ApplicationError):
        services.plan_create(actor=bureau, region_code="3502", year=YEAR, origins=["350203"])
    with pytest.raises(ApplicationError):
        services.plan_create(
            actor=bureau, region_code="3502", year=YEAR, origins=["350203"],
            destinations=["350802"],
        )  # fmt: skip
    with pytest.raises(ApplicationError):
        services.plan_create(
            actor=bureau, region_code="3502", year=YEAR, origins=["350203"],
            destinations=["350203"],
        )  # fmt: skip


def test_exemptions(rot):
    district = rot["users"]["district"]
    teacher = rot["people"]["plain3"]
    with pytest.raises(ApplicationError):
        services.exemption_add(actor=district, teacher_pk=teacher.pk, year=YEAR, reason="")
    e = services.exemption_add(actor=district, teacher_pk=teacher.pk, year=YEAR, reason="病假")
    people = {c.teacher_id: c for c in selectors.candidates(rot["tree"]["siming"], YEAR)[1]}
    assert people[teacher.pk].reasons == ["exempt"]
    services.exemption_remove(actor=district, exemption_pk=e.pk)
    people = {c.teacher_id: c for c in selectors.candidates(rot["tree"]["siming"], YEAR)[1]}
    assert people[teacher.pk].eligible
    with pytest.raises(NotFound):  # a teacher in Huli
        services.exemption_add(
            actor=district, teacher_pk=rot["people"]["huli"].pk, year=YEAR, reason="x"
        )


def test_teacher_preferences_reach_the_optimiser(rot, django_capture_on_commit_callbacks):
    from tests import factories

    teacher = rot["people"]["plain3"]
    user = factories.user("teacher")
    teacher.user = user
    teacher.save(update_fields=["user"])
    with pytest.raises(ApplicationError):  # own school
        services.preference_set(actor=user, year=YEAR, school_pks=[rot["u"].pk])
    with pytest.raises(ApplicationError):  # not a teacher
        services.preference_set(actor=rot["users"]["district"], year=YEAR, school_pks=[])
    with pytest.raises(ApplicationError):  # too many
        services.preference_set(actor=user, year=YEAR, school_pks=[rot["r"].pk, 1, 2, 3])
    services.preference_set(actor=user, year=YEAR, school_pks=[rot["r"].pk, rot["h"].pk])
    inp = selectors.plan_input(rot["tree"]["siming"], YEAR, overrides={"subject_needs": False})
    mine = next(t for t in inp.teachers if t.id == str(teacher.pk))
    assert mine.preference == (str(rot["r"].pk), str(rot["h"].pk))
    # Must move: the teacher goes to R, their first choice, and the reason says so.
    actor = rot["users"]["district"]
    plan = services.plan_create(actor=actor, region_code="350203", year=YEAR, subject_needs=False)
    services.decision_add(actor=actor, plan=plan, teacher_pk=teacher.pk, kind="must")
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_solve(actor=actor, plan=plan)
    move = plan.moves.get(teacher=teacher)
    assert move.destination == rot["r"]
    assert "第 1 志愿" in move.reason or "choice 1" in move.reason
