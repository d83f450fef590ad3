"""The item ledger and its posting engine: R-INV-1, R-INV-2, R-INV-3 and invariants I-1, I-4."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from inventory.models import (
    MSG_LEDGER_APPEND_ONLY,
    AppendOnlyError,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
)
from inventory.services.posting import EntryToPost, InsufficientInventoryError, post_item_entries
from tests.factories import BinFactory, ItemFactory, LocationFactory, post_stock

pytestmark = pytest.mark.django_db


def assert_ledger_invariants() -> None:
    """I-1 (0 <= Remaining <= Quantity) and I-4 (Σ quantity = Σ open remaining >= 0) per item/location/bin."""
    totals: dict[tuple, list[Decimal]] = {}
    for e in ItemLedgerEntry.objects.all():
        if e.quantity > 0:
            assert Decimal(0) <= e.remaining_quantity <= e.quantity
        else:
            assert e.remaining_quantity == 0
        t = totals.setdefault((e.item_id, e.location_id, e.bin_id), [Decimal(0), Decimal(0)])
        t[0] += e.quantity
        t[1] += e.remaining_quantity
    for on_hand, open_remaining in totals.values():
        assert on_hand == open_remaining >= 0
    for entry in ItemLedgerEntry.objects.filter(quantity__lt=0):
        applied = sum(a.quantity for a in entry.applications_out.all())
        assert applied == -entry.quantity


def negative(item, location, qty, bin=None) -> EntryToPost:
    return EntryToPost(
        entry_type=ItemLedgerEntry.EntryType.NEGATIVE_ADJMT,
        document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
        document_no="NEG",
        posting_date=timezone.localdate(),
        item=item,
        location=location,
        bin=bin,
        quantity=-Decimal(qty),
    )


# --- R-INV-1: append-only -------------------------------------------------------------------


def test_r_inv_1_posted_entry_cannot_be_saved_again():
    entry = post_stock(ItemFactory(), LocationFactory(), 5)
    entry.quantity = Decimal(50)
    with pytest.raises(AppendOnlyError, match="append-only"):
        entry.save()
    entry.refresh_from_db()
    assert entry.quantity == 5


def test_r_inv_1_remaining_quantity_cannot_be_saved_directly():
    entry = post_stock(ItemFactory(), LocationFactory(), 5)
    entry.remaining_quantity = Decimal(1)
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["remaining_quantity"])


def test_r_inv_1_entries_cannot_be_deleted():
    entry = post_stock(ItemFactory(), LocationFactory(), 5)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        ItemLedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        ItemLedgerEntry.objects.all().delete()
    assert ItemLedgerEntry.objects.filter(pk=entry.pk).exists()


def test_r_inv_1_bulk_updates_are_refused():
    entry = post_stock(ItemFactory(), LocationFactory(), 5)
    with pytest.raises(AppendOnlyError, match=MSG_LEDGER_APPEND_ONLY):
        ItemLedgerEntry.objects.filter(pk=entry.pk).update(quantity=1)
    with pytest.raises(AppendOnlyError):
        ItemLedgerEntry.objects.update(remaining_quantity=0)
    entry.remaining_quantity = Decimal(0)
    with pytest.raises(AppendOnlyError):
        ItemLedgerEntry.objects.bulk_update([entry], ["remaining_quantity"])
    entry.refresh_from_db()
    assert entry.remaining_quantity == 5


def test_r_inv_1_application_entries_are_append_only():
    item, location = ItemFactory(), LocationFactory()
    post_stock(item, location, 5)
    post_stock(item, location, -2)
    application = ItemApplicationEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        application.delete()
    with pytest.raises(AppendOnlyError):
        ItemApplicationEntry.objects.update(quantity=1)


def test_r_inv_1_database_refuses_remaining_above_quantity():
    """The check constraint backs I-1 even against code that bypasses the ORM guards."""
    entry = post_stock(ItemFactory(), LocationFactory(), 5)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ItemLedgerEntry._meta.db_table} SET remaining_quantity = 6 WHERE entry_no = %s",
            [entry.pk],
        )


# --- R-INV-2: application, FIFO ----------------------------------------------------------------


def test_r_inv_2_outbound_applies_to_oldest_open_entries_first():
    item, location = ItemFactory(), LocationFactory()
    first = post_stock(item, location, 3)
    second = post_stock(item, location, 4)
    third = post_stock(item, location, 5)
    [outbound] = post_item_entries([negative(item, location, 6)])

    applied = {a.inbound_entry_id: a.quantity for a in outbound.applications_out.all()}
    assert applied == {first.pk: 3, second.pk: 3}
    remaining = dict(ItemLedgerEntry.objects.filter(quantity__gt=0).values_list("pk", "remaining_quantity"))
    assert remaining == {first.pk: 0, second.pk: 1, third.pk: 5}
    assert_ledger_invariants()


def test_r_inv_2_only_entries_at_the_same_location_and_bin_are_applied():
    item = ItemFactory()
    bin_a = BinFactory()
    bin_b = BinFactory(location=bin_a.location)
    other_location = LocationFactory()
    post_stock(item, other_location, 10)
    in_a = post_stock(item, bin_a.location, 2, bin=bin_a)
    in_b = post_stock(item, bin_a.location, 10, bin=bin_b)

    [outbound] = post_item_entries([negative(item, bin_a.location, 2, bin=bin_a)])

    assert [a.inbound_entry_id for a in outbound.applications_out.all()] == [in_a.pk]
    in_b.refresh_from_db()
    assert in_b.remaining_quantity == 10
    with pytest.raises(InsufficientInventoryError):
        post_item_entries([negative(item, bin_a.location, 1, bin=bin_a)])


def test_r_inv_2_outbound_cost_comes_from_the_applied_entries():
    item, location = ItemFactory(unit_cost=Decimal("10.00")), LocationFactory()
    post_stock(item, location, 2)  # 2 at 10.00
    post_item_entries(
        [
            EntryToPost(
                entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                document_no="IN",
                posting_date=timezone.localdate(),
                item=item,
                location=location,
                bin=None,
                quantity=Decimal(2),
                unit_cost=Decimal("16.00"),
            )
        ]
    )
    [outbound] = post_item_entries([negative(item, location, 3)])
    assert outbound.cost_amount == Decimal("-36.00")  # 2 × 10 + 1 × 16


def test_r_inv_2_inbound_earlier_in_the_same_posting_supplies_a_later_outbound():
    item, location = ItemFactory(), LocationFactory()
    inbound = EntryToPost(
        entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
        document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
        document_no="MIX",
        posting_date=timezone.localdate(),
        item=item,
        location=location,
        bin=None,
        quantity=Decimal(4),
    )
    created, outbound = post_item_entries([inbound, negative(item, location, 3)])
    created.refresh_from_db()
    assert created.remaining_quantity == 1
    assert outbound.applications_out.get().inbound_entry == created
    assert_ledger_invariants()


# --- R-INV-3: never negative -------------------------------------------------------------------


def test_r_inv_3_posting_that_would_go_negative_is_refused_and_writes_nothing():
    item = ItemFactory(no="KIT")
    location = LocationFactory(code="MAIN")
    post_stock(item, location, 5)
    before = list(ItemLedgerEntry.objects.values_list("pk", "remaining_quantity"))

    with pytest.raises(InsufficientInventoryError) as caught:
        post_item_entries([negative(item, location, 2), negative(item, location, 4)])

    [shortage] = caught.value.shortages
    assert (shortage.item_no, shortage.location_code, shortage.missing) == ("KIT", "MAIN", 1)
    assert str(shortage) == (
        "You have insufficient quantity of Item KIT on inventory. Location MAIN, Bin (none): 1 missing."
    )
    assert list(ItemLedgerEntry.objects.values_list("pk", "remaining_quantity")) == before
    assert not ItemApplicationEntry.objects.exists()


def test_r_inv_3_error_names_the_bin_and_reports_every_shortage():
    item_a, item_b = ItemFactory(no="PART-A"), ItemFactory(no="PART-B")
    bin_ = BinFactory(code="S-01")
    post_stock(item_a, bin_.location, 1, bin=bin_)
    with pytest.raises(InsufficientInventoryError) as caught:
        post_item_entries(
            [negative(item_a, bin_.location, 3, bin=bin_), negative(item_b, bin_.location, 1, bin=bin_)]
        )
    assert [(s.item_no, s.bin_code, s.missing) for s in caught.value.shortages] == [
        ("PART-A", "S-01", 2),
        ("PART-B", "S-01", 1),
    ]
    assert "Bin S-01: 2 missing" in caught.value.messages[0]


def test_r_inv_3_fractional_quantities_are_exact():
    item, location = ItemFactory(), LocationFactory()
    post_stock(item, location, "0.3")
    post_stock(item, location, "0.1")
    post_stock(item, location, "-0.4")
    assert ItemLedgerEntry.objects.filter(item=item).inventory() == 0
    assert_ledger_invariants()


# --- Validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "message"),
    [("0", "Quantity must not be 0."), ("1.000001", "at most 5 decimals")],
)
def test_malformed_quantities_are_refused(quantity, message):
    with pytest.raises(ValidationError, match=message):
        post_stock(ItemFactory(), LocationFactory(), quantity)
    assert not ItemLedgerEntry.objects.exists()


def test_bins_follow_the_location_rules():
    item = ItemFactory()
    plain = LocationFactory()
    bin_ = BinFactory()
    with pytest.raises(ValidationError, match="must have a value"):
        post_stock(item, bin_.location, 1)
    with pytest.raises(ValidationError, match="must be blank"):
        post_stock(item, plain, 1, bin=bin_)
    other = BinFactory()
    with pytest.raises(ValidationError, match="does not belong"):
        post_stock(item, bin_.location, 1, bin=other)


def test_item_inventory_annotation_counts_open_entries_only():
    item, location = ItemFactory(), LocationFactory()
    post_stock(item, location, 5)
    post_stock(item, location, -5)
    post_stock(item, location, 2)
    other_location = LocationFactory()
    post_stock(item, other_location, 7)
    assert Item.objects.with_inventory().get(pk=item.pk).inventory == 9
    assert Item.objects.with_inventory(location=location).get(pk=item.pk).inventory == 2
    assert Item.objects.with_inventory().get(pk=ItemFactory().pk).inventory == 0
