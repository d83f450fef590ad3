"""The sales order card's totals below the lines: Total Amount, Amount Shipped, Amount Invoiced (each
line's amount rounded, then summed), computed from the lines the card loads anyway, and refreshed out
of band when a row is saved."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sales.models import OrderAmounts, SalesHeader
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_views import row_data, row_url

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def totals(html: str) -> dict[str, str]:
    region = re.search(r'<dl id="order-totals".*?</dl>', html, re.S)
    assert region, "no totals region"
    return dict(re.findall(r'data-figure="([a-z-]+)">([^<]*)</dd>', region.group(0)))


def shipped_and_invoiced(seed) -> SalesHeader:
    """3 × 0.35 shipped, 1 of them invoiced; 0.335 × 3.00 (1.005) of which 0.165 (0.495) shipped."""
    header = seed.order()
    first = seed.line(header, item=seed.part_a, quantity=3, unit_price=D("0.35"))
    second = seed.line(header, item=seed.part_b, quantity=D("0.335"), unit_price=D("3.00"))
    edit(second, qty_to_ship=D("0.165"))
    post_shipment(header=header)
    edit(fresh(first), qty_to_invoice=D(1))
    edit(fresh(second), qty_to_invoice=D(0))
    post_sales_order(header=header, choice=PostChoice.INVOICE)
    return SalesHeader.objects.get(pk=header.pk)


def test_card_shows_the_totals_rounded_per_line(seed, user_client):
    header = shipped_and_invoiced(seed)
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert totals(html) == {"total-amount": "2.06", "amount-shipped": "1.55", "amount-invoiced": "0.35"}
    assert "<dt>Total Amount</dt>" in html and "<dt>Amount Shipped</dt>" in html
    assert "<dt>Amount Invoiced</dt>" in html
    # The list's SQL sum of the same order says the same.
    assert SalesHeader.objects.with_totals().get(pk=header.pk).amount == D("2.06")
    assert OrderAmounts.of(header.lines.all()) == OrderAmounts(D("2.06"), D("1.55"), D("0.35"))


def test_the_totals_cost_no_query_per_line(seed, user_client):
    """The card already loads its lines: the totals add no query, however many lines."""
    counts = {}
    for n in (2, 20):
        header = seed.order()
        for _ in range(n):
            seed.line(header, item=seed.part_a, quantity=1)
        with CaptureQueriesContext(connection) as run:
            html = user_client.get(header.get_absolute_url()).content.decode()
        counts[n] = len(run)
        assert totals(html)["total-amount"] == f"{100 * n:,.2f}"
    assert counts[2] == counts[20]


def test_saving_a_quantity_refreshes_the_totals_out_of_band(seed, user_client):
    header = seed.order()
    line = seed.line(header, item=seed.part_a, quantity=D("0.335"), unit_price=D("3.00"))
    seed.line(header, item=seed.part_b, quantity=1)
    response = user_client.post(row_url(line), row_data(line, quantity="0.665"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith(f'<tr id="line-{line.pk}"')
    assert '<dl id="order-totals" class="figures totals" aria-label="Totals" hx-swap-oob="true">' in html
    assert totals(html)["total-amount"] == "102.00"  # 0.665 × 3.00 = 1.995 → 2.00, plus 100.00
    line = fresh(line)
    price = user_client.post(row_url(line), row_data(line, unit_price="4.01"), **HTMX)
    assert totals(price.content.decode())["total-amount"] == "102.67"  # 2.66665 → 2.67


def test_a_refused_row_save_leaves_the_totals_alone(seed, user_client):
    header = seed.order()
    line = seed.line(header, item=seed.part_a, quantity=2)
    response = user_client.post(row_url(line), row_data(line, quantity="ten"), **HTMX)
    assert response.status_code == 422 and 'id="order-totals"' not in response.content.decode()
    assert fresh(line).quantity == 2


def test_a_row_save_with_its_totals_costs_the_same_whatever_the_lines(seed, user_client):
    counts = {}
    for n in (3, 30):
        header = seed.order()
        lines = [seed.line(header, item=seed.part_a, quantity=1) for _ in range(n)]
        with CaptureQueriesContext(connection) as run:
            response = user_client.post(row_url(lines[0]), row_data(lines[0], quantity="2"), **HTMX)
        assert response.status_code == 200
        counts[n] = len(run)
    assert counts[3] == counts[30]


def test_the_card_without_javascript_shows_the_new_totals_after_a_save(seed, user_client):
    header = seed.order()
    line = seed.line(header, item=seed.part_a, quantity=1)
    user_client.post(row_url(line), row_data(line, quantity="3"))
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert totals(html)["total-amount"] == "300.00"
