from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import ItemLedgerEntry
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment, preview_shipment
from tests.factories import BOMComponentFactory, ItemFactory, post_stock
from tests.sales.test_reservations import edit, fresh

pytestmark = pytest.mark.django_db
D = Decimal


def test_queries_per_line_with_bins_three_components_and_reservations(silver):
    silver.silver.require_pick = False
    silver.silver.save()
    part_c = ItemFactory(no="PART-C")
    BOMComponentFactory(parent_item=silver.kit, component_item=part_c, quantity_per=D(1))
    for item in (silver.part_a, silver.part_b, part_c):
        post_stock(item, silver.silver, 10000, bin=silver.to_asm)
    post_stock(silver.kit, silver.silver, 1000, bin=silver.shelf)
    counts = {}
    for n in (10, 50):
        header = silver.order()
        for k in range(n):
            line = silver.line(header, quantity=2)
            if k % 2:
                line = edit(edit(line, qty_to_assemble_to_order=D(0)), bin=silver.shelf)
                reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY)
        release_sales_order(header=header, confirm_shortage=True)
        with CaptureQueriesContext(connection) as preview:
            preview_shipment(header=header)
        with CaptureQueriesContext(connection) as run:
            shipment = post_shipment(header=header)
        counts[n] = (len(preview), len(run), ItemLedgerEntry.objects.filter(document_no=shipment.no).count())
    print(counts)
    assert (counts[50][1] - counts[10][1]) / 40 <= 12, counts
