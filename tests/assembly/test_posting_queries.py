"""Posting a stand-alone assembly order costs a fixed number of queries, whatever the number of
reservations on it (R-ASM-2, R-RES-8; found in review: two queries per reservation)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assembly.services import create_assembly_order, post_assembly_order
from inventory.models import NoSeries, Reservation
from sales.services.reservations import SupplyType, reserve_from_current_line
from tests.factories import post_stock
from tests.sales.conftest import Seed

pytestmark = pytest.mark.django_db


def test_r_res_8_moving_reservations_to_the_output_costs_no_query_per_reservation():
    seed = Seed()
    NoSeries.objects.create(code="POSTED-ASSEMBLY", prefix="PAO-")  # not created on the first posting
    post_stock(seed.part_a, seed.main, 1000)
    post_stock(seed.part_b, seed.main, 1000)
    counts = []
    for reserving_lines in (1, 10):
        order = create_assembly_order(
            item=seed.kit, quantity=Decimal(20), location=seed.main, due_date=timezone.localdate()
        )
        header = seed.order()
        for _ in range(reserving_lines):
            line = seed.line(header, quantity=1, qty_to_assemble_to_order=Decimal(0))
            reserve_from_current_line(line=line, supply_type=SupplyType.ASSEMBLY_ORDER)
        with CaptureQueriesContext(connection) as run:
            posted = post_assembly_order(order=order)
        assert Reservation.objects.filter(item_ledger_entry__document_no=posted.no).count() == reserving_lines
        counts.append(len(run))
    assert counts[0] == counts[1], counts
