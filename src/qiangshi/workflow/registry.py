"""The processes that run on the workflow, registered by their areas (in `AppConfig.ready`).

The workflow knows no area: each area registers its process definition with the callables the
inbox needs (which of its records an actor may act on, where a record's page is, how to name it),
so that this app stays below the areas in the layering.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qiangshi.engines.workflow import Definition


@dataclass(frozen=True)
class Process:
    definition: Definition
    label: object  # a (lazy) translated name of the process
    state_labels: dict  # state → (lazy) label
    transition_labels: dict  # transition → (lazy) label
    # The ids of the area's records the actor may act on (a queryset of pks or an iterable).
    visible_ids: Callable
    url: Callable[[int], str]  # the page of a record
    describe: Callable[[list[int]], dict] = field(default=lambda ids: {})  # id → short text
    role_of: Callable = field(default=lambda actor: getattr(actor, "role", ""))

    @property
    def name(self) -> str:
        return self.definition.process


_PROCESSES: dict[str, Process] = {}


def load_definition(path: Path) -> Definition:
    return Definition.from_dict(json.loads(path.read_text(encoding="utf-8")))


def register(process: Process) -> None:
    _PROCESSES[process.name] = process


def get(name: str) -> Process:
    return _PROCESSES[name]


def processes() -> list[Process]:
    return list(_PROCESSES.values())
