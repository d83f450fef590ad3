"""Assembly order operations (spec section 6). Each function owns its transaction (`locks.operation`) and its locks.

Linked (assemble-to-order) orders are created and kept in sync by `sales.services.ato_link`, which calls
the building blocks here (`explode_bom`, `apply_header_to_lines`); the user-facing functions refuse
what R-SYNC-2 forbids on a linked order.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.audit import acting_user_id
from inventory.bom import MSG_BOM_OWN_COMPONENT
from inventory.figures import (
    MAX_QUANTITY,
    MAX_QUANTITY_PER,
    MSG_QUANTITY_MAX,
    ZERO,
    check_date,
    format_day,
    format_quantity,
    round_quantity,
)
from inventory.locks import lock_items, lock_one, operation
from inventory.models import (
    MSG_ITEM_BLOCKED,
    MSG_QUANTITY_PER_POSITIVE,
    Bin,
    Item,
    ItemLedgerEntry,
    Location,
    Reservation,
    validate_location_bin,
)
from inventory.numbering import next_no
from inventory.prepared import Param, PreparedQuery
from inventory.services.bins import BinContent
from inventory.services.posting import EntryToPost, InsufficientInventoryError, post_item_entries
from inventory.services.reserving import release_reservations

from .models import AssemblyHeader, AssemblyLine, AssemblyStatus, PostedAssemblyHeader, PostedAssemblyLine


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED = _Unchanged()  # "keep the current value"; None means "clear it"

MSG_LINKED_READ_ONLY = (
    "Assembly order {no} is linked to sales order {order} line {line}: {field} follows the sales line "
    "and cannot be changed here."
)
MSG_LINKED_NO_DELETE = (
    "Assembly order {no} is linked to sales order {order}; delete or change the sales line instead."
)
MSG_LINKED_NO_POST = (
    "Assembly order {no} is assembled to order: it is posted together with the shipment of "
    "sales order {order}."
)
MSG_NOT_OPEN = "Status must be Open on assembly order {no} (it is {status}). Reopen it first."
MSG_NO_COMPONENTS = (
    "There is nothing to release for assembly order {no}: it needs at least one component line "
    "with a Quantity."
)
MSG_ALREADY_RELEASED = "Assembly order {no} is already released."
MSG_ALREADY_OPEN = "Assembly order {no} is already open."
MSG_NOTHING_TO_POST = "There is nothing to post: Quantity to Assemble is 0 on assembly order {no}."
MSG_QTY_TO_ASSEMBLE_RANGE = "Quantity to Assemble must be between {low} and {high}."
MSG_QTY_TO_ASSEMBLE_LINKED_RANGE = (
    "Quantity to Assemble must be between {low} and {high}: the bounds come from Qty. to Ship {qty_to_ship} "
    "on sales order {order} line {line}."
)
MSG_QUANTITY_POSITIVE = "Quantity must be greater than 0."
MSG_QUANTITY_BELOW_ASSEMBLED = "Quantity cannot be less than the Assembled Quantity ({assembled})."
MSG_NO_BOM = "Item {item} has no assembly BOM."
MSG_COMPLETED = "Assembly order {no} is completed."
MSG_DELETED = "Assembly order {no} was deleted."
MSG_DUE_AFTER_DEMAND = (
    "Due Date cannot be after {date}, the Shipment Date of {demand}, which has reserved this order."
)
MSG_HAS_OUTPUT = "Assembly order {no} cannot be deleted: {qty} has already been assembled."
MSG_BELOW_CONSUMED = "Quantity cannot be less than the Consumed Quantity."
MSG_LINE_CONSUMED = "A component line that has been consumed from cannot be deleted."
MSG_SHORT = "Able to Assemble {able} of {remaining}: {components}"
MSG_SHORT_COMPONENT = "{item} short {qty}"
MSG_NO_COMPONENTS_WARNING = "Assembly order {no} has no components: item {item} has no assembly BOM."


# --- building blocks ------------------------------------------------------------------------


def explode_bom(header: AssemblyHeader) -> list[AssemblyLine]:
    """Create the component lines from the item's assembly BOM (R-ASM-1, R-SYNC-1, R-BIN-3)."""
    components = list(header.item.bom_components.select_related("component_item").order_by("line_no", "pk"))
    lines = [
        AssemblyLine(
            header=header,
            line_no=n * 10000,
            item=c.component_item,
            description=c.component_item.description,
            quantity_per=c.quantity_per,
            location=header.location,
            due_date=header.starting_date,
        )
        for n, c in enumerate(components, start=1)
    ]
    for line in lines:
        _apply_header_to_line(header, line)
    AssemblyLine.objects.bulk_create(lines)
    return lines


def _scale_line(header: AssemblyHeader, line: AssemblyLine) -> None:
    """Quantity = Quantity per × Quantity; Quantity to Consume = Quantity per × Quantity to Assemble."""
    line.quantity = round_quantity(line.quantity_per * header.quantity)
    line.quantity_to_consume = round_quantity(line.quantity_per * header.quantity_to_assemble)


def _apply_header_to_line(header: AssemblyHeader, line: AssemblyLine) -> None:
    _scale_line(header, line)
    line.due_date = header.starting_date
    if line.location_id != header.location_id:
        line.location = header.location
        line.bin = None
    if line.bin_id is None or line.bin.location_id != header.location_id:
        line.bin = header.location.to_assembly_bin  # R-BIN-3


def apply_header_to_lines(header: AssemblyHeader) -> None:
    """Rescale every component line to the header (R-SYNC-1, R-ASM-1): Quantity = Quantity per × Quantity,
    Quantity to Consume = Quantity per × Quantity to Assemble; location, bin and due date follow."""
    fields = ("quantity", "quantity_to_consume", "due_date", "location_id", "bin_id")
    changed, names = [], set()
    for line in header.lines.select_related("bin"):
        before = [getattr(line, name) for name in fields]
        _apply_header_to_line(header, line)
        if differs := {name for name, old in zip(fields, before, strict=True) if getattr(line, name) != old}:
            changed.append(line)
            names |= differs
    if changed:  # only what changed: a Quantity change writes two columns, not five
        AssemblyLine.objects.bulk_update(changed, sorted(name.removesuffix("_id") for name in names))


def lock_assembly_order(pk: int) -> AssemblyHeader:
    """Lock the order's header (the supply lock of its Remaining Quantity, I-6) and read it afresh.

    A linked order's sales line is read after the lock, in its own query: read in the same statement
    it could come from before the wait, and R-QTS-2 would judge a Qty. to Ship that has changed. (Every
    change of the line locks this order first, so once it is ours the line cannot change under us.)
    """
    return lock_one(AssemblyHeader.objects.select_related("item", "location", "bin"), pk)


def _check_bin(bin: Bin | None, location: Location) -> None:
    """A header's or line's bin is optional, but it must be the location's and the location must use bins."""
    validate_location_bin(location=location, bin=bin, required=False)


def _check_quantity(value: Decimal, *, field: str, caption: str, maximum: Decimal = MAX_QUANTITY) -> None:
    if value > maximum:  # R-NUM-1
        raise ValidationError({field: MSG_QUANTITY_MAX.format(field=caption, max=format_quantity(maximum))})


def _refuse_if_linked(header: AssemblyHeader, message: str, **extra) -> None:
    if header.is_linked:
        line = header.sales_line
        raise ValidationError(message.format(no=header.no, order=line.header.no, line=line.line_no, **extra))


def _require_open(header: AssemblyHeader) -> None:
    if header.status != AssemblyStatus.OPEN:
        raise ValidationError(MSG_NOT_OPEN.format(no=header.no, status=header.get_status_display()))


# --- stand-alone orders ----------------------------------------------------------------------


@operation()
def create_assembly_order(
    *,
    item: Item,
    quantity: Decimal,
    location: Location,
    due_date: datetime.date,
    bin: Bin | None = None,
    posting_date: datetime.date | None = None,
) -> AssemblyHeader:
    """R-ASM-1: a stand-alone (assemble-to-stock) order with its lines exploded from the BOM.

    Bin Code defaults to the location's From-Assembly Bin Code; Quantity to Assemble to Remaining.
    """
    if item.blocked:
        raise ValidationError({"item": MSG_ITEM_BLOCKED.format(item=item.no)})
    if not item.bom_components.exists():
        raise ValidationError({"item": MSG_NO_BOM.format(item=item.no)})
    if quantity <= 0:
        raise ValidationError({"quantity": MSG_QUANTITY_POSITIVE})
    _check_quantity(quantity, field="quantity", caption="Quantity")
    check_date(due_date, field="due_date", caption="Due Date")
    check_date(posting_date, field="posting_date", caption="Posting Date")
    if bin is None and location.bin_mandatory:
        bin = location.from_assembly_bin
    _check_bin(bin, location)
    header = AssemblyHeader.objects.create(
        no=next_no("ASSEMBLY-ORDER", used_by=AssemblyHeader),
        item=item,
        description=item.description,
        location=location,
        bin=bin,
        quantity=quantity,
        quantity_to_assemble=quantity,
        due_date=due_date,
        starting_date=due_date,
        posting_date=posting_date or timezone.localdate(),
    )
    explode_bom(header)
    return header


@operation()
def update_assembly_order(
    *,
    order: AssemblyHeader,
    quantity: Decimal | None = None,
    quantity_to_assemble: Decimal | None = None,
    due_date: datetime.date | None = None,
    bin: Bin | None | _Unchanged = UNCHANGED,
    posting_date: datetime.date | None = None,
) -> AssemblyHeader:
    """Change a stand-alone order's header; a linked order accepts only Quantity to Assemble (R-SYNC-2).

    `bin=None` clears the Bin Code; leaving it out keeps it.
    """
    header = lock_assembly_order(order.pk)
    if header.status == AssemblyStatus.COMPLETED:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    changed = {
        "Quantity": quantity is not None and quantity != header.quantity,
        "Due Date": due_date is not None and due_date != header.due_date,
        "Bin Code": bin is not UNCHANGED and bin != header.bin,
    }
    for caption, is_changed in changed.items():
        if is_changed:
            _refuse_if_linked(header, MSG_LINKED_READ_ONLY, field=caption)  # R-SYNC-2
    if any(changed.values()):
        _require_open(header)
    if changed["Quantity"] and quantity_to_assemble == header.quantity_to_assemble:
        quantity_to_assemble = None  # left as it was: the default for the new Quantity applies
    if changed["Quantity"]:
        if quantity <= 0:
            raise ValidationError({"quantity": MSG_QUANTITY_POSITIVE})
        _check_quantity(quantity, field="quantity", caption="Quantity")
        if quantity < header.assembled_quantity:
            raise ValidationError(
                {
                    "quantity": MSG_QUANTITY_BELOW_ASSEMBLED.format(
                        assembled=format_quantity(header.assembled_quantity)
                    )
                }
            )
        header.quantity = quantity
        header.quantity_to_assemble = header.remaining_quantity  # R-ASM-1 default, unless given below
    if changed["Due Date"]:
        check_date(due_date, field="due_date", caption="Due Date")
        _check_due_date_for_reservations(header, due_date)
        header.due_date = header.starting_date = due_date
    if changed["Bin Code"]:
        _check_bin(bin, header.location)
        header.bin = bin
    if posting_date is not None:
        check_date(posting_date, field="posting_date", caption="Posting Date")
        header.posting_date = posting_date
    if quantity_to_assemble is not None:
        low, high = quantity_to_assemble_bounds(header)
        if not (low <= quantity_to_assemble <= high):
            raise ValidationError(
                {"quantity_to_assemble": quantity_to_assemble_range_message(header, low, high)}
            )
        header.quantity_to_assemble = quantity_to_assemble
    header.save()
    apply_header_to_lines(header)
    _sync_reservations_to_remaining(header)
    return header


def _check_due_date_for_reservations(header: AssemblyHeader, due_date: datetime.date) -> None:
    """The mirror of R-SO-5: an order reserved for a demand cannot become due after that demand's date."""
    for reservation in Reservation.objects.filter(assembly_order=header, binding=False).select_related(
        "sales_line"
    ):
        if reservation.demand.shipment_date < due_date:
            raise ValidationError(
                {
                    "due_date": MSG_DUE_AFTER_DEMAND.format(
                        date=format_day(reservation.demand.shipment_date), demand=reservation.demand_caption
                    )
                }
            )


def quantity_to_assemble_range_message(header: AssemblyHeader, low: Decimal, high: Decimal) -> str:
    if not header.is_linked:
        return MSG_QTY_TO_ASSEMBLE_RANGE.format(low=format_quantity(low), high=format_quantity(high))
    line = header.sales_line
    return MSG_QTY_TO_ASSEMBLE_LINKED_RANGE.format(
        low=format_quantity(low),
        high=format_quantity(high),
        qty_to_ship=format_quantity(line.qty_to_ship),
        order=line.header.no,
        line=line.line_no,
    )


def quantity_to_assemble_bounds(header: AssemblyHeader) -> tuple[Decimal, Decimal]:
    """Allowed Quantity to Assemble: 0..Remaining stand-alone; linked, R-QTS-2 (from Qty. to Ship)."""
    remaining = header.remaining_quantity
    if not header.is_linked:
        return ZERO, remaining
    line = header.sales_line
    outstanding = line.quantity - line.quantity_shipped
    low = max(line.qty_to_ship - (outstanding - remaining), ZERO)
    high = min(line.qty_to_ship, remaining)
    return low, high


def _sync_reservations_to_remaining(header: AssemblyHeader) -> None:
    """I-2: Σ reservations on an order never exceed its Remaining Quantity (newest lowered first).
    The caller holds the order's lock, under which every reservation on it is judged (I-6)."""
    excess = Reservation.objects.filter(assembly_order=header).total() - header.remaining_quantity
    if excess > 0:
        release_reservations(
            Reservation.objects.filter(assembly_order=header, binding=False).order_by("-pk"), excess
        )


@operation()
def delete_assembly_order(*, order: AssemblyHeader) -> None:
    header = lock_assembly_order(order.pk)
    _refuse_if_linked(header, MSG_LINKED_NO_DELETE)
    if header.assembled_quantity > 0:
        raise ValidationError(
            MSG_HAS_OUTPUT.format(no=header.no, qty=format_quantity(header.assembled_quantity))
        )
    Reservation.objects.filter(assembly_order=header).delete()
    header.delete()


# --- component lines (the user customises the kit while the order is Open) -----------------


def _check_quantity_per(quantity_per: Decimal) -> None:
    if quantity_per <= 0:
        raise ValidationError({"quantity_per": MSG_QUANTITY_PER_POSITIVE})
    _check_quantity(quantity_per, field="quantity_per", caption="Quantity per", maximum=MAX_QUANTITY_PER)


@operation()
def add_assembly_line(*, order: AssemblyHeader, item: Item, quantity_per: Decimal) -> AssemblyLine:
    header = lock_assembly_order(order.pk)
    _require_open(header)
    if item.blocked:
        raise ValidationError({"item": MSG_ITEM_BLOCKED.format(item=item.no)})
    if item.pk == header.item_id:
        raise ValidationError({"item": MSG_BOM_OWN_COMPONENT})
    _check_quantity_per(quantity_per)
    last = header.lines.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    line = AssemblyLine(
        header=header,
        line_no=last + 10000,
        item=item,
        description=item.description,
        quantity_per=quantity_per,
        location=header.location,
        due_date=header.starting_date,
    )
    _apply_header_to_line(header, line)
    line.save()
    return line


@operation()
def update_assembly_line(
    *, line: AssemblyLine, quantity_per: Decimal | None = None, bin: Bin | None | _Unchanged = UNCHANGED
) -> AssemblyLine:
    header = lock_assembly_order(line.header_id)
    _require_open(header)
    line = header.lines.select_related("bin").get(pk=line.pk)
    if quantity_per is not None:
        _check_quantity_per(quantity_per)
        if round_quantity(quantity_per * header.quantity) < line.consumed_quantity:
            raise ValidationError({"quantity_per": MSG_BELOW_CONSUMED})
        line.quantity_per = quantity_per
    if bin is not UNCHANGED:
        _check_bin(bin, header.location)
        line.bin = bin
    _scale_line(header, line)
    line.save()
    return line


@operation()
def delete_assembly_line(*, line: AssemblyLine) -> None:
    header = lock_assembly_order(line.header_id)
    _require_open(header)
    line = header.lines.get(pk=line.pk)
    if line.consumed_quantity > 0:
        raise ValidationError(MSG_LINE_CONSUMED)
    line.delete()


# --- release / reopen (R-ASM-3) -------------------------------------------------------------


def check_releasable(header: AssemblyHeader) -> None:
    if not header.lines.filter(quantity__gt=0).exists():
        raise ValidationError(MSG_NO_COMPONENTS.format(no=header.no))


@operation()
def release_assembly_order(*, order: AssemblyHeader) -> AssemblyHeader:
    header = lock_assembly_order(order.pk)
    if header.status == AssemblyStatus.RELEASED:
        raise ValidationError(MSG_ALREADY_RELEASED.format(no=header.no))
    _require_open(header)
    check_releasable(header)
    header.status = AssemblyStatus.RELEASED
    header.save(update_fields=["status"])
    return header


@operation()
def reopen_assembly_order(*, order: AssemblyHeader) -> AssemblyHeader:
    header = lock_assembly_order(order.pk)
    if header.status == AssemblyStatus.OPEN:
        raise ValidationError(MSG_ALREADY_OPEN.format(no=header.no))
    if header.status == AssemblyStatus.COMPLETED:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    header.status = AssemblyStatus.OPEN
    header.save(update_fields=["status"])
    return header


# --- availability (R-ASM-4) -----------------------------------------------------------------


@dataclass(frozen=True)
class LineAvailability:
    line: AssemblyLine
    available: Decimal  # component inventory at the location − reservations held by other demands
    shortage: bool  # available < what the order's lines of this component still need

    @property
    def short_by(self) -> Decimal:
        return max(self.line.remaining_quantity - self.available, ZERO)


@dataclass(frozen=True)
class OrderAvailability:
    order: AssemblyHeader
    lines: list[LineAvailability]
    able_to_assemble: Decimal
    short: dict[str, Decimal] = field(default_factory=dict)  # component No. → how much is missing

    @property
    def has_components(self) -> bool:
        return any(row.line.quantity > 0 for row in self.lines)

    @property
    def is_short(self) -> bool:
        return self.able_to_assemble < self.order.remaining_quantity

    @property
    def warning(self) -> str:
        """BC's component availability warning (issue: "Able to Assemble 4 of 10: MB-KIT short 3"),
        or that the order has nothing to consume; blank when the components are there."""
        order = self.order
        if order.remaining_quantity <= 0:
            return ""
        if not self.has_components:
            return MSG_NO_COMPONENTS_WARNING.format(no=order.no, item=order.item.no)
        if not self.is_short:
            return ""
        components = ", ".join(
            MSG_SHORT_COMPONENT.format(item=item, qty=format_quantity(qty))
            for item, qty in self.short.items()
        )
        return MSG_SHORT.format(
            able=format_quantity(self.able_to_assemble),
            remaining=format_quantity(order.remaining_quantity),
            components=components,
        )


# R-ASM-4's supply of a component at a location: its open entries (Σ remaining) less the reservations on
# them (Σ quantity). Summed per item and location for many orders, or per component line for one.
def _component_stock(**filters):
    return ItemLedgerEntry.objects.open().filter(**filters)


def _component_reserved(**filters):
    return Reservation.objects.on_entries().filter(**filters)


def _component_lines():
    return AssemblyLine.objects.select_related("item", "bin", "location").order_by("line_no")


def _one_order_lines():
    """The component lines of one order, each with its component's stock and reservations there."""

    def per_line(queryset, quantity: str) -> Coalesce:
        sums = queryset.values("item_id").annotate(t=Sum(quantity)).values("t")
        return Coalesce(Subquery(sums), ZERO, output_field=DecimalField())

    here = {"item_id": OuterRef("item_id"), "location_id": OuterRef("location_id")}
    return (
        _component_lines()
        .filter(header_id=Param("order", IntegerField()))
        .annotate(
            stock=per_line(_component_stock(**here), "remaining_quantity"),
            reserved_stock=per_line(_component_reserved(**here), "quantity"),
        )
    )


ONE_ORDER_LINES = PreparedQuery(_one_order_lines)  # the FactBox and a line edit: one order, one statement


def availability_of(orders: Iterable[AssemblyHeader]) -> dict[int, OrderAvailability]:
    """R-ASM-4 for several orders in two queries, whatever the number of orders and lines.

    Component available = inventory at the order's location (Σ open remaining) − reservations held on
    that inventory by other demands (components have no reservations of their own yet). Able to
    Assemble = min over components of available ÷ Quantity per (summed over the lines that use the
    component), rounded down and capped at Remaining Quantity. Each order is judged on its own.
    """
    orders = {order.pk: order for order in orders}
    lines: dict[int, list[AssemblyLine]] = defaultdict(list)
    for line in _component_lines().filter(header_id__in=orders):
        line.header = orders[line.header_id]
        lines[line.header_id].append(line)
    keys = {(line.item_id, line.location_id) for order_lines in lines.values() for line in order_lines}
    available = dict.fromkeys(keys, ZERO)
    if keys:
        where = {"item_id__in": {k[0] for k in keys}, "location_id__in": {k[1] for k in keys}}
        stock = _by_item_location(_component_stock(**where), "remaining_quantity", sign=1)
        reserved = _by_item_location(_component_reserved(**where), "quantity", sign=-1)
        for sign, item_id, location_id, total in stock.union(reserved, all=True):  # one statement
            if (item_id, location_id) in available:
                available[(item_id, location_id)] += sign * total
    return {pk: _order_availability(order, lines[pk], available) for pk, order in orders.items()}


def _by_item_location(queryset, quantity_field: str, *, sign: int):
    """Σ `quantity_field` per item and location, each row tagged with the sign it counts with."""
    return (
        queryset.order_by()
        .annotate(sign=Value(sign))
        .values_list("sign", "item_id", "location_id")
        .annotate(total=Sum(quantity_field))
    )


def _order_availability(
    order: AssemblyHeader, lines: list[AssemblyLine], available: dict[tuple[int, int], Decimal]
) -> OrderAvailability:
    # A component may stand on several lines: judge each item against what all its lines need.
    per_unit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    needed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        per_unit[line.item_id] += line.quantity_per
        needed[line.item_id] += line.remaining_quantity
    have = {line.item_id: available[(line.item_id, order.location_id)] for line in lines}
    able = order.remaining_quantity if lines else ZERO
    for item_id, quantity_per in per_unit.items():
        able = min(able, Decimal(math.floor(max(have[item_id], ZERO) / quantity_per)))
    short = {}
    for line in lines:
        if have[line.item_id] < needed[line.item_id] and line.item.no not in short:
            short[line.item.no] = needed[line.item_id] - max(have[line.item_id], ZERO)
    rows = [
        LineAvailability(
            line=line, available=have[line.item_id], shortage=have[line.item_id] < needed[line.item_id]
        )
        for line in lines
    ]
    return OrderAvailability(order=order, lines=rows, able_to_assemble=max(able, ZERO), short=short)


def order_availability(header: AssemblyHeader) -> OrderAvailability:
    """R-ASM-4 for one order (see `availability_of`), in one statement compiled once: the FactBox of a
    line with an ATO part and the answer to a line edit ask for it on every click."""
    lines = ONE_ORDER_LINES.objects(order=header.pk)
    available = {(line.item_id, line.location_id): line.stock - line.reserved_stock for line in lines}
    for line in lines:
        line.header = header
    return _order_availability(header, lines, available)


# --- posting (R-ASM-2) ------------------------------------------------------------------------


def consumption_entries(
    header: AssemblyHeader,
    lines: list[AssemblyLine],
    *,
    document_no: str,
    posting_date: datetime.date,
    content: BinContent | None = None,
) -> list[EntryToPost]:
    """Assembly Consumption for each line's Quantity to Consume: from the line's bin first, then the
    location's other bins with content (oldest entries first); one entry per bin (R-ASM-2, R-BIN-3).

    Components are consumed for no demand: stock reserved for a sales line is not theirs (R-INV-2).
    What no bin holds is asked of the line's own bin, so the posting engine reports the shortage
    (R-INV-3, R-POST-3) and nothing is posted. `content` is shared by a posting that assembles several
    orders at one location, so that they never count the same units twice.
    """
    content = content or BinContent(location=header.location, item_ids={line.item_id for line in lines})
    entries = [
        EntryToPost(
            entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_CONSUMPTION,
            document_type=ItemLedgerEntry.DocumentType.POSTED_ASSEMBLY,
            document_no=document_no,
            document_line_no=line.line_no,
            posting_date=posting_date,
            item=line.item,
            location=header.location,
            bin=bin_,
            quantity=-quantity,
        )
        for line in lines
        if line.quantity_to_consume > 0
        for bin_, quantity in content.take(
            item=line.item, quantity=line.quantity_to_consume, first_bin=line.bin
        )
    ]
    if content.shortages:
        raise InsufficientInventoryError(content.shortages)
    return entries


@dataclass(frozen=True)
class AssemblyPlan:
    """What posting an order's Quantity to Assemble writes (the plan phase of R-ASM-2, R-POST-2 step 1):
    computed from locked rows, written by `record_assembly` after the posting engine has posted it."""

    header: AssemblyHeader
    lines: list[AssemblyLine]
    document_no: str
    posting_date: datetime.date
    bin: Bin | None
    consumption: list[EntryToPost]
    output: EntryToPost

    @property
    def quantity(self) -> Decimal:
        return self.output.quantity

    @property
    def entries(self) -> list[EntryToPost]:
        return [*self.consumption, self.output]


def plan_assembly(
    header: AssemblyHeader,
    *,
    document_no: str,
    posting_date: datetime.date,
    bin: Bin | None,
    lines: list[AssemblyLine] | None = None,
    content: BinContent | None = None,
) -> AssemblyPlan:
    """Consumption per component line (bins as R-ASM-2) and the Assembly Output into `bin`, costed
    from that consumption. Reads; writes nothing. The caller holds the order's lock and the items'."""
    lines = (
        lines if lines is not None else list(header.lines.select_related("item", "bin").order_by("line_no"))
    )
    consumption = consumption_entries(
        header, lines, document_no=document_no, posting_date=posting_date, content=content
    )
    output = EntryToPost(
        entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT,
        document_type=ItemLedgerEntry.DocumentType.POSTED_ASSEMBLY,
        document_no=document_no,
        posting_date=posting_date,
        item=header.item,
        location=header.location,
        bin=bin,
        quantity=header.quantity_to_assemble,
        cost_from=tuple(consumption),
    )
    return AssemblyPlan(
        header=header,
        lines=lines,
        document_no=document_no,
        posting_date=posting_date,
        bin=bin,
        consumption=consumption,
        output=output,
    )


@dataclass(frozen=True)
class AssemblyPosting:
    posted: PostedAssemblyHeader
    output_entry: ItemLedgerEntry
    consumption: list[ItemLedgerEntry]


def record_assembly(
    plan: AssemblyPlan, written: dict[int, ItemLedgerEntry], *, sold_at_once: bool = False
) -> AssemblyPosting:
    """The write phase after the engine posted `plan.entries` (`written`: id() of each EntryToPost → its
    entry): the Posted Assembly Order, Assembled and Consumed quantities, and the reservations.

    The order's reservations move to the output entry (R-RES-8, R-ASM-2); when the output is sold in the
    same posting (`sold_at_once`, an assemble-to-order shipment), the binding is consumed by that sale.
    """
    header, lines = plan.header, plan.lines
    output = written[id(plan.output)]
    posted = _write_posted_order(
        header, lines, posted_no=plan.document_no, posting_date=plan.posting_date, bin=plan.bin, output=output
    )
    _advance(header, lines, output, plan.quantity, sold_at_once=sold_at_once)
    return AssemblyPosting(
        posted=posted, output_entry=output, consumption=[written[id(e)] for e in plan.consumption]
    )


def post_assembly_quantity(
    header: AssemblyHeader, *, posting_date: datetime.date, bin: Bin | None
) -> AssemblyPosting:
    """Post the header's Quantity to Assemble: consumption, output, posted order, quantities (R-ASM-2).

    The caller holds the operation and the order's lock; the items are locked here, before anything is
    read from the ledger (I-6).
    """
    lines = list(header.lines.select_related("item", "bin").order_by("line_no"))
    lock_items([header.item_id, *(line.item_id for line in lines)])
    plan = plan_assembly(
        header,
        document_no=next_no("POSTED-ASSEMBLY", used_by=PostedAssemblyHeader),
        posting_date=posting_date,
        bin=bin,
        lines=lines,
    )
    result = post_item_entries(plan.entries)
    return record_assembly(plan, dict(zip(map(id, plan.entries), result.entries, strict=True)))


def _write_posted_order(
    header: AssemblyHeader,
    lines: list[AssemblyLine],
    *,
    posted_no: str,
    posting_date: datetime.date,
    bin: Bin | None,
    output: ItemLedgerEntry,
) -> PostedAssemblyHeader:
    posted = PostedAssemblyHeader.objects.create(
        no=posted_no,
        order_no=header.no,
        order=header,
        item=header.item,
        description=header.description,
        location=header.location,
        bin=bin,
        quantity=output.quantity,
        posting_date=posting_date,
        assemble_to_order=header.is_linked,
        cost_amount=output.cost_amount,
        posted_by_id=acting_user_id(),  # R-AUD-1
    )
    PostedAssemblyLine.objects.bulk_create(
        PostedAssemblyLine(
            header=posted,
            line_no=line.line_no,
            item=line.item,
            description=line.description,
            quantity_per=line.quantity_per,
            quantity=line.quantity_to_consume,
            location=line.location,
        )
        for line in lines
    )
    return posted


def _advance(
    header: AssemblyHeader,
    lines: list[AssemblyLine],
    output: ItemLedgerEntry,
    quantity: Decimal,
    *,
    sold_at_once: bool = False,
) -> None:
    """After a posting: Assembled and Consumed quantities grow, reservations follow the output,
    Quantity to Assemble and to Consume are set again (R-ASM-1), a finished stand-alone order completes."""
    for line in lines:
        line.consumed_quantity += line.quantity_to_consume
    header.assembled_quantity += quantity
    if sold_at_once:  # the sale took the output: the binding for it is consumed (R-RES-8)
        release_reservations(
            Reservation.objects.filter(assembly_order=header).order_by("-binding", "pk"), quantity
        )
    else:
        _move_reservations_to_output(header, output, quantity)
    header.quantity_to_assemble = header.remaining_quantity
    if header.remaining_quantity == 0 and not header.is_linked:
        header.status = AssemblyStatus.COMPLETED
    header.save()
    for line in lines:
        line.quantity_to_consume = round_quantity(line.quantity_per * header.quantity_to_assemble)
    AssemblyLine.objects.bulk_update(lines, ["consumed_quantity", "quantity_to_consume"])


def _move_reservations_to_output(header: AssemblyHeader, output: ItemLedgerEntry, quantity: Decimal) -> None:
    """R-RES-8 / R-ASM-2: reservations on the order move to the output entry, oldest first, for the
    quantity just assembled; the binding moves for the ATO sale that follows."""
    reservations = list(Reservation.objects.filter(assembly_order=header).order_by("-binding", "pk"))
    moved, left = [], quantity
    for reservation in reservations:
        if left <= 0:
            break
        take = min(left, reservation.quantity)
        left -= take
        moved.append(
            Reservation(
                sales_line_id=reservation.sales_line_id,
                item_ledger_entry=output,
                item_id=reservation.item_id,
                location_id=reservation.location_id,
                quantity=take,
                # the same reservation on its new supply, still its maker's (R-AUD-1); its created_at
                # is the move's, which `release_excess_reservations` orders by (newest first)
                created_by_id=reservation.created_by_id,
            )
        )
    Reservation.objects.bulk_create(moved)  # a fixed number of writes, whatever the reservations
    release_reservations(reservations, quantity - left)


@operation()
def post_assembly_order(
    *, order: AssemblyHeader, posting_date: datetime.date | None = None
) -> PostedAssemblyHeader:
    """R-ASM-2: Post a stand-alone order's Quantity to Assemble; refused whole on a component shortage."""
    header = lock_assembly_order(order.pk)
    _refuse_if_linked(header, MSG_LINKED_NO_POST)
    if header.status == AssemblyStatus.COMPLETED:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    if header.quantity_to_assemble <= 0:
        raise ValidationError(MSG_NOTHING_TO_POST.format(no=header.no))
    check_releasable(header)
    return post_assembly_quantity(
        header, posting_date=posting_date or header.posting_date, bin=header.bin
    ).posted
