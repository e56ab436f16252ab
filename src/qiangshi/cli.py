"""The `qiangshi` console command: this project's manage.py."""

import os
import sys


def language_from_environment(environ=os.environ) -> str | None:
    """The operator's language for commands' messages, from the usual locale variables
    (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`, the first one set): "en" or "zh-hans", or
    None (the site's default, Chinese) for any other language or none."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if not value:
            continue
        first = value.split(":")[0].lower()
        if first.startswith("en"):
            return "en"
        if first.startswith("zh"):
            return "zh-hans"
        if first not in ("c", "posix", "c.utf-8"):
            return None
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    # Activated by the core app once the settings (--settings included) are loaded; set here
    # for this process only (a server it starts keeps each request's own language).
    language = language_from_environment()
    if language is not None:
        os.environ["QIANGSHI_COMMAND_LANGUAGE"] = language
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
