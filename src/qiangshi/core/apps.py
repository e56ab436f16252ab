import os

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "qiangshi.core"
    label = "core"

    def ready(self) -> None:
        # The `qiangshi` command's language (see qiangshi.cli): activated once Django is set
        # up with the settings the command line chose, for the command's own thread only.
        language = os.environ.get("QIANGSHI_COMMAND_LANGUAGE")
        if language:
            from django.utils import translation

            translation.activate(language)
