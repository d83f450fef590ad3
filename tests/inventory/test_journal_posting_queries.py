"""R-INV-4 at scale: posting the item journal costs a fixed number of SQL queries.

The posting engine locks, reads the open entries, plans in Python and writes with bulk inserts and
one update (see `inventory.services.posting`), so a journal of 1,000 lines costs about what one of 10
lines costs. The only growth allowed is bulk-insert batching: SQLite limits the parameters of one
statement, so Django splits a large `bulk_create` into batches there; PostgreSQL needs one statement.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Item, ItemApplicationEntry, ItemJournalLine, ItemLedgerEntry, Location
from inventory.services.journal import post_item_journal
from tests.factories import ItemFactory, LocationFactory, UserFactory, post_stock

pytestmark = pytest.mark.django_db

ITEMS = 20
LINES = 1000
# Measured for 1,000 lines inside a test transaction: 16 queries on PostgreSQL (6 of them savepoints,
# 1 the Item Register, R-AUD-1), 43 on SQLite (18 ledger-entry and 2 application insert batches: since
# each entry carries its register and user, fewer fit in SQLite's parameter limit); 10 lines cost 16.
QUERY_CEILING = 45
OPENING_STOCK = Decimal(10_000)


@pytest.fixture
def stock() -> tuple[list[Item], list[Location]]:
    """20 items with opening stock at each of 2 locations, posted through the engine."""
    items = ItemFactory.create_batch(ITEMS)
    locations = LocationFactory.create_batch(2)
    for item in items:
        for location in locations:
            post_stock(item, location, OPENING_STOCK)
    return items, locations


def fill_journal(user, items: list[Item], locations: list[Location], lines: int) -> None:
    """A realistic mix: every third line a Negative Adjmt., the rest Positive; items and locations
    take turns, so each line's item/location pair has stock to take from."""
    ItemJournalLine.objects.bulk_create(
        ItemJournalLine(
            user=user,
            entry_type=(
                ItemJournalLine.EntryType.NEGATIVE_ADJMT
                if n % 3 == 0
                else ItemJournalLine.EntryType.POSITIVE_ADJMT
            ),
            posting_date=datetime.date(2026, 1, 15),
            item=items[n % len(items)],
            location=locations[n // len(items) % len(locations)],
            quantity=Decimal(1 + n % 7),
            unit_cost=Decimal("12.50"),
        )
        for n in range(lines)
    )


def queries_to_post(user) -> int:
    with CaptureQueriesContext(connection) as captured:
        post_item_journal(user=user)
    return len(captured)


def insert_batches(model, rows: int) -> int:
    """How many INSERT statements Django's `bulk_create` needs for `rows` rows on this database."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    batch_size = connection.ops.bulk_batch_size(fields, [None] * rows) or rows
    return math.ceil(rows / batch_size)


def test_posting_a_1000_line_journal_stays_under_the_query_ceiling(
    stock, django_assert_max_num_queries
) -> None:
    """R-INV-4: Post turns 1,000 journal lines into ledger entries within a fixed query budget."""
    items, locations = stock
    user = UserFactory()
    fill_journal(user, items, locations, LINES)

    with django_assert_max_num_queries(QUERY_CEILING):
        entries = post_item_journal(user=user)

    assert len(entries) == LINES
    assert not ItemJournalLine.objects.filter(user=user).exists()
    assert ItemLedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).count() == LINES


def test_query_count_does_not_grow_with_journal_lines(stock) -> None:
    """R-INV-4: 10 lines and 1,000 lines differ by at most the extra bulk-insert batches."""
    items, locations = stock
    warm_up, small, large = UserFactory(), UserFactory(), UserFactory()
    fill_journal(warm_up, items, locations, 1)
    post_item_journal(user=warm_up)  # the first Post creates the journal's number series

    fill_journal(small, items, locations, 10)
    small_queries = queries_to_post(small)
    fill_journal(large, items, locations, LINES)
    large_queries = queries_to_post(large)

    negative_lines = math.ceil(LINES / 3)  # each takes from one opening entry: one application
    allowance = (insert_batches(ItemLedgerEntry, LINES) - insert_batches(ItemLedgerEntry, 10)) + (
        insert_batches(ItemApplicationEntry, negative_lines) - 1
    )
    assert large_queries - small_queries <= allowance, (small_queries, large_queries, allowance)
    assert large_queries <= QUERY_CEILING
