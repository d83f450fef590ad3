"""Undo Shipment (R-UNDO-1): take back a posted shipment line that is not yet invoiced.

One service, one operation, under the one lock order (the order, its lines, their linked assembly
orders, every item the line's entries touched). It reverses exactly the entries the line's posting
wrote (`ShipmentLineEntry`), each by fixed application, never FIFO:

- each Sale, by a positive Sale correction applied from it (it comes back at the cost it left with);
- for the assembled-to-order part, in addition, a negative Assembly Output applied to the positive Sale
  correction of those units, and a positive Assembly Consumption correction applied from each
  consumption entry, back into the bin it was taken from.

Then the documents follow: the linked assembly order gets back its Remaining Quantity and binding
(R-RES-1), the sales line its Outstanding, Qty. to Ship and as much of its reservations as the
entries brought back allow (R-RES-2); the posted shipment line is marked as a correction and gets a
reversing line, its Posted Assembly Order is marked Reversed. Refused, with nothing written, when the
line is invoiced, already undone, or when an entry it must reverse has been applied elsewhere since.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Max, Sum

from assembly.models import AssemblyLine, PostedAssemblyHeader
from inventory.audit import acting_user_id
from inventory.figures import ZERO, format_quantity
from inventory.locks import operation
from inventory.models import ItemApplicationEntry, ItemLedgerEntry, Reservation
from inventory.services.posting import EntryToPost, post_item_entries

from ..models import SalesLine, SalesShipmentLine, ShipmentEntryRole, ShipmentLineEntry
from . import ato_link
from .shipping import lock_for_posting

MSG_CONFIRM = "Do you really want to undo the selected Shipment lines?"  # BC's question
MSG_UNDO_INVOICED = (
    "This shipment has already been invoiced. Undo Shipment can be applied only to posted, but not "
    "invoiced shipments."
)
MSG_UNDO_DONE = "Line {line} of shipment {no} has already been undone."
MSG_UNDO_REVERSING = "Line {line} of shipment {no} is the correction of an undone line: it cannot be undone."
MSG_UNDO_APPLIED = (
    "You cannot undo line {line} of shipment {no}: item ledger entry {entry} ({qty} {item}) has been "
    "applied to an entry this shipment did not write."
)
MSG_UNDO_CORRECTED = (
    "You cannot undo line {line} of shipment {no}: item ledger entry {entry} has already been corrected."
)
MSG_UNDO_RELINKED = (
    "You cannot undo line {line} of shipment {no}: its sales line is no longer linked to assembly order "
    "{order}, which assembled it."
)
MSG_UNDONE = "Line {line} of shipment {no} was undone: {qty} {item} back to ship."


def _entries(shipment_line: SalesShipmentLine) -> list[ShipmentLineEntry]:
    return list(
        shipment_line.entries.select_related("entry__item", "entry__location", "entry__bin").order_by(
            "entry_id"
        )
    )


def _refuse_unless_undoable(shipment_line: SalesShipmentLine, entries: list[ShipmentLineEntry]) -> None:
    """BC's checks, on the rows as they are under the order's lock."""
    where = {"line": shipment_line.line_no, "no": shipment_line.header.no}
    if shipment_line.is_reversing:
        raise ValidationError(MSG_UNDO_REVERSING.format(**where))
    if shipment_line.correction:
        raise ValidationError(MSG_UNDO_DONE.format(**where))
    if shipment_line.quantity_invoiced > 0:
        raise ValidationError(MSG_UNDO_INVOICED)
    ids = {e.entry_id for e in entries}
    if (
        corrected := ItemLedgerEntry.objects.filter(applies_from_entry__in=ids)
        .values_list("applies_from_entry", flat=True)
        .first()
    ):
        raise ValidationError(MSG_UNDO_CORRECTED.format(entry=corrected, **where))
    # An inbound entry it wrote (the Assembly Output) may only have gone to the entries it wrote.
    inbound = [e.entry for e in entries if e.entry.quantity > 0]
    elsewhere = (
        ItemApplicationEntry.objects.filter(inbound_entry__in=inbound)
        .exclude(outbound_entry__in=ids)
        .values_list("inbound_entry", flat=True)
        .first()
    )
    if elsewhere is not None:
        entry = next(e.entry for e in entries if e.entry_id == elsewhere)
        raise ValidationError(
            MSG_UNDO_APPLIED.format(
                entry=entry.pk, qty=format_quantity(entry.quantity), item=entry.item.no, **where
            )
        )


def _corrections(
    shipment_line: SalesShipmentLine, entries: list[ShipmentLineEntry]
) -> list[tuple[EntryToPost, str, ShipmentLineEntry]]:
    """The entries that reverse the line's, in BC's order: the sales first, then the assembly."""
    posting_date = shipment_line.header.posting_date

    def reverse(original: ShipmentLineEntry, **extra) -> EntryToPost:
        e = original.entry
        return EntryToPost(
            entry_type=e.entry_type,
            document_type=e.document_type,
            document_no=e.document_no,
            document_line_no=e.document_line_no,
            posting_date=posting_date,
            item=e.item,
            location=e.location,
            bin=e.bin,
            quantity=-e.quantity,
            description=e.description,
            correction=True,
            **extra,
        )

    by_role: dict[str, list[ShipmentLineEntry]] = defaultdict(list)
    for e in entries:
        by_role[e.role].append(e)
    result = [
        (reverse(e, applies_from=e.entry), ShipmentEntryRole.STOCK_SALE, e)
        for e in by_role[ShipmentEntryRole.STOCK_SALE]
    ]
    for sale, output in zip(
        by_role[ShipmentEntryRole.ATO_SALE], by_role[ShipmentEntryRole.OUTPUT], strict=True
    ):
        sale_back = reverse(sale, applies_from=sale.entry)
        result.append((sale_back, ShipmentEntryRole.ATO_SALE, sale))
        result.append((reverse(output, apply_to=sale_back), ShipmentEntryRole.OUTPUT, output))
    result += [
        (reverse(e, applies_from=e.entry), ShipmentEntryRole.CONSUMPTION, e)
        for e in by_role[ShipmentEntryRole.CONSUMPTION]
    ]
    return result


@operation()
def undo_shipment_line(*, shipment_line: SalesShipmentLine) -> SalesShipmentLine:
    """R-UNDO-1: reverse the posted shipment line (see the module doc); returns its reversing line."""
    shipment_line = SalesShipmentLine.objects.select_related("header").get(pk=shipment_line.pk)
    entries = _entries(shipment_line)  # append-only: what they touched is known before the locks
    header, lines, _ = lock_for_posting(
        shipment_line.header.order, extra_item_ids={e.entry.item_id for e in entries}
    )
    shipment_line = SalesShipmentLine.objects.select_related("header", "posted_assembly").get(
        pk=shipment_line.pk
    )  # read again under the order's lock: every writer of shipment lines holds it
    line = next(line for line in lines if line.pk == shipment_line.order_line_id)
    _refuse_unless_undoable(shipment_line, entries)
    posted = shipment_line.posted_assembly
    order = line.assembly_order
    ato = shipment_line.qty_assembled_to_order
    if ato > 0 and (posted is None or order is None or posted.order_id != order.pk):
        raise ValidationError(
            MSG_UNDO_RELINKED.format(
                line=shipment_line.line_no,
                no=shipment_line.header.no,
                order=posted.order_no if posted else "",
            )
        )
    planned = _corrections(shipment_line, entries)
    result = post_item_entries([p[0] for p in planned])
    written = dict(zip((id(p[0]) for p in planned), result.entries, strict=True))

    reversing = _write_reversing_line(shipment_line, planned, written)
    if posted is not None:
        PostedAssemblyHeader.objects.filter(pk=posted.pk).update(reversed=True)
    if ato > 0:
        _reopen_assembly(order, posted, ato)
    _restore_line(line, shipment_line, planned, written)
    return reversing


def _write_reversing_line(
    shipment_line: SalesShipmentLine,
    planned: list[tuple[EntryToPost, str, ShipmentLineEntry]],
    written: dict[int, ItemLedgerEntry],
) -> SalesShipmentLine:
    last = SalesShipmentLine.objects.filter(header=shipment_line.header).aggregate(m=Max("line_no"))["m"]
    reversing = SalesShipmentLine.objects.create(
        header=shipment_line.header,
        line_no=last + 10000,
        order_line=shipment_line.order_line,
        item=shipment_line.item,
        description=shipment_line.description,
        location=shipment_line.location,
        bin=shipment_line.bin,
        quantity=-shipment_line.quantity,
        qty_assembled_to_order=-shipment_line.qty_assembled_to_order,
        unit_price=shipment_line.unit_price,
        correction=True,
        reverses=shipment_line,
    )
    SalesShipmentLine.objects.filter(pk=shipment_line.pk).update(correction=True)
    shipment_line.correction = True
    ShipmentLineEntry.objects.bulk_create(
        ShipmentLineEntry(shipment_line=reversing, entry=written[id(e)], role=role) for e, role, _ in planned
    )
    return reversing


def _reopen_assembly(order, posted: PostedAssemblyHeader, ato: Decimal) -> None:
    """The linked order gets back the Remaining Quantity it assembled for the line, and its component
    lines what they consumed (the posted lines say how much, by line number)."""
    order.assembled_quantity -= ato
    order.save(update_fields=["assembled_quantity"])
    consumed = dict(posted.lines.values_list("line_no").annotate(q=Sum("quantity")))
    components = list(AssemblyLine.objects.filter(header=order, line_no__in=consumed))
    for component in components:
        component.consumed_quantity = max(component.consumed_quantity - consumed[component.line_no], ZERO)
    AssemblyLine.objects.bulk_update(components, ["consumed_quantity"])


def _restore_line(
    line: SalesLine,
    shipment_line: SalesShipmentLine,
    planned: list[tuple[EntryToPost, str, ShipmentLineEntry]],
    written: dict[int, ItemLedgerEntry],
) -> None:
    """Outstanding, Qty. to Ship (= Outstanding, R-SO-2), Qty. to Invoice, the linked order (Quantity to
    Assemble, binding: R-QTS-1, R-RES-1), and the reservations the shipped stock part had, on the entries
    that brought it back, never beyond what the line may hold (R-RES-2)."""
    line.quantity_shipped -= shipment_line.quantity
    line.qty_to_ship = line.outstanding_quantity
    line.init_qty_to_invoice()
    line.save(update_fields=["quantity_shipped", "qty_to_ship", "qty_to_invoice"])
    if line.assembly_order is not None:
        ato_link.sync_linked_assembly_order(line=line)
    if line.reserves_never:
        return
    linked_remaining = line.assembly_order.remaining_quantity if line.assembly_order else ZERO
    held = Reservation.objects.filter(sales_line=line, binding=False).total()
    room = line.outstanding_quantity - linked_remaining - held
    rows = []
    for e, role, original in planned:
        if role != ShipmentEntryRole.STOCK_SALE or original.reserved_quantity <= 0 or room <= 0:
            continue
        quantity = min(original.reserved_quantity, room)
        room -= quantity
        entry = written[id(e)]
        rows.append(
            Reservation(
                sales_line=line,
                item_ledger_entry=entry,
                item=entry.item,
                location=entry.location,
                quantity=quantity,
                created_by_id=acting_user_id(),  # R-AUD-1: the undo gives it back
            )
        )
    Reservation.objects.bulk_create(rows)
