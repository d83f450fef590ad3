"""The reservation engine for sales lines (spec section 7): R-RES-2..7.

Supplies are inbound item ledger entries and assembly orders, so the engine lives here, where sales can
see both inventory and assembly (the Reservation table itself is in inventory, the ground floor).

Every operation locks, in the project's one order (`inventory.locks`), the sales order, the line, the
assembly orders it may reserve from (and its linked one), then the line's item, and only then reads
what is available: a reservation is judged and written under the lock of its supply (I-6), so an entry
is never reserved beyond its Remaining Quantity nor an assembly order beyond its own, even while
another user changes that order's Quantity (R-RES-7, X-6). An action on item ledger entries alone
locks no assembly order but the linked one (see `_locked_line`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from assembly.models import AssemblyHeader
from inventory.audit import acting_user_id
from inventory.figures import ZERO, format_quantity
from inventory.locks import held, operation
from inventory.models import ItemLedgerEntry, Reservation
from inventory.prepared import Param, PreparedQuery

from ..models import SalesLine
from .lines import MSG_ORDER_COMPLETED
from .locks import lock_assembly_orders, lock_items, lock_line, lock_order, lock_reservable_orders

MSG_FULLY_RESERVED = "Fully reserved."
MSG_NOTHING_AVAILABLE = "There is nothing available to reserve."
MSG_AUTO_INCOMPLETE = "Full automatic reservation is not possible. Reserve manually."
MSG_NOTHING_TO_CANCEL = "There are no reservations to cancel."
MSG_RESERVE_NEVER = "Reserve is Never for item {item}: the line cannot be reserved."
MSG_QUANTITY_POSITIVE = "Quantity to reserve must be greater than 0."
MSG_ENTRY_NOT_AVAILABLE = "Item ledger entry {entry} has only {available} available to reserve."
MSG_ENTRY_NOT_SUPPLY = "Item ledger entry {entry} cannot supply this line."
MSG_ORDER_NOT_SUPPLY = "Assembly order {no} cannot supply this line."


class SupplyType(models.TextChoices):
    ITEM_LEDGER_ENTRY = "ILE", "Item Ledger Entry"
    ASSEMBLY_ORDER = "ASM", "Assembly Header, Order"


@dataclass(frozen=True)
class Supply:
    """One reservable supply: an open inbound entry or an open assembly order, with what is free on it."""

    supply_type: str
    pk: int
    label: str
    date: object
    total: Decimal
    reserved: Decimal  # by any demand
    current: Decimal  # by this line
    extends: int | None = None  # this line's reservation on it that a new one adds to (not the binding)

    @property
    def available(self) -> Decimal:
        return max(self.total - self.reserved, ZERO)


@dataclass(frozen=True)
class AutoReserveResult:
    reserved: Decimal
    complete: bool
    message: str = ""


# --- reading --------------------------------------------------------------------------------


def reserved_quantity(line: SalesLine) -> Decimal:
    """R-RES-2: binding + every other reservation of the line."""
    return Reservation.objects.filter(sales_line=line).total()


def unreserved_quantity(line: SalesLine) -> Decimal:
    return max(line.outstanding_quantity - reserved_quantity(line), ZERO)


def _reserved_on(supply_field: str, line: SalesLine | Param) -> dict[str, models.Expression]:
    """Σ reservations on each supply row (any demand, and this line's), and the line's reservation on it
    that a new one extends, as correlated subqueries: index lookups per open supply, whatever the size
    of the reservation table; and the line's Reserved Quantity (the same on every row)."""

    def total(queryset) -> Coalesce:
        sums = queryset.values(supply_field).annotate(t=Sum("quantity")).values("t")
        return Coalesce(Subquery(sums), ZERO, output_field=models.DecimalField())

    line_id = line if isinstance(line, Param) else line.pk
    on_it = Reservation.objects.filter(**{supply_field: OuterRef("pk")})
    of_line = (
        Reservation.objects.filter(sales_line_id=line_id).values("sales_line").annotate(t=Sum("quantity"))
    )
    return {
        "reserved": total(on_it),
        "current": total(on_it.filter(sales_line_id=line_id)),
        "extends": Subquery(
            on_it.filter(sales_line_id=line_id, binding=False).order_by("pk").values("pk")[:1]
        ),
        "line_reserved": Coalesce(Subquery(of_line.values("t")), ZERO, output_field=models.DecimalField()),
    }


_INT = models.IntegerField()
# Open entries of the line's item at its location, with what is reserved on them: read by every
# reservation from stock, so compiled once (`inventory.prepared`).
ENTRY_SUPPLIES = PreparedQuery(
    lambda: (
        ItemLedgerEntry.objects.open()
        .filter(item_id=Param("item", _INT), location_id=Param("location", _INT))
        .annotate(**_reserved_on("item_ledger_entry", Param("line", _INT)))
        .select_related("bin")
        .order_by("entry_no")
    )
)


def _entry_supplies(line: SalesLine) -> tuple[list[Supply], Decimal | None]:
    entries = ENTRY_SUPPLIES.objects(item=line.item_id, location=line.location_id, line=line.pk)
    supplies_ = [
        Supply(
            supply_type=SupplyType.ITEM_LEDGER_ENTRY,
            pk=e.pk,
            label=f"{e.get_entry_type_display()} {e.document_no}" + (f" · Bin {e.bin.code}" if e.bin else ""),
            date=e.posting_date,
            total=e.remaining_quantity,
            reserved=e.reserved,
            current=e.current,
            extends=e.extends,
        )
        for e in entries
    ]
    return supplies_, (entries[0].line_reserved if entries else None)


def entry_supplies(line: SalesLine) -> list[Supply]:
    """Open inbound entries of the line's item at its location, oldest first (R-RES-3), one query."""
    return _entry_supplies(line)[0]


def _assembly_supplies(line: SalesLine) -> tuple[list[Supply], Decimal | None]:
    orders = (
        _assembly_receipts(line).annotate(**_reserved_on("assembly_order", line)).order_by("due_date", "pk")
    )
    if (locked := held("assembly.AssemblyHeader")) is not None:
        orders = orders.filter(pk__in=locked)
    supplies_ = [
        Supply(
            supply_type=SupplyType.ASSEMBLY_ORDER,
            pk=o.pk,
            label=o.no,
            date=o.due_date,
            total=o.quantity - o.assembled_quantity,
            reserved=o.reserved,
            current=o.current,
            extends=o.extends,
        )
        for o in orders
    ]
    return supplies_, (orders[0].line_reserved if orders else None)


def assembly_supplies(line: SalesLine) -> list[Supply]:
    """Open assembly orders of the item at the location due by the line's Shipment Date (spec 9).

    Inside an operation only the orders it has locked are offered: a reservation on an assembly order
    is judged under that order's lock (I-6); one that became due after the locks were taken waits for
    the next reservation."""
    return _assembly_supplies(line)[0]


def _assembly_receipts(line: SalesLine):
    return AssemblyHeader.objects.receipts(
        item_id=line.item_id, location_id=line.location_id, upto=line.shipment_date
    )


def supplies(line: SalesLine, supply_type: str) -> list[Supply]:
    return _supplies(line, supply_type)[0]


def _supplies(line: SalesLine, supply_type: str) -> tuple[list[Supply], Decimal]:
    """The supplies of a type and the line's Reserved Quantity, read together (one statement; a second
    one only when there is no supply to carry the figure)."""
    if supply_type == SupplyType.ITEM_LEDGER_ENTRY:
        found, reserved = _entry_supplies(line)
    elif supply_type == SupplyType.ASSEMBLY_ORDER:
        found, reserved = _assembly_supplies(line)
    else:
        raise ValidationError(f"Unknown supply type {supply_type!r}.")
    return found, reserved_quantity(line) if reserved is None else reserved


def reserved_from_stock(line: SalesLine, on_entries: Decimal) -> str:
    """FactBox "Reserved from stock": None / Partial / Full against the line's Outstanding."""
    if on_entries <= 0:
        return "None"
    return "Full" if on_entries >= line.outstanding_quantity else "Partial"


# --- writing --------------------------------------------------------------------------------


def _locked_line(line: SalesLine, *, supply_type: str = "") -> SalesLine:
    """Lock, in the one lock order, the order, the line, its linked assembly order with every assembly
    order it may reserve from, and its item; re-read the line (see the module doc).

    An action on the item ledger entries alone (`supply_type` ILE) locks only the linked order, if any:
    it reads no other order's Remaining Quantity, and the entries and their reservations are under the
    item's lock (every writer of them takes it, posting an assembly order's output included). What the
    line holds on another assembly order can meanwhile only shrink (the order's Quantity lowered, the
    order deleted) or move onto the order's output entry under the item's lock (the same total): the
    line's Reserved Quantity only grows under the line's lock, held here. So the action may reserve
    less than it could, never more than the line needs (I-3)."""
    header = lock_order(line.header)
    line = lock_line(header, line.pk)
    if supply_type == SupplyType.ITEM_LEDGER_ENTRY:
        orders = lock_assembly_orders([line.assembly_order_id])  # no statement for a stock line
    else:
        orders = lock_reservable_orders(line)  # the linked order and those `_assembly_receipts` reads
    line.assembly_order = orders.get(line.assembly_order_id)
    lock_items([line.item_id])
    if header.is_completed:
        raise ValidationError(MSG_ORDER_COMPLETED.format(no=header.no))
    if line.reserves_never:
        raise ValidationError(MSG_RESERVE_NEVER.format(item=line.item.no))
    return line


def _reserve(line: SalesLine, taken: list[tuple[Supply, Decimal]]) -> None:
    """Write what was taken: added to the line's reservation on a supply where it has one, else a new
    reservation; two statements at most, whatever the number of supplies."""
    if extended := [(supply.extends, quantity) for supply, quantity in taken if supply.extends]:
        added = Case(*(When(pk=pk, then=Value(quantity)) for pk, quantity in extended))
        Reservation.objects.filter(pk__in=[pk for pk, _ in extended]).update(
            quantity=ExpressionWrapper(F("quantity") + added, output_field=models.DecimalField())
        )
    new = [
        Reservation(
            sales_line=line,
            item_id=line.item_id,
            location_id=line.location_id,
            quantity=quantity,
            created_by_id=acting_user_id(),  # R-AUD-1
            **(
                {"item_ledger_entry_id": supply.pk}
                if supply.supply_type == SupplyType.ITEM_LEDGER_ENTRY
                else {"assembly_order_id": supply.pk}
            ),
        )
        for supply, quantity in taken
        if not supply.extends
    ]
    if new:
        Reservation.objects.bulk_create(new)


def _take(line: SalesLine, candidates: list[Supply], wanted: Decimal) -> Decimal:
    """Reserve up to `wanted` from the candidates in order, each up to what is free on it."""
    taken: list[tuple[Supply, Decimal]] = []
    total = ZERO
    for supply in candidates:
        if total >= wanted:
            break
        quantity = min(supply.available, wanted - total)
        if quantity > 0:
            taken.append((supply, quantity))
            total += quantity
    _reserve(line, taken)
    return total


@operation()
def reserve_from_current_line(*, line: SalesLine, supply_type: str) -> Decimal:
    """R-RES-3: reserve min(Unreserved, available on the supply row), oldest supply first."""
    line = _locked_line(line, supply_type=supply_type)
    candidates, reserved = _supplies(line, supply_type)  # read after the locks, as one statement
    wanted = max(line.outstanding_quantity - reserved, ZERO)
    if wanted <= 0:
        raise ValidationError(MSG_FULLY_RESERVED)
    taken = _take(line, candidates, wanted)
    if taken <= 0:
        raise ValidationError(MSG_NOTHING_AVAILABLE)
    return taken


def auto_reserve_locked(line: SalesLine, *, wait_for_orders: bool = True) -> AutoReserveResult:
    """R-RES-4 for a line the caller has locked (see `_locked_line`): inventory first, then assembly
    orders due by the Shipment Date.

    `wait_for_orders=False` (R-RES-6, after a line change, when the assembly orders could not be locked
    in order up front): only the assembly orders nobody else is changing are drawn on, each locked
    before it is judged; the others are left for a later reservation.
    """
    wanted = unreserved_quantity(line)
    if wanted <= 0:
        return AutoReserveResult(reserved=ZERO, complete=True)
    taken = _take(line, entry_supplies(line), wanted)
    if taken < wanted:
        if not wait_for_orders:  # lock (without waiting) the orders nobody else is changing, then judge
            lock_assembly_orders(_assembly_receipts(line).values_list("pk", flat=True), skip_locked=True)
        orders = assembly_supplies(line)
        taken += _take(line, orders, wanted - taken)
    complete = taken >= wanted
    return AutoReserveResult(
        reserved=taken, complete=complete, message="" if complete else MSG_AUTO_INCOMPLETE
    )


@operation()
def auto_reserve(*, line: SalesLine) -> AutoReserveResult:
    line = _locked_line(line)
    if unreserved_quantity(line) <= 0:
        raise ValidationError(MSG_FULLY_RESERVED)
    return auto_reserve_locked(line)


@operation()
def cancel_reservations(*, line: SalesLine, supply_type: str) -> Decimal:
    """R-RES-5: cancel this line's reservations on the supply type; never the binding."""
    line = _locked_line(line, supply_type=supply_type)
    field = "item_ledger_entry" if supply_type == SupplyType.ITEM_LEDGER_ENTRY else "assembly_order"
    reservations = Reservation.objects.filter(sales_line=line, binding=False, **{f"{field}__isnull": False})
    cancelled = reservations.total()
    if cancelled <= 0:
        raise ValidationError(MSG_NOTHING_TO_CANCEL)
    reservations.delete()
    return cancelled


@operation()
def reserve_from_supply(*, line: SalesLine, supply_type: str, supply_pk: int, quantity: Decimal) -> Decimal:
    """Available to Reserve: reserve a chosen quantity from one chosen entry or assembly order."""
    line = _locked_line(line, supply_type=supply_type)
    if quantity <= 0:
        raise ValidationError({"quantity": MSG_QUANTITY_POSITIVE})
    wanted = unreserved_quantity(line)
    if wanted <= 0:
        raise ValidationError(MSG_FULLY_RESERVED)
    supply = next((s for s in supplies(line, supply_type) if s.pk == supply_pk), None)
    if supply is None:
        message = (
            MSG_ENTRY_NOT_SUPPLY if supply_type == SupplyType.ITEM_LEDGER_ENTRY else MSG_ORDER_NOT_SUPPLY
        )
        raise ValidationError(message.format(entry=supply_pk, no=supply_pk))
    if quantity > supply.available:
        raise ValidationError(
            {
                "quantity": MSG_ENTRY_NOT_AVAILABLE.format(
                    entry=supply.label, available=format_quantity(supply.available)
                )
            }
        )
    quantity = min(quantity, wanted)
    _reserve(line, [(supply, quantity)])
    return quantity
