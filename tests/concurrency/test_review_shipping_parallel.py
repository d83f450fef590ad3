"""Review 2: R-POST-5 across servers (PostgreSQL, real threads)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sales.models import InventoryPickHeader, InventoryPickLine, SalesHeader, SalesShipmentHeader
from sales.services.orders import release_sales_order
from sales.services.picks import create_inventory_pick, pick_fingerprint, post_inventory_pick
from sales.services.shipping import post_shipment, shipment_summary
from tests.concurrency.parallel import run_in_parallel
from tests.factories import ItemFactory, post_stock
from tests.sales.conftest import Seed, SilverSeed
from tests.sales.test_reservations import edit, fresh

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal


def test_r_post_5_two_servers_post_the_same_partial_confirmation_twice():
    seed = Seed()
    post_stock(seed.kit, seed.main, 10)
    header = seed.order()
    line = edit(seed.line(header, quantity=8), qty_to_assemble_to_order=D(0))
    line = edit(line, qty_to_ship=D(4))
    release_sales_order(header=header)
    _, fingerprint = shipment_summary(header=header)

    outcomes = run_in_parallel(
        *(
            lambda: post_shipment(header=SalesHeader.objects.get(pk=header.pk), expect=fingerprint)
            for _ in range(2)
        )
    )

    assert SalesShipmentHeader.objects.count() == 1, outcomes
    assert fresh(line).quantity_shipped == 4


def test_r_post_5_two_tabs_post_the_same_pick_twice():
    silver = SilverSeed()
    chair = ItemFactory(no="CHAIR")
    post_stock(chair, silver.silver, 10, bin=silver.shelf)
    header = silver.order()
    line = edit(silver.line(header, item=chair, quantity=10), bin=silver.shelf)
    release_sales_order(header=header)
    [pick] = create_inventory_pick(header=header)
    row = pick.lines.get()

    # Both tabs show the pick as it is now; their Post sends the typed Qty. to Handle with the pick's
    # fingerprint (what the pick card's Post does): the second finds the pick changed and posts nothing,
    # whichever order the two requests are served in.
    fingerprint = pick_fingerprint(list(pick.lines.select_related("item", "bin", "order_line")))

    def tab():
        p = InventoryPickHeader.objects.get(pk=pick.pk)
        return post_inventory_pick(pick=p, values={row.pk: D(3)}, expect=fingerprint)

    outcomes = run_in_parallel(tab, tab)
    assert SalesShipmentHeader.objects.count() == 1, outcomes
    assert fresh(line).quantity_shipped == 3
    assert InventoryPickLine.objects.get(pk=row.pk).quantity == 7
