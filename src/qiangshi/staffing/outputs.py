"""Plain-data, text and xlsx renderings of a district's staffing and forecast, shared by the
command (and later the pages and the API)."""

from __future__ import annotations

from typing import Any

from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines.staffing import RULE_VERSIONS, StaffingRuleSet

from .selectors import PART_GRADES, DistrictForecast, DistrictStaffing

SHEET_SCHOOLS = "School quotas and staff"
SHEET_TOTALS = "District totals"
SHEET_FORECAST = "Forecast gap"
SHEET_PARAMETERS = "Parameters"
PARTS = tuple(PART_GRADES)

SCHOOL_HEADER = [
    "school_code",
    "school_name",
    "stage",
    "location",
    "boarding",
    "enrollment_year",
    *[f"students_{p}" for p in PARTS],
    *[f"quota_{p}" for p in PARTS],
    "quota",
    "adjustments",
    "established",
    "established_teachers",
    "established_non_teaching",
    "other_employment",
    "full_time_teachers",
    "vacancies",
    "overstaffing",
    "net",
    "non_teaching_max",
    "non_teaching_excess",
    "missing",
    "allocated",
    "allocation_difference",
]
FORECAST_HEADER = [
    "year",
    "stage",
    "subject",
    "demand",
    "demand_low",
    "demand_high",
    "supply",
    "gap",
    "recruit",
]


def _retirement_summary(table) -> dict[str, str]:
    out = {}
    for gender, rows in table.rows.items():
        (_, first_age), (last_from, last_age) = rows[0], rows[-1]
        out[gender] = (
            f"{first_age // 12}y{first_age % 12}m; rising to {last_age // 12}y{last_age % 12}m "
            f"for those born from {last_from[0]}-{last_from[1]:02d}"
            if len(rows) > 1
            else f"{first_age // 12}y{first_age % 12}m"
        )
    return out


def _rules_summary(rules: StaffingRuleSet) -> dict[str, Any]:
    return {
        "version": rules.version,
        "effective_from": rules.effective_from.isoformat(),
        "title": rules.title,
        "source": rules.source,
        "ratios": {s: {loc: float(r) for loc, r in by.items()} for s, by in rules.ratios.items()},
        "non_teaching_cap": {s: float(v) for s, v in rules.non_teaching_cap.items()},
        "boarding_extra_share": float(rules.boarding_extra_share),
        "unverified": list(rules.unverified),
    }


def parameters_as_dict(staffing: DistrictStaffing, plan: DistrictForecast | None) -> dict:
    out: dict[str, Any] = {
        "rule_set": _rules_summary(staffing.rules),
        "rule_sets_shipped": list(RULE_VERSIONS),
    }
    if plan is not None:
        p = plan.parameters
        out.update(
            {
                "teacher_parameters": p.version,
                "class_size_cap": dict(p.class_size_cap),
                "weekly_load": dict(p.weekly_load),
                "retirement_table": p.version,
                "retirement": _retirement_summary(p.retirement),
                "attrition_rate": p.attrition_rate,
                "curriculum": plan.curriculum.version,
                "stage_grades": {s: list(g) for s, g in p.stage_grades.items()},
                "unverified": list(p.unverified),
            }
        )
    return out


def report_as_dict(staffing: DistrictStaffing, plan: DistrictForecast | None) -> dict[str, Any]:
    """The JSON summary: district, year, roll date, schools, totals, forecast rows, parameters."""
    out = {
        "district": staffing.district.code,
        "district_name": staffing.district.name,
        "year": staffing.year,
        "on": staffing.on.isoformat(),
        "schools": [r.as_dict() for r in staffing.schools],
        "totals": staffing.totals,
        "parameters": parameters_as_dict(staffing, plan),
    }
    if staffing.pool is not None:
        out["pool"] = {k: staffing.pool[k] for k in ("pool", "allocated", "reserve")}
    if plan is not None:
        out["forecast"] = {
            "years": list(plan.years),
            "teachers": plan.teachers,
            "schools_without_history": plan.schools_without_history,
            "enrollment": {
                str(y): {s: round(n, 2) for s, n in by.items()} for y, by in plan.enrollment.items()
            },
            "rows": [r.as_dict() for r in plan.rows],
        }
    return out


def _school_row(d: dict) -> list:
    return [
        d["school_code"],
        d["school_name"],
        d["stage"],
        d["location"],
        d["boarding"],
        d["enrollment_year"],
        *[d["students"].get(p, "") for p in PARTS],
        *[d["quota_by_stage"].get(p, "") for p in PARTS],
        d["quota"],
        ", ".join(d["adjustments"]),
        d["established"],
        d["established_teachers"],
        d["established_non_teaching"],
        d["other_employment"],
        d["full_time_teachers"],
        d["vacancies"],
        d["overstaffing"],
        d["net"],
        d["non_teaching_max"],
        d["non_teaching_excess"],
        ", ".join(d["missing"]),
        "" if d["allocated"] is None else d["allocated"],
        "" if d["allocation_difference"] is None else d["allocation_difference"],
    ]


def _flatten(prefix: str, value, out: list):
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, list):
        out.append((prefix, ", ".join(str(v) for v in value)))
    else:
        out.append((prefix, value))


def report_xlsx(staffing: DistrictStaffing, plan: DistrictForecast | None) -> bytes:
    """The workbook: schools, district totals, forecast gap, parameters used."""
    summary = report_as_dict(staffing, plan)
    totals: list = []
    _flatten("", {"district": summary["district"], "year": summary["year"]}, totals)
    totals.append(("on", summary["on"]))
    _flatten("", staffing.totals, totals)
    if "pool" in summary:
        _flatten("pool", summary["pool"], totals)
    params: list = []
    _flatten("", summary["parameters"], params)
    sheets = [
        (SHEET_SCHOOLS, SCHOOL_HEADER, [_school_row(d) for d in summary["schools"]]),
        (SHEET_TOTALS, ["item", "value"], totals),
    ]
    if plan is not None:
        sheets.append(
            (
                SHEET_FORECAST,
                FORECAST_HEADER,
                [[r[k] for k in FORECAST_HEADER] for r in summary["forecast"]["rows"]],
            )
        )
    sheets.append((SHEET_PARAMETERS, ["parameter", "value"], params))
    return write_xlsx(sheets)


def report_as_table(staffing: DistrictStaffing, plan: DistrictForecast | None) -> str:
    """A plain-text summary for the terminal."""
    lines = [
        f"District {staffing.district.code} {staffing.district.name}, school year "
        f"{staffing.year}; staff on roll on {staffing.on.isoformat()}; rule set "
        f"{staffing.rules.version}",
        "",
        f"{'school':<14}{'stage':<12}{'students':>9}{'quota':>7}{'estab.':>7}"
        f"{'vacant':>7}{'over':>6}{'other':>7}{'FT tch':>7}{'NT cap':>8}",
    ]
    for r in staffing.schools:
        p = r.position
        cap = f"{p.non_teaching.actual}/{p.non_teaching.allowed}"
        lines.append(
            f"{r.code:<14}{r.stage:<12}{sum(r.students.values()):>9}{p.quota:>7}"
            f"{p.established:>7}{p.vacancies:>7}{p.overstaffing:>6}{p.other_employment:>7}"
            f"{r.full_time_teachers:>7}{cap:>8}" + ("  (no enrollment)" if r.missing else "")
        )
    t = staffing.totals
    lines.append(
        f"{'total':<14}{'':<12}{sum(t['students'].values()):>9}{t['quota']:>7}"
        f"{t['established']:>7}{t['vacancies']:>7}{t['overstaffing']:>6}"
        f"{t['other_employment']:>7}{t['full_time_teachers']:>7}"
    )
    if plan is not None:
        lines += ["", "Teachers to recruit or train (gap rounded up), by year and stage:"]
        by = {}
        for row in plan.rows:
            if row.recruit:
                by.setdefault((row.year, row.stage), []).append(f"{row.subject} {row.recruit}")
        for (y, stage), items in sorted(by.items()):
            lines.append(f"  {y} {stage}: " + ", ".join(items))
        if not by:
            lines.append("  none")
    return "\n".join(lines)


__all__ = [
    "FORECAST_HEADER",
    "SCHOOL_HEADER",
    "SHEET_FORECAST",
    "SHEET_PARAMETERS",
    "SHEET_SCHOOLS",
    "SHEET_TOTALS",
    "parameters_as_dict",
    "report_as_dict",
    "report_as_table",
    "report_xlsx",
]
