"""Importing per-teacher payroll rows (工资发放明细): each teacher's yearly pay by parity
component, the optional source of the teachers' side of salary parity (POLICY §7).

Registered as the import kind "payroll" in `qiangshi.imports.services.KINDS`, so the command
(`qiangshi import payroll FILE --user NAME`), the upload page and the API take it with the
import engine's preview, row errors and all-or-nothing commit. Columns: name 姓名 and national
ID 身份证号 (the teacher, who must be in the actor's area, as in the other per-teacher imports),
school code 学校代码 (optional: the teacher's current school), year 年度, then one column per
component of the rule sets (基本工资, 津贴补贴, …, yuan a year). A row must give every component of
its year's rule set, and no other.

Amounts are encrypted as they are written; the import's preview, its problems and the audit
trail name the teacher and the year, never an amount. A file loaded again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from qiangshi.access.scoping import scope
from qiangshi.core import crypto
from qiangshi.core.services import audit_records
from qiangshi.engines import cells
from qiangshi.imports.history import identify_teachers, parse_national_id
from qiangshi.imports.specs import TRAINING_COLUMNS, Column
from qiangshi.org.models import School
from qiangshi.teachers.models import Employment, Teacher

from . import rules
from .models import PayrollRow
from .parity_import import MAX_WAGE


def payroll_columns() -> list[Column]:
    """The columns of the payroll file, the components from the rule sets."""
    by_key = {c.key: c for c in TRAINING_COLUMNS}
    out = [
        by_key["name"],
        by_key["national_id"],
        Column("school_code", ("学校代码", "学校标识码", "school_code", "school code"), cells.text),
        Column("year", ("年度", "年份", "year"), cells.integer, required=True),
    ]
    for c in rules.all_components():
        names = [c["zh"], *(a for a in c.get("aliases", []) if not a.isascii())]
        out.append(Column(c["key"], tuple([*names, c["en"], c["key"]]), cells.decimal))
    return out


@dataclass
class PayrollRowIn:
    row: int
    values: dict[str, Any]
    hash: str
    number: str
    teacher_id: int | None = None
    teacher_name: str = ""
    school_id: int | None = None
    amounts: dict[str, Decimal] = field(default_factory=dict)
    existing: tuple | None = None  # (school_id, {component: amount}) already stored


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    columns = payroll_columns()
    titles = {c.key: c.title_zh for c in columns}
    titles.update({k: table.header[i] for k, i in match.mapping.items()})
    problems: list = []
    rejected: set[int] = set()
    rows: list[PayrollRowIn] = []

    def reject(row_no: int, key: str, value: Any, zh: str, en: str) -> None:
        problems.append(problem(row_no, titles.get(key, key), value, zh, en))
        rejected.add(row_no)

    for row_no, values, row_problems in parse_rows(table, match, columns):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        year = values["year"]
        if not 1990 <= year <= 2100:
            reject(row_no, "year", year, "年度应在 1990–2100 之间",
                   "The year must be between 1990 and 2100")  # fmt: skip
            continue
        wanted = rules.components(year)
        amounts = {}
        for c in rules.all_components():
            amount = values.get(c["key"])
            if c["key"] in wanted and amount is None:
                reject(row_no, c["key"], "", f"{year} 年度须填写此项", f"Required for {year}")
            elif c["key"] not in wanted and amount is not None:
                reject(row_no, c["key"], "", f"{year} 年度的对比口径不含此项",
                       f"Not a component compared in {year}")  # fmt: skip
            elif amount is not None and not 0 <= amount < MAX_WAGE:
                # The value itself is pay: the problem does not repeat it.
                reject(row_no, c["key"], "", "金额应为 0 至 1000 万元之间",
                       "The amount must be between 0 and 10,000,000 yuan")  # fmt: skip
            elif amount is not None:
                amounts[c["key"]] = amount.quantize(Decimal("0.01"))
        parsed = parse_national_id(row_no, values, reject)
        if parsed is None or row_no in rejected:
            continue
        rows.append(
            PayrollRowIn(
                row_no, values, crypto.lookup_hash(parsed.number), parsed.number, amounts=amounts
            )
        )

    kept = identify_teachers(actor, rows, reject)
    _place(actor, kept, reject)
    kept = [r for r in kept if r.row not in rejected]
    seen: dict[tuple[int, int], int] = {}
    out = []
    for r in kept:
        key = (r.teacher_id, r.values["year"])
        if key in seen:
            reject(r.row, "national_id", "", f"与第 {seen[key]} 行是同一教师同一年度",
                   f"The same teacher and year as row {seen[key]}")  # fmt: skip
            continue
        seen[key] = r.row
        out.append(r)
    _existing(out)
    problems.sort(key=lambda p: (p.row, p.column))
    return out, problems, len(rejected)


def _place(actor, rows: list[PayrollRowIn], reject) -> None:
    """Set each row's school: the one its code names (in the actor's area), or the teacher's
    current school."""
    codes = {r.values.get("school_code") for r in rows if r.values.get("school_code")}
    schools = dict(
        scope(School.objects.filter(code__in=codes), actor, "view").values_list("code", "pk")
    )
    current = dict(
        Employment.objects.filter(
            teacher_id__in={r.teacher_id for r in rows}, end_date__isnull=True
        ).values_list("teacher_id", "school_id")
    )
    for r in rows:
        code = r.values.get("school_code")
        if code:
            r.school_id = schools.get(code)
            if r.school_id is None:
                reject(r.row, "school_code", code, "您的管理范围内没有该学校代码",
                       "No school with this code in your area")  # fmt: skip
        else:
            r.school_id = current.get(r.teacher_id)
            if r.school_id is None:
                reject(r.row, "school_code", "", "该教师当前没有任职学校，请填写学校代码",
                       "The teacher has no current school: give the school code")  # fmt: skip


def _existing(rows: list[PayrollRowIn]) -> None:
    stored: dict[tuple[int, int], tuple[int, dict]] = {}
    years = {r.values["year"] for r in rows}
    qs = PayrollRow.objects.filter(
        teacher_id__in={r.teacher_id for r in rows}, year__in=years
    ).values_list("teacher_id", "year", "school_id", "component", "amount_encrypted")
    for teacher_id, year, school_id, component, sealed in qs:
        entry = stored.setdefault((teacher_id, year), (school_id, {}))
        entry[1][component] = Decimal(crypto.decrypt(sealed))
    for r in rows:
        r.existing = stored.get((r.teacher_id, r.values["year"]))


def _unchanged(r: PayrollRowIn) -> bool:
    return r.existing is not None and r.existing == (r.school_id, r.amounts)


def count(rows: list[PayrollRowIn], result) -> None:
    for r in rows:
        if r.existing is None:
            result.new += 1
        elif _unchanged(r):
            result.unchanged += 1
        else:
            result.changed += 1


def commit(actor, rows: list[PayrollRowIn], result) -> list[str]:
    """Replace each changed teacher-year's rows (amounts encrypted); one audit row each, which
    names the year and the school, never an amount."""
    keys, audits, new = [], [], []
    changed = [r for r in rows if not _unchanged(r)]
    result.unchanged += len(rows) - len(changed)
    teachers = Teacher.objects.in_bulk({r.teacher_id for r in changed})
    with transaction.atomic():
        for r in changed:
            if r.existing is None:
                result.new += 1
            else:
                result.changed += 1
                PayrollRow.objects.filter(teacher_id=r.teacher_id, year=r.values["year"]).delete()
            components = list(r.amounts)
            sealed = crypto.encrypt_many([str(r.amounts[c]) for c in components])
            new += [
                PayrollRow(
                    teacher_id=r.teacher_id,
                    school_id=r.school_id,
                    year=r.values["year"],
                    component=c,
                    amount_encrypted=s,
                )
                for c, s in zip(components, sealed, strict=True)
            ]
            keys.append(f"{r.teacher_id}/{r.values['year']}")
            audits.append(
                (
                    teachers[r.teacher_id],
                    {"payroll": [None if r.existing is None else "***", f"{r.values['year']}"]},
                )
            )
        PayrollRow.objects.bulk_create(new, batch_size=2000)
        audit_records(actor=actor, action="welfare.payroll_import", entries=audits, note="import")
    return keys
