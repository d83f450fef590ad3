"""Settings for the test suite: the base settings with fast hashing and plain static storage.

DATABASE_URL still decides the database, so the same suite runs on SQLite and PostgreSQL.
"""

from .base import *  # noqa: F403

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
