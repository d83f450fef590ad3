"""Who may do what (R-ROLE-1): the roles, the view decorator that checks a permission, and the 403 answer.

The roles are Django groups, created with their permissions by a data migration
(`sales/migrations/0011_roles.py`, the app that stands on the other two); a user gets a role by being
in its group. Every view that changes something, and every page or partial that exists only for such an
action (a confirmation, a dialog), says what it needs with `@requires(...)` itself, so a partial is
never protected only by the page that includes it. Read-only pages (lists, cards, posted documents,
ledger entries, Item Registers, Find entries) are open to every signed-in user;
`LoginRequiredMiddleware` keeps out everyone else.

A refusal is `PermissionDenied`, raised before the view runs (so it changes nothing), and answered by
`permission_denied` (the project's `handler403`): a page with the message, or for htmx the message in
the page's `#alerts` region. Never a redirect, so never a redirect loop. The pages swap a 403 (base.html's
htmx config), so a failed CSRF check of an htmx request (`csrf_failure`) is answered the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import csrf

SALES_ORDER_PROCESSOR = "Sales Order Processor"
WAREHOUSE_WORKER = "Warehouse Worker"
ASSEMBLY_MANAGER = "Assembly Manager"
ADMINISTRATOR = "Administrator"
ROLES = (SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER, ASSEMBLY_MANAGER, ADMINISTRATOR)

MSG_FORBIDDEN = "You do not have permission to do this."
MSG_CSRF = "This page has expired (its security token is no longer valid). Reload the page and try again."
MSG_NEEDS = "It needs “{permissions}”, which comes with the {roles} role; ask your administrator for it."
MSG_NEEDS_NO_ROLE = "It needs “{permissions}”; ask your administrator for it."
MSG_LOCKED_OUT = (
    "Too many failed sign-ins for this user name. Sign-in is locked for {minutes} minutes; try again "
    "then, or ask your administrator to unlock it."
)
FORBIDDEN_STATUS = 403
LOCKED_OUT_STATUS = 429


class RoleBackend(ModelBackend):
    """Django's ModelBackend, loading a user's permissions (its own and its groups') in one query
    instead of two: every acting view and most pages ask (`requires`, the pages' `perms`), and Reserve
    from Current Line, which a user clicks line after line, has a budget of 12 queries (issue 10).
    The answer is the same set, kept on the user object for the request, as ModelBackend keeps it."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            found = Permission.objects.order_by()
            if not user_obj.is_superuser:
                own = Permission.user_set.through.objects.filter(user_id=user_obj.pk)
                groups = type(user_obj).groups.through.objects.filter(user_id=user_obj.pk)
                grouped = Permission.group_set.through.objects.filter(group_id__in=groups.values("group_id"))
                found = found.filter(
                    Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
                )
            user_obj._perm_cache = {
                f"{app_label}.{codename}"
                for app_label, codename in found.values_list("content_type__app_label", "codename")
            }
        return user_obj._perm_cache


def requires(*perms: str, methods: tuple[str, ...] | None = None) -> Callable:
    """A view decorator: the signed-in user must have every one of `perms` ("app_label.codename"),
    else 403 with a message that names the missing permission and the role that has it. With
    `methods`, only requests of those methods are checked (a row that anyone may GET, but only an
    editor POST). The permissions are kept on the view as `required_permissions`."""
    if not perms:
        raise ValueError("requires() needs at least one permission")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if (methods is None or request.method in methods) and not request.user.has_perms(perms):
                raise PermissionDenied(refusal(request.user, perms))
            return view(request, *args, **kwargs)

        checked.required_permissions = perms
        return checked

    return decorator


def refusal(user, perms: tuple[str, ...]) -> str:
    """The message for a user who lacks some of `perms`: which permission, and which role grants it."""
    missing = [perm for perm in perms if not user.has_perm(perm)]
    condition = Q()
    for perm in missing:
        app_label, _, codename = perm.partition(".")
        condition |= Q(content_type__app_label=app_label, codename=codename)
    found = Permission.objects.filter(condition).order_by("pk") if missing else Permission.objects.none()
    names = " and ".join(p.name for p in found) or ", ".join(missing)
    roles = list(
        Group.objects.filter(permissions__in=found, name__in=ROLES)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    if not roles:
        return f"{MSG_FORBIDDEN} {MSG_NEEDS_NO_ROLE.format(permissions=names)}"
    return f"{MSG_FORBIDDEN} {MSG_NEEDS.format(permissions=names, roles=' or '.join(roles))}"


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The project's 403 answer (`handler403`), for `requires` and for the admin's own refusals alike:
    htmx gets the message in the page's `#alerts` region, a plain request a page with a link back."""
    message = str(exception or "") or MSG_FORBIDDEN
    if getattr(request, "htmx", False):
        return _alert(request, message)
    context = {"message": message, "back": request.headers.get("referer", ""), "title": "Not allowed"}
    return HttpResponse(render_to_string("403.html", context, request), status=FORBIDDEN_STATUS)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """`CSRF_FAILURE_VIEW`: htmx gets the message in `#alerts` (its 403 is swapped, see above), a
    plain request Django's own page."""
    if request.headers.get("hx-request") == "true":  # the htmx middleware has not run yet
        return _alert(request, MSG_CSRF)
    return csrf.csrf_failure(request, reason=reason)


def login_locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: a sign-in refused by django-axes is the login page again, saying why and
    for how long (HTTP 429), with the user name kept; the password is not checked meanwhile."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "locked_out": MSG_LOCKED_OUT.format(minutes=minutes),
    }
    return render(request, "registration/login.html", context, status=LOCKED_OUT_STATUS)


def _alert(request: HttpRequest, message: str) -> HttpResponse:
    response = HttpResponse(
        render_to_string("alert.html", {"message": message}, request), status=FORBIDDEN_STATUS
    )
    response["HX-Retarget"] = "#alerts"
    response["HX-Reswap"] = "innerHTML"
    return response
