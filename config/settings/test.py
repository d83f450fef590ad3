"""Settings for the test suite: the base settings with fast hashing and plain static storage.

DATABASE_URL still decides the database, so the same suite runs on SQLite and PostgreSQL.
"""

from .base import *  # noqa: F403
from .base import DB_LOCK_TIMEOUT_MS

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The manifest storage needs collectstatic; the test server serves files from the finders instead.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files from the finders; the test run has no collected STATIC_ROOT.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: Django shares an in-memory database's single connection between the test
    # thread and the browser tests' live server thread, and a query from the test while the server is
    # still answering an htmx request then breaks the shared transaction. With a file each thread has
    # its own connection, and SQLite's locking (with this busy timeout) orders them.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}  # noqa: F405
elif "options" in DATABASES["default"].get("OPTIONS", {}):  # noqa: F405
    # PostgreSQL: a short lock wait, so that the test of a timed-out wait (I-6) runs in seconds.
    DATABASES["default"]["OPTIONS"]["options"] = DATABASES["default"]["OPTIONS"]["options"].replace(  # noqa: F405
        f"lock_timeout={DB_LOCK_TIMEOUT_MS}",
        "lock_timeout=3000",
    )
    DB_LOCK_TIMEOUT_MS = 3000

# Django's backends, whose flush between transactional tests lets the append-only triggers stand
# aside (tests/db_backends; production uses Django's own, so the triggers refuse it there).
DATABASES["default"]["ENGINE"] = {  # noqa: F405
    "django.db.backends.sqlite3": "tests.db_backends.sqlite3",
    "django.db.backends.postgresql": "tests.db_backends.postgresql",
}[DATABASES["default"]["ENGINE"]]  # noqa: F405
