"""Assembly order services (spec section 6 and R-SYNC-2): one group of tests per rule id."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus, PostedAssemblyHeader
from assembly.services import (
    MSG_ALREADY_OPEN,
    MSG_ALREADY_RELEASED,
    MSG_LINKED_NO_DELETE,
    MSG_LINKED_NO_POST,
    MSG_NO_BOM,
    MSG_NO_COMPONENTS,
    MSG_NOT_OPEN,
    MSG_QTY_TO_ASSEMBLE_LINKED_RANGE,
    MSG_QTY_TO_ASSEMBLE_RANGE,
    MSG_QUANTITY_POSITIVE,
    add_assembly_line,
    delete_assembly_line,
    delete_assembly_order,
    order_availability,
    post_assembly_order,
    quantity_to_assemble_bounds,
    release_assembly_order,
    reopen_assembly_order,
    update_assembly_line,
    update_assembly_order,
)
from inventory.models import MSG_ITEM_BLOCKED, ItemLedgerEntry, Reservation
from inventory.services.posting import InsufficientInventoryError
from sales.models import SalesLine
from sales.services.lines import save_sales_line
from sales.services.orders import create_sales_order
from tests.factories import BinFactory, CustomerFactory, ItemFactory, post_stock
from tests.sales.conftest import Seed

pytestmark = pytest.mark.django_db
D = Decimal


def messages_of(excinfo) -> str:
    return " ".join(excinfo.value.messages)


def fresh(order: AssemblyHeader) -> AssemblyHeader:
    return AssemblyHeader.objects.get(pk=order.pk)


def stock_sales_line(item, location, quantity) -> SalesLine:
    """Another demand: a sales line for an item sold from stock (no Qty. to Assemble to Order)."""
    header = create_sales_order(customer=CustomerFactory(location=location))
    return save_sales_line(header=header, values={"item": item, "quantity": D(quantity)}).line


def lines_of(order: AssemblyHeader) -> list[AssemblyLine]:
    return list(AssemblyLine.objects.filter(header=order).select_related("item", "bin").order_by("line_no"))


# --- R-ASM-1: a stand-alone order, exploded from the BOM ---------------------------------------


def test_r_asm_1_create_explodes_the_bom_and_defaults_quantity_to_assemble(world):
    due = timezone.localdate() + datetime.timedelta(days=3)
    order = world.order(10, due_date=due)

    assert order.no == "AO-00001"
    assert (order.item, order.description, order.location, order.bin) == (
        world.lamp,
        "Desk lamp",
        world.main,
        None,
    )
    assert order.quantity == order.quantity_to_assemble == order.remaining_quantity == 10
    assert (order.due_date, order.starting_date, order.posting_date) == (due, due, timezone.localdate())
    assert order.status == AssemblyStatus.OPEN
    assert not order.is_linked
    lines = lines_of(order)
    assert [(x.item.no, x.quantity_per, x.quantity, x.quantity_to_consume) for x in lines] == [
        ("BASE", 2, 20, 20),
        ("SHADE", 1, 10, 10),
    ]
    assert all(x.location_id == world.main.pk and x.bin is None and x.due_date == due for x in lines)


def test_r_asm_1_bin_defaults_to_from_assembly_bin_and_lines_to_to_assembly_bin(world):
    order = world.order(3, location=world.silver)

    assert order.bin == world.from_asm
    assert {x.bin for x in lines_of(order)} == {world.to_asm}


def test_r_asm_1_quantity_to_consume_follows_quantity_to_assemble(world):
    order = world.order(10)
    update_assembly_order(order=order, quantity_to_assemble=D("2.5"))

    assert [(x.quantity, x.quantity_to_consume) for x in lines_of(order)] == [(20, 5), (10, D("2.5"))]

    update_assembly_order(order=order, quantity=D(12))  # a new Quantity resets it to Remaining
    assert fresh(order).quantity_to_assemble == 12
    assert [(x.quantity, x.quantity_to_consume) for x in lines_of(order)] == [(24, 24), (12, 12)]


@pytest.mark.parametrize("value", [D("-1"), D("10.5")])
def test_r_asm_1_quantity_to_assemble_stays_within_remaining(world, value):
    order = world.order(10)
    with pytest.raises(ValidationError) as excinfo:
        update_assembly_order(order=order, quantity_to_assemble=value)
    assert excinfo.value.message_dict == {
        "quantity_to_assemble": [MSG_QTY_TO_ASSEMBLE_RANGE.format(low=0, high=10)]
    }
    assert fresh(order).quantity_to_assemble == 10


def test_r_asm_1_r_item_3_blocked_item_is_refused(world):
    world.lamp.blocked = True
    world.lamp.save()
    with pytest.raises(ValidationError) as excinfo:
        world.order(1)
    assert excinfo.value.message_dict == {"item": [MSG_ITEM_BLOCKED.format(item="LAMP")]}
    assert not AssemblyHeader.objects.exists()


def test_r_asm_1_item_without_bom_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        world.order(1, item=world.part_a)
    assert excinfo.value.message_dict == {"item": [MSG_NO_BOM.format(item="BASE")]}
    assert not AssemblyHeader.objects.exists()


@pytest.mark.parametrize("quantity", [0, -3])
def test_r_asm_1_quantity_must_be_positive(world, quantity):
    with pytest.raises(ValidationError) as excinfo:
        world.order(quantity)
    assert excinfo.value.message_dict == {"quantity": [MSG_QUANTITY_POSITIVE]}


def test_r_asm_1_bin_of_another_location_is_refused(world):
    with pytest.raises(ValidationError) as excinfo:
        world.order(1, location=world.main, bin=world.shelf_1)
    assert "bin" in excinfo.value.message_dict
    assert not AssemblyHeader.objects.exists()


# --- R-ASM-2: Post ---------------------------------------------------------------------------


def test_r_asm_2_post_writes_consumption_output_and_the_posted_order(world):
    order = world.order(10)

    posted = post_assembly_order(order=order)

    entries = list(ItemLedgerEntry.objects.filter(document_no=posted.no).order_by("entry_no"))
    assert [(e.get_entry_type_display(), e.item.no, e.quantity) for e in entries] == [
        ("Assembly Consumption", "BASE", -20),
        ("Assembly Consumption", "SHADE", -10),
        ("Assembly Output", "LAMP", 10),
    ]
    assert entries[-1].remaining_quantity == 10
    assert {e.document_type for e in entries} == {ItemLedgerEntry.DocumentType.POSTED_ASSEMBLY}
    assert (posted.no, posted.order, posted.quantity, posted.assemble_to_order) == (
        "PAO-00001",
        order,
        10,
        False,
    )
    assert [(x.item.no, x.quantity_per, x.quantity) for x in posted.lines.order_by("line_no")] == [
        ("BASE", 2, 20),
        ("SHADE", 1, 10),
    ]
    order = fresh(order)
    assert (order.assembled_quantity, order.remaining_quantity, order.quantity_to_assemble) == (10, 0, 0)
    assert order.status == AssemblyStatus.COMPLETED  # fully assembled
    assert [(x.consumed_quantity, x.quantity_to_consume, x.remaining_quantity) for x in lines_of(order)] == [
        (20, 0, 0),
        (10, 0, 0),
    ]
    assert ItemLedgerEntry.objects.filter(item=world.part_a).inventory() == 0
    assert ItemLedgerEntry.objects.filter(item=world.lamp).inventory() == 10


def test_r_asm_2_partial_quantity_to_assemble_then_the_rest(world):
    order = world.order(10)
    update_assembly_order(order=order, quantity_to_assemble=D(4))

    post_assembly_order(order=order)

    order = fresh(order)
    assert (order.assembled_quantity, order.remaining_quantity, order.quantity_to_assemble) == (4, 6, 6)
    assert order.status == AssemblyStatus.OPEN
    assert [(x.consumed_quantity, x.quantity_to_consume, x.remaining_quantity) for x in lines_of(order)] == [
        (8, 12, 12),
        (4, 6, 6),
    ]
    second = post_assembly_order(order=order)
    assert second.no == "PAO-00002" and second.quantity == 6
    assert fresh(order).status == AssemblyStatus.COMPLETED


def test_r_asm_2_r_inv_3_shortage_refuses_the_whole_posting(world):
    order = world.order(11)  # needs 22 BASE, 20 in stock
    entries_before = ItemLedgerEntry.objects.count()

    with pytest.raises(InsufficientInventoryError) as excinfo:
        post_assembly_order(order=order)

    assert "insufficient quantity of Item BASE" in str(excinfo.value)
    assert ItemLedgerEntry.objects.count() == entries_before
    assert not PostedAssemblyHeader.objects.exists()
    order = fresh(order)
    assert (order.assembled_quantity, order.quantity_to_assemble, order.status) == (
        0,
        11,
        AssemblyStatus.OPEN,
    )
    assert all(x.consumed_quantity == 0 for x in lines_of(order))


def test_r_asm_2_r_bin_3_consumption_takes_the_line_bin_first_then_other_bins_one_entry_per_bin(empty_world):
    w = empty_world
    post_stock(w.part_a, w.silver, 3, bin=w.shelf_1)  # oldest
    post_stock(w.part_a, w.silver, 5, bin=w.to_asm)
    post_stock(w.part_a, w.silver, 4, bin=w.shelf_2)
    post_stock(w.part_b, w.silver, 5, bin=w.to_asm)
    order = w.order(5, location=w.silver)  # 10 BASE, 5 SHADE

    posted = post_assembly_order(order=order)

    consumption = ItemLedgerEntry.objects.filter(
        document_no=posted.no, entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_CONSUMPTION
    ).order_by("entry_no")
    assert [(e.item.no, e.bin.code, e.quantity) for e in consumption] == [
        ("BASE", "TO-ASM", -5),
        ("BASE", "S-01", -3),
        ("BASE", "S-02", -2),
        ("SHADE", "TO-ASM", -5),
    ]
    output = ItemLedgerEntry.objects.get(
        document_no=posted.no, entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT
    )
    assert (output.bin, output.quantity) == (w.from_asm, 5)  # into the header's bin
    assert posted.bin == w.from_asm


def test_r_asm_2_r_res_8_reservations_on_a_stand_alone_order_move_to_the_output_entry(world):
    sales_line = stock_sales_line(world.lamp, world.main, 4)
    order = world.order(10)
    Reservation.objects.create(
        sales_line=sales_line, assembly_order=order, item=world.lamp, location=world.main, quantity=D(4)
    )

    posted = post_assembly_order(order=order)

    output = ItemLedgerEntry.objects.get(
        document_no=posted.no, entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT
    )
    [reservation] = Reservation.objects.filter(sales_line=sales_line)
    assert (reservation.item_ledger_entry, reservation.assembly_order, reservation.quantity) == (
        output,
        None,
        4,
    )


def test_r_asm_2_nothing_to_post_when_quantity_to_assemble_is_zero(world):
    order = world.order(10)
    update_assembly_order(order=order, quantity_to_assemble=D(0))
    with pytest.raises(ValidationError, match="nothing to post"):
        post_assembly_order(order=order)
    assert not PostedAssemblyHeader.objects.exists()


# --- R-ASM-3: Release / Reopen ------------------------------------------------------------------


def test_r_asm_3_release_needs_a_component_line_with_a_quantity(world):
    order = world.order(2)
    for line in lines_of(order):
        delete_assembly_line(line=line)

    with pytest.raises(ValidationError) as excinfo:
        release_assembly_order(order=order)
    assert messages_of(excinfo) == MSG_NO_COMPONENTS.format(no=order.no)
    assert fresh(order).status == AssemblyStatus.OPEN


def test_r_asm_3_released_lines_are_not_editable_until_reopened(world):
    order = world.order(2)
    release_assembly_order(order=order)
    assert fresh(order).status == AssemblyStatus.RELEASED
    line = lines_of(order)[0]
    refused = MSG_NOT_OPEN.format(no=order.no, status="Released")

    for attempt in (
        lambda: add_assembly_line(order=order, item=world.part_b, quantity_per=D(1)),
        lambda: update_assembly_line(line=line, quantity_per=D(3)),
        lambda: delete_assembly_line(line=line),
        lambda: update_assembly_order(order=order, quantity=D(5)),
    ):
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert messages_of(excinfo) == refused
    with pytest.raises(ValidationError) as excinfo:
        release_assembly_order(order=order)
    assert messages_of(excinfo) == MSG_ALREADY_RELEASED.format(no=order.no)
    assert [(x.quantity_per, x.quantity) for x in lines_of(order)] == [(2, 4), (1, 2)]

    reopen_assembly_order(order=order)
    assert fresh(order).status == AssemblyStatus.OPEN
    update_assembly_line(line=line, quantity_per=D(3))
    assert lines_of(order)[0].quantity == 6
    with pytest.raises(ValidationError) as excinfo:
        reopen_assembly_order(order=order)
    assert messages_of(excinfo) == MSG_ALREADY_OPEN.format(no=order.no)


def test_r_asm_3_component_lines_can_be_added_changed_and_deleted_while_open(world):
    order = world.order(3)
    extra = ItemFactory(no="SCREW")

    added = add_assembly_line(order=order, item=extra, quantity_per=D(4))
    assert (added.line_no, added.quantity, added.quantity_to_consume, added.location) == (
        30000,
        12,
        12,
        world.main,
    )
    update_assembly_line(line=added, quantity_per=D("0.5"))
    assert AssemblyLine.objects.get(pk=added.pk).quantity == D("1.5")
    delete_assembly_line(line=added)
    assert [x.item.no for x in lines_of(order)] == ["BASE", "SHADE"]


# --- R-ASM-4: availability --------------------------------------------------------------------


def test_r_asm_4_able_to_assemble_is_the_floor_of_the_scarcest_component(empty_world):
    w = empty_world
    post_stock(w.part_a, w.main, 7)  # 7 / 2 = 3.5 -> 3
    post_stock(w.part_b, w.main, 10)
    order = w.order(10)

    availability = order_availability(order)

    assert availability.able_to_assemble == 3
    assert [(x.line.item.no, x.available, x.shortage) for x in availability.lines] == [
        ("BASE", 7, True),
        ("SHADE", 10, False),
    ]


def test_r_asm_4_able_to_assemble_is_capped_at_remaining_quantity(world):
    order = world.order(2)
    assert order_availability(order).able_to_assemble == 2
    assert not any(x.shortage for x in order_availability(order).lines)


def test_r_asm_4_other_locations_do_not_count(empty_world):
    w = empty_world
    post_stock(w.part_a, w.silver, 50, bin=w.shelf_1)
    post_stock(w.part_b, w.main, 50)
    availability = order_availability(w.order(5))
    assert availability.able_to_assemble == 0
    assert [x.shortage for x in availability.lines] == [True, False]


def test_r_asm_4_reservations_by_other_demands_reduce_availability(world):
    sales_line = stock_sales_line(world.part_a, world.main, 8)
    entry = ItemLedgerEntry.objects.get(item=world.part_a)
    Reservation.objects.create(
        sales_line=sales_line, item_ledger_entry=entry, item=world.part_a, location=world.main, quantity=D(8)
    )
    order = world.order(10)

    availability = order_availability(order)

    assert availability.lines[0].available == 12  # 20 on hand - 8 reserved for the sales line
    assert availability.lines[0].shortage
    assert availability.able_to_assemble == 6


def test_r_asm_4_without_lines_nothing_can_be_assembled(world):
    order = world.order(2)
    for line in lines_of(order):
        delete_assembly_line(line=line)
    assert order_availability(order).able_to_assemble == 0


# --- R-SYNC-2: a linked order is read-only where it follows the sales line ----------------------


@pytest.fixture
def linked(db):
    seed = Seed()
    line = seed.line(seed.order(), quantity=10)
    return (
        seed,
        line,
        AssemblyHeader.objects.select_related("sales_line__header").get(pk=line.assembly_order_id),
    )


@pytest.mark.parametrize(
    ("field", "caption"),
    [("quantity", "Quantity"), ("due_date", "Due Date"), ("bin", "Bin Code")],
)
def test_r_sync_2_linked_order_refuses_header_changes_that_follow_the_line(linked, field, caption):
    seed, line, order = linked
    value = {
        "quantity": D(12),
        "due_date": order.due_date + datetime.timedelta(days=1),
        "bin": BinFactory(location=seed.main, code="X-1"),
    }[field]

    with pytest.raises(ValidationError) as excinfo:
        update_assembly_order(order=order, **{field: value})

    assert messages_of(excinfo) == (
        f"Assembly order {order.no} is linked to sales order {line.header.no} line {line.line_no}: "
        f"{caption} follows the sales line and cannot be changed here."
    )
    after = fresh(order)
    assert (after.quantity, after.due_date, after.bin_id) == (order.quantity, order.due_date, order.bin_id)


def test_r_sync_2_linked_order_cannot_be_deleted_or_posted(linked):
    seed, line, order = linked
    with pytest.raises(ValidationError) as excinfo:
        delete_assembly_order(order=order)
    assert messages_of(excinfo) == MSG_LINKED_NO_DELETE.format(no=order.no, order=line.header.no)
    with pytest.raises(ValidationError) as excinfo:
        post_assembly_order(order=order)
    assert messages_of(excinfo) == MSG_LINKED_NO_POST.format(no=order.no, order=line.header.no)
    assert AssemblyHeader.objects.filter(pk=order.pk).exists()
    assert not PostedAssemblyHeader.objects.exists()
    assert not ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.ASSEMBLY_OUTPUT).exists()


def test_r_sync_2_component_lines_of_a_linked_order_are_editable_while_open(linked):
    seed, line, order = linked
    extra = ItemFactory(no="GIFT-BOX")

    added = add_assembly_line(order=order, item=extra, quantity_per=D(1))
    assert added.quantity == 10
    part_b = lines_of(order)[1]
    update_assembly_line(line=part_b, quantity_per=D(2))
    assert AssemblyLine.objects.get(pk=part_b.pk).quantity == 20
    delete_assembly_line(line=added)

    release_assembly_order(order=order)
    with pytest.raises(ValidationError):
        update_assembly_line(line=part_b, quantity_per=D(3))


def test_r_sync_2_r_qts_2_quantity_to_assemble_of_a_linked_order_stays_within_the_line_bounds(db):
    seed = Seed()
    line = seed.line(seed.order(), quantity=10, qty_to_assemble_to_order=D(7))
    line = save_sales_line(header=line.header, line=line, values={"qty_to_ship": D(4)}).line
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    assert order.quantity_to_assemble == 4  # R-QTS-1 default
    assert quantity_to_assemble_bounds(order) == (1, 4)

    for bad in (D(0), D(5)):
        with pytest.raises(ValidationError) as excinfo:
            update_assembly_order(order=order, quantity_to_assemble=bad)
        assert excinfo.value.message_dict == {
            "quantity_to_assemble": [
                MSG_QTY_TO_ASSEMBLE_LINKED_RANGE.format(
                    low=1, high=4, qty_to_ship=4, order="SO-00001", line=10000
                )
            ]
        }
    update_assembly_order(order=order, quantity_to_assemble=D(2))
    order = fresh(order)
    assert order.quantity_to_assemble == 2
    assert [x.quantity_to_consume for x in lines_of(order)] == [4, 2]


# --- Found in review: component on two lines, bins, shortages without a bin -------------------


def test_r_asm_4_a_component_on_two_lines_is_judged_against_both(world):
    """20 BASE in stock; BASE stands on two lines at 2 per each: only 5 lamps can be built, not 10."""
    from assembly.services import add_assembly_line, order_availability

    order = world.order(10)
    add_assembly_line(order=order, item=world.part_a, quantity_per=Decimal(2))
    availability = order_availability(fresh(order))
    assert availability.able_to_assemble == 5
    assert [row.shortage for row in availability.lines if row.line.item == world.part_a] == [True, True]


def test_bin_at_a_location_without_bins_is_refused_at_creation_and_change(world):
    stray = BinFactory(location=world.main, code="STRAY")  # a Bin row at a location that does not use bins
    with pytest.raises(ValidationError, match="must be blank at location MAIN"):
        world.order(1, bin=stray)
    order = world.order(1)
    with pytest.raises(ValidationError, match="must be blank at location MAIN"):
        update_assembly_order(order=order, bin=stray)
    line = lines_of(order)[0]
    from assembly.services import update_assembly_line

    with pytest.raises(ValidationError, match="must be blank at location MAIN"):
        update_assembly_line(line=line, bin=stray)


def test_bin_code_can_be_cleared(world):
    from assembly.services import update_assembly_line

    order = world.order(2, location=world.silver)
    assert fresh(order).bin == world.from_asm
    update_assembly_order(order=order, bin=None)
    assert fresh(order).bin is None
    line = lines_of(order)[0]
    update_assembly_line(line=line, bin=None)
    line.refresh_from_db()
    assert line.bin is None
    update_assembly_order(order=order, quantity=Decimal(3))  # leaving bin out keeps it cleared
    assert fresh(order).bin is None


def test_r_post_3_shortage_without_a_to_assembly_bin_names_the_shortage(empty_world):
    world = empty_world
    world.silver.to_assembly_bin = None
    world.silver.save()
    order = world.order(1, location=world.silver)
    with pytest.raises(InsufficientInventoryError) as caught:
        post_assembly_order(order=order)
    assert {s.item_no for s in caught.value.shortages} == {"BASE", "SHADE"}
    assert (
        "You have insufficient quantity of Item BASE on inventory. Location SILVER"
        in caught.value.messages[0]
    )
    assert not ItemLedgerEntry.objects.exclude(entry_type="POS_ADJ").exists()
