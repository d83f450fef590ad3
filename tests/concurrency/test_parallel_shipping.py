"""Post (Ship) under parallel requests, on PostgreSQL with real threads (R-POST-5, I-1..I-4, I-5, X-6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.models import ItemLedgerEntry, Reservation
from inventory.services.posting import InsufficientInventoryError
from sales.models import SalesHeader, SalesLine, SalesShipmentHeader
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment, shipment_summary
from tests.concurrency.parallel import run_in_parallel
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal
EXPECTED = (ValidationError, InsufficientInventoryError)


def header_of(pk: int) -> SalesHeader:
    return SalesHeader.objects.get(pk=pk)


def test_r_post_5_two_posts_of_one_order_at_the_same_instant_post_once():
    seed = Seed()
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    release_sales_order(header=header)
    _, fingerprint = shipment_summary(header=header)

    outcomes = run_in_parallel(
        *(lambda: post_shipment(header=header_of(header.pk), expect=fingerprint) for _ in range(4))
    )

    posted = [o for o in outcomes if isinstance(o, SalesShipmentHeader)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(posted) == 1 and len(refused) == 3, outcomes
    assert all("There is nothing to post." in " ".join(o.messages) for o in refused), refused
    assert SalesShipmentHeader.objects.count() == 1
    assert fresh(line).quantity_shipped == 10
    assert ItemLedgerEntry.objects.filter(document_no=posted[0].no).count() == 2  # ATO sale, stock sale
    assert_reservation_invariants()


def test_x_6_post_racing_a_reservation_on_another_order_for_the_same_stock():
    """Order A ships 3 KIT from stock (unreserved) while order B reserves the same 3: never both."""
    seed = Seed(stock=False)
    for round_ in range(8):
        post_stock(seed.kit, seed.main, 3)
        a = seed.order()
        line_a = edit(seed.line(a, quantity=3), qty_to_assemble_to_order=D(0))
        release_sales_order(header=a)
        b = seed.order()
        line_b = edit(seed.line(b, quantity=3), qty_to_assemble_to_order=D(0))

        outcomes = run_in_parallel(
            lambda a=a: post_shipment(header=header_of(a.pk)),
            lambda line_b=line_b: reserve_from_current_line(
                line=fresh(line_b), supply_type=SupplyType.ITEM_LEDGER_ENTRY
            ),
        )

        unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, EXPECTED)]
        assert not unexpected, unexpected
        shipped = fresh(line_a).quantity_shipped
        reserved = Reservation.objects.filter(sales_line=line_b).total()
        assert shipped + reserved == 3, (round_, outcomes)  # one of them got the 3, never both
        for entry in ItemLedgerEntry.objects.filter(item=seed.kit, quantity__gt=0):
            assert Reservation.objects.filter(item_ledger_entry=entry).total() <= entry.remaining_quantity
        Reservation.objects.filter(sales_line=line_b).delete()
        SalesLine.objects.filter(pk=line_b.pk).update(quantity=0, qty_to_ship=0, qty_to_invoice=0)
        if shipped == 0:  # the reservation won: ship it away so the next round starts empty
            SalesLine.objects.filter(pk=line_a.pk).update(quantity=0, qty_to_ship=0, qty_to_invoice=0)
            post_stock(seed.kit, seed.main, -3)
    assert_reservation_invariants()
