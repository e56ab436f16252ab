"""Importing the finance office's salary parity return (工资水平对比表): one row per district and
year, each component of the teachers' and the civil servants' average annual wage.

Registered as the import kind "wages" in `qiangshi.imports.services.KINDS`, so the command
(`qiangshi import wages FILE --user NAME`), the upload page and the API all take it, with the
same preview, row errors and all-or-nothing commit. Columns: district code 区县代码 (required),
district name 区县名称 (optional, checked against the code), year 年度, then for each component of
the rule sets (rules/parity/*.json) 教师<component> and 公务员<component>. A row must give every
component of its year's rule set for both groups, and no other. A district office loads its own
district, the bureau the districts of its region; each district-year written is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction

from qiangshi.core.services import audit_records
from qiangshi.engines import cells
from qiangshi.imports.districts import match_districts
from qiangshi.imports.specs import Column
from qiangshi.org.models import Region

from . import rules
from .models import WageFigure, WageGroup, WageSource
from .selectors import wage_districts

MAX_WAGE = Decimal("10000000")  # above any average annual wage, in yuan
GROUP_NAMES = {
    WageGroup.TEACHER: ("教师", "teacher", ["中小学教师", "义务教育教师"]),
    WageGroup.CIVIL_SERVANT: ("公务员", "civil servant", ["当地公务员", "civil_servant"]),
}


def column_key(group: str, component: str) -> str:
    return f"{group}__{component}"


def wage_columns() -> list[Column]:
    """The columns of the return, built from the rule sets' component lists."""
    out = [
        Column(
            "district_code",
            ("区县代码", "区划代码", "行政区划代码", "district_code", "district code"),
            cells.text,
            required=True,
        ),
        Column("district_name", ("区县名称", "区县", "district_name", "district name"), cells.text),
        Column("year", ("年度", "年份", "year"), cells.integer, required=True),
    ]
    for group, (zh, en, variants) in GROUP_NAMES.items():
        for c in rules.all_components():
            names = [f"{zh}{c['zh']}"]
            names += [f"{v}{c['zh']}" for v in variants if not v.isascii()]
            names += [f"{zh}{a}" for a in c.get("aliases", []) if not a.isascii()]
            names += [f"{en} {c['en']}", column_key(group, c["key"])]
            out.append(Column(column_key(group, c["key"]), tuple(names), cells.decimal))
    return out


@dataclass
class WageRow:
    row: int
    values: dict[str, Any]
    district: Region | None = None
    figures: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    existing: dict[tuple[str, str], Decimal] = field(default_factory=dict)


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    columns = wage_columns()
    problems, rows, rejected = [], [], set()
    seen: dict[tuple[str, int], int] = {}
    title = {c.key: table.header[match.mapping[c.key]] for c in columns if c.key in match.mapping}
    for row_no, values, row_problems in parse_rows(table, match, columns):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        bad = False
        year = values["year"]
        if not 1990 <= year <= 2100:
            problems.append(
                problem(row_no, title["year"], year, "年度应在 1990–2100 之间",
                        "The year must be between 1990 and 2100")
            )  # fmt: skip
            rejected.add(row_no)
            continue
        wanted = rules.components(year)
        figures = {}
        for group in GROUP_NAMES:
            for c in rules.all_components():
                key = column_key(group, c["key"])
                amount = values.get(key)
                shown = title.get(key, key)
                if c["key"] in wanted and amount is None:
                    problems.append(
                        problem(row_no, shown, "", f"{year} 年度须填写此项",
                                f"Required for {year}")
                    )  # fmt: skip
                    bad = True
                elif c["key"] not in wanted and amount is not None:
                    problems.append(
                        problem(row_no, shown, amount, f"{year} 年度的对比口径不含此项",
                                f"Not a component compared in {year}")
                    )  # fmt: skip
                    bad = True
                elif amount is not None and not 0 <= amount < MAX_WAGE:
                    problems.append(
                        problem(row_no, shown, amount, "金额应为 0 至 1000 万元之间",
                                "The amount must be between 0 and 10,000,000 yuan")
                    )  # fmt: skip
                    bad = True
                elif amount is not None:
                    figures[(group, c["key"])] = amount.quantize(Decimal("0.01"))
        key = (values["district_code"], year)
        if key in seen:
            problems.append(
                problem(row_no, title["district_code"], values["district_code"],
                        f"与第 {seen[key]} 行的区县和年度重复",
                        f"Same district and year as row {seen[key]}")
            )  # fmt: skip
            bad = True
        seen.setdefault(key, row_no)
        if bad:
            rejected.add(row_no)
            continue
        rows.append(WageRow(row_no, values, figures=figures))
    allowed = match_districts(
        rows, wage_districts(actor, "change"), title, problem, problems, rejected
    )
    existing: dict[tuple[int, int], dict] = {}
    for f in WageFigure.objects.filter(district__in=list(allowed.values())):
        existing.setdefault((f.district_id, f.year), {})[(f.group, f.component)] = f.amount
    for r in rows:
        if r.district is not None:
            r.existing = existing.get((r.district.pk, r.values["year"]), {})
    rows = [r for r in rows if r.row not in rejected]
    problems.sort(key=lambda p: (p.row, p.column))
    return rows, problems, len(rejected)


def count(rows: list[WageRow], result) -> None:
    for r in rows:
        if not r.existing:
            result.new += 1
        elif r.existing != r.figures:
            result.changed += 1
        else:
            result.unchanged += 1


def commit(actor, rows: list[WageRow], result) -> list[str]:
    """Write each changed district-year whole (its figures replaced); one audit row each."""
    keys, audits = [], []
    with transaction.atomic():
        for r in rows:
            if r.existing == r.figures:
                result.unchanged += 1
                continue
            if r.existing:
                result.changed += 1
            else:
                result.new += 1
            write_figures(r.district, r.values["year"], r.figures, WageSource.IMPORT)
            keys.append(f"{r.district.code}/{r.values['year']}")
            audits.append((r.district, figure_changes(r.values["year"], r.existing, r.figures)))
        audit_records(actor=actor, action="welfare.wages_import", entries=audits, note="import")
    return keys


def write_figures(district, year: int, figures: dict[tuple[str, str], Decimal], source) -> None:
    """Replace a district-year's figures by `figures` ({(group, component): amount})."""
    WageFigure.objects.filter(district=district, year=year).delete()
    WageFigure.objects.bulk_create(
        [
            WageFigure(
                district=district, year=year, group=g, component=c, amount=amount, source=source
            )
            for (g, c), amount in figures.items()
        ]
    )


def figure_changes(year: int, before: dict, after: dict) -> dict[str, list]:
    """{"2024 teacher basic_pay": [before, after]} for the figures that changed."""
    out = {}
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new:
            out[f"{year} {key[0]} {key[1]}"] = [
                None if old is None else str(old),
                None if new is None else str(new),
            ]
    return out
