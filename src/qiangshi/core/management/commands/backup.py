"""`qiangshi backup --out DIR`: the database and the uploaded files, with a manifest of hashes.

Never the encryption key: keep it apart. See qiangshi.core.backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.backup import make_backup
from qiangshi.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Back up the database (PostgreSQL: pg_dump custom format; SQLite: online backup) and "
        "the uploaded files into a new directory, with manifest.json (SHA-256 of every file)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, required=True, help="a new or empty directory")

    def handle(self, *args, **opts):
        try:
            manifest = make_backup(opts["out"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_en} / {exc.message_zh}") from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {opts['out']}: {manifest['engine']} database ({rows} rows in "
                f"{len(manifest['tables'])} tables), {len(manifest['files'])} file(s)."
            )
        )
