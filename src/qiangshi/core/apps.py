import os

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qiangshi.core"
    label = "core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the encryption key check)
        from .keys import record_fingerprint

        post_migrate.connect(record_fingerprint, sender=self)
        # The `qiangshi` command's language (see qiangshi.cli): activated once Django is set
        # up with the settings the command line chose, for the command's own thread only.
        language = os.environ.get("QIANGSHI_COMMAND_LANGUAGE")
        if language:
            from django.utils import translation

            translation.activate(language)
