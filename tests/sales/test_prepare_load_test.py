"""The load test's data (`manage.py prepare_load_test`): the demo business, stock at MAIN, users."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import authenticate
from django.db.models import Sum
from django.test import RequestFactory

from inventory.models import ItemLedgerEntry
from inventory.permissions import SALES_ORDER_PROCESSOR
from sales.management.commands.prepare_load_test import LOAD_DOCUMENT, prepare_load_test

pytestmark = pytest.mark.django_db


def test_prepare_load_test_posts_stock_once_and_creates_users_who_can_sign_in():
    names = prepare_load_test(users=3, stock=Decimal(500), password="load-test")
    assert names == ["load01", "load02", "load03"]
    prepare_load_test(users=3, stock=Decimal(500), password="load-test")  # again: no second posting

    stock = ItemLedgerEntry.objects.filter(document_no=LOAD_DOCUMENT, item__no="WS-CUSTOM")
    assert stock.aggregate(total=Sum("quantity"))["total"] == 500
    request = RequestFactory().post("/login/")
    user = authenticate(request, username="load02", password="load-test")
    assert user is not None
    assert user.has_perm("sales.post_sales_order")
    assert list(user.groups.values_list("name", flat=True)) == [SALES_ORDER_PROCESSOR]
