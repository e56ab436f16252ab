"""An ethics case from report to appeal on the workflow: who may take each step, what the
teacher sees, the bars its decision derives, encryption at rest and the audit trail."""

from datetime import date, timedelta

import pytest

from qiangshi.core.errors import ApplicationError, NotFound
from qiangshi.core.models import AuditLog
from qiangshi.ethics import selectors, services
from qiangshi.ethics.models import EthicsCase, Sanction
from qiangshi.workflow.selectors import inbox, item_for
from tests import factories

D0 = date(2026, 1, 5)


@pytest.fixture
def officer(world):
    return factories.user("ethics", username="ethics-officer", region=world["tree"]["siming"])


def report(world, officer, teacher="a", **extra):
    return services.case_report(
        actor=officer,
        teacher_pk=world["teachers"][teacher].pk,
        reported_on=D0,
        summary="收受家长礼金",
        guidelines=[9],
        reporter="家长来信",
        today=D0,
        **extra,
    )


def step(actor, case, name, day, comment="", **data):
    return services.case_step(
        actor=actor, case_pk=case.pk, step=name, comment=comment, data=data, today=day
    )


def to_deciding(world, officer):
    case = report(world, officer)
    step(officer, case, "investigate", D0)
    step(officer, case, "request_statement", D0 + timedelta(days=1), findings="属实")
    teacher = world["users"]["teacher"]
    step(teacher, case, "submit_statement", D0 + timedelta(days=3), statement="我接受")
    return case


def test_report_to_appeal_end_to_end(world, officer):
    case = to_deciding(world, officer)
    teacher = world["users"]["teacher"]
    day = date(2026, 2, 1)
    step(
        officer, case, "decide", day,
        sanction_kind="warning", measures=["self_examination"], decision="警告处分",
        decided_on=day, starts_on=day,
    )  # fmt: skip
    step(officer, case, "notify", day)
    item = item_for("ethics_case", case.pk)
    assert (item.state, item.due_on) == ("notice", date(2026, 3, 3))
    step(teacher, case, "appeal", date(2026, 3, 3), appeal="处分过重")
    step(officer, case, "revoke", date(2026, 3, 20), comment="证据不足")
    case.refresh_from_db()
    assert case.appeal_outcome == "revoked" and case.revoked_on == date(2026, 3, 20)
    assert item_for("ethics_case", case.pk).state == "closed"
    sanction = Sanction.objects.get(case=case)
    assert sanction.kind == "warning" and sanction.revoked_on == date(2026, 3, 20)
    t = world["teachers"]["a"]
    assert {b.kind for b in selectors.ethics_bars(t, on=date(2026, 3, 19))} >= {
        "rotation",
        "awards",
    }
    assert selectors.ethics_bars(t, on=date(2026, 3, 20)) == []
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"ethics.case.report", "ethics.case.decide", "ethics.case.revoke"} <= actions


def test_case_text_is_encrypted_at_rest_and_masked_in_the_audit(world, officer):
    case = to_deciding(world, officer)
    row = EthicsCase.objects.get(pk=case.pk)
    for field in ("summary", "reporter", "findings", "statement"):
        assert getattr(row, field)
        assert getattr(row, field) not in getattr(row, f"{field}_encrypted")
    assert "礼金" not in str(list(AuditLog.objects.values_list("changes", flat=True)))


def test_the_teacher_sees_the_case_only_once_asked_and_answers_it(world, officer):
    teacher = world["users"]["teacher"]
    case = report(world, officer)
    with pytest.raises(NotFound):
        selectors.case_get(actor=teacher, pk=case.pk)
    assert inbox(teacher) == []
    step(officer, case, "investigate", D0)
    step(officer, case, "request_statement", D0, findings="属实")
    assert selectors.case_get(actor=teacher, pk=case.pk) == case
    assert [e.object_id for e in inbox(teacher, D0)] == [case.pk]
    assert inbox(officer, D0) == []  # the statement waits for the teacher, not the officer


def test_the_teacher_cannot_decide_and_the_officer_cannot_answer(world, officer):
    case = to_deciding(world, officer)
    with pytest.raises(ApplicationError) as raised:
        step(world["users"]["teacher"], case, "decide", D0, decision="x", sanction_kind="warning")
    assert raised.value.code == "role"
    assert not Sanction.objects.exists()


def test_statement_deadline_edges(world, officer):
    case = report(world, officer)
    step(officer, case, "investigate", D0)
    step(officer, case, "request_statement", D0, findings="属实")
    due = item_for("ethics_case", case.pk).due_on
    assert due == D0 + timedelta(days=10)
    with pytest.raises(ApplicationError) as raised:
        step(officer, case, "proceed", due, comment="逾期")
    assert raised.value.code == "deadline_running"
    with pytest.raises(ApplicationError) as raised:
        step(world["users"]["teacher"], case, "submit_statement", due + timedelta(days=1),
             statement="迟了")  # fmt: skip
    assert raised.value.code == "deadline_passed"
    step(officer, case, "proceed", due + timedelta(days=1), comment="逾期未陈述")
    assert item_for("ethics_case", case.pk).state == "deciding"


def test_measures_only_bar_24_months_but_not_rotation(world, officer):
    case = to_deciding(world, officer)
    day = date(2026, 2, 1)
    step(officer, case, "decide", day, measures=["criticism"], decision="批评教育",
         decided_on=day, starts_on=day)  # fmt: skip
    kinds = {b.kind: b.ends_on for b in selectors.ethics_bars(case.teacher, on=day)}
    assert "rotation" not in kinds and kinds["title_evaluation"] == date(2028, 2, 1)
    assert selectors.ethics_bars(case.teacher, on=day - timedelta(days=1)) == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "x"}, "sanction_kind"),
        ({"decision": "x", "sanction_kind": "flogging"}, "sanction_kind"),
        ({"decision": "x", "measures": ["nothing"]}, "measures"),
        ({"sanction_kind": "warning"}, "decision"),
        ({"decision": "x", "sanction_kind": "warning", "decided_on": date(2026, 2, 1),
          "starts_on": date(2026, 1, 1)}, "starts_on"),
    ],
)  # fmt: skip
def test_a_bad_decision_writes_nothing(world, officer, data, field):
    case = to_deciding(world, officer)
    with pytest.raises(ApplicationError) as raised:
        step(officer, case, "decide", date(2026, 2, 1), **data)
    assert field in raised.value.fields
    assert item_for("ethics_case", case.pk).state == "deciding"
    assert not Sanction.objects.exists()


def test_report_checks_guidelines_text_and_scope(world, officer):
    with pytest.raises(ApplicationError) as raised:
        services.case_report(actor=officer, teacher_pk=world["teachers"]["a"].pk,
                             reported_on=D0, summary="x", guidelines=[11], today=D0)  # fmt: skip
    assert "guidelines" in raised.value.fields
    with pytest.raises(ApplicationError):
        services.case_report(actor=officer, teacher_pk=world["teachers"]["a"].pk,
                             reported_on=D0, summary=" ", guidelines=[1], today=D0)  # fmt: skip
    with pytest.raises(NotFound):  # Huli is outside a Siming officer's area
        report(world, officer, teacher="c")
    assert not EthicsCase.objects.exists()


@pytest.mark.parametrize("role", ["admin", "bureau", "district", "school", "reviewer", "pilot"])
def test_other_roles_may_neither_report_nor_see_cases(world, officer, role):
    from django.core.exceptions import PermissionDenied

    case = report(world, officer)
    actor = world["users"][role]
    with pytest.raises(PermissionDenied):
        report(world, actor)
    assert not selectors.case_list(actor=actor).exists()
    with pytest.raises(NotFound):
        selectors.case_get(actor=actor, pk=case.pk)


def test_auditors_see_every_case_but_take_no_step(world, officer):
    case = report(world, officer)
    auditor = world["users"]["auditor"]
    assert selectors.case_get(actor=auditor, pk=case.pk) == case
    with pytest.raises(ApplicationError) as raised:
        step(auditor, case, "investigate", D0)
    assert raised.value.code == "role"


def test_an_officer_elsewhere_does_not_see_the_case(world, officer):
    case = report(world, officer)
    huli = factories.user("ethics", username="ethics-huli", region=world["tree"]["huli"])
    with pytest.raises(NotFound):
        selectors.case_get(actor=huli, pk=case.pk)
    city = factories.user("ethics", username="ethics-city", region=world["tree"]["xiamen"])
    assert selectors.case_get(actor=city, pk=case.pk) == case


def test_grade_caps_follow_sanctions(world, officer):
    t = world["teachers"]["a"]
    services.sanction_record(actor=world["users"]["district"], teacher_pk=t.pk, kind="warning",
                             decided_on=date(2025, 11, 1))  # fmt: skip
    with pytest.raises(ApplicationError):
        services.assessment_record(actor=officer, teacher_pk=t.pk, year=2025, grade="excellent")
    services.assessment_record(actor=officer, teacher_pk=t.pk, year=2025, grade="pass")
    # The warning ends on 1 May 2026: still active in 2026, so no "excellent" in 2026 either.
    with pytest.raises(ApplicationError):
        services.assessment_record(actor=officer, teacher_pk=t.pk, year=2026, grade="excellent")
    services.assessment_record(actor=officer, teacher_pk=t.pk, year=2024, grade="excellent")


def test_key_rotation_reencrypts_case_text_and_step_comments(world, officer, settings):
    from qiangshi.core import keys
    from qiangshi.workflow.models import WorkStep

    case = report(world, officer)
    step(officer, case, "dismiss", D0, comment="不属实")
    old, new = settings.QIANGSHI_ENCRYPTION_KEY, "a-new-key-for-the-ethics-test"
    keys.key_problem(old)  # the database records the key it was sealed with
    keys.rotate_key(old_key=old, new_key=new, batch_size=1)
    settings.QIANGSHI_ENCRYPTION_KEY = new
    assert EthicsCase.objects.get().summary == "收受家长礼金"
    assert WorkStep.objects.get(transition="dismiss").comment == "不属实"
