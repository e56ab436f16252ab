"""The workflow engine: moves allowed per state and role, refusals with their reason,
deadlines at their edges."""

from datetime import date

import pytest

from qiangshi.engines.workflow import Definition, DefinitionError

SPEC = {
    "process": "review",
    "version": "1",
    "initial": "draft",
    "states": {
        "draft": {},
        "waiting": {"deadline_days": 10},
        "done": {"final": True},
    },
    "transitions": [
        {"name": "submit", "from": "draft", "to": "waiting", "roles": ["school"]},
        {"name": "answer", "from": "waiting", "to": "done", "roles": ["teacher"],
         "before_deadline": True},
        {"name": "lapse", "from": "waiting", "to": "done", "roles": ["office"],
         "after_deadline": True},
        {"name": "reject", "from": "waiting", "to": "done", "roles": ["office"],
         "comment": "required"},
    ],
}  # fmt: skip
D = Definition.from_dict(SPEC)
DUE = date(2026, 3, 11)


def test_allowed_moves_per_role():
    assert [t.name for t in D.allowed("draft", "school")] == ["submit"]
    assert D.allowed("draft", "teacher") == []
    assert [t.name for t in D.allowed("waiting", "office", due_on=DUE, today=DUE)] == ["reject"]
    assert D.acting_roles("waiting") == {"teacher", "office"}
    assert D.waiting_states("office") == {"waiting"}


@pytest.mark.parametrize(
    ("state", "name", "role", "code"),
    [
        ("done", "submit", "school", "final"),
        ("draft", "fly", "school", "unknown_transition"),
        ("waiting", "submit", "school", "wrong_state"),
        ("draft", "submit", "teacher", "role"),
        ("nowhere", "submit", "school", "unknown_state"),
    ],
)
def test_illegal_moves_are_refused_with_the_reason(state, name, role, code):
    refusal = D.refusal(state, name, role, today=DUE)
    assert refusal is not None and refusal.code == code


def test_role_refusal_names_the_roles_that_may():
    assert D.refusal("draft", "submit", "teacher").detail == {"roles": ["school"]}


def test_a_required_comment_must_not_be_blank():
    assert D.refusal("waiting", "reject", "office", DUE, DUE, "  ").code == "comment_required"
    assert D.refusal("waiting", "reject", "office", DUE, DUE, "no") is None


@pytest.mark.parametrize(
    ("today", "answer_ok", "lapse_ok"),
    [
        (date(2026, 3, 10), True, False),  # day before the deadline
        (date(2026, 3, 11), True, False),  # the deadline day itself is still in time
        (date(2026, 3, 12), False, True),  # day after
    ],
)
def test_deadline_edges(today, answer_ok, lapse_ok):
    answer = D.refusal("waiting", "answer", "teacher", DUE, today)
    lapse = D.refusal("waiting", "lapse", "office", DUE, today)
    assert (answer is None) == answer_ok
    assert (lapse is None) == lapse_ok
    if not answer_ok:
        assert answer.code == "deadline_passed" and answer.detail["due_on"] == DUE
    if not lapse_ok:
        assert lapse.code == "deadline_running"


def test_due_on_counts_days_from_entry():
    assert D.due_on("waiting", date(2026, 3, 1)) == DUE
    assert D.due_on("draft", date(2026, 3, 1)) is None


@pytest.mark.parametrize(
    "change",
    [
        {"initial": "nowhere"},
        {"transitions": [{"name": "x", "from": "draft", "to": "nowhere", "roles": ["a"]}]},
        {"transitions": [{"name": "x", "from": "done", "to": "draft", "roles": ["a"]}]},
        {"transitions": [{"name": "x", "from": "draft", "to": "done", "roles": ["a"],
                          "after_deadline": True}]},
    ],
)  # fmt: skip
def test_inconsistent_definitions_are_rejected(change):
    with pytest.raises(DefinitionError):
        Definition.from_dict({**SPEC, **change})


def test_the_ethics_case_definition_loads():
    from qiangshi.ethics.workflow import DEFINITION

    assert DEFINITION.initial == "reported"
    assert DEFINITION.states["notice"].deadline_days == 30


def test_an_item_waits_for_a_role_only_while_its_move_is_open():
    assert D.waits_for("waiting", "teacher", DUE, DUE)
    assert not D.waits_for("waiting", "teacher", DUE, date(2026, 3, 12))
    assert D.waits_for("waiting", "office", DUE, DUE)  # "reject" is open at any time
    only_after = Definition.from_dict({**SPEC, "transitions": SPEC["transitions"][:3]})
    assert not only_after.waits_for("waiting", "office", DUE, DUE)
    assert only_after.waits_for("waiting", "office", DUE, date(2026, 3, 12))
