"""The linked assembly order (spec 5), the ATO binding (R-RES-1), bins (spec 12) and sales line rules (spec 4)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models.signals import post_save
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus
from inventory.models import Reservation
from sales.models import SalesLine
from sales.services.lines import (
    MSG_ITEM_CHANGE_QATO,
    ReopenConfirmationRequired,
    delete_sales_line,
    save_sales_line,
)
from sales.services.orders import release_sales_order, reopen_sales_order, update_sales_header
from sales.signals import create_linked_assembly_order_on_save
from tests.factories import BOMComponentFactory, ItemFactory, LocationFactory, post_stock

pytestmark = pytest.mark.django_db
D = Decimal


def edit(line, confirm_reopen=False, **values):
    return save_sales_line(header=line.header, line=line, values=values, confirm_reopen=confirm_reopen).line


def reserved(line) -> Decimal:
    return SalesLine.objects.with_reserved_quantity().get(pk=line.pk).reserved_quantity


def assert_link_invariants(line: SalesLine) -> None:
    """Spec I-3 (and I-2 for the binding) for one line."""
    line = SalesLine.objects.select_related("assembly_order", "header").get(pk=line.pk)
    order = line.assembly_order
    total_reserved = Reservation.objects.filter(sales_line=line).total()
    assert total_reserved <= line.outstanding_quantity
    if line.qty_to_assemble_to_order == 0:
        assert order is None
        assert not Reservation.objects.filter(sales_line=line, binding=True).exists()
        return
    assert order is not None
    assert order.quantity == line.qty_to_assemble_to_order
    assert order.remaining_quantity <= line.outstanding_quantity
    assert (order.item_id, order.location_id, order.bin_id, order.due_date, order.starting_date) == (
        line.item_id,
        line.location_id,
        line.bin_id,
        line.shipment_date,
        line.shipment_date,
    )
    assert order.posting_date == line.header.posting_date
    for component in order.lines.all():
        assert component.quantity == component.quantity_per * order.quantity
        assert component.location_id == order.location_id
        assert component.due_date == order.starting_date
    binding = Reservation.objects.filter(sales_line=line, binding=True).first()
    if order.remaining_quantity == 0:  # all assembled and shipped: a binding of 0 is no row
        assert binding is None
    else:
        assert (binding.assembly_order_id, binding.quantity) == (order.pk, order.remaining_quantity)
    assert Reservation.objects.filter(assembly_order=order).total() <= order.remaining_quantity


# --- R-QATO-1 --------------------------------------------------------------------------------


def test_r_qato_1_new_ato_line_of_10_assembles_10(seed):
    line = seed.line(seed.order(), quantity=10)
    assert line.qty_to_assemble_to_order == 10
    assert line.assembly_order.no == "AO-00001"
    assert_link_invariants(line)


def test_r_qato_1_partial_qato_is_kept_when_quantity_is_raised(seed):
    line = seed.line(seed.order(), quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(7))
    line = edit(line, quantity=D(12))
    assert line.qty_to_assemble_to_order == 7
    assert_link_invariants(line)


def test_r_qato_1_qato_is_capped_when_quantity_falls_below_it(seed):
    line = seed.line(seed.order(), quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(7))
    line = edit(line, quantity=D(5))
    assert line.qty_to_assemble_to_order == 5
    assert line.assembly_order.quantity == 5
    assert_link_invariants(line)


def test_r_qato_1_full_qato_follows_quantity(seed):
    line = seed.line(seed.order(), quantity=10)
    line = edit(line, quantity=D(12))
    assert (line.qty_to_assemble_to_order, line.assembly_order.quantity) == (12, 12)
    line = edit(line, quantity=D(4))
    assert (line.qty_to_assemble_to_order, line.assembly_order.quantity) == (4, 4)


def test_x_7_user_zero_is_kept_when_quantity_is_raised(seed):
    """R-QATO-1(a) / X-7: BC would re-fill Qty. to Assemble to Order and drop the user's stock plan."""
    line = seed.line(seed.order(), quantity=3)
    line = edit(line, qty_to_assemble_to_order=D(0))
    assert line.assembly_order is None
    line = edit(line, quantity=D(5))
    assert line.qty_to_assemble_to_order == 0
    assert line.assembly_order is None


def test_r_qato_1_zero_qato_refills_when_the_location_changes(seed):
    line = seed.line(seed.order(), quantity=3)
    line = edit(line, qty_to_assemble_to_order=D(0))
    line = edit(line, location=LocationFactory(code="EAST"))
    assert line.qty_to_assemble_to_order == 3
    assert_link_invariants(line)


def test_r_qato_1_quantity_zero_line_has_no_order(seed):
    line = seed.line(seed.order(), quantity=0)
    assert line.qty_to_assemble_to_order == 0 and line.assembly_order is None
    line = edit(line, quantity=D(2))
    assert line.qty_to_assemble_to_order == 2
    assert_link_invariants(line)


# --- R-QATO-2 / R-QATO-3 ----------------------------------------------------------------------


def test_r_qato_2_stock_item_gets_no_order_until_the_user_types_one(seed):
    ats = ItemFactory(no="ATS", assemble_to_stock=True)
    BOMComponentFactory(parent_item=ats, component_item=seed.part_a, quantity_per=D(3))
    line = seed.line(seed.order(), item=ats, quantity=10)
    assert line.qty_to_assemble_to_order == 0 and line.assembly_order is None
    line = edit(line, qty_to_assemble_to_order=D(4))
    assert line.assembly_order.quantity == 4
    assert [c.quantity for c in line.assembly_order.lines.all()] == [12]
    assert_link_invariants(line)


@pytest.mark.parametrize("value", [D(-1), D(11)])
def test_r_qato_3_values_outside_the_bounds_are_refused(seed, value):
    line = seed.line(seed.order(), quantity=10)
    with pytest.raises(ValidationError) as caught:
        edit(line, qty_to_assemble_to_order=value)
    assert caught.value.message_dict["qty_to_assemble_to_order"] == [
        "Qty. to Assemble to Order must be between 0 and 10."
    ]
    line.refresh_from_db()
    assert line.qty_to_assemble_to_order == 10
    assert_link_invariants(line)


def test_r_qato_3_refused_on_a_released_order(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    with pytest.raises(ValidationError, match="Status must be Open on sales order SO-00001"):
        edit(line, qty_to_assemble_to_order=D(7))


# --- R-LINK-1 / R-LINK-2 ------------------------------------------------------------------------


def test_r_link_1_creation_goes_through_the_post_save_signal(seed):
    """The receiver is registered once, with its dispatch_uid, and a plain save triggers it."""
    assert post_save.disconnect(sender=SalesLine, dispatch_uid="sales.create_linked_assembly_order_on_save")
    try:
        line = seed.line(seed.order(), quantity=10)
        assert line.assembly_order is None  # without the receiver nothing is created
    finally:
        post_save.connect(
            create_linked_assembly_order_on_save,
            sender=SalesLine,
            dispatch_uid="sales.create_linked_assembly_order_on_save",
        )
    line.save()
    line.refresh_from_db()
    assert line.assembly_order.quantity == 10
    assert_link_invariants(line)


def test_r_link_1_order_has_the_boms_components(seed):
    line = seed.line(seed.order(), quantity=10)
    components = {c.item.no: c.quantity for c in line.assembly_order.lines.select_related("item")}
    assert components == {"PART-A": 20, "PART-B": 10}
    assert line.assembly_order.status == AssemblyStatus.OPEN


def test_r_link_2_zero_qato_deletes_the_order_with_lines_and_reservations(seed):
    line = seed.line(seed.order(), quantity=10)
    order_pk = line.assembly_order.pk
    line = edit(line, qty_to_assemble_to_order=D(0))
    assert line.assembly_order is None
    assert not AssemblyHeader.objects.filter(pk=order_pk).exists()
    assert not AssemblyLine.objects.filter(header_id=order_pk).exists()
    assert not Reservation.objects.exists()


def test_r_link_2_and_r_so_3_deleting_the_line_deletes_the_order(seed):
    line = seed.line(seed.order(), quantity=10)
    delete_sales_line(line=line)
    assert not SalesLine.objects.exists()
    assert not AssemblyHeader.objects.exists()
    assert not Reservation.objects.exists()


def test_r_so_3_a_shipped_line_cannot_be_deleted(seed):
    line = seed.line(seed.order(), quantity=10)
    SalesLine.objects.filter(pk=line.pk).update(quantity_shipped=1, qty_to_ship=9)
    with pytest.raises(ValidationError, match="already been shipped"):
        delete_sales_line(line=line)


# --- R-RES-1 ------------------------------------------------------------------------------------


def test_r_res_1_binding_equals_remaining_and_shows_as_reserved_quantity(seed):
    line = seed.line(seed.order(), quantity=10)
    assert reserved(line) == 10
    line = edit(line, qty_to_assemble_to_order=D(7))
    binding = Reservation.objects.get(sales_line=line)
    assert (binding.binding, binding.quantity, binding.assembly_order_id) == (True, 7, line.assembly_order_id)
    assert reserved(line) == 7  # seed step 3


# --- R-SYNC-1 .. 4 -------------------------------------------------------------------------------


def test_r_sync_1_order_follows_location_bin_dates_and_quantity(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    later = timezone.localdate() + datetime.timedelta(days=5)
    line = edit(line, shipment_date=later, quantity=D(6), location=LocationFactory(code="EAST"))
    assert_link_invariants(line)
    assert line.assembly_order.due_date == later


def test_r_sync_1_customised_component_keeps_its_quantity_per(seed):
    line = seed.line(seed.order(), quantity=10)
    component = line.assembly_order.lines.get(item=seed.part_a)
    component.quantity_per = D(3)
    component.save()
    line = edit(line, qty_to_assemble_to_order=D(4))
    component.refresh_from_db()
    assert component.quantity == 12


def test_r_sync_4_released_linked_order_needs_confirmation_to_reopen(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    reopen_sales_order(header=header)
    line.refresh_from_db()
    assert line.assembly_order.status == AssemblyStatus.RELEASED  # stays released after Reopen

    with pytest.raises(ReopenConfirmationRequired, match="AO-00001 is released"):
        edit(line, qty_to_assemble_to_order=D(7))
    line.refresh_from_db()
    assert (line.qty_to_assemble_to_order, line.assembly_order.quantity) == (
        10,
        10,
    )  # declining changes nothing

    line = edit(line, qty_to_assemble_to_order=D(7), confirm_reopen=True)
    assert line.assembly_order.status == AssemblyStatus.OPEN
    assert_link_invariants(line)


def test_r_sync_4_unit_price_change_does_not_reopen(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    reopen_sales_order(header=header)
    line = edit(line, unit_price=D("450.00"))
    assert line.assembly_order.status == AssemblyStatus.RELEASED


# --- R-SO-0 .. 5 ---------------------------------------------------------------------------------


def test_r_so_0_dates_default_to_today_and_flow_to_lines(seed):
    header = seed.order()
    today = timezone.localdate()
    assert (header.order_date, header.posting_date, header.shipment_date) == (today, today, today)
    line = seed.line(header, quantity=10)
    assert line.shipment_date == today
    later = today + datetime.timedelta(days=3)
    update_sales_header(header=header, values={"shipment_date": later, "posting_date": later})
    line.refresh_from_db()
    assert line.shipment_date == later
    assert_link_invariants(line)


def test_r_so_1_released_order_accepts_only_qty_to_ship(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    with pytest.raises(ValidationError, match="to change Quantity"):
        edit(line, quantity=D(11))
    with pytest.raises(ValidationError):
        save_sales_line(header=header, values={"item": seed.kit, "quantity": D(1)})
    line = edit(line, qty_to_ship=D(4))
    assert line.qty_to_ship == 4
    assert line.assembly_order.quantity_to_assemble == 4  # R-QTS-1


def test_r_so_2_quantity_bounds_and_qty_to_ship_default(seed):
    line = seed.line(seed.order(), quantity=10)
    assert line.qty_to_ship == 10
    with pytest.raises(ValidationError, match="must not be negative"):
        edit(line, quantity=D(-1))
    SalesLine.objects.filter(pk=line.pk).update(quantity_shipped=2, qty_to_ship=8)
    line.refresh_from_db()
    with pytest.raises(ValidationError, match="less than Quantity Shipped"):
        edit(line, quantity=D(1))
    with pytest.raises(ValidationError, match="between 0 and the outstanding quantity 8"):
        edit(line, qty_to_ship=D(9))
    line = edit(line, qty_to_ship=D(3))
    line = edit(line, quantity=D(12))
    assert line.qty_to_ship == 10  # back to Outstanding after a quantity change


def test_r_so_4_item_change_refused_while_qato_is_set(seed):
    line = seed.line(seed.order(), quantity=10)
    with pytest.raises(ValidationError) as caught:
        edit(line, item=seed.part_a)
    assert caught.value.message_dict["item"] == [MSG_ITEM_CHANGE_QATO.format(qty="10")]
    line = edit(line, qty_to_assemble_to_order=D(0))
    line = edit(line, item=seed.part_a)
    assert line.item == seed.part_a and line.unit_price == seed.part_a.unit_price


def test_r_so_4_and_r_so_5_refused_while_other_reservations_exist(seed):
    line = seed.line(seed.order(), quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(0))
    kit_entry = seed.kit.ledger_entries.get()
    Reservation.objects.create(
        sales_line=line, item_ledger_entry=kit_entry, item=seed.kit, location=seed.main, quantity=D(3)
    )
    with pytest.raises(ValidationError, match="while the line has reservations"):
        edit(line, item=seed.part_a)
    with pytest.raises(ValidationError, match="Location Code while the line has reservations"):
        edit(line, location=LocationFactory())


def test_r_so_5_shipment_date_not_before_a_reserved_assembly_orders_due_date(seed):
    from assembly.services import create_assembly_order

    line = seed.line(seed.order(), quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(0))
    due = timezone.localdate() + datetime.timedelta(days=10)
    order = create_assembly_order(item=seed.kit, quantity=D(5), location=seed.main, due_date=due)
    Reservation.objects.create(
        sales_line=line, assembly_order=order, item=seed.kit, location=seed.main, quantity=D(2)
    )
    with pytest.raises(ValidationError, match="Shipment Date cannot be before"):
        edit(line, shipment_date=due - datetime.timedelta(days=1))
    edit(line, shipment_date=due)


def test_r_item_3_blocked_item_cannot_go_on_a_new_line(seed):
    seed.kit.blocked = True
    seed.kit.save()
    with pytest.raises(ValidationError, match="Item KIT is blocked"):
        seed.line(seed.order(), quantity=1)
    assert not SalesLine.objects.exists()


# --- R-RES-2 (trimming when quantities fall) ------------------------------------------------------


def test_r_res_2_stock_reservations_are_trimmed_newest_first(seed):
    line = seed.line(seed.order(), quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(7))
    entry = post_stock(seed.kit, seed.main, 2)
    older = Reservation.objects.create(
        sales_line=line,
        item_ledger_entry=seed.kit.ledger_entries.earliest("entry_no"),
        item=seed.kit,
        location=seed.main,
        quantity=D(2),
    )
    Reservation.objects.create(
        sales_line=line, item_ledger_entry=entry, item=seed.kit, location=seed.main, quantity=D(1)
    )
    result = save_sales_line(header=line.header, line=line, values={"quantity": D(8)})
    # Outstanding 8 − linked remaining 7 leaves 1 for stock: the newest (1) goes, the older keeps 1.
    assert result.messages == ["2 reserved units released."]
    assert list(Reservation.objects.filter(binding=False).values_list("pk", "quantity")) == [(older.pk, 1)]
    assert_link_invariants(result.line)


# --- R-BIN-1 .. 3 ----------------------------------------------------------------------------------


def test_r_bin_1_ato_line_takes_the_ato_shipment_bin_and_pushes_it_to_the_order(silver):
    line = silver.line(silver.order(), quantity=5)
    assert line.location == silver.silver
    assert line.bin == silver.ato_ship
    assert line.assembly_order.bin == silver.ato_ship  # R-BIN-2
    assert {c.bin_id for c in line.assembly_order.lines.all()} == {silver.to_asm.pk}  # R-BIN-3


def test_r_bin_1_falls_back_to_from_assembly_bin(silver):
    silver.silver.asm_to_order_shpt_bin = None
    silver.silver.save()
    line = silver.line(silver.order(), quantity=5)
    assert line.bin == silver.from_asm


def test_r_bin_1_stock_line_takes_the_bin_with_most_content(silver):
    post_stock(silver.part_a, silver.silver, 2, bin=silver.to_asm)
    post_stock(silver.part_a, silver.silver, 5, bin=silver.shelf)
    line = silver.line(silver.order(), item=silver.part_a, quantity=1)
    assert line.bin == silver.shelf


def test_r_bin_1_bin_is_not_redefaulted_on_quantity_changes(silver):
    line = silver.line(silver.order(), quantity=5)
    line = edit(line, bin=silver.shelf)
    line = edit(line, quantity=D(6), qty_to_assemble_to_order=D(3))
    assert line.bin == silver.shelf
    assert line.assembly_order.bin == silver.shelf  # R-BIN-2


def test_bin_of_another_location_is_refused(silver):
    line = silver.line(silver.order(), quantity=5)
    other = LocationFactory(code="BLUE", bin_mandatory=True)
    from tests.factories import BinFactory

    with pytest.raises(ValidationError, match="does not belong to location SILVER"):
        edit(line, bin=BinFactory(location=other))


# --- R-REL-1 ---------------------------------------------------------------------------------------


def test_r_rel_1_release_releases_linked_orders(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    line.refresh_from_db()
    assert line.header.status == "RELEASED"
    assert line.assembly_order.status == AssemblyStatus.RELEASED


def test_r_rel_1_release_checks_bins_and_components(silver):
    header = silver.order()
    line = silver.line(header, quantity=5)
    edit(line, bin=None)
    with pytest.raises(ValidationError, match="Bin Code must have a value at location SILVER"):
        release_sales_order(header=header)
    empty = silver.order()
    with pytest.raises(ValidationError, match="nothing to release"):
        release_sales_order(header=empty)


def test_r_rel_1_linked_order_without_components_blocks_release(seed):
    bare = ItemFactory(no="BARE", assemble_to_order=True)
    header = seed.order()
    seed.line(header, item=bare, quantity=1)
    with pytest.raises(ValidationError, match="needs at least one component line"):
        release_sales_order(header=header)
