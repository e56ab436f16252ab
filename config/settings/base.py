"""Settings shared by every environment. Values come from the environment (cookiecutter-django)."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("QIANGSHI_VAR_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Off unless a developer asks for it (DJANGO_DEBUG=1): with it on, an error shows Django's
# technical page (settings, every URL pattern) instead of the friendly 400/403/404/500 pages.
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: runserver leaves /static/ to WhiteNoise, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "qiangshi.core",
    "qiangshi.org",
    "qiangshi.access",
    "qiangshi.teachers",
    "qiangshi.imports",
    "qiangshi.balance",
    "qiangshi.staffing",
    "qiangshi.workflow",
    "qiangshi.ethics",
    "qiangshi.awards",
    "qiangshi.training",
    "qiangshi.leadership",
    "qiangshi.titles",
    "qiangshi.rotation",
    "qiangshi.placement",
    "qiangshi.welfare",
    "qiangshi.talent",
    "qiangshi.pilot",
    "qiangshi.practices",
    "qiangshi.demo",
    "qiangshi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qiangshi.core.security.SecurityHeadersMiddleware",
    # Static files with DEBUG off: from STATIC_ROOT (collectstatic), and with DEBUG on straight
    # from static/ and the apps' static/ folders, re-read on each request.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qiangshi.core.middleware.QiangshiLocaleMiddleware",
    "qiangshi.core.middleware.RequestBodyLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "qiangshi.core.edge.RejectInvalidInputMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "qiangshi.access.middleware.LoginPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "config.urls"
# Django's form renderer, with the common widgets written in Python (same markup, a fraction of
# the time): see qiangshi.web.renderers.
FORM_RENDERER = "qiangshi.web.renderers.FastRenderer"
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

# PostgreSQL session settings for an interactive workload. JIT compilation pays off for long
# analytic queries; on a page's short queries the planner's cost estimates cross its threshold
# and compiling takes longer than running (measured: 350 ms of a 1.1 s list count at province
# scale). QIANGSHI_PG_OPTIONS replaces the default (libpq "options" syntax).
PG_OPTIONS = os.environ.get("QIANGSHI_PG_OPTIONS", "-c jit=off")
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and PG_OPTIONS:
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = PG_OPTIONS

# A read replica for reports and exports (qiangshi.core.dbrouter), when given.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    if DATABASES["replica"]["ENGINE"].startswith("django.db.backends.postgresql") and PG_OPTIONS:
        DATABASES["replica"].setdefault("OPTIONS", {})["options"] = PG_OPTIONS
DATABASE_ROUTERS = ["qiangshi.core.dbrouter.ReportReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": int(os.environ.get("QIANGSHI_PASSWORD_MIN_LENGTH", "12"))},
    },
    # Django's list of 20,000 common passwords ("12345678", "password", …).
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login protection (django-axes): after QIANGSHI_LOGIN_FAILURE_LIMIT failures in a row, an account
# and, separately, an address are locked for QIANGSHI_LOGIN_COOLOFF_MINUTES, or until an
# administrator unlocks them (Users → Locked logins). Every login, failure and lockout is written
# to the audit log (qiangshi.access.signals).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("QIANGSHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("QIANGSHI_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "qiangshi.web.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "qiangshi.access.auth.client_ip"

# A session ends after QIANGSHI_SESSION_IDLE_MINUTES without a request (default 30), and in any
# case when the browser closes or after SESSION_COOKIE_AGE (12 hours).
QIANGSHI_SESSION_IDLE_MINUTES = int(os.environ.get("QIANGSHI_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_AGE = int(os.environ.get("QIANGSHI_SESSION_MAX_HOURS", "12")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Users whose password was set by someone else (demo logins, accounts created or reset by an
# administrator) must choose their own at their next login. On in production settings.
QIANGSHI_FORCE_PASSWORD_CHANGE = os.environ.get("QIANGSHI_FORCE_PASSWORD_CHANGE", "0") == "1"
# Roles that may enrol a TOTP second factor (asked at every login once enrolled).
QIANGSHI_TOTP_ROLES = ["admin", "bureau"]
# Teachers and expert reviewers have no use for the API tokens page unless this is on.
QIANGSHI_API_TOKENS_FOR_ALL_ROLES = os.environ.get("QIANGSHI_API_TOKENS_FOR_ALL_ROLES", "0") == "1"
OTP_TOTP_ISSUER = "Qiangshi"

# Response headers (qiangshi.core.security): no inline script anywhere, so script-src is 'self'
# only; the templates keep a few style attributes and ECharts sets styles, hence 'unsafe-inline'
# for styles only.
QIANGSHI_CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
QIANGSHI_PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# HSTS is sent on HTTPS responses only (Django's SecurityMiddleware); production turns it on.
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("DJANGO_HSTS_INCLUDE_SUBDOMAINS", "0") == "1"
# X-Forwarded-Proto is believed only when the operator says a reverse proxy in front sets it
# (and overwrites any value a client sent); otherwise a client could claim HTTPS.
QIANGSHI_PROXY_SETS_FORWARDED_PROTO = (
    os.environ.get("QIANGSHI_PROXY_SETS_FORWARDED_PROTO", "0") == "1"
)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if QIANGSHI_PROXY_SETS_FORWARDED_PROTO else None
)

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
# Scheduled work when a broker is set (`qiangshi serve` starts beat; or `celery -A config
# beat`): the daily commands of docs/deploy.md, which lists them as cron lines otherwise.
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    # rotation plans whose effective date has come take effect; ended terms come home
    "rotation-apply": {
        "task": "core.scheduled_command",
        "schedule": crontab(hour=1, minute=10),
        "args": ("rotation", "apply"),
    },
    # stored uploads hold ID numbers in clear: gone after a week
    "purge-import-files": {
        "task": "core.scheduled_command",
        "schedule": crontab(hour=1, minute=20),
        "args": ("purge_import_files", "--days", "7"),
    },
    # the teachers' current state against their history; a degree whose graduation date has
    # come becomes the current one
    "check-projections": {
        "task": "core.scheduled_command",
        "schedule": crontab(hour=0, minute=5),
        "args": ("check_projections", "--fix"),
    },
}
# Without a broker, a job runs in the background of the web process (an import in a
# memory-capped child process, other jobs in a thread), so that its page shows the progress
# (see qiangshi.core.background); "0" runs it within the request instead.
QIANGSHI_JOBS_IN_THREADS = os.environ.get("QIANGSHI_JOBS_IN_THREADS", "1") != "0"

PAGE_SIZE = 50
# The dashboard's counts are shared by the users of one area for this long (0: never kept).
QIANGSHI_DASHBOARD_CACHE_SECONDS = int(os.environ.get("QIANGSHI_DASHBOARD_CACHE_SECONDS", "600"))
# A teacher search by ID number travels as an opaque token valid this long (never in a URL).
QIANGSHI_SEARCH_TOKEN_MINUTES = int(os.environ.get("QIANGSHI_SEARCH_TOKEN_MINUTES", "30"))


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
# Exports: one with more rows than this (teachers, for the national template, whose rows cost
# ~10 times more) runs as a background job with a progress page and a download link for the
# user who asked; its file is deleted after RETENTION days (`qiangshi purge_import_files`).
QIANGSHI_EXPORT_INLINE_MAX = _env_int("QIANGSHI_EXPORT_INLINE_MAX", 5000)
QIANGSHI_EXPORT_NATIONAL_INLINE_MAX = _env_int("QIANGSHI_EXPORT_NATIONAL_INLINE_MAX", 1000)
QIANGSHI_EXPORT_RETENTION_DAYS = _env_int("QIANGSHI_EXPORT_RETENTION_DAYS", 7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
