"""The cycle report as a workbook (the web page's export and `qiangshi training cycle-report`),
headed in the active language."""

from django.utils.translation import gettext as _

from qiangshi.core.xlsx import write_xlsx

from .selectors import CycleReport


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def cycle_report_xlsx(report: CycleReport, area: str) -> bytes:
    """Two sheets: completion per school (and the total), and the teachers at risk."""
    schools = [
        (
            area,
            r.school.name,
            r.school.code,
            r.teachers,
            r.complete,
            _rate(r.completion_rate),
            r.at_risk,
        )
        for r in report.schools
    ]
    schools.append(
        (
            area,
            _("Total"),
            "",
            report.teachers,
            report.complete,
            _rate(report.completion_rate),
            report.at_risk_count,
        )
    )
    at_risk = [
        (
            t["name"],
            t["school"].name,
            t["status"].hours,
            t["status"].shortfall,
            t["status"].projected_hours,
            t["status"].projected_shortfall,
        )
        for t in report.at_risk
    ]
    cycle = _("Cycle %(start)s to %(end)s (end excluded), rules %(version)s, as of %(on)s") % {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "version": report.rule_version,
        "on": report.on.isoformat(),
    }
    return write_xlsx(
        [
            (
                _("Completion by school"),
                [
                    _("Area"),
                    _("School"),
                    _("School code"),
                    _("Teachers"),
                    _("Cycle complete"),
                    _("Completion rate (%)"),
                    _("At risk"),
                ],
                [*schools, (cycle,)],
            ),
            (
                _("Teachers at risk"),
                [
                    _("Name"),
                    _("School"),
                    _("Hours in the cycle"),
                    _("Hours still needed"),
                    _("Projected hours at the end"),
                    _("Projected shortfall"),
                ],
                at_risk,
            ),
        ]
    )
