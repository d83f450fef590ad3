"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live_server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD, UserFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ (kept by CI runs for a human to look at)."""

    def take(name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def logged_in_page(page, live_server, transactional_db):
    """A page signed in through the real login form."""
    user = UserFactory(username="clerk")
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page
