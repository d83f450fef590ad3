"""Smoke test of the shipment-posting benchmark: tiny sizes, so it cannot rot."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sales.models import SalesShipmentHeader, SalesShipmentLine
from tests.sales.test_reservations import assert_reservation_invariants


@pytest.mark.django_db
def test_posts_orders_and_reports_median_p95_and_queries():
    out = StringIO()
    call_command("bench_shipping", lines=4, repeat=2, stdout=out)
    report = out.getvalue()
    assert "Post (Ship) on" in report and "median" in report and "p95" in report and "per line" in report
    assert SalesShipmentHeader.objects.count() == 2
    assert SalesShipmentLine.objects.filter(qty_assembled_to_order=2).count() == 4  # the ATO half
    assert_reservation_invariants()
