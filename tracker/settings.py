"""Settings for Vigie.

Production differs from development only by environment variables:

- ``SECRET_KEY``: required whenever ``DEBUG`` is off.
- ``DEBUG``: ``1``/``true`` for development; off by default.
- ``ALLOWED_HOSTS``: comma-separated host names.
- ``DATABASE_URL``: e.g. ``postgres://vigie:secret@127.0.0.1:5432/vigie``;
  SQLite in ``var/`` by default.
- ``TIME_ZONE`` (default ``Europe/Paris``) and ``LANGUAGE_CODE`` (default ``fr``).
- HTTPS, cookies, login throttling, sessions, two-factor authentication, static files: secure
  by default when DEBUG is off; every variable is listed in ``deploy/vigie.env.example``.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# Without a key and with DEBUG off, SECRET_KEY stays empty: the web servers refuse to start
# (tracker/startup.py, called by wsgi.py and asgi.py) and anything that signs refuses to run,
# while commands that need no key (migrations, checks) still work.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The admin site requires a verified second factor (accounts/two_factor_admin.py).
    "accounts.two_factor_admin.VigieAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "csp",
    "import_export",
    "simple_history",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Recovery codes: one-time static tokens (accounts/two_factor.py).
    "django_otp.plugins.otp_static",
    "accounts",
    "commitments",
    "alerts",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleSessionRefreshMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Outside CSRF so that CSRF refusals are logged too (tracker/middleware.py).
    "tracker.middleware.RefusedAccessLogMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.two_factor.TwoFactorRequiredMiddleware",
    # Records the request's user as the author of every audited change.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires: locks out repeated login failures.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"

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
                "alerts.context_processors.alerts",
            ],
        },
    },
]

# Django's form renderer, with its simplest widget templates written in Python (the filter
# forms' hundreds of options; see the module).
FORM_RENDERER = "tracker.form_renderer.FormRenderer"

WSGI_APPLICATION = "tracker.wsgi.application"

DEFAULT_SQLITE_PATH = BASE_DIR / "var" / "db.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        # Persistent connections: a new PostgreSQL connection per request cost about half the
        # throughput at 100,000 commitments (issue 12). Checked before reuse, so a connection
        # the server dropped is replaced instead of failing the request.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE") or 60),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", default=True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No just-in-time compilation of queries: PostgreSQL compiles any query it estimates
    # costly, and Vigie's (the dashboard's counts, the lists' advocacy columns) are estimated
    # costly but run in a fraction of a second: compiling doubled the dashboard's counts at
    # 100,000 commitments (1.3 s instead of 0.6 s; issue 12). An ``options`` given in
    # DATABASE_URL replaces this one.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database under several gunicorn workers: readers never wait for the writer
    # (WAL), a write transaction takes the write lock when it begins (IMMEDIATE) so that it
    # queues instead of failing when it would upgrade a read lock, and waits up to
    # SQLITE_BUSY_TIMEOUT seconds for its turn. If SQLite still gives up, tracker/busy.py
    # answers "try again" and keeps what the user typed.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("SQLITE_BUSY_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# One cache shared by every gunicorn worker on the machine (a folder of files): API throttling
# counts each caller once, not once per worker; the dashboard's figures are computed once.
CACHE_DIR = os.environ.get("CACHE_DIR") or str(BASE_DIR / "var" / "cache")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": CACHE_DIR,
    },
    # What the lists and the API keep per generation of the data (counts, forms, tables,
    # pages): many entries of up to 200 KB, in a folder of their own, so that a client walking
    # every page never pushes the dashboard's figures, the generation or the throttling
    # counters out of the default cache. Past MAX_ENTRIES, a third is thrown away.
    "pages": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.path.join(CACHE_DIR, "pages"),
        "OPTIONS": {"MAX_ENTRIES": 1000},
    },
}

AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "fr")
LANGUAGES = [
    ("fr", _("French")),
    ("en", _("English")),
]
# The apps' own catalogues (accounts, alerts, api) are found in their locale/ folders.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Paris")
USE_I18N = True
# French dates Django formats by itself are table dates, 01/12/2026 (see tracker/formats).
FORMAT_MODULE_PATH = ["tracker.formats"]
USE_TZ = True

STATIC_URL = "static/"
# Where `collectstatic` gathers the files gunicorn (whitenoise) serves in production.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise serves static files from gunicorn. In production (STATIC_MANIFEST on, the default
# when DEBUG is off) they are compressed and fingerprinted by `collectstatic`
# (`make collectstatic`) into STATIC_ROOT. Development and tests (STATIC_MANIFEST=0, set by
# pytest-env) serve them from the source folders and need no collectstatic.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "vigie@localhost")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# SMTP (production): host, port, credentials, TLS (STARTTLS, usually port 587) or SSL (465).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set at most one of EMAIL_USE_TLS and EMAIL_USE_SSL.")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
# Where django.core.mail.backends.filebased.EmailBackend writes each message, one file per
# connection (a staging server that must send nothing), e.g. /var/lib/vigie/mail.
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or None
# Absolute links in e-mails and calendar feeds, e.g. https://vigie.example.org (no trailing /).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Months without news (a status change or a claim) after which an open commitment is flagged
# "to check" on the dashboard and in the lists.
NO_NEWS_MONTHS = int(os.environ.get("NO_NEWS_MONTHS", "12"))
# Seconds what is kept per generation of the data stays in the cache at most: the dashboard's
# counts and panels, the lists' counts, forms and tables, the API's list pages
# (``commitments.figures``: any write through Django renews them at once; this bounds how
# long a write behind Django's back goes unseen). 0: built on every page.
FIGURES_CACHE_SECONDS = int(os.environ.get("FIGURES_CACHE_SECONDS", "600"))
# Days before a due date at which a "deadline approaching" alert is raised, e.g. "30,7".
ALERT_LEAD_DAYS = tuple(
    sorted({int(days) for days in env_list("ALERT_LEAD_DAYS", "30,7")}, reverse=True)
)
if any(days <= 0 for days in ALERT_LEAD_DAYS):
    raise ImproperlyConfigured("ALERT_LEAD_DAYS must be positive numbers of days, e.g. 30,7.")
# Threads the alert job e-mails its digests with, each with its own database and mail
# connections: on PostgreSQL a digest waits on the server about half of its time, which
# another thread uses (the job's first run at 100,000 commitments: issue 12). SQLite has one
# writer at a time: one thread.
_digest_threads = os.environ.get("ALERT_DIGEST_THREADS", "").strip() or (
    "1" if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else "2"
)
if not _digest_threads.isdigit() or int(_digest_threads) < 1:
    raise ImproperlyConfigured("ALERT_DIGEST_THREADS must be a whole number, 1 or more.")
ALERT_DIGEST_THREADS = int(_digest_threads)

REST_FRAMEWORK = {
    # Deny by default: every API view states who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's three, refusing deep nesting and text no column can store (NUL...) with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "api.parsers.FormParser",
        "api.parsers.MultiPartParser",
    ],
    # Token first, so that an anonymous write is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousThrottle",
        "api.throttling.UserThrottle",
    ],
    # Requests per second/minute/hour/day; an empty variable disables that throttle.
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_THROTTLE_RATE", "60/minute") or None,
        "user": os.environ.get("API_USER_THROTTLE_RATE", "6000/hour") or None,
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Vigie API",
    "DESCRIPTION": (
        "Commitments of the French state and international bodies against human trafficking, "
        "their status history, sources and bodies. Anonymous callers read public commitments "
        "(and all bodies and sources) only; authenticate with a token "
        "(`Authorization: Token <key>`, from your profile page) to read everything or write."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "commitments.models.Status",
        "CategoryEnum": "commitments.models.Category",
        # Several models have a "kind": each its own enum, and one name for the precision.
        "BodyKindEnum": "commitments.models.BodyKind",
        "EventKindEnum": "commitments.models.Event.Kind",
        "DeadlineKindEnum": "commitments.models.Deadline.Kind",
        "ClaimKindEnum": "commitments.models.Claim.Kind",
        "AskKindEnum": "commitments.models.Ask.Kind",
        "SourceKindEnum": "commitments.models.SourceKind",
        "DatePrecisionEnum": "commitments.models.DatePrecision",
    },
}

# --- Security -------------------------------------------------------------------------------
# Secure by default whenever DEBUG is off; each setting can be relaxed only by setting its own
# environment variable explicitly (e.g. SECURE_SSL_REDIRECT=0 behind a proxy that redirects).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The health check answers over plain HTTP too, for a local monitor.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS") or (0 if DEBUG else 31_536_000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
# Opt-in: only behind a reverse proxy that sets X-Forwarded-Proto itself (and strips the
# client's). Trusting it otherwise would let a client claim HTTPS.
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): no inline script anywhere, nothing from other sites.
# Style attributes are allowed: the admin's and libraries' templates use a few, and an
# attribute cannot run script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Number of trusted reverse proxies in front of gunicorn (1 behind nginx or Caddy). The client
# address (login lock-out, security log, API throttling: tracker.http.client_ip) is then the
# NUM_PROXIES-th entry from the right of X-Forwarded-For; what a client writes further left
# is ignored. 0 (default): REMOTE_ADDR, and X-Forwarded-For is ignored.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES") or 0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured("NUM_PROXIES must be 0 or the number of reverse proxies.")

# Sessions end after an idle hour: using the session pushes its expiry back (at most once a
# minute, accounts.middleware.IdleSessionRefreshMiddleware, rather than a write on every
# request), and logging in issues a new session key. The session table records its user, so
# that deactivating someone ends all their sessions (accounts/sessions.py, services.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS") or 3600)
SESSION_REFRESH_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failures for one username from one
# address, that pair is refused for LOGIN_COOLOFF_MINUTES. Keyed on the pair, so nobody can
# lock a colleague out from elsewhere, and never for good.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT") or 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES") or 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= datetime.timedelta(0):
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be positive: a lock-out without "
        "a cool-off would lock people out for good."
    )
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lock-out do not extend it: the pause always ends LOGIN_COOLOFF_MINUTES
# after it began, so nobody can keep a colleague sharing the office address locked out.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.login.lockout_response"
AXES_VERBOSE = False
# The client address and the username axes records: one rule for the address, shared with
# the security log and the API (NUM_PROXIES above); at most 255 characters of a username.
AXES_CLIENT_IP_CALLABLE = "tracker.http.client_ip"
AXES_USERNAME_CALLABLE = "accounts.login.lockout_username"

# Two-factor authentication (django-otp, TOTP): any user may enable it at
# /accounts/two-factor/; the admin site requires it unless OTP_ADMIN_REQUIRED=0. Off by
# default only in development (DEBUG on), so that the demo admin of `make run` opens the admin.
OTP_TOTP_ISSUER = "Vigie"
OTP_ADMIN_REQUIRED = env_bool("OTP_ADMIN_REQUIRED", not DEBUG)
# Recovery codes given when two-factor authentication is set up (each works once).
OTP_RECOVERY_CODES = 10

# Passwords by e-mail (accounts/passwords.py, accounts/invitations.py): a reset link works
# once, for PASSWORD_RESET_HOURS; an invitation link once, for INVITATION_DAYS. Reset requests
# are throttled: PASSWORD_RESET_LIMIT an hour per client address and per e-mail address.
PASSWORD_RESET_TIMEOUT = 3600 * int(os.environ.get("PASSWORD_RESET_HOURS") or 24)
INVITATION_TIMEOUT = 86400 * int(os.environ.get("INVITATION_DAYS") or 7)
PASSWORD_RESET_LIMIT = int(os.environ.get("PASSWORD_RESET_LIMIT") or 5)
PASSWORD_RESET_WINDOW = 3600
if PASSWORD_RESET_TIMEOUT <= 0 or INVITATION_TIMEOUT <= 0 or PASSWORD_RESET_LIMIT < 1:
    raise ImproperlyConfigured(
        "PASSWORD_RESET_HOURS, INVITATION_DAYS and PASSWORD_RESET_LIMIT must be positive."
    )

# Spreadsheet import: one transaction for the whole file; importing needs the "add"
# permission of the model, exporting the "view" one.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
# Bounds of one imported file (commitments/interchange/bounds.py), checked before it is parsed:
# its size in bytes, its rows (counted while reading) and, for XLSX, its size once
# decompressed (from the archive's directory). Each row costs about 35 ms of CPU at the preview
# and again at the confirmation (it goes through the save service), so 500 rows keep both
# within gunicorn's 30-second timeout with room to spare; 500 rows of 16 columns take well
# under 1 MB, as CSV or XLSX.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES") or 2 * 1024 * 1024)
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS") or 500)
IMPORT_MAX_EXPANDED_BYTES = int(os.environ.get("IMPORT_MAX_EXPANDED_BYTES") or 10 * 1024 * 1024)
# Where a previewed file waits (an hour at most) for its confirmation, under a random name bound
# to the user's session (commitments/web/spreadsheets.py). Shared by every worker.
IMPORT_PENDING_DIR = Path(os.environ.get("IMPORT_PENDING_DIR") or BASE_DIR / "var" / "imports")

# Audit trail switch: off only while `make restore` loads a backup, which already holds the
# history (django-simple-history would otherwise record each restored tag set as a change).
SIMPLE_HISTORY_ENABLED = env_bool("SIMPLE_HISTORY_ENABLED", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Logins, login failures and lock-outs (accounts/signals.py, accounts/login.py),
        # two-factor events (accounts/two_factor.py), refused accesses (tracker/middleware.py).
        "vigie.security": {"level": os.environ.get("SECURITY_LOG_LEVEL", "INFO")},
    },
}
