"""Post (Ship): the only way a sales order ships (spec section 11; R-QTS-*, R-POST-1..5, R-RES-8, X-2).

Two phases in one operation, under the one lock order (sales order, its lines, their linked assembly
orders, every item involved):

- *plan* (`plan_shipment`): a pure computation, from the locked rows, of every ledger entry and
  document the posting writes. Per line with Qty. to Ship > 0, in R-POST-2's order: the linked order's
  Quantity to Assemble as Assembly Consumption (bins as R-ASM-2) and Assembly Output into the line's
  bin; a Sale of those units fixed-applied to that output; Sales of the stock part from the line's
  reserved entries first, then FIFO from the line's bin, then the location's other bins, one per bin.
  Preview Posting (X-5) shows exactly this plan, run through the engine's preview.
- *write* (`write_shipment`): the plan through the posting engine in one posting (it refuses a shortage as a
  whole, R-INV-3, R-POST-3), then the Posted Assembly Orders, the Posted Sales Shipment with the entries
  each line wrote (R-POST-4), the lines' and linked orders' quantities and reservations (R-RES-8).

Anything that refuses rolls the whole operation back: nothing is half posted (I-5). Posting twice
finds nothing left to post, or a plan other than the one the user confirmed (R-POST-5).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from assembly.models import AssemblyLine, PostedAssemblyHeader
from assembly.services import (
    AssemblyPlan,
    plan_assembly,
    quantity_to_assemble_bounds,
    quantity_to_assemble_range_message,
    record_assembly,
)
from inventory.audit import acting_user_id
from inventory.figures import ZERO, format_quantity, round_quantity
from inventory.locks import operation
from inventory.models import Bin, Demand, ItemLedgerEntry, Reservation
from inventory.numbering import next_no
from inventory.services.bins import BinContent
from inventory.services.posting import EntryToPost, PostingResult, post_item_entries, preview_item_entries

from ..models import (
    SalesHeader,
    SalesLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    ShipmentEntryRole,
    ShipmentLineEntry,
)
from . import ato_link
from .lines import release_excess_reservations
from .locks import lock_assembly_orders, lock_items, lock_lines, lock_order

MSG_NOTHING_TO_POST = "There is nothing to post."
MSG_REQUIRE_PICK = (
    "Location {location} requires a pick: ship line {line} of sales order {no} with Create Inventory Pick."
)
MSG_CHANGED = "Sales order {no} has changed since you chose to post it: check what will ship and post again."
MSG_SHIP_LINE = "Ship {qty} {item}: {ato} assembled to order, {stock} from stock"
MSG_SHIP_LINE_STOCK = "Ship {qty} {item} from stock"
MSG_QTA_OUT_OF_RANGE = "Line {line}: {message}"
MSG_PICK_STALE = (
    "Inventory pick {pick} no longer matches line {line} of sales order {no} (it has changed since the "
    "pick was made): delete the pick and create it again."
)
MSG_NOTHING_TO_ASSEMBLE = (
    "Line {line}: assembly order {no} has no component line with a Quantity, so there is nothing to "
    "assemble. Add its components (or set Qty. to Assemble to Order to 0) first."
)
MSG_HANDLE_BEYOND_OUTSTANDING = (
    "Line {line}: the pick handles more than the outstanding quantity {outstanding}."
)
PREVIEW_NO = "(on posting)"
MSG_STOCK_UNREACHABLE = "No bin at {location} holds {qty} {item} of the stock part."


@dataclass(frozen=True)
class Handling:
    """What a posted inventory pick ships of one line (R-PICK-1): its Qty. to Ship, the linked order's
    Quantity to Assemble, and the bins and quantities of the stock part; and what the pick was made
    for (item, location, the assembled part's bin), to refuse a pick the line has since left behind."""

    pick_no: str
    quantity: Decimal
    ato_quantity: Decimal
    bins: list[tuple[Bin | None, Decimal]]
    item_id: int
    location_id: int
    ato_bin_id: int | None


@dataclass(frozen=True)
class LinePlan:
    """What posting one line writes (R-POST-2)."""

    line: SalesLine
    ato_quantity: Decimal
    assembly: AssemblyPlan | None
    ato_sale: EntryToPost | None
    stock_sales: list[EntryToPost]

    @property
    def quantity(self) -> Decimal:
        return self.line.qty_to_ship

    @property
    def stock_quantity(self) -> Decimal:
        return self.quantity - self.ato_quantity

    @property
    def entries(self) -> list[EntryToPost]:
        assembly = self.assembly.entries if self.assembly else []
        return [*assembly, *([self.ato_sale] if self.ato_sale else []), *self.stock_sales]

    @property
    def summary(self) -> str:
        """ "Ship 10 KIT: 7 assembled to order, 3 from stock" (what the confirmation says)."""
        qty, item = format_quantity(self.quantity), self.line.item.no
        if self.ato_quantity == 0:
            return MSG_SHIP_LINE_STOCK.format(qty=qty, item=item)
        return MSG_SHIP_LINE.format(
            qty=qty,
            item=item,
            ato=format_quantity(self.ato_quantity),
            stock=format_quantity(self.stock_quantity),
        )


@dataclass(frozen=True)
class ShipmentPlan:
    header: SalesHeader
    shipment_no: str
    lines: list[LinePlan]

    @property
    def entries(self) -> list[EntryToPost]:
        return [entry for line in self.lines for entry in line.entries]

    @property
    def fingerprint(self) -> str:
        """What the user confirmed: each line's quantity, its assembled part, and what it had shipped
        then. A second Post of the same confirmation (double click, retry, another tab, another server)
        finds another plan, since the first changed Quantity Shipped, and is refused."""
        return ";".join(
            ":".join(f"{n.normalize():f}" for n in (p.quantity, p.ato_quantity, p.line.quantity_shipped))
            + f"@{p.line.pk}"
            for p in self.lines
        )


@dataclass
class ShipmentPreview:
    """Preview Posting (X-5): the plan, and the entries the engine would write for it."""

    plan: ShipmentPlan
    result: PostingResult
    by_line: dict[int, list[ItemLedgerEntry]] = field(default_factory=dict)


# --- plan ----------------------------------------------------------------------------------------


Components = dict[int, list[AssemblyLine]]  # a linked order's component lines, by the order's pk


def lock_for_posting(
    header: SalesHeader, *, extra_item_ids: Iterable[int] = ()
) -> tuple[SalesHeader, list[SalesLine], Components]:
    """Lock, in the one order, the order, its lines, their linked orders and every item involved (with
    `extra_item_ids`: items the caller's posting touches besides, as an undo's earlier components)."""
    header = lock_order(header)
    lines = sorted(lock_lines(header), key=lambda line: line.line_no)
    # The linked orders, and every order a line has reserved (its reservations are lowered after the
    # shipment, R-RES-2, under their supplies' locks).
    reserved_from = Reservation.objects.filter(
        sales_line__in=lines, assembly_order__isnull=False
    ).values_list("assembly_order_id", flat=True)
    orders = lock_assembly_orders([*(line.assembly_order_id for line in lines), *reserved_from])
    components: Components = defaultdict(list)
    for component in (
        AssemblyLine.objects.filter(header_id__in=orders).select_related("item", "bin").order_by("line_no")
    ):
        components[component.header_id].append(component)
    for line in lines:
        line.assembly_order = orders.get(line.assembly_order_id)
        if line.assembly_order is not None:
            line.assembly_order._state.fields_cache["sales_line"] = line
    lock_items(
        {line.item_id for line in lines}
        | {c.item_id for cs in components.values() for c in cs}
        | set(extra_item_ids)
    )
    return header, lines, components


def _quantity_to_assemble(line: SalesLine) -> Decimal:
    order = line.assembly_order
    if order is None or order.remaining_quantity <= 0:
        return ZERO
    low, high = quantity_to_assemble_bounds(order)
    if not (low <= order.quantity_to_assemble <= high):  # R-QTS-2, judged again at posting
        message = quantity_to_assemble_range_message(order, low, high)
        raise ValidationError(MSG_QTA_OUT_OF_RANGE.format(line=line.line_no, message=message))
    return order.quantity_to_assemble


def _plan_line(
    header: SalesHeader,
    line: SalesLine,
    *,
    shipment_no: str,
    numbers: Callable[[str], str],
    content: BinContent,
    components: Components,
    handling: Handling | None = None,
) -> LinePlan:
    if line.location.require_pick and handling is None:
        raise ValidationError(
            MSG_REQUIRE_PICK.format(location=line.location.code, line=line.line_no, no=header.no)
        )
    demand = Demand(sales_line_id=line.pk)
    common = {
        "entry_type": ItemLedgerEntry.EntryType.SALE,
        "document_type": ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
        "document_no": shipment_no,
        "document_line_no": line.line_no,
        "posting_date": header.posting_date,
        "item": line.item,
        "location": line.location,
        "demand": demand,
    }
    ato = _quantity_to_assemble(line)
    assembly = ato_sale = None
    if ato > 0:
        order = line.assembly_order
        if not any(c.quantity > 0 for c in components[order.pk]):  # R-REL-1's check, again at posting
            raise ValidationError(MSG_NOTHING_TO_ASSEMBLE.format(line=line.line_no, no=order.no))
        assembly = plan_assembly(
            order,
            document_no=numbers("POSTED-ASSEMBLY"),
            posting_date=header.posting_date,
            bin=line.bin,
            lines=components[order.pk],
            content=content,
        )
        ato_sale = EntryToPost(bin=line.bin, quantity=-ato, apply_to=assembly.output, **common)
    stock = line.qty_to_ship - ato
    stock_sales = []
    if stock > 0:  # X-2: the stock part from its reserved entries' bins first, then FIFO
        parts = (
            handling.bins
            if handling is not None  # R-PICK-1: the bins and quantities of the posted pick lines
            else content.take(item=line.item, quantity=stock, first_bin=line.bin, demand=demand)
        )
        for bin_, quantity in parts:
            stock_sales.append(EntryToPost(bin=bin_, quantity=-quantity, **common))
    return LinePlan(
        line=line, ato_quantity=ato, assembly=assembly, ato_sale=ato_sale, stock_sales=stock_sales
    )


def plan_shipment(
    header: SalesHeader,
    lines: list[SalesLine],
    components: Components,
    *,
    numbers: Callable[[str], str],
    handling: dict[int, Handling] | None = None,
) -> ShipmentPlan:
    """Every entry and document a Post (Ship) of the locked order writes (see the module doc).

    `handling` (a posted inventory pick) ships those lines only, with the pick's quantities and bins.
    """
    if handling is not None:
        lines = [line for line in lines if line.pk in handling]
        for line in lines:
            _apply_handling(line, handling[line.pk], components)
    shipping = [line for line in lines if line.qty_to_ship > 0]
    if not shipping:
        raise ValidationError(MSG_NOTHING_TO_POST)
    shipment_no = numbers("SALES-SHIPMENT")
    contents: dict[int, BinContent] = {}
    item_ids: dict[int, set[int]] = defaultdict(set)
    for line in shipping:
        item_ids[line.location_id].add(line.item_id)
        if line.assembly_order is not None:
            item_ids[line.location_id].update(c.item_id for c in components[line.assembly_order_id])
    plans = []
    for line in shipping:
        content = contents.setdefault(
            line.location_id, BinContent(location=line.location, item_ids=item_ids[line.location_id])
        )
        plans.append(
            _plan_line(
                header,
                line,
                shipment_no=shipment_no,
                numbers=numbers,
                content=content,
                components=components,
                handling=handling.get(line.pk) if handling else None,
            )
        )
    return ShipmentPlan(header=header, shipment_no=shipment_no, lines=plans)


def _apply_handling(line: SalesLine, handling: Handling, components: Components) -> None:
    """R-PICK-1: the line's Qty. to Ship is what its pick lines handle, the linked order's Quantity to
    Assemble the assemble-to-order pick line's (judged against R-QTS-2 when planned). A pick that no
    longer matches its line (another item, location or bin; more than is left to assemble) is refused:
    it would ship what the order no longer asks for."""
    order = line.assembly_order
    ato_left = order.remaining_quantity if order is not None else ZERO
    if (
        (handling.item_id, handling.location_id) != (line.item_id, line.location_id)
        or (handling.ato_quantity > 0 and handling.ato_bin_id != line.bin_id)
        or handling.ato_quantity > ato_left
    ):
        raise ValidationError(
            MSG_PICK_STALE.format(pick=handling.pick_no, line=line.line_no, no=line.header.no)
        )
    if handling.quantity > line.outstanding_quantity:
        raise ValidationError(
            MSG_HANDLE_BEYOND_OUTSTANDING.format(
                line=line.line_no, outstanding=format_quantity(line.outstanding_quantity)
            )
        )
    line.qty_to_ship = handling.quantity
    if order is not None:
        order.quantity_to_assemble = handling.ato_quantity
        for component in components[order.pk]:
            component.quantity_to_consume = round_quantity(component.quantity_per * handling.ato_quantity)


def draw_number(series: str) -> str:
    """The next number of the series a shipment posting draws on."""
    used_by = {"SALES-SHIPMENT": SalesShipmentHeader, "POSTED-ASSEMBLY": PostedAssemblyHeader}[series]
    return next_no(series, used_by=used_by)


@operation()
def preview_shipment(*, header: SalesHeader) -> ShipmentPreview:
    """Preview Posting (X-5): the same plan as Post, through the engine's preview; writes nothing.

    An Open order is released first, as Post does (R-POST-1), so that what Release would refuse is
    refused here too; that release is rolled back with the rest of this operation.
    """
    from .orders import release_sales_order  # orders stand on lines, which this module stands on

    try:
        header = lock_order(header)
        if header.is_open:
            release_sales_order(header=header, confirm_shortage=True)
        header, lines, components = lock_for_posting(header)
        plan = plan_shipment(header, lines, components, numbers=lambda series: PREVIEW_NO)
        result = preview_item_entries(plan.entries)
    finally:
        transaction.set_rollback(True)  # nothing this operation did is kept (the release above)
    written = dict(zip(map(id, plan.entries), result.entries, strict=True))
    preview = ShipmentPreview(plan=plan, result=result)
    for line_plan in plan.lines:
        preview.by_line[line_plan.line.pk] = [written[id(e)] for e in line_plan.entries]
    return preview


def shipment_summary(*, header: SalesHeader) -> tuple[list[str], str]:
    """What Post (Ship) would ship, line by line, and the fingerprint that confirms it."""
    plan = preview_shipment(header=header).plan
    return [line.summary for line in plan.lines], plan.fingerprint


# --- where each part ships from ----------------------------------------------------------------


@dataclass(frozen=True)
class ShipFrom:
    """Where a line's parts would ship from now: the assembled part from the line's (output) bin, the
    stock part from its reserved entries' bins, then FIFO; `missing` is what no bin holds (X-2)."""

    line: SalesLine
    ato_quantity: Decimal
    ato_bin: Bin | None
    stock: list[tuple[Bin | None, Decimal]]
    missing: Decimal

    @property
    def text(self) -> str:
        parts = []
        if self.ato_quantity > 0:
            parts.append(
                f"{format_quantity(self.ato_quantity)} assembled to order at {self._code(self.ato_bin)}"
            )
        parts += [f"{format_quantity(q)} from {self._code(b)}" for b, q in self.stock if q > 0]
        return "Ships from: " + ", ".join(parts) if parts else ""

    @property
    def warning(self) -> str:
        if self.missing <= 0:
            return ""
        return MSG_STOCK_UNREACHABLE.format(
            qty=format_quantity(self.missing), item=self.line.item.no, location=self.line.location.code
        )

    @staticmethod
    def _code(bin_: Bin | None) -> str:
        return f"bin {bin_.code}" if bin_ else "(no bin)"


def ship_from(lines: list[SalesLine]) -> dict[int, ShipFrom]:
    """X-2 for the lines at Bin Mandatory locations (a few queries per location, whatever the lines)."""
    result = {}
    by_location: dict[int, list[SalesLine]] = defaultdict(list)
    for line in lines:
        if line.location.bin_mandatory and line.outstanding_quantity > 0:
            by_location[line.location_id].append(line)
    for location_lines in by_location.values():
        content = BinContent(
            location=location_lines[0].location, item_ids={line.item_id for line in location_lines}
        )
        for line in location_lines:
            order = line.assembly_order
            ato = min(order.remaining_quantity, line.outstanding_quantity) if order else ZERO
            stock_qty = line.outstanding_quantity - ato
            available = content.available(line.item_id, demand=Demand(sales_line_id=line.pk))
            parts = (
                content.take(
                    item=line.item,
                    quantity=min(stock_qty, available),
                    first_bin=line.bin,
                    demand=Demand(sales_line_id=line.pk),
                )
                if stock_qty > 0 and available > 0
                else []
            )
            result[line.pk] = ShipFrom(
                line=line,
                ato_quantity=ato,
                ato_bin=line.bin,
                stock=parts,
                missing=max(stock_qty - available, ZERO),
            )
    return result


# --- write ---------------------------------------------------------------------------------------


def post_picked(header: SalesHeader, handling: dict[int, Handling]) -> SalesShipmentHeader:
    """Post the shipment of an inventory pick (R-PICK-1); the caller holds the operation and the order."""
    header, lines, components = lock_for_posting(header)
    return write_shipment(plan_shipment(header, lines, components, numbers=draw_number, handling=handling))


@operation()
def post_shipment(*, header: SalesHeader, expect: str | None = None) -> SalesShipmentHeader:
    """R-POST-1: Post (Ship) the order (released first if Open), all or nothing.

    `expect` is the fingerprint of the plan the user confirmed (see `ShipmentPlan.fingerprint`): when the
    order would now ship something else, nothing is posted (R-POST-5).
    """
    from .orders import release_sales_order  # orders stand on lines, which this module stands on

    header = lock_order(header)
    if header.is_open:
        release_sales_order(header=header, confirm_shortage=True)  # a shortage refuses below, whole
    header, lines, components = lock_for_posting(header)
    plan = plan_shipment(header, lines, components, numbers=draw_number)
    if expect is not None and plan.fingerprint != expect:
        raise ValidationError(MSG_CHANGED.format(no=header.no))
    return write_shipment(plan)


def write_shipment(plan: ShipmentPlan) -> SalesShipmentHeader:
    header = plan.header
    result = post_item_entries(plan.entries)
    written = dict(zip(map(id, plan.entries), result.entries, strict=True))
    shipment = SalesShipmentHeader.objects.create(
        no=plan.shipment_no,
        order=header,
        order_no=header.no,
        customer=header.customer,
        posting_date=header.posting_date,
        shipment_date=header.shipment_date,
        location=header.location,
        posted_by_id=acting_user_id(),  # R-AUD-1
    )
    rows, roles = [], []
    for line_plan in plan.lines:
        posted = (
            record_assembly(line_plan.assembly, written, sold_at_once=True).posted
            if line_plan.assembly
            else None
        )
        rows.append(_shipment_line(shipment, line_plan, posted))
        roles.append(_roles(line_plan, written))
    SalesShipmentLine.objects.bulk_create(rows)
    ShipmentLineEntry.objects.bulk_create(
        ShipmentLineEntry(
            shipment_line=row, entry=entry, role=role, reserved_quantity=result.reserved_taken_by(entry)
        )
        for row, line_roles in zip(rows, roles, strict=True)
        for entry, role in line_roles
    )
    _advance_lines(plan)
    return shipment


def _shipment_line(shipment: SalesShipmentHeader, plan: LinePlan, posted: PostedAssemblyHeader | None):
    line = plan.line
    return SalesShipmentLine(
        header=shipment,
        line_no=line.line_no,
        order_line=line,
        item=line.item,
        description=line.description,
        location=line.location,
        bin=line.bin,
        quantity=plan.quantity,
        qty_assembled_to_order=plan.ato_quantity,
        unit_price=line.unit_price,
        posted_assembly=posted,
    )


def _roles(plan: LinePlan, written: dict[int, ItemLedgerEntry]) -> list[tuple[ItemLedgerEntry, str]]:
    roles = []
    if plan.assembly:
        roles += [(written[id(e)], ShipmentEntryRole.CONSUMPTION) for e in plan.assembly.consumption]
        roles.append((written[id(plan.assembly.output)], ShipmentEntryRole.OUTPUT))
        roles.append((written[id(plan.ato_sale)], ShipmentEntryRole.ATO_SALE))
    roles += [(written[id(e)], ShipmentEntryRole.STOCK_SALE) for e in plan.stock_sales]
    return roles


def _advance_lines(plan: ShipmentPlan) -> None:
    """R-POST-4, R-SO-2, R-QTS-1: Quantity Shipped grows, Qty. to Ship is the new Outstanding, the linked
    order's Quantity to Assemble and binding follow (R-RES-1), reservations never exceed Outstanding."""
    lines = [p.line for p in plan.lines]
    for line_plan in plan.lines:
        line = line_plan.line
        line.quantity_shipped += line_plan.quantity
        line.qty_to_ship = line.outstanding_quantity
        line.init_qty_to_invoice()
    SalesLine.objects.bulk_update(lines, ["quantity_shipped", "qty_to_ship", "qty_to_invoice"])
    for line in lines:
        if line.assembly_order is not None:
            ato_link.sync_linked_assembly_order(line=line)
        # R-RES-2, R-RES-8: what the line still has reserved never exceeds what is left to ship (the
        # shipment may have taken free stock while a reservation elsewhere remained).
        linked_remaining = line.assembly_order.remaining_quantity if line.assembly_order else ZERO
        release_excess_reservations(line=line, limit=line.outstanding_quantity - linked_remaining)
