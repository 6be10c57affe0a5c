"""Django settings, read only from the environment.

- `DATABASE_URL`: PostgreSQL (`postgres://user@host:5432/name`) or SQLite (`sqlite:///path`).
  Unset: an SQLite file `tenue.sqlite3` in `TENUE_HOME`.
- `TENUE_HOME`: the data folder (SQLite file, documents); default `./var`.
- `TENUE_SECRET_KEY`: the signing key; unset, a random one is kept in `TENUE_HOME/secret.key`.
- `TENUE_DEBUG`: `1` for development pages with tracebacks (default `0`).
- `TENUE_ALLOWED_HOSTS`: comma-separated, default `127.0.0.1,localhost`.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
TENUE_HOME = Path(os.environ.get("TENUE_HOME", "var")).resolve()

DEBUG = os.environ.get("TENUE_DEBUG", "0") == "1"


def _secret_key() -> str:
    """TENUE_SECRET_KEY, or a random key kept in TENUE_HOME (made on first start, mode 0600)."""
    if os.environ.get("TENUE_SECRET_KEY"):
        return os.environ["TENUE_SECRET_KEY"]
    path = TENUE_HOME / "secret.key"
    if not path.exists():
        import secrets

        TENUE_HOME.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("TENUE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "tenue.firms",
    "tenue.ledger",
    "tenue.analytics",
    "tenue.documents",
    "tenue.booking",
    "tenue.bank",
    "tenue.reports",
    "tenue.assets",
    "tenue.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "tenue.urls"
WSGI_APPLICATION = "tenue.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL")
    if not url:
        TENUE_HOME.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{TENUE_HOME / 'tenue.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two posters queue
        # instead of failing on a lock upgrade; WAL lets readers work while one writes.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Tests use a file, not memory, so that threads of the concurrency tests share it.
        config["TEST"] = {"NAME": str(TENUE_HOME / "test-tenue.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:portfolio"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = TENUE_HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from it once collected
MEDIA_ROOT = TENUE_HOME / "documents"


def _document_storage() -> dict[str, object]:
    """Documents on the local disk (TENUE_HOME/documents), or in an S3-compatible bucket when
    TENUE_S3_BUCKET is set (TENUE_S3_ENDPOINT_URL, TENUE_S3_REGION, and the usual
    AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY for the credentials)."""
    bucket = os.environ.get("TENUE_S3_BUCKET")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options: dict[str, object] = {
        "bucket_name": bucket,
        "file_overwrite": False,
        "default_acl": None,
        "querystring_auth": True,
    }
    if os.environ.get("TENUE_S3_ENDPOINT_URL"):
        options["endpoint_url"] = os.environ["TENUE_S3_ENDPOINT_URL"]
    if os.environ.get("TENUE_S3_REGION"):
        options["region_name"] = os.environ["TENUE_S3_REGION"]
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _document_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"

TENUE_PAGE_SIZE = int(os.environ.get("TENUE_PAGE_SIZE", "100"))
TENUE_MAIL_DOMAIN = os.environ.get("TENUE_MAIL_DOMAIN", "collecte.tenue.local")
TENUE_TASKS_EAGER = os.environ.get("TENUE_TASKS_EAGER", "0") == "1"
# Bank connections through GoCardless Bank Account Data (tenue.bank.connections): its secrets
TENUE_GOCARDLESS_SECRET_ID = os.environ.get("TENUE_GOCARDLESS_SECRET_ID", "")
TENUE_GOCARDLESS_SECRET_KEY = os.environ.get("TENUE_GOCARDLESS_SECRET_KEY", "")
# A document is read (e-invoice, PDF text, OCR) and its entry proposed as soon as it arrives.
TENUE_READ_ON_ARRIVAL = os.environ.get("TENUE_READ_ON_ARRIVAL", "1") == "1"
TENUE_UPLOAD_MAX_BYTES = int(os.environ.get("TENUE_UPLOAD_MAX_BYTES", str(2 * 1024**3)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # larger uploads go to a temporary file
# At scale: jobs go to Celery workers through this broker, and the job states (progress shown on
# the web pages) live in a cache every process shares. Both unset: threads and local memory.
TENUE_TASK_BROKER = os.environ.get("TENUE_TASK_BROKER", "")
TENUE_REDIS_URL = os.environ.get("TENUE_REDIS_URL", "")
if TENUE_TASK_BROKER and not TENUE_REDIS_URL:
    raise ImproperlyConfigured(
        "TENUE_TASK_BROKER demande TENUE_REDIS_URL : l'état des tâches doit être partagé "
        "entre les processus web et les workers"
    )
_REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"
CACHES = {
    "default": {"BACKEND": _REDIS_CACHE, "LOCATION": TENUE_REDIS_URL}
    if TENUE_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
