"""`qiangshi report pilot --region CODE --year Y --out FILE.pdf|FILE.xlsx`: the periodic report
of a pilot region for a year, written now (the web's reports page writes the same file in the
background). The format follows the file's extension. Runs as a system operator and keeps
nothing in the database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.pilot.services import pilot_report_sync


class Command(BaseCommand):
    help = "Periodic reports (pilot regions)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        pilot = sub.add_parser("pilot", help="a pilot region's report for a year")
        pilot.add_argument("--region", required=True, help="pilot region code (试点地区代码)")
        pilot.add_argument("--year", type=int, required=True)
        pilot.add_argument("--out", required=True, help="FILE.pdf or FILE.xlsx")

    def handle(self, *args, **opts):
        out = Path(opts["out"])
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in ("pdf", "xlsx"):
            raise CommandError("--out must end in .pdf or .xlsx (输出文件须为 .pdf 或 .xlsx)")
        try:
            pilot_region, content = pilot_report_sync(
                code=opts["region"], year=opts["year"], fmt=fmt
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        out.write_bytes(content)
        self.stdout.write(f"{pilot_region.code} {opts['year']}: {out} ({len(content):,} bytes)")
