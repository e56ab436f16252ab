"""Reading training hours from files: the columns of `qiangshi training evaluate` and of the
import kind "training" (`qiangshi import training FILE --user NAME`), and the import's checks
and writes.

The import is registered in `qiangshi.imports.services.KINDS`, so the command, the upload page
and the API take it with the import engine's preview, row errors and all-or-nothing commit. Each
row names its teacher by national ID and name (as the history imports do; a teacher outside the
actor's area reads as not registered) and carries a date, hours, a category, the training's
title and, optionally, its provider. A row equal to a record the teacher already has (same date,
category, title and hours) is "unchanged", so a file loaded twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from qiangshi.core import crypto
from qiangshi.core.bulk import bulk_insert_rows, filter_in
from qiangshi.core.models import AuditLog
from qiangshi.imports.history import identify_teachers, parse_national_id
from qiangshi.imports.specs import TRAINING_COLUMNS as IMPORT_COLUMNS

from .models import RecordSource, TrainingRecord
from .rules import rules_on

TITLE_LENGTH = 200


def hours_problem(hours: Decimal, on) -> tuple[str, str] | None:
    """Why `hours` cannot be a record's hours (zh, en), or None: more than zero, at most one
    decimal place, and no more than a whole cycle's requirement (the rule file's)."""
    limit = Decimal(str(rules_on(on)["required_hours"]))
    if hours <= 0:
        return "学时须大于 0", "The hours must be more than zero"
    if hours != hours.quantize(Decimal("0.1")):
        return "学时最多保留一位小数", "The hours have at most one decimal place"
    if hours > limit:
        return (
            f"学时不能超过一个周期的要求（{limit} 学时）",
            f"The hours cannot exceed a whole cycle's requirement ({limit} hours)",
        )
    return None


@dataclass
class TrainingRow:
    row: int
    values: dict[str, Any]
    hash: str
    number: str
    teacher_id: int | None = None
    teacher_name: str = ""
    existing: bool = False


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    titles = {c.key: c.title_zh for c in IMPORT_COLUMNS}
    titles.update({k: table.header[i] for k, i in match.mapping.items()})
    today = timezone.localdate()
    problems: list = []
    rejected: set[int] = set()
    rows: list[TrainingRow] = []

    def reject(row_no: int, key: str, value: Any, zh: str, en: str) -> None:
        problems.append(problem(row_no, titles[key], value, zh, en))
        rejected.add(row_no)

    for row_no, values, row_problems in parse_rows(table, match, IMPORT_COLUMNS):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        parsed = parse_national_id(row_no, values, reject)
        if parsed is None:
            continue
        bad = hours_problem(values["hours"], values["date"])
        if bad:
            reject(row_no, "hours", values["hours"], *bad)
        if values["date"] > today:
            reject(
                row_no,
                "date",
                values["date"],
                "日期晚于今天",
                "Hours are credited on or after the day of the training",
            )
        for key in ("title", "provider"):
            if len(values.get(key, "")) > TITLE_LENGTH:
                reject(
                    row_no,
                    key,
                    values[key][:20] + "…",
                    f"不能超过 {TITLE_LENGTH} 个字符",
                    f"At most {TITLE_LENGTH} characters",
                )
        if row_no not in rejected:
            rows.append(
                TrainingRow(row_no, values, crypto.lookup_hash(parsed.number), parsed.number)
            )

    kept = identify_teachers(actor, rows, reject)

    existing: set[tuple] = set()
    for qs in filter_in(
        TrainingRecord.objects.order_by(), "teacher_id", sorted({r.teacher_id for r in kept})
    ):
        existing |= set(qs.values_list("teacher_id", "date", "category", "title", "hours"))
    seen: dict[tuple, int] = {}
    out = []
    for r in kept:
        key = (r.teacher_id, r.values["date"], r.values["category"], r.values["title"])
        if key in seen:
            reject(
                r.row,
                "title",
                r.values["title"],
                f"与第 {seen[key]} 行是同一条记录",
                f"The same record as row {seen[key]}",
            )
            continue
        seen[key] = r.row
        r.existing = (*key, r.values["hours"]) in existing
        out.append(r)
    problems.sort(key=lambda p: (p.row, p.column))
    return out, problems, len(rejected)


def count(rows: list[TrainingRow], result) -> None:
    for r in rows:
        if r.existing:
            result.unchanged += 1
        else:
            result.new += 1


def commit(actor, rows: list[TrainingRow], result) -> list[str]:
    """Insert the new records; one audit row per record."""
    now = timezone.now()
    new, keys = [], []
    for r in rows:
        if r.existing:
            result.unchanged += 1
            continue
        result.new += 1
        v = r.values
        new.append(
            {
                "teacher_id": r.teacher_id,
                "date": v["date"],
                "hours": v["hours"],
                "category": v["category"],
                "title": v["title"],
                "provider": v.get("provider", ""),
                "source": RecordSource.IMPORT,
                "created_by_id": actor.pk,
                "created_at": now,
                "updated_at": now,
            }
        )
        keys.append(f"{r.teacher_id}/{v['date'].isoformat()}/{v['category']}")
    bulk_insert_rows(TrainingRecord, new)
    bulk_insert_rows(
        AuditLog,
        [
            {
                "actor_id": actor.pk,
                "actor_username": actor.username,
                "action": "training.record_import",
                "object_type": "teachers.teacher",
                "object_id": str(row["teacher_id"]),
                "object_repr": row["title"][:255],
                "changes": {"training": [None, f"{row['date']} {row['hours']} {row['category']}"]},
                "note": "bulk import",
            }
            for row in new
        ],
    )
    return keys
