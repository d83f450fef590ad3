"""The lines grid fits the screen (issue 10): at 1366 × 768 every column the seed procedure needs, and the
Reserve action, are within the viewport without scrolling; "Choose columns" hides and shows the others,
remembered per user."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.sales.conftest import Seed
from tests.sales.test_reservations import edit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED_COLUMNS = [
    "No.",
    "Description",
    "Location Code",
    "Bin Code",
    "Quantity",
    "Qty. to Assemble to Order",
    "Reserved Quantity",
    "Qty. to Ship",
    "Quantity Shipped",
    "Shipment Date",
    "Unit Price",
    "Line Amount",
]


def within_view(page, locator) -> bool:
    """Inside the viewport and inside the grid's scroll area as it is shown (not scrolled to)."""
    box = locator.bounding_box()
    area = page.locator("#sales-lines .table-wrap").bounding_box()
    right = min(page.viewport_size["width"], area["x"] + area["width"])
    return box is not None and box["x"] >= max(0, area["x"]) and box["x"] + box["width"] <= right


def test_seed_columns_and_reserve_fit_at_1366(logged_in_page, live_server, screenshot):
    page = logged_in_page
    page.set_viewport_size({"width": 1366, "height": 768})
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10)
    edit(line, qty_to_assemble_to_order=7)
    page.goto(live_server.url + header.get_absolute_url())
    grid = page.get_by_role("table", name="Sales lines")
    screenshot("grid-1366")
    for caption in SEED_COLUMNS:
        th = grid.locator("thead th", has_text=caption).first
        assert within_view(page, th), f"{caption} is off screen: {th.bounding_box()}"
    row = grid.locator("tbody tr").first
    assert within_view(page, row.get_by_role("link", name="Reserve line KIT"))
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    wrap = "document.querySelector('#sales-lines .table-wrap')"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth"), "the grid scrolls sideways"
    # The row shows the values it showed before the grid was made to fit.
    expect(row.get_by_label("No.")).to_have_value("KIT")
    expect(row.get_by_label("Quantity", exact=True)).to_have_value("10")
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("7")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("7")
    expect(row.locator("[data-caption='Line Amount']")).to_have_text("5000.00")


def test_choose_columns_shows_a_hidden_column_and_remembers_it(logged_in_page, live_server):
    page = logged_in_page
    seed = Seed()
    header = seed.order()
    seed.line(header, quantity=2)
    page.goto(live_server.url + header.get_absolute_url())
    grid = page.get_by_role("table", name="Sales lines")
    expect(grid.locator("thead th[data-column='qty_to_invoice']")).to_have_count(0)
    page.get_by_text("Choose columns").click()
    page.get_by_label("Qty. to Invoice").check()
    page.get_by_role("button", name="OK").click()
    expect(grid.locator("thead th[data-column='qty_to_invoice']")).to_have_text("Qty. to Invoice")
    other = seed.order()
    seed.line(other, quantity=1)
    page.goto(live_server.url + other.get_absolute_url())
    expect(page.locator("thead th[data-column='qty_to_invoice']")).to_have_count(1)
