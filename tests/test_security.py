"""Issue 11 part 6: login throttling (django-axes), session expiry and the content security policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from inventory.permissions import LOCKED_OUT_STATUS, MSG_LOCKED_OUT
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED_OUT = MSG_LOCKED_OUT.format(minutes=15)


def sign_in(client, username: str, password: str, *, address: str = "10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sign_in_with_the_right_password_works_and_resets_the_failures(client):
    UserFactory(username="clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "clerk", "wrong").status_code == 200
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()  # AXES_RESET_ON_SUCCESS


def test_too_many_failures_lock_out_the_user_name_from_that_address(client):
    UserFactory(username="clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "clerk", "wrong")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text
    response = sign_in(client, "clerk", "wrong")
    assert response.status_code == LOCKED_OUT_STATUS
    assert LOCKED_OUT in response.text
    assert 'value="clerk"' in response.text  # the login page again, user name kept

    # Locked out: even the right password is refused, and says why.
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == LOCKED_OUT_STATUS
    assert LOCKED_OUT in response.text
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_user_name_and_address(client):
    UserFactory(username="clerk")
    UserFactory(username="other")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clerk", "wrong")
    assert sign_in(client, "clerk", PASSWORD).status_code == LOCKED_OUT_STATUS
    assert sign_in(client, "other", PASSWORD).status_code == 302  # another user, same address
    client.logout()
    assert sign_in(client, "clerk", PASSWORD, address="10.0.0.2").status_code == 302  # other address


def test_a_lockout_ends_after_the_cool_off_time(client):
    UserFactory(username="clerk")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "clerk", "wrong")
    assert sign_in(client, "clerk", PASSWORD).status_code == LOCKED_OUT_STATUS
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(1))
    assert sign_in(client, "clerk", PASSWORD).status_code == 302


def test_the_session_ends_with_the_browser_and_after_a_working_day(client):
    UserFactory(username="clerk")
    response = sign_in(client, "clerk", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""  # a browser-session cookie
    session = Session.objects.get()
    expected = timezone.now() + timedelta(hours=8)
    assert abs(session.expire_date - expected) < timedelta(minutes=1)
    assert client.get(reverse("sales:order-list")).status_code == 200

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("sales:order-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_pages_carry_a_strict_content_security_policy(client, user):
    client.force_login(user)
    for url in (reverse("login"), reverse("sales:order-list"), reverse("admin:index")):
        policy = client.get(url).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy
