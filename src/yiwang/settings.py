"""Django settings for yiwang, read only from ``YIWANG_*`` variables (:mod:`yiwang.config`)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url

from yiwang import config

BASE_DIR = Path(__file__).resolve().parent
DEBUG = config.get("YIWANG_DEBUG")
VAR_DIR = config.var_dir()
SECRET_KEY = config.secret_key(DEBUG)
PII_KEY = config.pii_key(DEBUG)

ALLOWED_HOSTS = config.get("YIWANG_ALLOWED_HOSTS")
if not DEBUG and not ALLOWED_HOSTS:
    raise config.ConfigError("YIWANG_ALLOWED_HOSTS must be set when YIWANG_DEBUG=0")
CSRF_TRUSTED_ORIGINS = config.get("YIWANG_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "yiwang.core",
    "yiwang.worktime",
    "yiwang.notify",
    "yiwang.hotline",
    "yiwang.catalog",
    "yiwang.cases",
    "yiwang.ratings",
    "yiwang.registry",
    "yiwang.policy",
    "yiwang.portal",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",  # serves Swagger UI for /api/v1/docs from its own static files (no CDN)
]

MIDDLEWARE = [
    "yiwang.core.middleware.RequestContextMiddleware",
    "yiwang.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiwang.core.middleware.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

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
                "yiwang.portal.context_processors.shell",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------
_db_url = config.get("YIWANG_DATABASE_URL")
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE avoids
        # "database is locked" upgrades from read to write transactions.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- tasks (Huey) ---------------------------------------------------------------------------
_tasks = urlsplit(config.get("YIWANG_TASKS_URL"))
if _tasks.scheme == "sqlite":
    _tasks_file = Path(unquote(_tasks.path)) if _tasks.path else VAR_DIR / "tasks.sqlite3"
    _tasks_file.parent.mkdir(parents=True, exist_ok=True)
    HUEY = {"huey_class": "huey.SqliteHuey", "filename": str(_tasks_file)}
elif _tasks.scheme in {"redis", "rediss"}:
    HUEY = {"huey_class": "huey.RedisHuey", "url": config.get("YIWANG_TASKS_URL")}
elif _tasks.scheme == "memory":
    HUEY = {"huey_class": "huey.MemoryHuey"}
else:
    raise config.ConfigError(
        f"YIWANG_TASKS_URL scheme {_tasks.scheme!r} is not supported (sqlite, redis, memory)"
    )
HUEY.update(
    {
        "name": f"yiwang-{config.test_worker()}" if config.test_worker() else "yiwang",
        # Never derive from DEBUG (Huey's default): only memory:// runs tasks inline.
        "immediate": _tasks.scheme == "memory",
        "utc": True,
        "consumer": {"workers": config.get("YIWANG_WORKER_CONCURRENCY"), "worker_type": "thread"},
    }
)

# --- cache ------------------------------------------------------------------------------
_cache_url = config.get("YIWANG_CACHE_URL")
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": config.worker_redis_url(_cache_url),
        }
    }
elif _cache_url.startswith("locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise config.ConfigError(f"YIWANG_CACHE_URL={_cache_url!r}: use locmem:// or redis://")

# --- authentication and 等保 level-3 session rules ----------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "yiwang.core.passwords.ComplexityValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# The security policy's idle timeout replaces this per session, as a sliding expiry written at
# most once a minute (core.middleware.session_keep_alive). Never SESSION_SAVE_EVERY_REQUEST:
# one write per request queues parallel requests on SQLite's writer ("database is locked").
SESSION_COOKIE_AGE = 30 * 60

# --- internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = config.get("YIWANG_LANGUAGE")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = config.get("YIWANG_TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- email --------------------------------------------------------------------------------
_mail = urlsplit(config.get("YIWANG_EMAIL_URL"))
DEFAULT_FROM_EMAIL = config.get("YIWANG_EMAIL_FROM")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if _mail.scheme == "file":
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = unquote(_mail.path) or str(VAR_DIR / "mail")
elif _mail.scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
elif _mail.scheme == "locmem":
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
elif _mail.scheme in {"smtp", "smtp+tls", "smtp+ssl"}:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _mail.hostname or "localhost"
    EMAIL_PORT = _mail.port or (465 if _mail.scheme == "smtp+ssl" else 587)
    EMAIL_HOST_USER = unquote(_mail.username or "")
    EMAIL_HOST_PASSWORD = unquote(_mail.password or "")
    EMAIL_USE_TLS = _mail.scheme == "smtp+tls"
    EMAIL_USE_SSL = _mail.scheme == "smtp+ssl"
    EMAIL_TIMEOUT = 15
else:
    raise config.ConfigError(f"YIWANG_EMAIL_URL scheme {_mail.scheme!r} is not supported")

# --- platform parameters ---------------------------------------------------------------
YIWANG_SMS_PROVIDER = config.get("YIWANG_SMS_PROVIDER")
YIWANG_AUDIT_RETENTION_DAYS = max(180, config.get("YIWANG_AUDIT_RETENTION_DAYS"))

# --- production hardening (`yiwang manage check --deploy` passes with YIWANG_DEBUG=0) -----
if not DEBUG:
    _ssl_redirect = config.get("YIWANG_SECURE_SSL_REDIRECT")
    SECURE_SSL_REDIRECT = True if _ssl_redirect is None else _ssl_redirect
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- logging: personal data never reaches a log line (see yiwang.core.logging) ------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "yiwang.core.pii.MaskPiiLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_pii"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "yiwang": {
            "handlers": ["console"],
            "level": config.get("YIWANG_LOG_LEVEL"),
            "propagate": False,
        },
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        # The Huey consumer installs its own handler; keep its lines from printing twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}
