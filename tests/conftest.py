"""Fixtures for the whole suite: users, logged-in clients and the Playwright browser setup."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

from inventory.permissions import ADMINISTRATOR, ASSEMBLY_MANAGER, SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER
from tests.factories import PASSWORD, UserFactory
from tests.invariants import check_invariants_passes

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls from a thread
# with a running loop unless told otherwise. Test-only: never set in any settings module.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    skip_browser = pytest.mark.skip(
        reason="no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)"
    )
    for item in items:
        if "browser" in item.keywords and not CHROMIUM:
            item.add_marker(skip_browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (select_for_update is a no-op on SQLite)")


@pytest.fixture
def invariants_hold_afterwards(request):
    """After a transactional test, before its flush empties the database: `check_invariants` passes.

    A test that needs PostgreSQL is skipped first; the database fixture is set up here, inside this
    fixture, so that it is torn down (flushed) after this fixture's check.
    """
    if "postgres_only" in request.fixturenames:
        request.getfixturevalue("postgres_only")
    request.getfixturevalue("transactional_db")
    yield
    check_invariants_passes()


@pytest.fixture
def user(db):
    """A user with every role (R-ROLE-1), as most tests need; the role tests use the fixtures below."""
    return UserFactory()


@pytest.fixture
def processor(db):
    return UserFactory(username="processor", roles=[SALES_ORDER_PROCESSOR])


@pytest.fixture
def warehouse_worker(db):
    return UserFactory(username="warehouse", roles=[WAREHOUSE_WORKER])


@pytest.fixture
def assembly_manager(db):
    return UserFactory(username="assembly", roles=[ASSEMBLY_MANAGER])


@pytest.fixture
def administrator(db):
    """The Administrator role opens the Django admin: staff, but no superuser."""
    return UserFactory(username="administrator", roles=[ADMINISTRATOR], is_staff=True)


@pytest.fixture
def nobody(db):
    """A signed-in user without any role."""
    return UserFactory(username="nobody", roles=[])


@pytest.fixture
def staff_user(db):
    return UserFactory(staff=True, username="admin")


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def password():
    return PASSWORD
