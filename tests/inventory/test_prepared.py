"""PreparedQuery: a QuerySet compiled once gives the rows and instances the QuerySet gives, run after run."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import models
from django.db.models import F, Sum, Value
from django.utils import timezone

from inventory.models import ItemLedgerEntry
from inventory.prepared import Param, PreparedQuery
from tests.factories import ItemFactory, LocationFactory, post_stock

pytestmark = pytest.mark.django_db
INT = models.IntegerField()

OPEN_ENTRIES = PreparedQuery(
    lambda: (
        ItemLedgerEntry.objects.open()
        .filter(item_id=Param("item", INT), posting_date__lte=Param("upto", models.DateField()))
        .select_related("item", "location")
        .order_by("entry_no")
    )
)
BY_DATE = PreparedQuery(
    lambda: (
        ItemLedgerEntry.objects.filter(item_id=Param("item", INT))
        .order_by()
        .annotate(kind=Value("stock"), day=F("posting_date"))
        .values_list("kind", "day")
        .annotate(q=Sum("remaining_quantity"))
    )
)


@pytest.fixture
def stock():
    main = LocationFactory(code="MAIN")
    a, b = ItemFactory(no="PREP-A"), ItemFactory(no="PREP-B")
    post_stock(a, main, 5)
    post_stock(a, main, Decimal("2.5"))
    post_stock(b, main, 7)
    return a, b


def test_instances_and_rows_are_those_of_the_queryset_for_each_run(stock, django_assert_num_queries):
    a, b = stock
    today = timezone.localdate()
    for item in (a, b, a):  # compiled once, bound anew each time
        expected = list(
            ItemLedgerEntry.objects.open()
            .filter(item=item, posting_date__lte=today)
            .select_related("item", "location")
            .order_by("entry_no")
        )
        with django_assert_num_queries(1):  # select_related included: nothing read lazily
            got = OPEN_ENTRIES.objects(item=item.pk, upto=today)
            assert [(e.pk, e.item.no, e.location.code) for e in got] == [
                (e.pk, e.item.no, e.location.code) for e in expected
            ]
        assert [e.remaining_quantity for e in got] == [e.remaining_quantity for e in expected]
        rows = BY_DATE.rows(item=item.pk)
        assert rows == [("stock", today, sum((e.remaining_quantity for e in expected), Decimal(0)))]
        assert isinstance(rows[0][1], datetime.date) and isinstance(rows[0][2], Decimal)  # converted


def test_every_param_needs_a_value(stock):
    with pytest.raises(TypeError, match="upto"):
        OPEN_ENTRIES.rows(item=stock[0].pk)
    with pytest.raises(TypeError, match="rows"):
        BY_DATE.objects(item=stock[0].pk)
