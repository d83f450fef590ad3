"""View helpers shared by every app's pages (inventory is the floor the other apps stand on)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 50


def is_partial(request: HttpRequest) -> bool:
    """True when htmx asks for a region of a page: render "page.html#partial" instead of the page.

    Boosted requests navigate like plain links, so they get the full page.
    """
    return bool(request.htmx) and not request.htmx.boosted


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PAGE_SIZE) -> dict[str, Any]:
    """A list page's `page` and `query` (its filters without the page number, for the page links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(queryset, per_page).get_page(request.GET.get("page")),
        "query": query.urlencode(),
    }
