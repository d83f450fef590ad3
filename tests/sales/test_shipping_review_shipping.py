"""Review 2: failing reproductions against spec sections 10-15 and issue 8."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader
from assembly.services import create_assembly_order, delete_assembly_line, reopen_assembly_order
from inventory.models import ItemLedgerEntry, Reservation
from sales.models import SalesShipmentHeader
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line, reserve_from_supply
from sales.services.shipping import post_shipment, preview_shipment, shipment_summary
from tests.factories import BinFactory, ItemFactory, LocationFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import edit, fresh

pytestmark = pytest.mark.django_db
D = Decimal
ILE = SupplyType.ITEM_LEDGER_ENTRY


def reserved(line) -> Decimal:
    return Reservation.objects.filter(sales_line_id=line.pk).total()


def test_r_post_5_double_click_of_a_partial_shipment_posts_twice(seed):
    """Quantity 8 from stock, Qty. to Ship 4: after the first post Qty. to Ship is 4 again, so the
    fingerprint of the confirmation matches and the double click ships 4 more."""
    post_stock(seed.kit, seed.main, 10)
    header = seed.order()
    line = edit(seed.line(header, quantity=8), qty_to_assemble_to_order=D(0))
    line = edit(line, qty_to_ship=D(4))
    _, fingerprint = shipment_summary(header=header)
    post_shipment(header=header, expect=fingerprint)
    with pytest.raises(ValidationError):  # the double click / retry / second tab
        post_shipment(header=header, expect=fingerprint)
    assert fresh(line).quantity_shipped == 4
    assert SalesShipmentHeader.objects.count() == 1


def test_x_2_r_res_8_stock_part_takes_reserved_bins_first_no_reservation_left(db):
    """Reserved 3 in S-02 and 2 in S-03; S-02 also holds 10 older free units. The plan takes all 5
    from S-02 (the free ones too), so the reservation in S-03 is left on a fully shipped line (I-3)."""
    seed = Seed(stock=False)
    location = LocationFactory(code="WH", bin_mandatory=True)
    s1, s2, s3 = (BinFactory(location=location, code=f"S-0{n}") for n in (1, 2, 3))
    item = ItemFactory(no="CHAIR")
    post_stock(item, location, 10, bin=s2)  # oldest, free
    post_stock(item, location, 3, bin=s2)
    post_stock(item, location, 2, bin=s3)
    header = seed.order(location=location)
    line = edit(seed.line(header, item=item, quantity=5, location=location), bin=s1)
    e2 = ItemLedgerEntry.objects.get(item=item, bin=s2, quantity=3)
    e3 = ItemLedgerEntry.objects.get(item=item, bin=s3)
    reserve_from_supply(line=fresh(line), supply_type=ILE, supply_pk=e2.pk, quantity=D(3))
    reserve_from_supply(line=fresh(line), supply_type=ILE, supply_pk=e3.pk, quantity=D(2))
    release_sales_order(header=header)

    shipment = post_shipment(header=header)

    sales = ItemLedgerEntry.objects.filter(document_no=shipment.no).order_by("pk")
    line = fresh(line)
    assert line.outstanding_quantity == 0
    assert reserved(line) == 0, [(e.bin.code, e.quantity) for e in sales]  # I-3, R-RES-8
    assert sorted((e.bin.code, e.quantity) for e in sales) == [("S-02", -3), ("S-03", -2)]


def test_i_3_r_res_8_reservation_on_an_assembly_order_survives_the_shipment(db):
    """A stock line reserved against a stand-alone assembly order ships from free inventory: the
    reservation on the assembly order stays, Σ reservations 5 > Outstanding 0 (I-3)."""
    seed = Seed(stock=False)
    item = ItemFactory(no="DESK", assemble_to_stock=True)
    from tests.factories import BOMComponentFactory

    BOMComponentFactory(parent_item=item, component_item=seed.part_a, quantity_per=D(1))
    header = seed.order()
    line = seed.line(header, item=item, quantity=5)
    order = create_assembly_order(item=item, quantity=D(5), location=seed.main, due_date=header.shipment_date)
    reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ASSEMBLY_ORDER)
    assert reserved(line) == 5
    post_stock(item, seed.main, 5)  # stock arrives some other way (a return)
    release_sales_order(header=header, confirm_shortage=True)

    post_shipment(header=header)

    line = fresh(line)
    assert line.outstanding_quantity == 0
    assert reserved(line) <= line.outstanding_quantity, Reservation.objects.filter(
        sales_line=line
    ).values_list("assembly_order", "quantity")
    assert Reservation.objects.filter(assembly_order=order).total() == 0


def test_r_rel_1_r_post_2_assembly_output_without_any_consumption(seed):
    """Release, then reopen the linked assembly order and delete its component lines: Post (Ship)
    still assembles 7 KIT out of nothing (release's check is not repeated at posting)."""
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    reserve_from_current_line(line=fresh(line), supply_type=ILE)
    release_sales_order(header=header)
    order = AssemblyHeader.objects.get(pk=fresh(line).assembly_order_id)
    reopen_assembly_order(order=order)
    for component in order.lines.all():
        delete_assembly_line(line=component)

    with pytest.raises(ValidationError):
        post_shipment(header=header)
    output = ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT)
    assert not output.exists(), list(output.values_list("quantity", "cost_amount"))


def test_x_5_preview_of_an_open_order_shows_a_posting_that_post_refuses():
    """An Open order at a Bin Mandatory location whose stock line has no Bin Code: the preview shows a
    shipment with no stock Sale entry at all (the shortage is dropped), while Post refuses."""
    seed = Seed(stock=False)
    location = LocationFactory(code="WH", bin_mandatory=True)
    shelf = BinFactory(location=location, code="S-01")
    item = ItemFactory(no="CHAIR")
    header = seed.order(location=location)
    line = seed.line(header, item=item, quantity=3, location=location)  # no stock yet: Bin Code blank
    assert line.bin_id is None
    post_stock(item, location, 5, bin=shelf)
    with pytest.raises(ValidationError, match="Bin Code must have a value"):
        preview_shipment(header=header)  # the preview refuses what Post refuses (Release's checks)
    with pytest.raises(ValidationError, match="Bin Code must have a value"):
        post_shipment(header=header)


def test_i_3_the_left_reservation_later_locks_stock_for_a_shipped_line(db):
    """Continuation: posting the stand-alone order moves the shipped line's reservation onto the output,
    so 5 new DESKs are reserved for a line that has nothing outstanding; another order cannot get them."""
    from assembly.services import post_assembly_order
    from tests.factories import BOMComponentFactory

    seed = Seed(stock=False)
    item = ItemFactory(no="DESK", assemble_to_stock=True)
    BOMComponentFactory(parent_item=item, component_item=seed.part_a, quantity_per=D(1))
    post_stock(seed.part_a, seed.main, 5)
    header = seed.order()
    line = seed.line(header, item=item, quantity=5)
    order = create_assembly_order(item=item, quantity=D(5), location=seed.main, due_date=header.shipment_date)
    reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ASSEMBLY_ORDER)
    post_stock(item, seed.main, 5)
    release_sales_order(header=header, confirm_shortage=True)
    post_shipment(header=header)
    post_assembly_order(order=order)
    other = seed.order()
    other_line = seed.line(other, item=item, quantity=5)
    got = reserve_from_current_line(line=fresh(other_line), supply_type=ILE)
    assert got == 5, f"only {got} of the 5 DESKs on hand are free: {reserved(line)} held by a shipped line"
