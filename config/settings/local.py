"""The embedded default: SQLite under var/, keys read from var/ when not in the env.

DEBUG is off, as `make demo` serves it: errors show the friendly pages and WhiteNoise serves the
collected static files (`make serve` runs collectstatic into var/static). A developer who wants
Django's technical error pages sets DJANGO_DEBUG=1 (static files are then read from static/ and
the apps without collecting).
"""

from .base import *  # noqa: F403
from .base import VAR_DIR
from .keys import load_or_create_local_keys

SECRET_KEY, QIANGSHI_ENCRYPTION_KEY = load_or_create_local_keys(VAR_DIR)
