"""Waypoint settings: one module, driven by the environment (see config/env.py).

WAYPOINT_ENV=dev (the default) generates its own secrets into var/ (mode 0600);
WAYPOINT_ENV=production requires every secret and reports a missing one as a system check
error naming it (accounts.E001).
"""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    MISSING,
    email_settings,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    env_words,
    random_secret_key,
    required_secret,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("WAYPOINT_VAR_DIR", str(BASE_DIR / "var")))

WAYPOINT_ENV = env_str("WAYPOINT_ENV", "dev")
if WAYPOINT_ENV not in {"dev", "production"}:
    raise ImproperlyConfigured(f"WAYPOINT_ENV must be dev or production, not {WAYPOINT_ENV!r}")
PRODUCTION = WAYPOINT_ENV == "production"
DEV_SECRETS = None if PRODUCTION else VAR_DIR

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be on with WAYPOINT_ENV=production")


def _keyring() -> str:
    from vault.keyring import generate

    return generate().to_json()


SECRET_KEY = required_secret(
    "SECRET_KEY",
    dev_file=DEV_SECRETS and DEV_SECRETS / "secret_key",
    generate=random_secret_key,
)
WAYPOINT_KEYRING = required_secret(
    "WAYPOINT_KEYRING",
    dev_file=DEV_SECRETS and DEV_SECRETS / "keyring.json",
    generate=_keyring,
)
if not SECRET_KEY:
    # Only so that the process gets far enough to report accounts.E001; the check fails
    # every management command and the WSGI application refuses to start.
    SECRET_KEY = "unset-" + random_secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    MISSING.append("ALLOWED_HOSTS")
# The public address, for links in e-mails and as the WebAuthn relying party. Production
# defaults to https:// and the first allowed host.
WAYPOINT_BASE_URL = env_str(
    "WAYPOINT_BASE_URL",
    f"https://{ALLOWED_HOSTS[0].lstrip('.')}"
    if PRODUCTION and ALLOWED_HOSTS
    else "http://127.0.0.1:8000",
).rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The reverse proxies (addresses or networks) whose X-Forwarded-* headers are believed: nginx
# on the same machine by default. Everyone else's are dropped (accounts.middleware).
WAYPOINT_TRUSTED_PROXIES = env_list("WAYPOINT_TRUSTED_PROXIES", "127.0.0.1,::1")
for _proxy in WAYPOINT_TRUSTED_PROXIES:
    try:
        ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"WAYPOINT_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from None

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp_webauthn",
    "axes",
    "csp",
    "guardian",
    "vault",
    "audit",
    "accounts",
    "casework",
    "deadlines",
    "evacuation",
    "stats",
    "intake",
    "ops",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "accounts.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "accounts.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "accounts.middleware.SameOriginPostMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.PreferredLanguageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.ActiveOrganisationMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.navigation",
            ],
            "builtins": ["accounts.templatetags.dates"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_secret("DATABASE_URL")
if not DATABASE_URL:
    if PRODUCTION:
        MISSING.append("DATABASE_URL")
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'waypoint.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and Celery broker --------------------------------------------------------
REDIS_URL = env_secret("REDIS_URL")
if PRODUCTION and not REDIS_URL:
    MISSING.append("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "wp",
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # Lockout counters must be shared by every process of the embedded setup
        # (`manage.py createcachetable` creates the table).
        "axes": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "axes_cache",
        },
    }

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# guardian: no anonymous user row (anonymous visitors hold no object permission).
ANONYMOUS_USER_NAME: str | None = None
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: per account and per IP, kept in the cache (hashed keys), never in a table that
# would hold typed e-mail addresses and IP addresses.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default" if REDIS_URL else "axes"
AXES_FAILURE_LIMIT = env_int("WAYPOINT_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("WAYPOINT_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.security.client_ip"

OTP_TOTP_ISSUER = "Waypoint"
# WebAuthn refuses IP addresses as relying party: in dev, passkeys work at http://localhost:8000.
OTP_WEBAUTHN_RP_ID = env_str(
    "WAYPOINT_WEBAUTHN_RP_ID",
    (urlsplit(WAYPOINT_BASE_URL).hostname or "") if PRODUCTION else "localhost",
)
OTP_WEBAUTHN_RP_NAME = "Waypoint"
# Passkeys are a second factor after the password, never a way in on their own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = env_list(
    "WAYPOINT_WEBAUTHN_ORIGINS",
    WAYPOINT_BASE_URL if PRODUCTION else "http://localhost:8000",
)
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Sessions -------------------------------------------------------------------------------
SESSION_ENGINE = "accounts.sessions"
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("WAYPOINT_SESSION_IDLE_MINUTES", 60))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("WAYPOINT_SESSION_MAX_HOURS", 10))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
REAUTH_WINDOW = timedelta(minutes=10)
INVITATION_LIFETIME = timedelta(hours=72)

# --- HTTP hardening -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # Read only from a trusted proxy: accounts.middleware.TrustedProxyMiddleware drops the
    # header of any other peer.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        # NONCE is django-csp's marker for "this response's nonce"; a literal "'nonce'"
        # string would be sent as is, and no nonce would ever be allowed.
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
# The switcher shows each in its own name (Django's LANG_INFO name_local).
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("de", _("German")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("WAYPOINT_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Uploads and case documents (casework) -----------------------------------------------
# Uploads stay in memory up to our own limit and are refused above it: Django's default
# handlers would write anything above 2.5 MB to a plaintext temporary file.
WAYPOINT_UPLOAD_MAX_BYTES = env_int("WAYPOINT_UPLOAD_MAX_BYTES", 25 * 1024 * 1024)

# Key-encryption key epochs: the sealing KEK is replaced every WAYPOINT_KEK_EPOCH_DAYS, and a
# replaced one is retired once the backups made while it sealed have expired (the backup
# retention, KEEP_DAILY + 7 * KEEP_WEEKLY days): then a shredded section opens in no backup.
WAYPOINT_KEK_EPOCH_DAYS = env_int("WAYPOINT_KEK_EPOCH_DAYS", 30)
WAYPOINT_BACKUP_KEEP_DAILY = env_int("WAYPOINT_BACKUP_KEEP_DAILY", 7)
WAYPOINT_BACKUP_KEEP_WEEKLY = env_int("WAYPOINT_BACKUP_KEEP_WEEKLY", 5)
if WAYPOINT_KEK_EPOCH_DAYS < 1:
    raise ImproperlyConfigured("WAYPOINT_KEK_EPOCH_DAYS must be at least 1")
FILE_UPLOAD_HANDLERS = ["casework.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = WAYPOINT_UPLOAD_MAX_BYTES
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Encrypted document files from before documents moved into the database (docs/storage.md).
WAYPOINT_MEDIA_ROOT = Path(env_str("WAYPOINT_MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Contact page (intake.contact) ---------------------------------------------------------
# /contact/ sends its intakes to the organisation with this slug (empty: the page is off).
# Abuse control without IP addresses: new intakes per clock hour for the whole page (the
# organisation's admins are alerted when it is spent), reads and follow-ups per reply phrase
# per day, the message's length and the attachment's size (at most the upload limit).
WAYPOINT_CONTACT_ORGANISATION = env_str(
    "WAYPOINT_CONTACT_ORGANISATION", "" if PRODUCTION else "get-lost"
)
WAYPOINT_CONTACT_HOURLY_BUDGET = env_int("WAYPOINT_CONTACT_HOURLY_BUDGET", 30)
WAYPOINT_CONTACT_PHRASE_READS = env_int("WAYPOINT_CONTACT_PHRASE_READS", 30)
WAYPOINT_CONTACT_PHRASE_FOLLOWUPS = env_int("WAYPOINT_CONTACT_PHRASE_FOLLOWUPS", 10)
WAYPOINT_CONTACT_MAX_CHARS = env_int("WAYPOINT_CONTACT_MAX_CHARS", 5000)
WAYPOINT_CONTACT_MAX_UPLOAD_BYTES = min(
    env_int("WAYPOINT_CONTACT_MAX_UPLOAD_BYTES", 10 * 1024 * 1024), WAYPOINT_UPLOAD_MAX_BYTES
)
# Seconds a served form stays valid (writing takes time), and the answers page's reply box.
WAYPOINT_CONTACT_FORM_MAX_AGE = env_int("WAYPOINT_CONTACT_FORM_MAX_AGE", 2 * 3600)
WAYPOINT_CONTACT_FOLLOWUP_MAX_AGE = env_int("WAYPOINT_CONTACT_FOLLOWUP_MAX_AGE", 30 * 60)

# --- Audit checkpoints (audit) -------------------------------------------------------------
# Signed heads of the audit chain, written nightly OUTSIDE the database (mode 0600 files in a
# 0700 folder): whoever can rewrite the database cannot rewrite these. Back this folder up
# apart from the database; audit_verify checks against the newest file in it.
WAYPOINT_CHECKPOINT_DIR = Path(env_str("WAYPOINT_CHECKPOINT_DIR", str(VAR_DIR / "checkpoints")))

# --- Backups (ops.backups) -----------------------------------------------------------------
# `manage.py backup` (nightly through beat) writes archives here, encrypted to the age public
# keys in RECIPIENTS, and keeps the newest of each of the last KEEP_DAILY days and KEEP_WEEKLY
# weeks that have one. The identity opens them, for `restore_drill` only: keep it elsewhere.
WAYPOINT_BACKUP_DIR = Path(env_str("WAYPOINT_BACKUP_DIR", str(VAR_DIR / "backups")))
WAYPOINT_BACKUP_RECIPIENTS = env_words("WAYPOINT_BACKUP_RECIPIENTS")
WAYPOINT_BACKUP_IDENTITY = env_secret("WAYPOINT_BACKUP_IDENTITY")
# KEEP_DAILY and KEEP_WEEKLY are set with the key epochs above.

# --- Statistics (stats) --------------------------------------------------------------------
# Cells under K are hidden; shown counts are rounded to ROUNDING; months whose end is less than
# DELAY_DAYS ago are not published. DP_EPSILON > 0 turns on differential privacy: each table
# gets noise with that ε, at most DP_BUDGET ε per month (values in thousandths: 500 = 0.5).
WAYPOINT_STATS_K = env_int("WAYPOINT_STATS_K", 10)
WAYPOINT_STATS_ROUNDING = env_int("WAYPOINT_STATS_ROUNDING", 5)
WAYPOINT_STATS_DELAY_DAYS = env_int("WAYPOINT_STATS_DELAY_DAYS", 30)
WAYPOINT_STATS_DP_EPSILON_MILLI = env_int("WAYPOINT_STATS_DP_EPSILON_MILLI", 0)
WAYPOINT_STATS_DP_BUDGET_MILLI = env_int("WAYPOINT_STATS_DP_BUDGET_MILLI", 10000)

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_URL = env_secret("EMAIL_URL")
if not EMAIL_URL:
    if PRODUCTION:
        MISSING.append("EMAIL_URL")
    EMAIL_URL = "console:"
_email = email_settings(EMAIL_URL)
EMAIL_BACKEND = _email.backend
EMAIL_HOST = _email.host
EMAIL_PORT = _email.port
EMAIL_HOST_USER = _email.user
EMAIL_HOST_PASSWORD = _email.password
EMAIL_USE_TLS = _email.use_tls
EMAIL_USE_SSL = _email.use_ssl
EMAIL_TIMEOUT = _email.timeout
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Waypoint <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ---------------------------------------------------------------------------------
CELERY_QUEUE_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# Redis redelivers an unacknowledged message (a worker killed mid-task) after this many
# seconds. It must exceed the longest retry countdown below, or a waiting retry runs twice.
WAYPOINT_BROKER_VISIBILITY_TIMEOUT = env_int("WAYPOINT_BROKER_VISIBILITY_TIMEOUT", 3600)
# Reminder e-mails: retries wait BASE, 2*BASE, 4*BASE … seconds, capped at MAX.
WAYPOINT_EMAIL_RETRY_BASE = env_int("WAYPOINT_EMAIL_RETRY_BASE", 30)
WAYPOINT_EMAIL_RETRY_MAX = env_int("WAYPOINT_EMAIL_RETRY_MAX", 1800)
WAYPOINT_EMAIL_MAX_RETRIES = env_int("WAYPOINT_EMAIL_MAX_RETRIES", 12)
# A digest queued this long ago and still unsent is queued again by the next scan (the
# delivery itself is idempotent: a sent row is never sent twice).
WAYPOINT_EMAIL_REQUEUE_AFTER = env_int("WAYPOINT_EMAIL_REQUEUE_AFTER", 2 * 3600)
# Replies to people who wrote through a channel (intake.tasks): retries wait BASE, 2*BASE …
# seconds, capped at MAX; after MAX_RETRIES the reply is marked failed on the case page.
WAYPOINT_INTAKE_RETRY_BASE = env_int("WAYPOINT_INTAKE_RETRY_BASE", 10)
WAYPOINT_INTAKE_RETRY_MAX = env_int("WAYPOINT_INTAKE_RETRY_MAX", 1800)
WAYPOINT_INTAKE_MAX_RETRIES = env_int("WAYPOINT_INTAKE_MAX_RETRIES", 8)
# The Telegram Bot API (tests point it at a local server). Bot tokens come from the
# environment per organisation: WAYPOINT_TELEGRAM_TOKEN_<SLUG> or …_FILE (intake.telegram).
WAYPOINT_TELEGRAM_API_URL = env_str("WAYPOINT_TELEGRAM_API_URL", "https://api.telegram.org")

# --- REST API (api/): JSON only, deny by default, versioned in the URL ------------------------
# Every view names its own permission; a view that forgets refuses everyone. No browsable API
# (its HTML pages would need inline scripts and forms outside the CSP): JSON in, JSON out.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DenyAll"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CredentialRateThrottle"],
    "DEFAULT_VERSIONING_CLASS": "rest_framework.versioning.URLPathVersioning",
    "ALLOWED_VERSIONS": ["v1"],
    "DEFAULT_VERSION": "v1",
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
# Requests per hour per credential (a token, or a signed-in person's browser session), counted
# in the default cache (Redis when REDIS_URL is set, so every web node shares the count).
WAYPOINT_API_RATE_PERSONAL = env_int("WAYPOINT_API_RATE_PERSONAL", 1200)
WAYPOINT_API_RATE_INTAKE = env_int("WAYPOINT_API_RATE_INTAKE", 120)
WAYPOINT_API_RATE_SESSION = env_int("WAYPOINT_API_RATE_SESSION", 1200)
SPECTACULAR_SETTINGS = {
    "TITLE": "Waypoint API",
    "DESCRIPTION": (
        "Case files on the same selectors, services, keys and audit log as the pages. "
        "Authenticate with `Authorization: Bearer <token>`: a personal access token (your own "
        "rights in one organisation, at most 30 days) or an organisation intake token (creates "
        "intakes, reads nothing). Every use of a token is audited."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files from drf-spectacular-sidecar (vendored: no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "casework.models.Status.choices",
        "SectionEnum": "casework.sections.Section.choices",
        "IntakeStatusEnum": [("received", "received")],
    },
    "SERVE_AUTHENTICATION": [],
}

# --- Logging: no personal data; request ids only ------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # django.request would log full URLs and, on errors, request bodies.
        "django.request": {"level": "ERROR", "propagate": True},
        "django.security": {"level": "WARNING", "propagate": True},
        "axes": {"level": "ERROR", "propagate": True},
    },
}

WAYPOINT_MISSING_SETTINGS = tuple(MISSING)
