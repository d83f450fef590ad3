"""Post (Ship, Invoice, Ship and Invoice) on the sales order card with its confirmation, Preview Posting
(X-5), the posted documents' pages: Posted Sales Shipments (R-POST-4) with Undo Shipment (R-UNDO-1),
Posted Sales Invoices (R-INVC-1). The services are `sales.services.invoicing`, `.shipping` and `.undo`;
these views parse, call them and render, each page one template whose swapped regions are partials."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods

from inventory.figures import format_quantity
from inventory.forms import SearchForm
from inventory.htmx import is_partial, paginate
from inventory.permissions import requires
from inventory.services.posting import InsufficientInventoryError

from .models import (
    InvoicedShipment,
    SalesHeader,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    ShipmentLineEntry,
)
from .services.invoicing import PostChoice, post_sales_order, posting_summary
from .services.shipping import preview_shipment
from .services.undo import MSG_CONFIRM as MSG_UNDO_CONFIRM
from .services.undo import MSG_UNDONE, undo_shipment_line
from .views import CARD, _card_context

POST_DIALOG = "sales/post_ship.html"
PREVIEW = "sales/post_preview.html"
SHIPMENT_LIST = "sales/shipment_list.html"
SHIPMENT_CARD = "sales/shipment_card.html"
INVOICE_LIST = "sales/invoice_list.html"
INVOICE_CARD = "sales/invoice_card.html"
MSG_POSTED_SHIPMENT = "Posted Sales Shipment"
MSG_POSTED_INVOICE = "Posted Sales Invoice"
MSG_POSTED = "Sales order {no} was posted:"
MSG_COMPLETED = "The order is completed."
MSG_NOTHING_POSTED = "Nothing was posted."
MSG_CHOICE = "Choose Ship, Invoice or Ship and Invoice."


class PostForm(forms.Form):
    """BC's question on Post: Ship, Invoice, or Ship and Invoice (Ship and Invoice first, as BC's)."""

    choice = forms.TypedChoiceField(
        label="Post",
        choices=[
            (c.value, c.label) for c in (PostChoice.SHIP_AND_INVOICE, PostChoice.SHIP, PostChoice.INVOICE)
        ],
        coerce=PostChoice,
        initial=PostChoice.SHIP,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": MSG_CHOICE, "required": MSG_CHOICE},
    )


def _get_header(pk: int) -> SalesHeader:
    return get_object_or_404(SalesHeader.objects.select_related("customer", "location"), pk=pk)


def _choice(data) -> PostChoice:
    form = PostForm(data)
    return form.cleaned_data["choice"] if form.is_valid() else PostChoice.SHIP


def _dialog(
    request: HttpRequest,
    header: SalesHeader,
    choice: PostChoice,
    *,
    errors: list[str] | None = None,
    status: int = 200,
):
    """The confirmation: the choice, and what it will ship and invoice, line by line, or why nothing."""
    context = {
        "title": f"Post {header.no}",
        "header": header,
        "errors": errors or [],
        "choice": choice,
        "form": PostForm(initial={"choice": choice}),
    }
    if not errors:
        try:
            context["summary"], context["fingerprint"] = posting_summary(header=header, choice=choice)
        except (ValidationError, InsufficientInventoryError) as exc:
            context["errors"] = exc.messages
    template = POST_DIALOG + ("#post-dialog" if is_partial(request) else "")
    response = render(request, template, context, status=status)
    if is_partial(request) and status != 200:
        response["HX-Retarget"] = "#modal"
        response["HX-Reswap"] = "innerHTML"
    return response


@requires("sales.post_sales_order")
@require_http_methods(["GET", "POST"])
def order_post(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the choice (Ship, Invoice, Ship and Invoice) and what it will post ("Ship 10 KIT: 7 assembled
    to order, 3 from stock", "Invoice 10 KIT at 500.00: 5,000.00"). POST: post it, refused when the order
    would now post something else than what was confirmed (R-POST-5)."""
    header = _get_header(pk)
    if request.method == "GET":
        return _dialog(request, header, _choice(request.GET))
    data = request.POST.copy()
    data.setdefault("choice", PostChoice.SHIP)  # the dialog's default, for a client that sends none
    form = PostForm(data)
    if not form.is_valid():
        return _dialog(request, header, PostChoice.SHIP, errors=[MSG_NOTHING_POSTED, MSG_CHOICE], status=422)
    choice = form.cleaned_data["choice"]
    try:
        posted = post_sales_order(header=header, choice=choice, expect=request.POST.get("fingerprint") or "")
    except (ValidationError, InsufficientInventoryError) as exc:
        return _dialog(request, header, choice, errors=[MSG_NOTHING_POSTED, *exc.messages], status=422)
    documents = [
        format_html('{} <a href="{}">{}</a>', caption, document.get_absolute_url(), document.no)
        for caption, document in (
            (MSG_POSTED_SHIPMENT, posted.shipment),
            (MSG_POSTED_INVOICE, posted.invoice),
        )
        if document is not None
    ]
    text = format_html(
        "{} {}.", MSG_POSTED.format(no=header.no), format_html_join(", ", "{}", ((d,) for d in documents))
    )
    if posted.completed:
        text = format_html("{} {}", text, MSG_COMPLETED)
    messages.success(request, text)
    if not is_partial(request):
        return redirect(header)
    if posted.completed:  # the whole card changes (no Post, no inputs): load it again
        response = HttpResponse(status=204)
        response["HX-Redirect"] = header.get_absolute_url()
        return response
    header.refresh_from_db()
    html = render_to_string(CARD + "#order-body", _card_context(request, header), request)
    # The card is updated in place; the dialog goes away.
    return HttpResponse(html + '<div id="modal" hx-swap-oob="true"></div>')


@requires("sales.post_sales_order")
@require_GET
def order_post_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview Posting (X-5): the entries and documents Post would write, computed by the same plan."""
    header = _get_header(pk)
    context = {"title": f"Preview Posting {header.no}", "header": header}
    try:
        preview = preview_shipment(header=header)
    except (ValidationError, InsufficientInventoryError) as exc:
        context["errors"] = exc.messages
    else:
        context["lines"] = [(plan, preview.by_line[plan.line.pk]) for plan in preview.plan.lines]
        context["entries"] = preview.result.entries
    return render(request, PREVIEW + ("#preview-dialog" if is_partial(request) else ""), context)


# --- Posted Sales Shipments and Invoices ------------------------------------------------------


class PostedFilterForm(SearchForm):
    order = forms.CharField(label="Order No.", required=False, max_length=20)


def _filtered(request: HttpRequest, documents):
    """The search of a posted documents' list: its No., the order's, the customer's No. or Name."""
    form = PostedFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():  # a NUL byte, an over-long value: nothing matches
        return form, documents.none()
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            documents = documents.filter(
                Q(no__icontains=q)
                | Q(order_no__icontains=q)
                | Q(customer__no__icontains=q)
                | Q(customer__name__icontains=q)
            )
        if order := form.cleaned_data["order"].strip():
            documents = documents.filter(order_no=order)
    return form, documents


@require_GET
def shipment_list(request: HttpRequest) -> HttpResponse:
    form, shipments = _filtered(
        request, SalesShipmentHeader.objects.select_related("customer", "location").order_by("-pk")
    )
    context = {
        "title": "Posted Sales Shipments",
        "nav": "shipments",
        "form": form,
        **paginate(request, shipments),
    }
    return render(request, SHIPMENT_LIST + ("#shipment-table" if is_partial(request) else ""), context)


def _shipment(pk: int) -> SalesShipmentHeader:
    entries = ShipmentLineEntry.objects.select_related("entry__item", "entry__location", "entry__bin")
    invoiced = InvoicedShipment.objects.select_related("invoice_line__header")
    lines = SalesShipmentLine.objects.select_related(
        "item", "location", "bin", "posted_assembly", "reverses", "reversed_by"
    ).prefetch_related(Prefetch("entries", entries), Prefetch("invoiced", invoiced))
    return get_object_or_404(
        SalesShipmentHeader.objects.select_related(
            "customer", "location", "order", "posted_by"
        ).prefetch_related(Prefetch("lines", lines.order_by("line_no"))),
        pk=pk,
    )


def _shipment_page(
    request: HttpRequest,
    shipment: SalesShipmentHeader,
    *,
    confirm: int | None = None,
    errors: dict[int, list[str]] | None = None,
    status: int = 200,
):
    for line in shipment.lines.all():  # the prefetched lines the template shows
        line.undo_confirm = line.pk == confirm
        line.undo_errors = (errors or {}).get(line.pk, [])
    context = {
        "title": f"Posted Sales Shipment {shipment.no}",
        "nav": "shipments",
        "shipment": shipment,
        "undo_confirm": MSG_UNDO_CONFIRM,
    }
    return render(request, SHIPMENT_CARD, context, status=status)


@require_GET
def shipment_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A Posted Sales Shipment: its lines, each with its Posted Assembly Order, the entries it wrote, the
    invoices that invoiced it, and Undo Shipment while it is not invoiced (R-UNDO-1)."""
    return _shipment_page(request, _shipment(pk))


@requires("sales.undo_shipment")
@require_http_methods(["GET", "POST"])
def shipment_line_undo(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """Undo Shipment of one line (R-UNDO-1). GET: BC's question, on the card; POST: undo, or BC's reason
    why not, next to the line, with nothing changed."""
    shipment = get_object_or_404(SalesShipmentHeader, pk=pk)
    line = get_object_or_404(SalesShipmentLine, header=shipment, pk=line_pk)
    if request.method == "GET":
        return _shipment_page(request, _shipment(pk), confirm=line.pk)
    try:
        undo_shipment_line(shipment_line=line)
    except (ValidationError, InsufficientInventoryError) as exc:
        return _shipment_page(request, _shipment(pk), errors={line.pk: exc.messages}, status=422)
    messages.success(
        request,
        MSG_UNDONE.format(
            line=line.line_no, no=shipment.no, qty=format_quantity(line.quantity), item=line.item.no
        ),
    )
    return redirect(shipment)


@require_GET
def invoice_list(request: HttpRequest) -> HttpResponse:
    form, invoices = _filtered(
        request, SalesInvoiceHeader.objects.select_related("customer", "location").order_by("-pk")
    )
    context = {
        "title": "Posted Sales Invoices",
        "nav": "invoices",
        "form": form,
        **paginate(request, invoices),
    }
    return render(request, INVOICE_LIST + ("#invoice-table" if is_partial(request) else ""), context)


@require_GET
def invoice_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A Posted Sales Invoice: customer, dates, total; its lines with quantity, unit price and line amount,
    each with the posted shipment lines it invoiced (and their Posted Assembly Orders)."""
    shipped = InvoicedShipment.objects.select_related(
        "shipment_line__header", "shipment_line__posted_assembly"
    )
    lines = SalesInvoiceLine.objects.select_related("item", "location").prefetch_related(
        Prefetch("shipments", shipped)
    )
    invoice = get_object_or_404(
        SalesInvoiceHeader.objects.select_related(
            "customer", "location", "order", "posted_by"
        ).prefetch_related(Prefetch("lines", lines.order_by("line_no"))),
        pk=pk,
    )
    context = {"title": f"Posted Sales Invoice {invoice.no}", "nav": "invoices", "invoice": invoice}
    return render(request, INVOICE_CARD, context)
