"""Parallel postings against one item's stock, on PostgreSQL (X-6, R-INV-3, invariants I-1 and I-4).

Two threads, each with its own database connection, post a Negative Adjmt. of 4 against 5 units at
the same moment. The item lock (`inventory.locks.lock_items`) must serialise them: one posting wins,
the other sees what is left and is refused. On SQLite `select_for_update` does nothing (its writers
are serialised by the database instead), so these tests skip there.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Item, ItemJournalLine, ItemLedgerEntry, Location
from inventory.services.journal import post_item_journal
from inventory.services.posting import (
    MSG_INSUFFICIENT,
    EntryToPost,
    InsufficientInventoryError,
    post_item_entries,
)
from tests.concurrency.parallel import run_in_parallel
from tests.factories import ItemFactory, ItemJournalLineFactory, LocationFactory, UserFactory, post_stock

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]

ON_HAND = Decimal(5)
TAKE = Decimal(4)


@pytest.fixture
def item() -> Item:
    return ItemFactory()


@pytest.fixture
def location() -> Location:
    return LocationFactory()


def assert_one_won_one_refused(outcomes: list[object], item: Item, location: Location) -> None:
    """Exactly one posting succeeded; the other was refused with the R-INV-3 message for 3 missing."""
    refused = [o for o in outcomes if isinstance(o, InsufficientInventoryError)]
    unexpected = [o for o in outcomes if isinstance(o, Exception) and o not in refused]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    assert len(refused) == 1, f"expected exactly one refusal, got {outcomes!r}"
    assert refused[0].messages == [
        MSG_INSUFFICIENT.format(item=item.no, location=location.code, bin="(none)", missing="3")
    ]


def assert_stock_invariants(item: Item, location: Location, *, on_hand: Decimal) -> None:
    """R-INV-3, I-1 and I-4: Σ quantity is `on_hand` (never negative) and equals Σ Remaining of the
    open entries; every inbound entry has 0 <= Remaining <= Quantity."""
    entries = ItemLedgerEntry.objects.filter(item=item, location=location)
    assert entries.inventory() == on_hand
    assert sum(e.remaining_quantity for e in entries.open()) == on_hand
    for entry in entries.filter(quantity__gt=0):
        assert Decimal(0) <= entry.remaining_quantity <= entry.quantity, entry
    assert Item.objects.with_inventory(location=location).get(pk=item.pk).inventory == on_hand


def test_parallel_negative_adjustments_one_is_refused(item: Item, location: Location) -> None:
    """X-6 / R-INV-3: two parallel Negative Adjmt. of 4 against 5 on hand: one posts, one is refused."""
    post_stock(item, location, ON_HAND)

    def take_four() -> list[ItemLedgerEntry]:
        return post_item_entries(
            [
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.NEGATIVE_ADJMT,
                    document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                    document_no="PARALLEL",
                    posting_date=timezone.localdate(),
                    item=item,
                    location=location,
                    bin=None,
                    quantity=-TAKE,
                )
            ]
        )

    outcomes = run_in_parallel(take_four, take_four)

    assert_one_won_one_refused(outcomes, item, location)
    assert ItemLedgerEntry.objects.filter(item=item, quantity=-TAKE).count() == 1
    assert_stock_invariants(item, location, on_hand=ON_HAND - TAKE)


def test_parallel_item_journal_posts_one_is_refused(item: Item, location: Location) -> None:
    """X-6 / R-INV-3 / R-INV-4: two users post journals of Negative Adjmt. 4 against 5 at once.

    One journal is posted and emptied; the other is refused as a whole and keeps its line.
    """
    post_stock(item, location, ON_HAND)
    users = [UserFactory(), UserFactory()]
    for user in users:
        ItemJournalLineFactory(
            user=user,
            item=item,
            location=location,
            entry_type=ItemJournalLine.EntryType.NEGATIVE_ADJMT,
            quantity=TAKE,
        )

    outcomes = run_in_parallel(*(lambda user=user: post_item_journal(user=user) for user in users))

    assert_one_won_one_refused(outcomes, item, location)
    [loser] = [user for user, o in zip(users, outcomes, strict=True) if isinstance(o, Exception)]
    assert list(ItemJournalLine.objects.values_list("user", flat=True)) == [loser.pk]
    assert ItemLedgerEntry.objects.filter(item=item, quantity=-TAKE).count() == 1
    assert_stock_invariants(item, location, on_hand=ON_HAND - TAKE)
