"""Post (Ship) on the order card, Preview Posting and the Posted Sales Shipments pages (R-POST-4, X-5)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from sales.models import SalesLine, SalesShipmentHeader
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db
D = Decimal


def seed_order(seed):
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    release_sales_order(header=header)
    return header, line


def test_post_asks_with_what_will_ship_then_updates_the_card_in_place(seed, user_client):
    header, line = seed_order(seed)
    url = reverse("sales:order-post", args=[header.pk])
    dialog = user_client.get(url, **HTMX).content.decode()
    assert dialog.lstrip().startswith('<dialog id="post-dialog"')
    assert "Ship 10 KIT: 7 assembled to order, 3 from stock" in dialog
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', dialog).group(1)

    response = user_client.post(url, {"fingerprint": fingerprint}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="order-body"')
    assert '<div id="modal" hx-swap-oob="true"></div>' in html
    shipment = SalesShipmentHeader.objects.get()
    assert f"Sales order {header.no} was posted: Posted Sales Shipment" in html and shipment.no in html
    assert re.search(r'data-caption="Quantity Shipped">10<', html)
    assert SalesLine.objects.get(pk=line.pk).quantity_shipped == 10

    again = user_client.post(url, {"fingerprint": fingerprint}, **HTMX)  # the double click
    assert again.status_code == 422 and "Nothing was posted." in again.content.decode()
    assert again["HX-Retarget"] == "#modal"
    assert SalesShipmentHeader.objects.count() == 1


def test_post_without_javascript_confirms_on_a_page_and_redirects(seed, user_client):
    header, _ = seed_order(seed)
    url = reverse("sales:order-post", args=[header.pk])
    page = user_client.get(url).content.decode()
    assert "<html" in page and "Ship 10 KIT" in page
    fingerprint = re.search(r'name="fingerprint" value="([^"]+)"', page).group(1)
    response = user_client.post(url, {"fingerprint": fingerprint})
    assert response.status_code == 302 and response["Location"] == header.get_absolute_url()


def test_x_5_preview_lists_the_entries_and_writes_nothing(seed, user_client):
    header, _ = seed_order(seed)
    html = user_client.get(reverse("sales:order-post-preview", args=[header.pk]), **HTMX).content.decode()
    assert html.count("<tr data-entry>") == 5
    for text in ("Assembly Consumption", "Assembly Output", "Sale", "-14", "-7", "-3"):
        assert text in html
    assert not SalesShipmentHeader.objects.exists()


def test_a_shortage_is_said_in_the_dialog(seed, user_client):
    header = seed.order()
    seed.line(header, quantity=12)
    html = user_client.get(reverse("sales:order-post", args=[header.pk]), **HTMX).content.decode()
    assert "You have insufficient quantity of Item PART-A on inventory." in html


def test_posted_shipments_pages(seed, user_client, django_assert_max_num_queries):
    header, _ = seed_order(seed)
    shipment = post_shipment(header=header)
    with django_assert_max_num_queries(6):
        listing = user_client.get(reverse("sales:shipment-list"))
    assert shipment.no in listing.content.decode()
    assert (
        shipment.no in user_client.get(reverse("sales:shipment-list"), {"order": header.no}).content.decode()
    )
    with django_assert_max_num_queries(10):
        card = user_client.get(shipment.get_absolute_url()).content.decode()
    posted = shipment.lines.get().posted_assembly
    assert posted.no in card and "Sale, from stock" in card and "Assembly Consumption" in card
    assert user_client.get(reverse("sales:shipment-list"), {"q": "\x00"}).status_code == 200
