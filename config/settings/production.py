"""Production: every secret from the environment; refuse to start without them."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

# `make serve` runs these settings on a workstation: it asks for the keys the demo generated
# into var/keys.env (QIANGSHI_LOCAL_KEYS=1) instead of the environment. A real installation
# never sets it.
if os.environ.get("QIANGSHI_LOCAL_KEYS") == "1":
    from .keys import load_or_create_local_keys

    for _name, _value in zip(
        ("DJANGO_SECRET_KEY", "QIANGSHI_ENCRYPTION_KEY"),
        load_or_create_local_keys(VAR_DIR),
        strict=True,
    ):
        os.environ.setdefault(_name, _value)

REQUIRED_SECRETS = ("DJANGO_SECRET_KEY", "QIANGSHI_ENCRYPTION_KEY")
_missing = [name for name in REQUIRED_SECRETS if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables, which are missing or empty: "
        + ", ".join(_missing)
        + ". Set them before starting (see README, 'Settings and secrets'); keep the encryption "
        "key that encrypted the existing data. / 生产环境缺少以下环境变量（未设置或为空）："
        + "、".join(_missing)
        + "。请先设置后再启动（见 README“Settings and secrets”）；加密密钥须与加密现有数据时所用的一致。"
    )

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
QIANGSHI_ENCRYPTION_KEY = os.environ["QIANGSHI_ENCRYPTION_KEY"]
DEBUG = False
SESSION_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "1") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SSL_REDIRECT", "1") == "1"
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]
QIANGSHI_FORCE_PASSWORD_CHANGE = os.environ.get("QIANGSHI_FORCE_PASSWORD_CHANGE", "1") == "1"

# Static files: collectstatic writes each file under a name with its content's hash, and a
# gzip (and, where Brotli is installed, a Brotli) copy beside it; WhiteNoise serves them from
# the application itself with a far-future cache header, so one process serves the pages,
# their assets and /api/docs with no web server in front.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "qiangshi.core.staticstorage.StaticFilesStorage"},
}

# One cache for every worker process of the server: the figures shared between the users of
# an area (dashboard counts, region evaluations; qiangshi.core.shared) are computed once per
# minute, not once per process. Redis when QIANGSHI_CACHE_URL names one (several machines),
# else files under the var directory (one machine; Django's file-based cache).
if os.environ.get("QIANGSHI_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["QIANGSHI_CACHE_URL"],
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }

# Persistent database connections: a new PostgreSQL connection for every request costs a few
# milliseconds of both cores' time (measured with 20 concurrent users). Each server thread keeps
# its own for a minute, checked before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if "replica" in DATABASES:
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
