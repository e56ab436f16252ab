"""Production: every secret from the environment; refuse to start without them."""

import os

from .base import *  # noqa: F403

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
QIANGSHI_ENCRYPTION_KEY = os.environ["QIANGSHI_ENCRYPTION_KEY"]
DEBUG = False
SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
