"""The lines grid (issue 10): rows written in Python show what the form would, Choose columns is
remembered per user, and one date format everywhere, the user's locale."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sales.line_rows import COLUMNS, COLUMNS_SESSION_KEY, GRID, HIDEABLE
from sales.models import ColumnChoice
from sales.services.orders import release_sales_order
from tests.factories import UserFactory
from tests.sales.test_reservations import edit
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db
D = Decimal


def headers(html: str) -> list[str]:
    return re.findall(r'<th[^>]*data-column="([^"]+)"', html)


def test_a_row_carries_every_input_with_its_caption_and_value(seed, user_client):
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    html = user_client.get(header.get_absolute_url()).content.decode()
    [row] = re.findall(rf'<tr id="line-{line.pk}".*?</tr>', html, flags=re.S)
    for name, caption, value in [
        ("item", "No.", "KIT"),
        ("location", "Location Code", "MAIN"),
        ("quantity", "Quantity", "10"),
        ("qty_to_assemble_to_order", "Qty. to Assemble to Order", "7"),
        ("shipment_date", "Shipment Date", line.shipment_date.isoformat()),
        ("unit_price", "Unit Price", "500.00"),
        ("qty_to_ship", "Qty. to Ship", "10"),
    ]:
        [tag] = re.findall(rf'<input[^>]*name="line-{line.pk}-{name}"[^>]*>', row)
        assert (
            f'aria-label="{caption}"' in tag
            and f'value="{value}"' in tag
            and f'form="line-{line.pk}-form"' in tag
        )
    assert (
        f'<form id="line-{line.pk}-form" method="post" action="{reverse("sales:line-row", args=[header.pk, line.pk])}">'
        in row
    )
    assert 'name="csrfmiddlewaretoken"' in row and 'data-caption="Reserved Quantity">7<' in row
    assert f'href="{line.assembly_order.get_absolute_url()}"' in row
    release_sales_order(header=header)
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert f'name="line-{line.pk}-quantity"' not in html and f'name="line-{line.pk}-qty_to_ship"' in html
    assert f'name="line-{line.pk}-qty_to_invoice"' in html  # shown once the order is Released


def test_choose_columns_is_remembered_per_user_and_keeps_the_seed_columns(seed, user_client, user):
    header = seed.order()
    seed.line(header, quantity=2)
    open_html = user_client.get(header.get_absolute_url()).content.decode()
    assert "qty_to_invoice" not in headers(open_html)  # an Open order hides the invoicing columns
    assert headers(open_html) == [
        c.key for c in COLUMNS if c.key not in {"qty_to_invoice", "quantity_invoiced"}
    ]

    url = reverse("sales:order-columns", args=[header.pk])
    response = user_client.post(url, {"show": ["qty_to_invoice", "item", "nonsense", "\x00"]})
    assert response.status_code == 302
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert "qty_to_invoice" in headers(html) and "quantity_invoiced" not in headers(html)
    assert {c.key for c in COLUMNS if not c.can_hide} <= set(headers(html))  # never hidden
    other = seed.order()
    seed.line(other, quantity=1)
    assert "qty_to_invoice" in headers(user_client.get(other.get_absolute_url()).content.decode())
    assert ColumnChoice.objects.get(user=user).hidden == ["quantity_invoiced"]

    # Another user keeps the defaults; the row after a save follows the chooser's columns.
    stranger = UserFactory()
    user_client.force_login(stranger)
    assert "qty_to_invoice" not in headers(user_client.get(header.get_absolute_url()).content.decode())
    assert len(HIDEABLE) == 2


def test_dates_read_in_the_users_locale_everywhere(seed, user_client):
    """One date format, the user's locale (the browser's language): the FactBox, the lists and the
    messages write 12/02/2026 in the US and 02/12/2026 in the UK, as the date inputs show it."""
    header = seed.order()
    seed.line(header, quantity=1)
    day = header.shipment_date
    us = day.strftime("%m/%d/%Y")
    uk = day.strftime("%d/%m/%Y")
    html = user_client.get(header.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert f"<dd>{us}</dd>" in html or f">{us}<" in html
    assert day.isoformat() not in re.sub(r'(value|min|max)="[^"]*"', "", html)  # only in input values
    html = user_client.get(header.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
    assert f">{uk}<" in html
    listing = user_client.get(reverse("sales:order-list"), HTTP_ACCEPT_LANGUAGE="en-GB").content.decode()
    assert uk in listing
    far = "3000-01-01"
    response = user_client.post(
        reverse("sales:line-row", args=[header.pk, header.lines.get().pk]),
        {f"line-{header.lines.get().pk}-shipment_date": far},
        HTTP_ACCEPT_LANGUAGE="en-GB",
        **HTMX,
    )
    assert "between 01/01/1900 and 31/12/2999" in response.content.decode()


def test_choose_columns_comes_with_the_session(seed, user, client):
    """Issue 10: login puts the user's "Choose columns" in the session, so a page or a row answer reads
    no table for it; a session without it (from before) reads it once and keeps it."""
    header = seed.order()
    seed.line(header, quantity=2)
    ColumnChoice.objects.create(user=user, grid=GRID, shown=["qty_to_invoice"], hidden=["quantity_invoiced"])
    client.force_login(user)
    assert client.session[COLUMNS_SESSION_KEY] == {
        "shown": ["qty_to_invoice"],
        "hidden": ["quantity_invoiced"],
    }
    with CaptureQueriesContext(connection) as page:
        assert "qty_to_invoice" in headers(client.get(header.get_absolute_url()).content.decode())
    assert not [q for q in page.captured_queries if "sales_columnchoice" in q["sql"]]

    session = client.session
    del session[COLUMNS_SESSION_KEY]
    session.save()
    ColumnChoice.objects.filter(user=user).update(shown=[], hidden=["qty_to_invoice", "quantity_invoiced"])
    assert "qty_to_invoice" not in headers(client.get(header.get_absolute_url()).content.decode())
    assert client.session[COLUMNS_SESSION_KEY]["hidden"] == ["qty_to_invoice", "quantity_invoiced"]
