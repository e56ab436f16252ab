"""Test settings: SQLite in memory unless DATABASE_URL points at PostgreSQL."""

import os

from .base import *  # noqa: F403
from .base import DATABASES

SECRET_KEY = "test-secret-key-not-for-production"
QIANGSHI_ENCRYPTION_KEY = "test-encryption-key-not-for-production"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Nothing is collected for the tests (WhiteNoise would warn about a missing var/static); a test
# of static serving collects into a temporary directory.
STATIC_ROOT = None
CELERY_TASK_ALWAYS_EAGER = True
QIANGSHI_JOBS_IN_THREADS = False  # jobs finish within the request that starts them
# Every test sees its own counts (a test of the dashboard cache turns it on).
QIANGSHI_DASHBOARD_CACHE_SECONDS = 0
