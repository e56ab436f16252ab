import os

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qiangshi.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the encryption key check)
        from .keys import record_fingerprint

        post_migrate.connect(record_fingerprint, sender=self)
        connection_created.connect(_watch_writes)
        # The `qiangshi` command's language (see qiangshi.cli): activated once Django is set
        # up with the settings the command line chose, for the command's own thread only.
        language = os.environ.get("QIANGSHI_COMMAND_LANGUAGE")
        if language:
            from django.utils import translation

            translation.activate(language)


def _watch_writes(sender, connection, **kwargs) -> None:
    """Every database connection announces its writes to the shared figures (core.shared)."""
    from .shared import watch_writes

    if watch_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch_writes)
