"""A review workflow as data: states, transitions allowed per role, deadlines.

A definition is plain data (a dict, usually a JSON file next to the process that uses it); the
engine parses it and answers two questions without touching a database: which moves a role may
make from a state, and why a requested move is refused. The Django side (`qiangshi.workflow`)
stores work items and their history and calls `refusal` before every move.

Definition shape::

    {"process": "ethics_case", "version": "1", "initial": "reported",
     "states": {"reported": {"deadline_days": 10}, "closed": {"final": true}},
     "transitions": [{"name": "investigate", "from": "reported", "to": "investigating",
                      "roles": ["ethics"], "comment": "required"}]}

A transition may also say `"after_deadline": true` (only once the state's deadline has passed,
e.g. going on without a statement the teacher did not give in time) or `"before_deadline": true`
(only while it runs, e.g. an appeal inside the appeal window).

>>> d = Definition.from_dict({"process": "p", "version": "1", "initial": "a",
...     "states": {"a": {}, "b": {"final": True}},
...     "transitions": [{"name": "go", "from": "a", "to": "b", "roles": ["office"]}]})
>>> [t.name for t in d.allowed("a", "office")]
['go']
>>> d.refusal("a", "go", "teacher").code
'role'
>>> d.refusal("b", "go", "office").code
'final'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class State:
    name: str
    deadline_days: int | None = None
    final: bool = False


@dataclass(frozen=True)
class Transition:
    name: str
    source: str
    target: str
    roles: frozenset[str]
    comment_required: bool = False
    after_deadline: bool = False
    before_deadline: bool = False


@dataclass(frozen=True)
class Refusal:
    """Why a move is refused: a stable `code` and the facts a message needs."""

    code: str  # unknown_transition, final, wrong_state, role, comment_required, deadline_*
    transition: str
    state: str
    detail: dict = field(default_factory=dict)


class DefinitionError(ValueError):
    """The definition itself is inconsistent (unknown state, no initial state, …)."""


@dataclass(frozen=True)
class Definition:
    process: str
    version: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]

    @classmethod
    def from_dict(cls, data: dict) -> Definition:
        states = {
            name: State(
                name=name,
                deadline_days=spec.get("deadline_days"),
                final=bool(spec.get("final", False)),
            )
            for name, spec in data["states"].items()
        }
        transitions = tuple(
            Transition(
                name=t["name"],
                source=t["from"],
                target=t["to"],
                roles=frozenset(t["roles"]),
                comment_required=t.get("comment") == "required",
                after_deadline=bool(t.get("after_deadline", False)),
                before_deadline=bool(t.get("before_deadline", False)),
            )
            for t in data["transitions"]
        )
        definition = cls(
            process=data["process"],
            version=str(data["version"]),
            initial=data["initial"],
            states=states,
            transitions=transitions,
        )
        definition.validate()
        return definition

    def validate(self) -> None:
        if self.initial not in self.states:
            raise DefinitionError(f"initial state {self.initial!r} is not a state")
        seen = set()
        for t in self.transitions:
            for end in (t.source, t.target):
                if end not in self.states:
                    raise DefinitionError(f"transition {t.name!r}: unknown state {end!r}")
            if self.states[t.source].final:
                raise DefinitionError(f"transition {t.name!r} leaves final state {t.source!r}")
            if (t.name, t.source) in seen:
                raise DefinitionError(f"transition {t.name!r} twice from {t.source!r}")
            if t.after_deadline and self.states[t.source].deadline_days is None:
                raise DefinitionError(f"transition {t.name!r} waits for a deadline that is unset")
            seen.add((t.name, t.source))

    def due_on(self, state: str, entered: date) -> date | None:
        """The deadline of `state` entered on `entered` (None: no deadline)."""
        days = self.states[state].deadline_days
        return None if days is None else entered + timedelta(days=days)

    def transition(self, state: str, name: str) -> Transition | None:
        for t in self.transitions:
            if t.source == state and t.name == name:
                return t
        return None

    def allowed(self, state: str, role: str, *, due_on: date | None = None, today=None):
        """The transitions `role` may take from `state` now."""
        return [
            t
            for t in self.transitions
            if t.source == state and self.refusal(state, t.name, role, due_on, today, "-") is None
        ]

    def acting_roles(self, state: str) -> frozenset[str]:
        """Roles that have a move from `state`: whose work the item is waiting for."""
        roles: set[str] = set()
        for t in self.transitions:
            if t.source == state:
                roles |= t.roles
        return frozenset(roles)

    def waits_for(self, state: str, role: str, due_on: date | None, today: date) -> bool:
        """Whether an item in `state` with deadline `due_on` waits for `role` on `today`: a move
        is open to the role now (a move kept for after the deadline waits until it passes, one
        kept for before it stops waiting once it has passed)."""
        overdue = due_on is not None and today > due_on
        return any(
            t.source == state
            and role in t.roles
            and (overdue or not t.after_deadline)
            and (not overdue or not t.before_deadline)
            for t in self.transitions
        )

    def waiting_states(self, role: str) -> set[str]:
        """States in which an item waits for `role`."""
        return {t.source for t in self.transitions if role in t.roles}

    def refusal(
        self,
        state: str,
        name: str,
        role: str,
        due_on: date | None = None,
        today: date | None = None,
        comment: str | None = None,
    ) -> Refusal | None:
        """None when `role` may take transition `name` from `state` on `today`, else why not.

        `comment=None` skips the comment check (asking what is allowed, not making a move)."""
        if self.states.get(state) is None:
            return Refusal("unknown_state", name, state)
        if self.states[state].final:
            return Refusal("final", name, state)
        if not any(t.name == name for t in self.transitions):
            return Refusal("unknown_transition", name, state)
        t = self.transition(state, name)
        if t is None:
            sources = sorted({x.source for x in self.transitions if x.name == name})
            return Refusal("wrong_state", name, state, {"from": sources})
        if role not in t.roles:
            return Refusal("role", name, state, {"roles": sorted(t.roles)})
        today = today or date.today()
        if t.after_deadline and due_on is not None and today <= due_on:
            return Refusal("deadline_running", name, state, {"due_on": due_on})
        if t.before_deadline and due_on is not None and today > due_on:
            return Refusal("deadline_passed", name, state, {"due_on": due_on})
        if t.comment_required and comment is not None and not comment.strip():
            return Refusal("comment_required", name, state)
        return None
