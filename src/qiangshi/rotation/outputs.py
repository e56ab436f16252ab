"""Rotation plan outputs: the xlsx workbook (moves, schools before/after, district CVs,
parameters) shared by the page, the API and `qiangshi rotation plan --out`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from qiangshi.core.xlsx import write_xlsx
from qiangshi.engines import rotation as engine
from qiangshi.org.models import Region
from qiangshi.teachers.models import Subject


def indicator_label(key: str) -> str:
    labels = {
        "higher_degree_teachers_per_100": _("Higher-degree teachers per 100 students"),
        "backbone_teachers_per_100": _("Backbone teachers per 100 students"),
        "pe_arts_teachers_per_100": _("PE/arts teachers per 100 students"),
    }
    return labels.get(key, key)


def subject_label(code: str) -> str:
    try:
        return str(Subject(code).label)
    except ValueError:
        return code


def _fmt(value) -> Any:
    return None if value is None else round(float(value), 4)


STAGE_LABELS = {
    "primary": pgettext_lazy("school stage", "Primary"),
    "junior": pgettext_lazy("school stage", "Junior secondary"),
}


def stage_label(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


def cv_rows(result: dict) -> list[list[Any]]:
    """[district name, stage, indicator, CV before, after, change] per district, stage and
    indicator of a plan's stored result (the balance module's CVs; see `balance_summary`)."""
    rows = []
    before = result.get("cv_before") or {}
    after = result.get("cv_after") or {}
    names = dict(Region.objects.filter(code__in=list(before)).values_list("code", "name"))
    for district in sorted(before):
        stages = before.get(district) or {}
        for stage in ("primary", "junior"):
            if stage not in stages or not isinstance(stages[stage], dict):
                continue
            for key in engine.INDICATORS:
                b = stages[stage].get(key)
                a = ((after.get(district) or {}).get(stage) or {}).get(key)
                rows.append(
                    [
                        names.get(district, district),
                        stage_label(stage),
                        indicator_label(key),
                        _fmt(b),
                        _fmt(a),
                        None if a is None or b is None else _fmt(a - b),
                    ]
                )
    return rows


def form_label(move) -> str:
    """ "Transfer", or "Term of N years" for a term (支教/走教)."""
    if getattr(move, "form", "transfer") == "term":
        return _("Term of %(n)d years") % {"n": move.term_years or 0}
    return _("Transfer")


def plan_xlsx(plan, moves) -> bytes:
    """The workbook of a plan: moves with reasons, schools before/after, CVs, parameters."""
    result = plan.result or {}
    move_rows = (
        [
            m.teacher.name,
            m.origin.code,
            m.origin.name,
            m.destination.code,
            m.destination.name,
            subject_label(m.subject),
            _("Principal") if getattr(m, "is_principal", False) else _("Teacher"),
            form_label(m),
            _("Yes") if m.is_backbone else _("No"),
            m.distance_km,
            getattr(m, "reason_shown", m.reason),
        ]
        for m in moves
    )
    school_rows = []
    for s in result.get("schools", []):
        row = [s["code"], s["name"], s["district"], s["moved_in"], s["moved_out"]]
        for key in engine.INDICATORS:
            row += [_fmt(s["before"].get(key)), _fmt(s["after"].get(key))]
        school_rows.append(row)
    school_header = [_("School code"), _("School"), _("District"), _("Moving in"), _("Moving out")]
    for key in engine.INDICATORS:
        label = indicator_label(key)
        school_header += [f"{label} ({_('before')})", f"{label} ({_('after')})"]
    summary = [
        [_("Plan"), str(plan)],
        [_("Region"), f"{plan.region.code} {plan.region.name}"],
        [_("School year"), plan.year],
        [_("Status"), plan.get_status_display()],
        [_("Method"), plan.get_method_display()],
        [_("Effective date"), plan.effective_date.isoformat()],
        [_("Solver status"), result.get("status", "")],
        [_("Objective"), result.get("objective")],
        [_("Optimality gap"), result.get("gap")],
        [_("Solve time (s)"), result.get("solve_time")],
        [_("Eligible teachers"), result.get("eligible")],
        [_("Moves"), result.get("moves")],
        [_("Principals' moves"), result.get("principal_moves")],
    ]
    for key, value in sorted((plan.params or {}).items()):
        summary.append([key, ", ".join(value) if isinstance(value, list) else value])
    return write_xlsx(
        [
            (
                _("Moves"),
                [
                    _("Teacher"),
                    pgettext("rotation move", "From (code)"),
                    pgettext("rotation move", "From"),
                    pgettext("rotation move", "To (code)"),
                    pgettext("rotation move", "To"),
                    _("Subject"),
                    _("Track"),
                    _("Form"),
                    _("Backbone teacher"),
                    _("Distance (km)"),
                    _("Reason"),
                ],
                move_rows,
            ),
            (_("Schools"), school_header, school_rows),
            (
                _("District CV"),
                [
                    _("District"),
                    _("Stage"),
                    _("Indicator"),
                    _("CV before"),
                    _("CV after"),
                    _("CV change"),
                ],
                cv_rows(result),
            ),
            (_("Summary"), [_("Item"), _("Value")], summary),
        ]
    )
