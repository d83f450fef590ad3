"""Settings shared by every environment, read from the environment with django-environ.

The defaults make a fresh checkout run as a local development server on an SQLite file; production
overrides them through environment variables (see `.env.example`) and `config.settings.production`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    # Dependencies point one way: inventory <- assembly <- sales.
    "inventory",
    "assembly",
    "sales",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "inventory.middleware.ActingUserMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "inventory.middleware.LockTimeoutMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": [
                "template_partials.templatetags.partials",
                "django_htmx.templatetags.django_htmx",
                "inventory.templatetags.ato",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=0))

# Lock waits are bounded (spec I-6): a request that waits longer for another user's transaction is
# answered "Another user is changing sales order SO-00002. Try again." (inventory.locks, HTTP 409).
DB_LOCK_TIMEOUT_MS = env.int("DJANGO_DB_LOCK_TIMEOUT_MS", default=5000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default behaves like a real database for one office: WAL lets readers run beside the
    # writer, and every transaction takes the write lock at BEGIN (IMMEDIATE), so a transaction never
    # fails half-way trying to upgrade a read lock; a waiting writer waits up to the busy timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": DB_LOCK_TIMEOUT_MS / 1000,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # lock_timeout bounds a wait for a row lock; idle_in_transaction_session_timeout ends the session of
    # a worker that died (or hangs) holding locks in an open transaction; statement_timeout ends a
    # runaway statement (0 = none: set it so for long migrations).
    timeouts = {
        "lock_timeout": DB_LOCK_TIMEOUT_MS,
        "idle_in_transaction_session_timeout": env.int(
            "DJANGO_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", default=60000
        ),
        "statement_timeout": env.int("DJANGO_DB_STATEMENT_TIMEOUT_MS", default=60000),
    }
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(
        f"-c {name}={value}" for name, value in timeouts.items()
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one user name from one
# address, that pair is refused for AXES_COOLOFF_TIME, with the reason on the login page (HTTP 429).
# A success resets the count. Behind a proxy every client has the proxy's REMOTE_ADDR, which makes the
# lockout per user name (still per pair, so other users can sign in).
# axes first (it refuses a locked-out sign-in), then Django's permission checks with a user's permissions
# loaded in one query (inventory.permissions.RoleBackend). ModelBackend stays listed so that sessions
# signed in through it before stay signed in; it asks no query of its own, reading the permissions
# RoleBackend keeps on the user.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "inventory.permissions.RoleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "inventory.permissions.login_locked_out"

# Sessions end when the browser closes, and at the latest a working day after signing in.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Content security policy (django-csp): scripts, styles and everything else from this site only; no
# inline script or style (static/js/app.js holds the handlers, app.css htmx's indicator styles), no
# eval (htmx-config allowEval false), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# R-ROLE-1: a failed CSRF check of an htmx request says so in the page (inventory.permissions).
CSRF_FAILURE_VIEW = "inventory.permissions.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The browser's language picks the date format (one format everywhere, as the date inputs show it:
# Chromium writes them in the same locale). The captions are BC's English in every one of them.
LANGUAGES = [
    ("en-us", "English (United States)"),
    ("en-gb", "English (United Kingdom)"),
    ("en-au", "English (Australia)"),
]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

MESSAGE_TAGS = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}
