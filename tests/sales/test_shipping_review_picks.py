"""Review 2: inventory picks (R-PICK-1) against R-POST-5, I-3, I-6 and stale quantities."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from inventory.models import ItemLedgerEntry, Reservation
from sales.models import InventoryPickHeader, SalesShipmentHeader
from sales.services.orders import release_sales_order, reopen_sales_order
from sales.services.picks import (
    autofill_qty_to_handle,
    create_inventory_pick,
    pick_fingerprint,
    post_inventory_pick,
)
from sales.services.reservations import SupplyType, reserve_from_supply
from tests.factories import BinFactory, ItemFactory, post_stock
from tests.sales.test_picks import combination_line
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db
D = Decimal


def test_r_post_5_pick_post_resubmitted_ships_twice(silver, user_client):
    """The pick's Post submits the Qty. to Handle cells with it; a retry, a second tab or a double
    submit without htmx saves them again and posts again."""
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    stock_row = pick.lines.get(assemble_to_order=False)
    ato_row = pick.lines.get(assemble_to_order=True)
    form = {f"line-{stock_row.pk}-qty_to_handle": "1", f"line-{ato_row.pk}-qty_to_handle": "0"}
    url = reverse("sales:pick-post", args=[pick.pk])
    form["fingerprint"] = pick_fingerprint(list(pick.lines.order_by("line_no")))
    first = user_client.post(url, form, **HTMX)
    assert first.status_code == 200
    second = user_client.post(url, form, **HTMX)  # same form, again
    assert second.status_code == 422
    assert SalesShipmentHeader.objects.count() == 1, second.status_code
    assert fresh(line).quantity_shipped == 1


def _stock_line_on_pick(silver):
    chair = ItemFactory(no="CHAIR")
    table = ItemFactory(no="TABLE")
    post_stock(chair, silver.silver, 5, bin=silver.shelf)
    post_stock(table, silver.silver, 5, bin=silver.shelf)
    header = silver.order()
    line = edit(silver.line(header, item=chair, quantity=2), bin=silver.shelf)
    release_sales_order(header=header)
    [pick] = create_inventory_pick(header=header)
    return header, line, pick, chair, table


def test_r_pick_1_stale_pick_ships_another_item_after_the_line_item_changed(silver):
    """Found in review: reopen, change the picked line's item (nothing reserved, no ATO: allowed),
    release, post the pick made for CHAIR: it shipped TABLE, which nobody picked. Now refused."""
    header, line, pick, chair, table = _stock_line_on_pick(silver)
    reopen_sales_order(header=header)
    edit(fresh(line), item=table)
    release_sales_order(header=header)
    autofill_qty_to_handle(pick=pick)
    assert list(pick.lines.values_list("item__no", flat=True)) == ["CHAIR"]
    with pytest.raises(ValidationError, match="no longer matches line 10000"):
        post_inventory_pick(pick=pick)
    sold = set(
        ItemLedgerEntry.objects.filter(entry_type=ItemLedgerEntry.EntryType.SALE).values_list(
            "item__no", flat=True
        )
    )
    assert "TABLE" not in sold, "the pick for CHAIR shipped TABLE"


def test_r_post_1_a_pick_posts_on_a_reopened_order(silver):
    """Found in review: reopened after the pick was made, the pick still posted, without Release's
    checks, and the order stayed Open with a shipment (R-POST-1). Now refused until released again."""
    header, line, pick, chair, table = _stock_line_on_pick(silver)
    reopen_sales_order(header=header)
    autofill_qty_to_handle(pick=pick)
    with pytest.raises(ValidationError, match="must be Released to post its inventory pick"):
        post_inventory_pick(pick=pick)
    assert not SalesShipmentHeader.objects.exists()


def test_i_3_reservation_made_after_the_pick_in_another_bin_is_left_on_a_shipped_line(silver):
    """The pick says S-01; the user then reserves the entry in S-02 (Reserve stays available on a
    Released order). Posting the pick ships from S-01 and leaves the 2 reserved in S-02 on a line with
    nothing outstanding (I-3, R-RES-8)."""
    s2 = BinFactory(location=silver.silver, code="S-02")
    header, line, pick, chair, table = _stock_line_on_pick(silver)
    post_stock(chair, silver.silver, 2, bin=s2)
    entry = ItemLedgerEntry.objects.get(item=chair, bin=s2)
    reserve_from_supply(
        line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY, supply_pk=entry.pk, quantity=D(2)
    )
    autofill_qty_to_handle(pick=pick)
    post_inventory_pick(pick=pick)
    line = fresh(line)
    assert line.outstanding_quantity == 0
    assert Reservation.objects.filter(sales_line=line).total() == 0


def test_i_6_double_submit_of_a_fully_handled_pick_is_not_a_500(silver, user_client):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    autofill_qty_to_handle(pick=pick)
    url = reverse("sales:pick-post", args=[pick.pk])
    rows = {f"line-{r.pk}-qty_to_handle": str(r.quantity) for r in pick.lines.all()}
    rows["fingerprint"] = pick_fingerprint(list(pick.lines.order_by("line_no")))
    user_client.post(url, rows, **HTMX)
    assert not InventoryPickHeader.objects.exists()
    again = user_client.post(url, rows, **HTMX)
    assert again.status_code in (404, 409, 422)


def test_stale_ato_pick_line_after_the_linked_order_was_deleted_says_something_false(silver):
    """Reopen, set Qty. to Assemble to Order to 0 (R-LINK-2 deletes the linked order; the ATO pick
    line stays). Posting the pick says the outstanding quantity is 0, though 10 are outstanding."""
    header, line = combination_line(silver, reserve=False)
    [pick] = create_inventory_pick(header=header)
    reopen_sales_order(header=header)
    from sales.services.lines import save_sales_line

    save_sales_line(
        header=header, line=fresh(line), values={"qty_to_assemble_to_order": D(0)}, confirm_reopen=True
    )
    release_sales_order(header=header, confirm_shortage=True)
    autofill_qty_to_handle(pick=pick)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        post_inventory_pick(pick=pick)
    assert "outstanding quantity 0" not in " ".join(refused.value.messages), refused.value.messages


def test_r_post_2_stale_ato_pick_line_ships_units_with_no_ledger_entry(silver):
    """Handle 2 of the ATO pick line (assembled 2); reopen and set Qty. to Assemble to Order to 2 (its
    Assembled Quantity, R-QATO-3 allows it: the linked order's Remaining is 0); release; post the rest
    of the pick (ATO 5, stock 3). The ATO part is silently taken as stock, but only the stock pick
    line's 3 units get a Sale entry: the line ships 8 and the ledger shows 3."""
    from sales.services.lines import save_sales_line
    from sales.services.picks import set_qty_to_handle

    header, line = combination_line(silver, reserve=False)
    post_stock(silver.kit, silver.silver, 10, bin=silver.shelf)  # plenty of stock: nothing is short
    [pick] = create_inventory_pick(header=header)
    ato_row = pick.lines.get(assemble_to_order=True)
    set_qty_to_handle(pick=pick, values={ato_row.pk: D(2)})
    post_inventory_pick(pick=pick)
    reopen_sales_order(header=header)
    save_sales_line(
        header=header, line=fresh(line), values={"qty_to_assemble_to_order": D(2)}, confirm_reopen=True
    )
    release_sales_order(header=header, confirm_shortage=True)
    autofill_qty_to_handle(pick=pick)
    try:
        shipment = post_inventory_pick(pick=pick)
    except Exception:
        return
    line = fresh(line)
    sold = -sum(
        ItemLedgerEntry.objects.filter(
            item=silver.kit, entry_type=ItemLedgerEntry.EntryType.SALE
        ).values_list("quantity", flat=True)
    )
    shipped_line = shipment.lines.get()
    assert sold == line.quantity_shipped, (
        f"Quantity Shipped {line.quantity_shipped}, KIT Sale entries {sold}; "
        f"shipment line {shipped_line.quantity} ({shipped_line.qty_assembled_to_order} assembled)"
    )
