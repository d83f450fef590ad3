"""The project's middleware: a lock wait that ran out is answered with a message, never a server error
(spec I-6); every request's postings record its user (R-AUD-1)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from .audit import acting_as
from .locks import MSG_TOO_SLOW, LockTimeout, is_lock_timeout, is_statement_timeout

MSG_GONE = "This record no longer exists: another user has just deleted it."
GONE_STATUS = 409  # a conflict with another user's change, shown like a lock wait

LOCK_TIMEOUT_STATUS = 409


class LockTimeoutMiddleware:
    """`LockTimeout` (or a database "busy" error or deadlock that escaped a service) becomes HTTP 409
    with "Another user is changing sales order SO-00002. Try again."; a row deleted by another user
    between this request's read and its lock is answered (409) with a message that says so. The operation has rolled back
    before the exception reaches here, so nothing was written. htmx shows the message in the page's
    `#alerts` region; a plain request gets a small page with a link back.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        status = LOCK_TIMEOUT_STATUS
        if isinstance(exception, LockTimeout):
            message = exception.message
        elif is_lock_timeout(exception):
            message = LockTimeout().message
        elif is_statement_timeout(exception):
            message = MSG_TOO_SLOW
        elif isinstance(exception, ObjectDoesNotExist):
            # A row the request read was deleted by another request before this one locked it.
            message, status = MSG_GONE, GONE_STATUS
        else:
            return None
        context = {"message": message, "back": request.headers.get("referer", "")}
        if getattr(request, "htmx", False):
            response = HttpResponse(render_to_string("alert.html", context, request), status=status)
            response["HX-Retarget"] = "#alerts"
            response["HX-Reswap"] = "innerHTML"
            return response
        return HttpResponse(
            render_to_string("lock_timeout.html", {**context, "title": "Try again"}, request), status=status
        )


class ActingUserMiddleware:
    """R-AUD-1: every posting of a request records the request's user (`inventory.audit`). It stands
    after `AuthenticationMiddleware`, which gives the request its (lazy) user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(getattr(request, "user", None)):
            return self.get_response(request)
