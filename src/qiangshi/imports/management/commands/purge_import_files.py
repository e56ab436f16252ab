"""`qiangshi purge_import_files [--days 7] [--export-days N]`: delete old uploads and old
export files (both hold ID numbers in clear).

Run it daily (cron or Celery beat). Export files go after `--export-days` days (default
`QIANGSHI_EXPORT_RETENTION_DAYS`, 7); their jobs stay on record, and their pages say the file
is no longer kept."""

from django.core.management.base import BaseCommand

from qiangshi.imports.export_jobs import export_files_purge, retention_days
from qiangshi.imports.jobs import import_files_purge


class Command(BaseCommand):
    help = (
        "Delete stored import uploads older than N days (default 7) and export files older "
        "than QIANGSHI_EXPORT_RETENTION_DAYS days (or --export-days)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)
        parser.add_argument("--export-days", type=int, default=None)

    def handle(self, *args, **opts):
        deleted = import_files_purge(older_than_days=max(opts["days"], 0))
        self.stdout.write(f"{deleted} stored upload(s) deleted")
        days = opts["export_days"]
        exports = export_files_purge(
            older_than_days=max(retention_days() if days is None else days, 0)
        )
        self.stdout.write(f"{exports} export file(s) deleted")
