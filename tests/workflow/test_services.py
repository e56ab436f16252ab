"""Workflow items: moves recorded with comment and attachments, refusals with the reason and
nothing written, deadlines set per state, history kept, and the inbox per user."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qiangshi.core.errors import ApplicationError
from qiangshi.core.models import AuditLog
from qiangshi.engines.workflow import Definition
from qiangshi.workflow import registry
from qiangshi.workflow.models import WorkItem, WorkStep
from qiangshi.workflow.selectors import allowed_moves, history, inbox
from qiangshi.workflow.services import work_advance, work_start

SPEC = {
    "process": "test_review",
    "version": "3",
    "initial": "draft",
    "states": {"draft": {}, "waiting": {"deadline_days": 5}, "done": {"final": True}},
    "transitions": [
        {"name": "submit", "from": "draft", "to": "waiting", "roles": ["school"]},
        {"name": "approve", "from": "waiting", "to": "done", "roles": ["district"]},
        {"name": "return", "from": "waiting", "to": "draft", "roles": ["district"],
         "comment": "required"},
    ],
}  # fmt: skip
VISIBLE: dict[str, list[int]] = {}


@pytest.fixture
def process():
    proc = registry.Process(
        definition=Definition.from_dict(SPEC),
        label="Test review",
        state_labels={"draft": "Draft", "waiting": "Waiting", "done": "Done"},
        transition_labels={"submit": "Submit", "approve": "Approve", "return": "Return"},
        visible_ids=lambda actor: VISIBLE.get(actor.role, []),
        url=lambda pk: f"/things/{pk}/",
        describe=lambda ids: {i: f"thing {i}" for i in ids},
    )
    registry.register(proc)
    yield proc
    registry._PROCESSES.pop("test_review")
    VISIBLE.clear()


def test_a_full_run_keeps_the_history(world, process):
    school, district = world["users"]["school"], world["users"]["district"]
    item = work_start(actor=school, process="test_review", object_id=7, today=date(2026, 3, 1))
    assert (item.state, item.due_on, item.definition_version) == ("draft", None, "3")
    work_advance(
        actor=school,
        item=item,
        transition="submit",
        comment="please",
        attachments=[SimpleUploadedFile("a.pdf", b"%PDF-1 data", content_type="application/pdf")],
        today=date(2026, 3, 2),
    )
    item.refresh_from_db()
    assert (item.state, item.state_since, item.due_on) == (
        "waiting",
        date(2026, 3, 2),
        date(2026, 3, 7),
    )
    work_advance(actor=district, item=item, transition="approve", today=date(2026, 3, 3))
    steps = history(item)
    assert [(s.transition, s.from_state, s.to_state, s.actor_role) for s in steps] == [
        ("", "", "draft", "school"),
        ("submit", "draft", "waiting", "school"),
        ("approve", "waiting", "done", "district"),
    ]
    assert steps[1].comment == "please" and "please" not in steps[1].comment_encrypted
    attachment = steps[1].attachments.get()
    assert (
        attachment.content() == b"%PDF-1 data"
        and b"PDF" not in attachment.content_encrypted.encode()
    )
    assert AuditLog.objects.filter(action="workflow.test_review.approve").count() == 1


@pytest.mark.parametrize(
    ("actor", "transition", "comment", "message_part"),
    [
        ("teacher", "submit", "", "only"),  # role
        ("school", "approve", "", "not possible"),  # wrong state
        ("school", "fly", "", "Unknown step"),
    ],
)
def test_an_illegal_move_is_refused_with_the_reason_and_writes_nothing(
    world, process, client, actor, transition, comment, message_part
):
    from django.utils import translation

    item = work_start(actor=world["users"]["school"], process="test_review", object_id=1)
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        work_advance(actor=world["users"][actor], item=item, transition=transition)
    assert message_part in raised.value.message_en
    item.refresh_from_db()
    assert item.state == "draft" and WorkStep.objects.filter(item=item).count() == 1


def test_the_role_refusal_names_who_may(world, process):
    item = work_start(actor=world["users"]["school"], process="test_review", object_id=1)
    with pytest.raises(ApplicationError) as raised:
        work_advance(actor=world["users"]["teacher"], item=item, transition="submit")
    assert raised.value.code == "role"
    assert "School administrator" in raised.value.message_en
    assert "学校管理员" in raised.value.message_zh


def test_returning_needs_a_comment(world, process):
    item = work_start(actor=world["users"]["school"], process="test_review", object_id=1)
    work_advance(actor=world["users"]["school"], item=item, transition="submit")
    with pytest.raises(ApplicationError) as raised:
        work_advance(actor=world["users"]["district"], item=item, transition="return")
    assert raised.value.code == "comment_required"
    work_advance(actor=world["users"]["district"], item=item, transition="return", comment="fix")
    item.refresh_from_db()
    assert item.state == "draft" and item.due_on is None


def test_the_inbox_lists_what_waits_for_each_user_most_urgent_first(world, process):
    school, district = world["users"]["school"], world["users"]["district"]
    for pk in (1, 2, 3):
        work_start(actor=school, process="test_review", object_id=pk, today=date(2026, 3, 1))
    work_advance(
        actor=school, item=WorkItem.objects.get(object_id=2), transition="submit",
        today=date(2026, 3, 1),
    )  # fmt: skip
    work_advance(
        actor=school, item=WorkItem.objects.get(object_id=3), transition="submit",
        today=date(2026, 3, 4),
    )  # fmt: skip
    VISIBLE.update({"school": [1, 2, 3], "district": [2, 3]})
    today = date(2026, 3, 7)
    assert [e.object_id for e in inbox(school, today)] == [1]
    entries = inbox(district, today)
    assert [(e.object_id, e.overdue) for e in entries] == [(2, True), (3, False)]
    assert entries[0].title == "thing 2" and entries[0].url == "/things/2/"
    VISIBLE["district"] = [3]  # outside the district's records: not in its inbox
    assert [e.object_id for e in inbox(district, today)] == [3]
    assert inbox(world["users"]["teacher"], today) == []
    item = WorkItem.objects.get(object_id=3)
    assert [m["name"] for m in allowed_moves(district, item)] == ["approve", "return"]
