"""Importing pilot indicators from the template (试点指标): the figures of pilot regions that do
not run Qiangshi here (or that Qiangshi cannot compute for them yet).

Registered as the import kind "pilot-indicators" in `qiangshi.imports.services.KINDS`, so the
command (`qiangshi import pilot-indicators FILE --user NAME`), the upload page and the API take
it with the import engine's preview, row errors and all-or-nothing commit. Columns: pilot region
code 试点地区代码 (required), pilot region name 试点地区名称 (optional, checked against the code),
year 年度, source 数据来源 (optional: where the figures come from, e.g. the region's yearly
return), then one column per indicator of the indicator file (its Chinese name). A row is the
region's return for the year: it replaces that region-year's imported figures whole. An empty
cell is a figure not sent: it stays missing, never zero. Each region-year written is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from qiangshi.core.services import audit_records
from qiangshi.engines import cells
from qiangshi.imports.specs import Column
from qiangshi.welfare import parity_import

from .models import PilotFigure, PilotRegion
from .selectors import indicators

SOURCE_LENGTH = 200


def pilot_columns() -> list[Column]:
    """The template's columns, built from the indicator file."""
    out = [
        Column(
            "pilot_region_code",
            ("试点地区代码", "地区代码", "区划代码", "pilot_region_code", "pilot region code"),
            cells.text,
            required=True,
        ),
        Column(
            "pilot_region_name",
            ("试点地区名称", "试点地区", "地区名称", "pilot_region_name", "pilot region name"),
            cells.text,
        ),
        Column("year", ("年度", "年份", "year"), cells.integer, required=True),
        Column("source", ("数据来源", "来源", "source"), cells.text),
    ]
    for ind in indicators():
        out.append(Column(ind.key, (ind.zh, ind.en, ind.key), cells.decimal))
    return out


@dataclass
class PilotRow:
    row: int
    values: dict[str, Any]
    pilot_region: PilotRegion | None = None
    figures: dict[str, Decimal] = field(default_factory=dict)
    existing: dict[str, Decimal] = field(default_factory=dict)


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    columns = pilot_columns()
    inds = {i.key: i for i in indicators()}
    problems, rows, rejected = [], [], set()
    seen: dict[tuple[str, int], int] = {}
    title = {c.key: table.header[match.mapping[c.key]] for c in columns if c.key in match.mapping}
    known = {p.code: p for p in PilotRegion.objects.all()}
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
            bad = True
        code = values["pilot_region_code"]
        region = known.get(code)
        if region is None:
            problems.append(
                problem(row_no, title["pilot_region_code"], code, "未知的试点地区代码",
                        "Unknown pilot region code")
            )  # fmt: skip
            bad = True
        name = values.get("pilot_region_name")
        if region is not None and name and name not in (region.name, region.name_en):
            problems.append(
                problem(row_no, title["pilot_region_name"], name,
                        f"试点地区名称与代码不符（应为“{region.name}”）",
                        f"The pilot region name does not match the code (expected '{region.name}')")
            )  # fmt: skip
            bad = True
        source = values.get("source") or ""
        if len(source) > SOURCE_LENGTH:
            problems.append(
                problem(row_no, title["source"], source[:20] + "…",
                        f"数据来源最多 {SOURCE_LENGTH} 个字", f"At most {SOURCE_LENGTH} characters")
            )  # fmt: skip
            bad = True
        figures = {}
        for key, ind in inds.items():
            value = values.get(key)
            if value is None:
                continue  # not sent: stays missing
            if not ind.minimum <= value <= ind.maximum:
                problems.append(
                    problem(row_no, title.get(key, ind.zh), value,
                            f"应在 {ind.minimum} 至 {ind.maximum} 之间",
                            f"Must be between {ind.minimum} and {ind.maximum}")
                )  # fmt: skip
                bad = True
                continue
            figures[key] = value.quantize(Decimal("0.0001"))
        if not figures and not bad:
            problems.append(
                problem(row_no, title["pilot_region_code"], code, "该行没有任何指标数值",
                        "The row gives no indicator figure")
            )  # fmt: skip
            bad = True
        key = (code, year)
        if key in seen:
            problems.append(
                problem(row_no, title["pilot_region_code"], code,
                        f"与第 {seen[key]} 行的试点地区和年度重复",
                        f"Same pilot region and year as row {seen[key]}")
            )  # fmt: skip
            bad = True
        seen.setdefault(key, row_no)
        if bad:
            rejected.add(row_no)
            continue
        rows.append(PilotRow(row_no, values, region, figures))
    existing: dict[tuple[int, int], dict[str, Decimal]] = {}
    for f in PilotFigure.objects.filter(pilot_region__in=[r.pilot_region for r in rows]):
        existing.setdefault((f.pilot_region_id, f.year), {})[f.key] = f.value
    for r in rows:
        r.existing = existing.get((r.pilot_region.pk, r.values["year"]), {})
    problems.sort(key=lambda p: (p.row, p.column))
    return rows, problems, len(rejected)


# A row replaces a whole region-year, as a parity row a district-year: counted the same way
# (new, changed or unchanged by its figures against those kept).
count = parity_import.count


def commit(actor, rows: list[PilotRow], result) -> list[str]:
    """Write each changed region-year whole (its imported figures replaced); one audit row
    each, with the figures before and after."""
    keys, audits = [], []
    now = timezone.now()
    with transaction.atomic():
        for r in rows:
            year = r.values["year"]
            if r.existing == r.figures:
                result.unchanged += 1
                continue
            if r.existing:
                result.changed += 1
            else:
                result.new += 1
            PilotFigure.objects.filter(pilot_region=r.pilot_region, year=year).delete()
            source = r.values.get("source") or ""
            PilotFigure.objects.bulk_create(
                [
                    PilotFigure(
                        pilot_region=r.pilot_region,
                        year=year,
                        key=key,
                        value=value,
                        source=source,
                        imported_by=actor,
                        imported_at=now,
                    )
                    for key, value in r.figures.items()
                ]
            )
            keys.append(f"{r.pilot_region.code}/{year}")
            changes = {
                f"{year} {k}": [
                    None if r.existing.get(k) is None else str(r.existing.get(k)),
                    None if r.figures.get(k) is None else str(r.figures.get(k)),
                ]
                for k in sorted(set(r.existing) | set(r.figures))
                if r.existing.get(k) != r.figures.get(k)
            }
            audits.append((r.pilot_region, changes))
        audit_records(actor=actor, action="pilot.figures_import", entries=audits, note="import")
    return keys
