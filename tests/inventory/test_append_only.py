"""R-INV-1 in the database (issue 11): the item ledger, its application entries and the posted documents
are append-only for every writer, raw SQL included. Triggers refuse an UPDATE that changes a posted
column, every DELETE and (PostgreSQL) TRUNCATE; only the columns the application updates after posting
(an entry's Remaining Quantity, a shipment line's Quantity Invoiced and Correction, a posted assembly's
Reversed) may change, and INSERT passes. The same tests run on SQLite and on PostgreSQL, whichever
DATABASE_URL names.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

from assembly.models import PostedAssemblyHeader, PostedAssemblyLine
from inventory.append_only import (
    MAINTENANCE_TABLE,
    MSG_DELETE_REFUSED,
    MSG_TRUNCATE_REFUSED,
    MSG_UPDATE_REFUSED,
    Installed,
    declared,
    installed,
    maintenance,
)
from inventory.models import AppendOnlyModel, ItemApplicationEntry, ItemLedgerEntry, ItemRegister
from sales.models import (
    InvoicedShipment,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    ShipmentLineEntry,
)
from sales.services.invoicing import PostChoice, post_sales_order
from tests.sales.conftest import Seed
from tests.sales.test_shipping import seed_steps_1_to_5

pytestmark = pytest.mark.django_db

# What the migrations protect, and what the application may still update there (R-INV-1).
PROTECTED: dict[type[models.Model], set[str]] = {
    ItemLedgerEntry: {"remaining_quantity"},
    ItemApplicationEntry: set(),
    ItemRegister: set(),  # R-AUD-1
    PostedAssemblyHeader: {"reversed"},
    PostedAssemblyLine: set(),
    SalesShipmentHeader: set(),
    SalesShipmentLine: {"quantity_invoiced", "correction"},
    ShipmentLineEntry: set(),
    SalesInvoiceHeader: set(),
    SalesInvoiceLine: set(),
    InvoicedShipment: set(),
}
# An UPDATE of every allowed column that the table's check constraints accept on the posted books.
ALLOWED_UPDATES = {
    ItemLedgerEntry: "remaining_quantity = 0 WHERE quantity > 0 AND remaining_quantity > 0",
    SalesShipmentLine: "quantity_invoiced = 0, correction = TRUE WHERE quantity > 0",
    PostedAssemblyHeader: "reversed = TRUE",
}
TABLES = pytest.mark.parametrize("model", PROTECTED, ids=lambda model: model.__name__)


@pytest.fixture
def books(db):
    """The seed order (spec 15) shipped and invoiced: every protected table holds rows."""
    header, _ = seed_steps_1_to_5(Seed())
    post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    for model in PROTECTED:
        assert model.objects.exists(), model


def table(model) -> str:
    return model._meta.db_table


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def refused(sql: str, params=()) -> str:
    """Run `sql`, expect the database to refuse it, and return its message."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        execute(sql, params)
    return str(error.value)


def other_value(field: models.Field, value):
    """A value of the column's own type that differs from `value` (the constraints judge it only
    after the trigger, which must refuse first)."""
    if isinstance(field, models.BooleanField):
        return not value
    if isinstance(field, models.DateTimeField):
        return value + datetime.timedelta(seconds=1)
    if isinstance(field, models.DateField):
        return value + datetime.timedelta(days=1)
    if isinstance(field, models.CharField):
        return (value[:-1] + ("y" if value.endswith("x") else "x")) if value else "x"
    if isinstance(field, models.DecimalField):
        return value + Decimal(1)
    return (value or 0) + 1  # integers, keys (a null key gets one)


@TABLES
def test_update_of_a_posted_column_is_refused_naming_table_and_column(books, model):
    """R-INV-1: no posted column of a protected table changes, through raw SQL either."""
    row = model.objects.order_by("pk").first()
    before = model.objects.values().get(pk=row.pk)
    posted = [f for f in model._meta.concrete_fields if f.column not in PROTECTED[model]]
    assert posted
    for field in posted:
        new = field.get_db_prep_value(other_value(field, getattr(row, field.attname)), connection)
        message = refused(
            f"UPDATE {table(model)} SET {connection.ops.quote_name(field.column)} = %s "
            f"WHERE {model._meta.pk.column} = %s",
            [new, row.pk],
        )
        assert MSG_UPDATE_REFUSED.format(table=table(model), column=field.column) in message
    assert model.objects.values().get(pk=row.pk) == before


@TABLES
def test_delete_is_refused(books, model):
    """R-INV-1: posted rows are never deleted."""
    count = model.objects.count()
    assert MSG_DELETE_REFUSED.format(table=table(model)) in refused(f"DELETE FROM {table(model)}")
    assert model.objects.count() == count


@TABLES
def test_truncate_is_refused_on_postgresql(books, model):
    """R-INV-1: nor is a protected table emptied by TRUNCATE (PostgreSQL; SQLite has no TRUNCATE)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused above)")
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # PostgreSQL truncates no table with pending FK checks
    message = refused(f"TRUNCATE {table(model)} CASCADE")
    assert MSG_TRUNCATE_REFUSED.format(table=table(model)) in message
    assert model.objects.exists()


@pytest.mark.parametrize("model", ALLOWED_UPDATES, ids=lambda model: model.__name__)
def test_the_allowed_columns_may_change(books, model):
    """R-INV-1: only an inbound entry's Remaining Quantity falls as outbound entries are applied to it
    (the posting engine), and the undo and invoicing flags of the posted documents are set."""
    assert execute(f"UPDATE {table(model)} SET {ALLOWED_UPDATES[model]}") > 0


def test_every_allowed_column_is_tried():
    for model, sql in ALLOWED_UPDATES.items():
        assert {column for column in PROTECTED[model] if f"{column} = " in sql} == PROTECTED[model]
    assert {model for model, allowed in PROTECTED.items() if allowed} == set(ALLOWED_UPDATES)


def test_writing_a_columns_own_value_again_is_no_change(books):
    """The triggers judge values: an UPDATE that sets a posted column to what it holds passes."""
    assert execute(f"UPDATE {table(ItemLedgerEntry)} SET quantity = quantity, document_no = document_no") > 0


def test_insert_passes(books):
    """R-INV-1: corrections are new entries; the ledger takes inserts (raw SQL too)."""
    columns = ", ".join(
        connection.ops.quote_name(f.column)
        for f in ItemLedgerEntry._meta.concrete_fields
        if not f.primary_key
    )
    before = ItemLedgerEntry.objects.count()
    entry = ItemLedgerEntry.objects.order_by("pk").first()
    execute(
        f"INSERT INTO {table(ItemLedgerEntry)} ({columns}) SELECT {columns} FROM {table(ItemLedgerEntry)} "
        "WHERE entry_no = %s",
        [entry.pk],
    )
    assert ItemLedgerEntry.objects.count() == before + 1


def test_the_installed_triggers_cover_every_posted_column_of_the_models():
    """A column added to a protected model is posted unless the migration says otherwise: the triggers
    in the database must cover exactly the model's columns minus the allowed ones. When this fails
    after a new field or an altered one (SQLite rebuilds the table, dropping its triggers), run
    `AppendOnly(...)` again at the end of that migration."""
    expected = {model._meta.label: allowed for model, allowed in PROTECTED.items()}
    got = {apps.get_model(label)._meta.label: set(allowed) for label, allowed in declared().items()}
    assert got == expected
    for model, allowed in PROTECTED.items():
        columns = {f.column for f in model._meta.concrete_fields}
        assert allowed <= columns, model
        guard = installed(connection, table(model))
        assert guard.protected_columns == columns - allowed, model
        assert guard.delete, model
        assert guard.truncate == (connection.vendor == "postgresql"), model


def test_every_append_only_model_is_protected_in_the_database():
    """The models that refuse edits in Python (`AppendOnlyModel`) are among the protected tables."""
    python_guarded = {m for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
    assert python_guarded and python_guarded <= set(PROTECTED)


def test_maintenance_lets_the_triggers_stand_aside_only_inside_it(books):
    """The escape hatch (tests and supervised maintenance only): inside `maintenance()` a posted row
    may be deleted; after it the triggers refuse again and no maintenance row is left behind."""
    with transaction.atomic():
        with maintenance(connection, reason="test"):
            assert execute(f"DELETE FROM {table(InvoicedShipment)}") > 0
        assert not InvoicedShipment.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {MAINTENANCE_TABLE}")
            assert cursor.fetchone() == (0,)
        assert MSG_DELETE_REFUSED.format(table=table(SalesInvoiceLine)) in refused(
            f"DELETE FROM {table(SalesInvoiceLine)}"
        )


def test_application_code_never_uses_the_escape_hatch():
    """Only the ground floor defines `maintenance()`, and only the test suite's backends call it."""
    users = []
    for app in ("config", "inventory", "assembly", "sales"):
        for path in sorted((Path(settings.BASE_DIR) / app).rglob("*.py")):
            if path.name == "append_only.py" or "migrations" in path.parts:
                continue
            text = path.read_text()
            if "maintenance(" in text or MAINTENANCE_TABLE in text:
                users.append(str(path))
    assert users == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_is_reversible():
    """Unapplying 0011_append_only removes every trigger (and the guard); applying it again restores
    them."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        MigrationExecutor(connection).migrate([("inventory", "0010_audit")])
        for model in PROTECTED:
            assert installed(connection, table(model)) == Installed(frozenset(), False, False), model
        assert MAINTENANCE_TABLE not in connection.introspection.table_names()
    finally:
        MigrationExecutor(connection).migrate(latest)
    for model in PROTECTED:
        assert installed(connection, table(model)).delete, model
