"""`qiangshi export KIND --user NAME --out FILE.xlsx [filters] [--format national]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.access.models import User
from qiangshi.core.errors import ApplicationError
from qiangshi.engines import cells
from qiangshi.imports import specs
from qiangshi.imports.exports import KINDS, export_file
from qiangshi.org.models import Region, School


class Command(BaseCommand):
    help = (
        "Export teachers, schools, school facilities or a teacher history table (education, "
        "titles, employments, recognitions: one row per record) to xlsx as a named user, with "
        "that user's scope, in the import template's layout (or the national template's)."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--user", required=True, help="act as this user (username)")
        parser.add_argument("--out", required=True, help="the xlsx file to write")
        parser.add_argument("--district", help="district code")
        parser.add_argument("--school", help="school code")
        parser.add_argument("--q", help="search text (a name, or a full national ID)")
        parser.add_argument("--stage", help="school stage (code or label, e.g. primary, 小学)")
        parser.add_argument("--title", help="title rank (code or label, e.g. senior, 高级教师)")
        parser.add_argument(
            "--status",
            choices=["current", "former", "all"],
            help="teachers and history tables: current staff (the default), former or all",
        )
        parser.add_argument("--year", type=int, help="facilities: only this year")
        parser.add_argument(
            "--format",
            choices=["template", "national"],
            default="template",
            help="template: the import layout (default); national: the national teacher "
            "template (teachers only)",
        )

    def handle(self, *args, **opts):
        try:
            actor = User.objects.get(username=opts["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {opts['user']!r}") from None
        filters = self._filters(opts)
        out = Path(opts["out"])
        if not out.parent.is_dir():
            raise CommandError(f"No such directory: {out.parent}")
        try:
            result = export_file(
                actor=actor, kind=opts["kind"], filters=filters, fmt=opts["format"]
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        out.write_bytes(result.data)
        noun = "teachers" if opts["format"] == "national" else "rows"
        self.stdout.write(f"{out}: {result.rows} {noun}")

    def _filters(self, opts) -> dict:
        filters: dict = {}
        if code := opts.get("district"):
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"Unknown district code {code!r}")
            filters["district"] = region.pk
        if code := opts.get("school"):
            school = School.objects.filter(code=code).first()
            if school is None:
                raise CommandError(f"Unknown school code {code!r}")
            filters["school"] = school.pk
        if q := opts.get("q"):
            filters["q"] = q
        for key, options in (("stage", specs.STAGE), ("title", specs.TITLE)):
            if value := opts.get(key):
                try:
                    filters[key] = cells.choice(value, options)
                except cells.CellError as exc:
                    raise CommandError(f"--{key}: {exc.message_en}") from None
        if status := opts.get("status"):
            filters["status"] = status
        if opts.get("year"):
            filters["year"] = opts["year"]
        return filters
