"""Production settings: PostgreSQL through DATABASE_URL, gunicorn, whitenoise, HTTPS only.

Every security setting that `manage.py check --deploy` asks about is set here; the secret key, the
allowed hosts and DATABASE_URL must come from the environment (no default).
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only, unless switched off for plain HTTP on the loopback interface: the smoke and load tests
# (`make smoke`, `make load`) talk to gunicorn on 127.0.0.1 directly, without a proxy that terminates
# HTTPS. Never switch these off on a server that others reach: the session cookie would travel in clear.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
# Asking browsers to preload HSTS is a one-way decision for whoever owns the whole domain (it covers
# every subdomain, and leaving the list takes months), so it is opt-in and its reminder is silenced
# until then. To opt in: DJANGO_SECURE_HSTS_PRELOAD=true and DJANGO_SECURE_HSTS_SECONDS>=31536000.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
env.str("DATABASE_URL")  # required: production never falls back to the development SQLite file
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)  # noqa: F405
