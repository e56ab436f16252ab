"""Importing the births series (出生人口) per district and year, for the enrollment forecast.

Registered as the import kind "births" in `qiangshi.imports.services.KINDS`, so the command
(`qiangshi import births FILE --user NAME`), the upload page and the API all take it, with the
same all-or-nothing check. Columns (`imports.specs.BIRTH_COLUMNS`): district code 区划代码
(required), district name 区县名称 (optional, checked against the code when given), year 年份
and births 出生人口. A district office may load its own district, the bureau the districts of
its region (the districts in its scope); a new year is added, a corrected figure updated, and
each district-year written is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from qiangshi.access.scoping import scope
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.core.models import AuditLog
from qiangshi.imports.districts import match_districts
from qiangshi.imports.specs import BIRTH_COLUMNS
from qiangshi.org.models import Region, RegionLevel

from .models import BirthRecord

MAX_BIRTHS = 10_000_000  # above any district's births in a year


@dataclass
class BirthRow:
    row: int
    values: dict[str, Any]
    district: Region | None = None
    existing: BirthRecord | None = None


def districts_for_import(actor):
    """The districts whose births the actor may load: those in its area (the bureau's region,
    the district office's own district), through `scope`."""
    return scope(Region.objects.filter(level=RegionLevel.DISTRICT), actor, "view")


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    problems, rows, rejected = [], [], set()
    seen: dict[tuple[str, int], int] = {}
    title = {
        c.key: table.header[match.mapping[c.key]] for c in BIRTH_COLUMNS if c.key in match.mapping
    }
    for row_no, values, row_problems in parse_rows(table, match, BIRTH_COLUMNS):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        bad = False
        year, births = values["year"], values["births"]
        if not 1949 <= year <= 2100:
            problems.append(
                problem(
                    row_no,
                    title["year"],
                    year,
                    "年份应在 1949–2100 之间",
                    "The year must be between 1949 and 2100",
                )
            )
            bad = True
        if not 0 <= births <= MAX_BIRTHS:
            problems.append(
                problem(
                    row_no,
                    title["births"],
                    births,
                    "出生人口应为 0 或正整数",
                    "Births must be zero or a positive whole number",
                )
            )
            bad = True
        key = (values["district_code"], year)
        if key in seen:
            problems.append(
                problem(
                    row_no,
                    title["district_code"],
                    values["district_code"],
                    f"与第 {seen[key]} 行的区县和年份重复",
                    f"Same district and year as row {seen[key]}",
                )
            )
            bad = True
        seen.setdefault(key, row_no)
        if bad:
            rejected.add(row_no)
            continue
        rows.append(BirthRow(row_no, values))
    allowed = match_districts(rows, districts_for_import(actor), title, problem, problems, rejected)
    existing = {
        (b.district_id, b.year): b
        for b in BirthRecord.objects.filter(district__in=list(allowed.values()))
    }
    for r in rows:
        if r.district is not None:
            r.existing = existing.get((r.district.pk, r.values["year"]))
    rows = [r for r in rows if r.row not in rejected]
    problems.sort(key=lambda p: (p.row, p.column))
    return rows, problems, len(rejected)


def count(rows: list[BirthRow], result) -> None:
    for r in rows:
        if r.existing is None:
            result.new += 1
        elif r.existing.births != r.values["births"]:
            result.changed += 1
        else:
            result.unchanged += 1


def commit(actor, rows: list[BirthRow], result) -> list[str]:
    """Insert new district-years, update corrected ones; one audit row per district-year."""
    new, audits, keys = [], [], []
    for r in rows:
        births = r.values["births"]
        if r.existing is None:
            new.append({"district_id": r.district.pk, "year": r.values["year"], "births": births})
            before = None
            result.new += 1
        elif r.existing.births != births:
            BirthRecord.objects.filter(pk=r.existing.pk).update(
                births=births, updated_at=timezone.now()
            )
            before = r.existing.births
            result.changed += 1
        else:
            result.unchanged += 1
            continue
        keys.append(f"{r.district.code}/{r.values['year']}")
        audits.append(
            {
                "actor_id": actor.pk,
                "actor_username": actor.username,
                "action": "staffing.births_import",
                "object_type": "org.region",
                "object_id": str(r.district.pk),
                "object_repr": r.district.name,
                "changes": {f"{r.values['year']} births": [before, births]},
                "note": "bulk import",
            }
        )
    bulk_insert_rows(BirthRecord, new)
    bulk_insert_rows(AuditLog, audits)
    return keys
