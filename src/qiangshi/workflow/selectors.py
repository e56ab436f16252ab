"""Reads on the workflow: an item and its history, what is allowed now, and a user's inbox."""

from dataclasses import dataclass
from datetime import date

from . import registry
from .models import WorkItem, WorkStep


def item_for(process: str, object_id: int) -> WorkItem | None:
    return WorkItem.objects.filter(process=process, object_id=object_id).first()


def history(item: WorkItem) -> list[WorkStep]:
    return list(item.steps.select_related("actor").prefetch_related("attachments"))


def allowed_moves(actor, item: WorkItem, today: date | None = None) -> list[dict]:
    """The steps the actor may take on the item now: [{name, label, comment_required}]."""
    proc = registry.get(item.process)
    moves = proc.definition.allowed(
        item.state, proc.role_of(actor), due_on=item.due_on, today=today
    )
    return [
        {
            "name": t.name,
            "label": proc.transition_labels.get(t.name, t.name),
            "comment_required": t.comment_required,
        }
        for t in moves
    ]


@dataclass
class InboxEntry:
    process: str
    process_label: str
    object_id: int
    title: str
    state: str
    state_label: str
    state_since: date
    due_on: date | None
    overdue: bool
    url: str


def inbox(actor, today: date | None = None) -> list[InboxEntry]:
    """Everything waiting for the actor: items of every process in a state where the actor's
    role has a move, among the records the actor may act on; the most urgent first (overdue,
    then by deadline, then oldest)."""
    today = today or date.today()
    entries: list[InboxEntry] = []
    for proc in registry.processes():
        states = proc.definition.waiting_states(proc.role_of(actor))
        if not states:
            continue
        items = list(
            WorkItem.objects.filter(
                process=proc.name, state__in=states, object_id__in=proc.visible_ids(actor)
            )
        )
        titles = proc.describe([i.object_id for i in items]) if items else {}
        role = proc.role_of(actor)
        for item in items:
            if not proc.definition.waits_for(item.state, role, item.due_on, today):
                continue
            entries.append(
                InboxEntry(
                    process=proc.name,
                    process_label=str(proc.label),
                    object_id=item.object_id,
                    title=titles.get(item.object_id, str(item.object_id)),
                    state=item.state,
                    state_label=str(proc.state_labels.get(item.state, item.state)),
                    state_since=item.state_since,
                    due_on=item.due_on,
                    overdue=item.due_on is not None and item.due_on < today,
                    url=proc.url(item.object_id),
                )
            )
    entries.sort(key=lambda e: (not e.overdue, e.due_on or date.max, e.state_since))
    return entries
