"""Inventory picks (R-PICK-1): at a location with Require Pick, a released order ships through a pick.

Create Inventory Pick writes, per line to ship at such a location, one pick line for the assemble-to-
order part at the line's (output) bin, and one per bin for the stock part: the bins of the line's
reserved entries first, then the location's other bins with content, as the shipment would take them
(X-2). Posting the pick ships what its lines handle through the one shipment service
(`shipping.post_picked`): the line's Qty. to Ship is the sum of its pick lines' Qty. to Handle, the
linked order's Quantity to Assemble the assemble-to-order line's. Lines of the order that are not on
the pick do not hold it up.

Every operation locks the sales order first: it guards the order's picks as it guards its lines.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Sum

from inventory.figures import ZERO, format_quantity
from inventory.locks import operation
from inventory.models import Bin, Demand
from inventory.numbering import next_no
from inventory.services.bins import BinContent

from ..models import InventoryPickHeader, InventoryPickLine, SalesHeader, SalesLine, SalesShipmentHeader
from .locks import lock_order
from .shipping import Handling, lock_for_posting, post_picked

MSG_NOT_RELEASED = "Sales order {no} must be Released to create an inventory pick (it is {status})."
MSG_NOTHING_TO_PICK = "There is nothing to pick for sales order {no}."
MSG_NOTHING_TO_HANDLE = "There is nothing to handle: Qty. to Handle is 0 on every line of {no}."
MSG_QTY_TO_HANDLE_RANGE = "Qty. to Handle must be between 0 and {high}."
MSG_PICK_CHANGED = "Inventory pick {no} has changed since you chose to post it: check it and post again."
MSG_NOT_RELEASED_TO_POST = "Sales order {no} must be Released to post its inventory pick (it is {status})."


def on_picks(lines: list[SalesLine]) -> dict[int, tuple[Decimal, Decimal]]:
    """Per sales line: how much is already on picks, and how much of it is assembled to order."""
    rows = (
        InventoryPickLine.objects.filter(order_line__in=lines)
        .values("order_line", "assemble_to_order")
        .annotate(q=Sum("quantity"))
    )
    result: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for row in rows:
        result[row["order_line"]][0] += row["q"]
        if row["assemble_to_order"]:
            result[row["order_line"]][1] += row["q"]
    return {pk: (q[0], q[1]) for pk, q in result.items()}


@operation()
def create_inventory_pick(*, header: SalesHeader) -> list[InventoryPickHeader]:
    """R-PICK-1: one pick per Require Pick location for what the order's lines are to ship and is not
    on a pick yet."""
    header, lines, _components = lock_for_posting(header)
    if not header.is_released:
        raise ValidationError(MSG_NOT_RELEASED.format(no=header.no, status=header.get_status_display()))
    lines = [line for line in lines if line.location.require_pick and line.qty_to_ship > 0]
    picked = on_picks(lines)
    by_location: dict[int, list[tuple[SalesLine, Decimal, Decimal]]] = defaultdict(list)
    for line in lines:
        already, already_ato = picked.get(line.pk, (ZERO, ZERO))
        to_pick = line.qty_to_ship - already
        if to_pick > 0:
            ato_open = line.assembly_order.quantity_to_assemble - already_ato if line.assembly_order else ZERO
            by_location[line.location_id].append((line, to_pick, max(min(to_pick, ato_open), ZERO)))
    if not by_location:
        raise ValidationError(MSG_NOTHING_TO_PICK.format(no=header.no))
    return [_write_pick(header, entries) for entries in by_location.values()]


def _write_pick(
    header: SalesHeader, entries: list[tuple[SalesLine, Decimal, Decimal]]
) -> InventoryPickHeader:
    location = entries[0][0].location
    pick = InventoryPickHeader.objects.create(
        no=next_no("INVENTORY-PICK", used_by=InventoryPickHeader), order=header, location=location
    )
    content = BinContent(location=location, item_ids={line.item_id for line, _, _ in entries})
    rows = []
    for line, to_pick, ato in entries:
        if ato > 0:
            rows.append(
                InventoryPickLine(
                    order_line=line, item=line.item, bin=line.bin, quantity=ato, assemble_to_order=True
                )
            )
        stock = to_pick - ato
        if stock > 0:
            demand = Demand(sales_line_id=line.pk)
            for bin_, quantity in content.take(
                item=line.item, quantity=stock, first_bin=line.bin, demand=demand
            ):
                rows.append(InventoryPickLine(order_line=line, item=line.item, bin=bin_, quantity=quantity))
    for n, row in enumerate(rows, start=1):
        row.header, row.line_no = pick, n * 10000
    InventoryPickLine.objects.bulk_create(rows)
    return pick


def _locked_pick(
    pick: InventoryPickHeader,
) -> tuple[SalesHeader, InventoryPickHeader, list[InventoryPickLine]]:
    header = lock_order(pick.order)
    pick = InventoryPickHeader.objects.select_related("location").get(pk=pick.pk, order=header)
    lines = list(pick.lines.select_related("item", "bin", "order_line").order_by("line_no"))
    return header, pick, lines


@operation()
def set_qty_to_handle(*, pick: InventoryPickHeader, values: dict[int, Decimal]) -> None:
    """Qty. to Handle per pick line (by its pk), each between 0 and the line's Quantity."""
    _, pick, lines = _locked_pick(pick)
    by_pk = {line.pk: line for line in lines}
    errors = {}
    for pk, value in values.items():
        line = by_pk.get(pk)
        if line is None:
            continue
        if not (0 <= value <= line.quantity):
            errors[f"line-{pk}"] = MSG_QTY_TO_HANDLE_RANGE.format(high=format_quantity(line.quantity))
        else:
            line.qty_to_handle = value
    if errors:
        raise ValidationError(errors)
    InventoryPickLine.objects.bulk_update(lines, ["qty_to_handle"])


@operation()
def autofill_qty_to_handle(*, pick: InventoryPickHeader) -> None:
    _, pick, lines = _locked_pick(pick)
    pick.lines.update(qty_to_handle=F("quantity"))


@operation()
def delete_inventory_pick(*, pick: InventoryPickHeader) -> None:
    _, pick, _ = _locked_pick(pick)
    pick.delete()


def pick_fingerprint(lines: list[InventoryPickLine]) -> str:
    """What the user saw when choosing Post: each pick line's quantity left to pick. A second Post of the
    same page (double click, retry, another tab) finds the quantities changed and posts nothing."""
    return ";".join(f"{line.pk}:{line.quantity.normalize():f}" for line in lines)


@operation()
def post_inventory_pick(
    *, pick: InventoryPickHeader, values: dict[int, Decimal] | None = None, expect: str | None = None
) -> SalesShipmentHeader:
    """Post what the pick's lines handle (R-PICK-1): one shipment, then the handled quantities leave the
    pick (a pick whose lines are all handled is deleted). `values` (Qty. to Handle typed with the Post)
    are saved in the same operation, so a refused Post changes nothing; `expect` is the pick's
    fingerprint when the user chose Post (R-POST-5)."""
    header, pick, lines = _locked_pick(pick)
    if expect is not None and pick_fingerprint(lines) != expect:
        raise ValidationError(MSG_PICK_CHANGED.format(no=pick.no))
    if values:
        set_qty_to_handle(pick=pick, values=values)
        lines = list(pick.lines.select_related("item", "bin", "order_line").order_by("line_no"))
    if not header.is_released:  # R-POST-1: a reopened order is released again before it ships
        raise ValidationError(
            MSG_NOT_RELEASED_TO_POST.format(no=header.no, status=header.get_status_display())
        )
    handled = [line for line in lines if line.qty_to_handle > 0]
    if not handled:
        raise ValidationError(MSG_NOTHING_TO_HANDLE.format(no=pick.no))
    shipment = post_picked(header, _handling(pick, handled))
    for line in handled:
        line.quantity -= line.qty_to_handle
        line.qty_to_handle = ZERO
    InventoryPickLine.objects.filter(pk__in=[line.pk for line in handled if line.quantity == 0]).delete()
    InventoryPickLine.objects.bulk_update(
        [line for line in handled if line.quantity > 0], ["quantity", "qty_to_handle"]
    )
    if not pick.lines.exists():
        pick.delete()
    return shipment


def _handling(pick: InventoryPickHeader, lines: list[InventoryPickLine]) -> dict[int, Handling]:
    quantity: dict[int, Decimal] = defaultdict(lambda: ZERO)
    ato: dict[int, Decimal] = defaultdict(lambda: ZERO)
    bins: dict[int, dict[Bin | None, Decimal]] = defaultdict(dict)
    for line in lines:
        quantity[line.order_line_id] += line.qty_to_handle
        if line.assemble_to_order:
            ato[line.order_line_id] += line.qty_to_handle
        else:
            parts = bins[line.order_line_id]
            parts[line.bin] = parts.get(line.bin, ZERO) + line.qty_to_handle
    made_for = {line.order_line_id: line for line in lines}
    ato_bins = {line.order_line_id: line.bin_id for line in lines if line.assemble_to_order}
    return {
        pk: Handling(
            pick_no=pick.no,
            quantity=qty,
            ato_quantity=ato[pk],
            bins=list(bins[pk].items()),
            item_id=made_for[pk].item_id,
            location_id=pick.location_id,
            ato_bin_id=ato_bins.get(pk),
        )
        for pk, qty in quantity.items()
    }
