"""The Celery app: background jobs (imports, exports, recomputations) with progress records.

Configured from Django's settings under the CELERY_ prefix. Without a broker
(CELERY_BROKER_URL empty, the embedded default) CELERY_TASK_ALWAYS_EAGER is on and tasks run
in-process with the same progress records; with Redis as the broker start a worker with
`celery -A config worker`.
"""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("qiangshi")
# Keys are read from settings named CELERY_* (CELERY_BROKER_URL, CELERY_TASK_ALWAYS_EAGER, …).
app.config_from_object("django.conf:settings", namespace="CELERY")
# tasks.py of every installed app.
app.autodiscover_tasks()


@worker_init.connect
def _refuse_another_encryption_key(**kwargs):
    """A worker, like the web process, refuses to start with an encryption key that is not the
    database's (qiangshi.core.keys)."""
    import django

    django.setup()
    from qiangshi.core.keys import ensure_key_matches

    ensure_key_matches()
