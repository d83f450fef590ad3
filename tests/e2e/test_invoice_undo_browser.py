"""The seed flow after step 5, in a real browser (issue 9): Post with Ship and Invoice, the order
Completed, Find entries on the posted documents (R-INVC-1, R-NAV-1); and Ship, Undo Shipment, the
assembly order open again (R-UNDO-1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sales.models import SalesInvoiceHeader, SalesShipmentHeader
from tests.sales.conftest import Seed
from tests.sales.test_shipping import seed_steps_1_to_5

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_released_seed_order(page, live_server):
    header, line = seed_steps_1_to_5(Seed())
    page.goto(live_server.url + header.get_absolute_url())
    expect(page.get_by_test_id("status")).to_have_text("Released")
    return header, line


def test_post_ship_and_invoice_completes_the_order(logged_in_page, live_server, screenshot):
    page = logged_in_page
    header, _ = open_released_seed_order(page, live_server)

    page.get_by_role("link", name="Post…").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Ship and Invoice").check()
    expect(page.get_by_test_id("ship-summary")).to_have_text(
        "Ship 10 KIT: 7 assembled to order, 3 from stockInvoice 10 KIT at 500.00: 5,000.00"
    )
    screenshot("invoice-ship-and-invoice-confirm")
    page.get_by_role("dialog").get_by_role("button", name="Ship and Invoice").click()

    expect(page.get_by_test_id("status")).to_have_text("Completed")
    expect(page.locator("#sales-lines")).to_contain_text("Posted Sales Invoice")
    expect(page.get_by_test_id("completed-note")).to_be_visible()
    expect(page.get_by_role("link", name="Post…")).to_have_count(0)
    row = page.locator("#sales-lines tbody tr").first
    expect(row.locator("[data-caption='Quantity Invoiced']")).to_have_text("10")
    screenshot("invoice-order-completed")

    invoice = SalesInvoiceHeader.objects.get()
    page.get_by_role("link", name=invoice.no).click()
    expect(page.get_by_test_id("invoice-total")).to_have_text("5,000.00")
    assert SalesShipmentHeader.objects.count() == 1

    # Find entries (R-NAV-1) from the navigation's search box, on the posted shipment number.
    shipment = SalesShipmentHeader.objects.get()
    search = page.get_by_role("searchbox", name="Find entries")
    search.fill(shipment.no)
    search.press("Enter")
    related = page.get_by_role("table", name="Related Entries")
    counts = {
        "posted-sales-shipment": "1",
        "posted-assembly-header": "1",
        "item-ledger-entry": "5",
    }
    for group, count in counts.items():
        expect(related.locator(f"tr[data-group='{group}'] td.num")).to_have_text(count)
    screenshot("find-entries-shipment")
    related.locator("tr[data-group='item-ledger-entry'] a").click()
    entries = page.get_by_role("table", name="Item Ledger Entry")
    expect(entries.locator("tr[data-row]")).to_have_count(5)
    for item, quantity in (("PART-A", "-14"), ("PART-B", "-7"), ("KIT", "7"), ("KIT", "-7"), ("KIT", "-3")):
        expect(entries.locator("tr[data-row]", has_text=item).filter(has_text=quantity).first).to_be_visible()
    screenshot("find-entries-ledger-entries")

    search = page.get_by_role("searchbox", name="Find entries").first
    search.fill(invoice.no)
    search.press("Enter")
    related = page.get_by_role("table", name="Related Entries")
    expect(related.locator("tr[data-group='posted-sales-invoice'] td.num")).to_have_text("1")
    related.locator("tr[data-group='posted-sales-invoice'] a").click()
    expect(page.get_by_role("table", name="Posted Sales Invoice")).to_contain_text(invoice.no)


def test_ship_then_undo_shipment_opens_the_assembly_order_again(logged_in_page, live_server, screenshot):
    page = logged_in_page
    header, line = open_released_seed_order(page, live_server)
    page.get_by_role("link", name="Post…").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship").click()
    expect(page.locator("#sales-lines")).to_contain_text("was posted: Posted Sales Shipment")

    shipment = SalesShipmentHeader.objects.get()
    page.get_by_role("link", name=shipment.no).click()
    page.get_by_role("link", name="Undo Shipment of line 10000").click()
    confirm = page.get_by_role("alertdialog", name="Confirm Undo Shipment")
    expect(confirm).to_contain_text("Do you really want to undo the selected Shipment lines?")
    screenshot("undo-shipment-confirm")
    confirm.get_by_role("button", name="Yes, undo").click()
    expect(page.get_by_role("status")).to_contain_text("was undone: 10 KIT back to ship")
    expect(page.get_by_test_id("reversing")).to_have_text("Correction of line 10000")
    screenshot("undo-shipment-done")

    page.get_by_role("link", name=f"Sales Order {header.no}").click()
    row = page.locator("#sales-lines tbody tr").first
    expect(row.get_by_label("Qty. to Ship")).to_have_value("10")
    expect(row.locator("[data-caption='Quantity Shipped']")).to_have_text("0")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("10")
    row.get_by_role("link", name=line.assembly_order.no).click()
    expect(page.get_by_test_id("remaining")).to_have_text("7")
    expect(page.get_by_test_id("status")).not_to_have_text("Completed")
    screenshot("undo-shipment-assembly-order-open")
