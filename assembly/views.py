"""Assembly order pages (spec section 6): list, new stand-alone order, the order card with its component
lines edited in place, and posted assembly orders.

Each page is one template; the regions that HTMX swaps are partials in it (`order-table`,
`order-document`, `new-order-form`, `posted-table`), rendered on their own when the request comes from
htmx and as part of the full page otherwise, from the same context builder. Views parse with a form,
call a service in `assembly.services`, and put the service's `ValidationError` next to the field it names.
Every lookup of a component line goes through its order, so another order's line id is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.figures import format_quantity
from inventory.forms import SearchForm
from inventory.htmx import is_partial, paginate
from inventory.models import ItemLedgerEntry
from inventory.permissions import requires
from inventory.services.posting import InsufficientInventoryError

from .forms import (
    HeaderForm,
    LineAddForm,
    LineChangeForm,
    NewOrderForm,
    OrderFilterForm,
    add_service_error,
)
from .models import AssemblyHeader, AssemblyLine, AssemblyStatus, PostedAssemblyHeader, PostedAssemblyLine
from .services import (
    MSG_DELETED,
    MSG_LINKED_NO_DELETE,
    add_assembly_line,
    create_assembly_order,
    delete_assembly_line,
    delete_assembly_order,
    order_availability,
    post_assembly_order,
    quantity_to_assemble_bounds,
    release_assembly_order,
    reopen_assembly_order,
    update_assembly_line,
    update_assembly_order,
)

LIST_TEMPLATE = "assembly/order_list.html"
NEW_TEMPLATE = "assembly/order_new.html"
CARD_TEMPLATE = "assembly/order_card.html"
DELETE_TEMPLATE = "assembly/order_delete.html"
POSTED_LIST_TEMPLATE = "assembly/posted_list.html"
POSTED_CARD_TEMPLATE = "assembly/posted_card.html"
PAGE_SIZE = 50

MSG_CREATED = "Assembly order {no} was created with {lines} component lines."
MSG_RELEASED = "Assembly order {no} was released."
MSG_REOPENED = "Assembly order {no} was reopened."
MSG_POSTED = "Assembly order {no} was posted: {qty} {item} assembled."
MSG_NOTHING_POSTED = "Nothing was posted."


# --- Assembly Orders (list) -------------------------------------------------------------------


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    orders = AssemblyHeader.objects.select_related("item", "location", "sales_line__header").order_by("-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            orders = orders.filter(Q(no__icontains=data["q"]) | Q(item__no__icontains=data["q"]))
        if data["status"]:
            orders = orders.filter(status=data["status"])
        if data["assemble_to_order"] == "linked":
            orders = orders.filter(sales_line__isnull=False)
        elif data["assemble_to_order"] == "stand-alone":
            orders = orders.filter(sales_line__isnull=True)
    elif form.is_bound:
        orders = orders.none()
    context = {
        "title": "Assembly Orders",
        "nav": "assembly-orders",
        "form": form,
        **paginate(request, orders, PAGE_SIZE),
    }
    template = LIST_TEMPLATE + ("#order-table" if is_partial(request) else "")
    return render(request, template, context)


# --- New stand-alone order (R-ASM-1) ----------------------------------------------------------


@requires("assembly.add_assemblyheader")
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    form = NewOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = create_assembly_order(
                item=data["item"],
                quantity=data["quantity"],
                location=data["location"],
                bin=data["bin"],
                due_date=data["due_date"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, MSG_CREATED.format(no=order.no, lines=order.lines.count()))
            if is_partial(request):
                return HttpResponseClientRedirect(order.get_absolute_url())
            return redirect(order)
    context = {"title": "New Assembly Order", "nav": "assembly-orders", "form": form}
    template = NEW_TEMPLATE + ("#new-order-form" if is_partial(request) else "")
    return render(request, template, context, status=422 if form.errors else 200)


# --- Assembly Order card ----------------------------------------------------------------------


def _get_order(pk: int) -> AssemblyHeader:
    return get_object_or_404(
        AssemblyHeader.objects.select_related("item", "location", "bin", "sales_line__header"), pk=pk
    )


def _get_line(order: AssemblyHeader, line_pk: int) -> AssemblyLine:
    """A component line of this order only: another order's line id is a 404."""
    return get_object_or_404(AssemblyLine.objects.select_related("location", "bin"), header=order, pk=line_pk)


def _card_context(
    request: HttpRequest,
    order: AssemblyHeader,
    *,
    header_form: HeaderForm | None = None,
    new_form: LineAddForm | None = None,
    edit_form: LineChangeForm | None = None,
    errors: list[str] | None = None,
    focus_new_line: bool = False,
) -> dict[str, Any]:
    """Everything the card shows, in a number of queries that does not grow with its lines (R-ASM-4)."""
    availability = order_availability(order)
    lines = [row.line for row in availability.lines]
    errors = list(errors or [])
    lines_editable = order.is_open  # R-ASM-3: Released (and Completed) orders' lines are read-only
    if not lines_editable:
        # A refused line change on a read-only order: no row can be shown as a form, so say why on top.
        for form in (new_form, edit_form):
            if form is not None:
                errors.extend(message for messages_ in form.errors.values() for message in messages_)
        new_form = edit_form = None
    if edit_form is None and lines_editable:
        edit_pk = request.GET.get("edit", "")
        line = next((line for line in lines if str(line.pk) == edit_pk), None)
        edit_form = LineChangeForm(line=line) if line is not None else None
    if lines_editable:
        new_form = new_form or LineAddForm()
    # The cursor goes where the user continues: the row being edited, else a new line after one was added.
    if edit_form is not None:
        edit_form.autofocus()
    elif new_form is not None and (new_form.is_bound or focus_new_line):
        new_form.autofocus()
    rows = [
        {
            "line": row.line,
            "available": row.available,
            "shortage": row.shortage,
            "short_by": row.line.remaining_quantity - row.available,
        }
        for row in availability.lines
    ]
    low, high = quantity_to_assemble_bounds(order)
    return {
        "title": f"Assembly Order {order.no}",
        "nav": "assembly-orders",
        "order": order,
        "sales_line": order.sales_line if order.is_linked else None,
        "header_form": header_form or HeaderForm(order=order),
        "qta_low": low,
        "qta_high": high,
        "availability": availability,
        "rows": rows,
        "lines_editable": lines_editable,
        "new_form": new_form,
        "edit_form": edit_form,
        "editing_pk": edit_form.line.pk if edit_form else None,
        "postings": order.postings.order_by("-pk"),
        "errors": errors,
        "can_post": not order.is_linked and order.status != AssemblyStatus.COMPLETED,
        "can_delete": not order.is_linked and order.assembled_quantity == 0,
    }


def _render_card(request: HttpRequest, order: AssemblyHeader, *, status: int = 200, **kwargs) -> HttpResponse:
    template = CARD_TEMPLATE + ("#order-document" if is_partial(request) else "")
    return render(request, template, _card_context(request, order, **kwargs), status=status)


def _after_change(request: HttpRequest, order_pk: int, **kwargs) -> HttpResponse:
    """A successful change: htmx gets the fresh document, a plain form post is redirected (PRG)."""
    if not is_partial(request):
        return redirect("assembly:order-card", order_pk)
    return _render_card(request, _get_order(order_pk), **kwargs)


@require_GET
def order_card(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_card(request, _get_order(pk))


def _submit(
    request: HttpRequest, order: AssemblyHeader, form, call, *, form_slot: str, **after
) -> HttpResponse:
    """Parse with the form, call the service, put its refusal next to the field, re-render the card."""
    if form.is_valid():
        try:
            call(form)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return _after_change(request, order.pk, **after)
    return _render_card(request, order, status=422, **{form_slot: form})


@requires("assembly.change_assemblyheader")
@require_POST
def order_header_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Quantity, Quantity to Assemble, Due Date, Bin Code; on a linked order only Quantity to Assemble."""
    order = _get_order(pk)
    form = HeaderForm(request.POST, order=order)

    def call(form: HeaderForm) -> None:
        if changes := form.changes():
            update_assembly_order(order=order, **changes)

    return _submit(request, order, form, call, form_slot="header_form")


@requires("assembly.add_assemblyline")
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_order(pk)
    form = LineAddForm(request.POST)
    return _submit(
        request,
        order,
        form,
        lambda form: add_assembly_line(order=order, **form.cleaned_data),
        form_slot="new_form",
        focus_new_line=True,
    )


@requires("assembly.change_assemblyline")
@require_POST
def line_change(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = _get_order(pk)
    line = _get_line(order, line_pk)
    form = LineChangeForm(request.POST, line=line)

    def call(form: LineChangeForm) -> None:
        if changes := form.changes():
            update_assembly_line(line=line, **changes)

    return _submit(request, order, form, call, form_slot="edit_form")


@requires("assembly.delete_assemblyline")
@require_POST
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    order = _get_order(pk)
    line = _get_line(order, line_pk)
    try:
        delete_assembly_line(line=line)
    except ValidationError as exc:
        return _render_card(request, order, errors=exc.messages, status=422)
    return _after_change(request, pk)


# --- Actions: Release, Reopen, Post, Delete ----------------------------------------------------


def _change_status(request: HttpRequest, pk: int, service, success: str) -> HttpResponse:
    order = _get_order(pk)
    try:
        service(order=order)
    except ValidationError as exc:
        return _render_card(request, order, errors=exc.messages, status=422)
    messages.success(request, success.format(no=order.no))
    return redirect(order)


@requires("assembly.release_assembly_order")
@require_POST
def order_release(request: HttpRequest, pk: int) -> HttpResponse:
    """R-ASM-3: Release needs a component line with a Quantity; Released lines are read-only."""
    return _change_status(request, pk, release_assembly_order, MSG_RELEASED)


@requires("assembly.release_assembly_order")
@require_POST
def order_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, reopen_assembly_order, MSG_REOPENED)


@requires("assembly.post_assembly_order")
@require_POST
def order_post(request: HttpRequest, pk: int) -> HttpResponse:
    """R-ASM-2: Post the Quantity to Assemble; a shortage (R-INV-3) or a linked order (R-SYNC-2) posts nothing."""
    order = _get_order(pk)
    try:
        posted = post_assembly_order(order=order)
    except (InsufficientInventoryError, ValidationError) as exc:  # a shortage (R-INV-3) or a refusal
        return _render_card(request, order, errors=[MSG_NOTHING_POSTED, *exc.messages], status=422)
    messages.success(
        request,
        format_html(
            '{} <a href="{}">Posted Assembly Order {}</a>',
            MSG_POSTED.format(no=order.no, qty=format_quantity(posted.quantity), item=order.item.no),
            posted.get_absolute_url(),
            posted.no,
        ),
    )
    return redirect(order)


@requires("assembly.delete_assemblyheader")
@require_http_methods(["GET", "POST"])
def order_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete after a confirmation page (GET); refused for a linked order (R-SYNC-2) or one with output."""
    order = _get_order(pk)
    if request.method == "POST":
        try:
            delete_assembly_order(order=order)
        except ValidationError as exc:
            return _render_card(request, order, errors=exc.messages, status=422)
        messages.success(request, MSG_DELETED.format(no=order.no))
        if is_partial(request):
            return HttpResponseClientRedirect(reverse("assembly:order-list"))
        return redirect("assembly:order-list")
    refusal = None
    if order.is_linked:
        line = order.sales_line
        refusal = MSG_LINKED_NO_DELETE.format(no=order.no, order=line.header.no, line=line.line_no)
    context = {
        "title": f"Delete Assembly Order {order.no}",
        "nav": "assembly-orders",
        "order": order,
        "refusal": refusal,
    }
    return render(request, DELETE_TEMPLATE, context)


# --- Posted Assembly Orders -------------------------------------------------------------------


@require_GET
def posted_list(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.GET or None)
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    posted = PostedAssemblyHeader.objects.select_related("item", "location").order_by("-pk")
    if search.is_bound and not search.is_valid():
        posted = posted.none()
    elif query:
        posted = posted.filter(
            Q(no__icontains=query) | Q(order_no__icontains=query) | Q(item__no__icontains=query)
        )
    context = {
        "title": "Posted Assembly Orders",
        "nav": "assembly-orders",
        "q": query,
        **paginate(request, posted, PAGE_SIZE),
    }
    template = POSTED_LIST_TEMPLATE + ("#posted-table" if is_partial(request) else "")
    return render(request, template, context)


@require_GET
def posted_card(request: HttpRequest, pk: int) -> HttpResponse:
    posted = get_object_or_404(
        PostedAssemblyHeader.objects.select_related(
            "item", "location", "bin", "order", "posted_by"
        ).prefetch_related(
            Prefetch(
                "lines", PostedAssemblyLine.objects.select_related("item", "location").order_by("line_no")
            ),
            # An assemble-to-order posting's shipment line and the invoices that invoiced it (the sales
            # app's relations, named here as the template follows them; assembly imports nothing of sales).
            "shipment_line__header",
            "shipment_line__invoiced__invoice_line__header",
        ),
        pk=pk,
    )
    entries = (
        ItemLedgerEntry.objects.filter(
            document_type=ItemLedgerEntry.DocumentType.POSTED_ASSEMBLY, document_no=posted.no
        )
        .select_related("item", "location", "bin")
        .order_by("entry_no")
    )
    context = {
        "title": f"Posted Assembly Order {posted.no}",
        "nav": "assembly-orders",
        "posted": posted,
        "entries": entries,
    }
    return render(request, POSTED_CARD_TEMPLATE, context)
