"""The Item Journal (R-INV-4), its page and its HTMX partials, and the Item Ledger Entries page (R-INV-5)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from inventory.models import ItemJournalLine, ItemLedgerEntry
from inventory.services.journal import MSG_NOTHING_TO_POST, post_item_journal
from inventory.services.posting import InsufficientInventoryError
from tests.factories import (
    BinFactory,
    ItemFactory,
    ItemJournalLineFactory,
    LocationFactory,
    UserFactory,
    post_stock,
)

pytestmark = pytest.mark.django_db

JOURNAL = reverse("inventory:item-journal")
ADD = reverse("inventory:journal-line-add")
POST = reverse("inventory:journal-post")
LEDGER = reverse("inventory:ledger-entries")
HTMX = {"HTTP_HX_REQUEST": "true"}


def line_data(prefix="new", **overrides) -> dict[str, str]:
    data = {
        "entry_type": "POS_ADJ",
        "posting_date": timezone.localdate().isoformat(),
        "document_no": "",
        "item": "PART-A",
        "location": "MAIN",
        "bin": "",
        "quantity": "20",
        "unit_cost": "",
    }
    data.update(overrides)
    return {f"{prefix}-{k}": v for k, v in data.items()}


@pytest.fixture
def part_a():
    return ItemFactory(no="PART-A", unit_cost=Decimal("2.50"))


@pytest.fixture
def main():
    return LocationFactory(code="MAIN")


# --- The service ------------------------------------------------------------------------------


def test_r_inv_4_post_posts_all_lines_and_clears_the_journal(user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(20))
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(5), entry_type="NEG_ADJ")
    other_users_line = ItemJournalLineFactory(item=part_a, location=main, quantity=Decimal(1))

    entries = post_item_journal(user=user)

    assert [e.quantity for e in entries] == [20, -5]
    assert {e.document_no for e in entries} == {"IJ-00001"}
    assert not ItemJournalLine.objects.filter(user=user).exists()
    assert ItemJournalLine.objects.filter(pk=other_users_line.pk).exists()
    assert ItemLedgerEntry.objects.filter(item=part_a).inventory() == 15


def test_r_inv_4_an_error_leaves_journal_and_ledger_untouched(user, part_a, main):
    post_stock(part_a, main, 3)
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(10))
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(20), entry_type="NEG_ADJ")
    ledger_before = ItemLedgerEntry.objects.count()

    with pytest.raises(InsufficientInventoryError, match="7 missing"):
        post_item_journal(user=user)

    assert ItemJournalLine.objects.filter(user=user).count() == 2
    assert ItemLedgerEntry.objects.count() == ledger_before


def test_r_inv_4_empty_journal_has_nothing_to_post(user):
    with pytest.raises(ValidationError, match=MSG_NOTHING_TO_POST):
        post_item_journal(user=user)


def test_r_item_3_blocked_item_is_refused_at_posting(user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main)
    part_a.blocked = True
    part_a.save()
    with pytest.raises(ValidationError, match="Line 1 \\(PART-A\\): Item PART-A is blocked."):
        post_item_journal(user=user)
    assert not ItemLedgerEntry.objects.exists()


def test_r_inv_4_typed_document_no_is_kept(user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main, document_no="RETURN-7")
    [entry] = post_item_journal(user=user)
    assert entry.document_no == "RETURN-7"


# --- The page ----------------------------------------------------------------------------------


def test_journal_page_requires_login(client):
    response = client.get(JOURNAL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_journal_full_page_and_partial(user_client, user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main)
    full = user_client.get(JOURNAL)
    assert full.status_code == 200
    assert b"<html" in full.content and b'id="journal-lines"' in full.content
    partial = user_client.get(JOURNAL, **HTMX)
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert partial.content.decode().lstrip().startswith('<section id="journal-lines"')


def test_add_line_via_htmx_returns_the_lines_partial(user_client, user, part_a, main):
    response = user_client.post(ADD, line_data(item="part-a"), **HTMX)
    assert response.status_code == 200
    assert b"<html" not in response.content
    line = ItemJournalLine.objects.get(user=user)
    assert (line.item, line.location, line.quantity) == (part_a, main, 20)
    assert line.unit_cost == Decimal("2.50")  # defaulted from the item


def test_add_line_without_javascript_redirects(user_client, user, part_a, main):
    response = user_client.post(ADD, line_data())
    assert response.status_code == 302
    assert ItemJournalLine.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "abc", "Enter a number."),
        ("quantity", "-3", "Ensure this value is greater than or equal to 0.00001."),
        ("quantity", "1.123456", "Ensure that there are no more than 5 decimal places."),
        ("item", "NOPE", "There is no Item with No. NOPE."),
        ("location", "NOWHERE", "There is no Location with Code NOWHERE."),
        ("posting_date", "yesterday", "Enter a valid date."),
        ("entry_type", "SALE", "Select a valid choice."),
    ],
)
def test_bad_input_shows_the_error_at_the_field_and_changes_nothing(
    user_client, user, part_a, main, field, value, message
):
    response = user_client.post(ADD, line_data(**{field: value}), **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert f'value="{value}"' in html or field in ("entry_type",)  # the row keeps what was typed
    assert not ItemJournalLine.objects.exists()


def test_bin_rules_on_the_form(user_client, part_a):
    bin_ = BinFactory(code="S-01")
    other_bin = BinFactory(code="X-09")
    location = bin_.location.code
    response = user_client.post(ADD, line_data(location=location, bin="X-09"), **HTMX)
    assert f"There is no Bin with Code X-09 at location {location}." in response.content.decode()
    response = user_client.post(ADD, line_data(location=location), **HTMX)
    assert "Bin Code must have a value" in response.content.decode()
    response = user_client.post(ADD, line_data(location=other_bin.location.code, bin="x-09"), **HTMX)
    assert response.status_code == 200
    assert ItemJournalLine.objects.get().bin == other_bin


def test_r_item_3_blocked_item_cannot_be_put_on_a_journal_line(user_client, main):
    ItemFactory(no="OLD", blocked=True)
    response = user_client.post(ADD, line_data(item="OLD"), **HTMX)
    assert response.status_code == 422
    assert "Item OLD is blocked." in response.content.decode()
    assert not ItemJournalLine.objects.exists()


def test_edit_and_delete_a_line(user_client, user, part_a, main):
    line = ItemJournalLineFactory(user=user, item=part_a, location=main)
    edit = user_client.get(f"{JOURNAL}?edit={line.pk}", **HTMX)
    assert f'id="line-{line.pk}-form"' in edit.content.decode()

    change = reverse("inventory:journal-line-change", args=[line.pk])
    response = user_client.post(change, line_data(prefix=f"line-{line.pk}", quantity="7.5"), **HTMX)
    assert response.status_code == 200
    line.refresh_from_db()
    assert line.quantity == Decimal("7.5")

    bad = user_client.post(change, line_data(prefix=f"line-{line.pk}", quantity="x"), **HTMX)
    assert bad.status_code == 422
    line.refresh_from_db()
    assert line.quantity == Decimal("7.5")

    delete = reverse("inventory:journal-line-delete", args=[line.pk])
    assert user_client.post(delete, **HTMX).status_code == 200
    assert not ItemJournalLine.objects.exists()


def test_another_users_line_is_not_found(user_client, part_a, main):
    foreign = ItemJournalLineFactory(user=UserFactory(), item=part_a, location=main)
    change = reverse("inventory:journal-line-change", args=[foreign.pk])
    delete = reverse("inventory:journal-line-delete", args=[foreign.pk])
    assert user_client.post(change, line_data(prefix=f"line-{foreign.pk}"), **HTMX).status_code == 404
    assert user_client.post(delete, **HTMX).status_code == 404
    assert ItemJournalLine.objects.filter(pk=foreign.pk, quantity=1).exists()


def test_post_asks_with_the_number_of_lines_then_posts_and_reports(user_client, user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(20))
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(1))
    question = user_client.post(POST)
    assert question.status_code == 200
    assert "Do you want to post the journal lines? 2 lines will be posted." in question.content.decode()
    assert not ItemLedgerEntry.objects.exists()  # asking posts nothing
    response = user_client.post(POST, {"confirm": "1"}, follow=True)
    assert "The journal lines were successfully posted" in response.content.decode()
    assert ItemLedgerEntry.objects.filter(item=part_a).inventory() == 21


def test_a_new_line_continues_the_last_line(user_client, user, part_a, main):
    """Issue 10: the new line takes the last line's Location Code (and Entry Type, Posting Date,
    Document No.), as BC's SetUpNewLine does; the first takes the only location there is."""
    other = LocationFactory(code="WEST")
    page = user_client.get(reverse("inventory:item-journal")).content.decode()
    assert 'name="new-location" value=' not in page  # two locations: no guess
    ItemJournalLineFactory(user=user, item=part_a, location=other, quantity=Decimal(1), document_no="D-7")
    page = user_client.get(reverse("inventory:item-journal")).content.decode()
    assert re.search(r'name="new-location"[^>]*value="WEST"', page)
    assert re.search(r'name="new-document_no"[^>]*value="D-7"', page)


def test_post_error_is_shown_and_nothing_posted(user_client, user, part_a, main):
    ItemJournalLineFactory(user=user, item=part_a, location=main, quantity=Decimal(2), entry_type="NEG_ADJ")
    response = user_client.post(POST, {"confirm": "1"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was posted." in html
    assert "You have insufficient quantity of Item PART-A on inventory." in html
    assert ItemJournalLine.objects.filter(user=user).exists()
    assert not ItemLedgerEntry.objects.exists()


def test_journal_page_queries_do_not_grow_with_lines(
    user_client, user, part_a, main, django_assert_max_num_queries
):
    for _ in range(30):
        ItemJournalLineFactory(user=user, item=ItemFactory(), location=LocationFactory())
    with django_assert_max_num_queries(6):
        assert user_client.get(JOURNAL).status_code == 200


# --- Item Ledger Entries page (R-INV-5) -------------------------------------------------------


def test_r_inv_5_ledger_page_filters_by_item_and_location(user_client, part_a, main):
    other_item = ItemFactory(no="OTHER")
    other_location = LocationFactory(code="EAST")
    post_stock(part_a, main, 4, document_no="DOC-A")
    post_stock(other_item, main, 5, document_no="DOC-B")
    post_stock(part_a, other_location, 6, document_no="DOC-C")

    html = user_client.get(LEDGER, {"item": "part-a", "location": "MAIN"}).content.decode()
    assert "DOC-A" in html and "DOC-B" not in html and "DOC-C" not in html

    partial = user_client.get(LEDGER, {"location": "EAST"}, **HTMX)
    assert partial.content.decode().lstrip().startswith('<section id="ledger-table"')
    assert "DOC-C" in partial.content.decode()


def test_r_inv_5_ledger_page_shows_remaining_and_reserved_quantity(user_client):
    from inventory.models import Reservation
    from tests.sales.conftest import Seed

    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=5)
    kit_entry = seed.kit.ledger_entries.get()
    Reservation.objects.create(
        sales_line=line, item_ledger_entry=kit_entry, item=seed.kit, location=seed.main, quantity=Decimal(2)
    )
    html = user_client.get(LEDGER, {"item": "KIT"}).content.decode()
    assert '<td class="num" data-caption="Reserved Quantity">2</td>' in html


def test_r_inv_5_unknown_filter_value_is_an_error_not_a_crash(user_client):
    response = user_client.get(LEDGER, {"item": "NOPE"})
    assert response.status_code == 200
    assert "There is no Item with No. NOPE." in response.content.decode()


def test_r_inv_5_ledger_page_is_paginated_with_constant_queries(
    user_client, part_a, main, django_assert_max_num_queries
):
    for _ in range(60):
        post_stock(part_a, main, 1)
    with django_assert_max_num_queries(6):
        response = user_client.get(LEDGER)
    assert "Page 1 of 2" in response.content.decode()
    assert user_client.get(LEDGER, {"page": "999"}).status_code == 200
