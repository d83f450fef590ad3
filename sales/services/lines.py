"""Sales line operations (spec sections 4, 5 and 12): add, change, delete.

One function, `save_sales_line`, takes what the user submitted for a line (new or existing), applies
the rules in BC's order, saves the line (its `post_save` signal creates a linked assembly order when one
is due, R-LINK-1) and keeps the linked order in sync (R-SYNC-1). Everything runs in one transaction
under a lock on the sales order, so two requests editing the same order are serialised.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Max, Sum, When

from assembly.models import AssemblyHeader, AssemblyStatus
from inventory.locks import lock_items
from inventory.models import (
    MSG_ITEM_BLOCKED,
    QTY_PLACES,
    ZERO,
    Bin,
    Item,
    ItemLedgerEntry,
    Location,
    Reservation,
)

from ..models import SalesHeader, SalesLine, SalesStatus
from . import ato_link
from .locks import lock_order

QTY_QUANTUM = Decimal(1).scaleb(-QTY_PLACES)

MSG_STATUS_NOT_OPEN = (
    "Status must be Open on sales order {no} to change {field} (it is {status}). Reopen it first."
)
MSG_QUANTITY_NEGATIVE = "Quantity must not be negative."
MSG_QUANTITY_BELOW_SHIPPED = "Quantity cannot be less than Quantity Shipped ({shipped})."
MSG_QATO_RANGE = "Qty. to Assemble to Order must be between {low} and {high}."
MSG_QTY_TO_SHIP_RANGE = "Qty. to Ship must be between 0 and the outstanding quantity {high}."
MSG_ITEM_CHANGE_QATO = "You cannot change No. while Qty. to Assemble to Order is {qty}. Set Qty. to Assemble to Order to 0 first."
MSG_ITEM_CHANGE_RESERVED = "You cannot change No. while the line has reservations. Cancel them first."
MSG_ITEM_CHANGE_SHIPPED = "You cannot change No. because the line has been shipped."
MSG_LOCATION_RESERVED = "You cannot change Location Code while the line has reservations. Cancel them first."
MSG_LOCATION_SHIPPED = "You cannot change Location Code because the line has been shipped."
MSG_SHIPMENT_BEFORE_DUE = (
    "Shipment Date cannot be before {due}, the Due Date of assembly order {no} that the line has reserved."
)
MSG_SHIPMENT_DATE_REQUIRED = "Shipment Date must have a value."
MSG_UNIT_PRICE_NEGATIVE = "Unit Price must not be negative."
MSG_BIN_OTHER_LOCATION = "Bin {bin} does not belong to location {location}."
MSG_BIN_NOT_ALLOWED = "Bin Code must be blank at location {location}, which does not use bins."
MSG_ITEM_REQUIRED = "No. must have a value."
MSG_LOCATION_REQUIRED = "Location Code must have a value."
MSG_CONFIRM_REOPEN = (
    "The linked assembly order {no} is released. Changing the line reopens it. Do you want to continue?"
)
MSG_RESERVATIONS_RELEASED = "{qty} reserved units released."
MSG_DELETE_SHIPPED = "You cannot delete the line: {qty} has already been shipped."
MSG_BLOCKED_CUSTOMER = "Customer {no} is blocked."

# The fields a user edits on a line; values given to save_sales_line use these names.
EDITABLE_FIELDS = (
    "item",
    "location",
    "bin",
    "quantity",
    "qty_to_assemble_to_order",
    "shipment_date",
    "unit_price",
    "qty_to_ship",
)
EDITABLE_WHEN_RELEASED = {"qty_to_ship"}  # R-SO-1 (Qty. to Invoice comes with invoicing)
FIELD_CAPTIONS = {
    "item": "No.",
    "location": "Location Code",
    "bin": "Bin Code",
    "quantity": "Quantity",
    "qty_to_assemble_to_order": "Qty. to Assemble to Order",
    "shipment_date": "Shipment Date",
    "unit_price": "Unit Price",
    "qty_to_ship": "Qty. to Ship",
}
AUTO_RESERVE_FIELDS = {"quantity", "shipment_date", "qty_to_assemble_to_order"}
SYNC_FIELDS = {"item", "location", "bin", "quantity", "qty_to_assemble_to_order", "shipment_date"}


class ReopenConfirmationRequired(Exception):
    """R-SYNC-4: the change must reopen a Released linked assembly order; ask the user first."""

    def __init__(self, order_no: str):
        self.order_no = order_no
        super().__init__(MSG_CONFIRM_REOPEN.format(no=order_no))


@dataclass
class LineResult:
    line: SalesLine
    messages: list[str] = field(default_factory=list)


def _fmt(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


# --- R-QATO-1, R-QATO-3, R-BIN-1 -------------------------------------------------------------


def qato_bounds(
    *, quantity: Decimal, quantity_shipped: Decimal, assembled: Decimal
) -> tuple[Decimal, Decimal]:
    """R-QATO-3: Assembled Quantity ≤ Qty. to Assemble to Order ≤ Assembled + (Quantity − Shipped)."""
    return assembled, assembled + (quantity - quantity_shipped)


def default_qty_to_assemble(
    *,
    old_qato: Decimal,
    old_quantity: Decimal,
    new_quantity: Decimal,
    item: Item,
    item_or_location_changed: bool,
    quantity_shipped: Decimal,
    assembled: Decimal,
) -> Decimal:
    """R-QATO-1, with the deliberate difference X-7 (a 0 the user set on a live line is kept)."""
    value = old_qato
    if (
        old_qato == 0
        and item.is_assemble_to_order
        and quantity_shipped == 0
        and (old_quantity == 0 or item_or_location_changed)
    ):
        value = new_quantity  # (a)
    elif old_qato != 0 and old_qato == old_quantity:
        value = new_quantity  # (b)
    _, high = qato_bounds(quantity=new_quantity, quantity_shipped=quantity_shipped, assembled=assembled)
    return min(value, high)  # (c)


def default_bin(*, item: Item, location: Location, qty_to_assemble_to_order: Decimal) -> Bin | None:
    """R-BIN-1: at a Bin Mandatory location, an ATO line takes the Asm.-to-Order Shpt. bin, else the
    From-Assembly bin; other lines the bin with the most content of the item; else blank."""
    if not location.bin_mandatory:
        return None
    if qty_to_assemble_to_order > 0 or item.is_assemble_to_order:
        return location.asm_to_order_shpt_bin or location.from_assembly_bin
    best = (
        ItemLedgerEntry.objects.open()
        .filter(item=item, location=location, bin__isnull=False)
        .values("bin")
        .annotate(content=Sum("remaining_quantity"))
        .order_by("-content", "bin")
        .values_list("bin", flat=True)
        .first()
    )
    return Bin.objects.get(pk=best) if best else None


# --- R-RES-2 --------------------------------------------------------------------------------


def release_excess_reservations(*, line: SalesLine, limit: Decimal) -> Decimal:
    """Reduce the line's non-binding reservations until their sum ≤ limit: those on assembly orders
    first, then those on item ledger entries, most recently created first, the last one partly."""
    reservations = list(
        Reservation.objects.select_for_update(of=("self",))
        .filter(sales_line=line, binding=False)
        .annotate(on_entry=Case(When(item_ledger_entry__isnull=True, then=0), default=1))
        .order_by("on_entry", "-created_at", "-pk")  # on assembly orders first, then newest first
    )
    excess = sum((r.quantity for r in reservations), ZERO) - max(limit, ZERO)
    released = ZERO
    for reservation in reservations:
        if excess <= 0:
            break
        take = min(excess, reservation.quantity)
        excess -= take
        released += take
        if take == reservation.quantity:
            reservation.delete()
        else:
            reservation.quantity -= take
            reservation.save(update_fields=["quantity"])
    return released


# --- save / delete ----------------------------------------------------------------------------


def _next_line_no(header: SalesHeader) -> int:
    return (header.lines.aggregate(m=Max("line_no"))["m"] or 0) + 10000


def _has_other_reservations(line: SalesLine) -> bool:
    return line.pk is not None and Reservation.objects.filter(sales_line=line, binding=False).exists()


@transaction.atomic
def save_sales_line(
    *,
    header: SalesHeader,
    values: dict[str, Any],
    line: SalesLine | None = None,
    confirm_reopen: bool = False,
) -> LineResult:
    """Add (line=None) or change a sales line with what the user submitted.

    `values` maps names from EDITABLE_FIELDS to new values; absent names keep their value. Raises
    `ValidationError` (keyed by field) and changes nothing when any rule refuses; raises
    `ReopenConfirmationRequired` when the change must reopen a Released linked assembly order and
    `confirm_reopen` is False (R-SYNC-4).
    """
    header = lock_order(header)
    new = line is None
    if new:
        line = SalesLine(
            header=header,
            line_no=_next_line_no(header),
            location=header.location,
            shipment_date=header.shipment_date,
        )
        old_quantity = old_qato = ZERO
    else:
        line = (
            SalesLine.objects.select_for_update(of=("self",))
            .select_related("item", "location", "bin", "assembly_order")
            .get(pk=line.pk, header=header)
        )
        line.header = header
        if line.assembly_order_id:
            # Locked and re-read after the line, so an edit on the assembly order page cannot be lost.
            line.assembly_order = AssemblyHeader.objects.select_for_update().get(pk=line.assembly_order_id)
        old_quantity, old_qato = line.quantity, line.qty_to_assemble_to_order

    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    changed = {name for name in values if new or _differs(line, name, values[name])}

    # R-SO-1: a Released (or Completed) order only takes Qty. to Ship.
    if header.status != SalesStatus.OPEN:
        blocked = (changed - EDITABLE_WHEN_RELEASED) if not new else set(EDITABLE_FIELDS)
        if new or blocked or header.status == SalesStatus.COMPLETED:
            name = sorted(blocked or {"qty_to_ship"}, key=EDITABLE_FIELDS.index)[0]
            raise ValidationError(
                {
                    name: MSG_STATUS_NOT_OPEN.format(
                        no=header.no, field=FIELD_CAPTIONS[name], status=header.get_status_display()
                    )
                }
            )

    errors: dict[str, str] = {}
    order: AssemblyHeader | None = line.assembly_order if not new else None
    assembled = order.assembled_quantity if order else ZERO

    if "item" in changed:
        item = values["item"]
        if item is None:
            errors["item"] = MSG_ITEM_REQUIRED
        elif not new and line.quantity_shipped > 0:
            errors["item"] = MSG_ITEM_CHANGE_SHIPPED
        elif not new and old_qato != 0:
            errors["item"] = MSG_ITEM_CHANGE_QATO.format(qty=_fmt(old_qato))  # R-SO-4
        elif _has_other_reservations(line):
            errors["item"] = MSG_ITEM_CHANGE_RESERVED  # R-SO-4
        elif item.blocked:
            errors["item"] = MSG_ITEM_BLOCKED.format(item=item.no)  # R-ITEM-3
        else:
            line.item = item
            line.description = item.description
            line.reserve = item.reserve
            if "unit_price" not in changed:
                line.unit_price = item.unit_price
    if new and header.customer.blocked:
        errors.setdefault("item", MSG_BLOCKED_CUSTOMER.format(no=header.customer.no))

    if "location" in changed:
        location = values["location"]
        if location is None:
            errors["location"] = MSG_LOCATION_REQUIRED
        elif not new and line.quantity_shipped > 0:
            errors["location"] = MSG_LOCATION_SHIPPED
        elif _has_other_reservations(line):
            errors["location"] = MSG_LOCATION_RESERVED  # R-SO-5
        else:
            line.location = location
    if line.location_id is None and "location" not in errors:
        errors["location"] = MSG_LOCATION_REQUIRED

    if "quantity" in changed:
        quantity = values["quantity"]
        if quantity < 0:
            errors["quantity"] = MSG_QUANTITY_NEGATIVE
        elif quantity < line.quantity_shipped:
            errors["quantity"] = MSG_QUANTITY_BELOW_SHIPPED.format(shipped=_fmt(line.quantity_shipped))
        else:
            line.quantity = quantity  # R-SO-2

    if "shipment_date" in changed:
        shipment_date: datetime.date | None = values["shipment_date"]
        if shipment_date is None:
            errors["shipment_date"] = MSG_SHIPMENT_DATE_REQUIRED
        else:
            reserved_order = (
                Reservation.objects.filter(
                    sales_line=line, binding=False, assembly_order__due_date__gt=shipment_date
                )
                .select_related("assembly_order")
                .first()
                if line.pk
                else None
            )
            if reserved_order is not None:  # R-SO-5
                errors["shipment_date"] = MSG_SHIPMENT_BEFORE_DUE.format(
                    due=reserved_order.assembly_order.due_date.isoformat(),
                    no=reserved_order.assembly_order.no,
                )
            else:
                line.shipment_date = shipment_date

    if "unit_price" in changed:
        if values["unit_price"] < 0:
            errors["unit_price"] = MSG_UNIT_PRICE_NEGATIVE
        else:
            line.unit_price = values["unit_price"]

    if errors:
        raise ValidationError(errors)

    # Qty. to Assemble to Order: typed (R-QATO-2/3) or defaulted (R-QATO-1).
    identity_changed = bool({"item", "location"} & changed) and not new
    if "qty_to_assemble_to_order" in changed:
        qato = values["qty_to_assemble_to_order"]
        low, high = qato_bounds(
            quantity=line.quantity, quantity_shipped=line.quantity_shipped, assembled=assembled
        )
        if not (low <= qato <= high):
            raise ValidationError(
                {"qty_to_assemble_to_order": MSG_QATO_RANGE.format(low=_fmt(low), high=_fmt(high))}
            )
        line.qty_to_assemble_to_order = qato
    elif new or {"quantity", "item", "location"} & changed:
        line.qty_to_assemble_to_order = default_qty_to_assemble(
            old_qato=old_qato,
            old_quantity=old_quantity,
            new_quantity=line.quantity,
            item=line.item,
            item_or_location_changed=identity_changed,
            quantity_shipped=line.quantity_shipped,
            assembled=assembled,
        )

    # Bin Code: typed, or defaulted when the line is new or its item or location changed (R-BIN-1).
    if "bin" in changed:
        bin_: Bin | None = values["bin"]
        if bin_ is not None and not line.location.bin_mandatory:
            raise ValidationError({"bin": MSG_BIN_NOT_ALLOWED.format(location=line.location.code)})
        if bin_ is not None and bin_.location_id != line.location_id:
            raise ValidationError(
                {"bin": MSG_BIN_OTHER_LOCATION.format(bin=bin_.code, location=line.location.code)}
            )
        line.bin = bin_
    elif new or {"item", "location"} & changed:
        line.bin = default_bin(
            item=line.item, location=line.location, qty_to_assemble_to_order=line.qty_to_assemble_to_order
        )

    # Qty. to Ship: Outstanding after every quantity change (R-SO-2), else as typed within bounds.
    outstanding = line.quantity - line.quantity_shipped
    if new or "quantity" in changed:
        line.qty_to_ship = outstanding
    elif "qty_to_ship" in changed:
        qty_to_ship = values["qty_to_ship"]
        if not (0 <= qty_to_ship <= outstanding):
            raise ValidationError({"qty_to_ship": MSG_QTY_TO_SHIP_RANGE.format(high=_fmt(outstanding))})
        line.qty_to_ship = qty_to_ship

    # R-SYNC-4: a Released linked order is reopened only with the user's consent.
    touches_order = order is not None and bool(SYNC_FIELDS & changed) and _order_would_change(line, order)
    if touches_order and order.status == AssemblyStatus.RELEASED:
        if not confirm_reopen:
            raise ReopenConfirmationRequired(order.no)
        order.status = AssemblyStatus.OPEN

    result = LineResult(line=line)
    # R-RES-2: never reserved beyond Outstanding, before the binding follows the new values.
    if line.pk is not None:
        linked_remaining = max(line.qty_to_assemble_to_order - assembled, ZERO)
        released = release_excess_reservations(line=line, limit=outstanding - linked_remaining)
        if released > 0:
            result.messages.append(MSG_RESERVATIONS_RELEASED.format(qty=_fmt(released)))

    line.save()  # post_save creates the linked order when Qty. to Assemble to Order became non-zero (R-LINK-1)

    if order is not None:
        if line.qty_to_assemble_to_order == 0:
            ato_link.delete_linked_assembly_order(line=line)  # R-LINK-2
        elif touches_order or "qty_to_ship" in changed or "quantity" in changed:
            ato_link.sync_linked_assembly_order(line=line)  # R-SYNC-1

    # R-RES-6: Reserve = Always reserves again after Quantity, Shipment Date or the ATO part changed.
    if line.reserve == Item.Reserve.ALWAYS and (new or AUTO_RESERVE_FIELDS & changed):
        from .reservations import auto_reserve_locked  # reservations stand on this module

        lock_items([line.item_id])
        auto = auto_reserve_locked(line)
        if auto.message:
            result.messages.append(auto.message)
    return result


def _differs(line: SalesLine, name: str, value: Any) -> bool:
    if name in ("item", "location", "bin"):
        return getattr(line, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(line, name) != value


def _order_would_change(line: SalesLine, order: AssemblyHeader) -> bool:
    return (
        order.quantity != line.qty_to_assemble_to_order
        or order.item_id != line.item_id
        or order.location_id != line.location_id
        or order.bin_id != line.bin_id
        or order.due_date != line.shipment_date
    )


@transaction.atomic
def delete_sales_line(*, line: SalesLine) -> None:
    """R-SO-3: delete the line, its reservations and its linked assembly order (R-LINK-2)."""
    header = lock_order(line.header)
    line = (
        SalesLine.objects.select_for_update(of=("self",))
        .select_related("assembly_order")
        .get(pk=line.pk, header=header)
    )
    if header.status != SalesStatus.OPEN:
        raise ValidationError(
            MSG_STATUS_NOT_OPEN.format(no=header.no, field="its lines", status=header.get_status_display())
        )
    if line.quantity_shipped > 0:
        raise ValidationError(MSG_DELETE_SHIPPED.format(qty=_fmt(line.quantity_shipped)))
    Reservation.objects.filter(sales_line=line).delete()
    ato_link.delete_linked_assembly_order(line=line)
    line.delete()


def sync_lines_to_header(*, header: SalesHeader, confirm_reopen: bool = False) -> None:
    """R-SO-0: the header's Shipment Date and Posting Date flow to its lines and their linked orders.

    The caller holds the transaction and the order lock.
    """
    lines = list(
        header.lines.select_for_update(of=("self",)).select_related(
            "item", "location", "bin", "assembly_order"
        )
    )
    released = [
        line.assembly_order.no
        for line in lines
        if line.assembly_order
        and line.assembly_order.status == AssemblyStatus.RELEASED
        and (
            line.assembly_order.due_date != header.shipment_date
            or line.assembly_order.posting_date != header.posting_date
        )
    ]
    if released and not confirm_reopen:
        raise ReopenConfirmationRequired(", ".join(released))
    # One update for every line; then only the linked orders need their own sync.
    header.lines.exclude(shipment_date=header.shipment_date).update(shipment_date=header.shipment_date)
    for line in lines:
        line.header = header
        line.shipment_date = header.shipment_date
        if line.assembly_order is not None:
            if line.assembly_order.no in released:
                line.assembly_order.status = AssemblyStatus.OPEN
            ato_link.sync_linked_assembly_order(line=line)
