"""The seed procedure, steps 1-6, in a real browser (spec 15; issues 4 and 8): FactBox figures, the
Reservation dialog, Reserve from Current Line, the line's new Reserved Quantity, Release, Post (Ship) with
its confirmation and Preview Posting; and X-1, Use available inventory."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import ItemLedgerEntry, Reservation
from sales.models import SalesLine, SalesShipmentHeader
from tests.sales.conftest import Seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, name: str):
    return page.locator(f"#factbox [data-figure='{name}']")


def open_order_with_kit_line(page, live_server):
    seed = Seed()
    header = seed.order()
    page.goto(live_server.url + header.get_absolute_url())
    new_row = page.locator("tr.new-line")
    new_row.get_by_label("No.").fill("KIT")
    new_row.get_by_label("Quantity", exact=True).fill("10")
    new_row.get_by_label("Quantity", exact=True).press("Enter")
    row = page.locator("#sales-lines tbody tr").first
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("10")
    return row


def test_seed_steps_1_to_6(logged_in_page, live_server, screenshot):
    page = logged_in_page
    row = open_order_with_kit_line(page, live_server)  # step 1
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("10")

    row.click()  # step 2: the FactBox follows the line
    expect(figure(page, "item-availability")).to_have_text("3")
    screenshot("seed-step-2-factbox")

    qato = row.get_by_label("Qty. to Assemble to Order")  # step 3
    qato.fill("7")
    qato.press("Tab")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("7")
    expect(figure(page, "required-quantity")).to_have_text("3")
    expect(figure(page, "item-availability")).to_have_text("0")
    screenshot("seed-step-3-qato-7")

    row.get_by_role("link", name="Reserve line KIT").click()  # step 4
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("[data-figure='quantity-to-reserve']")).to_have_text("10")
    expect(dialog.locator("[data-figure='reserved-quantity']")).to_have_text("7")
    expect(dialog.locator("[data-figure='unreserved-quantity']")).to_have_text("3")
    ile_row = dialog.locator("tr[data-supply='ILE']")
    expect(ile_row.locator("[data-caption='Total Available Quantity']")).to_have_text("3")
    screenshot("seed-step-4-reservation-dialog")
    asm_row = dialog.locator("tr[data-supply='ASM']")
    # issue 10: an action that can do nothing is disabled, its reason as the tooltip
    nothing = asm_row.get_by_role("button", name="Reserve from Current Line")
    expect(nothing).to_be_disabled()
    expect(nothing).to_have_attribute("title", "There is nothing available to reserve.")
    expect(ile_row.get_by_role("button", name="Cancel Reservation from Current Line")).to_be_disabled()
    ile_row.get_by_role("button", name="Reserve from Current Line").click()
    expect(dialog.locator("[data-figure='reserved-quantity']")).to_have_text("10")
    expect(dialog.locator("[data-figure='unreserved-quantity']")).to_have_text("0")
    full = dialog.get_by_role("button", name="Auto Reserve")
    expect(full).to_be_disabled()
    expect(full).to_have_attribute("title", "Fully reserved.")
    expect(ile_row.get_by_role("button", name="Cancel Reservation from Current Line")).to_be_enabled()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    row = page.locator("#sales-lines tbody tr").first
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("10")
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("7")
    expect(figure(page, "available-inventory")).to_have_text("0")
    expect(figure(page, "required-quantity")).to_have_text("0")
    expect(figure(page, "reserved-from-stock")).to_have_text("Partial")
    screenshot("seed-step-4-after-reserve")

    figure(page, "available-inventory").get_by_role("link").click()  # drill down
    expect(page.get_by_role("dialog")).to_contain_text("Available Inventory")
    page.keyboard.press("Escape")
    assert SalesLine.objects.with_reserved_quantity().get().reserved_quantity == 10

    page.get_by_role("button", name="Release").click()  # step 5
    expect(page.get_by_test_id("status")).to_have_text("Released")

    page.get_by_role("link", name="Post…").click()  # step 6
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("ship-summary")).to_have_text(
        "Ship 10 KIT: 7 assembled to order, 3 from stock"
    )
    screenshot("seed-step-6-confirm")
    dialog.get_by_role("link", name="Preview Posting").click()
    preview = page.locator("#preview-dialog")
    expect(preview.locator("tr[data-entry]")).to_have_count(5)
    screenshot("seed-step-6-preview")
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Post…").click()
    page.get_by_role("dialog").get_by_role("button", name="Ship").click()
    row = page.locator("#sales-lines tbody tr").first
    expect(row.locator("[data-caption='Quantity Shipped']")).to_have_text("10")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("0")
    expect(page.locator("#sales-lines")).to_contain_text("was posted: Posted Sales Shipment")
    expect(page.get_by_role("dialog")).to_have_count(0)
    screenshot("seed-step-6-shipped")

    shipment = SalesShipmentHeader.objects.get()
    entries = ItemLedgerEntry.objects.filter(pk__in=shipment.lines.get().entries.values("entry"))
    assert sorted((e.item.no, e.quantity) for e in entries) == [
        ("KIT", -7),
        ("KIT", -3),
        ("KIT", 7),
        ("PART-A", -14),
        ("PART-B", -7),
    ]
    page.get_by_role("link", name=shipment.no).click()
    expect(page.get_by_role("heading", name=f"Posted Sales Shipment {shipment.no}")).to_be_visible()
    expect(page.locator("[data-figure='qty-assembled-to-order']")).to_have_text("7")


def test_x_1_use_available_inventory(logged_in_page, live_server, screenshot):
    page = logged_in_page
    row = open_order_with_kit_line(page, live_server)
    row.click()
    offer = page.locator("#factbox .offer")
    expect(offer).to_contain_text("3 available in inventory")
    screenshot("x-1-offer")
    offer.get_by_role("button", name="Use available inventory").click()
    expect(figure(page, "reserved-from-stock")).to_have_text("Partial")
    row = page.locator("#sales-lines tbody tr").first
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("7")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("10")
    expect(page.locator("#factbox .offer")).to_have_count(0)
    expect(page.locator("#factbox")).to_contain_text("3 taken from inventory")
    assert Reservation.objects.filter(item_ledger_entry__isnull=False).total() == 3
