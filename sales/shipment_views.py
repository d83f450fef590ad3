"""Post (Ship) on the sales order card with its confirmation, Preview Posting (X-5), and the Posted
Sales Shipments pages (R-POST-4). The service is `sales.services.shipping`; these views parse, call it
and render, each page one template whose swapped regions are partials."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods

from inventory.forms import SearchForm
from inventory.htmx import is_partial, paginate
from inventory.services.posting import InsufficientInventoryError

from .models import SalesHeader, SalesShipmentHeader, SalesShipmentLine, ShipmentLineEntry
from .services.shipping import post_shipment, preview_shipment, shipment_summary
from .views import CARD, _card_context

POST_DIALOG = "sales/post_ship.html"
PREVIEW = "sales/post_preview.html"
SHIPMENT_LIST = "sales/shipment_list.html"
SHIPMENT_CARD = "sales/shipment_card.html"
MSG_POSTED = "Sales order {no} was shipped: Posted Sales Shipment"
MSG_NOTHING_POSTED = "Nothing was posted."


class ShipmentFilterForm(SearchForm):
    order = forms.CharField(label="Order No.", required=False, max_length=20)


def _get_header(pk: int) -> SalesHeader:
    return get_object_or_404(SalesHeader.objects.select_related("customer", "location"), pk=pk)


def _dialog(request: HttpRequest, header: SalesHeader, *, errors: list[str] | None = None, status: int = 200):
    """The confirmation: what will ship, line by line, or why nothing can."""
    context = {"title": f"Post {header.no}", "header": header, "errors": errors or []}
    if not errors:
        try:
            context["summary"], context["fingerprint"] = shipment_summary(header=header)
        except (ValidationError, InsufficientInventoryError) as exc:
            context["errors"] = exc.messages
    template = POST_DIALOG + ("#post-dialog" if is_partial(request) else "")
    response = render(request, template, context, status=status)
    if is_partial(request) and status != 200:
        response["HX-Retarget"] = "#modal"
        response["HX-Reswap"] = "innerHTML"
    return response


@require_http_methods(["GET", "POST"])
def order_post(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the confirmation ("Ship 10 KIT: 7 assembled to order, 3 from stock"). POST: post it,
    refused when the order would now ship something else than what was confirmed (R-POST-5)."""
    header = _get_header(pk)
    if request.method == "GET":
        return _dialog(request, header)
    try:
        shipment = post_shipment(header=header, expect=request.POST.get("fingerprint") or "")
    except (ValidationError, InsufficientInventoryError) as exc:
        return _dialog(request, header, errors=[MSG_NOTHING_POSTED, *exc.messages], status=422)
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>.',
            MSG_POSTED.format(no=header.no),
            shipment.get_absolute_url(),
            shipment.no,
        ),
    )
    if not is_partial(request):
        return redirect(header)
    header.refresh_from_db()
    html = render_to_string(CARD + "#order-body", _card_context(request, header), request)
    # The card is updated in place; the dialog goes away.
    return HttpResponse(html + '<div id="modal" hx-swap-oob="true"></div>')


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


# --- Posted Sales Shipments -------------------------------------------------------------------


@require_GET
def shipment_list(request: HttpRequest) -> HttpResponse:
    form = ShipmentFilterForm(request.GET or None)
    shipments = SalesShipmentHeader.objects.select_related("customer", "location").order_by("-pk")
    if form.is_bound and not form.is_valid():  # a NUL byte, an over-long value: nothing matches
        shipments = shipments.none()
    elif form.is_valid():
        if q := form.cleaned_data["q"].strip():
            shipments = shipments.filter(
                Q(no__icontains=q)
                | Q(order_no__icontains=q)
                | Q(customer__no__icontains=q)
                | Q(customer__name__icontains=q)
            )
        if order := form.cleaned_data["order"].strip():
            shipments = shipments.filter(order_no=order)
    context = {
        "title": "Posted Sales Shipments",
        "nav": "shipments",
        "form": form,
        **paginate(request, shipments),
    }
    return render(request, SHIPMENT_LIST + ("#shipment-table" if is_partial(request) else ""), context)


@require_GET
def shipment_card(request: HttpRequest, pk: int) -> HttpResponse:
    """A Posted Sales Shipment: its lines, each with its Posted Assembly Order and the entries it wrote."""
    entries = ShipmentLineEntry.objects.select_related("entry__item", "entry__location", "entry__bin")
    lines = SalesShipmentLine.objects.select_related(
        "item", "location", "bin", "posted_assembly"
    ).prefetch_related(Prefetch("entries", entries))
    shipment = get_object_or_404(
        SalesShipmentHeader.objects.select_related("customer", "location", "order").prefetch_related(
            Prefetch("lines", lines.order_by("line_no"))
        ),
        pk=pk,
    )
    context = {"title": f"Posted Sales Shipment {shipment.no}", "nav": "shipments", "shipment": shipment}
    return render(request, SHIPMENT_CARD, context)
