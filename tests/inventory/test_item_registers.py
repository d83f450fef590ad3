"""R-AUD-1: the Item Registers page, its drill-down to a register's entries, the ledger's User ID, and
the register read-only in the admin. Each page costs a fixed number of queries, however many registers
or entries it shows (the range and count are annotated, never read per row)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.audit import acting_as
from inventory.models import ItemLedgerEntry, ItemRegister
from inventory.services.posting import EntryToPost, post_item_entries
from tests.factories import PERMISSION_QUERIES, ItemFactory, LocationFactory, UserFactory, post_stock

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# The session, the user, the page's count and its rows, and the user's permissions (the navigation
# asks them); the drill-down adds its register.
LIST_QUERIES = 4 + PERMISSION_QUERIES
DRILLDOWN_QUERIES = 5 + PERMISSION_QUERIES


def post_lines(location, items, user=None) -> ItemRegister:
    """One posting of a Positive Adjmt. per item (as the item journal's), on `user`'s behalf."""
    with acting_as(user):
        result = post_item_entries(
            [
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                    document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                    document_no="REG-TEST",
                    posting_date=ItemLedgerEntry._meta.get_field("posting_date").to_python("2026-01-15"),
                    item=item,
                    location=location,
                    bin=None,
                    quantity=Decimal(1),
                )
                for item in items
            ]
        )
    return result.register


def rows(html: str) -> list[str]:
    return re.findall(r'<tr data-register="(\d+)">', html)


def test_r_aud_1_the_list_shows_each_posting_newest_first_with_its_range_user_and_source(user_client):
    location = LocationFactory()
    alice = UserFactory(username="alice")
    first = post_lines(location, ItemFactory.create_batch(3), user=alice)
    second = post_lines(location, ItemFactory.create_batch(2))

    response = user_client.get(reverse("inventory:item-registers"))

    html = response.content.decode()
    assert response.status_code == 200
    assert rows(html) == [str(second.no), str(first.no)]
    entries = sorted(first.entries.values_list("entry_no", flat=True))
    row = html.split(f'<tr data-register="{first.no}">')[1].split("</tr>")[0]
    assert 'data-caption="User ID">alice<' in row and "Item Journal" in row
    assert f'data-caption="From Entry No.">{entries[0]}<' in row
    assert f'data-caption="To Entry No.">{entries[-1]}<' in row
    assert 'data-caption="No. of Entries">' in row and ">3</a>" in row
    assert 'data-caption="User ID">(system)<' in html  # the second posting's, on nobody's behalf
    assert 'href="/inventory/item-registers/" aria-current="page">Item Registers</a>' in html
    partial = user_client.get(reverse("inventory:item-registers"), **HTMX).content.decode()
    assert partial.lstrip().startswith('<section id="register-table"')


def test_r_aud_1_the_list_is_paginated(user_client):
    location, item = LocationFactory(), ItemFactory()
    registers = [post_stock(item, location, 1).register for _ in range(51)]

    first = user_client.get(reverse("inventory:item-registers")).content.decode()
    second = user_client.get(reverse("inventory:item-registers"), {"page": 2}).content.decode()

    assert len(rows(first)) == 50 and rows(second) == [str(registers[0].no)]
    assert "Page 1 of 2 · 51 registers" in first


def test_r_aud_1_the_list_costs_a_fixed_number_of_queries(user_client, django_assert_num_queries):
    location = LocationFactory()
    items = ItemFactory.create_batch(10)
    post_lines(location, items[:1])
    with django_assert_num_queries(LIST_QUERIES):
        user_client.get(reverse("inventory:item-registers"))
    for n in range(30):
        post_lines(location, items, user=UserFactory(username=f"poster{n}"))
    with django_assert_num_queries(LIST_QUERIES):
        html = user_client.get(reverse("inventory:item-registers")).content.decode()
    assert len(rows(html)) == 31 and "poster29" in html


def test_r_aud_1_the_drill_down_lists_exactly_the_registers_entries(user_client, django_assert_num_queries):
    location = LocationFactory()
    small = post_lines(location, ItemFactory.create_batch(2), user=UserFactory(username="alice"))
    large = post_lines(location, ItemFactory.create_batch(40))

    with django_assert_num_queries(DRILLDOWN_QUERIES):
        html = user_client.get(reverse("inventory:item-register", args=[small.no])).content.decode()
    with django_assert_num_queries(DRILLDOWN_QUERIES):
        large_html = user_client.get(reverse("inventory:item-register", args=[large.no])).content.decode()

    shown = set(map(int, re.findall(r'<td class="num">(\d+)</td>\s*</tr>', html)))
    assert shown == set(small.entries.values_list("entry_no", flat=True))
    assert 'data-testid="register-user">alice<' in html and html.count('data-caption="User ID">alice<') == 2
    assert large_html.count('data-caption="User ID">(system)<') == 40
    assert user_client.get(reverse("inventory:item-register", args=[large.no + 1])).status_code == 404


def test_r_aud_1_the_ledger_shows_who_posted_each_entry(user_client):
    location = LocationFactory()
    post_lines(location, [ItemFactory()], user=UserFactory(username="alice"))
    post_stock(ItemFactory(), location, 1)

    html = user_client.get(reverse("inventory:ledger-entries")).content.decode()

    assert "<th>User ID</th>" in html
    assert 'data-caption="User ID">alice<' in html and 'data-caption="User ID">(system)<' in html


def test_r_aud_1_the_register_is_read_only_in_the_admin(admin_client):
    register = post_stock(ItemFactory(), LocationFactory(), 1).register

    listing = admin_client.get(reverse("admin:inventory_itemregister_changelist"))
    change = admin_client.get(reverse("admin:inventory_itemregister_change", args=[register.no]))

    assert listing.status_code == 200 and listing.context["action_form"] is None
    assert "Item Journal" in listing.content.decode()
    assert change.status_code == 200 and change.context["has_change_permission"] is False
    assert 'name="_save"' not in change.content.decode()
    assert admin_client.get(reverse("admin:inventory_itemregister_add")).status_code == 403
    delete = reverse("admin:inventory_itemregister_delete", args=[register.no])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ItemRegister.objects.filter(pk=register.pk).exists()
