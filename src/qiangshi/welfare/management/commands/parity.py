"""`qiangshi parity report --region CODE --year Y [--format json] [--source payroll]`: salary
parity (POLICY §7) of every district at or below a region for a year; the teachers' side from
the finance office's return, or (`--source payroll`) from the per-teacher payroll rows.

JSON: {"region", "year", "rule_version", "teacher_source", "districts": {code: {"teacher_wage",
"civil_servant_wage", "gap", "passed", "by_component"}}}; a figure missing stays null. Runs as
a system operator (no user scope) and saves nothing.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from qiangshi.org.models import Region
from qiangshi.welfare import rules
from qiangshi.welfare.selectors import (
    FINANCE,
    TEACHER_SOURCES,
    parity_as_dict,
    parity_report,
)


def _money(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


class Command(BaseCommand):
    help = "Salary parity of teachers and civil servants per district (POLICY §7)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="parity per district of a region and year")
        report.add_argument("--region", required=True, help="city or district code")
        report.add_argument("--year", type=int, required=True, help="calendar year")
        report.add_argument("--format", choices=("table", "json"), default="table")
        report.add_argument(
            "--source",
            choices=TEACHER_SOURCES,
            default=FINANCE,
            help="teachers' figures: the finance office's return, or the payroll rows' average",
        )

    def handle(self, *args, **opts):
        region = Region.objects.filter(code=opts["region"]).first()
        if region is None:
            raise CommandError(f"Unknown region code: {opts['region']} (未知的区划代码)")
        if not 1990 <= opts["year"] <= 2100:
            raise CommandError("--year must be between 1990 and 2100 (年度应在 1990–2100 之间)")
        rows = parity_report(region=region, year=opts["year"], source=opts["source"])
        version = rules.parity_rules(opts["year"])["version"]
        if opts["format"] == "json":
            out = {
                "region": region.code,
                "year": opts["year"],
                "rule_version": version,
                "teacher_source": opts["source"],
                "districts": {r.district.code: parity_as_dict(r) for r in rows},
            }
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        lines = [
            f"Salary parity {region.name_en or region.name} {opts['year']} (rules {version})",
            f"{'district':<10} {'teachers':>10} {'civil serv.':>12} {'gap':>10}  verdict  driver",
        ]
        for r in rows:
            res = r.result
            verdict = {True: "pass", False: "FAIL", None: "missing"}[res.passed]
            lines.append(
                f"{r.district.code:<10} {_money(res.teacher_wage):>10} "
                f"{_money(res.civil_servant_wage):>12} {_money(res.gap):>10}  {verdict:<7}  "
                f"{res.driver or ''}"
            )
        self.stdout.write("\n".join(lines))
