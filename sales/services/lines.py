"""Sales line operations (spec sections 4, 5 and 12): add, change, delete.

`save_sales_line` takes what the user submitted for a line (new or existing) and runs BC's rules in
order, one small function per field (`FIELD_RULES`), then the defaults that follow from them, and
then, side by side where a reader sees them, what follows the saved line: its linked assembly order
is created (by the `post_save` receiver in `sales.signals`, R-LINK-1), kept in sync (R-SYNC-1) or
deleted (R-LINK-2), and a Reserve = Always line is reserved again (R-RES-6).

A header change that reaches the lines (Shipment Date, R-SO-0) goes through the same rules
(`sync_lines_to_header`). Everything runs in one operation under the one lock order (sales order,
line, linked assembly order, items), so two requests editing the same order are serialised.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Max, When

from assembly.models import AssemblyHeader, AssemblyStatus
from inventory.figures import (
    MAX_QUANTITY,
    MAX_UNIT_AMOUNT,
    MSG_QUANTITY_MAX,
    ZERO,
    check_date,
    format_amount,
    format_day,
    format_quantity,
)
from inventory.locks import operation
from inventory.models import (
    MSG_ITEM_BLOCKED,
    Bin,
    Item,
    ItemLedgerEntry,
    Location,
    Reservation,
    validate_location_bin,
)
from inventory.services.reserving import release_reservations

from ..models import SalesHeader, SalesLine
from . import ato_link
from .locks import lock_assembly_orders, lock_items, lock_line, lock_line_orders, lock_lines, lock_order

MSG_STATUS_NOT_OPEN = (
    "Status must be Open on sales order {no} to change {field} (it is {status}). Reopen it first."
)
MSG_QUANTITY_NEGATIVE = "Quantity must not be negative."
MSG_QUANTITY_BELOW_SHIPPED = "Quantity cannot be less than Quantity Shipped ({shipped})."
MSG_QATO_RANGE = "Qty. to Assemble to Order must be between {low} and {high}."
MSG_QTY_TO_SHIP_RANGE = "Qty. to Ship must be between 0 and the outstanding quantity {high}."
MSG_QTY_TO_INVOICE_RANGE = (
    "You cannot invoice more than {high} units: Qty. to Invoice must be between 0 and Qty. to Ship "
    "plus what is shipped and not yet invoiced ({high})."
)
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
MSG_ITEM_REQUIRED = "No. must have a value."
MSG_LOCATION_REQUIRED = "Location Code must have a value."
MSG_CONFIRM_REOPEN = (
    "The linked assembly order {no} is released. Changing the line reopens it. Do you want to continue?"
)
MSG_RESERVATIONS_RELEASED = "{qty} reserved units released."
MSG_ORDER_COMPLETED = "Sales order {no} is completed."
MSG_DELETE_UNDONE_SHIPMENT = (
    "You cannot delete the line: posted shipment {no} has lines for it (undone, they are kept as history)."
)
MSG_DELETE_SHIPPED = "You cannot delete the line: {qty} has already been shipped."
MSG_DELETE_ON_PICK = "You cannot delete the line: inventory pick {no} has a line for it."
MSG_BLOCKED_CUSTOMER = "Customer {no} is blocked."
MSG_LINE_PREFIX = "Line {line}: {message}"

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
    "qty_to_invoice",
)
EDITABLE_WHEN_RELEASED = {"qty_to_ship", "qty_to_invoice"}  # R-SO-1, R-INVC-1
FIELD_CAPTIONS = {
    "item": "No.",
    "location": "Location Code",
    "bin": "Bin Code",
    "quantity": "Quantity",
    "qty_to_assemble_to_order": "Qty. to Assemble to Order",
    "shipment_date": "Shipment Date",
    "unit_price": "Unit Price",
    "qty_to_ship": "Qty. to Ship",
    "qty_to_invoice": "Qty. to Invoice",
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


@dataclass
class LineChange:
    """One change of one line while it is judged: the locked rows, what was, and what is asked."""

    header: SalesHeader
    line: SalesLine
    order: AssemblyHeader | None  # the linked assembly order, locked
    new: bool
    values: dict[str, Any]
    changed: set[str]
    old_quantity: Decimal
    old_qato: Decimal
    errors: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, header: SalesHeader, line: SalesLine, values: dict[str, Any]) -> LineChange:
        """A change of `line` (locked, or new) to `values`: what changes, and what it was before."""
        new = line.pk is None
        return cls(
            header=header,
            line=line,
            order=line.assembly_order if not new else None,
            new=new,
            values=values,
            changed={name for name, value in values.items() if new or _differs(line, name, value)},
            old_quantity=ZERO if new else line.quantity,
            old_qato=ZERO if new else line.qty_to_assemble_to_order,
        )

    @property
    def assembled(self) -> Decimal:
        return self.order.assembled_quantity if self.order else ZERO

    def refuse(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)


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
        ItemLedgerEntry.objects.filter(item=item, location=location, bin__isnull=False)
        .bin_content()
        .values_list("bin_id", flat=True)
        .first()
    )
    return Bin.objects.get(pk=best) if best else None


# --- R-RES-2 --------------------------------------------------------------------------------


def release_excess_reservations(*, line: SalesLine, limit: Decimal) -> Decimal:
    """Reduce the line's non-binding reservations until their sum ≤ limit: those on assembly orders
    first, then those on item ledger entries, most recently created first, the last one partly.

    The caller holds the locks of their supplies (the line's item, the assembly orders they are on:
    `_begin`), under which every reservation on them is judged and written (I-6)."""
    reservations = list(
        Reservation.objects.filter(sales_line=line, binding=False)
        .annotate(on_entry=Case(When(item_ledger_entry__isnull=True, then=0), default=1))
        .order_by("on_entry", "-created_at", "-pk")  # on assembly orders first, then newest first
    )
    excess = sum((r.quantity for r in reservations), ZERO) - max(limit, ZERO)
    return release_reservations(reservations, excess) if excess > 0 else ZERO


# --- the rules, one field each ------------------------------------------------------------------


def _has_other_reservations(line: SalesLine) -> bool:
    return line.pk is not None and Reservation.objects.filter(sales_line=line, binding=False).exists()


def _check_status(change: LineChange) -> None:
    """R-SO-1: a Released (or Completed) order only takes Qty. to Ship; a refusal says so."""
    header = change.header
    if header.is_open:
        return
    blocked = set(EDITABLE_FIELDS) if change.new else change.changed - EDITABLE_WHEN_RELEASED
    if header.is_completed and change.changed:
        blocked = change.changed
    if blocked:
        name = sorted(blocked, key=EDITABLE_FIELDS.index)[0]
        raise ValidationError(
            {
                name: MSG_STATUS_NOT_OPEN.format(
                    no=header.no, field=FIELD_CAPTIONS[name], status=header.get_status_display()
                )
            }
        )


def _rule_item(change: LineChange, item: Item | None) -> None:
    line = change.line
    if item is None:
        change.refuse("item", MSG_ITEM_REQUIRED)
    elif not change.new and line.quantity_shipped > 0:
        change.refuse("item", MSG_ITEM_CHANGE_SHIPPED)
    elif not change.new and change.old_qato != 0:
        change.refuse("item", MSG_ITEM_CHANGE_QATO.format(qty=format_quantity(change.old_qato)))  # R-SO-4
    elif _has_other_reservations(line):
        change.refuse("item", MSG_ITEM_CHANGE_RESERVED)  # R-SO-4
    elif item.blocked:
        change.refuse("item", MSG_ITEM_BLOCKED.format(item=item.no))  # R-ITEM-3
    else:
        line.item = item
        line.description = item.description
        line.reserve = item.reserve
        if "unit_price" not in change.changed:
            line.unit_price = item.unit_price


def _rule_location(change: LineChange, location: Location | None) -> None:
    if location is None:
        change.refuse("location", MSG_LOCATION_REQUIRED)
    elif not change.new and change.line.quantity_shipped > 0:
        change.refuse("location", MSG_LOCATION_SHIPPED)
    elif _has_other_reservations(change.line):
        change.refuse("location", MSG_LOCATION_RESERVED)  # R-SO-5
    else:
        change.line.location = location


def _rule_quantity(change: LineChange, quantity: Decimal) -> None:
    line = change.line
    if quantity < 0:
        change.refuse("quantity", MSG_QUANTITY_NEGATIVE)
    elif quantity > MAX_QUANTITY:  # R-NUM-1
        change.refuse(
            "quantity", MSG_QUANTITY_MAX.format(field="Quantity", max=format_quantity(MAX_QUANTITY))
        )
    elif quantity < line.quantity_shipped:
        change.refuse(
            "quantity", MSG_QUANTITY_BELOW_SHIPPED.format(shipped=format_quantity(line.quantity_shipped))
        )
    else:
        line.quantity = quantity  # R-SO-2


def shipment_date_error(line: SalesLine, shipment_date: datetime.date | None) -> str:
    """R-SO-5 and R-INV-6 for a line's Shipment Date: the message refusing it, or blank."""
    if shipment_date is None:
        return MSG_SHIPMENT_DATE_REQUIRED
    try:
        check_date(shipment_date, field="shipment_date", caption="Shipment Date")
    except ValidationError as exc:
        return exc.message_dict["shipment_date"][0]
    if line.pk is None:
        return ""
    reserved = (
        Reservation.objects.filter(sales_line=line, binding=False, assembly_order__due_date__gt=shipment_date)
        .select_related("assembly_order")
        .first()
    )
    if reserved is None:
        return ""
    return MSG_SHIPMENT_BEFORE_DUE.format(
        due=format_day(reserved.assembly_order.due_date), no=reserved.assembly_order.no
    )


def _rule_shipment_date(change: LineChange, shipment_date: datetime.date | None) -> None:
    if error := shipment_date_error(change.line, shipment_date):
        change.refuse("shipment_date", error)
    else:
        change.line.shipment_date = shipment_date


def _rule_unit_price(change: LineChange, unit_price: Decimal) -> None:
    if unit_price < 0:
        change.refuse("unit_price", MSG_UNIT_PRICE_NEGATIVE)
    elif unit_price > MAX_UNIT_AMOUNT:  # R-NUM-1
        change.refuse(
            "unit_price", MSG_QUANTITY_MAX.format(field="Unit Price", max=format_amount(MAX_UNIT_AMOUNT))
        )
    else:
        change.line.unit_price = unit_price


# Judged first, in this order; the fields whose values depend on them follow in `_apply_defaults`.
FIELD_RULES: dict[str, Callable[[LineChange, Any], None]] = {
    "item": _rule_item,
    "location": _rule_location,
    "quantity": _rule_quantity,
    "shipment_date": _rule_shipment_date,
    "unit_price": _rule_unit_price,
}


def _rule_qato(change: LineChange) -> None:
    """Qty. to Assemble to Order: typed (R-QATO-2/3) or defaulted (R-QATO-1)."""
    line, changed = change.line, change.changed
    if "qty_to_assemble_to_order" in changed:
        qato = change.values["qty_to_assemble_to_order"]
        low, high = qato_bounds(
            quantity=line.quantity, quantity_shipped=line.quantity_shipped, assembled=change.assembled
        )
        if not (low <= qato <= high):
            raise ValidationError(
                {
                    "qty_to_assemble_to_order": MSG_QATO_RANGE.format(
                        low=format_quantity(low), high=format_quantity(high)
                    )
                }
            )
        line.qty_to_assemble_to_order = qato
    elif change.new or {"quantity", "item", "location"} & changed:
        line.qty_to_assemble_to_order = default_qty_to_assemble(
            old_qato=change.old_qato,
            old_quantity=change.old_quantity,
            new_quantity=line.quantity,
            item=line.item,
            item_or_location_changed=bool({"item", "location"} & changed) and not change.new,
            quantity_shipped=line.quantity_shipped,
            assembled=change.assembled,
        )


def _rule_bin(change: LineChange) -> None:
    """Bin Code: typed (one bin check, R-BIN-2 pushes it to the linked order), or defaulted when the
    line is new or its item or location changed (R-BIN-1)."""
    line = change.line
    if "bin" in change.changed:
        validate_location_bin(location=line.location, bin=change.values["bin"], required=False)
        line.bin = change.values["bin"]
    elif change.new or {"item", "location"} & change.changed:
        line.bin = default_bin(
            item=line.item, location=line.location, qty_to_assemble_to_order=line.qty_to_assemble_to_order
        )


def _rule_qty_to_ship(change: LineChange) -> None:
    """Qty. to Ship: Outstanding after every quantity change (R-SO-2), else as typed within bounds."""
    line = change.line
    outstanding = line.outstanding_quantity
    if change.new or "quantity" in change.changed:
        line.qty_to_ship = outstanding
    elif "qty_to_ship" in change.changed:
        qty_to_ship = change.values["qty_to_ship"]
        if not (0 <= qty_to_ship <= outstanding):
            raise ValidationError(
                {"qty_to_ship": MSG_QTY_TO_SHIP_RANGE.format(high=format_quantity(outstanding))}
            )
        line.qty_to_ship = qty_to_ship


def _rule_qty_to_invoice(change: LineChange) -> None:
    """R-INVC-1: Qty. to Invoice as typed within [0, Qty. to Ship + Shipped − Invoiced]; else that maximum
    again after every change of Quantity or Qty. to Ship (BC's InitQtyToInvoice)."""
    line = change.line
    if "qty_to_invoice" in change.changed:
        qty_to_invoice, high = change.values["qty_to_invoice"], line.max_qty_to_invoice
        if not (0 <= qty_to_invoice <= high):
            raise ValidationError(
                {"qty_to_invoice": MSG_QTY_TO_INVOICE_RANGE.format(high=format_quantity(high))}
            )
        line.qty_to_invoice = qty_to_invoice
    elif change.new or {"quantity", "qty_to_ship"} & change.changed:
        line.init_qty_to_invoice()


def _apply_rules(change: LineChange) -> None:
    _check_status(change)
    for name, rule in FIELD_RULES.items():
        if name in change.changed:
            rule(change, change.values[name])
    if change.new and change.line.item_id is None:
        change.refuse("item", MSG_ITEM_REQUIRED)
    if change.new and change.header.customer.blocked:
        change.refuse("item", MSG_BLOCKED_CUSTOMER.format(no=change.header.customer.no))
    if change.line.location_id is None:
        change.refuse("location", MSG_LOCATION_REQUIRED)
    if change.errors:
        raise ValidationError(change.errors)
    _rule_qato(change)
    _rule_bin(change)
    _rule_qty_to_ship(change)
    _rule_qty_to_invoice(change)


# --- what follows the saved line ---------------------------------------------------------------


def _touches_order(change: LineChange) -> bool:
    order, line = change.order, change.line
    return (
        order is not None
        and bool(SYNC_FIELDS & change.changed)
        and (
            order.quantity != line.qty_to_assemble_to_order
            or order.item_id != line.item_id
            or order.location_id != line.location_id
            or order.bin_id != line.bin_id
            or order.due_date != line.shipment_date
        )
    )


def _confirm_reopen(change: LineChange, touches_order: bool, confirm_reopen: bool) -> None:
    """R-SYNC-4: a Released linked order is reopened only with the user's consent."""
    if touches_order and change.order.status == AssemblyStatus.RELEASED:
        if not confirm_reopen:
            raise ReopenConfirmationRequired(change.order.no)
        change.order.status = AssemblyStatus.OPEN


def _release_excess(change: LineChange) -> None:
    """R-RES-2: never reserved beyond Outstanding, before the binding follows the new values."""
    line = change.line
    if line.pk is None:
        return
    linked_remaining = max(line.qty_to_assemble_to_order - change.assembled, ZERO)
    released = release_excess_reservations(line=line, limit=line.outstanding_quantity - linked_remaining)
    if released > 0:
        change.messages.append(MSG_RESERVATIONS_RELEASED.format(qty=format_quantity(released)))


def _follow_link(change: LineChange, touches_order: bool) -> None:
    """R-LINK-1 happened in `line.save()` (the signal); here the existing link follows the line."""
    line = change.line
    if change.order is None:
        return
    if line.qty_to_assemble_to_order == 0:
        if message := ato_link.delete_linked_assembly_order(line=line):  # R-LINK-2
            change.messages.append(message)
    elif touches_order or {"qty_to_ship", "quantity"} & change.changed:
        ato_link.sync_linked_assembly_order(line=line)  # R-SYNC-1, R-QTS-1


def _auto_reserve(change: LineChange) -> None:
    """R-RES-6: Reserve = Always reserves again after Quantity, Shipment Date or the ATO part changed."""
    line = change.line
    if line.reserve != Item.Reserve.ALWAYS or not (change.new or AUTO_RESERVE_FIELDS & change.changed):
        return
    from .reservations import auto_reserve_locked  # reservations stand on this module

    lock_items([line.item_id])
    auto = auto_reserve_locked(line, wait_for_orders=False)
    if auto.message:
        change.messages.append(auto.message)


# --- save / delete ----------------------------------------------------------------------------


def _begin(header: SalesHeader, values: dict[str, Any], line: SalesLine | None) -> LineChange:
    """Lock, in the one lock order, the order, the line, its linked order with every assembly order the
    line has reserved, and its item (and the item it changes to), and read them afresh: whatever the
    change does to the line's reservations is then judged under their supplies' locks (I-6)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    header = lock_order(header)
    if line is None:
        next_no = (header.lines.aggregate(m=Max("line_no"))["m"] or 0) + 10000
        line = SalesLine(
            header=header, line_no=next_no, location=header.location, shipment_date=header.shipment_date
        )
        order = None
    else:
        line = lock_line(header, line.pk)
        order = lock_line_orders(line).get(line.assembly_order_id)  # with those it reserved from
        line.assembly_order = order  # locked and re-read after the line: an edit on its page is not lost
    item = values.get("item")
    lock_items([pk for pk in (line.item_id, item.pk if item is not None else None) if pk is not None])
    return LineChange.of(header, line, values)


def _finish(change: LineChange, *, confirm_reopen: bool) -> LineResult:
    """After the rules: confirm, trim, save, let the link follow, reserve."""
    touches_order = _touches_order(change)
    _confirm_reopen(change, touches_order, confirm_reopen)
    _release_excess(change)
    change.line.save()  # post_save creates the linked order when Qty. to Assemble to Order became non-zero (R-LINK-1)
    _follow_link(change, touches_order)
    _auto_reserve(change)
    return LineResult(line=change.line, messages=change.messages)


@operation()
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
    change = _begin(header, values, line)
    _apply_rules(change)
    return _finish(change, confirm_reopen=confirm_reopen)


def _differs(line: SalesLine, name: str, value: Any) -> bool:
    if name in ("item", "location", "bin"):
        return getattr(line, f"{name}_id") != (value.pk if value is not None else None)
    return getattr(line, name) != value


@operation()
def delete_sales_line(*, line: SalesLine) -> LineResult:
    """R-SO-3: delete the line, its reservations and its linked assembly order (R-LINK-2)."""
    header = lock_order(line.header)
    line = lock_line(header, line.pk)
    line.assembly_order = lock_assembly_orders([line.assembly_order_id]).get(line.assembly_order_id)
    if not header.is_open:
        raise ValidationError(
            MSG_STATUS_NOT_OPEN.format(no=header.no, field="its lines", status=header.get_status_display())
        )
    if line.quantity_shipped > 0:
        raise ValidationError(MSG_DELETE_SHIPPED.format(qty=format_quantity(line.quantity_shipped)))
    if shipment_line := line.shipment_lines.select_related("header").order_by("pk").first():  # R-UNDO-1
        raise ValidationError(MSG_DELETE_UNDONE_SHIPMENT.format(no=shipment_line.header.no))
    if pick_line := line.pick_lines.select_related("header").first():  # R-SO-3
        raise ValidationError(MSG_DELETE_ON_PICK.format(no=pick_line.header.no))
    Reservation.objects.filter(sales_line=line).delete()
    messages = []
    if message := ato_link.delete_linked_assembly_order(line=line):
        messages.append(message)
    line.delete()
    return LineResult(line=line, messages=messages)


def sync_lines_to_header(*, header: SalesHeader, confirm_reopen: bool = False) -> list[str]:
    """R-SO-0: the header's Shipment Date and Posting Date flow to its lines and their linked orders,
    through the same rules as a change typed on the line (R-SO-5, R-INV-6, R-SYNC-4, R-RES-6).

    The caller holds the operation and the order lock. Raises `ValidationError` on `shipment_date`
    naming the line that refuses; returns the messages of the lines (for example what Reserve =
    Always did).
    """
    lines = lock_lines(header)
    orders = lock_assembly_orders(line.assembly_order_id for line in lines)
    lock_items(line.item_id for line in lines if line.reserve == Item.Reserve.ALWAYS)
    changes = []
    for line in lines:
        line.assembly_order = orders.get(line.assembly_order_id)
        change = LineChange.of(header, line, {"shipment_date": header.shipment_date})
        if change.changed:
            _rule_shipment_date(change, header.shipment_date)
        if change.errors:
            raise ValidationError(
                {
                    "shipment_date": MSG_LINE_PREFIX.format(
                        line=line.line_no, message=change.errors["shipment_date"]
                    )
                }
            )
        changes.append(change)
    released = [
        c.order.no
        for c in changes
        if c.order and c.order.status == AssemblyStatus.RELEASED and _order_follows(c)
    ]
    if released and not confirm_reopen:
        raise ReopenConfirmationRequired(", ".join(released))
    messages = []
    for change in changes:
        if _order_follows(change):
            if change.order.no in released:
                change.order.status = AssemblyStatus.OPEN
            change.line.save(update_fields=["shipment_date"])
            ato_link.sync_linked_assembly_order(line=change.line)
        elif change.changed:
            change.line.save(update_fields=["shipment_date"])
        _auto_reserve(change)
        messages += [MSG_LINE_PREFIX.format(line=change.line.line_no, message=m) for m in change.messages]
    return messages


def _order_follows(change: LineChange) -> bool:
    """Whether the header's dates move the line's linked order (R-SYNC-1)."""
    order = change.order
    return order is not None and (
        order.due_date != change.line.shipment_date or order.posting_date != change.header.posting_date
    )
