"""Find entries (R-NAV-1, BC's Navigate): a document number in, every table that carries it out, with
counts, each drilling down to its rows. The read rules are `sales.services.navigate`; these views parse
the number and render one template whose swapped regions are partials: `find-entries` (the form and the
Related Entries) and `related-rows` (one table's rows)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from inventory.htmx import is_partial, paginate

from .services.navigate import GROUPS_BY_SLUG, MAX_DOCUMENT_NO, Group, related_entries

FIND_ENTRIES = "sales/find_entries.html"
MSG_REQUIRED = "Enter a document number."
MSG_TOO_LONG = f"A document number has at most {MAX_DOCUMENT_NO} characters."
MSG_NUL = "A document number cannot contain a NUL character."


class FindEntriesForm(forms.Form):
    """The document number to find. A NUL byte (which PostgreSQL cannot compare) and an over-long value
    are refused at the field: no document carries them."""

    no = forms.CharField(
        label="Document No.",
        max_length=MAX_DOCUMENT_NO,
        error_messages={
            "required": MSG_REQUIRED,
            "max_length": MSG_TOO_LONG,
            "null_characters_not_allowed": MSG_NUL,
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["no"].widget.attrs.update({"autocomplete": "off", "autofocus": True})


def _page_context(form: FindEntriesForm) -> dict[str, Any]:
    """The form and, for a valid number, the tables that carry it with their counts."""
    context: dict[str, Any] = {"title": "Find entries", "nav": "find-entries", "form": form, "no": ""}
    if form.is_valid():
        context["no"] = form.cleaned_data["no"]
        context["related"] = related_entries(no=context["no"])
    return context


def _rows_context(request: HttpRequest, group: Group, no: str) -> dict[str, Any]:
    """One table's rows that carry the number, a page of them, each with its card's URL."""
    paged = paginate(request, group.rows(no))
    return {**paged, "group": group, "rows": [group.row(obj) for obj in paged["page"]]}


@require_GET
def find_entries(request: HttpRequest) -> HttpResponse:
    form = FindEntriesForm(request.GET or None)
    template = FIND_ENTRIES + ("#find-entries" if is_partial(request) else "")
    return render(request, template, _page_context(form))


@require_GET
def find_entries_group(request: HttpRequest, group: str) -> HttpResponse:
    """A group's drill-down: its rows (htmx), or the Find entries page with them below (a plain link)."""
    found = GROUPS_BY_SLUG.get(group)
    if found is None:
        raise Http404("No such table.")
    form = FindEntriesForm(request.GET)
    if not form.is_valid():  # the message goes next to the field
        response = render(
            request, FIND_ENTRIES + ("#find-entries" if is_partial(request) else ""), _page_context(form)
        )
        if is_partial(request):
            response["HX-Retarget"] = "#find-entries"
            response["HX-Reswap"] = "outerHTML"
        return response
    rows = _rows_context(request, found, form.cleaned_data["no"])
    if is_partial(request):
        return render(request, FIND_ENTRIES + "#related-rows", {**rows, "no": form.cleaned_data["no"]})
    return render(request, FIND_ENTRIES, {**_page_context(form), **rows})
