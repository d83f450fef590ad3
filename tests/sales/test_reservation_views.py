"""The FactBox, drill-downs, Use available inventory and the Reservation page over HTTP (spec 8, 9; X-1, X-3)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assembly.services import create_assembly_order
from inventory.models import Reservation
from sales.models import SalesLine
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.lines import MSG_ORDER_COMPLETED, save_sales_line
from sales.services.reservations import (
    MSG_FULLY_RESERVED,
    MSG_NOTHING_AVAILABLE,
    MSG_NOTHING_TO_CANCEL,
    SupplyType,
    entry_supplies,
    reserve_from_current_line,
    reserve_from_supply,
)
from tests.factories import PERMISSION_QUERIES, ItemFactory, post_stock
from tests.sales.test_reservations import fresh
from tests.sales.test_shipping import seed_steps_1_to_5
from tests.test_fuzz import changed, snapshot

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
# issue 4: the FactBox and the Reservation dialog, whole request (session, user and its permissions included)
MAX_QUERIES = 12 + PERMISSION_QUERIES


def url(name: str, line: SalesLine, *args) -> str:
    return reverse(f"sales:{name}", args=[line.header_id, line.pk, *args])


@pytest.fixture
def kit_line(seed):
    header = seed.order()
    return seed.line(header, quantity=10)


def test_factbox_partial_full_fallback_and_figures(kit_line, user_client):
    response = user_client.get(url("line-factbox", kit_line), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<aside id="factbox"')
    assert '<dd data-figure="item-availability" class="">3</dd>' in html
    assert "3 available in inventory." in html
    full = user_client.get(url("line-factbox", kit_line))
    assert full.status_code == 302 and full["Location"].endswith(f"?line={kit_line.pk}")


def test_factbox_and_dialog_queries_are_fixed_whatever_the_data(seed, user_client):
    """Same number of queries with 1 or 40 entries, lines and orders of the item, and at most 12."""
    header = seed.order()
    line = seed.line(header, quantity=10)
    counts = {}
    for label in ("small", "large"):
        with CaptureQueriesContext(connection) as factbox_run:
            assert user_client.get(url("line-factbox", line), **HTMX).status_code == 200
        with CaptureQueriesContext(connection) as dialog_run:
            assert user_client.get(url("reservation", line), **HTMX).status_code == 200
        counts[label] = (len(factbox_run), len(dialog_run))
        for _ in range(20):  # grow the item's history, demand and supply
            post_stock(seed.kit, seed.main, 2)
            post_stock(seed.kit, seed.main, -1)
            seed.line(seed.order(), quantity=1)
    assert counts["small"] == counts["large"]
    assert max(counts["large"]) <= MAX_QUERIES


def test_another_orders_line_is_not_found(seed, user_client):
    mine = seed.order()
    theirs = seed.line(seed.order(), quantity=2)
    for name in ("line-factbox", "reservation"):
        assert user_client.get(reverse(f"sales:{name}", args=[mine.pk, theirs.pk]), **HTMX).status_code == 404
    action = reverse("sales:reservation-action", args=[mine.pk, theirs.pk, "auto-reserve"])
    assert user_client.post(action, **HTMX).status_code == 404
    assert (
        user_client.post(reverse("sales:use-available", args=[mine.pk, theirs.pk]), **HTMX).status_code == 404
    )


def test_unknown_figure_action_or_supply_type_is_not_found(kit_line, user_client):
    assert user_client.get(url("factbox-drilldown", kit_line, "everything"), **HTMX).status_code == 404
    assert user_client.post(url("reservation-action", kit_line, "steal"), **HTMX).status_code == 404
    response = user_client.post(url("reservation-action", kit_line, "cancel"), {"supply_type": "X"}, **HTMX)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "figure",
    [
        "available-inventory",
        "scheduled-receipt",
        "reserved-receipt",
        "gross-requirement",
        "reserved-requirement",
        "reserved-quantity",
    ],
)
def test_x_3_every_figure_drills_down(kit_line, user_client, figure):
    response = user_client.get(url("factbox-drilldown", kit_line, figure), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<dialog id="drilldown"')
    expected = {
        "available-inventory": "Positive Adjmt.",
        "scheduled-receipt": "AO-00001",
        "reserved-receipt": "Order-to-Order",
        "gross-requirement": "SO-00001",
        "reserved-requirement": "Order-to-Order",
        "reserved-quantity": "Order-to-Order",
    }[figure]
    assert expected in html
    assert b"<html" in user_client.get(url("factbox-drilldown", kit_line, figure)).content


def test_x_1_use_available_answers_with_row_and_factbox_out_of_band(kit_line, user_client):
    response = user_client.post(url("use-available", kit_line), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f'<aside id="factbox" class="factbox card" aria-label="Sales Line Details" data-line="{kit_line.pk}" hx-swap-oob="true">'
        in html
    )
    row = html[html.index("<template>") :]
    assert f'<tr id="line-{kit_line.pk}"' in row and 'hx-swap-oob="true"' in row
    kit_line.refresh_from_db()
    assert kit_line.qty_to_assemble_to_order == 7
    again = user_client.post(url("use-available", kit_line), **HTMX)
    assert again.status_code == 422 and "There is no inventory available to use" in again.content.decode()


def test_reservation_dialog_partial_and_full_page(kit_line, user_client):
    partial = user_client.get(url("reservation", kit_line), **HTMX).content.decode()
    assert partial.lstrip().startswith('<dialog id="reservation-dialog"') and "data-modal" in partial
    full = user_client.get(url("reservation", kit_line)).content.decode()
    assert "<html" in full and '<dialog id="reservation-dialog"' in full and " open>" in full


def test_reserve_cancel_and_auto_reserve_through_the_dialog(kit_line, user_client):
    save_sales_line(header=kit_line.header, line=kit_line, values={"qty_to_assemble_to_order": Decimal(7)})
    response = user_client.post(
        url("reservation-action", kit_line, "reserve-from-current-line"), {"supply_type": "ILE"}, **HTMX
    )
    html = response.content.decode()
    assert "3 reserved." in html
    assert '<dd data-figure="reserved-quantity">10</dd>' in html
    assert 'hx-swap-oob="true"' in html  # the row and the FactBox follow

    response = user_client.post(
        url("reservation-action", kit_line, "reserve-from-current-line"), {"supply_type": "ILE"}, **HTMX
    )
    assert response.status_code == 422 and "Fully reserved." in response.content.decode()

    response = user_client.post(url("reservation-action", kit_line, "cancel"), {"supply_type": "ILE"}, **HTMX)
    assert "3 reservation cancelled." in response.content.decode()
    response = user_client.post(url("reservation-action", kit_line, "cancel"), {"supply_type": "ASM"}, **HTMX)
    assert "There are no reservations to cancel." in response.content.decode()

    response = user_client.post(url("reservation-action", kit_line, "auto-reserve"), **HTMX)
    assert "3 reserved." in response.content.decode()
    assert Reservation.objects.filter(sales_line=kit_line).total() == 10


def test_available_to_reserve_from_one_entry_with_bad_quantities(seed, kit_line, user_client):
    save_sales_line(header=kit_line.header, line=kit_line, values={"qty_to_assemble_to_order": Decimal(7)})
    entry = seed.kit.ledger_entries.get()
    listing = user_client.get(
        url("reservation", kit_line), {"show": "available", "supply_type": "ILE"}, **HTMX
    )
    assert f'name="supply" value="{entry.pk}"' in listing.content.decode()
    action = url("reservation-action", kit_line, "reserve-from-supply")
    for bad, message in (
        ("x", "Enter a number."),
        ("-1", "greater than or equal to 0.00001"),
        ("4", "has only 3 available"),
    ):
        response = user_client.post(
            action, {"supply_type": "ILE", "supply": entry.pk, "quantity": bad}, **HTMX
        )
        assert response.status_code == 422
        assert message in response.content.decode()
    assert not Reservation.objects.filter(item_ledger_entry=entry).exists()
    other_item_entry = post_stock(ItemFactory(no="OTHER"), seed.main, 5)
    response = user_client.post(
        action, {"supply_type": "ILE", "supply": other_item_entry.pk, "quantity": "1"}, **HTMX
    )
    assert "cannot supply this line" in response.content.decode()
    response = user_client.post(action, {"supply_type": "ILE", "supply": entry.pk, "quantity": "2"}, **HTMX)
    assert "2 reserved." in response.content.decode()
    assert Reservation.objects.get(item_ledger_entry=entry).quantity == 2


def test_reservation_actions_without_javascript_redirect_back(kit_line, user_client):
    response = user_client.post(url("reservation-action", kit_line, "auto-reserve"), follow=True)
    assert "Fully reserved." in response.content.decode()
    assert response.redirect_chain[-1][0] == url("reservation", kit_line)


def test_reservation_entries_listing(kit_line, user_client):
    html = user_client.get(url("reservation", kit_line), {"show": "entries"}, **HTMX).content.decode()
    assert "Assembly Order AO-00001" in html and "Order-to-Order" in html


# Issue 10: at most 12 for the whole request (BEGIN and COMMIT counted): session, user, its permissions
# (one query, RoleBackend; "Choose columns" comes with the session), the line, 7 for the operation, the
# figures of the answer.
RESERVE_QUERIES = 12
SERVICE_QUERIES = 7  # transaction, order, line, items, supplies, the write, commit
LINKED_ORDER = 1  # a line with an ATO part also locks its linked order


def _grow(seed, rounds: int = 20) -> None:
    """The item's history, demand and supply, and other lines' reservations on its entries."""
    for _ in range(rounds):
        post_stock(seed.kit, seed.main, 2)
        post_stock(seed.kit, seed.main, -1)
        other = seed.line(seed.order(), quantity=1, qty_to_assemble_to_order=Decimal(0))
        reserve_from_current_line(line=fresh(other), supply_type=SupplyType.ITEM_LEDGER_ENTRY)


@pytest.mark.parametrize(
    ("qato", "ceiling"),
    # the line with an ATO part also locks its linked order and reads its component availability
    [(0, RESERVE_QUERIES), (7, RESERVE_QUERIES + LINKED_ORDER + 1)],
    ids=["stock line", "line with an ATO part"],
)
def test_reserve_from_current_line_costs_a_fixed_number_of_queries(
    seed, user_client, django_assert_max_num_queries, qato, ceiling
):
    """Issue 10: Reserve from Current Line answers with the dialog, the FactBox and the row in a fixed
    number of queries: the same with 1 or 40 entries and 20 more lines reserving from them."""
    action = "reservation-action"
    counts = {}
    for label in ("small", "large"):
        line = seed.line(seed.order(), quantity=qato + 3, qty_to_assemble_to_order=Decimal(qato))
        post_stock(seed.kit, seed.main, 3)
        with CaptureQueriesContext(connection) as run:
            response = user_client.post(
                url(action, line, "reserve-from-current-line"), {"supply_type": "ILE"}, **HTMX
            )
        assert response.status_code == 200
        assert Reservation.objects.filter(sales_line=line).on_entries().total() == 3
        counts[label] = len(run)
        _grow(seed)
    assert counts["small"] == counts["large"]
    ato = min(qato, 1)
    line = seed.line(seed.order(), quantity=ato + 2, qty_to_assemble_to_order=Decimal(ato))
    with django_assert_max_num_queries(ceiling):
        user_client.post(url(action, line, "reserve-from-current-line"), {"supply_type": "ILE"}, **HTMX)


def test_reserve_from_current_line_service_queries_do_not_grow(seed, django_assert_max_num_queries):
    """The operation alone: its locks, one read of the supplies with the line's Reserved Quantity, and
    one write, however many entries it takes from and whether it adds to a reservation of the line."""
    _grow(seed)
    for _ in range(3):
        post_stock(seed.kit, seed.main, 2)
    line = fresh(seed.line(seed.order(), quantity=30, qty_to_assemble_to_order=Decimal(0)))
    first_free = next(s for s in entry_supplies(line) if s.available > 1)
    reserve_from_supply(  # the line already holds part of an entry: what it takes there adds to it
        line=line, supply_type=SupplyType.ITEM_LEDGER_ENTRY, supply_pk=first_free.pk, quantity=Decimal(1)
    )
    line = fresh(line)
    with django_assert_max_num_queries(SERVICE_QUERIES + 1):  # + the INSERT beside the UPDATE
        taken = reserve_from_current_line(line=line, supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    assert taken > 1  # from several entries
    assert Reservation.objects.filter(sales_line=line).total() == taken + 1
    other = fresh(seed.line(seed.order(), quantity=1, qty_to_assemble_to_order=Decimal(0)))
    post_stock(seed.kit, seed.main, 1)
    with django_assert_max_num_queries(SERVICE_QUERIES):
        reserve_from_current_line(line=other, supply_type=SupplyType.ITEM_LEDGER_ENTRY)


# --- issue 10: an action that can do nothing is disabled, with the reason as its tooltip -------------


def _actions(html: str) -> dict[tuple[str, str], str]:
    """The dialog's buttons: (supply type or "" for the toolbar, caption) -> refusal ("" if enabled)."""
    found = {}
    parts = html.split('<tr data-supply="')
    for supply, chunk in [("", parts[0]), *((p[:3], p) for p in parts[1:])]:
        for match in re.finditer(
            r'<button type="submit"( disabled title="([^"]*)"[^>]*)?>([^<]+)</button>', chunk
        ):
            found[(supply, match.group(3))] = match.group(2) or ""
    return found


RESERVE, CANCEL = "Reserve from Current Line", "Cancel Reservation from Current Line"


def test_disabled_actions_say_why_and_are_refused_anyway(seed, user_client):
    """A kit line fully assembled to order is fully reserved by its binding: Auto Reserve and both
    Reserve from Current Line are disabled with "Fully reserved.", both Cancel with "nothing to cancel"
    (the binding is not cancelled). Sent anyway, each is refused with that message and changes nothing."""
    line = seed.line(seed.order(), quantity=10)  # Qty. to Assemble to Order 10, binding 10
    html = user_client.get(url("reservation", line), **HTMX).content.decode()
    actions = _actions(html)
    assert actions[("", "Auto Reserve")] == MSG_FULLY_RESERVED
    for supply in ("ILE", "ASM"):
        assert actions[(supply, RESERVE)] == MSG_FULLY_RESERVED
        assert actions[(supply, CANCEL)] == MSG_NOTHING_TO_CANCEL
    assert f'<span class="disabled-action" title="{MSG_FULLY_RESERVED}">' in html

    before = snapshot()
    for action, data in (
        ("auto-reserve", {}),
        ("reserve-from-current-line", {"supply_type": "ILE"}),
        ("cancel", {"supply_type": "ASM", "confirm": "1"}),
    ):
        response = user_client.post(url("reservation-action", line, action), data, **HTMX)
        message = MSG_NOTHING_TO_CANCEL if action == "cancel" else MSG_FULLY_RESERVED
        assert response.status_code == 422 and message in response.content.decode()
    assert changed(before, snapshot()) == {}


def test_actions_enable_as_they_can_do_something(seed, user_client):
    """Qty. to Assemble to Order 7 of 10 with 3 in stock and no stand-alone assembly order: Reserve
    from Current Line is enabled on the entries, disabled on the orders ("nothing available"); once the
    3 are reserved, Cancel on the entries is enabled and every Reserve is disabled ("Fully reserved.")."""
    line = seed.line(seed.order(), quantity=10, qty_to_assemble_to_order=Decimal(7))
    actions = _actions(user_client.get(url("reservation", line), **HTMX).content.decode())
    assert actions[("", "Auto Reserve")] == ""
    assert actions[("ILE", RESERVE)] == ""
    assert actions[("ASM", RESERVE)] == MSG_NOTHING_AVAILABLE
    assert actions[("ILE", CANCEL)] == actions[("ASM", CANCEL)] == MSG_NOTHING_TO_CANCEL
    before = snapshot()  # sent anyway, the disabled ones are refused with their reason, changing nothing
    for action, supply, message in (
        ("reserve-from-current-line", "ASM", MSG_NOTHING_AVAILABLE),
        ("cancel", "ILE", MSG_NOTHING_TO_CANCEL),
    ):
        response = user_client.post(url("reservation-action", line, action), {"supply_type": supply}, **HTMX)
        assert response.status_code == 422 and message in response.content.decode()
    assert changed(before, snapshot()) == {}

    response = user_client.post(
        url("reservation-action", line, "reserve-from-current-line"), {"supply_type": "ILE"}, **HTMX
    )
    actions = _actions(response.content.decode())  # the answer is the dialog again, judged anew
    assert actions[("ILE", CANCEL)] == ""
    assert actions[("", "Auto Reserve")] == actions[("ILE", RESERVE)] == MSG_FULLY_RESERVED

    # Another line takes nothing: the entries are all reserved by the first one.
    other = seed.line(seed.order(), quantity=2, qty_to_assemble_to_order=Decimal(0))
    actions = _actions(user_client.get(url("reservation", other), **HTMX).content.decode())
    assert actions[("", "Auto Reserve")] == actions[("ILE", RESERVE)] == MSG_NOTHING_AVAILABLE


def test_a_reservation_on_a_standalone_order_can_be_cancelled_but_not_the_binding(seed, user_client):
    line = seed.line(seed.order(), quantity=10, qty_to_assemble_to_order=Decimal(7))
    create_assembly_order(item=seed.kit, quantity=Decimal(5), location=seed.main, due_date=line.shipment_date)
    actions = _actions(user_client.get(url("reservation", line), **HTMX).content.decode())
    assert actions[("ASM", RESERVE)] == ""
    response = user_client.post(
        url("reservation-action", line, "reserve-from-current-line"), {"supply_type": "ASM"}, **HTMX
    )
    assert response.status_code == 200
    actions = _actions(response.content.decode())
    assert actions[("ASM", CANCEL)] == ""  # the 3 on the stand-alone order; the binding 7 stays
    response = user_client.post(
        url("reservation-action", line, "cancel"), {"supply_type": "ASM", "confirm": "1"}, **HTMX
    )
    assert _actions(response.content.decode())[("ASM", CANCEL)] == MSG_NOTHING_TO_CANCEL
    assert Reservation.objects.get(sales_line=line).binding


def test_a_completed_orders_dialog_disables_every_action_with_the_reason(seed, user_client):
    """X-7: a Completed order's Reservation page (reachable by its URL) offers nothing, and says why."""
    header, line = seed_steps_1_to_5(seed)
    post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    actions = _actions(user_client.get(url("reservation", line), **HTMX).content.decode())
    reason = MSG_ORDER_COMPLETED.format(no=header.no)
    assert set(actions.values()) == {reason} and len(actions) == 5
