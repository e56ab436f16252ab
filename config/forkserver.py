"""Loaded once by the fork server of job processes (see qiangshi.core.background): Django set up
and every app's tasks imported, so that each job's process, forked from it, starts at once."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

try:
    import django

    django.setup()
    from config.celery import app

    app.loader.import_default_modules()
except Exception:  # each child sets Django up itself then, and reports what fails
    pass
