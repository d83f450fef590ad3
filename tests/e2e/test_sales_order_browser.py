"""Issue 3 in a real browser: an ATO line gets its linked assembly order, which follows the line (R-LINK-1,
R-SYNC-1, R-LINK-2), edited in place with the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from assembly.models import AssemblyHeader
from tests.sales.conftest import Seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ato_line_creates_follows_and_deletes_its_assembly_order(logged_in_page, live_server, screenshot):
    page = logged_in_page
    Seed()

    page.get_by_role("link", name="Sales Orders").click()
    page.get_by_role("link", name="New").click()
    page.get_by_label("Customer No.").fill("10000")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Sales Order SO-00001")).to_be_visible()

    new_row = page.locator("tr.new-line")
    new_row.get_by_label("No.").fill("kit")
    new_row.get_by_label("Quantity", exact=True).fill("10")
    new_row.get_by_label("Quantity", exact=True).press("Enter")

    row = page.locator("#sales-lines tbody tr").first
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("10")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("10")
    expect(row.get_by_role("link", name="AO-00001")).to_be_visible()
    expect(page.locator("tr.new-line").get_by_label("No.")).to_be_focused()  # ready for the next line
    screenshot("sales-order-ato-line")

    # Change Qty. to Assemble to Order with the keyboard: the row saves on Tab, no page reload.
    page.evaluate("window.__same_page = true")
    qato = row.get_by_label("Qty. to Assemble to Order")
    qato.fill("7")
    qato.press("Tab")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("7")
    assert page.evaluate("window.__same_page") is True
    order = AssemblyHeader.objects.get()
    assert order.quantity == 7

    # Bad input stays at the cell and changes nothing.
    qato = row.get_by_label("Qty. to Assemble to Order")
    qato.fill("11")
    qato.press("Enter")
    expect(row).to_contain_text("Qty. to Assemble to Order must be between 0 and 10.")
    expect(row.get_by_label("Qty. to Assemble to Order")).to_have_value("11")
    assert AssemblyHeader.objects.get().quantity == 7

    # The linked assembly order follows: its card shows the rescaled components.
    page.get_by_role("link", name="AO-00001").click()
    expect(page).to_have_url(re.compile(r"/assembly/orders/\d+/"))
    expect(page.locator("body")).to_contain_text("PART-A")
    expect(page.locator("body")).to_contain_text("14")
    screenshot("linked-assembly-order")
    page.go_back()
    page.reload()

    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#sales-lines tbody tr").first.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.locator("#sales-lines")).to_contain_text("No lines yet.")
    assert not AssemblyHeader.objects.exists()
