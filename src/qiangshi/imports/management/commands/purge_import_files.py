"""`qiangshi purge_import_files [--days 7]`: delete old uploads (they hold ID numbers in clear).

Run it daily (cron or Celery beat)."""

from django.core.management.base import BaseCommand

from qiangshi.imports.jobs import import_files_purge


class Command(BaseCommand):
    help = "Delete stored import uploads older than N days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args, **opts):
        deleted = import_files_purge(older_than_days=max(opts["days"], 0))
        self.stdout.write(f"{deleted} stored upload(s) deleted")
