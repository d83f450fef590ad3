"""A database that holds what the old defects let in (a Shipment Date of year 6) is told what to fix
before the bound constraints are added, instead of failing half-way in the database (found in review)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("sales", "0003_demand_index")]


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in {"sales", "assembly", "inventory"}]


def test_rows_breaking_a_new_bound_stop_the_migration_with_what_to_fix():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    Customer = apps.get_model("sales", "Customer")
    SalesHeader = apps.get_model("sales", "SalesHeader")
    customer = Customer.objects.create(no="C1", name="Old data")
    bad = SalesHeader.objects.create(
        no="SO-OLD",
        customer=customer,
        order_date=datetime.date(2026, 12, 1),
        posting_date=datetime.date(2026, 12, 1),
        shipment_date=datetime.date(6, 12, 2),  # what typing 12/01/2026 stored
    )
    try:
        with pytest.raises(RuntimeError) as stopped:
            MigrationExecutor(connection).migrate(latest())
        assert f"1 SalesHeader row(s) break the new rule so_dates_in_range (ids: [{bad.pk}])" in str(
            stopped.value
        )
        assert "correct them, then run migrate again" in str(stopped.value)
    finally:
        SalesHeader.objects.filter(pk=bad.pk).delete()
        Customer.objects.filter(pk=customer.pk).delete()
        MigrationExecutor(connection).migrate(latest())
