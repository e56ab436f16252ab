"""`qiangshi rotation plan --region CODE --year Y [--out FILE.xlsx] [--method milp|greedy]
[--origins CODES --destinations CODES] [--max-distance KM] [--time-limit S] [--format json]`
and `qiangshi rotation apply [--today DATE]`.

`plan` runs the optimiser on a district or a city from the registry and prints the moves, the
solver's status, gap and time and the district CVs before and after; with --out it writes the
workbook. It reads as a system operator and saves nothing (plans with a workflow are made in
the web UI or the API). `apply` makes every published plan whose effective date has come take
effect (new employment records), for a daily scheduled run.
"""

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.engines import rotation as engine
from qiangshi.org.models import Region, RegionLevel
from qiangshi.rotation.explain import Explainer
from qiangshi.rotation.models import PlanStatus, RotationPlan
from qiangshi.rotation.outputs import cv_rows, plan_xlsx
from qiangshi.rotation.selectors import default_effective_date, plan_input
from qiangshi.rotation.services import _result_summary, plan_apply


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

    def handle(self, *args, **opts):
        if opts["action"] == "apply":
            return self._apply(opts)
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
        inp = plan_input(region, year, overrides=overrides)
        eligible = sum(1 for t in inp.teachers if t.eligible)
        if opts["format"] == "table":
            self.stderr.write(
                f"{region.code} {region.name} {year}: {eligible} eligible teachers, "
                f"{len(inp.schools)} schools; solving ({opts['method']})…"
            )
        runner = engine.greedy_plan if opts["method"] == "greedy" else engine.plan
        result = runner(inp.teachers, inp.schools, inp.params)
        summary = _result_summary(result, inp)
        explain = Explainer(inp)
        if opts["out"]:
            plan = RotationPlan(
                region=region,
                year=year,
                method=opts["method"],
                params=overrides,
                effective_date=default_effective_date(year),
                result=summary,
            )
            moves = [
                SimpleNamespace(
                    teacher=SimpleNamespace(name=inp.candidate_by_id[m.teacher].name),
                    origin=inp.school_by_id[m.origin],
                    destination=inp.school_by_id[m.destination],
                    subject=inp.candidate_by_id[m.teacher].subject,
                    is_backbone=inp.candidate_by_id[m.teacher].is_backbone,
                    distance_km=round(m.distance_km, 2),
                    reason=explain.reason(m),
                )
                for m in result.moves
            ]
            Path(opts["out"]).write_bytes(plan_xlsx(plan, moves))
        if opts["format"] == "json":
            summary.pop("schools")
            summary["moves"] = [
                {
                    "teacher_id": int(m.teacher),
                    "from": inp.school_by_id[m.origin].code,
                    "to": inp.school_by_id[m.destination].code,
                    "distance_km": round(m.distance_km, 2),
                    "reason": explain.reason(m),
                }
                for m in result.moves
            ]
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=1))
        else:
            self.stdout.write(
                f"status {result.status}  moves {len(result.moves)}  objective "
                f"{result.objective if result.objective is None else round(result.objective, 1)}"
                f"  gap {result.gap}  time {result.solve_time:.1f} s"
            )
            if result.message:
                self.stdout.write(result.message)
            for row in cv_rows(summary):
                self.stdout.write("  ".join("" if v is None else str(v) for v in row))
            if opts["out"]:
                self.stdout.write(f"Wrote {opts['out']}")
        if result.status in ("infeasible", "no_solution"):
            raise CommandError(result.message or result.status)
