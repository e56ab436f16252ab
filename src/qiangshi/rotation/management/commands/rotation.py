"""`qiangshi rotation plan --region CODE --year Y [--out FILE.xlsx] [--method milp|greedy]
[--origins CODES --destinations CODES] [--max-distance KM] [--time-limit S] [--format json]`
and `qiangshi rotation apply [--today DATE]`.

`plan` runs the optimiser on a district or a city from the registry (at the move budgets of
the trade-off, keeping the default one, as the web does) and prints the moves, the solver's
status, gap and time and the CVs before and after per district and stage (the balance module's);
with --out it writes the workbook; with --format json standard output carries the JSON only.
It reads as a system operator and saves nothing (plans with a workflow are made in the web UI or
the API). `apply` makes every published plan whose effective date has come take effect (new
employment records for transfers, secondments for terms) and brings home the teachers whose
term has ended, for a daily scheduled run.
"""

import json
import os
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.org.models import Region, RegionLevel
from qiangshi.rotation.explain import Explainer
from qiangshi.rotation.models import PlanStatus, RotationPlan
from qiangshi.rotation.outputs import cv_rows, plan_xlsx
from qiangshi.rotation.rules import rules_on
from qiangshi.rotation.selectors import (
    default_effective_date,
    default_form,
    move_stages,
    plan_input,
)
from qiangshi.rotation.services import (
    _tradeoff,
    plan_apply,
    plan_summary,
    stuck_solves_recover,
    terms_end,
    tradeoff_points,
)


def _codes(value: str | None) -> list[str]:
    return [c.strip() for c in (value or "").split(",") if c.strip()]


class Command(BaseCommand):
    help = "Rotation planning: run the optimiser for a district or city; apply due plans."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("plan", help="propose a rotation plan for a district or a city")
        p.add_argument("--region", required=True, help="district or city code")
        p.add_argument("--year", type=int, required=True, help="school year the rotation starts")
        p.add_argument("--out", default=None, help="the xlsx file to write")
        p.add_argument("--method", choices=("milp", "greedy"), default="milp")
        p.add_argument("--origins", default="", help="sending district codes, comma-separated")
        p.add_argument("--destinations", default="", help="receiving district codes")
        p.add_argument("--max-distance", type=float, default=None, help="distance cap in km")
        p.add_argument("--time-limit", type=float, default=None, help="solver limit in seconds")
        p.add_argument("--no-subject-needs", action="store_true", help="ignore subject needs")
        p.add_argument(
            "--one-way",
            action="store_true",
            help="with --origins/--destinations: receiving districts send no one back",
        )
        p.add_argument("--format", choices=("table", "json"), default="table")
        a = sub.add_parser("apply", help="make published plans whose date has come take effect")
        a.add_argument("--today", default=None, help="the date to act as today (YYYY-MM-DD)")
        sub.add_parser("recover", help="mark solves stopped mid-way (a server stopped) failed")

    def handle(self, *args, **opts):
        if opts["action"] == "apply":
            return self._apply(opts)
        if opts["action"] == "recover":
            n = stuck_solves_recover()
            self.stdout.write(f"{n} stopped solves marked failed" if n else "no stopped solve")
            return None
        return self._plan(opts)

    def _apply(self, opts):
        try:
            today = date.fromisoformat(opts["today"]) if opts["today"] else date.today()
        except ValueError:
            raise CommandError(f"Not a date (YYYY-MM-DD): {opts['today']!r}") from None
        due = RotationPlan.objects.filter(
            status=PlanStatus.PUBLISHED, effective_date__lte=today
        ).select_related("region")
        for plan in due:
            try:
                n = plan_apply(actor=None, plan=plan, today=today)
            except ApplicationError as exc:
                self.stderr.write(f"{plan}: {exc.message}")
                continue
            self.stdout.write(f"{plan}: {n} moves took effect")
        returned = terms_end(actor=None, today=today)
        if returned:
            self.stdout.write(f"{returned} teachers returned from their rotation terms")

    def _plan(self, opts):
        region = Region.objects.filter(
            code=opts["region"], level__in=(RegionLevel.DISTRICT, RegionLevel.CITY)
        ).first()
        if region is None:
            raise CommandError(f"No district or city with code {opts['region']!r}.")
        year = opts["year"]
        overrides = {
            "origins": _codes(opts["origins"]),
            "destinations": _codes(opts["destinations"]),
            "subject_needs": not opts["no_subject_needs"],
            "exchange": not opts["one_way"],
        }
        if bool(overrides["origins"]) != bool(overrides["destinations"]):
            raise CommandError("Give both --origins and --destinations, or neither.")
        if opts["max_distance"] is not None:
            overrides["max_distance_km"] = opts["max_distance"]
        if opts["time_limit"] is not None:
            overrides["time_limit"] = opts["time_limit"]
        rules = rules_on(default_effective_date(year))
        inp = plan_input(region, year, rules=rules, overrides=overrides)
        eligible = sum(1 for t in inp.teachers if t.eligible and not t.is_principal)
        if opts["format"] == "table":
            self.stderr.write(
                f"{region.code} {region.name} {year}: {eligible} eligible teachers, "
                f"{len(inp.schools)} schools; solving ({opts['method']})…"
            )
        # The solver's library writes to the process's standard output (its banner): only the
        # report goes there, the rest to standard error.
        with _stdout_to_stderr():
            points, chosen = tradeoff_points(rules, inp, opts["method"])
        kept = points[chosen if chosen is not None else 0]
        result = kept.result
        if kept.objective is not None:
            result.objective = kept.objective
        summary = plan_summary(region, year, result, inp, tradeoff=_tradeoff(points, chosen))
        explain = Explainer(inp)
        form, term = default_form(rules)
        moves = []
        for m in result.moves:
            c = inp.candidate_by_id[m.teacher]
            origin, dest = inp.school_by_id[m.origin], inp.school_by_id[m.destination]
            stage_from, stage_to = move_stages(m, inp)
            moves.append(
                {
                    "teacher_id": int(m.teacher),
                    "from": origin.code,
                    "to": dest.code,
                    "distance_km": round(m.distance_km, 2),
                    "reason": explain.reason(m),
                    "form": "transfer" if m.is_principal else form,
                    "term_years": None if m.is_principal else term,
                    "is_principal": m.is_principal,
                    "stage_from": stage_from,
                    "stage_to": stage_to,
                    "subject": c.subject,
                    "_teacher": c.name,
                    "_origin": origin,
                    "_destination": dest,
                    "_backbone": c.is_backbone,
                }
            )
        if opts["out"]:
            plan = RotationPlan(
                region=region,
                year=year,
                method=opts["method"],
                params=overrides,
                effective_date=default_effective_date(year),
                result=summary,
            )
            rows = [
                SimpleNamespace(
                    teacher=SimpleNamespace(name=m["_teacher"]),
                    origin=m["_origin"],
                    destination=m["_destination"],
                    subject=m["subject"],
                    is_backbone=m["_backbone"],
                    is_principal=m["is_principal"],
                    form=m["form"],
                    term_years=m["term_years"],
                    distance_km=m["distance_km"],
                    reason=m["reason"],
                )
                for m in moves
            ]
            Path(opts["out"]).write_bytes(plan_xlsx(plan, rows))
        if opts["format"] == "json":
            summary.pop("schools")
            summary["moves"] = [
                {k: v for k, v in m.items() if not k.startswith("_")} for m in moves
            ]
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
        else:
            teachers = sum(1 for m in result.moves if not m.is_principal)
            self.stdout.write(
                f"status {result.status}  moves {teachers}  principals {len(result.moves) - teachers}"
                f"  objective "
                f"{result.objective if result.objective is None else round(result.objective, 1)}"
                f"  gap {result.gap}  time {result.solve_time:.1f} s"
            )
            if result.message:
                self.stdout.write(result.message)
            for note in summary["quota_notes"]:
                self.stdout.write(
                    f"quota not met: {note['name']} {note['possible']} of {note['quota']} "
                    f"({note['why']})"
                )
            for point in summary["tradeoff"]:
                gain = "-" if point["gain"] is None else round(point["gain"], 1)
                mark = "  *" if point["chosen"] else ""
                self.stdout.write(f"moves {point['moves']}  balance gained {gain}{mark}")
            for row in cv_rows(summary):
                self.stdout.write("  ".join("" if v is None else str(v) for v in row))
            if opts["out"]:
                self.stdout.write(f"Wrote {opts['out']}")
        if result.status in ("infeasible", "no_solution"):
            raise CommandError(result.message or result.status)


@contextmanager
def _stdout_to_stderr():
    """File descriptor 1 points at standard error meanwhile (for C libraries' output)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
