"""Sales order pages: partials vs full pages, query counts, bad input, and the confirmation of R-SYNC-4."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from assembly.models import AssemblyStatus
from sales.forms import SalesLineForm
from sales.models import SalesHeader, SalesLine
from sales.services.orders import release_sales_order, reopen_sales_order
from tests.factories import PERMISSION_QUERIES, BinFactory, CustomerFactory, ItemFactory, LocationFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def row_data(line: SalesLine, **overrides) -> dict[str, str]:
    data = {
        "item": line.item.no,
        "location": line.location.code,
        "bin": line.bin.code if line.bin else "",
        "quantity": f"{line.quantity.normalize():f}",
        "qty_to_assemble_to_order": f"{line.qty_to_assemble_to_order.normalize():f}",
        "shipment_date": line.shipment_date.isoformat(),
        "unit_price": str(line.unit_price),
        "qty_to_ship": f"{line.qty_to_ship.normalize():f}",
    }
    data.update(overrides)
    return {f"line-{line.pk}-{k}": v for k, v in data.items()}


def row_url(line: SalesLine) -> str:
    return reverse("sales:line-row", args=[line.header_id, line.pk])


# --- list and new ------------------------------------------------------------------------------


def test_order_list_full_partial_filters_and_constant_queries(
    seed, user_client, django_assert_max_num_queries
):
    other = CustomerFactory(no="20000", name="Trey Research")
    for _ in range(30):
        seed.order()
    released = seed.order()
    seed.line(released, quantity=1)
    release_sales_order(header=released)
    from sales.services.orders import create_sales_order

    create_sales_order(customer=other)
    url = reverse("sales:order-list")
    with django_assert_max_num_queries(6 + PERMISSION_QUERIES):
        full = user_client.get(url)
    assert b"<html" in full.content
    partial = user_client.get(url, {"status": "RELEASED"}, **HTMX)
    html = partial.content.decode()
    assert html.lstrip().startswith('<section id="orders-table"')
    assert released.no in html and "SO-00001<" not in html
    assert "Trey Research" in user_client.get(url, {"q": "trey"}).content.decode()
    bad = user_client.get(url, {"customer": "NOPE"})
    assert bad.status_code == 200 and "There is no Customer with No. NOPE." in bad.content.decode()


def test_new_order_uses_the_customer_defaults(seed, user_client):
    response = user_client.post(reverse("sales:order-new"), {"customer": "10000"})
    header = SalesHeader.objects.get()
    assert response["Location"] == header.get_absolute_url()
    assert (header.no, header.location) == ("SO-00001", seed.main)
    bad = user_client.post(reverse("sales:order-new"), {"customer": "99999"})
    assert bad.status_code == 422
    assert "There is no Customer with No. 99999." in bad.content.decode()


# --- the card ------------------------------------------------------------------------------------


def test_card_queries_do_not_depend_on_the_number_of_lines(seed, user_client, django_assert_max_num_queries):
    """100 lines (half of them with linked assembly orders) cost as many queries as 3."""
    small, large = seed.order(), seed.order()
    for n in range(3):
        seed.line(small, item=seed.kit if n % 2 else seed.part_a, quantity=1)
    for n in range(100):
        seed.line(large, item=seed.kit if n % 2 else seed.part_a, quantity=1)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_run:
        assert user_client.get(small.get_absolute_url()).status_code == 200
    with CaptureQueriesContext(connection) as large_run:
        response = user_client.get(large.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('<tr id="line-') == 100
    assert len(large_run) == len(small_run)
    # The page, its lines, the linked orders' component availability (R-ASM-4, three queries for all
    # lines together) and the FactBox of the first line.
    with django_assert_max_num_queries(14 + PERMISSION_QUERIES):  # 13, the user's Choose columns
        user_client.get(large.get_absolute_url())


def test_line_change_returns_the_row_partial_with_recomputed_values(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    response = user_client.post(row_url(line), row_data(line, qty_to_assemble_to_order="7"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="line-{line.pk}"')
    assert '<td class="num" data-caption="Reserved Quantity">7</td>' in html
    line.refresh_from_db()
    assert (line.qty_to_assemble_to_order, line.assembly_order.quantity) == (7, 7)


def test_line_change_without_javascript_redirects_to_the_card(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    response = user_client.post(row_url(line), row_data(line, quantity="12"))
    assert response.status_code == 302 and response["Location"] == header.get_absolute_url()
    line.refresh_from_db()
    assert line.quantity == 12


def test_row_get_is_the_partial_and_the_card_is_a_full_page(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    assert user_client.get(row_url(line), **HTMX).content.decode().lstrip().startswith("<tr")
    assert b"<html" in user_client.get(header.get_absolute_url()).content


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "ten", "Enter a number."),
        ("quantity", "-2", "Quantity must not be negative."),
        ("quantity", "1.123456", "Ensure that there are no more than 5 decimal places."),
        ("qty_to_assemble_to_order", "11", "Qty. to Assemble to Order must be between 0 and 10."),
        ("item", "NOPE", "There is no Item with No. NOPE."),
        ("shipment_date", "soon", "Enter a valid date."),
        ("unit_price", "-1", "Unit Price must not be negative."),
        ("qty_to_ship", "12", "Qty. to Ship must be between 0 and the outstanding quantity 10."),
    ],
)
def test_bad_input_is_shown_at_the_cell_and_changes_nothing(seed, user_client, field, value, message):
    header = seed.order()
    line = seed.line(header, quantity=10)
    response = user_client.post(row_url(line), row_data(line, **{field: value}), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{value}"' in html  # the row keeps what the user typed
    assert 'aria-invalid="true"' in html
    line.refresh_from_db()
    assert (line.quantity, line.qty_to_assemble_to_order, line.unit_price) == (10, 10, Decimal("500.00"))
    assert line.assembly_order.quantity == 10


def test_bin_of_another_location_is_refused_at_the_cell(silver, user_client):
    header = silver.order()
    line = silver.line(header, quantity=5)
    BinFactory(location=LocationFactory(code="BLUE", bin_mandatory=True), code="B-9")
    response = user_client.post(row_url(line), row_data(line, bin="B-9"), **HTMX)
    assert response.status_code == 422
    assert "There is no Bin with Code B-9 at location SILVER." in response.content.decode()
    line.refresh_from_db()
    assert line.bin == silver.ato_ship


def test_another_orders_line_id_is_not_found(seed, user_client):
    mine, theirs = seed.order(), seed.order()
    their_line = seed.line(theirs, quantity=10)
    url = reverse("sales:line-row", args=[mine.pk, their_line.pk])
    assert user_client.post(url, row_data(their_line, quantity="1"), **HTMX).status_code == 404
    assert user_client.post(reverse("sales:line-delete", args=[mine.pk, their_line.pk])).status_code == 404
    their_line.refresh_from_db()
    assert their_line.quantity == 10


def test_add_line_via_htmx_and_its_errors(seed, user_client):
    header = seed.order()
    url = reverse("sales:line-add", args=[header.pk])
    response = user_client.post(
        url, {"new-item": "kit", "new-quantity": "10", "new-location": "MAIN"}, **HTMX
    )
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section id="sales-lines"')
    line = SalesLine.objects.get()
    assert (line.qty_to_assemble_to_order, line.assembly_order.quantity) == (10, 10)
    bad = user_client.post(url, {"new-item": "kit", "new-quantity": "x"}, **HTMX)
    assert bad.status_code == 422 and "Enter a number." in bad.content.decode()
    blocked = ItemFactory(no="OLD", blocked=True)
    refused = user_client.post(url, {"new-item": blocked.no, "new-quantity": "1"}, **HTMX)
    assert refused.status_code == 422 and "Item OLD is blocked." in refused.content.decode()
    assert SalesLine.objects.count() == 1


def test_delete_line_via_htmx(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    response = user_client.post(reverse("sales:line-delete", args=[header.pk, line.pk]), **HTMX)
    assert response.status_code == 200
    assert not SalesLine.objects.exists()


def test_header_shipment_date_flows_to_lines_and_returns_the_body(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    later = header.shipment_date + datetime.timedelta(days=4)
    data = {
        "header-customer": "10000",
        "header-order_date": header.order_date.isoformat(),
        "header-posting_date": header.posting_date.isoformat(),
        "header-shipment_date": later.isoformat(),
        "header-location": "MAIN",
    }
    response = user_client.post(reverse("sales:header-change", args=[header.pk]), data, **HTMX)
    assert response.content.decode().lstrip().startswith('<div id="order-body"')
    line.refresh_from_db()
    assert line.shipment_date == later == line.assembly_order.due_date
    bad = user_client.post(
        reverse("sales:header-change", args=[header.pk]), {**data, "header-posting_date": "never"}, **HTMX
    )
    assert bad.status_code == 422 and "Enter a valid date." in bad.content.decode()


def test_r_sync_4_confirmation_prompt_then_yes(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    reopen_sales_order(header=header)
    first = user_client.post(row_url(line), row_data(line, qty_to_assemble_to_order="7"), **HTMX)
    assert "The linked assembly order AO-00001 is released." in first.content.decode()
    line.refresh_from_db()
    assert line.qty_to_assemble_to_order == 10  # nothing changed yet
    yes = user_client.post(
        row_url(line), {**row_data(line, qty_to_assemble_to_order="7"), "confirm_reopen": "1"}, **HTMX
    )
    assert yes.status_code == 200
    line.refresh_from_db()
    assert line.qty_to_assemble_to_order == 7
    assert line.assembly_order.status == AssemblyStatus.OPEN


def test_released_order_shows_only_qty_to_ship_and_refuses_other_changes(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    response = user_client.post(reverse("sales:order-release", args=[header.pk]), follow=True)
    html = response.content.decode()
    assert "Sales order SO-00001 was released." in html
    assert f'name="line-{line.pk}-qty_to_ship"' in html and f'name="line-{line.pk}-quantity"' not in html
    response = user_client.post(row_url(line), {f"line-{line.pk}-qty_to_ship": "4"}, **HTMX)
    assert response.status_code == 200
    line.refresh_from_db()
    assert line.qty_to_ship == 4 and line.assembly_order.quantity_to_assemble == 4
    response = user_client.post(reverse("sales:order-release", args=[header.pk]), follow=True)
    assert "already released" in response.content.decode()
    response = user_client.post(reverse("sales:order-reopen", args=[header.pk]), follow=True)
    assert "was reopened" in response.content.decode()


def test_release_errors_are_shown(silver, user_client):
    header = silver.order()
    response = user_client.post(reverse("sales:order-release", args=[header.pk]), follow=True)
    assert "There is nothing to release for sales order" in response.content.decode()


def test_a_row_form_knows_only_its_own_lines_codes(seed):
    """The saved item and location a row form needs no lookup for are that form's, never shared."""
    header = seed.order()
    line = seed.line(header, quantity=1)
    form = SalesLineForm(header=header, line=line)
    assert form.fields["item"].known == {"KIT": line.item}
    assert SalesLineForm(header=header).fields["item"].known == {}
    assert SalesLineForm.base_fields["item"].known == {}
