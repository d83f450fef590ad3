"""Who posts (R-AUD-1): the acting user of a request or a command, as a context variable.

`ActingUserMiddleware` (`inventory.middleware`) sets `acting_user` to `request.user` for each request;
outside a request (a management command, a test, a script) `acting_as(user)` does. The posting engine
and the services that write posted documents and reservations read it with `acting_user_id()`, so no
service signature carries a user.

No acting user is allowed: what is written then carries a blank user, which the pages show as
"(system)". That is how a command that posts on nobody's behalf (the benchmarks) records itself, and
how rows posted before R-AUD-1 read; a command that posts for a person says so with `acting_as`.
The item journal is the one exception: it is a user's own worksheet, so posting it records the
journal's user (`post_item_journal` posts under `acting_as(user)`).

`request.user` is a lazy object: storing it costs nothing, and the user is loaded (if the view has not
loaded it already) only when a posting asks who it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SYSTEM_USER = "(system)"  # what the pages show for a blank user

acting_user: ContextVar[AbstractBaseUser | AnonymousUser | None] = ContextVar("acting_user", default=None)


def acting_user_id() -> int | None:
    """The primary key of the user on whose behalf this code runs; None outside any (or anonymous)."""
    user = acting_user.get()
    if user is None or not user.is_authenticated:
        return None
    return user.pk


@contextmanager
def acting_as(user: AbstractBaseUser | AnonymousUser | None) -> Iterator[None]:
    """Run the block on behalf of `user` (None: on nobody's, "(system)"); the previous user after it."""
    token = acting_user.set(user)
    try:
        yield
    finally:
        acting_user.reset(token)
