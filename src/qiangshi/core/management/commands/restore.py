"""`qiangshi restore DIR`: verify a backup's hashes and restore it into the configured database
and MEDIA_ROOT. See qiangshi.core.backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.backup import restore_backup
from qiangshi.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Restore a backup made by `qiangshi backup` into the configured database and the "
        "uploaded files, after checking every file against its SHA-256 in manifest.json. "
        "Replaces what is there: stop the web processes and workers first."
    )
    # The database being replaced may be empty, or hold another key's fingerprint.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, **opts):
        try:
            manifest = restore_backup(opts["directory"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_en} / {exc.message_zh}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {manifest['created_at']}: "
                f"{sum(manifest['tables'].values())} rows, {len(manifest['files'])} file(s) "
                "checked."
            )
        )
