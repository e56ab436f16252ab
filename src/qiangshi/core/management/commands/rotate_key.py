"""`qiangshi rotate_key`: re-encrypt the sealed fields under a new encryption key.

Stop the web processes and workers, then run with the new key as QIANGSHI_ENCRYPTION_KEY and
the old one in QIANGSHI_OLD_ENCRYPTION_KEY (or a file named by --old-key-file). Batches of rows,
each in one transaction with the progress: an interrupted run resumes when started again with
the same keys. Afterwards only the new key starts the system.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qiangshi.core.errors import ApplicationError
from qiangshi.core.keys import rotate_key


class Command(BaseCommand):
    help = (
        "Re-encrypt national IDs, phones and their lookup hashes from the old key "
        "(QIANGSHI_OLD_ENCRYPTION_KEY or --old-key-file) to QIANGSHI_ENCRYPTION_KEY; resumable."
    )
    # The key check refuses to start mid-rotation or with the new key: this command is the cure.
    requires_system_checks: list = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--old-key-file", type=Path, help="a file holding the old key (instead of the variable)"
        )
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **opts):
        if opts["old_key_file"]:
            try:
                old_key = opts["old_key_file"].read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise CommandError(f"Cannot read the old key file: {exc.strerror}") from None
        else:
            old_key = os.environ.get("QIANGSHI_OLD_ENCRYPTION_KEY", "")
        if opts["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")

        def report(table: str, count: int) -> None:
            self.stdout.write(f"{table}: {count} row(s) re-encrypted")

        try:
            counts = rotate_key(
                old_key=old_key,
                new_key=settings.QIANGSHI_ENCRYPTION_KEY,
                batch_size=opts["batch_size"],
                progress=report,
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message_en} / {exc.message_zh}") from None
        total = sum(counts.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Key rotated: {total} row(s) re-encrypted in this run; start the system with "
                "the new key only."
            )
        )
