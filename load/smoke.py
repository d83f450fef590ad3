"""Smoke test of the production server (issue 11 part 6), as CI runs it (.ci/run):

    python load/smoke.py --database-url postgres://app:app@127.0.0.1:5432/app_smoke

Drops and creates that database, migrates it and loads the demo data, starts `make serve` on a free port
of 127.0.0.1, then over plain HTTP: fetches the login page, signs in as the demo Sales Order Processor,
fetches the Sales Orders page and a static file (whitenoise), and checks the security headers. Stops the
server and exits 1 on the first thing that is not as it should be.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import server

USER = "processor"  # inventory.demo.DEMO_USERS: the password is the user name


class Browser:
    """Cookies, and no automatic redirects (each one is checked)."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect
        )

    def request(self, path: str, data: dict | None = None):
        body = urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path} if data is not None else {}
        try:
            response = self.opener.open(urllib.request.Request(self.base + path, body, headers), timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx
            response = error
        with response:
            return response.status, response.headers, response.read().decode()


def check(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        raise SystemExit(1)


def smoke(base: str) -> None:
    browser = Browser(base)
    status, headers, page = browser.request("/login/")
    check(status == 200 and "Sign in" in page, f"GET /login/ -> {status}")
    policy = headers.get("Content-Security-Policy", "")
    check("default-src 'self'" in policy and "unsafe" not in policy, f"Content-Security-Policy: {policy}")
    check(headers.get("X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    check(token is not None, "the login form carries a CSRF token")

    status, headers, _ = browser.request(
        "/login/", {"csrfmiddlewaretoken": token[1], "username": USER, "password": USER, "next": ""}
    )
    check(
        status == 302 and headers.get("Location") == "/",
        f"POST /login/ as {USER} -> {status} {headers.get('Location')}",
    )
    session = next((c for c in browser.cookies if c.name == "sessionid"), None)
    check(session is not None and session.expires is None, "a session cookie that ends with the browser")

    status, _, page = browser.request("/sales/orders/")
    check(status == 200 and "Sales Orders" in page and USER in page, f"GET /sales/orders/ -> {status}")
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', page)
    check(stylesheet is not None, "the page links the hashed stylesheet (manifest storage)")
    status, headers, _ = browser.request(stylesheet[1])
    check(
        status == 200 and "immutable" in headers.get("Cache-Control", ""), f"GET {stylesheet[1]} -> {status}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://app:app@127.0.0.1:5432/app_smoke")
    args = parser.parse_args()

    port = server.free_port()
    env = server.production_env(args.database_url, port)
    server.recreate_database(args.database_url)
    server.manage(env, "migrate", "--noinput", "-v0")
    server.manage(env, "load_demo")
    log = Path(tempfile.mkdtemp(prefix="smoke-")) / "server.log"
    base = f"http://127.0.0.1:{port}"
    process = server.start(env, port, workers=2, log=log)
    try:
        server.wait_until_up(process, base + "/login/")
        smoke(base)
    except SystemExit:
        print(f"server log: {log}")
        print(log.read_text()[-4000:])
        raise
    finally:
        server.stop(process)
    print("smoke test passed")


if __name__ == "__main__":
    sys.exit(main())
