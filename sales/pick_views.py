"""Inventory Picks (R-PICK-1): Create Inventory Pick on the order card, the picks list and the pick card
with Qty. to Handle, Autofill Qty. to Handle, Delete and Post. One template per page; the lines are a
partial; views parse, call `sales.services.picks`, and render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from inventory.figures import QTY_PLACES, format_quantity
from inventory.htmx import is_partial, paginate
from inventory.permissions import requires
from inventory.services.posting import InsufficientInventoryError

from .models import InventoryPickHeader, SalesHeader
from .services.picks import (
    autofill_qty_to_handle,
    create_inventory_pick,
    delete_inventory_pick,
    pick_fingerprint,
    post_inventory_pick,
    set_qty_to_handle,
)

PICK_LIST = "sales/pick_list.html"
PICK_CARD = "sales/pick_card.html"
MSG_CREATED = "Inventory pick {nos} was created."
MSG_POSTED = "Inventory pick {no} was posted: Posted Sales Shipment"
MSG_DELETED = "Inventory pick {no} was deleted."
MSG_NOT_A_NUMBER = "Qty. to Handle must be a number with at most {places} decimals."


@requires("sales.add_inventorypickheader")
@require_POST
def order_create_pick(request: HttpRequest, pk: int) -> HttpResponse:
    header = get_object_or_404(SalesHeader, pk=pk)
    try:
        picks = create_inventory_pick(header=header)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(header)
    messages.success(request, MSG_CREATED.format(nos=", ".join(p.no for p in picks)))
    return redirect(picks[0])


@require_GET
def pick_list(request: HttpRequest) -> HttpResponse:
    picks = InventoryPickHeader.objects.select_related("order__customer", "location").order_by("-pk")
    context = {"title": "Inventory Picks", "nav": "picks", **paginate(request, picks)}
    return render(request, PICK_LIST + ("#pick-table" if is_partial(request) else ""), context)


def _pick(pk: int) -> InventoryPickHeader:
    return get_object_or_404(InventoryPickHeader.objects.select_related("order__customer", "location"), pk=pk)


def _render(request: HttpRequest, pick: InventoryPickHeader, *, errors: Any = None, typed=None, status=200):
    lines = list(pick.lines.select_related("item", "bin", "order_line").order_by("line_no"))
    errors = errors or {}
    typed = typed or {}
    rows = [
        {
            "line": line,
            "value": typed.get(line.pk, format_quantity(line.qty_to_handle)),
            "error": errors.get(f"line-{line.pk}"),
        }
        for line in lines
    ]
    context = {
        "fingerprint": pick_fingerprint(lines),
        "title": f"Inventory Pick {pick.no}",
        "nav": "picks",
        "pick": pick,
        "rows": rows,
        "errors": errors.get("__all__", []),
    }
    template = PICK_CARD + ("#pick-lines" if is_partial(request) else "")
    return render(request, template, context, status=status)


@require_GET
def pick_card(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _pick(pk))


def _parse(
    request: HttpRequest, pick: InventoryPickHeader
) -> tuple[dict[int, Decimal], dict[str, str], dict]:
    values, errors, typed = {}, {}, {}
    for line_pk in pick.lines.values_list("pk", flat=True):
        raw = request.POST.get(f"line-{line_pk}-qty_to_handle")
        if raw is None:
            continue
        typed[line_pk] = raw
        try:
            value = Decimal(raw.strip() or "0")
            if not value.is_finite() or value != value.quantize(Decimal(1).scaleb(-QTY_PLACES)):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[f"line-{line_pk}"] = MSG_NOT_A_NUMBER.format(places=QTY_PLACES)
        else:
            values[line_pk] = value
    return values, errors, typed


@requires("sales.change_inventorypickline")
@require_POST
def pick_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """Qty. to Handle of the pick's lines, saved together."""
    pick = _pick(pk)
    values, errors, typed = _parse(request, pick)
    if not errors:
        try:
            set_qty_to_handle(pick=pick, values=values)
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
    if errors:
        return _render(request, pick, errors=errors, typed=typed, status=422)
    if not is_partial(request):
        return redirect(pick)
    return _render(request, pick)


@requires("sales.change_inventorypickline")
@require_POST
def pick_autofill(request: HttpRequest, pk: int) -> HttpResponse:
    pick = _pick(pk)
    autofill_qty_to_handle(pick=pick)
    return _render(request, pick) if is_partial(request) else redirect(pick)


@requires("sales.delete_inventorypickheader")
@require_POST
def pick_delete(request: HttpRequest, pk: int) -> HttpResponse:
    pick = _pick(pk)
    delete_inventory_pick(pick=pick)
    messages.success(request, MSG_DELETED.format(no=pick.no))
    return redirect(pick.order)


@requires("sales.post_inventory_pick")
@require_POST
def pick_post(request: HttpRequest, pk: int) -> HttpResponse:
    pick = _pick(pk)
    values, errors, typed = _parse(request, pick)
    if errors:
        return _render(request, pick, errors=errors, typed=typed, status=422)
    try:
        shipment = post_inventory_pick(pick=pick, values=values, expect=request.POST.get("fingerprint", ""))
    except (ValidationError, InsufficientInventoryError) as exc:
        return _render(
            request, pick, errors={"__all__": ["Nothing was posted.", *exc.messages]}, typed=typed, status=422
        )
    messages.success(
        request,
        format_html(
            '{} <a href="{}">{}</a>.', MSG_POSTED.format(no=pick.no), shipment.get_absolute_url(), shipment.no
        ),
    )
    url = (
        pick.get_absolute_url()
        if InventoryPickHeader.objects.filter(pk=pick.pk).exists()
        else pick.order.get_absolute_url()
    )
    return HttpResponseClientRedirect(url) if is_partial(request) else redirect(url)
