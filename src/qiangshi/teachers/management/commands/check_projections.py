"""`qiangshi check_projections [--fix]`: compare each teacher's projected current state
(`TeacherCurrent`: title, highest completed education) with their history.

Exit status 1 when rows differ and `--fix` was not given. Run it daily with `--fix` (cron or
Celery beat): a degree whose graduation date has come becomes the current one.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from qiangshi.core.services import audit_record
from qiangshi.teachers import projection
from qiangshi.teachers.models import Teacher


class Command(BaseCommand):
    help = "Check every teacher's projected current title and education against the history."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="recompute the rows that differ from the history"
        )

    def handle(self, *args, fix: bool, **options):
        with transaction.atomic():
            wrong = projection.mismatches()
            checked = Teacher.objects.count()
            self.stdout.write(
                _("%(checked)d teachers checked; %(wrong)d projected rows differ from the history.")
                % {"checked": checked, "wrong": len(wrong)}
            )
            if wrong and fix:
                projection.refresh(wrong)
                audit_record(
                    actor=None,
                    action="teacher.projection_fix",
                    object_type="teachers.teachercurrent",
                    changes={"rows": [None, len(wrong)]},
                )
                self.stdout.write(_("%(n)d rows recomputed from the history.") % {"n": len(wrong)})
        if wrong and not fix:
            shown = ", ".join(str(pk) for pk in wrong[:20])
            raise CommandError(
                _("Teachers whose projection differs (first 20 ids): %(ids)s. Run with --fix.")
                % {"ids": shown}
            )
