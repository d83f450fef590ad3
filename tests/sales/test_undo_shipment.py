"""Undo Shipment (spec 11: R-UNDO-1): fixed-applied corrections, the linked order and the line restored,
and BC's refusals, each of which changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader, AssemblyStatus, PostedAssemblyHeader
from inventory.models import ItemApplicationEntry, ItemLedgerEntry, Reservation
from sales.models import SalesLine, SalesShipmentLine, ShipmentEntryRole
from sales.services.ato_link import MSG_LINK_KEPT
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.lines import MSG_DELETE_UNDONE_SHIPMENT, delete_sales_line, save_sales_line
from sales.services.orders import reopen_sales_order
from sales.services.reservations import reserved_quantity
from sales.services.shipping import post_shipment
from sales.services.undo import (
    MSG_UNDO_APPLIED,
    MSG_UNDO_DONE,
    MSG_UNDO_INVOICED,
    MSG_UNDO_REVERSING,
    undo_shipment_line,
)
from tests.factories import post_stock
from tests.sales.test_invoicing import invoicing_world
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh
from tests.sales.test_shipping import on_hand, seed_steps_1_to_5

pytestmark = pytest.mark.django_db
D = Decimal
Type = ItemLedgerEntry.EntryType


def balances(seed) -> dict:
    return {item.no: on_hand(item) for item in (seed.kit, seed.part_a, seed.part_b)}


def test_undo_of_the_seed_combination_line_restores_everything(seed):
    """R-UNDO-1 on the seed line (7 assembled to order + 3 from stock): exact balances, the assembly
    order's Remaining 7 and binding 7, the line's Outstanding 10 and Reserved Quantity 10, corrections
    fixed-applied at the original cost."""
    header, line = seed_steps_1_to_5(seed)
    before = balances(seed)
    shipment = post_shipment(header=header)
    [shipped] = shipment.lines.all()
    originals = {e.role: e.entry for e in shipped.entries.select_related("entry") if e.role != "CONSUMPTION"}
    consumption = [e.entry for e in shipped.entries.select_related("entry") if e.role == "CONSUMPTION"]

    reversing = undo_shipment_line(shipment_line=shipped)

    assert balances(seed) == before
    shipped.refresh_from_db()
    assert shipped.correction and reversing.correction and reversing.reverses_id == shipped.pk
    assert (reversing.quantity, reversing.qty_assembled_to_order) == (-10, -7)
    back = {e.role: e.entry for e in reversing.entries.select_related("entry")}
    written = list(ItemLedgerEntry.objects.filter(pk__in=reversing.entries.values("entry")))
    assert sorted((e.item.no, e.get_entry_type_display(), e.quantity) for e in written) == [
        ("KIT", "Assembly Output", -7),
        ("KIT", "Sale", 3),
        ("KIT", "Sale", 7),
        ("PART-A", "Assembly Consumption", 14),
        ("PART-B", "Assembly Consumption", 7),
    ]
    assert all(e.correction for e in written)
    # Fixed application, never FIFO: each correction names the entry it reverses ...
    stock_back = next(e for e in written if e.entry_type == Type.SALE and e.quantity == 3)
    ato_back = next(e for e in written if e.entry_type == Type.SALE and e.quantity == 7)
    assert stock_back.applies_from_entry_id == originals["STOCK_SALE"].pk
    assert ato_back.applies_from_entry_id == originals["ATO_SALE"].pk
    assert sorted(
        e.applies_from_entry_id for e in written if e.entry_type == Type.ASSEMBLY_CONSUMPTION
    ) == sorted(e.pk for e in consumption)
    # ... and the negative output is applied to the ATO sale's correction.
    negative_output = back["OUTPUT"]
    assert list(
        ItemApplicationEntry.objects.filter(outbound_entry=negative_output).values_list(
            "inbound_entry", "quantity"
        )
    ) == [(ato_back.pk, 7)]
    ato_back.refresh_from_db()
    assert ato_back.remaining_quantity == 0
    # The cost of the reversed entries equals the original's.
    for original in [*originals.values(), *consumption]:
        correction = (
            ItemLedgerEntry.objects.get(applies_from_entry=original) if original.quantity < 0 else None
        )
        if correction is not None:
            assert correction.cost_amount == -original.cost_amount
    assert negative_output.cost_amount == -originals["OUTPUT"].cost_amount
    # The linked order: Remaining 7, binding 7; its Posted Assembly Order marked Reversed.
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    assert (order.remaining_quantity, order.quantity_to_assemble) == (7, 7)
    assert Reservation.objects.get(assembly_order=order, binding=True).quantity == 7
    assert list(order.lines.values_list("consumed_quantity", flat=True)) == [0, 0]
    assert PostedAssemblyHeader.objects.get(pk=shipped.posted_assembly_id).reversed
    # The line: Outstanding 10, Qty. to Ship 10, Reserved Quantity 10 (3 on the entry that came back).
    line = fresh(line)
    assert (line.quantity_shipped, line.outstanding_quantity, line.qty_to_ship, line.qty_to_invoice) == (
        0,
        10,
        10,
        10,
    )
    assert reserved_quantity(line) == 10
    assert (
        Reservation.objects.get(sales_line=line, item_ledger_entry__isnull=False).item_ledger_entry_id
        == stock_back.pk
    )
    assert_reservation_invariants()


def test_ship_again_after_undo_takes_the_returned_units(seed):
    header, line = seed_steps_1_to_5(seed)
    before = balances(seed)
    [shipped] = post_shipment(header=header).lines.all()
    undo_shipment_line(shipment_line=shipped)
    [again] = post_shipment(header=header).lines.all()
    assert (again.quantity, again.qty_assembled_to_order) == (10, 7)
    assert balances(seed) == {"KIT": 0, "PART-A": before["PART-A"] - 14, "PART-B": before["PART-B"] - 7}
    assert not Reservation.objects.filter(sales_line=line).exists()
    assert_reservation_invariants()


def test_a_second_undo_is_refused_and_changes_nothing(seed):
    header, _ = seed_steps_1_to_5(seed)
    [shipped] = post_shipment(header=header).lines.all()
    reversing = undo_shipment_line(shipment_line=shipped)
    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        undo_shipment_line(shipment_line=shipped)
    assert refused.value.messages == [MSG_UNDO_DONE.format(line=shipped.line_no, no=shipped.header.no)]
    with pytest.raises(ValidationError) as refused:
        undo_shipment_line(shipment_line=reversing)
    assert refused.value.messages == [MSG_UNDO_REVERSING.format(line=reversing.line_no, no=shipped.header.no)]
    assert invoicing_world() == before


def test_undo_after_invoicing_is_refused_and_changes_nothing(seed):
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D(4))
    post_shipment(header=header)
    [shipped] = SalesShipmentLine.objects.filter(order_line=line)
    post_sales_order(header=header, choice=PostChoice.INVOICE)
    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        undo_shipment_line(shipment_line=shipped)
    assert refused.value.messages == [MSG_UNDO_INVOICED]
    assert invoicing_world() == before


def test_undo_when_the_output_was_applied_elsewhere_is_refused_and_writes_nothing(seed):
    """R-UNDO-1: an entry the undo must reverse (the Assembly Output) has been applied to an entry this
    shipment did not write. Our postings never do that (the output goes to its sale at once); the
    application is written here as a data fix or an import could have, and the undo must not
    reverse on top of it."""
    header, _ = seed_steps_1_to_5(seed)
    [shipped] = post_shipment(header=header).lines.all()
    output = shipped.entries.get(role=ShipmentEntryRole.OUTPUT).entry
    post_stock(seed.kit, seed.main, 1)
    other = ItemLedgerEntry.objects.create(
        posting_date=output.posting_date,
        entry_type=Type.NEGATIVE_ADJMT,
        document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
        document_no="IJ-FIX",
        item=seed.kit,
        location=seed.main,
        quantity=D(-1),
    )
    ItemApplicationEntry.objects.create(outbound_entry=other, inbound_entry=output, quantity=D(1))
    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        undo_shipment_line(shipment_line=shipped)
    assert refused.value.messages == [
        MSG_UNDO_APPLIED.format(
            line=shipped.line_no, no=shipped.header.no, entry=output.pk, qty="7", item="KIT"
        )
    ]
    assert invoicing_world() == before


def test_undo_of_a_partial_shipment_gives_back_only_its_part(seed):
    """Ship 4 of the seed line (4 assembled: ATO units ship first, R-QTS-1), ship the rest, undo the
    first: the order's Remaining and the line's Outstanding grow by exactly that shipment's part."""
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D(4))
    [first] = post_shipment(header=header).lines.all()
    assert (first.quantity, first.qty_assembled_to_order) == (4, 4)
    [second] = post_shipment(header=header).lines.all()
    assert (second.quantity, second.qty_assembled_to_order) == (6, 3)
    undo_shipment_line(shipment_line=first)
    line = fresh(line)
    order = line.assembly_order
    assert (line.quantity_shipped, line.qty_to_ship, order.remaining_quantity) == (6, 4, 4)
    assert reserved_quantity(line) == 4  # the binding: nothing of the stock part was in the first
    assert_reservation_invariants()
    assert SalesLine.objects.get(pk=line.pk).quantity_shipped == 6


def test_after_undo_the_ato_part_can_go_to_stock_and_the_assembly_order_is_kept_as_history(seed):
    """X-7 with R-LINK-2 after R-UNDO-1: Qty. to Assemble to Order 0 would delete the linked order, but
    its (undone) posted assembly order keeps it: it is unlinked, set to 0 and Completed, never a 500."""
    header, line = seed_steps_1_to_5(seed)
    [shipped] = post_shipment(header=header).lines.all()
    undo_shipment_line(shipment_line=shipped)
    reopen_sales_order(header=header)
    order_pk = fresh(line).assembly_order_id
    result = save_sales_line(
        header=header, line=fresh(line), values={"qty_to_assemble_to_order": D(0)}, confirm_reopen=True
    )
    assert result.messages == [MSG_LINK_KEPT.format(no=AssemblyHeader.objects.get(pk=order_pk).no)]
    order = AssemblyHeader.objects.get(pk=order_pk)
    assert (order.quantity, order.status, order.is_linked) == (0, AssemblyStatus.COMPLETED, False)
    assert not Reservation.objects.filter(assembly_order=order).exists()
    assert fresh(line).assembly_order_id is None
    assert_reservation_invariants()


def test_r_undo_1_a_line_whose_shipments_were_all_undone_is_not_deleted(seed):
    """R-SO-3, R-UNDO-1: Quantity Shipped is 0 again after Undo, but the posted (undone) shipment
    lines name the sales line: deleting it is refused with a message, nothing changed (it used to end
    in ProtectedError, a 500, I-6). For a stock line and for the seed's combination line."""
    header, line = seed_steps_1_to_5(seed)
    reopen_sales_order(header=header)
    stock_line = seed.line(header, quantity=1, qty_to_assemble_to_order=D(0))
    post_stock(seed.kit, seed.main, 1)
    [*shipped] = post_shipment(header=header).lines.order_by("line_no")
    for shipment_line in shipped:
        undo_shipment_line(shipment_line=shipment_line)
    reopen_sales_order(header=header)
    before = invoicing_world()
    for sales_line in (stock_line, line):
        assert fresh(sales_line).quantity_shipped == 0
        with pytest.raises(ValidationError) as refused:
            delete_sales_line(line=fresh(sales_line))
        assert refused.value.messages == [MSG_DELETE_UNDONE_SHIPMENT.format(no=shipped[0].header.no)]
        assert invoicing_world() == before
