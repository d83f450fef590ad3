"""Post (Ship): assembly consumption and output, then the sale, in one posting (spec 11, 15 step 6;
R-QTS-1, R-QTS-2, R-POST-1..5, R-RES-8, X-2, X-5, I-5)."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader, PostedAssemblyHeader
from assembly.services import update_assembly_order
from inventory.models import ItemApplicationEntry, ItemLedgerEntry, Reservation
from inventory.services.posting import InsufficientInventoryError
from sales.models import SalesLine, SalesShipmentHeader, SalesShipmentLine, ShipmentLineEntry
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line, reserve_from_supply
from sales.services.shipping import MSG_NOTHING_TO_POST, post_shipment, preview_shipment, shipment_summary
from tests.factories import BinFactory, BOMComponentFactory, ItemFactory, LocationFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh

pytestmark = pytest.mark.django_db
D = Decimal
ILE = SupplyType.ITEM_LEDGER_ENTRY


def on_hand(item, location=None, bin=None) -> Decimal:
    entries = ItemLedgerEntry.objects.filter(item=item)
    if location is not None:
        entries = entries.filter(location=location)
    if bin is not None:
        entries = entries.filter(bin=bin)
    return entries.inventory()


def world() -> tuple:
    """Everything a refused posting must leave as it was (I-5)."""
    return (
        list(ItemLedgerEntry.objects.order_by("pk").values_list("pk", "quantity", "remaining_quantity")),
        list(ItemApplicationEntry.objects.order_by("pk").values_list("pk", "quantity")),
        list(
            Reservation.objects.order_by("pk").values_list(
                "pk", "quantity", "item_ledger_entry", "assembly_order"
            )
        ),
        list(
            SalesLine.objects.order_by("pk").values_list(
                "pk", "quantity_shipped", "qty_to_ship", "qty_to_assemble_to_order", "qty_to_invoice"
            )
        ),
        list(
            AssemblyHeader.objects.order_by("pk").values_list(
                "pk", "assembled_quantity", "quantity_to_assemble"
            )
        ),
        list(SalesShipmentHeader.objects.values_list("pk")),
        list(PostedAssemblyHeader.objects.values_list("pk")),
    )


def seed_steps_1_to_5(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)  # step 1
    line = edit(line, qty_to_assemble_to_order=D(7))  # step 3
    reserve_from_current_line(line=fresh(line), supply_type=ILE)  # step 4
    release_sales_order(header=header)  # step 5
    return header, line


def test_seed_step_6_post_ship_writes_consumption_output_and_both_sales(seed):
    """Spec 15 step 6, exactly."""
    header, line = seed_steps_1_to_5(seed)
    returned = ItemLedgerEntry.objects.get(item=seed.kit, entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT)

    shipment = post_shipment(header=header)

    written = ItemLedgerEntry.objects.filter(pk__in=shipment.lines.get().entries.values("entry"))
    assert sorted((e.item.no, e.get_entry_type_display(), e.quantity) for e in written) == [
        ("KIT", "Assembly Output", 7),
        ("KIT", "Sale", -7),
        ("KIT", "Sale", -3),
        ("PART-A", "Assembly Consumption", -14),
        ("PART-B", "Assembly Consumption", -7),
    ]
    stock_sale = written.get(item=seed.kit, quantity=-3)
    assert list(stock_sale.applications_out.values_list("inbound_entry", flat=True)) == [
        returned.pk
    ]  # the 3 reserved
    ato_sale = written.get(item=seed.kit, quantity=-7)
    output = written.get(entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT)
    assert list(ato_sale.applications_out.values_list("inbound_entry", flat=True)) == [output.pk]
    assert (on_hand(seed.kit), on_hand(seed.part_a), on_hand(seed.part_b)) == (0, 6, 3)
    assert (
        not ItemLedgerEntry.objects.filter(item=seed.kit).open().exists()
    )  # both KIT inbound at Remaining 0
    line = SalesLine.objects.with_reserved_quantity().get(pk=line.pk)
    assert (line.quantity_shipped, line.qty_to_ship, line.reserved_quantity) == (10, 0, 0)
    assert not Reservation.objects.filter(sales_line=line).exists()
    [shipment_line] = shipment.lines.all()
    assert (shipment_line.quantity, shipment_line.qty_assembled_to_order) == (10, 7)
    posted = shipment_line.posted_assembly
    assert posted.quantity == 7 and posted.assemble_to_order
    assert sorted(posted.lines.values_list("item__no", "quantity")) == [("PART-A", 14), ("PART-B", 7)]
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    assert (order.remaining_quantity, order.assembled_quantity) == (0, 7)
    assert output.cost_amount == -(
        written.get(item=seed.part_a).cost_amount + written.get(item=seed.part_b).cost_amount
    )
    assert_reservation_invariants()


def test_confirmation_says_what_will_ship(seed):
    header, _ = seed_steps_1_to_5(seed)
    summary, fingerprint = shipment_summary(header=header)
    assert summary == ["Ship 10 KIT: 7 assembled to order, 3 from stock"]
    assert fingerprint


def test_x_5_preview_and_posting_write_identical_entries(seed):
    header, _ = seed_steps_1_to_5(seed)
    before = world()
    preview = preview_shipment(header=header)
    assert world() == before  # the preview writes nothing
    shipment = post_shipment(header=header)

    def key(e):
        return (e.item_id, e.location_id, e.bin_id, e.entry_type, e.quantity, e.cost_amount)

    posted = ItemLedgerEntry.objects.filter(
        pk__in=ShipmentLineEntry.objects.filter(shipment_line__header=shipment).values("entry")
    )
    assert sorted(map(key, preview.result.entries)) == sorted(map(key, posted))


# --- R-QTS-1, R-QTS-2, partial shipments ------------------------------------------------------------


def test_r_qts_2_example_quantity_10_ato_7_qty_to_ship_4(seed):
    """Default 4, allowed 1 to 4, the error naming both bounds and where they come from."""
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    line = edit(line, qty_to_ship=D(4))
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    assert order.quantity_to_assemble == 4
    with pytest.raises(ValidationError) as refused:
        update_assembly_order(order=order, quantity_to_assemble=D(0))
    assert refused.value.message_dict["quantity_to_assemble"] == [
        f"Quantity to Assemble must be between 1 and 4: the bounds come from Qty. to Ship 4 "
        f"on sales order {header.no} line 10000."
    ]
    update_assembly_order(order=order, quantity_to_assemble=D(1))
    release_sales_order(header=header)
    shipment = post_shipment(header=header)
    assert shipment.lines.get().qty_assembled_to_order == 1  # 1 assembled, 3 from stock
    assert on_hand(seed.kit) == 0 and on_hand(seed.part_a) == 18


def test_partial_shipments_in_three_postings_ship_the_ato_units_first(seed):
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    reserve_from_current_line(line=fresh(line), supply_type=ILE)
    release_sales_order(header=header)
    shipped = []
    for qty in (4, 4, 2):
        line = edit(fresh(line), qty_to_ship=D(qty))
        shipment = post_shipment(header=header)
        shipped.append((shipment.lines.get().quantity, shipment.lines.get().qty_assembled_to_order))
        assert_reservation_invariants()
    assert shipped == [(4, 4), (4, 3), (2, 0)]  # R-QTS-1: ATO units ship first
    line = fresh(line)
    assert (line.quantity_shipped, line.qty_to_ship) == (10, 0)
    assert AssemblyHeader.objects.get(pk=line.assembly_order_id).assembled_quantity == 7
    assert (on_hand(seed.kit), on_hand(seed.part_a), on_hand(seed.part_b)) == (0, 6, 3)
    with pytest.raises(ValidationError, match=MSG_NOTHING_TO_POST):
        post_shipment(header=header)


def test_x_2_stand_alone_stock_line_ships_from_its_reserved_entries_in_two_bins():
    seed = Seed(stock=False)
    location = LocationFactory(code="WH", bin_mandatory=True)
    shelf_1, shelf_2, shelf_3 = (BinFactory(location=location, code=f"S-0{n}") for n in (1, 2, 3))
    item = ItemFactory(no="CHAIR")
    post_stock(item, location, 5, bin=shelf_3)  # oldest, free: FIFO would start here
    post_stock(item, location, 4, bin=shelf_1)
    post_stock(item, location, 2, bin=shelf_2)
    header = seed.order(location=location)
    line = edit(seed.line(header, item=item, quantity=6, location=location), bin=shelf_3)
    # The user reserved the newer entries in S-01 and S-02 (Available to Reserve, one entry each).
    e1 = ItemLedgerEntry.objects.get(item=item, bin=shelf_1)
    e2 = ItemLedgerEntry.objects.get(item=item, bin=shelf_2)
    reserve_from_supply(line=fresh(line), supply_type=ILE, supply_pk=e1.pk, quantity=D(4))
    reserve_from_supply(line=fresh(line), supply_type=ILE, supply_pk=e2.pk, quantity=D(2))
    release_sales_order(header=header)

    shipment = post_shipment(header=header)

    sales = ItemLedgerEntry.objects.filter(document_no=shipment.no).order_by("pk")
    assert [(e.bin.code, e.quantity) for e in sales] == [("S-01", -4), ("S-02", -2)]  # one Sale per bin
    assert on_hand(item, bin=shelf_3) == 5
    assert not Reservation.objects.filter(sales_line=line).exists()


# --- refusals: all or nothing -------------------------------------------------------------------


def test_r_post_3_component_shortage_refuses_everything(seed):
    header = seed.order()
    seed.line(header, quantity=12)  # needs 24 PART-A; 20 are there
    release_sales_order(header=header, confirm_shortage=True)
    before = world()
    with pytest.raises(InsufficientInventoryError) as refused:
        post_shipment(header=header)
    assert (
        "You have insufficient quantity of Item PART-A on inventory. Location MAIN, Bin (none): 4 missing."
        in str(refused.value)
    )
    assert world() == before


def test_r_post_5_a_second_post_of_the_same_confirmation_posts_nothing(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    line = edit(line, qty_to_ship=D(4))
    _, fingerprint = shipment_summary(header=header)
    post_shipment(header=header, expect=fingerprint)
    before = world()
    with pytest.raises(ValidationError, match="has changed since you chose to post it"):
        post_shipment(
            header=header, expect=fingerprint
        )  # the double click: 6 are left, not what was confirmed
    assert world() == before


def test_r_post_1_an_open_order_is_released_first(seed):
    header = seed.order()
    seed.line(header, quantity=2)
    post_shipment(header=header)
    header.refresh_from_db()
    assert header.is_released


def test_r_pick_1_post_ship_is_refused_at_a_require_pick_location(silver):
    header = silver.order()
    line = edit(silver.line(header, quantity=1), bin=silver.ato_ship)
    before = world()
    with pytest.raises(
        ValidationError, match="requires a pick: ship line 10000 of sales order .* with Create Inventory Pick"
    ):
        post_shipment(header=header)
    assert world() == before
    assert fresh(line).quantity_shipped == 0


# The engine writes all of a shipment's entries (consumption, output, the ATO sale, the stock sales) in
# one insert; the steps after it are where a posting could be left half done.
WRITE_STEPS = [
    ("inventory.services.posting.ItemLedgerEntry.objects.bulk_create", "the ledger entries"),
    ("inventory.services.posting.ItemApplicationEntry.objects.bulk_create", "the application entries"),
    ("inventory.models.ItemLedgerEntryQuerySet._lower_remaining", "the inbound entries' Remaining Quantity"),
    ("inventory.services.posting._write_reservations", "the consumed reservations"),
    ("sales.services.shipping.SalesShipmentHeader.objects.create", "the shipment header"),
    ("assembly.services.PostedAssemblyHeader.objects.create", "the posted assembly order"),
    ("assembly.services.AssemblyLine.objects.bulk_update", "the component lines' consumed quantities"),
    ("sales.services.shipping.SalesShipmentLine.objects.bulk_create", "the shipment lines"),
    ("sales.services.shipping.ShipmentLineEntry.objects.bulk_create", "which entries each line wrote"),
    ("sales.services.shipping.SalesLine.objects.bulk_update", "the lines' quantities"),
    ("sales.services.ato_link.sync_linked_assembly_order", "the linked order's sync"),
]


@pytest.mark.parametrize(("target", "step"), WRITE_STEPS, ids=[s for _, s in WRITE_STEPS])
def test_i_5_a_failure_at_any_write_step_leaves_everything_as_it_was(seed, target, step):
    """Fault injection: the posting fails at each write in turn; nothing is half posted."""
    header, _ = seed_steps_1_to_5(seed)
    before = world()
    with (
        mock.patch(target, side_effect=RuntimeError(f"injected failure at {step}")),
        pytest.raises(RuntimeError),
    ):
        post_shipment(header=header)
    assert world() == before


# --- queries ---------------------------------------------------------------------------------------


def test_posting_50_lines_costs_a_fixed_number_of_queries_per_line(seed, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    part_c = ItemFactory(no="PART-C")  # the order: ATO lines of 3 components each
    BOMComponentFactory(parent_item=seed.kit, component_item=part_c, quantity_per=D(1))
    for component in (seed.part_a, seed.part_b, part_c):
        post_stock(component, seed.main, 10000)
    post_stock(seed.kit, seed.main, 1000)
    counts = {}
    for n in (10, 50):
        header = seed.order()
        for k in range(n):
            line = seed.line(header, quantity=2)  # half ATO (2 components), half from stock
            if k % 2:
                edit(line, qty_to_assemble_to_order=D(0))
        release_sales_order(header=header)
        with CaptureQueriesContext(connection) as run:
            post_shipment(header=header)
        counts[n] = len(run)
    per_line = (counts[50] - counts[10]) / 40
    print(f"queries: {counts}, per line {per_line}")
    assert per_line <= 12, counts  # a ceiling per line, no query per entry or per reservation
    assert counts[50] <= 50 * 12 + 40, counts
    assert SalesShipmentLine.objects.count() == 60
