"""Inventory pick pages: partial vs full page, bad input at the cell, query counts (R-PICK-1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from sales.models import InventoryPickHeader, InventoryPickLine, SalesShipmentHeader
from sales.services.picks import pick_fingerprint
from tests.sales.test_picks import combination_line
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db


def seen(pick) -> str:
    """The fingerprint the pick card carries (what the user saw when choosing Post)."""
    return pick_fingerprint(list(pick.lines.order_by("line_no")))


def create(client, header):
    response = client.post(reverse("sales:order-create-pick", args=[header.pk]))
    pick = InventoryPickHeader.objects.get()
    assert response.status_code == 302 and response["Location"] == pick.get_absolute_url()
    return pick


def test_create_pick_from_the_card_and_show_it(silver, user_client, django_assert_max_num_queries):
    header, _ = combination_line(silver)
    assert "Create Inventory Pick" in user_client.get(header.get_absolute_url()).content.decode()
    pick = create(user_client, header)
    with django_assert_max_num_queries(6):
        page = user_client.get(pick.get_absolute_url())
    assert "<html" in page.content.decode() and "ATO-SHIP" in page.content.decode()
    partial = user_client.get(pick.get_absolute_url(), **HTMX).content.decode()
    assert partial.lstrip().startswith('<section id="pick-lines"')
    with django_assert_max_num_queries(6):
        assert pick.no in user_client.get(reverse("sales:pick-list")).content.decode()


@pytest.mark.parametrize(
    ("value", "message"), [("abc", "must be a number"), ("8", "between 0 and 7"), ("-1", "between 0 and 7")]
)
def test_bad_qty_to_handle_is_shown_at_the_cell_and_changes_nothing(silver, user_client, value, message):
    header, _ = combination_line(silver)
    pick = create(user_client, header)
    row = pick.lines.get(assemble_to_order=True)
    response = user_client.post(
        reverse("sales:pick-lines", args=[pick.pk]), {f"line-{row.pk}-qty_to_handle": value}, **HTMX
    )
    assert response.status_code == 422 and message in response.content.decode()
    assert f'value="{value}"' in response.content.decode()
    assert InventoryPickLine.objects.get(pk=row.pk).qty_to_handle == 0


def test_autofill_then_post_redirects_to_the_order(silver, user_client):
    header, _ = combination_line(silver)
    pick = create(user_client, header)
    user_client.post(reverse("sales:pick-autofill", args=[pick.pk]), **HTMX)
    assert set(pick.lines.values_list("qty_to_handle", flat=True)) == {Decimal(7), Decimal(3)}
    response = user_client.post(
        reverse("sales:pick-post", args=[pick.pk]), {"fingerprint": seen(pick)}, **HTMX
    )
    assert response.status_code == 200 and response["HX-Redirect"] == header.get_absolute_url()
    assert SalesShipmentHeader.objects.count() == 1 and not InventoryPickHeader.objects.exists()


def test_posting_nothing_handled_says_so(silver, user_client):
    header, _ = combination_line(silver)
    pick = create(user_client, header)
    response = user_client.post(
        reverse("sales:pick-post", args=[pick.pk]), {"fingerprint": seen(pick)}, **HTMX
    )
    assert response.status_code == 422 and "There is nothing to handle" in response.content.decode()
    assert not SalesShipmentHeader.objects.exists()


def test_r_post_5_the_same_post_of_a_pick_sent_twice_ships_once(silver, user_client):
    """Found in review: re-sending the pick's Post (double click, retry) shipped again."""
    header, _ = combination_line(silver)
    pick = create(user_client, header)
    stock_row = pick.lines.get(assemble_to_order=False)
    data = {f"line-{stock_row.pk}-qty_to_handle": "2", "fingerprint": seen(pick)}
    first = user_client.post(reverse("sales:pick-post", args=[pick.pk]), data, **HTMX)
    assert first.status_code == 200
    again = user_client.post(reverse("sales:pick-post", args=[pick.pk]), data, **HTMX)
    assert again.status_code == 422 and "has changed since you chose to post it" in again.content.decode()
    assert SalesShipmentHeader.objects.count() == 1
    assert InventoryPickLine.objects.get(pk=stock_row.pk).qty_to_handle == 0  # the refused Post saved nothing


def test_delete_pick(silver, user_client):
    header, _ = combination_line(silver)
    pick = create(user_client, header)
    response = user_client.post(reverse("sales:pick-delete", args=[pick.pk]))
    assert response["Location"] == header.get_absolute_url()
    assert not InventoryPickHeader.objects.exists()
