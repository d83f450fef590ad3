"""What the smoke test and the load test share: a database of their own, and `make serve` on 127.0.0.1.

The server runs exactly as `make serve` runs it (production settings, gunicorn, whitenoise), with the
two switches for plain HTTP on the loopback interface: no redirect to HTTPS, and cookies not marked
Secure (a browser, and locust, would not send those back over http://127.0.0.1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(database_url: str, port: int) -> dict[str, str]:
    """The environment of the production settings for a server on 127.0.0.1 over plain HTTP."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "DJANGO_SECRET_KEY": "loopback-test-only-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{port}",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
    }


def recreate_database(database_url: str) -> None:
    """Drop and create the database of `database_url` (PostgreSQL; its role needs CREATEDB)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or not name:
        raise SystemExit(f"needs a PostgreSQL DATABASE_URL with a database name, not {database_url!r}")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def start(env: dict[str, str], port: int, *, workers: int, log: Path) -> subprocess.Popen:
    """`make serve` on 127.0.0.1:port in a process group of its own, its output into `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                "make",
                "--no-print-directory",
                "serve",
                f"SERVE_ADDR=127.0.0.1:{port}",
                f"SERVE_WORKERS={workers}",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_up(server: subprocess.Popen, url: str, *, timeout: float = 120) -> None:
    """Until `url` answers (any HTTP status); fails when the server exits or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited ({server.returncode}) before answering {url}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"no answer from {url} within {timeout:.0f} s")


def stop(server: subprocess.Popen, *, timeout: float = 30) -> None:
    """SIGTERM to the server's process group (make and gunicorn: its workers finish their requests)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
