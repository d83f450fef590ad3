"""Assembly order operations (spec section 6). Each function owns its transaction and its locks.

Linked (assemble-to-order) orders are created and kept in sync by `sales.services.ato_link`, which calls
the building blocks here (`explode_bom`, `apply_header_to_lines`); the user-facing functions refuse
what R-SYNC-2 forbids on a linked order.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

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
from inventory.numbering import next_no
from inventory.services.posting import EntryToPost, InsufficientInventoryError, Shortage, post_item_entries

from .models import AssemblyHeader, AssemblyLine, AssemblyStatus, PostedAssemblyHeader, PostedAssemblyLine

QTY_QUANTUM = Decimal(1).scaleb(-QTY_PLACES)


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
MSG_BIN_NOT_ALLOWED = "Bin Code must be blank at location {location}, which does not use bins."
MSG_BIN_OTHER_LOCATION = "Bin {bin} does not belong to location {location}."
MSG_HAS_OUTPUT = "Assembly order {no} cannot be deleted: {qty} has already been assembled."


def _fmt(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def _round_qty(value: Decimal) -> Decimal:
    return value.quantize(QTY_QUANTUM, rounding=ROUND_HALF_UP)


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


def _apply_header_to_line(header: AssemblyHeader, line: AssemblyLine) -> None:
    line.quantity = _round_qty(line.quantity_per * header.quantity)
    line.quantity_to_consume = _round_qty(line.quantity_per * header.quantity_to_assemble)
    line.due_date = header.starting_date
    if line.location_id != header.location_id:
        line.location = header.location
        line.bin = None
    if line.bin_id is None or line.bin.location_id != header.location_id:
        line.bin = header.location.to_assembly_bin  # R-BIN-3


def apply_header_to_lines(header: AssemblyHeader) -> None:
    """Rescale every component line to the header (R-SYNC-1, R-ASM-1): Quantity = Quantity per × Quantity,
    Quantity to Consume = Quantity per × Quantity to Assemble; location, bin and due date follow."""
    lines = list(header.lines.select_related("bin"))
    for line in lines:
        _apply_header_to_line(header, line)
    AssemblyLine.objects.bulk_update(
        lines, ["quantity", "quantity_to_consume", "due_date", "location", "bin"]
    )


def _lock_order(pk: int) -> AssemblyHeader:
    return (
        AssemblyHeader.objects.select_for_update(of=("self",))
        .select_related("item", "location", "bin", "sales_line__header")
        .get(pk=pk)
    )


def _check_bin(bin: Bin | None, location: Location) -> None:
    """A header's or line's bin is optional, but it must be the location's and the location must use bins."""
    if bin is None:
        return
    if not location.bin_mandatory:
        raise ValidationError({"bin": MSG_BIN_NOT_ALLOWED.format(location=location.code)})
    if bin.location_id != location.pk:
        raise ValidationError({"bin": MSG_BIN_OTHER_LOCATION.format(bin=bin.code, location=location.code)})


def _refuse_if_linked(header: AssemblyHeader, message: str, **extra) -> None:
    if header.is_linked:
        line = header.sales_line
        raise ValidationError(message.format(no=header.no, order=line.header.no, line=line.line_no, **extra))


def _require_open(header: AssemblyHeader) -> None:
    if header.status != AssemblyStatus.OPEN:
        raise ValidationError(MSG_NOT_OPEN.format(no=header.no, status=header.get_status_display()))


# --- stand-alone orders ----------------------------------------------------------------------


@transaction.atomic
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
    if bin is None and location.bin_mandatory:
        bin = location.from_assembly_bin
    _check_bin(bin, location)
    header = AssemblyHeader.objects.create(
        no=next_no("ASSEMBLY-ORDER"),
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


@transaction.atomic
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
    header = _lock_order(order.pk)
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
        if quantity < header.assembled_quantity:
            raise ValidationError(
                {"quantity": MSG_QUANTITY_BELOW_ASSEMBLED.format(assembled=_fmt(header.assembled_quantity))}
            )
        header.quantity = quantity
        header.quantity_to_assemble = header.remaining_quantity  # R-ASM-1 default, unless given below
    if changed["Due Date"]:
        header.due_date = header.starting_date = due_date
    if changed["Bin Code"]:
        _check_bin(bin, header.location)
        header.bin = bin
    if posting_date is not None:
        header.posting_date = posting_date
    if quantity_to_assemble is not None:
        low, high = quantity_to_assemble_bounds(header)
        if not (low <= quantity_to_assemble <= high):
            raise ValidationError({"quantity_to_assemble": _range_message(header, low, high)})
        header.quantity_to_assemble = quantity_to_assemble
    header.save()
    apply_header_to_lines(header)
    _sync_reservations_to_remaining(header)
    return header


def _range_message(header: AssemblyHeader, low: Decimal, high: Decimal) -> str:
    if not header.is_linked:
        return MSG_QTY_TO_ASSEMBLE_RANGE.format(low=_fmt(low), high=_fmt(high))
    line = header.sales_line
    return MSG_QTY_TO_ASSEMBLE_LINKED_RANGE.format(
        low=_fmt(low),
        high=_fmt(high),
        qty_to_ship=_fmt(line.qty_to_ship),
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
    """I-2: Σ reservations on an order never exceed its Remaining Quantity (newest trimmed first)."""
    excess = Reservation.objects.filter(assembly_order=header).total() - header.remaining_quantity
    if excess <= 0:
        return
    for reservation in Reservation.objects.filter(assembly_order=header, binding=False).order_by("-pk"):
        if excess <= 0:
            break
        take = min(excess, reservation.quantity)
        excess -= take
        if take == reservation.quantity:
            reservation.delete()
        else:
            reservation.quantity -= take
            reservation.save(update_fields=["quantity"])


@transaction.atomic
def delete_assembly_order(*, order: AssemblyHeader) -> None:
    header = _lock_order(order.pk)
    _refuse_if_linked(header, MSG_LINKED_NO_DELETE)
    if header.assembled_quantity > 0:
        raise ValidationError(MSG_HAS_OUTPUT.format(no=header.no, qty=_fmt(header.assembled_quantity)))
    Reservation.objects.filter(assembly_order=header).delete()
    header.delete()


# --- component lines (the user customises the kit while the order is Open) -----------------


@transaction.atomic
def add_assembly_line(*, order: AssemblyHeader, item: Item, quantity_per: Decimal) -> AssemblyLine:
    header = _lock_order(order.pk)
    _require_open(header)
    if item.blocked:
        raise ValidationError({"item": MSG_ITEM_BLOCKED.format(item=item.no)})
    if item.pk == header.item_id:
        raise ValidationError({"item": "An item cannot be a component of itself."})
    if quantity_per <= 0:
        raise ValidationError({"quantity_per": "Quantity per must be greater than 0."})
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


@transaction.atomic
def update_assembly_line(
    *, line: AssemblyLine, quantity_per: Decimal | None = None, bin: Bin | None | _Unchanged = UNCHANGED
) -> AssemblyLine:
    header = _lock_order(line.header_id)
    _require_open(header)
    line = header.lines.select_related("bin").get(pk=line.pk)
    if quantity_per is not None:
        if quantity_per <= 0:
            raise ValidationError({"quantity_per": "Quantity per must be greater than 0."})
        if _round_qty(quantity_per * header.quantity) < line.consumed_quantity:
            raise ValidationError({"quantity_per": "Quantity cannot be less than the Consumed Quantity."})
        line.quantity_per = quantity_per
    if bin is not UNCHANGED:
        _check_bin(bin, header.location)
        line.bin = bin
    line.quantity = _round_qty(line.quantity_per * header.quantity)
    line.quantity_to_consume = _round_qty(line.quantity_per * header.quantity_to_assemble)
    line.save()
    return line


@transaction.atomic
def delete_assembly_line(*, line: AssemblyLine) -> None:
    header = _lock_order(line.header_id)
    _require_open(header)
    line = header.lines.get(pk=line.pk)
    if line.consumed_quantity > 0:
        raise ValidationError("A component line that has been consumed from cannot be deleted.")
    line.delete()


# --- release / reopen (R-ASM-3) -------------------------------------------------------------


def check_releasable(header: AssemblyHeader) -> None:
    if not header.lines.filter(quantity__gt=0).exists():
        raise ValidationError(MSG_NO_COMPONENTS.format(no=header.no))


@transaction.atomic
def release_assembly_order(*, order: AssemblyHeader) -> AssemblyHeader:
    header = _lock_order(order.pk)
    if header.status == AssemblyStatus.RELEASED:
        raise ValidationError(MSG_ALREADY_RELEASED.format(no=header.no))
    _require_open(header)
    check_releasable(header)
    header.status = AssemblyStatus.RELEASED
    header.save(update_fields=["status"])
    return header


@transaction.atomic
def reopen_assembly_order(*, order: AssemblyHeader) -> AssemblyHeader:
    header = _lock_order(order.pk)
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
    shortage: bool  # available < the line's Remaining Quantity


@dataclass(frozen=True)
class OrderAvailability:
    lines: list[LineAvailability]
    able_to_assemble: Decimal


def order_availability(header: AssemblyHeader) -> OrderAvailability:
    """R-ASM-4 with a fixed number of queries, whatever the number of lines.

    Component available = inventory at the order's location (Σ open remaining) − reservations held on
    that inventory by other demands. Able to Assemble = min over components of available ÷ Quantity per
    (summed over the lines that use the component), rounded down and capped at Remaining Quantity.
    """
    lines = list(header.lines.select_related("item", "bin", "location").order_by("line_no"))
    item_ids = {line.item_id for line in lines}
    inventory = dict(
        ItemLedgerEntry.objects.open()
        .filter(item_id__in=item_ids, location_id=header.location_id)
        .values("item_id")
        .annotate(total=Sum("remaining_quantity"))
        .values_list("item_id", "total")
    )
    reserved = dict(
        Reservation.objects.on_entries()
        .filter(item_id__in=item_ids, location_id=header.location_id)
        .values("item_id")
        .annotate(total=Sum("quantity"))
        .values_list("item_id", "total")
    )
    # A component may stand on several lines: judge each item against what all its lines need.
    per_unit: dict[int, Decimal] = defaultdict(lambda: ZERO)
    needed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        per_unit[line.item_id] += line.quantity_per
        needed[line.item_id] += line.remaining_quantity
    available = {item_id: inventory.get(item_id, ZERO) - reserved.get(item_id, ZERO) for item_id in per_unit}
    result = [
        LineAvailability(
            line=line,
            available=available[line.item_id],
            shortage=available[line.item_id] < needed[line.item_id],
        )
        for line in lines
    ]
    able = header.remaining_quantity if lines else ZERO
    for item_id, quantity_per in per_unit.items():
        able = min(able, Decimal(math.floor(max(available[item_id], ZERO) / quantity_per)))
    return OrderAvailability(lines=result, able_to_assemble=max(able, ZERO))


# --- posting (R-ASM-2) ------------------------------------------------------------------------


def consumption_entries(
    header: AssemblyHeader, *, document_no: str, posting_date: datetime.date, document_type: str
) -> list[EntryToPost]:
    """Assembly Consumption for each line's Quantity to Consume: from the line's bin first, then the
    location's other bins with content (oldest entries first); one entry per bin (R-ASM-2, R-BIN-3).

    Quantities that no bin holds are asked of the line's own bin, so the posting engine reports the
    shortage (R-INV-3, R-POST-3) and nothing is posted.
    """
    lines = [line for line in header.lines.select_related("item", "bin") if line.quantity_to_consume > 0]
    entries: list[EntryToPost] = []
    if not lines:
        return entries
    by_item_bin: dict[tuple[int, int | None], Decimal] = {}
    bin_order: dict[int, list[int | None]] = {}
    for entry in (
        ItemLedgerEntry.objects.open()
        .filter(item_id__in={line.item_id for line in lines}, location_id=header.location_id)
        .order_by("entry_no")
        .values("item_id", "bin_id", "remaining_quantity")
    ):
        key = (entry["item_id"], entry["bin_id"])
        if key not in by_item_bin:
            bin_order.setdefault(entry["item_id"], []).append(entry["bin_id"])
        by_item_bin[key] = by_item_bin.get(key, ZERO) + entry["remaining_quantity"]
    bins = (
        {b.pk: b for b in Bin.objects.filter(location_id=header.location_id)}
        if header.location.bin_mandatory
        else {}
    )
    shortages: list[Shortage] = []
    for line in lines:
        needed = line.quantity_to_consume
        order = [line.bin_id] + [b for b in bin_order.get(line.item_id, []) if b != line.bin_id]
        takes: list[tuple[int | None, Decimal]] = []
        for bin_id in order:
            have = by_item_bin.get((line.item_id, bin_id), ZERO)
            take = min(have, needed)
            if take > 0:
                by_item_bin[(line.item_id, bin_id)] = have - take
                takes.append((bin_id, take))
                needed -= take
            if needed == 0:
                break
        if needed > 0:
            if header.location.bin_mandatory and line.bin_id is None:
                # No bin holds it and the line names none: the shortage itself is the answer (R-POST-3).
                shortages.append(
                    Shortage(
                        item_no=line.item.no, location_code=header.location.code, bin_code="", missing=needed
                    )
                )
                continue
            takes.append((line.bin_id, needed))
        for bin_id, qty in takes:
            entries.append(
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_CONSUMPTION,
                    document_type=document_type,
                    document_no=document_no,
                    document_line_no=line.line_no,
                    posting_date=posting_date,
                    item=line.item,
                    location=header.location,
                    bin=bins.get(bin_id) if bin_id else None,
                    quantity=-qty,
                )
            )
    if shortages:
        raise InsufficientInventoryError(shortages)
    return entries


@dataclass(frozen=True)
class AssemblyPosting:
    posted: PostedAssemblyHeader
    output_entry: ItemLedgerEntry


def post_assembly_quantity(
    header: AssemblyHeader, *, posting_date: datetime.date, bin: Bin | None
) -> AssemblyPosting:
    """Post the header's Quantity to Assemble: consumption, output, posted order, quantities.

    The building block of R-ASM-2 (stand-alone Post) and R-POST-2 step 1 (shipment of a linked order).
    The caller holds the transaction and the order lock. Reservations on the order move to the output
    entry (R-RES-8) for the quantity assembled.
    """
    quantity = header.quantity_to_assemble
    posted_no = next_no("POSTED-ASSEMBLY")
    doc_type = ItemLedgerEntry.DocumentType.POSTED_ASSEMBLY
    consumption = consumption_entries(
        header, document_no=posted_no, posting_date=posting_date, document_type=doc_type
    )
    lock_items([header.item_id, *(e.item.pk for e in consumption)])
    posted_entries = post_item_entries(consumption)
    cost = -sum((e.cost_amount for e in posted_entries), ZERO)
    unit_cost = (cost / quantity) if quantity else ZERO
    [output] = post_item_entries(
        [
            EntryToPost(
                entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT,
                document_type=doc_type,
                document_no=posted_no,
                posting_date=posting_date,
                item=header.item,
                location=header.location,
                bin=bin,
                quantity=quantity,
                unit_cost=unit_cost,
            )
        ]
    )
    posted = PostedAssemblyHeader.objects.create(
        no=posted_no,
        order_no=header.no,
        order=header,
        item=header.item,
        description=header.description,
        location=header.location,
        bin=bin,
        quantity=quantity,
        posting_date=posting_date,
        assemble_to_order=header.is_linked,
        cost_amount=output.cost_amount,
    )
    lines = list(header.lines.select_related("item"))
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
    for line in lines:
        line.consumed_quantity += line.quantity_to_consume
    header.assembled_quantity += quantity
    _move_reservations_to_output(header, output, quantity)
    header.quantity_to_assemble = header.remaining_quantity
    if header.remaining_quantity == 0 and not header.is_linked:
        header.status = AssemblyStatus.COMPLETED
    header.save()
    for line in lines:
        line.quantity_to_consume = _round_qty(line.quantity_per * header.quantity_to_assemble)
    AssemblyLine.objects.bulk_update(lines, ["consumed_quantity", "quantity_to_consume"])
    return AssemblyPosting(posted=posted, output_entry=output)


def _move_reservations_to_output(header: AssemblyHeader, output: ItemLedgerEntry, quantity: Decimal) -> None:
    """R-RES-8 / R-ASM-2: reservations on the order move to the output entry, oldest first, for the
    quantity just assembled; the binding moves for the ATO sale that follows."""
    left = quantity
    for reservation in Reservation.objects.filter(assembly_order=header).order_by("-binding", "pk"):
        if left <= 0:
            break
        take = min(left, reservation.quantity)
        left -= take
        Reservation.objects.create(
            sales_line_id=reservation.sales_line_id,
            item_ledger_entry=output,
            item_id=reservation.item_id,
            location_id=reservation.location_id,
            quantity=take,
        )
        if take == reservation.quantity:
            reservation.delete()
        else:
            reservation.quantity -= take
            reservation.save(update_fields=["quantity"])


@transaction.atomic
def post_assembly_order(
    *, order: AssemblyHeader, posting_date: datetime.date | None = None
) -> PostedAssemblyHeader:
    """R-ASM-2: Post a stand-alone order's Quantity to Assemble; refused whole on a component shortage."""
    header = _lock_order(order.pk)
    _refuse_if_linked(header, MSG_LINKED_NO_POST)
    if header.status == AssemblyStatus.COMPLETED:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    if header.quantity_to_assemble <= 0:
        raise ValidationError(MSG_NOTHING_TO_POST.format(no=header.no))
    check_releasable(header)
    return post_assembly_quantity(
        header, posting_date=posting_date or header.posting_date, bin=header.bin
    ).posted
