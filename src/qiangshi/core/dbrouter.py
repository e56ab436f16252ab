"""Reports and exports read from a read replica when one is configured.

With `DATABASE_REPLICA_URL` set, the settings add a database alias "replica"; the reads made
inside `report_reads()` (or a function decorated with it) go there, everything else (every
write, and the reads of pages, forms and services) to "default". A replica lags the primary by
a moment, which is fine for a report or an export and never for a read that a write depends on.
Without a replica the router has no opinion and Django uses "default".
"""

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_REPORTING: ContextVar[bool] = ContextVar("qiangshi_report_reads", default=False)


class report_reads(ContextDecorator):  # noqa: N801 (used as a decorator and a `with` block)
    """Send the ORM reads inside the block to the replica, when there is one."""

    def __enter__(self):
        self._token = _REPORTING.set(True)
        return self

    def __exit__(self, *exc):
        _REPORTING.reset(self._token)
        return False


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReportReplicaRouter:
    """Django database router: report reads to the replica, all else to the default."""

    def db_for_read(self, model, **hints):
        if _REPORTING.get() and replica_configured():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the default: objects read from either relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica receives the schema from the primary (PostgreSQL replication).
        return db != REPLICA
