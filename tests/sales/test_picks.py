"""Inventory picks at a Require Pick location with bins (R-PICK-1, R-SO-3, X-2, R-QTS-2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inventory.models import ItemLedgerEntry
from inventory.services.posting import InsufficientInventoryError
from sales.models import InventoryPickHeader, InventoryPickLine
from sales.services.lines import delete_sales_line
from sales.services.orders import release_sales_order
from sales.services.picks import (
    autofill_qty_to_handle,
    create_inventory_pick,
    post_inventory_pick,
    set_qty_to_handle,
)
from sales.services.reservations import SupplyType, reserve_from_current_line
from tests.factories import post_stock
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh
from tests.sales.test_shipping import world

pytestmark = pytest.mark.django_db
D = Decimal


def combination_line(silver, quantity=10, ato=7, reserve=True):
    """A KIT line at SILVER: `ato` assembled (components in TO-ASM), the rest from stock in S-01."""
    post_stock(silver.part_a, silver.silver, 2 * quantity, bin=silver.to_asm)
    post_stock(silver.part_b, silver.silver, quantity, bin=silver.to_asm)
    post_stock(silver.kit, silver.silver, quantity - ato, bin=silver.shelf)
    header = silver.order()
    line = edit(silver.line(header, quantity=quantity), qty_to_assemble_to_order=D(ato))
    if reserve:
        reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    release_sales_order(header=header)
    return header, fresh(line)


def test_r_pick_1_create_autofill_and_post_ship_from_the_pick_lines_bins(silver):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    lines = list(pick.lines.order_by("line_no"))
    assert [(row.bin.code, row.quantity, row.assemble_to_order) for row in lines] == [
        ("ATO-SHIP", 7, True),
        ("S-01", 3, False),
    ]
    autofill_qty_to_handle(pick=pick)
    shipment = post_inventory_pick(pick=pick)

    entries = ItemLedgerEntry.objects.filter(pk__in=shipment.lines.get().entries.values("entry"))
    assert sorted((e.get_entry_type_display(), e.item.no, e.bin.code, e.quantity) for e in entries) == [
        ("Assembly Consumption", "PART-A", "TO-ASM", -14),
        ("Assembly Consumption", "PART-B", "TO-ASM", -7),
        ("Assembly Output", "KIT", "ATO-SHIP", 7),
        ("Sale", "KIT", "ATO-SHIP", -7),
        ("Sale", "KIT", "S-01", -3),
    ]
    assert fresh(line).quantity_shipped == 10
    assert not InventoryPickHeader.objects.exists()  # every line handled: the pick is done
    assert_reservation_invariants()


def test_r_pick_1_a_partly_handled_pick_ships_that_and_keeps_the_rest(silver):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    stock_line = pick.lines.get(assemble_to_order=False)
    set_qty_to_handle(pick=pick, values={stock_line.pk: D(3)})
    shipment = post_inventory_pick(pick=pick)
    assert (shipment.lines.get().quantity, shipment.lines.get().qty_assembled_to_order) == (3, 0)
    assert list(pick.lines.values_list("quantity", "qty_to_handle", "assemble_to_order")) == [(7, 0, True)]
    line = fresh(line)
    assert (line.quantity_shipped, line.qty_to_ship) == (3, 7)
    with pytest.raises(ValidationError, match="There is nothing to pick"):
        create_inventory_pick(header=header)  # the 7 are on the pick already


def test_r_pick_1_posting_a_pick_for_one_line_ignores_a_short_line_of_the_same_order(silver):
    post_stock(silver.kit, silver.silver, 2, bin=silver.shelf)
    header = silver.order()
    ready = edit(silver.line(header, quantity=2), qty_to_assemble_to_order=D(0))
    short = silver.line(header, quantity=5)  # ATO, and no components in stock at all
    release_sales_order(header=header, confirm_shortage=True)
    [pick] = create_inventory_pick(header=header)
    ready_row = pick.lines.get(order_line=ready)
    set_qty_to_handle(pick=pick, values={ready_row.pk: D(2)})

    shipment = post_inventory_pick(pick=pick)

    assert [row.order_line_id for row in shipment.lines.all()] == [ready.pk]
    assert fresh(short).quantity_shipped == 0
    autofill_qty_to_handle(pick=pick)
    before = world()
    with pytest.raises(InsufficientInventoryError, match="PART-A"):
        post_inventory_pick(pick=pick)
    assert world() == before


def test_r_pick_1_qty_to_handle_bounds_and_post_ship_refused_on_the_order(silver, user_client):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    row = pick.lines.get(assemble_to_order=True)
    with pytest.raises(ValidationError, match="Qty. to Handle must be between 0 and 7."):
        set_qty_to_handle(pick=pick, values={row.pk: D(8)})
    response = user_client.get(reverse("sales:order-post", args=[header.pk]))
    assert "with Create Inventory Pick" in response.content.decode()


def test_r_pick_1_the_ato_pick_line_sets_quantity_to_assemble(silver):
    """Handling 1 of the ATO line and 3 from stock ships 4, of which 1 assembled (within R-QTS-2's
    0..4 for Qty. to Ship 4); the ATO line keeps 6 to pick."""
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    ato_row, stock_row = pick.lines.get(assemble_to_order=True), pick.lines.get(assemble_to_order=False)
    set_qty_to_handle(pick=pick, values={ato_row.pk: D(1), stock_row.pk: D(3)})
    shipment = post_inventory_pick(pick=pick)
    assert (shipment.lines.get().quantity, shipment.lines.get().qty_assembled_to_order) == (4, 1)
    ato_row.refresh_from_db()
    assert ato_row.quantity == 6
    assert fresh(line).assembly_order.assembled_quantity == 1


def test_r_so_3_a_line_on_a_pick_cannot_be_deleted(silver):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    from sales.services.orders import reopen_sales_order

    reopen_sales_order(header=header)
    with pytest.raises(ValidationError, match=f"inventory pick {pick.no} has a line for it"):
        delete_sales_line(line=fresh(line))
    assert InventoryPickLine.objects.filter(order_line=line).exists()


# --- where each part ships from ---------------------------------------------------------


def test_x_2_the_card_shows_where_each_part_ships_from(silver, user_client):
    header, line = combination_line(silver)
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert "Ships from: 7 assembled to order at bin ATO-SHIP, 3 from bin S-01" in html


def test_x_2_a_stock_part_no_bin_holds_warns_on_the_card_and_before_release(silver, user_client):
    from sales.services.orders import ReleaseConfirmationRequired

    post_stock(silver.part_a, silver.silver, 20, bin=silver.to_asm)
    post_stock(silver.part_b, silver.silver, 10, bin=silver.to_asm)
    header = silver.order()
    edit(silver.line(header, quantity=10), qty_to_assemble_to_order=D(7))  # no KIT in stock at all
    message = "No bin at SILVER holds 3 KIT of the stock part."
    assert message in user_client.get(header.get_absolute_url()).content.decode()
    with pytest.raises(ReleaseConfirmationRequired, match=message):
        release_sales_order(header=header)
