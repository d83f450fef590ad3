"""Every refusal of shipping, picks and the engine's fixed application says why and changes nothing
(R-POST-1, R-POST-2, R-PICK-1, R-REL-1, R-SO-5's mirror, R-UNDO-1's floor, I-5)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.models import AssemblyHeader
from assembly.services import (
    create_assembly_order,
    delete_assembly_line,
    reopen_assembly_order,
    update_assembly_order,
)
from inventory.figures import format_day
from inventory.models import ItemLedgerEntry
from inventory.services.posting import EntryToPost, post_item_entries
from sales.models import InventoryPickLine
from sales.services.lines import save_sales_line
from sales.services.orders import release_sales_order, reopen_sales_order
from sales.services.picks import autofill_qty_to_handle, create_inventory_pick, post_inventory_pick
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment
from tests.factories import post_stock
from tests.sales.test_picks import combination_line
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_shipping import world

pytestmark = pytest.mark.django_db
D = Decimal


def everything() -> tuple:
    """`world()` and the picks' lines."""
    return world(), list(
        InventoryPickLine.objects.order_by("pk").values_list("pk", "quantity", "qty_to_handle")
    )


def refused(call, message: str) -> None:
    before = everything()
    with pytest.raises(ValidationError) as exc:
        call()
    assert message in " ".join(exc.value.messages), exc.value.messages
    assert everything() == before


def test_r_post_1_nothing_to_post(seed):
    header = seed.order()
    line = seed.line(header, quantity=2)
    edit(line, qty_to_ship=D(0))
    refused(lambda: post_shipment(header=header), "There is nothing to post.")


def test_r_rel_1_a_linked_order_without_component_quantities_is_not_posted(seed):
    header = seed.order()
    line = seed.line(header, quantity=2)
    release_sales_order(header=header)
    order = AssemblyHeader.objects.get(pk=fresh(line).assembly_order_id)
    reopen_assembly_order(order=order)
    for component in order.lines.all():
        delete_assembly_line(line=component)
    refused(
        lambda: post_shipment(header=header),
        f"assembly order {order.no} has no component line with a Quantity",
    )


def test_r_pick_1_a_pick_the_line_has_left_behind_is_refused(silver):
    header, line = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    reopen_sales_order(header=header)
    save_sales_line(
        header=header,
        line=fresh(line),
        values={"qty_to_assemble_to_order": D(2), "bin": silver.shelf},
        confirm_reopen=True,
    )
    release_sales_order(header=header, confirm_shortage=True)
    autofill_qty_to_handle(pick=pick)
    refused(lambda: post_inventory_pick(pick=pick), f"Inventory pick {pick.no} no longer matches line 10000")


def test_r_pick_1_a_pick_handling_more_than_is_outstanding_is_refused(silver):
    header, line = combination_line(silver, ato=0)
    [pick] = create_inventory_pick(header=header)
    reopen_sales_order(header=header)
    from inventory.models import Reservation

    Reservation.objects.filter(sales_line=line).delete()
    edit(fresh(line), quantity=D(4))
    release_sales_order(header=header)
    autofill_qty_to_handle(pick=pick)
    refused(lambda: post_inventory_pick(pick=pick), "the pick handles more than the outstanding quantity 4")


def test_r_pick_1_a_pick_of_a_reopened_order_is_refused(silver):
    header, _ = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    autofill_qty_to_handle(pick=pick)
    reopen_sales_order(header=header)
    refused(
        lambda: post_inventory_pick(pick=pick),
        f"Sales order {header.no} must be Released to post its inventory pick",
    )


def test_r_pick_1_nothing_to_pick_twice(silver):
    header, _ = combination_line(silver)
    create_inventory_pick(header=header)
    refused(
        lambda: create_inventory_pick(header=header), f"There is nothing to pick for sales order {header.no}."
    )


def test_r_pick_1_nothing_to_handle(silver):
    header, _ = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    refused(
        lambda: post_inventory_pick(pick=pick),
        f"There is nothing to handle: Qty. to Handle is 0 on every line of {pick.no}.",
    )


def test_an_assembly_order_cannot_become_due_after_a_line_that_reserved_it(seed):
    """The mirror of R-SO-5 (found in review)."""
    today = timezone.localdate()
    order = create_assembly_order(item=seed.kit, quantity=D(4), location=seed.main, due_date=today)
    header = seed.order()
    line = edit(seed.line(header, quantity=4), qty_to_assemble_to_order=D(0))
    from inventory.models import Reservation

    Reservation.objects.filter(sales_line=line, item_ledger_entry__isnull=False).delete()
    reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ASSEMBLY_ORDER)
    later = today + datetime.timedelta(days=5)
    refused(
        lambda: update_assembly_order(order=AssemblyHeader.objects.get(pk=order.pk), due_date=later),
        f"Due Date cannot be after {format_day(today)}, the Shipment Date of sales order {header.no} line 10000",
    )


def _entry(seed, quantity, **extra) -> EntryToPost:
    return EntryToPost(
        entry_type=ItemLedgerEntry.EntryType.SALE,
        document_type=ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
        document_no="T",
        posting_date=timezone.localdate(),
        item=seed.part_b,
        location=seed.main,
        bin=None,
        quantity=D(quantity),
        **extra,
    )


def test_fixed_application_to_an_outbound_entry_is_refused(seed):
    [out] = post_item_entries([_entry(seed, -1)])
    refused(
        lambda: post_item_entries([_entry(seed, -1, apply_to=out)]),
        f"Entry {out.pk} is not an open inbound entry",
    )


def test_a_correction_of_more_than_was_taken_out_is_refused(seed):
    [out] = post_item_entries([_entry(seed, -2)])
    refused(lambda: post_item_entries([_entry(seed, 3, applies_from=out)]), f"Entry {out.pk} took out 2")
    inbound = post_stock(seed.part_b, seed.main, 1)
    refused(
        lambda: post_item_entries([_entry(seed, 1, applies_from=inbound)]),
        f"Entry {inbound.pk} is not an outbound entry of PART-B at MAIN",
    )
