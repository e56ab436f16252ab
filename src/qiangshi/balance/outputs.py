"""Plain-data and text renderings of a district evaluation, shared by the commands (and later the
pages and exports). The JSON layout is a contract with other systems: keep its keys."""

from typing import Any

from qiangshi.engines.balance import DistrictResult, RuleSet

TOP_CONTRIBUTORS = 5
SHORT = {
    "higher_degree_teachers_per_100": "hdeg/100",
    "backbone_teachers_per_100": "bbone/100",
    "pe_arts_teachers_per_100": "pe_art/100",
    "teaching_area_per_student": "teach m²",
    "sports_area_per_student": "sport m²",
    "equipment_value_per_student": "equip ¥",
    "multimedia_rooms_per_100": "media/100",
}
LABELS = {
    "higher_degree_teachers": "higher-degree teachers",
    "backbone_teachers": "backbone teachers",
    "pe_arts_teachers": "PE/arts teachers",
    "teaching_area_m2": "m² teaching area",
    "sports_area_m2": "m² sports area",
    "equipment_value_yuan": "yuan of equipment",
    "multimedia_rooms": "multimedia rooms",
}
UNITS = {
    "higher_degree_teachers": "teachers",
    "backbone_teachers": "teachers",
    "pe_arts_teachers": "teachers",
    "teaching_area_m2": "m²",
    "sports_area_m2": "m²",
    "equipment_value_yuan": "yuan",
    "multimedia_rooms": "rooms",
}


def _num(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def result_as_dict(result: DistrictResult, rules: RuleSet) -> dict[str, Any]:
    """`{"stage", "rule_set", "passed", "schools": [{"school_code", "values", "passed", …}],
    "indicators": {KEY: {"cv", "limit", "within_limit", …}}, …}`: the keys of issue 5, then
    extra keys (met, shortfalls, contributions, exclusions, the rule set's source)."""
    return {
        "stage": result.stage,
        "rule_set": result.rule_set,
        "passed": result.passed,
        "schools": [
            {
                "school_code": s.code,
                "values": {k: _num(v) for k, v in s.values.items()},
                "passed": s.passed,
                "enrollment": s.enrollment,
                "met": s.met,
                "shortfalls": [
                    {
                        "indicator": f.key,
                        "resource": f.resource,
                        "add": f.add,
                        "unit": UNITS.get(f.resource, ""),
                        "target": _num(f.target),
                        "value_after": _num(f.value_after),
                    }
                    for f in s.shortfalls
                ],
                "small_school_rule": s.small_school_rule,
            }
            for s in result.schools
        ],
        "indicators": {
            k: {
                "cv": _num(i.cv),
                "limit": i.limit,
                "within_limit": i.within_limit,
                "minimum": i.minimum,
                "mean": _num(i.mean),
                "mean_reaches_minimum": i.mean_reaches_minimum,
                "top_contributors": [
                    {"school_code": code, "share": _num(share, 4)}
                    for code, share in i.contributions[:TOP_CONTRIBUTORS]
                ],
            }
            for k, i in result.indicators.items()
        },
        "schools_passed": result.schools_passed,
        "indicators_within_limits": result.indicators_within_limits,
        "means_below_minimum": list(result.means_below_minimum),
        "excluded": [{"school_code": e.code, "reason": e.reason} for e in result.excluded],
        "private_schools_counted": result.private_schools_counted,
        "rule_set_source": rules.source,
        "rule_set_effective_from": rules.effective_from.isoformat(),
    }


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.2f}"


def result_as_table(result: DistrictResult, rules: RuleSet, title: str = "") -> str:
    """A readable text report: verdict, schools with their values, indicators, what to change."""
    keys = rules.keys
    failing = result.failing_schools
    outside = [k for k, i in result.indicators.items() if not i.within_limit]
    lines = []
    if title:
        lines.append(title)
    lines.append(
        f"Rule set {rules.version}: {rules.source}, in effect from "
        f"{rules.effective_from.isoformat()}"
    )
    lines.append(
        "Private schools: evaluated with the public ones"
        if result.private_schools_counted
        else "Private schools: not evaluated (public schools only)"
    )
    verdict = "PASS" if result.passed else "FAIL"
    lines.append(
        f"Verdict ({result.stage}): {verdict} — {len(failing)} of {len(result.schools)} schools "
        f"fail; {len(outside)} of {len(keys)} indicators above the CV limit "
        f"{result.indicators[keys[0]].limit:.2f}"
    )
    lines.append("")
    widths = [max(12, *(len(s.code) for s in result.schools)), 8] + [10] * len(keys) + [6]
    header = ["school", "students", *[SHORT.get(k, k[:10]) for k in keys], "result"]
    lines.append(
        "  ".join(
            h.rjust(w) if i else h.ljust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    minimum_row = ["minimum", ""] + [_fmt(result.indicators[k].minimum) for k in keys] + [""]
    lines.append(_row(minimum_row, widths))
    for s in result.schools:
        cells = [s.code, f"{s.enrollment:,.0f}"]
        for k in keys:
            mark = ""
            if not s.met[k]:
                ratio = s.values[k] / s.minimums[k]
                mark = "*" if ratio >= rules.missed_floor - 1e-9 else "!"
            cells.append(_fmt(s.values[k]) + mark)
        cells.append("pass" if s.passed else "FAIL")
        lines.append(_row(cells, widths))
    lines.append(
        f"  * below the minimum but at least {rules.missed_floor:.0%} of it; "
        f"! below {rules.missed_floor:.0%} of the minimum"
    )
    lines.append("")
    lines.append(
        "Two tests per indicator: level (the weighted mean reaches the minimum) and spread "
        "(the CV within the limit)."
    )
    lines.append(
        f"{'indicator':<32}{'minimum':>10}{'mean':>11}{'level':>7}{'CV':>8}{'limit':>7}  "
        "spread  schools pulling the CV up (share of S²)"
    )
    for k, i in result.indicators.items():
        cv = "n/a" if i.cv is None else f"{i.cv:.3f}"
        mean = "n/a" if i.mean is None else _fmt(i.mean)
        top = ", ".join(f"{c} {share:.0%}" for c, share in i.contributions[:3])
        level = "ok" if i.mean_reaches_minimum else "BELOW"
        lines.append(
            f"{k:<32}{_fmt(i.minimum):>10}{mean:>11}{level:>7}{cv:>8}{i.limit:>7.2f}  "
            f"{'within' if i.within_limit else 'OVER':<6}  {top}"
        )
    if failing:
        lines.append("")
        lines.append("Failing schools and the smallest changes that make them pass:")
        for s in failing:
            changes = ", ".join(
                f"+{_amount(f.add)} {LABELS.get(f.resource, f.resource)}" for f in s.shortfalls
            )
            lines.append(f"  {s.code}: {changes}")
    if result.excluded:
        lines.append("")
        lines.append(
            "Not evaluated: " + ", ".join(f"{e.code} ({e.reason})" for e in result.excluded)
        )
    return "\n".join(lines)


def _amount(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(
        c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
    )
