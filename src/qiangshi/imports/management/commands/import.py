"""`qiangshi import KIND FILE --user NAME [--dry-run] [--format json]`."""

import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.access.models import User
from qiangshi.core.errors import ApplicationError
from qiangshi.imports.models import ImportKind
from qiangshi.imports.national import national_to_import_file
from qiangshi.imports.services import import_file


class Command(BaseCommand):
    help = "Import a spreadsheet (xlsx, xls, csv) as a named user, with that user's scope."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="act as this user (username)")
        parser.add_argument("--dry-run", action="store_true", help="validate only, write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument(
            "--layout",
            choices=["template", "national"],
            default="template",
            help="national: a workbook in the national Teacher MIS layout (teachers only)",
        )
        parser.add_argument(
            "--school",
            default="",
            help="with --layout national: the school code of the rows without a 学校标识码",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on standard error"
        )

    def handle(self, *args, **opts):
        try:
            actor = User.objects.get(username=opts["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user named {opts['user']!r}") from None
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        if opts["school"] and opts["layout"] != "national":
            raise CommandError("--school is for --layout national (a school code for its rows)")
        data, filename = path.read_bytes(), path.name
        original = None
        try:
            if opts["layout"] == "national":
                if opts["kind"] != "teachers":
                    raise CommandError("--layout national is for teachers")
                original = (filename, data)
                data = national_to_import_file(data, school_code=opts["school"], filename=path.name)
                filename = path.stem + ".csv"
            result = import_file(
                actor=actor,
                kind=opts["kind"],
                data=data,
                filename=filename,
                dry_run=opts["dry_run"],
                progress=None if opts["no_progress"] else ProgressBar(self.stderr),
                original=original,
                school_code=opts["school"],
            )
        except ApplicationError as exc:
            if opts["format"] == "json":
                self.stdout.write(
                    json.dumps(
                        {
                            "new": 0,
                            "changed": 0,
                            "unchanged": 0,
                            "rejected": 0,
                            "errors": [
                                {
                                    "row": None,
                                    "column": None,
                                    "value": None,
                                    "reason": exc.message,
                                    "reason_zh": exc.message_zh,
                                    "reason_en": exc.message_en,
                                }
                            ],
                        },
                        ensure_ascii=False,
                    )
                )
            raise CommandError(_both(exc.message_zh, exc.message_en)) from None
        notes = [_both(n["reason_zh"], n["reason_en"]) for n in result.notes()]
        if opts["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))
            for note in notes:  # the JSON keeps its shape; notes go to standard error
                self.stderr.write(f"note: {note}")
        else:
            mode = (
                "checked (dry run)"
                if opts["dry_run"]
                else ("imported" if result.committed else "rejected: nothing imported")
            )
            self.stdout.write(f"{path.name}: {mode}")
            self.stdout.write(
                f"  new {result.new}, changed {result.changed}, "
                f"unchanged {result.unchanged}, rejected {result.rejected}"
            )
            for p in result.problems[:200]:
                d = p.as_dict()
                reason = _both(d["reason_zh"], d["reason_en"])
                self.stdout.write(f"  row {d['row']}, {d['column']}: {reason} [{d['value']}]")
            if len(result.problems) > 200:
                self.stdout.write(f"  … and {len(result.problems) - 200} more problems")
            for note in notes:
                self.stdout.write(f"  note: {note}")
        if result.problems:
            raise SystemExit(1)


def _both(zh: str, en: str) -> str:
    """A reason in Chinese and English, once if they are the same."""
    return zh if zh == en else f"{zh} / {en}"


class ProgressBar:
    """`progress(stage, done, total)` drawn as a bar on standard error (redrawn in place on a
    terminal, a line per stage change otherwise), at most every 0.2 s."""

    WIDTH = 30
    LABELS = {"read": "reading", "validate": "checking", "write": "writing"}

    def __init__(self, stream, interval: float = 0.2):
        self.stream = stream
        self.interval = interval
        self.stage = ""
        self.last = 0.0
        self.tty = bool(getattr(stream, "isatty", lambda: False)())

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        new_stage = stage != self.stage
        final = total and done >= total
        if not (new_stage or final or now - self.last >= self.interval):
            return
        if new_stage and self.stage and self.tty:
            self.stream.write("\n", ending="")
        self.stage, self.last = stage, now
        if not self.tty and not (new_stage or final):
            return
        share = min(done / total, 1.0) if total else 0.0
        filled = int(share * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        label = self.LABELS.get(stage, stage)
        line = (
            f"{label} …"
            if stage == "read"
            else f"{label:9} [{bar}] {share:4.0%}  {done:,}/{total:,} rows"
        )
        self.stream.write(("\r" + line) if self.tty else line, ending="" if self.tty else "\n")
        if self.tty and final and stage == "write":
            self.stream.write("\n", ending="")
        getattr(self.stream, "flush", lambda: None)()
