"""The Sales Orders list as an order desk uses it: filters that combine (GET, htmx or not), bad filter
input answered next to its field, the Amount, Completely Shipped and shipped/invoiced columns, and a
query count that does not grow with orders or lines (spec 4, R-INVC-1)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from sales.forms import MSG_DATES_REVERSED
from sales.models import OrderAmounts, SalesHeader
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.orders import create_sales_order
from sales.services.shipping import post_shipment
from tests.factories import CustomerFactory
from tests.sales.test_order_totals import AWKWARD, desk
from tests.sales.test_reservations import edit
from tests.test_fuzz import snapshot

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("sales:order-list")


def listed(response) -> set[str]:
    """The order numbers the list shows."""
    table = response.content.decode().split('<section id="orders-table"', 1)[1]
    return set(re.findall(r'href="/sales/orders/\d+/">(SO-\d+)</a>', table))


def nos(orders: dict[str, SalesHeader], *names: str) -> set[str]:
    return {orders[name].no for name in names}


def field_errors(response, field: str) -> list[str]:
    """The messages Django renders right after the filter's input (`<ul id="id_<field>_error">`)."""
    html = response.content.decode()
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1), re.S) if match else []


# --- the page ----------------------------------------------------------------------------------------


def test_the_list_shows_amount_status_completely_shipped_and_state(seed, user_client):
    orders = desk(seed)
    awkward = seed.order()
    for quantity, price in AWKWARD:
        seed.line(awkward, item=seed.part_a, quantity=D(quantity), unit_price=D(price))
    html = user_client.get(URL).content.decode()
    for th in ("Status", "Completely Shipped", "Shipped / Invoiced", "Amount"):
        assert f"<th>{th}</th>" in html or f'<th class="num">{th}</th>' in html

    def row(order: SalesHeader) -> str:
        return html.split(f">{order.no}</a>", 1)[1].split("</tr>", 1)[0]

    partly = row(orders["partly_invoiced"])
    assert "Released" in partly and "Partly invoiced" in partly
    assert '<td data-caption="Completely Shipped">Yes</td>' in partly
    assert '<td data-caption="Completely Shipped">No</td>' in row(orders["partly"])
    assert "Completed" in row(orders["invoiced"]) and ">Invoiced<" in row(orders["invoiced"])
    assert ">Not shipped<" in row(orders["empty"])
    total = OrderAmounts.of(awkward.lines.all()).amount
    assert f'<td class="num" data-caption="Amount">{total:,.2f}</td>' in row(awkward)
    assert total == D("47871113059.80")  # the unrounded sum would be …059.79


@pytest.fixture
def dated(seed):
    """The desk's orders (shipping today), two more of 10000 around them and one of 20000."""
    today = timezone.localdate()
    orders = desk(seed)
    orders["early"] = seed.order(shipment_date=today - datetime.timedelta(days=10))
    orders["late"] = seed.order(shipment_date=today + datetime.timedelta(days=10))
    seed.line(orders["late"], item=seed.part_b, quantity=1)
    other = CustomerFactory(no="20000", name="Trey Research", location=seed.main)
    orders["trey"] = create_sales_order(customer=other)
    seed.line(orders["trey"], item=seed.part_b, quantity=1)
    return orders


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({}, "empty open partly shipped partly_invoiced mixed invoiced early late trey"),
        ({"status": "OPEN"}, "empty open early late trey"),
        ({"status": "RELEASED"}, "partly shipped partly_invoiced mixed"),
        ({"status": "COMPLETED"}, "invoiced"),
        ({"status": ""}, "empty open partly shipped partly_invoiced mixed invoiced early late trey"),
        ({"customer": "20000"}, "trey"),
        ({"customer": " 20000 "}, "trey"),
        ({"shipment_date_from": days(1)}, "late"),
        ({"shipment_date_to": days(-1)}, "early"),
        ({"shipment_date_from": days(-10), "shipment_date_to": days(-10)}, "early"),
        (
            {"shipment_date_from": days(0), "shipment_date_to": days(0)},
            "empty open partly shipped partly_invoiced mixed invoiced trey",
        ),
        ({"not_fully_shipped": "on"}, "open partly mixed late trey"),
        ({"shipped_not_invoiced": "on"}, "partly shipped partly_invoiced mixed"),
        # combined
        ({"not_fully_shipped": "on", "shipped_not_invoiced": "on"}, "partly mixed"),
        ({"status": "OPEN", "not_fully_shipped": "on"}, "open late trey"),
        (
            {"customer": "10000", "not_fully_shipped": "on", "shipment_date_from": days(0)},
            "open partly mixed late",
        ),
        ({"customer": "10000", "shipment_date_to": days(0), "status": "OPEN"}, "empty open early"),
        ({"q": "trey", "not_fully_shipped": "on"}, "trey"),
        ({"q": "trey", "shipped_not_invoiced": "on"}, ""),
        ({"status": "RELEASED", "shipped_not_invoiced": "on", "not_fully_shipped": "on"}, "partly mixed"),
    ],
)
def test_each_filter_and_their_combinations(dated, user_client, params, names):
    expected = nos(dated, *names.split())
    full = user_client.get(URL, params)
    assert full.status_code == 200 and b"<html" in full.content
    assert listed(full) == expected
    partial = user_client.get(URL, params, **HTMX)
    assert partial.content.decode().lstrip().startswith('<section id="orders-table"')
    assert listed(partial) == expected


def test_htmx_swaps_the_table_and_the_filters_out_of_band_and_the_page_keeps_them(seed, user_client):
    params = {"customer": "10000", "shipment_date_from": days(-1), "not_fully_shipped": "on"}
    partial = user_client.get(URL, params, **HTMX).content.decode()
    table, filters = partial.split('<form id="order-filters"', 1)
    assert 'id="orders-table"' in table and "hx-swap-oob" not in table
    assert 'hx-swap-oob="true"' in filters and 'hx-push-url="true"' in filters
    page = user_client.get(URL, params).content.decode()  # without JavaScript: the same GET
    form = page.split('<form id="order-filters"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in page and "hx-swap-oob" not in form
    assert 'name="customer" value="10000"' in form
    assert f'name="shipment_date_from" value="{days(-1)}"' in form
    assert re.search(r'name="not_fully_shipped"[^>]*checked', form)
    assert not re.search(r'name="shipped_not_invoiced"[^>]*checked', form)


def test_page_links_keep_the_filters(seed, user_client):
    for _ in range(51):
        seed.order()
    html = user_client.get(URL, {"status": "OPEN", "shipment_date_from": days(0)}).content.decode()
    assert f'href="?status=OPEN&amp;shipment_date_from={days(0)}&page=2"' in html


NUL = "\x00"


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"customer": "NOPE"}, "customer", "There is no Customer with No. NOPE."),
        ({"customer": "9" * 300}, "customer", f"There is no Customer with No. {'9' * 300}."),
        ({"customer": NUL}, "customer", "There is no Customer with No. ."),
        ({"customer": "10000" + NUL}, "customer", "There is no Customer with No. 10000."),
        ({"shipment_date_from": "soon"}, "shipment_date_from", "Enter a valid date."),
        ({"shipment_date_to": "2026-02-30"}, "shipment_date_to", "Enter a valid date."),
        ({"shipment_date_from": NUL}, "shipment_date_from", "Enter a valid date."),
        ({"shipment_date_to": "2026-01-01" + NUL}, "shipment_date_to", "Enter a valid date."),
        ({"shipment_date_to": "2026-01-01" * 100}, "shipment_date_to", "Enter a valid date."),
        (
            {"shipment_date_from": "1899-12-31"},
            "shipment_date_from",
            "Shipment Date from must be between 01/01/1900 and 12/31/2999.",
        ),
        (
            {"shipment_date_from": days(1), "shipment_date_to": days(0)},
            "shipment_date_from",
            MSG_DATES_REVERSED,
        ),
        ({"status": "open"}, "status", "Select a valid choice. open is not one of the available choices."),
        (
            {"status": "x" * 300},
            "status",
            f"Select a valid choice. {'x' * 300} is not one of the available choices.",
        ),
        ({"q": NUL}, "q", "Null characters are not allowed."),
        ({"q": "x" * 51}, "q", "Ensure this value has at most 50 characters (it has 51)."),
    ],
)
def test_bad_filter_input_is_said_next_to_its_field_and_changes_nothing(
    dated, user_client, params, field, message
):
    before = snapshot()
    params = {"not_fully_shipped": "on", **params}  # a valid filter beside it changes nothing
    for headers in ({}, HTMX):
        response = user_client.get(URL, params, **headers)
        assert response.status_code == 200
        assert field_errors(response, field) == [message]
        assert listed(response) == set()
        assert 'role="alert"' in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("value", [NUL, "x" * 5000, "0", "false"])
def test_odd_checkbox_values_are_checked_or_not_never_an_error(dated, user_client, value):
    """A checkbox sends its value or nothing: any value but "false" is checked (Django's
    CheckboxInput), so there is nothing to say next to it."""
    before = snapshot()
    response = user_client.get(URL, {"shipped_not_invoiced": value})
    assert response.status_code == 200 and 'class="errorlist"' not in response.content.decode()
    checked = value != "false"
    everything = "empty open partly shipped partly_invoiced mixed invoiced early late trey"
    expected = "partly shipped partly_invoiced mixed" if checked else everything
    assert listed(response) == nos(dated, *expected.split())
    assert snapshot() == before


def _orders(seed, count: int) -> None:
    """`count` orders of three lines each; every third (from the second) shipped in part, every fifth invoiced."""
    for n in range(count):
        header = seed.order()
        for item in (seed.part_a, seed.part_b, seed.part_a):
            line = seed.line(header, item=item, quantity=D("0.335"), unit_price=D("3.00"))
        if n % 3 == 1:
            edit(line, qty_to_ship=D("0.2"))
            post_shipment(header=header)
        if n % 5 == 0:
            post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)


@pytest.mark.parametrize(
    ("params", "queries"),
    [
        # session, user, the page count, the page with its amounts and states
        ({}, 4),
        # and the customer looked up by its No.
        (
            {
                "q": "SO",
                "status": "RELEASED",
                "customer": "10000",
                "shipment_date_from": "2000-01-01",
                "shipment_date_to": "2999-12-31",
                "not_fully_shipped": "on",
                "shipped_not_invoiced": "on",
            },
            5,
        ),
    ],
)
def test_query_count_does_not_grow_with_orders_or_lines(
    seed, user_client, django_assert_num_queries, params, queries
):
    _orders(seed, 3)
    with django_assert_num_queries(queries):
        few = user_client.get(URL, params, **HTMX)
    _orders(seed, 27)
    with django_assert_num_queries(queries):
        many = user_client.get(URL, params, **HTMX)
    with django_assert_num_queries(queries):
        user_client.get(URL, params)  # the full page costs the same
    if not params:
        assert (len(listed(few)), len(listed(many))) == (3, 30)
    else:
        assert 0 < len(listed(few)) < len(listed(many))
