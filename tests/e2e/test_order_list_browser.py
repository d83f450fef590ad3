"""The order desk in a real browser: the Sales Orders list filtered in place (htmx, pushed URL, a
message next to a bad field), then a changed Quantity on the card updating Total Amount."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from sales.services.shipping import post_shipment
from tests.sales.conftest import Seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_the_list_then_change_a_quantity_and_see_the_total(logged_in_page, live_server, screenshot):
    page = logged_in_page
    seed = Seed()
    waiting = seed.order()
    seed.line(waiting, item=seed.part_a, quantity=2)
    shipped = seed.order()
    seed.line(shipped, item=seed.part_a, quantity=1, unit_price=Decimal("0.35"))
    post_shipment(header=shipped)

    page.get_by_role("link", name="Sales Orders").click()
    table = page.locator("#orders-table")
    expect(table.get_by_role("link", name=waiting.no)).to_be_visible()
    page.evaluate("window.__same_page = true")

    page.get_by_label("Customer No.").fill("nope")
    page.get_by_label("Customer No.").press("Enter")
    filters = page.locator("#order-filters")
    expect(filters).to_contain_text("There is no Customer with No. NOPE.")
    expect(page.get_by_label("Customer No.")).to_have_attribute("aria-invalid", "true")
    expect(table).to_contain_text("No sales orders match the filters.")
    expect(page).to_have_url(re.compile(r"customer=nope"))

    page.get_by_label("Customer No.").fill("10000")
    page.get_by_label("Not fully shipped").check()
    page.get_by_role("button", name="Filter").click()
    expect(table.get_by_role("link", name=shipped.no)).to_have_count(0)
    expect(table.get_by_role("link", name=waiting.no)).to_be_visible()
    expect(filters).not_to_contain_text("There is no Customer")
    expect(page).to_have_url(re.compile(r"not_fully_shipped=on"))
    assert page.evaluate("window.__same_page") is True
    screenshot("sales-order-list-filtered")

    page.get_by_label("Not fully shipped").uncheck()
    page.get_by_label("Shipped not invoiced").check()
    page.get_by_role("button", name="Filter").click()
    row = table.locator("tr", has=page.get_by_role("link", name=shipped.no))
    expect(row).to_contain_text("Shipped")
    expect(row.locator("[data-caption='Completely Shipped']")).to_have_text("Yes")
    expect(row.locator("[data-caption='Amount']")).to_have_text("0.35")
    expect(table.get_by_role("link", name=waiting.no)).to_have_count(0)

    page.go_back()  # the pushed URL brings the previous filter back
    expect(table.get_by_role("link", name=waiting.no)).to_be_visible()

    page.goto(live_server.url + waiting.get_absolute_url())
    totals = page.get_by_label("Totals")
    expect(totals.locator("[data-figure='total-amount']")).to_have_text("200.00")
    quantity = page.locator("#sales-lines tbody tr").first.get_by_label("Quantity", exact=True)
    quantity.fill("3")
    quantity.press("Tab")
    expect(totals.locator("[data-figure='total-amount']")).to_have_text("300.00")
    expect(totals.locator("[data-figure='amount-shipped']")).to_have_text("0.00")
    screenshot("sales-order-card-totals")
