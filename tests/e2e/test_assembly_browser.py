"""R-ASM-1 / R-ASM-3 / R-ASM-2 in a real browser: create a stand-alone assembly order, customise a line,
Release, Post, and find the posted order and its ledger entries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from assembly.models import AssemblyHeader, AssemblyStatus, PostedAssemblyHeader
from inventory.models import ItemLedgerEntry
from tests.factories import BOMComponentFactory, ItemFactory, LocationFactory, post_stock
from tests.sales.conftest import Seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_release_and_post_a_stand_alone_assembly_order(logged_in_page, live_server, screenshot):
    page = logged_in_page
    main = LocationFactory(code="MAIN")
    lamp = ItemFactory(no="LAMP", description="Desk lamp", assemble_to_stock=True)
    base = ItemFactory(no="BASE", description="Lamp base")
    shade = ItemFactory(no="SHADE", description="Lamp shade")
    BOMComponentFactory(parent_item=lamp, component_item=base, quantity_per=Decimal(1))
    BOMComponentFactory(parent_item=lamp, component_item=shade, quantity_per=Decimal(1))
    post_stock(base, main, 10)
    post_stock(shade, main, 4)

    page.goto(live_server.url + "/assembly/orders/")
    expect(page.get_by_role("heading", name="Assembly Orders")).to_be_visible()
    page.get_by_role("toolbar", name="Actions").get_by_role("link", name="New").click()

    # Bad input first: the message appears at the field and nothing is created.
    page.get_by_label("Item No.").fill("lamp")
    page.get_by_label("Quantity").fill("abc")
    page.get_by_label("Location Code").fill("main")
    page.get_by_role("button", name="Create").click()
    expect(page.locator("#new-order-form")).to_contain_text("Enter a number.")
    expect(page.get_by_label("Item No.")).to_have_value("lamp")
    assert not AssemblyHeader.objects.exists()
    screenshot("assembly-order-new-with-error")

    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Assembly Order AO-00001")).to_be_visible()
    lines = page.get_by_role("table", name="Assembly order lines")
    expect(lines.locator("tbody tr")).to_have_count(2)
    # 4 SHADE in stock for 5 lamps: Able to Assemble 4, the SHADE line is marked short.
    expect(page.get_by_test_id("able-to-assemble")).to_have_text("4")
    expect(lines.locator("tr", has_text="SHADE")).to_contain_text("short 1")

    # Customise the kit in place (htmx): 2 BASE per lamp.
    page.get_by_role("link", name="Edit line BASE").click()
    editing = page.locator("tr.editing")
    expect(editing.get_by_label("Quantity per")).to_be_focused()
    editing.get_by_label("Quantity per").fill("2")
    editing.get_by_label("Quantity per").press("Enter")
    expect(lines.locator("tr", has_text="BASE").locator("td.num").nth(1)).to_have_text("10")

    # Assemble 4 now: the shortage does not matter for what is posted.
    page.get_by_label("Quantity to Assemble").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(lines.locator("tr", has_text="SHADE").locator("td.num").nth(2)).to_have_text("4")
    screenshot("assembly-order-card")

    page.get_by_role("button", name="Release").click()
    expect(page.get_by_test_id("status")).to_have_text("Released")
    expect(page.get_by_text("The order is Released: its lines cannot be changed.")).to_be_visible()

    page.get_by_role("button", name="Post").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Assembly order AO-00001 was posted: 4 LAMP assembled."
    )
    order = AssemblyHeader.objects.get()
    assert (order.assembled_quantity, order.remaining_quantity, order.status) == (
        4,
        1,
        AssemblyStatus.RELEASED,
    )
    screenshot("assembly-order-card-after-post")

    page.get_by_role("link", name="Posted Assembly Order PAO-00001").click()
    expect(page.get_by_role("heading", name="Posted Assembly Order PAO-00001")).to_be_visible()
    posted_entries = page.get_by_role("table", name="Item Ledger Entries")
    expect(posted_entries).to_contain_text("Assembly Consumption")
    expect(posted_entries).to_contain_text("Assembly Output")
    screenshot("posted-assembly-order")

    page.get_by_role("link", name="Item Ledger Entries", exact=True).first.click()
    ledger = page.get_by_role("table", name="Item Ledger Entries")
    expect(ledger).to_contain_text("Assembly Output")
    page.goto(live_server.url + "/inventory/item-ledger-entries/")
    ledger = page.get_by_role("table", name="Item Ledger Entries")
    expect(ledger).to_contain_text("Assembly Consumption")
    expect(ledger).to_contain_text("Assembly Output")
    expect(ledger).to_contain_text("PAO-00001")
    screenshot("item-ledger-entries-after-assembly")

    page.get_by_role("link", name="Assembly Orders").click()
    orders = page.get_by_role("table", name="Assembly Orders")
    expect(orders).to_contain_text("AO-00001")
    expect(orders).to_contain_text("Released")
    screenshot("assembly-orders")

    assert PostedAssemblyHeader.objects.get().quantity == 4
    assert ItemLedgerEntry.objects.filter(item=lamp).inventory() == 4
    assert ItemLedgerEntry.objects.filter(item=base).inventory() == 2
    assert ItemLedgerEntry.objects.filter(item=shade).inventory() == 0


def test_r_sync_2_a_linked_order_shows_its_sales_line_and_is_read_only(
    logged_in_page, live_server, screenshot
):
    page = logged_in_page
    seed = Seed()
    line = seed.line(seed.order(), quantity=10)
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)

    page.goto(live_server.url + "/assembly/orders/")
    page.get_by_label("Assemble to Order").select_option("linked")
    orders = page.get_by_role("table", name="Assembly Orders")
    expect(orders.locator("tbody tr")).to_have_count(1)
    expect(orders).to_contain_text(f"Yes · {line.header.no}")
    orders.get_by_role("link", name=order.no).click()

    expect(page.get_by_test_id("assemble-to-order")).to_contain_text(
        f"Assemble to Order: Yes — Sales Order {line.header.no} line {line.line_no}"
    )
    general = page.get_by_role("region", name="General")
    expect(general.get_by_label("Quantity to Assemble")).to_be_editable()
    expect(general.get_by_role("textbox", name="Quantity", exact=True)).to_have_count(0)
    expect(general.get_by_label("Due Date")).to_have_count(0)
    actions = page.get_by_role("toolbar", name="Actions")
    expect(actions.get_by_role("button", name="Post")).to_have_count(0)
    expect(actions.get_by_role("link", name="Delete")).to_have_count(0)
    expect(actions.get_by_role("button", name="Release")).to_be_visible()
    screenshot("assembly-order-linked")
