"""R-INV-4 / R-INV-5 in a real browser: post a journal line and find it on Item Ledger Entries."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from inventory.models import ItemJournalLine, ItemLedgerEntry
from tests.factories import ItemFactory, LocationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_login_post_a_journal_line_and_see_it_in_the_ledger(logged_in_page, live_server, screenshot):
    page = logged_in_page
    ItemFactory(no="PART-A", description="Part A")
    LocationFactory(code="MAIN")

    page.get_by_role("link", name="Item Journal").click()
    expect(page.get_by_role("heading", name="Item Journal")).to_be_visible()

    new_row = page.locator("tr.new-line")
    new_row.get_by_label("Item No.").fill("part-a")
    new_row.get_by_label("Location Code").fill("MAIN")
    new_row.get_by_label("Quantity").fill("abc")
    new_row.get_by_label("Quantity").press("Enter")
    # Bad input: the message appears at the cell, the row keeps what was typed, nothing is saved.
    expect(page.locator("tr.new-line")).to_contain_text("Enter a number.")
    expect(page.locator("tr.new-line").get_by_label("Item No.")).to_have_value("part-a")
    assert not ItemJournalLine.objects.exists()

    page.locator("tr.new-line").get_by_label("Quantity").fill("20")
    page.locator("tr.new-line").get_by_label("Quantity").press("Enter")
    rows = page.locator("#journal-lines tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PART-A")
    expect(rows.first).to_contain_text("Part A")
    # Keyboard entry continues on the next line: the cursor is back in Item No.
    expect(page.locator("tr.new-line").get_by_label("Item No.")).to_be_focused()
    screenshot("item-journal-with-line")

    page.get_by_role("button", name="Post").click()
    expect(page.get_by_test_id("confirm-post")).to_have_text(
        "Do you want to post the journal lines? 1 line will be posted."
    )
    page.get_by_role("button", name="Yes, post").click()
    expect(page.get_by_role("status")).to_contain_text("successfully posted")
    expect(page.locator("#journal-lines")).to_contain_text("The journal is empty")

    page.get_by_role("link", name="Item Ledger Entries").click()
    table = page.get_by_role("table", name="Item Ledger Entries")
    expect(table).to_contain_text("Positive Adjmt.")
    expect(table).to_contain_text("PART-A")
    expect(table.locator("tbody tr").first.locator("td.num").first).to_have_text("20")
    screenshot("item-ledger-entries")

    page.get_by_label("Item No.").fill("NOPE")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#ledger-table")).to_contain_text("There is no Item with No. NOPE.")
    expect(page).to_have_url(re.compile(r"item=NOPE"))
    assert ItemLedgerEntry.objects.get().quantity == 20


def test_unauthenticated_visitor_is_sent_to_login(page, live_server):
    page.goto(live_server.url + "/inventory/item-ledger-entries/")
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
