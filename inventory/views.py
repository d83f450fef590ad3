"""Item Journal, Item Ledger Entries and Item Registers pages (R-INV-4, R-INV-5, R-AUD-1).

Each page is one template; the regions that HTMX swaps are partials in it, rendered on their own when
the request comes from htmx and as part of the full page otherwise, from the same context builder.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory.htmx import is_partial, paginate

from .forms import ItemJournalLineForm, LedgerFilterForm
from .models import ItemJournalLine, ItemLedgerEntry, ItemRegister
from .permissions import requires
from .services.journal import post_item_journal
from .services.posting import InsufficientInventoryError

JOURNAL_TEMPLATE = "inventory/item_journal.html"
LEDGER_TEMPLATE = "inventory/ledger_entries.html"
REGISTERS_TEMPLATE = "inventory/item_registers.html"
REGISTER_TEMPLATE = "inventory/item_register.html"
MSG_POSTED = "The journal lines were successfully posted ({count} item ledger entries, document {document})."
MSG_CONFIRM_POST = "Do you want to post the journal lines? {count} line{s} will be posted."
LEDGER_PAGE_SIZE = 50


def _journal_context(
    request: HttpRequest,
    *,
    new_form: ItemJournalLineForm | None = None,
    edit_form: ItemJournalLineForm | None = None,
    post_errors: list[str] | None = None,
    confirm_post: bool = False,
) -> dict[str, Any]:
    lines = list(
        ItemJournalLine.objects.filter(user=request.user)
        .select_related("item", "location", "bin")
        .order_by("pk")
    )
    new_form = new_form or ItemJournalLineForm(
        user=request.user,
        prefix="new",
        initial=ItemJournalLineForm.initial_after(lines[-1] if lines else None),
    )
    (edit_form or new_form).autofocus()
    return {
        "title": "Item Journal",
        "nav": "item-journal",
        "lines": lines,
        "new_form": new_form,
        "edit_form": edit_form,
        "editing_pk": edit_form.instance.pk if edit_form else None,
        "post_errors": post_errors or [],
        "confirm_post": (
            MSG_CONFIRM_POST.format(count=len(lines), s="" if len(lines) == 1 else "s")
            if confirm_post
            else ""
        ),
    }


def _render_journal(request: HttpRequest, status: int = 200, **kwargs) -> HttpResponse:
    template = JOURNAL_TEMPLATE
    if is_partial(request):
        template += "#journal-lines"
    return render(request, template, _journal_context(request, **kwargs), status=status)


@requires("inventory.view_itemjournalline")
@require_GET
def item_journal(request: HttpRequest) -> HttpResponse:
    edit_pk = request.GET.get("edit")
    edit_form = None
    if edit_pk and edit_pk.isdigit():
        line = ItemJournalLine.objects.filter(user=request.user, pk=edit_pk).first()
        if line is not None:
            edit_form = ItemJournalLineForm(instance=line, user=request.user, prefix=f"line-{line.pk}")
    return _render_journal(request, edit_form=edit_form)


@requires("inventory.add_itemjournalline")
@require_POST
def journal_line_add(request: HttpRequest) -> HttpResponse:
    form = ItemJournalLineForm(request.POST, user=request.user, prefix="new")
    if not form.is_valid():
        return _render_journal(request, new_form=form, status=422)
    form.save()
    if not is_partial(request):
        return redirect("inventory:item-journal")
    return _render_journal(request)


@requires("inventory.change_itemjournalline")
@require_http_methods(["POST"])
def journal_line_change(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_object_or_404(ItemJournalLine, user=request.user, pk=pk)
    form = ItemJournalLineForm(request.POST, instance=line, user=request.user, prefix=f"line-{pk}")
    if not form.is_valid():
        return _render_journal(request, edit_form=form, status=422)
    form.save()
    if not is_partial(request):
        return redirect("inventory:item-journal")
    return _render_journal(request)


@requires("inventory.delete_itemjournalline")
@require_POST
def journal_line_delete(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(ItemJournalLine, user=request.user, pk=pk).delete()
    if not is_partial(request):
        return redirect("inventory:item-journal")
    return _render_journal(request)


@requires("inventory.post_item_journal")
@require_POST
def journal_post(request: HttpRequest) -> HttpResponse:
    """Post asks first, with the number of lines (BC's "Do you want to post the journal lines?"); the
    answer Yes (`confirm=1`) posts them all, or none."""
    if request.POST.get("confirm") != "1" and ItemJournalLine.objects.filter(user=request.user).exists():
        return _render_journal(request, confirm_post=True)
    try:
        entries = post_item_journal(user=request.user)
    except InsufficientInventoryError as exc:
        return _render_journal(request, post_errors=exc.messages, status=422)
    except ValidationError as exc:
        return _render_journal(request, post_errors=exc.messages, status=422)
    messages.success(
        request, MSG_POSTED.format(count=len(entries), document=entries[0].document_no if entries else "")
    )
    return redirect("inventory:item-journal")


@require_GET
def ledger_entries(request: HttpRequest) -> HttpResponse:
    form = LedgerFilterForm(request.GET or None)
    entries = _ledger_rows(ItemLedgerEntry.objects.all())
    if form.is_valid():
        if form.cleaned_data["item"]:
            entries = entries.filter(item=form.cleaned_data["item"])
        if form.cleaned_data["location"]:
            entries = entries.filter(location=form.cleaned_data["location"])
        if form.cleaned_data["open_only"]:
            entries = entries.open()
    elif form.is_bound:
        entries = entries.none()
    context = {
        "title": "Item Ledger Entries",
        "nav": "ledger-entries",
        "form": form,
        **paginate(request, entries, LEDGER_PAGE_SIZE),
    }
    template = LEDGER_TEMPLATE + ("#ledger-table" if is_partial(request) else "")
    return render(request, template, context)


def _ledger_rows(entries):
    """The ledger table's rows, newest first, with what its columns show (one query a page)."""
    return (
        entries.select_related("item", "location", "bin", "created_by")
        .with_reserved_quantity()
        .order_by("-entry_no")
    )


# --- Item Registers (R-AUD-1) ---------------------------------------------------------------------
# Read-only pages, open to every signed-in user like the ledger they index (inventory.permissions).


@require_GET
def item_registers(request: HttpRequest) -> HttpResponse:
    """BC's Item Registers: one row per posting, newest first, with its range of entries (a fixed
    number of queries a page: the range and count are annotated, not read per row)."""
    registers = ItemRegister.objects.select_related("user").with_range().order_by("-no")
    context = {"title": "Item Registers", "nav": "item-registers", **paginate(request, registers)}
    template = REGISTERS_TEMPLATE + ("#register-table" if is_partial(request) else "")
    return render(request, template, context)


@require_GET
def item_register(request: HttpRequest, pk: int) -> HttpResponse:
    """One register's item ledger entries: exactly those its posting wrote (they name the register)."""
    register = get_object_or_404(ItemRegister.objects.select_related("user").with_range(), pk=pk)
    context = {
        "title": f"Item Register {register.no}",
        "nav": "item-registers",
        "register": register,
        **paginate(request, _ledger_rows(register.entries.all()), LEDGER_PAGE_SIZE),
    }
    template = REGISTER_TEMPLATE + ("#ledger-table" if is_partial(request) else "")
    return render(request, template, context)
