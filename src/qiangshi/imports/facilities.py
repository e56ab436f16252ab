"""Importing school facility records (the inputs of the balance indicators), keyed by school
code and year: a new year is added, a corrected value is updated and audited."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qiangshi.access.scoping import scope
from qiangshi.core.bulk import bulk_insert_rows
from qiangshi.core.models import AuditLog
from qiangshi.org.models import School, SchoolFacility

from .specs import FACILITY_COLUMNS

VALUE_KEYS = ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan", "multimedia_rooms")
_LIMITS = {
    "teaching_area_m2": Decimal("10000000000"),
    "sports_area_m2": Decimal("10000000000"),
    "equipment_value_yuan": Decimal("1000000000000"),
    "multimedia_rooms": 100000,
}


@dataclass
class FacilityRow:
    row: int
    values: dict[str, Any]
    school: School | None = None
    existing: SchoolFacility | None = None


def validate(actor, table, match, parse_rows, problem, progress=None):
    """Parse and check every row; returns (rows, problems, rejected row count)."""
    problems, rows, rejected = [], [], set()
    seen: dict[tuple[str, int], int] = {}
    title = {
        c.key: table.header[match.mapping[c.key]]
        for c in FACILITY_COLUMNS
        if c.key in match.mapping
    }
    for row_no, values, row_problems in parse_rows(table, match, FACILITY_COLUMNS):
        problems += row_problems
        if row_problems:
            rejected.add(row_no)
            continue
        year = values["year"]
        if not 1990 <= year <= 2100:
            problems.append(
                problem(
                    row_no,
                    title["year"],
                    year,
                    "年度应在 1990–2100 之间",
                    "The year must be between 1990 and 2100",
                )
            )
            rejected.add(row_no)
            continue
        for key in VALUE_KEYS[:3]:
            values[key] = Decimal(values[key]).quantize(Decimal("0.01"))
        bad = False
        for key in VALUE_KEYS:
            if not 0 <= values[key] <= _LIMITS[key]:
                problems.append(
                    problem(
                        row_no,
                        title[key],
                        values[key],
                        "数值超出合理范围",
                        "The value is out of range",
                    )
                )
                bad = True
        key = (values["school_code"], year)
        if key in seen:
            problems.append(
                problem(
                    row_no,
                    title["school_code"],
                    values["school_code"],
                    f"与第 {seen[key]} 行的学校和年度重复",
                    f"Same school and year as row {seen[key]}",
                )
            )
            bad = True
        seen.setdefault(key, row_no)
        if bad:
            rejected.add(row_no)
            continue
        rows.append(FacilityRow(row_no, values))
    codes = sorted({r.values["school_code"] for r in rows})
    allowed = {
        s.code: s for s in scope(School.objects.all(), actor, "change").filter(code__in=codes)
    }
    known = set(School.objects.filter(code__in=codes).values_list("code", flat=True))
    existing = {
        (f.school_id, f.year): f
        for f in SchoolFacility.objects.filter(school__code__in=list(allowed))
    }
    for r in rows:
        code = r.values["school_code"]
        r.school = allowed.get(code)
        if r.school is None:
            zh, en = (
                ("学校代码不在您的管理范围内", "This school is outside your area")
                if code in known
                else ("未知的学校代码", "Unknown school code")
            )
            problems.append(problem(r.row, title["school_code"], code, zh, en))
            rejected.add(r.row)
            continue
        r.existing = existing.get((r.school.pk, r.values["year"]))
    problems.sort(key=lambda p: (p.row, p.column))
    return rows, problems, len(rejected)


def _differences(r: FacilityRow) -> dict[str, list[Any]]:
    if r.existing is None:
        return {k: [None, str(r.values[k])] for k in VALUE_KEYS}
    return {
        k: [str(getattr(r.existing, k)), str(r.values[k])]
        for k in VALUE_KEYS
        if Decimal(str(getattr(r.existing, k))) != Decimal(str(r.values[k]))
    }


def count(rows: list[FacilityRow], result) -> None:
    for r in rows:
        if r.existing is None:
            result.new += 1
        elif _differences(r):
            result.changed += 1
        else:
            result.unchanged += 1


def commit(actor, rows: list[FacilityRow], result) -> list[str]:
    """Insert new years, update corrected ones; one audit row per school-year written."""
    new, audits, keys = [], [], []
    for r in rows:
        changes = _differences(r)
        if r.existing is None:
            new.append(
                {
                    "school_id": r.school.pk,
                    "year": r.values["year"],
                    **{k: r.values[k] for k in VALUE_KEYS},
                }
            )
            result.new += 1
        elif changes:
            SchoolFacility.objects.filter(pk=r.existing.pk).update(
                **{k: r.values[k] for k in VALUE_KEYS}
            )
            result.changed += 1
        else:
            result.unchanged += 1
            continue
        keys.append(f"{r.school.code}/{r.values['year']}")
        audits.append(
            {
                "actor_id": actor.pk,
                "actor_username": actor.username,
                "action": "school.facility_import",
                "object_type": "org.school",
                "object_id": str(r.school.pk),
                "object_repr": r.school.name,
                "changes": {f"{r.values['year']} {k}": v for k, v in changes.items()},
                "note": "bulk import",
            }
        )
    bulk_insert_rows(SchoolFacility, new)
    bulk_insert_rows(AuditLog, audits)
    return keys
