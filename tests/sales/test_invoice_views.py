"""The Post dialog's choice (Ship / Invoice / Ship and Invoice), the Posted Sales Invoices pages, Undo
Shipment on the posted shipment card, and the cross-links between posted documents (R-INVC-1, R-UNDO-1,
R-POST-5; issue 9)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assembly.models import AssemblyHeader, AssemblyStatus
from sales.models import SalesHeader, SalesInvoiceHeader, SalesLine, SalesShipmentLine, SalesStatus
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from sales.services.undo import MSG_CONFIRM, MSG_UNDO_INVOICED, undo_shipment_line
from tests.factories import PERMISSION_QUERIES, post_stock
from tests.sales.test_invoicing import invoicing_world
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_shipping_views import seed_order
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db
D = Decimal


def fingerprint_of(html: str) -> str:
    return re.search(r'name="fingerprint" value="([^"]*)"', html).group(1)


def test_post_dialog_offers_bc_s_three_choices_and_says_what_each_posts(seed, user_client):
    header, _ = seed_order(seed)
    url = reverse("sales:order-post", args=[header.pk])
    dialog = user_client.get(url, **HTMX).content.decode()
    for label in ("Ship and Invoice", "Ship", "Invoice"):
        assert f"> {label}</label>" in dialog
    assert "Ship 10 KIT: 7 assembled to order, 3 from stock" in dialog and "Invoice 10" not in dialog
    both = user_client.get(url, {"choice": "ship_invoice"}, **HTMX).content.decode()
    assert "Ship 10 KIT" in both and "Invoice 10 KIT at 500.00: 5,000.00" in both
    invoice_only = user_client.get(url, {"choice": "invoice"}, **HTMX).content.decode()
    assert "There is nothing to invoice" in invoice_only and 'name="fingerprint"' not in invoice_only


def test_ship_and_invoice_through_the_dialog_completes_the_order(seed, user_client):
    header, line = seed_order(seed)
    url = reverse("sales:order-post", args=[header.pk])
    dialog = user_client.get(url, {"choice": "ship_invoice"}, **HTMX).content.decode()
    response = user_client.post(
        url, {"choice": "ship_invoice", "fingerprint": fingerprint_of(dialog)}, **HTMX
    )
    assert response.status_code == 204 and response["HX-Redirect"] == header.get_absolute_url()
    html = user_client.get(header.get_absolute_url()).content.decode()  # where htmx goes next
    invoice = SalesInvoiceHeader.objects.get()
    assert f'Posted Sales Invoice <a href="{invoice.get_absolute_url()}">{invoice.no}</a>' in html
    assert "The order is completed." in html and 'data-testid="completed-note"' in html
    assert SalesHeader.objects.get(pk=header.pk).status == SalesStatus.COMPLETED
    assert AssemblyHeader.objects.get(pk=fresh(line).assembly_order_id).status == AssemblyStatus.COMPLETED
    assert "Post…" not in html  # read-only: no Post, no Reserve, no inputs
    assert 'name="line-' not in html


def test_a_bad_choice_is_refused_with_its_reason_and_posts_nothing(seed, user_client):
    header, _ = seed_order(seed)
    url = reverse("sales:order-post", args=[header.pk])
    before = invoicing_world()
    for choice in ("ship-and-bill", "\x00", "x" * 5000):
        response = user_client.post(url, {"choice": choice, "fingerprint": "x"}, **HTMX)
        assert response.status_code == 422
        assert "Choose Ship, Invoice or Ship and Invoice." in response.content.decode()
    assert user_client.get(url, {"choice": "\x00"}, **HTMX).status_code == 200
    assert invoicing_world() == before


def test_qty_to_invoice_is_an_input_on_a_released_order(seed, user_client):
    header, line = seed_order(seed)
    card = user_client.get(header.get_absolute_url()).content.decode()
    assert f'name="line-{line.pk}-qty_to_invoice"' in card and f'name="line-{line.pk}-quantity"' not in card
    response = user_client.post(
        reverse("sales:line-row", args=[header.pk, line.pk]), {f"line-{line.pk}-qty_to_invoice": "12"}, **HTMX
    )
    assert response.status_code == 422
    assert "You cannot invoice more than 10 units" in response.content.decode()
    assert fresh(line).qty_to_invoice == 10


def test_invoice_pages_and_cross_links(seed, user_client):
    """Shipment line ↔ Posted Assembly Order ↔ invoice line, each page linking the others."""
    header, _ = seed_order(seed)
    posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    invoice, shipment = posted.invoice, posted.shipment
    shipment_line = shipment.lines.get()
    assembly = shipment_line.posted_assembly

    listing = user_client.get(reverse("sales:invoice-list")).content.decode()
    assert invoice.no in listing and "5,000.00" in listing
    assert invoice.no in user_client.get(reverse("sales:invoice-list"), {"order": header.no}).content.decode()
    assert (
        invoice.no
        not in user_client.get(reverse("sales:invoice-list"), {"order": "SO-NONE"}).content.decode()
    )
    assert user_client.get(reverse("sales:invoice-list"), {"q": "\x00"}).status_code == 200

    card = user_client.get(invoice.get_absolute_url()).content.decode()
    assert shipment.get_absolute_url() in card and assembly.get_absolute_url() in card
    assert 'data-testid="invoice-total">5,000.00<' in card
    shipment_card = user_client.get(shipment.get_absolute_url()).content.decode()
    assert invoice.get_absolute_url() in shipment_card and assembly.get_absolute_url() in shipment_card
    assert "Undo Shipment" not in shipment_card  # invoiced
    with CaptureQueriesContext(connection) as ctx:
        assembly_card = user_client.get(assembly.get_absolute_url()).content.decode()
    assert shipment.get_absolute_url() in assembly_card and invoice.get_absolute_url() in assembly_card
    assert 'data-testid="reversed">No<' in assembly_card
    assert len(ctx.captured_queries) <= 10 + PERMISSION_QUERIES


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_of_the_posted_documents_pages_do_not_grow_with_their_lines(seed, user_client):
    """No N+1: the invoice card, the shipment card and both lists cost the same for 1 line or 4."""

    def order_with(lines: int):
        header = seed.order()
        for _ in range(lines):
            post_stock(seed.kit, seed.main, 1)
            seed.line(header, quantity=1, qty_to_assemble_to_order=D(0))
        return post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)

    small, large = order_with(1), order_with(4)
    for page in ("invoice", "shipment"):
        assert _count(user_client, getattr(small, page).get_absolute_url()) == _count(
            user_client, getattr(large, page).get_absolute_url()
        )
    assert _count(user_client, small.invoice.get_absolute_url()) == 5 + PERMISSION_QUERIES
    assert _count(user_client, small.shipment.get_absolute_url()) == 6 + PERMISSION_QUERIES
    for listing in ("sales:invoice-list", "sales:shipment-list"):
        assert _count(user_client, reverse(listing)) <= 6 + PERMISSION_QUERIES


def test_undo_shipment_asks_first_then_undoes(seed, user_client):
    header, line = seed_order(seed)
    shipment = post_shipment(header=header)
    shipment_line = shipment.lines.get()
    url = reverse("sales:shipment-line-undo", args=[shipment.pk, shipment_line.pk])
    card = user_client.get(shipment.get_absolute_url()).content.decode()
    assert f'href="{url}"' in card

    question = user_client.get(url).content.decode()
    assert MSG_CONFIRM in question and "7 assembled to order: the assembly is undone too" in question
    assert not SalesShipmentLine.objects.filter(correction=True).exists()  # asking changes nothing

    response = user_client.post(url)
    assert response.status_code == 302 and response["Location"] == shipment.get_absolute_url()
    card = user_client.get(shipment.get_absolute_url()).content.decode()
    assert "was undone: 10 KIT back to ship" in card
    assert (
        'data-testid="undone">Undone by line 20000' in card
        and 'data-testid="reversing">Correction of line 10000' in card
    )
    assert "Undo Shipment</a>" not in card
    line = SalesLine.objects.get(pk=line.pk)
    assert (line.quantity_shipped, line.qty_to_ship) == (0, 10)


def test_undo_refusal_is_shown_next_to_the_line_and_changes_nothing(seed, user_client):
    header, line = seed_order(seed)
    edit(line, qty_to_ship=D(4))
    shipment = post_shipment(header=header)
    post_sales_order(header=header, choice=PostChoice.INVOICE)
    shipment_line = shipment.lines.get()
    before = invoicing_world()
    response = user_client.post(reverse("sales:shipment-line-undo", args=[shipment.pk, shipment_line.pk]))
    assert response.status_code == 422 and MSG_UNDO_INVOICED in response.content.decode()
    assert invoicing_world() == before
    other = post_shipment(header=header)  # a line of another shipment is not this shipment's
    response = user_client.post(reverse("sales:shipment-line-undo", args=[shipment.pk, other.lines.get().pk]))
    assert response.status_code == 404


def test_undo_of_an_already_undone_line_through_the_page_says_so(seed, user_client):
    header, _ = seed_order(seed)
    shipment = post_shipment(header=header)
    shipment_line = shipment.lines.get()
    undo_shipment_line(shipment_line=shipment_line)
    before = invoicing_world()
    response = user_client.post(reverse("sales:shipment-line-undo", args=[shipment.pk, shipment_line.pk]))
    assert response.status_code == 422 and "has already been undone" in response.content.decode()
    assert invoicing_world() == before
