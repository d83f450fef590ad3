"""HTMX helpers shared by every app's views (inventory is the floor the other apps stand on)."""

from django.http import HttpRequest


def is_partial(request: HttpRequest) -> bool:
    """True when htmx asks for a region of a page: render "page.html#partial" instead of the page.

    Boosted requests navigate like plain links, so they get the full page.
    """
    return bool(request.htmx) and not request.htmx.boosted
