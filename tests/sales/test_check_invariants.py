"""`manage.py check_invariants` (issue 11): I-1..I-5 hold on data the app wrote, and a violation planted
behind the app's back is found and named, with a non-zero exit."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine
from inventory.models import ItemLedgerEntry, ItemRegister, Reservation
from sales.invariants import check_invariants
from sales.models import SalesInvoiceHeader, SalesLine, SalesShipmentLine
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from sales.services.undo import undo_shipment_line
from tests.sales.test_reservations import edit
from tests.sales.test_shipping import seed_steps_1_to_5

pytestmark = pytest.mark.django_db
D = Decimal


def run() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_invariants", stdout=out, stderr=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def books(seed):
    """The seed order shipped in two parts, one undone, then shipped and invoiced in full; and an open
    order with a linked assembly order and reservations."""
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D(4))
    [first] = post_shipment(header=header).lines.all()
    undo_shipment_line(shipment_line=first)
    post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    other = seed.order()
    seed.line(other, quantity=2)
    return seed


def test_clean_books_pass(books):
    assert check_invariants() == []
    code, out = run()
    assert code == 0 and "All invariants I-1..I-5 hold." in out


def raw(sql: str, *params) -> None:
    """Write behind the ORM's back, as a bad import or a bug could (the database's append-only
    triggers still refuse changes of posted columns; Remaining Quantity is not one of them)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def over_reserve():
    """A reservation beyond what an entry has left (I-1)."""
    entry = ItemLedgerEntry.objects.filter(remaining_quantity__gt=0).first()
    Reservation.objects.create(
        sales_line=SalesLine.objects.last(),
        item_ledger_entry=entry,
        item=entry.item,
        location=entry.location,
        quantity=entry.remaining_quantity + 1000,
    )


def invoice_without_its_lines():
    """A posted invoice whose amount its lines do not add up to (I-5). Posted documents are
    append-only, also in the database, so the violation is planted by an INSERT: a copy of the
    invoice header without its lines."""
    invoice = SalesInvoiceHeader.objects.get()
    invoice.pk, invoice.no = None, f"{invoice.no}-COPY"
    invoice.save()


def entry_without_a_register():
    """An entry posted after registers began but naming none (R-AUD-1). Entries are append-only, also
    in the database, so it is planted by an INSERT: a copy of the latest entry without its register."""
    entry = ItemLedgerEntry.objects.order_by("-entry_no").first()
    entry.pk, entry.register_id = None, None
    ItemLedgerEntry.objects.bulk_create([entry])  # the model refuses save() of an entry: append-only


PLANTS = {
    "I-1 over-reserved entry": ("I-1", over_reserve, "> Remaining"),
    "I-2 binding": (
        "I-2",
        lambda: Reservation.objects.filter(binding=True).update(quantity=D(5)),
        "binding 5 ≠ Remaining 2",
    ),
    "I-3 linked order's date": (
        "I-3",
        lambda: AssemblyHeader.objects.filter(quantity=2).update(due_date="2030-01-01"),
        "does not follow it",
    ),
    "I-3 component quantity": (
        "I-3",
        lambda: AssemblyLine.objects.filter(header__quantity=2).update(quantity=D(99)),
        "Quantity 99 ≠ Quantity per × Quantity",
    ),
    "I-4 remaining behind the ledger's back": (
        "I-4",
        lambda: raw(f"UPDATE {table(ItemLedgerEntry)} SET remaining_quantity = 0 WHERE quantity > 0"),
        "Σ Remaining 0",
    ),
    "I-5 quantity shipped": (
        "I-5",
        lambda: SalesLine.objects.filter(quantity=2).update(quantity_shipped=D(1), qty_to_ship=D(1)),
        "Quantity Shipped 1, shipment lines 0",
    ),
    "I-5 shipment line invoiced": (
        "I-5",
        lambda: SalesShipmentLine.objects.filter(correction=False, quantity=10).update(
            quantity_invoiced=D(0)
        ),
        "Quantity Invoiced 0 (invoice links 10)",
    ),
    "I-5 entry without a register": (
        "I-5",
        lambda: entry_without_a_register(),
        "posted without an Item Register (R-AUD-1)",
    ),
    "I-5 register without entries": (
        "I-5",
        lambda: raw(
            f"INSERT INTO {table(ItemRegister)} (created_at, source) VALUES (%s, 'ITEMJNL')", timezone.now()
        ),
        "holds no item ledger entries (R-AUD-1)",
    ),
    "I-5 invoice amount": (
        "I-5",
        lambda: invoice_without_its_lines(),
        "Amount 5,000.00, Σ line amounts 0.00",
    ),
}


@pytest.mark.parametrize("plant_name", sorted(PLANTS))
def test_a_planted_violation_is_found_and_named(books, plant_name):
    rule, plant, named = PLANTS[plant_name]
    plant()
    violations = [str(v) for v in check_invariants()]
    assert any(v.startswith(rule) and named in v for v in violations), violations
    code, out = run()
    assert code == 1 and named in out and f"{rule}: " in out


def test_tenths_give_no_false_violation(seed):
    """On SQLite sums are binary floating point (7 - 4.9 = 2.0999999999999996): the checks allow for
    that error (half the smallest quantity), and still find every real difference (the plants above)."""
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D("4.9"))
    [first] = post_shipment(header=header).lines.all()
    edit(line, qty_to_ship=D("2.3"))
    post_shipment(header=header)
    undo_shipment_line(shipment_line=first)
    assert check_invariants() == []
