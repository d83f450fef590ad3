"""R-AUD-1 under concurrency, on PostgreSQL: two postings at the same moment each get their own Item
Register holding exactly their own entries, with their own user.

The postings take different items, so no lock makes one wait for the other: both insert their entries
at once, drawing entry numbers from one sequence, which may interleave them. A register therefore
names its entries (`ItemLedgerEntry.register`) instead of trusting a contiguous range, and its From/To
Entry No. are the lowest and highest of its own. The second test makes the interleaving certain
(entries inserted one at a time, in step). Each thread acts as its own user (`acting_as`: a context
variable, so one thread's user never shows in the other's posting).
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal

import pytest

from inventory.audit import acting_as
from inventory.models import ItemLedgerEntry, ItemLedgerEntryQuerySet, ItemRegister
from inventory.services.posting import EntryToPost, post_item_entries
from tests.concurrency.parallel import THREAD_TIMEOUT, run_in_parallel
from tests.factories import ItemFactory, LocationFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]

LINES = 200  # per posting: enough rows that the two inserts overlap in time
ROUNDS = 3


def journal_posting(user, items, location, document_no: str, lines: int):
    """A job: `lines` Positive Adjmt. of `items` in turn, posted on `user`'s behalf; returns its register."""

    def job() -> ItemRegister:
        with acting_as(user):
            return post_item_entries(
                [
                    EntryToPost(
                        entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                        document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                        document_no=document_no,
                        document_line_no=n,
                        posting_date=datetime.date(2026, 1, 15),
                        item=items[n % len(items)],
                        location=location,
                        bin=None,
                        quantity=Decimal(1),
                    )
                    for n in range(lines)
                ]
            ).register

    return job


def assert_own_entries(outcomes: list[object], documents: dict, lines: int) -> list[ItemRegister]:
    """Each posting's register holds exactly the entries of its document, with its user; its From/To
    are the lowest and highest of them."""
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    registers = []
    for user, register in zip(documents, outcomes, strict=True):
        register = ItemRegister.objects.with_range().select_related("user").get(pk=register.pk)
        own = ItemLedgerEntry.objects.filter(document_no=documents[user])
        assert set(register.entries.values_list("pk", flat=True)) == set(own.values_list("pk", flat=True))
        assert register.entry_count == lines and register.user == user
        assert set(own.values_list("created_by", flat=True)) == {user.pk}
        numbers = sorted(own.values_list("entry_no", flat=True))
        assert (register.from_entry_no, register.to_entry_no) == (numbers[0], numbers[-1])
        registers.append(register)
    return registers


def test_r_aud_1_parallel_postings_each_register_holds_exactly_its_own_entries() -> None:
    location = LocationFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    items = {user: ItemFactory.create_batch(10) for user in (alice, bob)}

    for round_no in range(ROUNDS):
        documents = {alice: f"A-{round_no}", bob: f"B-{round_no}"}
        outcomes = run_in_parallel(
            *(journal_posting(user, items[user], location, no, LINES) for user, no in documents.items())
        )
        assert_own_entries(outcomes, documents, LINES)
    assert ItemRegister.objects.count() == 2 * ROUNDS
    assert not ItemLedgerEntry.objects.filter(register__isnull=True).exists()


def test_r_aud_1_interleaved_entry_numbers_stay_with_their_own_register(monkeypatch) -> None:
    """The case the design is for, made certain: the two postings insert their entries one at a time,
    in step, so their entry numbers interleave; still each register holds exactly its own."""
    location = LocationFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    items = {user: ItemFactory.create_batch(2) for user in (alice, bob)}
    in_step = threading.Barrier(2, timeout=THREAD_TIMEOUT)
    insert = ItemLedgerEntryQuerySet.bulk_create

    def one_at_a_time(self, objs, *args, **kwargs):
        for obj in objs:
            insert(self, [obj])
            in_step.wait()
        return objs

    monkeypatch.setattr(ItemLedgerEntryQuerySet, "bulk_create", one_at_a_time)
    documents = {alice: "A", bob: "B"}

    outcomes = run_in_parallel(
        *(journal_posting(user, items[user], location, no, 5) for user, no in documents.items())
    )

    first, second = assert_own_entries(outcomes, documents, 5)
    assert (
        first.from_entry_no < second.to_entry_no and second.from_entry_no < first.to_entry_no
    )  # interleaved
