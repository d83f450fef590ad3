from __future__ import annotations

import pytest
from django.urls import reverse

from sales.services.picks import create_inventory_pick
from tests.sales.test_picks import combination_line
from tests.sales.test_views import HTMX

pytestmark = pytest.mark.django_db

VALUES = [
    "",
    " ",
    "1e5",
    "1E-9",
    "-0",
    "0.000001",
    "Infinity",
    "NaN",
    "sNaN",
    "1" * 40,
    "9" * 30 + ".5",
    "٣",
    "1,5",
    "\x00",
]


@pytest.mark.parametrize("value", VALUES)
def test_pick_inputs_never_500(silver, user_client, value):
    header, _ = combination_line(silver)
    [pick] = create_inventory_pick(header=header)
    row = pick.lines.first()
    for name in ("sales:pick-lines", "sales:pick-post"):
        for extra in ({}, HTMX):
            r = user_client.post(
                reverse(name, args=[pick.pk]), {f"line-{row.pk}-qty_to_handle": value}, **extra
            )
            assert r.status_code < 500, (name, value, r.status_code)


def test_post_views_never_500(seed, user_client):
    header = seed.order()
    for extra in ({}, HTMX):
        assert user_client.get(reverse("sales:order-post", args=[header.pk]), **extra).status_code < 500
        assert (
            user_client.post(
                reverse("sales:order-post", args=[header.pk]), {"fingerprint": "x" * 10000}, **extra
            ).status_code
            < 500
        )
        assert (
            user_client.get(reverse("sales:order-post-preview", args=[header.pk]), **extra).status_code < 500
        )
        assert (
            user_client.post(reverse("sales:order-create-pick", args=[header.pk]), **extra).status_code < 500
        )
    assert user_client.get(reverse("sales:shipment-list"), {"page": "x", "order": "\x00"}).status_code < 500
