"""Reserved quantity belongs to its demand (R-INV-2, R-INV-3, I-1, issue defect 1), and the posting
engine's fixed application and inbound corrections (R-RES-8, R-UNDO-1's floor)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.services import create_assembly_order, post_assembly_order
from inventory.models import Demand, ItemApplicationEntry, ItemJournalLine, ItemLedgerEntry, Reservation
from inventory.services.journal import post_item_journal
from inventory.services.posting import EntryToPost, InsufficientInventoryError, post_item_entries
from sales.services.lines import save_sales_line
from sales.services.reservations import SupplyType, reserve_from_current_line
from tests.factories import BinFactory, BOMComponentFactory, ItemFactory, UserFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def seed(db):
    return Seed()


def ledger_state():
    return (
        list(ItemLedgerEntry.objects.order_by("pk").values_list("pk", "quantity", "remaining_quantity")),
        list(ItemApplicationEntry.objects.order_by("pk").values_list("pk", "quantity")),
        list(Reservation.objects.order_by("pk").values_list("pk", "quantity", "item_ledger_entry_id")),
    )


def stock_line(seed: Seed, quantity=5):
    """A KIT line served from stock: Qty. to Assemble to Order 0, reserved from the 3 returned KIT."""
    header = seed.order()
    line = seed.line(header, quantity=quantity)
    line = save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(0)}).line
    reserve_from_current_line(line=line, supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    return line


def negative_adjustment(user, item, location, quantity):
    ItemJournalLine.objects.create(
        user=user,
        entry_type=ItemJournalLine.EntryType.NEGATIVE_ADJMT,
        posting_date=timezone.localdate(),
        item=item,
        location=location,
        quantity=D(quantity),
    )
    return post_item_journal(user=user)


def test_r_inv_2_negative_adjustment_cannot_take_a_sales_lines_reserved_units(seed):
    """Defect 1: the journal took the 3 KIT reserved for SO-00001 line 10000 and left the reservation
    on an entry with Remaining 0."""
    line = stock_line(seed)
    user = UserFactory()
    before = ledger_state()

    with pytest.raises(InsufficientInventoryError) as refused:
        negative_adjustment(user, seed.kit, seed.main, 3)

    message = str(refused.value)
    assert "You have insufficient quantity of Item KIT on inventory." in message
    assert f"3 of the 3 KIT at MAIN are reserved for sales order {line.header.no} line 10000." in message
    assert ledger_state() == before
    assert ItemJournalLine.objects.filter(user=user).count() == 1  # the journal keeps its line
    assert_reservation_invariants()


def test_r_inv_3_negative_adjustment_takes_only_the_unreserved_part(seed):
    stock_line(seed)  # reserves the 3 returned KIT
    post_stock(seed.kit, seed.main, 2)  # 2 more, free
    negative_adjustment(UserFactory(), seed.kit, seed.main, 2)

    reserved = Reservation.objects.get(item_ledger_entry__isnull=False)
    assert reserved.quantity == 3
    assert reserved.item_ledger_entry.remaining_quantity == 3
    assert_reservation_invariants()


def test_r_inv_2_stand_alone_assembly_cannot_consume_components_reserved_for_a_sales_line(seed):
    """Defect 1: posting a stand-alone assembly order consumed PART-A units reserved for a sales line."""
    header = seed.order()
    line = seed.line(header, item=seed.part_a, quantity=15)  # reserves 15 of the 20 PART-A
    reserve_from_current_line(line=line, supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    order = create_assembly_order(
        item=seed.kit, quantity=D(5), location=seed.main, due_date=timezone.localdate()
    )
    before = ledger_state()

    with pytest.raises(InsufficientInventoryError) as refused:
        post_assembly_order(order=order)  # needs 10 PART-A; only 5 are free

    assert "Item PART-A" in str(refused.value) and "5 missing" in str(refused.value)
    assert f"15 of the 20 PART-A at MAIN are reserved for sales order {header.no} line 10000." in str(
        refused.value
    )
    assert ledger_state() == before


def test_r_inv_2_a_posting_for_the_demand_takes_its_reserved_entries_first_and_consumes_them(seed):
    """The stock part of a line: its reserved entry goes first (not the older free one), and the
    reservation it took is consumed in the same write (R-RES-8)."""
    older_free = ItemLedgerEntry.objects.get(item=seed.kit)  # the 3 returned KIT
    newer = post_stock(seed.kit, seed.main, 4)
    header = seed.order()
    line = save_sales_line(
        header=header, line=seed.line(header, quantity=4), values={"qty_to_assemble_to_order": D(0)}
    ).line
    Reservation.objects.create(
        sales_line=line, item_ledger_entry=newer, item=seed.kit, location=seed.main, quantity=D(4)
    )
    result = post_item_entries(
        [
            EntryToPost(
                entry_type=ItemLedgerEntry.EntryType.SALE,
                document_type=ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
                document_no="TEST-SHIP",
                posting_date=timezone.localdate(),
                item=seed.kit,
                location=seed.main,
                bin=None,
                quantity=D(-4),
                demand=Demand(sales_line_id=line.pk),
            )
        ]
    )

    [sale] = result.entries
    assert [(a.inbound_entry.pk, a.quantity) for a in result.taken_by(sale)] == [(newer.pk, 4)]
    assert [(c.reservation_id is not None, c.quantity) for c in result.consumed] == [(True, 4)]
    assert not Reservation.objects.filter(sales_line=line, item_ledger_entry__isnull=False).exists()
    older_free.refresh_from_db()
    assert older_free.remaining_quantity == 3


def test_apply_to_fixes_the_inbound_entry_and_applies_from_returns_at_the_reversed_cost(seed):
    """Fixed application (an ATO sale applied to its output) and an inbound correction fixed to the
    outbound entry it reverses, at that entry's cost, never more than it took out."""
    cheap = post_stock(seed.part_b, seed.main, 5)  # cost 40.00 each (the factory's Unit Cost)
    dear = post_item_entries(
        [
            EntryToPost(
                entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                document_no="T",
                posting_date=timezone.localdate(),
                item=seed.part_b,
                location=seed.main,
                bin=None,
                quantity=D(2),
                unit_cost=D("55.00"),
            )
        ]
    ).entries[0]
    common = {
        "document_type": ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
        "document_no": "T2",
        "posting_date": timezone.localdate(),
        "item": seed.part_b,
        "location": seed.main,
        "bin": None,
    }
    [out] = post_item_entries(
        [EntryToPost(entry_type=ItemLedgerEntry.EntryType.SALE, quantity=D(-2), apply_to=dear, **common)]
    )
    assert list(out.applications_out.values_list("inbound_entry", "quantity")) == [(dear.pk, 2)]
    assert out.cost_amount == D("-110.00")
    cheap.refresh_from_db()
    assert cheap.remaining_quantity == 5  # FIFO would have taken the older, cheaper entry

    [back] = post_item_entries(
        [EntryToPost(entry_type=ItemLedgerEntry.EntryType.SALE, quantity=D(1), applies_from=out, **common)]
    )
    assert (back.applies_from_entry_id, back.cost_amount, back.remaining_quantity) == (out.pk, D("55.00"), 1)
    with pytest.raises(ValidationError, match="took out 2; 1 of it has already come back"):
        post_item_entries(
            [
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.SALE, quantity=D(2), applies_from=out, **common
                )
            ]
        )


def test_r_asm_2_consumption_takes_the_line_bin_then_other_bins_with_free_content():
    """The inventory bin function: the line's bin first, then the location's other bins (oldest first),
    skipping what another demand reserved (R-ASM-2, R-BIN-3, R-INV-2)."""
    from assembly.models import AssemblyHeader

    seed = Seed(stock=False)
    shelf_1 = BinFactory(code="S-01")
    location = shelf_1.location
    to_asm = BinFactory(location=location, code="TO-ASM")
    shelf_2 = BinFactory(location=location, code="S-02")
    location.to_assembly_bin = to_asm
    location.from_assembly_bin = BinFactory(location=location, code="FROM-ASM")
    location.save()
    component = ItemFactory(no="PART-C")
    parent = ItemFactory(no="SUB", assemble_to_stock=True)
    BOMComponentFactory(parent_item=parent, component_item=component, quantity_per=D(1))
    post_stock(component, location, 2, bin=to_asm)
    post_stock(component, location, 3, bin=shelf_1)
    reserved = post_stock(component, location, 4, bin=shelf_2)
    header = seed.order(location=location)
    line = save_sales_line(
        header=header, values={"item": component, "quantity": D(4), "location": location}
    ).line
    Reservation.objects.create(
        sales_line=line, item_ledger_entry=reserved, item=component, location=location, quantity=D(3)
    )
    order = create_assembly_order(
        item=parent, quantity=D(6), location=location, due_date=timezone.localdate()
    )
    post_assembly_order(order=order)

    taken = ItemLedgerEntry.objects.filter(
        entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_CONSUMPTION, document_no=order.postings.get().no
    ).order_by("pk")
    assert [(e.bin.code, e.quantity) for e in taken] == [("TO-ASM", -2), ("S-01", -3), ("S-02", -1)]
    assert AssemblyHeader.objects.get(pk=order.pk).assembled_quantity == 6
    assert Reservation.objects.get(item_ledger_entry=reserved).quantity == 3  # still fully backed


# --- several demands, several entries in one posting (found in review) ----------------------


def _out(seed, qty, demand=None, apply_to=None):
    return EntryToPost(
        entry_type=ItemLedgerEntry.EntryType.SALE,
        document_type=ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
        document_no="X",
        posting_date=timezone.localdate(),
        item=seed.part_a,
        location=seed.main,
        bin=None,
        quantity=D(-qty),
        demand=demand,
        apply_to=apply_to,
    )


def _lines(seed, n):
    header = seed.order()
    return [seed.line(header, item=seed.part_a, quantity=5) for _ in range(n)]


def test_multi_demand_multi_entry_consumption():
    seed = Seed(stock=False)
    e1 = post_stock(seed.part_a, seed.main, 4)
    e2 = post_stock(seed.part_a, seed.main, 6)
    a, b = _lines(seed, 2)
    Reservation.objects.create(
        sales_line=a, item_ledger_entry=e2, item=seed.part_a, location=seed.main, quantity=D(3)
    )
    Reservation.objects.create(
        sales_line=b, item_ledger_entry=e1, item=seed.part_a, location=seed.main, quantity=D(2)
    )
    Reservation.objects.create(
        sales_line=b, item_ledger_entry=e2, item=seed.part_a, location=seed.main, quantity=D(1)
    )
    da, db_ = Demand(sales_line_id=a.pk), Demand(sales_line_id=b.pk)
    result = post_item_entries([_out(seed, 2, da), _out(seed, 2, db_), _out(seed, 2, da), _out(seed, 1, db_)])
    assert not Reservation.objects.filter(item_ledger_entry__isnull=False).exists()
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert e1.remaining_quantity + e2.remaining_quantity == 3
    assert sum(c.quantity for c in result.consumed) == 6


def test_shortage_message_blames_the_demands_own_reservation():
    seed = Seed(stock=False)
    e1 = post_stock(seed.part_a, seed.main, 10)
    a, b = _lines(seed, 2)
    Reservation.objects.create(
        sales_line=a, item_ledger_entry=e1, item=seed.part_a, location=seed.main, quantity=D(4)
    )
    Reservation.objects.create(
        sales_line=b, item_ledger_entry=e1, item=seed.part_a, location=seed.main, quantity=D(6)
    )
    with pytest.raises(InsufficientInventoryError) as exc:
        post_item_entries(
            [_out(seed, 5, Demand(sales_line_id=a.pk)), _out(seed, 7, Demand(sales_line_id=b.pk))]
        )
    second = exc.value.messages[1]
    assert f"line {b.line_no} (" not in second and f"line {b.line_no}." not in second, second
