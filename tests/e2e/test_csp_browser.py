"""Issue 11 part 6: the pages pass the content security policy (no inline script or style, no eval).

The browser reports every violation twice: as a `securitypolicyviolation` event in the page (collected by
an init script, which Playwright runs outside the page's policy) and as a console error. The walk covers
the main pages and their htmx parts; the last test proves the collector sees a violation at all.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from inventory.models import Item
from sales.models import SalesHeader
from tests.e2e.conftest import sign_in
from tests.e2e.test_reservation_browser import open_order_with_kit_line
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLLECT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    found: list[str] = []

    def report(text: str) -> None:
        found.append(text)

    def console(message) -> None:
        if "Content Security Policy" in message.text:
            found.append(message.text)

    page.expose_function("reportViolation", report)
    page.add_init_script(COLLECT)
    page.on("console", console)
    return found


@pytest.fixture
def staff_page(page, live_server, violations):
    return sign_in(page, live_server, UserFactory(username="admin-clerk", staff=True))


def test_the_main_pages_and_their_htmx_parts_pass_the_policy(staff_page, live_server, violations, screenshot):
    page = staff_page
    row = open_order_with_kit_line(page, live_server)
    header = SalesHeader.objects.get()
    new_row = page.locator("tr.new-line")

    qato = row.get_by_label("Qty. to Assemble to Order")  # a cell saved by app.js's queue
    qato.fill("7")
    qato.press("Tab")
    expect(row.locator("[data-caption='Reserved Quantity']")).to_have_text("7")
    new_row.get_by_label("No.").fill("PART-A")  # a second line: the FactBox moves to it
    new_row.get_by_label("Quantity", exact=True).fill("1")
    new_row.get_by_label("Quantity", exact=True).press("Enter")
    second = page.locator("#sales-lines tbody tr").nth(1)
    expect(page.locator("#factbox")).to_have_attribute(
        "data-line", second.get_attribute("id").removeprefix("line-")
    )
    row.click()  # and back to the first (app.js's ato:select-line, no htmx event filter)
    expect(page.locator("#factbox")).to_have_attribute(
        "data-line", row.get_attribute("id").removeprefix("line-")
    )
    expect(page.locator("#factbox [data-figure='required-quantity']")).to_have_text("3")
    page.locator("#factbox [data-figure='available-inventory']").get_by_role("link").click()  # drill-down
    expect(page.get_by_role("dialog")).to_contain_text("Available Inventory")
    page.keyboard.press("Escape")

    row.get_by_role("link", name="Reserve line KIT").click()  # the Reservation dialog
    dialog = page.get_by_role("dialog")
    dialog.locator("tr[data-supply='ILE']").get_by_role("button", name="Reserve from Current Line").click()
    expect(dialog.locator("[data-figure='unreserved-quantity']")).to_have_text("0")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Release").click()
    page.get_by_role("link", name="Post…").click()
    expect(page.get_by_test_id("ship-summary")).to_be_visible()
    screenshot("csp-post-dialog")
    page.keyboard.press("Escape")

    for path in (
        "/sales/orders/",
        "/inventory/item-journal/",
        "/inventory/item-ledger-entries/",
        "/assembly/orders/",
    ):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
    page.get_by_role("searchbox", name="Find entries").fill(header.no)
    page.get_by_role("searchbox", name="Find entries").press("Enter")
    expect(page.get_by_role("table", name="Related Entries")).to_be_visible()

    # The Django admin: its index, a change list with filters, and a change form with its widgets.
    page.goto(live_server.url + "/admin/")
    page.goto(live_server.url + "/admin/inventory/item/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto(live_server.url + f"/admin/inventory/item/{Item.objects.get(no='KIT').pk}/change/")
    expect(page.locator("#item_form")).to_be_visible()
    screenshot("csp-admin-item")

    assert violations == []


def test_the_collector_sees_a_violation(staff_page, live_server, violations):
    page = staff_page
    page.goto(live_server.url + "/sales/orders/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert any("script-src" in violation for violation in violations)
