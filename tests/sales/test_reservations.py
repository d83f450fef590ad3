"""Reservations (spec 7), the Sales Line Details FactBox (spec 8), X-1 and X-4, with the seed's figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.services import create_assembly_order
from inventory.models import Item, Reservation
from sales.models import SalesLine
from sales.services.availability import (
    line_details,
    projected_availability,
    supply_rows,
    use_available_inventory,
)
from sales.services.lines import save_sales_line
from sales.services.reservations import (
    MSG_AUTO_INCOMPLETE,
    MSG_FULLY_RESERVED,
    MSG_NOTHING_AVAILABLE,
    MSG_NOTHING_TO_CANCEL,
    SupplyType,
    auto_reserve,
    cancel_reservations,
    reserve_from_current_line,
    reserve_from_supply,
)
from tests.factories import post_stock
from tests.sales.test_ato_link import assert_link_invariants

pytestmark = pytest.mark.django_db
D = Decimal
ILE, ASM = SupplyType.ITEM_LEDGER_ENTRY, SupplyType.ASSEMBLY_ORDER


def edit(line, **values):
    return save_sales_line(header=line.header, line=line, values=values).line


def fresh(line) -> SalesLine:
    return SalesLine.objects.select_related("header", "item", "location", "assembly_order").get(pk=line.pk)


def figures(line) -> dict[str, object]:
    d = line_details(fresh(line))
    return {
        "required": d.required_quantity,
        "item_availability": d.item_availability,
        "available_inventory": d.available_inventory,
        "scheduled_receipt": d.scheduled_receipt,
        "reserved_receipt": d.reserved_receipt,
        "gross_requirement": d.gross_requirement,
        "reserved_requirement": d.reserved_requirement,
        "reserved_from_stock": d.reserved_from_stock,
        "use_available": d.use_available_quantity,
    }


def assert_reservation_invariants() -> None:
    """I-1 (Σ reservations on an entry ≤ its Remaining) and I-2 for every supply; I-3 for every line."""
    from assembly.models import AssemblyHeader
    from inventory.models import ItemLedgerEntry

    for entry in ItemLedgerEntry.objects.filter(quantity__gt=0):
        assert Reservation.objects.filter(item_ledger_entry=entry).total() <= entry.remaining_quantity
    for order in AssemblyHeader.objects.all():
        assert Reservation.objects.filter(assembly_order=order).total() <= order.remaining_quantity
    for line in SalesLine.objects.all():
        assert_link_invariants(line)


# --- The seed procedure, steps 1-4 (spec 15) and the worked check of spec 8 ---------------------


def test_seed_steps_1_to_4_figures(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)  # step 1
    assert (line.qty_to_assemble_to_order, fresh(line).assembly_order.quantity) == (10, 10)

    step2 = figures(line)  # step 2: the worked check of spec 8
    assert step2["item_availability"] == 3
    assert (step2["scheduled_receipt"], step2["reserved_receipt"]) == (10, 10)
    assert (step2["gross_requirement"], step2["reserved_requirement"]) == (10, 10)
    assert step2["use_available"] == 3  # X-1 offers the 3 returned units

    line = edit(line, qty_to_assemble_to_order=D(7))  # step 3
    step3 = figures(line)
    assert SalesLine.objects.with_reserved_quantity().get(pk=line.pk).reserved_quantity == 7
    assert (step3["required"], step3["item_availability"], step3["use_available"]) == (3, 0, 0)

    rows = {row.supply_type: row for row in supply_rows(fresh(line))}  # step 4: the Reservation page
    assert rows[ILE].total_available_quantity == 3
    assert reserve_from_current_line(line=fresh(line), supply_type=ILE) == 3
    step4 = figures(line)
    assert SalesLine.objects.with_reserved_quantity().get(pk=line.pk).reserved_quantity == 10
    assert fresh(line).qty_to_assemble_to_order == 7
    assert (step4["available_inventory"], step4["required"], step4["reserved_from_stock"]) == (
        0,
        0,
        "Partial",
    )
    assert step4["use_available"] == 0
    assert_reservation_invariants()


# --- R-RES-3 ---------------------------------------------------------------------------------------


def test_r_res_3_takes_oldest_entries_first_each_up_to_what_is_free(seed):
    line = edit(seed.line(seed.order(), quantity=6), qty_to_assemble_to_order=D(0))
    newer = post_stock(seed.kit, seed.main, 5)
    other = seed.line(seed.order(), quantity=2)
    other = edit(other, qty_to_assemble_to_order=D(0))
    reserve_from_current_line(line=fresh(other), supply_type=ILE)  # takes 2 of the 3 oldest
    assert reserve_from_current_line(line=fresh(line), supply_type=ILE) == 6
    oldest = seed.kit.ledger_entries.earliest("entry_no")
    mine = dict(Reservation.objects.filter(sales_line=line).values_list("item_ledger_entry", "quantity"))
    assert mine == {oldest.pk: 1, newer.pk: 5}
    assert_reservation_invariants()


def test_r_res_3_errors(seed):
    line = seed.line(seed.order(), quantity=10)
    with pytest.raises(ValidationError, match=MSG_FULLY_RESERVED):
        reserve_from_current_line(line=fresh(line), supply_type=ILE)
    line = edit(line, qty_to_assemble_to_order=D(0))
    hog = edit(seed.line(seed.order(), quantity=3), qty_to_assemble_to_order=D(0))
    reserve_from_current_line(line=fresh(hog), supply_type=ILE)
    with pytest.raises(ValidationError, match=MSG_NOTHING_AVAILABLE):
        reserve_from_current_line(line=fresh(line), supply_type=ILE)


# --- R-RES-4 ---------------------------------------------------------------------------------------


def test_r_res_4_inventory_first_then_assembly_orders_due_by_the_shipment_date(seed):
    today = timezone.localdate()
    due_soon = create_assembly_order(item=seed.kit, quantity=D(4), location=seed.main, due_date=today)
    create_assembly_order(
        item=seed.kit, quantity=D(50), location=seed.main, due_date=today + datetime.timedelta(days=30)
    )
    line = edit(seed.line(seed.order(), quantity=9), qty_to_assemble_to_order=D(0))
    result = auto_reserve(line=fresh(line))
    assert (result.reserved, result.complete, result.message) == (7, False, MSG_AUTO_INCOMPLETE)
    by_supply = {
        ("ILE" if r.item_ledger_entry_id else r.assembly_order_id): r.quantity
        for r in Reservation.objects.filter(sales_line=line)
    }
    assert by_supply == {"ILE": 3, due_soon.pk: 4}
    assert_reservation_invariants()


# --- R-RES-5 ---------------------------------------------------------------------------------------


def test_r_res_5_cancel_never_touches_the_binding(seed):
    line = seed.line(seed.order(), quantity=10)
    with pytest.raises(ValidationError, match=MSG_NOTHING_TO_CANCEL):
        cancel_reservations(line=fresh(line), supply_type=ASM)
    line = edit(line, qty_to_assemble_to_order=D(7))
    reserve_from_current_line(line=fresh(line), supply_type=ILE)
    assert cancel_reservations(line=fresh(line), supply_type=ILE) == 3
    assert list(Reservation.objects.values_list("binding", "quantity")) == [(True, 7)]


# --- R-RES-6 ---------------------------------------------------------------------------------------


def test_r_res_6_reserve_always_reserves_when_the_ato_part_falls(seed):
    seed.kit.reserve = Item.Reserve.ALWAYS
    seed.kit.save()
    line = seed.line(seed.order(), quantity=10)
    result = save_sales_line(header=line.header, line=line, values={"qty_to_assemble_to_order": D(7)})
    assert SalesLine.objects.with_reserved_quantity().get(pk=line.pk).reserved_quantity == 10
    assert Reservation.objects.filter(sales_line=line, item_ledger_entry__isnull=False).total() == 3
    assert result.messages == []
    assert_reservation_invariants()


def test_r_res_6_reserve_never_refuses_reservations(seed):
    seed.kit.reserve = Item.Reserve.NEVER
    seed.kit.save()
    line = edit(seed.line(seed.order(), quantity=3), qty_to_assemble_to_order=D(0))
    with pytest.raises(ValidationError, match="Reserve is Never"):
        reserve_from_current_line(line=fresh(line), supply_type=ILE)
    assert figures(line)["use_available"] == 0


# --- R-RES-7 and Available to Reserve --------------------------------------------------------------


def test_r_res_7_one_entry_is_never_reserved_beyond_its_remaining(seed):
    entry = seed.kit.ledger_entries.get()
    first = edit(seed.line(seed.order(), quantity=2), qty_to_assemble_to_order=D(0))
    second = edit(seed.line(seed.order(), quantity=5), qty_to_assemble_to_order=D(0))
    assert reserve_from_supply(line=fresh(first), supply_type=ILE, supply_pk=entry.pk, quantity=D(2)) == 2
    with pytest.raises(ValidationError, match="has only 1 available"):
        reserve_from_supply(line=fresh(second), supply_type=ILE, supply_pk=entry.pk, quantity=D(2))
    assert reserve_from_supply(line=fresh(second), supply_type=ILE, supply_pk=entry.pk, quantity=D(1)) == 1
    assert_reservation_invariants()


def test_r_res_7_assembly_order_never_reserved_beyond_its_remaining(seed):
    order = create_assembly_order(
        item=seed.kit, quantity=D(2), location=seed.main, due_date=timezone.localdate()
    )
    line = edit(seed.line(seed.order(), quantity=5), qty_to_assemble_to_order=D(0))
    reserve_from_supply(
        line=fresh(line), supply_type=ILE, supply_pk=seed.kit.ledger_entries.get().pk, quantity=D(3)
    )
    assert reserve_from_current_line(line=fresh(line), supply_type=ASM) == 2
    assert Reservation.objects.filter(assembly_order=order).total() == 2
    assert_reservation_invariants()


def test_reserving_from_an_entry_of_another_item_is_refused(seed):
    line = edit(seed.line(seed.order(), quantity=2), qty_to_assemble_to_order=D(0))
    part = seed.part_a.ledger_entries.get()
    with pytest.raises(ValidationError, match="cannot supply this line"):
        reserve_from_supply(line=fresh(line), supply_type=ILE, supply_pk=part.pk, quantity=D(1))


# --- The FactBox beyond the seed ------------------------------------------------------------------


def test_factbox_counts_component_demand_and_able_to_assemble(seed):
    line = seed.line(seed.order(), quantity=10)
    part_line = edit(seed.line(seed.order(), item=seed.part_a, quantity=1), qty_to_assemble_to_order=D(0))
    # PART-A: 20 in stock; demand = 1 (sales) + 20 (components of the linked KIT order).
    details = line_details(fresh(part_line))
    assert (details.gross_requirement, details.item_availability) == (21, -1)
    assert line_details(fresh(line)).able_to_assemble == 10  # 20 PART-A / 2, 10 PART-B / 1


def test_factbox_ignores_demand_after_the_shipment_date(seed):
    later = timezone.localdate() + datetime.timedelta(days=10)
    seed.line(seed.order(shipment_date=later), quantity=4)
    line = edit(seed.line(seed.order(), quantity=2), qty_to_assemble_to_order=D(0))
    details = line_details(fresh(line))
    assert (details.gross_requirement, details.scheduled_receipt) == (2, 0)


# --- X-1 -------------------------------------------------------------------------------------------


def test_x_1_use_available_inventory_in_one_step(seed):
    line = seed.line(seed.order(), quantity=10)
    result = use_available_inventory(line=fresh(line))
    line = fresh(line)
    assert result.quantity == 3
    assert line.qty_to_assemble_to_order == 7
    assert line.assembly_order.quantity == 7
    assert Reservation.objects.filter(sales_line=line, item_ledger_entry__isnull=False).total() == 3
    assert SalesLine.objects.with_reserved_quantity().get(pk=line.pk).reserved_quantity == 10
    assert figures(line)["use_available"] == 0
    with pytest.raises(ValidationError, match="no inventory available"):
        use_available_inventory(line=fresh(line))
    assert_reservation_invariants()


def test_x_1_covering_the_whole_line_deletes_the_linked_order(seed):
    line = seed.line(seed.order(), quantity=2)
    use_available_inventory(line=fresh(line))
    line = fresh(line)
    assert (line.qty_to_assemble_to_order, line.assembly_order) == (0, None)
    assert Reservation.objects.get(sales_line=line).quantity == 2


# --- X-4 -------------------------------------------------------------------------------------------


def test_x_4_projection_adds_receipts_and_subtracts_demand_by_date(seed):
    today = timezone.localdate()
    in_5 = today + datetime.timedelta(days=5)
    in_9 = today + datetime.timedelta(days=9)
    create_assembly_order(item=seed.kit, quantity=D(6), location=seed.main, due_date=in_5)
    line = edit(seed.line(seed.order(shipment_date=in_9), quantity=4), qty_to_assemble_to_order=D(0))
    points = {p.date: p.projected for p in projected_availability(fresh(line))}
    assert points[today] == 3
    assert points[in_5] == 9
    assert points[in_9] == 5
