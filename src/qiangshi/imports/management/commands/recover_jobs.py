"""`qiangshi recover_jobs`: mark failed the import and export jobs whose worker died (a server killed
mid-import), so that they can be started again and their uploads purged on schedule.

Run it when the server starts (`make serve` does); the web pages and `purge_import_files` do
the same as they go."""

from django.core.management.base import BaseCommand

from qiangshi.imports.export_jobs import export_jobs_recover
from qiangshi.imports.jobs import import_jobs_recover


class Command(BaseCommand):
    help = "Mark failed the import jobs whose worker died (heartbeat stopped or process gone)."

    def handle(self, *args, **opts):
        recovered = import_jobs_recover()
        if recovered or opts["verbosity"] > 1:
            ids = ", ".join(str(pk) for pk in recovered)
            self.stdout.write(
                f"{len(recovered)} import job(s) marked failed{': ' + ids if ids else ''}"
            )
        exports = export_jobs_recover()
        if exports or opts["verbosity"] > 1:
            ids = ", ".join(str(pk) for pk in exports)
            self.stdout.write(
                f"{len(exports)} export job(s) marked failed{': ' + ids if ids else ''}"
            )
