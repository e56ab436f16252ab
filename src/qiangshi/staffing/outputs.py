"""Plain-data, text and xlsx renderings of a district's staffing, forecast, scenario and post
structure, shared by the command, the pages and the API.

Workbooks speak the active language: Chinese headers and sheet names by default (zh-hans is the
project's default language), English when the language is English. The labels are written here
as (Chinese, English) pairs, like the import layouts, so a workbook never depends on a
translation catalogue being compiled; the JSON keys stay the stable English codes.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines.staffing import BANDS, RULE_VERSIONS, StaffingRuleSet

from .selectors import (
    PART_GRADES,
    DistrictForecast,
    DistrictPosts,
    DistrictStaffing,
    GapComparison,
    ScenarioComparison,
    SchoolPosts,
    gap_comparison,
)

LABELS: dict[str, tuple[str, str]] = {
    # sheets
    "sheet_schools": ("学校编制与在编人员", "School quotas and staff"),
    "sheet_totals": ("区县合计", "District totals"),
    "sheet_forecast": ("教师需求预测缺口", "Forecast gap"),
    "sheet_parameters": ("参数", "Parameters"),
    "sheet_posts": ("岗位结构", "Post structure"),
    "sheet_scenario": ("情景对比", "Scenario vs baseline"),
    "sheet_private": ("民办学校师生比", "Private schools ratio"),
    "staff": ("教职工", "staff"),
    "teachers": ("教师", "teachers"),
    "non_teaching": ("非教学人员", "non_teaching"),
    "students": ("在校生", "students"),
    "students_per_staff": ("生师比(学生/教职工)", "students_per_staff"),
    "students_per_full_time_teacher": ("生师比(学生/专任教师)", "students_per_full_time_teacher"),
    # columns
    "school_code": ("学校代码", "school_code"),
    "school_name": ("学校名称", "school_name"),
    "stage": ("学段", "stage"),
    "location": ("城乡类型", "location"),
    "boarding": ("寄宿制", "boarding"),
    "enrollment_year": ("在校生年度", "enrollment_year"),
    "students_primary": ("小学在校生", "students_primary"),
    "students_junior": ("初中在校生", "students_junior"),
    "students_senior": ("高中在校生", "students_senior"),
    "quota_primary": ("小学编制", "quota_primary"),
    "quota_junior": ("初中编制", "quota_junior"),
    "quota_senior": ("高中编制", "quota_senior"),
    "quota": ("核定编制", "quota"),
    "adjustments": ("编制调整", "adjustments"),
    "established": ("在编人数", "established"),
    "established_teachers": ("在编教师", "established_teachers"),
    "established_non_teaching": ("在编非教学人员", "established_non_teaching"),
    "other_employment": ("编外人员", "other_employment"),
    "full_time_teachers": ("专任教师", "full_time_teachers"),
    "vacancies": ("空编", "vacancies"),
    "overstaffing": ("超编", "overstaffing"),
    "net": ("编制余缺", "net"),
    "non_teaching_max": ("非教学人员上限", "non_teaching_max"),
    "non_teaching_excess": ("非教学人员超出", "non_teaching_excess"),
    "missing": ("缺少数据", "missing"),
    "allocated": ("分配编制", "allocated"),
    "allocation_difference": ("分配与核定之差", "allocation_difference"),
    "year": ("年度", "year"),
    "subject": ("学科", "subject"),
    "demand": ("需求(全时当量)", "demand"),
    "demand_low": ("需求下限", "demand_low"),
    "demand_high": ("需求上限", "demand_high"),
    "supply": ("供给", "supply"),
    "gap": ("缺口", "gap"),
    "recruit": ("需补充教师", "recruit"),
    "item": ("项目", "item"),
    "value": ("数值", "value"),
    "parameter": ("参数", "parameter"),
    "posts": ("岗位总数", "posts"),
    "untitled": ("未评职称", "untitled"),
    "promotions": ("本年可晋升", "promotions"),
    "senior_allowed": ("高级岗位核定", "senior_allowed"),
    "senior_used": ("高级岗位已用", "senior_used"),
    "senior_promotions": ("可晋升高级", "senior_promotions"),
    "intermediate_allowed": ("中级岗位核定", "intermediate_allowed"),
    "intermediate_used": ("中级岗位已用", "intermediate_used"),
    "intermediate_promotions": ("可晋升中级", "intermediate_promotions"),
    "junior_allowed": ("初级岗位核定", "junior_allowed"),
    "junior_used": ("初级岗位已用", "junior_used"),
    "junior_promotions": ("可聘初级", "junior_promotions"),
    "baseline_gap": ("基准缺口", "baseline_gap"),
    "baseline_recruit": ("基准需补充", "baseline_recruit"),
    "scenario_gap": ("情景缺口", "scenario_gap"),
    "scenario_recruit": ("情景需补充", "scenario_recruit"),
    "gap_difference": ("缺口差(情景−基准)", "gap_difference"),
    "district_total": ("区县合计", "district total"),
}


def english() -> bool:
    return (translation.get_language() or "zh-hans").startswith("en")


def label(key: str) -> str:
    """The column or sheet label of `key` in the active language (the key itself if unknown)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[1] if english() else pair[0]


def labels(keys) -> list[str]:
    return [label(k) for k in keys]


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
        # Private schools get no quota (POLICY.md §2): their ratio apart, outside the totals.
        "private_schools": [r.as_dict() for r in staffing.private_schools],
        "private_totals": staffing.private_totals,
        "parameters": parameters_as_dict(staffing, plan),
    }
    if staffing.pool is not None:
        out["pool"] = {k: staffing.pool[k] for k in ("pool", "allocated", "reserve")}
    if plan is not None:
        out["gaps"] = gaps_as_dict(
            gap_comparison(
                actor=None,
                district=staffing.district,
                year=staffing.year,
                report=staffing,
                plan=plan,
            )
        )
        out["forecast"] = {
            "years": list(plan.years),
            "teachers": plan.teachers,
            "schools_without_history": plan.schools_without_history,
            "intake_method": plan.intake_method,
            "intake_methods": plan.intake_methods,
            "births": {str(y): n for y, n in plan.births.items()},
            "births_assumption": plan.births_assumption_as_dict(),
            "enrollment": {
                str(y): {s: round(n, 2) for s, n in by.items()} for y, by in plan.enrollment.items()
            },
            "rows": [r.as_dict() for r in plan.rows],
        }
    return out


def gaps_as_dict(gaps: GapComparison) -> dict[str, Any]:
    """The quota shortfall (编制缺口) and the curriculum gap (师资缺口), with their definitions."""
    q, c = gaps.quota_shortfall, gaps.curriculum_gap
    return {
        "year": q.year,
        "quota_shortfall": {
            "definition": "quota − established staff (posts)",
            "value": q.value,
            "quota": q.quota,
            "established": q.established,
            "vacancies_school_by_school": q.vacancies,
            "overstaffing_school_by_school": q.overstaffing,
        },
        "curriculum_gap": {
            "definition": "curriculum demand − full-time teachers (full-time equivalents)",
            "value": round(c.value, 4),
            "demand": round(c.demand, 4),
            "supply": round(c.supply, 4),
            "recruit": c.recruit,
        },
    }


def births_assumption_text(plan: DistrictForecast) -> str:
    """The births assumption in one English line, for the terminal report."""
    a = plan.births_assumption_as_dict()
    if a["last_known_year"] is None:
        return "Births: no series loaded; entrants follow the trend of first-grade intake."
    last, births = a["last_known_year"], a["last_known_births"]
    if a["rule"] == "held":
        rule = f"held at the {births:,} of {last}"
    else:
        rule = f"changing by {a['annual_change_percent']:+g}% a year from the {births:,} of {last}"
    used = ", ".join(f"{y}: {b:,.0f}" for y, b in a["assumed_births"].items()) or "none used"
    return f"Births known to {last}; births after {last} assumed {rule} (assumed: {used})."


def births_assumption_rows(plan: DistrictForecast) -> list[tuple[str, Any]]:
    """The births assumption as (parameter, value) rows of the workbooks' parameter sheet."""
    a = plan.births_assumption_as_dict()
    rows: list[tuple[str, Any]] = [
        ("births_last_known_year", "" if a["last_known_year"] is None else a["last_known_year"]),
        ("births_after_last_known_year", a["rule"]),
        ("births_annual_change_percent", a["annual_change_percent"]),
    ]
    rows += [(f"births_assumed.{y}", b) for y, b in a["assumed_births"].items()]
    return rows


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


def report_xlsx(
    staffing: DistrictStaffing,
    plan: DistrictForecast | None,
    posts: DistrictPosts | None = None,
) -> bytes:
    """The workbook: schools, district totals, forecast gap, post structure (when given),
    parameters used; headers in the active language."""
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
        (
            label("sheet_schools"),
            labels(SCHOOL_HEADER),
            [_school_row(d) for d in summary["schools"]],
        ),
        (label("sheet_totals"), labels(["item", "value"]), totals),
    ]
    if staffing.private_schools:
        sheets.append(private_sheet(staffing))
    if plan is not None:
        sheets.append(
            (
                label("sheet_forecast"),
                labels(FORECAST_HEADER),
                [[r[k] for k in FORECAST_HEADER] for r in summary["forecast"]["rows"]],
            )
        )
        params.append(("intake_method", plan.intake_method))
        params.append(("births_years", ", ".join(str(y) for y in plan.births)))
        params += births_assumption_rows(plan)
    if posts is not None:
        sheets.append(posts_sheet(posts))
    sheets.append((label("sheet_parameters"), labels(["parameter", "value"]), params))
    return write_xlsx(sheets)


PRIVATE_HEADER = [
    "school_code",
    "school_name",
    "stage",
    "enrollment_year",
    "students",
    "teachers",
    "non_teaching",
    "staff",
    "full_time_teachers",
    "students_per_staff",
    "students_per_full_time_teacher",
]


def private_sheet(staffing: DistrictStaffing):
    """(sheet name, header, rows): each private school's staff-to-student ratio and their
    total, apart from the quotas (private schools get none)."""
    rows = []
    for r in staffing.private_schools:
        d = r.as_dict()
        rows.append(
            [
                d["school_code"],
                d["school_name"],
                d["stage"],
                d["enrollment_year"],
                r.students_total,
                d["teachers"],
                d["non_teaching"],
                d["staff"],
                d["full_time_teachers"],
                d["students_per_staff"],
                d["students_per_full_time_teacher"],
            ]
        )
    t = staffing.private_totals
    rows.append(
        [
            staffing.district.code,
            label("district_total"),
            "",
            "",
            t["students"],
            "",
            "",
            t["staff"],
            t["full_time_teachers"],
            t["students_per_staff"],
            t["students_per_full_time_teacher"],
        ]
    )
    return (label("sheet_private"), labels(PRIVATE_HEADER), rows)


POSTS_HEADER = [
    "school_code",
    "school_name",
    "stage",
    "posts",
    *[f"{b}_{k}" for b in BANDS for k in ("allowed", "used", "promotions")],
    "untitled",
    "promotions",
]


def _posts_row(d: dict) -> list:
    return [
        d["school_code"],
        d["school_name"],
        d["stage"],
        d["posts"],
        *[d["bands"][b][k] for b in BANDS for k in ("allowed", "used", "promotions")],
        d["untitled"],
        d["promotions"],
    ]


def posts_as_dict(posts: DistrictPosts) -> dict[str, Any]:
    """The JSON form of a district's post structure (schools and the district's sums)."""
    total = SchoolPosts(0, posts.district.code, posts.district.name, "", 0, posts.total, 0)
    t = total.as_dict()
    return {
        "district": posts.district.code,
        "district_name": posts.district.name,
        "year": posts.year,
        "on": posts.on.isoformat(),
        "parameters": posts.parameters_version,
        "shares": posts.shares,
        "schools": [s.as_dict() for s in posts.schools],
        "totals": {
            "posts": posts.total.total_posts,
            "untitled": sum(s.untitled for s in posts.schools),
            "bands": t["bands"],
            "promotions": t["promotions"],
        },
    }


def posts_sheet(posts: DistrictPosts, schools: list[SchoolPosts] | None = None):
    """(sheet name, header, rows): one row per school and, for a district, its total."""
    d = posts_as_dict(posts)
    rows = [_posts_row(s.as_dict()) for s in (schools if schools is not None else posts.schools)]
    if schools is None:
        t = d["totals"]
        rows.append(
            _posts_row(
                {
                    "school_code": posts.district.code,
                    "school_name": label("district_total"),
                    "stage": "",
                    "posts": t["posts"],
                    "bands": t["bands"],
                    "untitled": t["untitled"],
                    "promotions": t["promotions"],
                }
            )
        )
    return (label("sheet_posts"), labels(POSTS_HEADER), rows)


def posts_xlsx(posts: DistrictPosts, schools: list[SchoolPosts] | None = None) -> bytes:
    """A district's (or, with `schools`, some schools') post structure as a workbook."""
    params = [
        ("teacher_parameters", posts.parameters_version),
        *[
            (f"post_shares.{stage}.{band}", share)
            for stage, by_band in posts.shares.items()
            for band, share in by_band.items()
        ],
    ]
    return write_xlsx(
        [
            posts_sheet(posts, schools),
            (label("sheet_parameters"), labels(["parameter", "value"]), params),
        ]
    )


SCENARIO_HEADER = [
    "year",
    "stage",
    "baseline_gap",
    "baseline_recruit",
    "scenario_gap",
    "scenario_recruit",
    "gap_difference",
]


def scenario_as_dict(comparison: ScenarioComparison) -> dict[str, Any]:
    """Baseline and scenario side by side: per year, per year and stage, and both plans' rows."""

    def rounded(d):
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()}

    def plan_dict(plan: DistrictForecast):
        return {
            "intake_method": plan.intake_method,
            "intake_methods": plan.intake_methods,
            "births_assumption": plan.births_assumption_as_dict(),
            "class_size_cap": dict(plan.parameters.class_size_cap),
            "attrition_rate": plan.parameters.attrition_rate,
            "rows": [r.as_dict() for r in plan.rows],
        }

    return {
        "district": comparison.baseline.district.code,
        "year": comparison.baseline.year,
        "years": list(comparison.baseline.years),
        "scenario": comparison.scenario.as_dict(),
        "births_years": list(comparison.baseline.births),
        "by_year": [
            {
                "year": r["year"],
                "baseline": rounded(r["baseline"]),
                "scenario": rounded(r["scenario"]),
                "gap_difference": round(r["gap_difference"], 4),
                "recruit_difference": r["recruit_difference"],
            }
            for r in comparison.by_year()
        ],
        "by_stage": [rounded(r) for r in comparison.by_stage()],
        "baseline": plan_dict(comparison.baseline),
        "changed": plan_dict(comparison.changed),
    }


def scenario_xlsx(comparison: ScenarioComparison) -> bytes:
    rows = [[r[k] for k in SCENARIO_HEADER] for r in comparison.by_stage()]
    params = [(f"scenario.{k}", str(v)) for k, v in comparison.scenario.as_dict().items()]
    params += [(f"scenario.{k}", v) for k, v in births_assumption_rows(comparison.changed)]
    return write_xlsx(
        [
            (label("sheet_scenario"), labels(SCENARIO_HEADER), rows),
            (label("sheet_parameters"), labels(["parameter", "value"]), params),
        ]
    )


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
    if staffing.private_schools:
        lines += [
            "",
            "Private schools (no quota; staff-to-student ratio, students per staff member):",
        ]
        for r in staffing.private_schools:
            ratio = "n/a" if r.students_per_staff is None else f"1 : {r.students_per_staff:.1f}"
            lines.append(
                f"  {r.code:<14}{r.stage:<12}{r.students_total:>9} students{r.staff:>6} staff"
                f"  {ratio}"
            )
    if plan is not None:
        g = gaps_as_dict(
            gap_comparison(
                actor=None, district=staffing.district, year=staffing.year, report=staffing,
                plan=plan,
            )
        )  # fmt: skip
        q, c = g["quota_shortfall"], g["curriculum_gap"]
        lines += [
            "",
            f"School year {g['year']}: quota shortfall (编制缺口, quota − established staff) "
            f"{q['value']:+}; curriculum gap (师资缺口, curriculum demand − full-time teachers, "
            f"FTE) {c['value']:+.1f}.",
            "They differ by definition: posts held by established staff against the quota, "
            "versus teaching time against full-time teachers of every employment type.",
        ]
        lines += ["", births_assumption_text(plan)]
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
    "LABELS",
    "POSTS_HEADER",
    "PRIVATE_HEADER",
    "SCENARIO_HEADER",
    "label",
    "posts_as_dict",
    "posts_xlsx",
    "scenario_as_dict",
    "scenario_xlsx",
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
