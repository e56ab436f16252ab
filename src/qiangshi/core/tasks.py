"""Scheduled work, run by Celery beat when a broker is set (CELERY_BEAT_SCHEDULE in settings):
each entry runs one of the daily commands that docs/deploy.md lists as cron lines for an
installation without a broker."""

import logging

from celery import shared_task
from django.core.management import call_command

logger = logging.getLogger(__name__)

# The commands beat may run: a message on the broker names one of these, nothing else.
SCHEDULED_COMMANDS = {
    ("purge_import_files",),
    ("rotation", "apply"),
    ("check_projections",),
}


@shared_task(name="core.scheduled_command", ignore_result=True)
def scheduled_command(*args: str) -> None:
    """Run `qiangshi <args>`; only the commands of SCHEDULED_COMMANDS."""
    if not any(tuple(args[: len(head)]) == head for head in SCHEDULED_COMMANDS):
        raise ValueError(f"not a scheduled command: {' '.join(args)}")
    logger.info("scheduled: qiangshi %s", " ".join(args))
    call_command(*args)
