"""Fault injection: Post (Invoice, Ship and Invoice) and Undo Shipment fail at each of their write
steps in turn, and nothing is half written (I-5; R-INVC-1, R-UNDO-1).

Each step is wrapped so that the real step runs first, with every write before it, and then fails
(for the first write of an undo, also before it runs). The service must raise that failure and leave
every table it can touch exactly as it was, row for row: ledger entries and applications,
reservations, sales lines and headers, assembly orders and their component lines, posted assembly
orders, posted shipments (their lines' Quantity Invoiced and Correction, which entries each wrote),
posted invoices and their lines, which shipment lines they drew on, and the number series' Last No.
Used. Then the same call, without the fault, succeeds: nothing the failure left behind (a lock, a
drawn number) stands in its way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from importlib import import_module
from unittest import mock

import pytest
from django.db.models import QuerySet

from assembly.models import AssemblyHeader, AssemblyLine, PostedAssemblyHeader, PostedAssemblyLine
from inventory.models import (
    ItemApplicationEntry,
    ItemLedgerEntry,
    ItemLedgerEntryQuerySet,
    NoSeries,
    Reservation,
)
from sales.models import (
    InvoicedShipment,
    SalesHeader,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    SalesStatus,
    ShipmentLineEntry,
)
from sales.services.invoicing import PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from sales.services.undo import undo_shipment_line
from tests.sales.test_reservations import edit
from tests.sales.test_shipping import seed_steps_1_to_5

pytestmark = pytest.mark.django_db
D = Decimal

# Every table an invoice posting or an undo may write.
TABLES = (
    ItemLedgerEntry,
    ItemApplicationEntry,
    Reservation,
    SalesHeader,
    SalesLine,
    AssemblyHeader,
    AssemblyLine,
    PostedAssemblyHeader,
    PostedAssemblyLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    ShipmentLineEntry,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    InvoicedShipment,
    NoSeries,
)


def fault_world() -> dict[str, list[dict]]:
    """Every row of every table above, every column (I-5: a failed posting leaves all of it)."""
    return {model._meta.label: list(model._default_manager.order_by("pk").values()) for model in TABLES}


class InjectedFault(Exception):
    """The failure a test injects; nothing in the services catches it."""


Wrap = Callable[[Callable], Callable]  # the real step -> the side effect that replaces it


def after(step: str, when: Callable[..., bool] = lambda *args, **kwargs: True) -> Wrap:
    """Run the real step (its writes happen), then fail, when `when` says the call is this step."""

    def wrap(real: Callable) -> Callable:
        def side_effect(*args, **kwargs):
            result = real(*args, **kwargs)
            if when(*args, **kwargs):
                raise InjectedFault(step)
            return result

        return side_effect

    return wrap


def before(step: str) -> Wrap:
    """Fail instead of the real step."""

    def wrap(real: Callable) -> Callable:
        def side_effect(*args, **kwargs):
            raise InjectedFault(step)

        return side_effect

    return wrap


def patch_function(target: str, wrap: Wrap):
    """mock.patch of a module attribute, its side effect built around the real one."""
    module_name, name = target.rsplit(".", 1)
    return mock.patch(target, side_effect=wrap(getattr(import_module(module_name), name)))


def patch_method(owner, name: str, wrap: Wrap, *, autospec: bool = False):
    """mock.patch.object of a manager's (or, autospec'd, a class's) method, around the real one."""
    return mock.patch.object(owner, name, autospec=autospec, side_effect=wrap(getattr(owner, name)))


def run_with_fault(patcher, call: Callable[[], object], step: str) -> None:
    before_ = fault_world()
    with patcher, pytest.raises(InjectedFault, match=f"^{re.escape(step)}$"):
        call()
    assert fault_world() == before_
    call()  # nothing left behind: the same call, without the fault, posts


# --- R-INVC-1: Post (Invoice), Post (Ship and Invoice) -------------------------------------------


def invoicing_lines_updated(objs, fields, *args, **kwargs) -> bool:
    return list(fields) == ["quantity_invoiced", "qty_to_invoice"]


# step name -> the patch that makes it fail (given the name, for the message it fails with)
INVOICE_STEPS = {
    "before the invoice": lambda step: patch_function(
        "sales.services.invoicing._write_invoice", before(step)
    ),
    "after the invoice number": lambda step: patch_function("sales.services.invoicing.next_no", after(step)),
    "after the draws on the shipment lines": lambda step: patch_function(
        "sales.services.invoicing._draw_on_shipments", after(step)
    ),
    "after the sales lines' Quantity Invoiced": lambda step: patch_method(
        SalesLine.objects, "bulk_update", after(step, when=invoicing_lines_updated)
    ),
    "after the whole invoice": lambda step: patch_function(
        "sales.services.invoicing._write_invoice", after(step)
    ),
    "after the order and its assembly orders Completed": lambda step: patch_function(
        "sales.services.invoicing.complete_if_done", after(step)
    ),
}


def ship_and_invoice(seed):
    """The seed order (steps 1-5), to be posted with Ship and Invoice: it ships, invoices, completes."""
    header, _ = seed_steps_1_to_5(seed)
    return lambda: post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)


def invoice_two_shipments(seed):
    """The seed order shipped 4, then 6 (two shipment lines), to be posted with Invoice: it draws on
    both and completes."""
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D(4))
    post_shipment(header=header)
    post_shipment(header=header)
    return lambda: post_sales_order(header=header, choice=PostChoice.INVOICE)


INVOICE_SCENARIOS = {"ship and invoice": ship_and_invoice, "invoice two shipments": invoice_two_shipments}


@pytest.mark.parametrize("step", list(INVOICE_STEPS))
@pytest.mark.parametrize("scenario", list(INVOICE_SCENARIOS))
def test_i_5_r_invc_1_a_failure_at_any_write_step_of_invoicing_leaves_everything_as_it_was(
    seed, scenario, step
):
    """R-INVC-1, I-5: the invoice posting fails at `step`, after every write before it: nothing is
    half posted (no invoice without its lines' Quantity Invoiced, no Completed order without its
    invoice, no number drawn for nothing); the same posting then succeeds."""
    post = INVOICE_SCENARIOS[scenario](seed)
    run_with_fault(INVOICE_STEPS[step](step), post, step)
    header = SalesHeader.objects.get()
    assert header.status == SalesStatus.COMPLETED
    assert SalesInvoiceHeader.objects.get().no == "SIN-00001"  # the failed attempt's number came back


# --- R-UNDO-1: Undo Shipment ----------------------------------------------------------------------


def posted_assembly_marked_reversed(queryset, **kwargs) -> bool:
    return queryset.model is PostedAssemblyHeader and "reversed" in kwargs


def after_bulk_create(step: str) -> Wrap:
    """As `after`, for Reservation.objects.bulk_create, which is given a generator: materialised once,
    for the check that this is the insert of the reservations Undo gives back, and for the insert."""

    def wrap(real: Callable) -> Callable:
        def side_effect(objs, *args, **kwargs):
            rows = list(objs)
            result = real(rows, *args, **kwargs)
            if rows and all(r.item_ledger_entry_id and not r.binding for r in rows):
                raise InjectedFault(step)
            return result

        return side_effect

    return wrap


UNDO_STEPS = {
    "before the correcting entries": lambda step: patch_function(
        "sales.services.undo.post_item_entries", before(step)
    ),
    "after the ledger insert": lambda step: patch_method(ItemLedgerEntry.objects, "bulk_create", after(step)),
    "after the fixed applications": lambda step: patch_method(
        ItemApplicationEntry.objects, "bulk_create", after(step)
    ),
    "after the reversed entries' Remaining Quantity": lambda step: patch_method(
        ItemLedgerEntryQuerySet, "_lower_remaining", after(step), autospec=True
    ),
    "after the correcting entries": lambda step: patch_function(
        "sales.services.undo.post_item_entries", after(step)
    ),
    "after the reversing shipment line": lambda step: patch_function(
        "sales.services.undo._write_reversing_line", after(step)
    ),
    "after the Posted Assembly Order marked Reversed": lambda step: patch_method(
        QuerySet, "update", after(step, when=posted_assembly_marked_reversed), autospec=True
    ),
    "after the linked order reopened": lambda step: patch_function(
        "sales.services.undo._reopen_assembly", after(step)
    ),
    "after the linked order's sync and binding": lambda step: patch_function(
        "sales.services.ato_link.sync_linked_assembly_order", after(step)
    ),
    "after the reservations given back": lambda step: patch_method(
        Reservation.objects, "bulk_create", after_bulk_create(step)
    ),
    "after the sales line restored": lambda step: patch_function(
        "sales.services.undo._restore_line", after(step)
    ),
}


@pytest.mark.parametrize("step", list(UNDO_STEPS))
def test_i_5_r_undo_1_a_failure_at_any_write_step_of_undo_leaves_everything_as_it_was(seed, step):
    """R-UNDO-1, I-5: Undo Shipment of the seed line (7 assembled to order, 3 from stock, reserved)
    fails at `step`, after every write before it: no correction without its reversing line, no
    reopened assembly order without its binding, no line given back its Outstanding without its
    reservations; the same undo then succeeds."""
    header, line = seed_steps_1_to_5(seed)
    [shipped] = post_shipment(header=header).lines.all()
    run_with_fault(UNDO_STEPS[step](step), lambda: undo_shipment_line(shipment_line=shipped), step)
    shipped.refresh_from_db()
    assert shipped.correction
    line.refresh_from_db()
    assert (line.quantity_shipped, Reservation.objects.filter(sales_line=line).total()) == (0, 10)
