"""The read rules behind the Sales Orders list (SalesHeaderQuerySet): Amount summed in SQL exactly as
the card sums the line amounts in Python, the shipped/invoiced state and BC's Completely Shipped, and
the line filters "Not fully shipped" and "Shipped not invoiced" (spec 4, R-INVC-1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.figures import round_amount
from sales.models import OrderAmounts, SalesHeader, SalesStatus, ShippingState
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from tests.sales.test_reservations import edit, fresh

pytestmark = pytest.mark.django_db
D = Decimal

# (Quantity, Unit Price): ties at the half cent, a product below a cent, and large amounts where
# floating point misses the cent (SQLite's ROUND(100574.5959 * 84156.83, 2) is …169.48).
AWKWARD = [
    ("0.335", "3.00"),  # 1.005 → 1.01
    ("0.335", "3.00"),
    ("0.5", "0.01"),  # 0.005 → 0.01
    ("1.5", "0.33"),  # 0.495 → 0.50
    ("0.00001", "0.01"),  # 0.0000001 → 0.00
    ("2.00005", "0.10"),  # 0.200005 → 0.20
    ("7", "0.07"),
    ("100574.5959", "84156.83"),  # 8464039169.474997 → .47
    ("6130.30085", "6428244.69"),  # 39407073887.1149865 → .11
]


def desk(seed) -> dict[str, SalesHeader]:
    """One order in each shipped/invoiced state, of PART-A (20 on stock at MAIN), by name."""
    orders = {"empty": seed.order()}
    orders["open"] = seed.order()
    seed.line(orders["open"], item=seed.part_a, quantity=2)

    orders["partly"] = seed.order()
    edit(seed.line(orders["partly"], item=seed.part_a, quantity=4), qty_to_ship=D(1))
    post_shipment(header=orders["partly"])

    orders["shipped"] = seed.order()
    seed.line(orders["shipped"], item=seed.part_a, quantity=2)
    seed.line(orders["shipped"], item=seed.part_b, quantity=0)  # a zero line never holds an order back
    post_shipment(header=orders["shipped"])

    orders["partly_invoiced"] = seed.order()
    line = seed.line(orders["partly_invoiced"], item=seed.part_a, quantity=3)
    post_shipment(header=orders["partly_invoiced"])
    edit(fresh(line), qty_to_invoice=D(1))
    post_sales_order(header=orders["partly_invoiced"], choice=PostChoice.INVOICE)

    orders["mixed"] = seed.order()  # partly shipped, and of that partly invoiced
    line = edit(seed.line(orders["mixed"], item=seed.part_a, quantity=4), qty_to_ship=D(2))
    post_shipment(header=orders["mixed"])
    edit(fresh(line), qty_to_invoice=D(1))
    post_sales_order(header=orders["mixed"], choice=PostChoice.INVOICE)

    orders["invoiced"] = seed.order()
    seed.line(orders["invoiced"], item=seed.part_a, quantity=2)
    post_sales_order(header=orders["invoiced"], choice=PostChoice.SHIP_AND_INVOICE)
    return {name: SalesHeader.objects.get(pk=order.pk) for name, order in orders.items()}


def test_amount_in_sql_is_the_python_sum_of_line_amounts_rounded_per_line(seed):
    header = seed.order()
    for quantity, price in AWKWARD:
        seed.line(header, item=seed.part_a, quantity=D(quantity), unit_price=D(price))
    ties = seed.order()
    for _ in range(2):
        seed.line(ties, item=seed.part_a, quantity=D("0.335"), unit_price=D("3.00"))
    largest = seed.order()
    seed.line(largest, item=seed.part_a, quantity=D("999999.99999"), unit_price=D("9999999.99"))
    empty = seed.order()

    sql = dict(SalesHeader.objects.with_totals().values_list("pk", "amount"))
    for order in (header, ties, largest, empty):
        assert sql[order.pk] == OrderAmounts.of(order.lines.all()).amount
    assert sql[header.pk] == sum(round_amount(D(q) * D(p)) for q, p in AWKWARD)
    assert sql[ties.pk] == D("2.02")  # 1.01 twice, not round(2.01)
    assert sql[largest.pk] == D("9999999989900.00")
    assert sql[empty.pk] == 0


def test_shipping_state_completely_shipped_and_the_two_line_filters(seed):
    orders = desk(seed)
    rows = {
        order.pk: (order.shipping_state, order.completely_shipped)
        for order in SalesHeader.objects.with_totals()
    }
    expected = {
        "empty": (ShippingState.NOT_SHIPPED, False),
        "open": (ShippingState.NOT_SHIPPED, False),
        "partly": (ShippingState.PARTLY_SHIPPED, False),
        "shipped": (ShippingState.SHIPPED, True),
        "partly_invoiced": (ShippingState.PARTLY_INVOICED, True),
        "mixed": (ShippingState.PARTLY_INVOICED, False),
        "invoiced": (ShippingState.INVOICED, True),
    }
    assert {name: rows[order.pk] for name, order in orders.items()} == expected
    assert orders["invoiced"].status == SalesStatus.COMPLETED
    assert set(SalesHeader.objects.not_fully_shipped()) == {orders[n] for n in ("open", "partly", "mixed")}
    assert set(SalesHeader.objects.shipped_not_invoiced()) == {
        orders[n] for n in ("partly", "shipped", "partly_invoiced", "mixed")
    }
