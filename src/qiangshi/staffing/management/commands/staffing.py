"""`qiangshi staffing report --district CODE --years 10 --out FILE.xlsx [--year Y] [--on DATE]
[--births-trend PERCENT] [--format json|table]`.

Quotas and staff on roll per school, the district totals, and the forecast gap (demand, supply,
gap per future year, stage and subject) with the parameters used. With --out, writes a workbook;
without it, prints a summary (a table, or JSON with --format json).

Runs as a system operator (no user scope): it reads the whole registry.
"""

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.engines.forecast import BirthsAssumption
from qiangshi.staffing.outputs import report_as_dict, report_as_table, report_xlsx
from qiangshi.staffing.selectors import (
    current_school_year,
    default_on,
    district_forecast,
    district_posts,
    district_staffing,
)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Staffing quotas, staff on roll and the forecast teacher gap of a district."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser(
            "report",
            help="quotas, staff and the forecast gap of a district, from the registry",
            description=(
                "Writes an xlsx workbook with --out (sheets: school quotas and staff, district "
                "totals, forecast gap, parameters); without --out prints a summary."
            ),
        )
        report.add_argument("--district", required=True, help="district code")
        report.add_argument(
            "--years", type=int, default=10, help="years to forecast (1–30, default 10)"
        )
        report.add_argument("--out", default=None, help="the xlsx file to write")
        report.add_argument(
            "--year",
            type=int,
            default=None,
            help="school year of the quotas and the forecast base (default: the current one)",
        )
        report.add_argument(
            "--on",
            type=_date,
            default=None,
            help="registry date for staff on roll (default: today within the school year, "
            "else its 1 September)",
        )
        report.add_argument(
            "--births-trend",
            type=float,
            default=0.0,
            help="births after the last loaded year: percent change a year (default 0: held "
            "at the last loaded year)",
        )
        report.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **opts):
        try:
            self.report(opts)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None

    def report(self, opts):
        if not 1 <= opts["years"] <= 30:
            raise CommandError("--years must be between 1 and 30")
        year = opts["year"] or current_school_year()
        on = opts["on"] or default_on(year)
        staffing = district_staffing(actor=None, district=opts["district"], year=year, on=on)
        try:
            assumption = BirthsAssumption(annual_change=opts["births_trend"])
        except ValueError:
            raise CommandError(
                "--births-trend must be between -50 and 50 (出生人口年变化率须在 −50% 至 +50% 之间)"
            ) from None
        plan = district_forecast(
            actor=None,
            district=staffing.district,
            years=opts["years"],
            year=year,
            on=on,
            births_assumption=assumption,
        )
        if opts["out"]:
            path = Path(opts["out"])
            if not path.parent.is_dir():
                raise CommandError(f"No such directory: {path.parent}")
            posts = district_posts(actor=None, district=staffing.district, year=year, on=on)
            path.write_bytes(report_xlsx(staffing, plan, posts))
            self.stdout.write(
                f"Wrote {path}: {len(staffing.schools)} schools, {len(plan.rows)} forecast rows "
                f"({plan.years[0]}–{plan.years[-1]})."
            )
            return
        if opts["format"] == "json":
            self.stdout.write(json.dumps(report_as_dict(staffing, plan), ensure_ascii=False))
        else:
            self.stdout.write(report_as_table(staffing, plan))
