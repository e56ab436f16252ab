"""Settings shared by every environment. Values come from the environment (cookiecutter-django)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("QIANGSHI_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "qiangshi.core",
    "qiangshi.org",
    "qiangshi.access",
    "qiangshi.teachers",
    "qiangshi.imports",
    "qiangshi.balance",
    "qiangshi.staffing",
    "qiangshi.ethics",
    "qiangshi.rotation",
    "qiangshi.placement",
    "qiangshi.demo",
    "qiangshi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qiangshi.core.middleware.QiangshiLocaleMiddleware",
    "qiangshi.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qiangshi.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'qiangshi.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

# Sensitive personal information (national ID, phone, pay) is encrypted at rest with this key
# and looked up through a keyed hash. Both come from the environment; see qiangshi.core.crypto.
QIANGSHI_ENCRYPTION_KEY = os.environ.get("QIANGSHI_ENCRYPTION_KEY", "")

# Bulk imports on PostgreSQL check the foreign keys they write as a set (one query per key,
# locking the rows pointed at) instead of row by row, where the database role may set
# session_replication_role; "0" keeps the row-by-row triggers. See qiangshi.core.bulk.
QIANGSHI_BULK_SET_FOREIGN_KEY_CHECK = (
    os.environ.get("QIANGSHI_BULK_SET_FOREIGN_KEY_CHECK", "1") != "0"
)

# Celery: with no broker configured, tasks run in-process (eagerly) with the same progress records.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Without a broker, a job runs in the background of the web process (an import in a
# memory-capped child process, other jobs in a thread), so that its page shows the progress
# (see qiangshi.core.background); "0" runs it within the request instead.
QIANGSHI_JOBS_IN_THREADS = os.environ.get("QIANGSHI_JOBS_IN_THREADS", "1") != "0"

PAGE_SIZE = 50


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Imports: what reading one uploaded file may cost (qiangshi.engines.workbook_limits). A file
# beyond any cap is refused, in Chinese and English, before it is read.
QIANGSHI_IMPORT_MAX_UPLOAD_MB = _env_int("QIANGSHI_IMPORT_MAX_UPLOAD_MB", 200)
QIANGSHI_IMPORT_MAX_ROWS = _env_int("QIANGSHI_IMPORT_MAX_ROWS", 1_000_000)
QIANGSHI_IMPORT_MAX_CELLS = _env_int("QIANGSHI_IMPORT_MAX_CELLS", 32_000_000)
QIANGSHI_IMPORT_MAX_UNCOMPRESSED_MB = _env_int("QIANGSHI_IMPORT_MAX_UNCOMPRESSED_MB", 2048)
QIANGSHI_IMPORT_MAX_COMPRESSION_RATIO = _env_int("QIANGSHI_IMPORT_MAX_COMPRESSION_RATIO", 100)
QIANGSHI_IMPORT_MAX_SHARED_STRINGS_MB = _env_int("QIANGSHI_IMPORT_MAX_SHARED_STRINGS_MB", 256)
QIANGSHI_IMPORT_MAX_TEXT_MB = _env_int("QIANGSHI_IMPORT_MAX_TEXT_MB", 512)
# A request body larger than the upload cap (plus 1 MB for the form's other fields) is refused
# before it is read (qiangshi.core.middleware); Django's cap on the fields of a form (not its
# files) stays at its default, 2.5 MB.
QIANGSHI_MAX_REQUEST_BODY_MB = _env_int(
    "QIANGSHI_MAX_REQUEST_BODY_MB", QIANGSHI_IMPORT_MAX_UPLOAD_MB + 1
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Without a broker, an import runs in a child process whose address space is capped at this
# (0: in a thread of the web process, uncapped); with a broker, Celery replaces a worker child
# that has grown past it (CELERY_WORKER_MAX_MEMORY_PER_CHILD, in KiB) and the task caps its
# own address space the same way. See qiangshi.core.background.
QIANGSHI_IMPORT_MEMORY_LIMIT_MB = _env_int("QIANGSHI_IMPORT_MEMORY_LIMIT_MB", 4096)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = QIANGSHI_IMPORT_MEMORY_LIMIT_MB * 1024 or None
# A job whose heartbeat (saved with its progress, and every HEARTBEAT seconds while it runs)
# is older than this is taken as dead: marked failed, its file purged on schedule, retryable.
QIANGSHI_JOB_HEARTBEAT_SECONDS = _env_int("QIANGSHI_JOB_HEARTBEAT_SECONDS", 30)
QIANGSHI_JOB_STALE_AFTER_SECONDS = _env_int("QIANGSHI_JOB_STALE_AFTER_SECONDS", 600)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
