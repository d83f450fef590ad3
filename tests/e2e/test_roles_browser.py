"""R-ROLE-1 in a real browser: each role sees the actions it may take, and no others."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from inventory.permissions import SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER
from sales.services.orders import release_sales_order
from tests.sales.conftest import SilverSeed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_warehouse_worker_sees_no_release_and_picks_instead(page_as, live_server, screenshot):
    seed = SilverSeed()
    open_order = seed.order()
    seed.line(open_order, item=seed.part_b, quantity=2, bin=seed.shelf)
    released = seed.order()
    seed.line(released, item=seed.part_b, quantity=1, bin=seed.shelf)
    release_sales_order(header=released, confirm_shortage=True)
    page = page_as(WAREHOUSE_WORKER)

    page.goto(live_server.url + open_order.get_absolute_url())
    expect(page.get_by_test_id("status")).to_have_text("Open")
    actions = page.get_by_role("toolbar", name="Actions")
    expect(actions.get_by_role("button", name="Release")).to_have_count(0)
    expect(actions.get_by_role("link", name="Post…")).to_have_count(0)
    lines = page.get_by_role("table", name="Sales lines")
    expect(lines.get_by_role("link", name=re.compile("^Reserve"))).to_have_count(0)
    expect(lines.get_by_role("textbox")).to_have_count(0)  # the lines are read-only for this role
    expect(page.get_by_role("button", name="Add line")).to_have_count(0)
    screenshot("roles-warehouse-worker-sales-order")

    page.goto(live_server.url + released.get_absolute_url())
    expect(actions.get_by_role("button", name="Reopen")).to_have_count(0)
    expect(actions.get_by_role("button", name="Create Inventory Pick")).to_be_visible()

    # A Post typed into the address bar: refused, with the reason, and nothing posted.
    page.goto(live_server.url + reverse("sales:order-post", args=[released.pk]))
    expect(page.get_by_role("alert")).to_contain_text(
        "It needs “Can post sales orders (Ship, Invoice, Ship and Invoice)”, which comes with the "
        "Sales Order Processor role"
    )
    assert not released.shipments.exists()

    page.get_by_role("link", name="Item Journal").click()
    expect(page.get_by_role("toolbar", name="Actions").get_by_role("button", name="Post")).to_be_visible()


def test_a_sales_order_processor_sees_no_item_journal_post(page_as, live_server, screenshot):
    seed = SilverSeed()
    order = seed.order()
    seed.line(order, item=seed.part_b, quantity=2, bin=seed.shelf)
    page = page_as(SALES_ORDER_PROCESSOR)

    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Item Journal")
    ).to_have_count(0)
    page.goto(live_server.url + reverse("inventory:item-journal"))
    expect(page.get_by_role("button", name="Post")).to_have_count(0)
    expect(page.get_by_role("alert")).to_contain_text(
        "It needs “Can view item journal line”, which comes with the Warehouse Worker role"
    )
    screenshot("roles-sales-order-processor-item-journal")

    page.goto(live_server.url + order.get_absolute_url())
    expect(page.get_by_role("toolbar", name="Actions").get_by_role("button", name="Release")).to_be_visible()
