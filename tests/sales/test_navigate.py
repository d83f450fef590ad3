"""Find entries (R-NAV-1, BC's Navigate): from any document number, every document and ledger entry that
carries it, grouped by table with counts, each group drilling down; a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, reverse

from assembly.models import AssemblyHeader
from inventory.models import ItemLedgerEntry
from inventory.services.journal import post_item_journal
from sales.models import SalesShipmentLine, ShipmentLineEntry
from sales.navigate_views import MSG_NUL, MSG_REQUIRED, MSG_TOO_LONG
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.navigate import GROUPS, GROUPS_BY_SLUG, related_entries
from sales.services.shipping import post_shipment
from sales.services.undo import undo_shipment_line
from tests.factories import ItemJournalLineFactory, UserFactory
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_shipping import seed_steps_1_to_5
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db
D = Decimal

AUTH_QUERIES = 2  # the session and the user (LoginRequiredMiddleware)
PAGE_QUERIES = AUTH_QUERIES + len(GROUPS)  # one COUNT per table
DRILLDOWN_QUERIES = AUTH_QUERIES + 2  # the paginator's COUNT and the page of rows, related rows joined
GROUP_PAGE_QUERIES = PAGE_QUERIES + 2  # a drill-down opened as a plain link: the page with its rows


def found(no: str) -> list[tuple[str, int]]:
    return [(entry.group.caption, entry.count) for entry in related_entries(no=no)]


def page_url(no: str) -> str:
    return reverse("sales:find-entries") + f"?no={no}"


def group_url(slug: str) -> str:
    return reverse("sales:find-entries-group", args=[slug])


def invoice_card_served() -> bool:
    """The lead adds sales:invoice-card; until then the invoice rows have no card to link to."""
    try:
        reverse("sales:invoice-card", args=[1])
    except NoReverseMatch:
        return False
    return True


@pytest.fixture
def shipped(seed):
    """Spec 15, steps 1 to 6: the seed order posted (Ship)."""
    header, line = seed_steps_1_to_5(seed)
    return post_shipment(header=header)


@pytest.fixture
def two_postings(seed):
    """A fully assembled-to-order line of 10 KIT posted with Ship and Invoice twice (4, then 6): two
    shipments, two invoices and two posted assembly orders of one linked assembly order; and an item
    journal posting of 12 lines under one Document No."""
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_ship=D(4))
    first = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    second = post_sales_order(header=fresh(line).header, choice=PostChoice.SHIP_AND_INVOICE)
    user = UserFactory()
    ItemJournalLineFactory.create_batch(
        12, user=user, item=seed.part_a, location=seed.main, document_no="ADJ-7"
    )
    post_item_journal(user=user)
    return header, first, second


# --- what carries a number (the service) -------------------------------------------------------


def test_r_nav_1_seed_shipment_number_finds_the_shipment_its_posted_assembly_and_the_five_entries(shipped):
    """R-NAV-1 on the spec's seed flow (section 15): the Posted Sales Shipment, its Posted Assembly
    Order (BC's Posted Assemble-to-Order Link) and exactly the five entries the posting wrote."""
    assert found(shipped.no) == [
        ("Posted Sales Shipment", 1),
        ("Posted Assembly Header", 1),
        ("Item Ledger Entry", 5),
    ]
    entries = GROUPS_BY_SLUG["item-ledger-entry"].rows(shipped.no)
    assert [(e.item.no, e.get_entry_type_display(), e.quantity) for e in entries] == [
        ("PART-A", "Assembly Consumption", -14),
        ("PART-B", "Assembly Consumption", -7),
        ("KIT", "Assembly Output", 7),
        ("KIT", "Sale", -7),
        ("KIT", "Sale", -3),
    ]
    posted = shipped.lines.get().posted_assembly
    assert list(GROUPS_BY_SLUG["posted-assembly-header"].rows(shipped.no)) == [posted]


def test_r_nav_1_the_other_numbers_of_the_seed_flow(shipped):
    """R-NAV-1: the order's number finds the order and its shipment (Order No.); the posted assembly's
    its consumption and output; the assembly order's the order and its posting; the journal's its entries."""
    order = shipped.order
    posted = shipped.lines.get().posted_assembly
    assert found(order.no) == [("Sales Order", 1), ("Posted Sales Shipment", 1)]
    assert found(posted.no) == [("Posted Assembly Header", 1), ("Item Ledger Entry", 3)]
    assert found(posted.order_no) == [("Assembly Header", 1), ("Posted Assembly Header", 1)]
    assert found("TEST") == [("Item Ledger Entry", 3)]  # the seed's stock, posted as "TEST"


def test_r_nav_1_invoice_number_finds_the_invoice(seed):
    header, _ = seed_steps_1_to_5(seed)
    posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    assert found(posted.invoice.no) == [("Posted Sales Invoice", 1)]
    assert list(GROUPS_BY_SLUG["posted-sales-invoice"].rows(posted.invoice.no)) == [posted.invoice]
    assert found(header.no) == [("Sales Order", 1), ("Posted Sales Shipment", 1), ("Posted Sales Invoice", 1)]


def test_r_nav_1_an_order_number_finds_every_shipment_invoice_and_posting_of_it(two_postings):
    header, first, second = two_postings
    assert found(header.no) == [("Sales Order", 1), ("Posted Sales Shipment", 2), ("Posted Sales Invoice", 2)]
    linked = AssemblyHeader.objects.get(sales_line__header=header)
    assert found(linked.no) == [("Assembly Header", 1), ("Posted Assembly Header", 2)]
    assert found(first.shipment.no) == [
        ("Posted Sales Shipment", 1),
        ("Posted Assembly Header", 1),
        ("Item Ledger Entry", 4),  # consumption of PART-A and PART-B, output and the sale of 4
    ]
    assert found("ADJ-7") == [("Item Ledger Entry", 12)]


def test_r_nav_1_every_count_is_the_number_of_rows_its_drill_down_lists(two_postings):
    header, first, second = two_postings
    numbers = [header.no, first.shipment.no, second.invoice.no, "ADJ-7"]
    numbers += list(AssemblyHeader.objects.values_list("no", flat=True))
    numbers += [
        line.posted_assembly.no for line in SalesShipmentLine.objects.select_related("posted_assembly")
    ]
    for no in numbers:
        for entry in related_entries(no=no):
            assert entry.count == len(list(entry.group.rows(no))) > 0, (no, entry.group.slug)


def test_r_nav_1_after_undo_shipment_the_corrections_carry_the_shipment_number_too(shipped):
    """R-NAV-1 with R-UNDO-1: the reversing line's entries are the shipment's entries as well."""
    [shipment_line] = shipped.lines.all()
    undo_shipment_line(shipment_line=shipment_line)
    written = ShipmentLineEntry.objects.filter(shipment_line__header=shipped)
    assert written.count() == 10
    assert found(shipped.no) == [
        ("Posted Sales Shipment", 1),
        ("Posted Assembly Header", 1),
        ("Item Ledger Entry", 10),
    ]
    rows = GROUPS_BY_SLUG["item-ledger-entry"].rows(shipped.no)
    assert {e.pk for e in rows} == set(written.values_list("entry", flat=True))
    assert sum(e.quantity for e in rows if e.item.no == "KIT") == 0


def test_r_nav_1_a_number_is_found_as_typed_and_upper_cased_like_a_code(shipped, seed):
    """BC's Code fields are upper-case: "ssh-00001" finds SSH-00001; an item journal's own Document No.
    is kept as typed, and found as typed."""
    assert found(shipped.no.lower()) == found(shipped.no)
    line = ItemJournalLineFactory(item=seed.part_b, location=seed.main, document_no="adj 9")
    post_item_journal(user=line.user)
    assert found("adj 9") == [("Item Ledger Entry", 1)]
    assert found(" adj 9 ") == [("Item Ledger Entry", 1)]


def test_r_nav_1_an_unknown_number_finds_nothing(shipped):
    assert found("NOPE-1") == []
    assert found(shipped.no + "0") == []  # the number, not a prefix of it


# --- the page and its drill-downs -------------------------------------------------------------


def test_r_nav_1_page_lists_the_tables_with_counts_each_drilling_down(shipped, user_client):
    html = user_client.get(reverse("sales:find-entries"), {"no": shipped.no}).content.decode()
    assert "<html" in html and "Find entries" in html and "Related Entries" in html
    for slug, caption, count in (
        ("posted-sales-shipment", "Posted Sales Shipment", 1),
        ("posted-assembly-header", "Posted Assembly Header", 1),
        ("item-ledger-entry", "Item Ledger Entry", 5),
    ):
        url = f"{group_url(slug)}?no={shipped.no}"
        assert f"<td>{caption}</td>" in html
        assert f'href="{url}" hx-get="{url}"' in html
        assert f">{count}</a>" in html
    assert "Sales Order</td>" not in html  # a table without rows is not listed

    partial = user_client.get(reverse("sales:find-entries"), {"no": shipped.no}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="find-entries"') and "<html" not in partial


def test_r_nav_1_drill_downs_list_the_rows_each_linking_to_its_card(shipped, user_client):
    order = shipped.order
    posted = shipped.lines.get().posted_assembly

    def rows(slug: str, no: str) -> str:
        response = user_client.get(group_url(slug), {"no": no}, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200 and html.lstrip().startswith('<section id="related-rows"')
        return html

    assert f'<a href="{shipped.get_absolute_url()}">{shipped.no}</a>' in rows(
        "posted-sales-shipment", shipped.no
    )
    assert f'<a href="{posted.get_absolute_url()}">{posted.no}</a>' in rows(
        "posted-assembly-header", shipped.no
    )
    assert f'<a href="{order.get_absolute_url()}">{order.no}</a>' in rows("sales-order", order.no)
    assembly = posted.order
    assert f'<a href="{assembly.get_absolute_url()}">{assembly.no}</a>' in rows(
        "assembly-header", assembly.no
    )
    entries = rows("item-ledger-entry", shipped.no)
    assert entries.count("<tr data-row>") == 5 and "<a href" not in entries  # no card for an entry
    for text in ("Assembly Consumption", "Assembly Output", "Sale", ">-14<", ">-7<", ">7<", ">-3<"):
        assert text in entries


def test_r_nav_1_invoice_rows_link_to_the_invoice_card_where_it_is_served(seed, user_client):
    header, _ = seed_steps_1_to_5(seed)
    invoice = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE).invoice
    html = user_client.get(group_url("posted-sales-invoice"), {"no": invoice.no}, **HTMX).content.decode()
    assert html.count("<tr data-row>") == 1 and invoice.no in html and "5,000.00" in html
    if invoice_card_served():
        assert f'<a href="{invoice.get_absolute_url()}">{invoice.no}</a>' in html
    else:
        assert "<a href" not in html


def test_r_nav_1_a_drill_down_as_a_plain_link_is_the_page_with_the_rows(shipped, user_client):
    url = group_url("item-ledger-entry")
    html = user_client.get(url, {"no": shipped.no}).content.decode()
    assert "<html" in html and "Related Entries" in html
    assert '<tr data-group="item-ledger-entry" class="selected" aria-current="true">' in html
    assert html.count("<tr data-row>") == 5
    assert user_client.get(group_url("nope"), {"no": shipped.no}).status_code == 404


def test_r_nav_1_an_unknown_number_says_so(user_client):
    html = user_client.get(reverse("sales:find-entries"), {"no": "NOPE-1"}).content.decode()
    assert "No entries carry NOPE-1." in html and "Related Entries" in html


def test_r_nav_1_the_main_navigation_has_the_search_box(user_client):
    html = user_client.get(reverse("sales:order-list")).content.decode()
    action = reverse("sales:find-entries")
    assert f'<form class="navsearch" method="get" action="{action}" role="search"' in html
    assert '<label for="nav-find-entries" class="visually-hidden">Find entries</label>' in html
    assert '<input id="nav-find-entries" type="search" name="no"' in html
    page = user_client.get(reverse("sales:find-entries")).content.decode()
    assert 'aria-invalid="true"' not in page and MSG_REQUIRED not in page  # nothing asked yet


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", MSG_REQUIRED),
        ("   ", MSG_REQUIRED),
        ("\x00", MSG_NUL),
        ("SSH-00001\x00", MSG_NUL),
        ("x" * 21, MSG_TOO_LONG),
        ("A" * 5000, MSG_TOO_LONG),
    ],
    ids=["blank", "spaces", "nul", "number-and-nul", "21-characters", "5000-characters"],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("route", ["find-entries", "find-entries-group"])
def test_r_nav_1_bad_input_gets_a_message_next_to_the_field(
    shipped, user_client, route, htmx, value, message
):
    """I-6: never a 500; the message sits at the Document No. field, on the page and in a drill-down."""
    user_client.raise_request_exception = False
    url = reverse("sales:find-entries") if route == "find-entries" else group_url("item-ledger-entry")
    response = user_client.get(url, {"no": value}, **(HTMX if htmx else {}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="no"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_no_error"' in html
    assert f'<ul class="errorlist" id="id_no_error"><li>{message}</li></ul>' in html
    assert "Related Entries" not in html and "<tr data-row>" not in html
    if htmx:
        assert html.lstrip().startswith('<div id="find-entries"')
        if route == "find-entries-group":
            assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#find-entries", "outerHTML")


# --- query counts -------------------------------------------------------------------------------


def test_r_nav_1_the_page_costs_one_count_per_table_however_many_rows(
    two_postings, user_client, django_assert_num_queries
):
    header, first, _ = two_postings
    for no in (first.shipment.no, header.no, "ADJ-7", "NOPE-1"):
        for headers in ({}, HTMX):
            with django_assert_num_queries(PAGE_QUERIES):
                assert (
                    user_client.get(reverse("sales:find-entries"), {"no": no}, **headers).status_code == 200
                )


@pytest.mark.parametrize(
    ("slug", "few", "many"),
    [
        ("sales-order", "ORDER", "ORDER"),  # a number is one order at most
        ("posted-sales-shipment", "SHIPMENT", "ORDER"),
        ("posted-sales-invoice", "INVOICE", "ORDER"),
        ("assembly-header", "ASSEMBLY", "ASSEMBLY"),
        ("posted-assembly-header", "POSTED", "ASSEMBLY"),
        ("item-ledger-entry", "POSTED", "ADJ-7"),
    ],
)
def test_r_nav_1_a_drill_down_costs_the_same_queries_however_many_rows(
    two_postings, user_client, django_assert_num_queries, slug, few, many
):
    header, first, _ = two_postings
    assembly = AssemblyHeader.objects.get(sales_line__header=header)
    numbers = {
        "ORDER": header.no,
        "SHIPMENT": first.shipment.no,
        "INVOICE": first.invoice.no,
        "ASSEMBLY": assembly.no,
        "POSTED": first.shipment.lines.get().posted_assembly.no,
        "ADJ-7": "ADJ-7",
    }
    shown = []
    for no in (numbers[few], numbers[many]):
        with django_assert_num_queries(DRILLDOWN_QUERIES):
            html = user_client.get(group_url(slug), {"no": no}, **HTMX).content.decode()
        shown.append(html.count("<tr data-row>"))
        with django_assert_num_queries(GROUP_PAGE_QUERIES):
            assert user_client.get(group_url(slug), {"no": no}).status_code == 200
    if few != many:
        assert 0 < shown[0] < shown[1]
    assert ItemLedgerEntry.objects.filter(document_no="ADJ-7").count() == 12


def test_r_nav_1_posted_cards_offer_find_entries(shipped, user_client):
    """BC's "Find entries" action on a posted document opens the page for its number."""
    posted = shipped.lines.get().posted_assembly
    for card, no in ((shipped.get_absolute_url(), shipped.no), (posted.get_absolute_url(), posted.no)):
        html = user_client.get(card).content.decode()
        assert f'<a class="button" href="{page_url(no)}">Find entries</a>' in html
