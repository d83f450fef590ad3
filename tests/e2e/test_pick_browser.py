"""R-PICK-1 in a real browser: Create Inventory Pick on a released order at a Require Pick location with
bins, Autofill Qty. to Handle, Post; the ledger shows the bins of the pick lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import ItemLedgerEntry
from sales.models import SalesShipmentHeader
from tests.sales.conftest import SilverSeed
from tests.sales.test_picks import combination_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_pick_1_create_autofill_post(logged_in_page, live_server, screenshot):
    page = logged_in_page
    header, _line = combination_line(SilverSeed())
    page.goto(live_server.url + header.get_absolute_url())

    page.get_by_role("button", name="Create Inventory Pick").click()
    expect(page.get_by_role("heading", name="Inventory Pick PI-00001")).to_be_visible()
    rows = page.locator("#pick-lines tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("[data-caption='Bin Code']")).to_have_text("ATO-SHIP")
    expect(rows.nth(1).locator("[data-caption='Bin Code']")).to_have_text("S-01")

    page.get_by_role("button", name="Autofill Qty. to Handle").click()
    expect(page.get_by_label("Qty. to Handle line 1")).to_have_value("7")
    expect(page.get_by_label("Qty. to Handle line 2")).to_have_value("3")
    screenshot("pick-autofilled")
    page.get_by_role("button", name="Post").click()

    expect(page.get_by_role("heading", name=f"Sales Order {header.no}")).to_be_visible()
    expect(
        page.locator("#sales-lines tbody tr").first.locator("[data-caption='Quantity Shipped']")
    ).to_have_text("10")
    shipment = SalesShipmentHeader.objects.get()
    sales = ItemLedgerEntry.objects.filter(document_no=shipment.no).order_by("pk")
    assert [(e.bin.code, e.quantity) for e in sales] == [("ATO-SHIP", -7), ("S-01", -3)]
    page.goto(live_server.url + "/inventory/item-ledger-entries/?item=KIT")
    expect(page.locator("main")).to_contain_text("ATO-SHIP")
    screenshot("pick-posted-ledger")
