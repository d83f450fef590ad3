"""No accepted input can make a later page fail: magnitudes (R-NUM-1), dates and the allowed posting
range (R-INV-6), NUL bytes in searches, and number series set back by an operator (issue defects 3,
8 and 9)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from assembly.services import create_assembly_order
from inventory.figures import format_day
from inventory.models import ItemJournalLine, ItemLedgerEntry, NoSeries, PostingSetup
from inventory.services.journal import post_item_journal
from sales.models import SalesHeader, SalesLine
from tests.factories import ItemFactory, ItemJournalLineFactory
from tests.sales.conftest import Seed
from tests.sales.test_views import HTMX, row_url

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def seed(db):
    return Seed()


def journal_data(**overrides) -> dict[str, str]:
    data = {
        "entry_type": "POS_ADJ",
        "posting_date": timezone.localdate().isoformat(),
        "item": "PART-A",
        "location": "MAIN",
        "bin": "",
        "quantity": "1",
        "unit_cost": "",
        "document_no": "",
    }
    data.update(overrides)
    return {f"new-{k}": v for k, v in data.items()}


# --- R-NUM-1 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quantity", "9999999999999", "Quantity cannot be more than 999999.99999."),
        ("unit_cost", "10000000000", "Unit Cost cannot be more than 9,999,999.99."),
    ],
)
def test_r_num_1_journal_refuses_figures_whose_cost_would_not_fit(seed, user_client, field, value, message):
    """9,999,999,999,999 × 10,000 was accepted, and then every Post of that journal was a 500."""
    response = user_client.post(reverse("inventory:journal-line-add"), journal_data(**{field: value}), **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ItemJournalLine.objects.exists()


def test_r_num_1_the_largest_journal_line_posts(seed, user_client):
    data = journal_data(quantity="999999.99999", unit_cost="9999999.99")
    assert user_client.post(reverse("inventory:journal-line-add"), data).status_code == 302
    response = user_client.post(reverse("inventory:journal-post"), {"confirm": "1"}, follow=True)
    assert response.status_code == 200 and "successfully posted" in response.content.decode()
    entry = ItemLedgerEntry.objects.latest("entry_no")
    assert entry.cost_amount == D("9999999989900.00")  # exact on SQLite too (15 significant digits)


def test_r_num_1_ato_line_of_a_huge_quantity_is_refused_at_the_cell(seed, user_client):
    """An ATO line of 5e12 with a 2× BOM overflowed the component lines' Quantity."""
    header = seed.order()
    line = seed.line(header, quantity=1)
    response = user_client.post(row_url(line), {f"line-{line.pk}-quantity": "5000000000000"}, **HTMX)
    assert response.status_code == 422
    assert "Quantity cannot be more than 999999.99999." in response.content.decode()
    assert SalesLine.objects.get(pk=line.pk).quantity == 1


def test_r_num_1_the_largest_quantity_and_price_still_show_on_the_card(seed, user_client):
    """A line of the largest quantity and unit price made its order card a 500 on every load."""
    header = seed.order()
    line = seed.line(header, quantity=1)
    response = user_client.post(
        row_url(line),
        {f"line-{line.pk}-quantity": "999999.99999", f"line-{line.pk}-unit_price": "9999999.99"},
        **HTMX,
    )
    assert response.status_code == 200
    card = user_client.get(header.get_absolute_url())
    assert card.status_code == 200
    assert user_client.get(reverse("sales:order-list")).status_code == 200
    order = SalesLine.objects.get(pk=line.pk).assembly_order
    assert order.lines.get(item=seed.part_a).quantity == D("1999999.99998")
    assert SalesLine.objects.get(pk=line.pk).line_amount == D("9999999989900.00")


def test_r_num_1_assembly_order_of_the_largest_quantity(seed, user_client):
    today = timezone.localdate().isoformat()
    data = {"item": "KIT", "quantity": "99999999999999", "location": "MAIN", "bin": "", "due_date": today}
    response = user_client.post(reverse("assembly:order-new"), data)
    assert response.status_code == 422
    assert "Quantity cannot be more than 999999.99999." in response.content.decode()
    with pytest.raises(ValidationError, match="Quantity cannot be more than"):
        create_assembly_order(
            item=seed.kit, quantity=D("1e9"), location=seed.main, due_date=timezone.localdate()
        )


def test_r_num_1_the_database_refuses_what_the_forms_refuse(seed):
    line = SalesLine.objects.get(pk=seed.line(seed.order(), quantity=1).pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesLine.objects.filter(pk=line.pk).update(quantity=D("1000000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemFactory(unit_price=D("10000000"))


# --- R-INV-6 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0006-12-02", "1899-12-31", "3000-01-01"])
def test_r_inv_6_dates_outside_1900_to_2999_are_refused_at_the_field(seed, user_client, value):
    header = seed.order()
    line = seed.line(header, quantity=1)
    message = "Shipment Date must be between 01/01/1900 and 12/31/2999."
    response = user_client.post(row_url(line), {f"line-{line.pk}-shipment_date": value}, **HTMX)
    assert response.status_code == 422 and message in response.content.decode()
    response = user_client.post(
        reverse("sales:header-change", args=[header.pk]), {"header-shipment_date": value}, **HTMX
    )
    assert response.status_code == 422 and message in response.content.decode()
    response = user_client.post(
        reverse("inventory:journal-line-add"), journal_data(posting_date=value), **HTMX
    )
    assert response.status_code == 422 and "Posting Date must be between" in response.content.decode()
    response = user_client.post(
        reverse("assembly:order-new"),
        {"item": "KIT", "quantity": "1", "location": "MAIN", "bin": "", "due_date": value},
    )
    assert response.status_code == 422 and "Due Date must be between" in response.content.decode()
    assert SalesLine.objects.get(pk=line.pk).shipment_date == line.shipment_date
    assert not ItemJournalLine.objects.exists()


def test_r_inv_6_date_inputs_carry_the_range(seed, user_client):
    header = seed.order()
    seed.line(header, quantity=1)
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert 'type="date"' in html and 'min="1900-01-01" max="2999-12-31"' in html


def test_r_inv_6_posting_outside_the_allowed_posting_range_is_refused_naming_it(seed, user_client):
    today = timezone.localdate()
    PostingSetup.objects.create(
        allow_posting_from=today, allow_posting_to=today + datetime.timedelta(days=30)
    )
    user = ItemJournalLineFactory(posting_date=today - datetime.timedelta(days=1)).user
    before = ItemLedgerEntry.objects.count()
    with pytest.raises(ValidationError) as refused:
        post_item_journal(user=user)
    range_ = f"{format_day(today)} to {format_day(today + datetime.timedelta(days=30))}"
    assert f"is not within the range of allowed posting dates ({range_})" in " ".join(refused.value.messages)
    assert "Line 1" in refused.value.messages[0]
    assert ItemLedgerEntry.objects.count() == before
    assert ItemJournalLine.objects.filter(user=user).exists()


def test_r_inv_6_blank_posting_setup_means_no_limit(seed):
    PostingSetup.objects.create()
    user = ItemJournalLineFactory(
        posting_date=datetime.date(1950, 1, 1), item=seed.part_a, location=seed.main
    ).user
    assert len(post_item_journal(user=user)) == 1


def test_posting_setup_is_one_record_with_its_range_in_order(db):
    with pytest.raises(ValidationError):
        PostingSetup(
            allow_posting_from=datetime.date(2027, 1, 2), allow_posting_to=datetime.date(2027, 1, 1)
        ).full_clean()
    PostingSetup().save()
    PostingSetup(allow_posting_from=datetime.date(2027, 1, 1)).save()  # saved as the same single row
    assert PostingSetup.objects.count() == 1


# --- NUL bytes, R-NUM-1's "no accepted input makes a later page fail" ----------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/assembly/posted/?q=%00",
        "/assembly/orders/?q=%00",
        "/sales/orders/?q=%00",
        "/sales/orders/?customer=%00",
        "/inventory/item-ledger-entries/?item=%00",
    ],
)
def test_nul_bytes_in_a_search_are_not_a_server_error(seed, user_client, url):
    """On PostgreSQL a NUL in a search box was a 500 (text cannot hold NUL)."""
    assert user_client.get(url).status_code == 200


def test_nul_byte_in_a_code_cell_is_an_unknown_code(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=1)
    response = user_client.post(row_url(line), {f"line-{line.pk}-location": "MA\x00IN"}, **HTMX)
    assert response.status_code == 422 and "There is no Location with Code MAIN." in response.content.decode()


# --- number series (defect 9) ------------------------------------------------------------------


def test_a_number_series_set_back_skips_the_numbers_in_use(seed, staff_client):
    """Setting Last No. Used back by one made the next New Sales Order a 500 (duplicate number)."""
    seed.order(), seed.order()
    series = NoSeries.objects.get(code="SALES-ORDER")
    change = reverse("admin:inventory_noseries_change", args=[series.pk])
    response = staff_client.post(
        change, {"code": "SALES-ORDER", "prefix": "SO-", "width": "5", "last_no_used": "1"}
    )
    assert response.status_code == 302
    response = staff_client.post(reverse("sales:order-new"), {"customer": seed.customer.no})
    assert response.status_code == 302
    assert SalesHeader.objects.latest("pk").no == "SO-00003"
    assert NoSeries.objects.get(code="SALES-ORDER").last_no_used == 3
