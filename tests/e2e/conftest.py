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


def sign_in(page, live_server, user):
    """Sign in through the real login form."""
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")
    page.get_by_label("User name").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


@pytest.fixture
def logged_in_page(page, live_server, transactional_db):
    """A page signed in through the real login form, as a user with every role."""
    return sign_in(page, live_server, UserFactory(username="clerk"))


@pytest.fixture
def page_as(page, live_server, transactional_db):
    """`page_as(role)`: the page signed in as a new user with only that role (R-ROLE-1)."""

    def sign_in_as(role: str):
        username = role.lower().replace(" ", "-")
        return sign_in(page, live_server, UserFactory(username=username, roles=[role]))

    return sign_in_as


@pytest.fixture(autouse=True)
def _check_invariants(invariants_hold_afterwards):
    """Every browser test ends with `manage.py check_invariants` on what its requests committed
    (issue 11 part 4)."""
