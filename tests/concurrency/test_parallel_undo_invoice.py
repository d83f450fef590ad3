"""Undo Shipment and Invoice under parallel requests, on PostgreSQL with real threads (R-UNDO-1,
R-INVC-1, I-5, X-6): one shipment line is either undone or invoiced, never both, never twice."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.models import ItemLedgerEntry
from sales.models import SalesHeader, SalesInvoiceHeader, SalesShipmentLine
from sales.services.invoicing import MSG_NOTHING_SHIPPED, PostChoice, post_sales_order
from sales.services.shipping import post_shipment
from sales.services.undo import MSG_UNDO_DONE, MSG_UNDO_INVOICED, undo_shipment_line
from tests.concurrency.parallel import run_in_parallel
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants, fresh
from tests.sales.test_shipping import seed_steps_1_to_5
from tests.sales.test_shipping_properties import assert_ledger_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal
ROUNDS = 4


def shipped_seed_line(seed: Seed):
    """A new seed order (steps 1-5), shipped in full: one shipment line, 7 assembled to order, 3 from
    stock (the stock for it posted first, so that every round starts alike)."""
    for item, quantity in ((seed.part_a, 14), (seed.part_b, 7), (seed.kit, 3)):
        post_stock(item, seed.main, quantity)
    header, line = seed_steps_1_to_5(seed)
    [shipment_line] = post_shipment(header=header).lines.all()
    return header, line, shipment_line


def undo_of(shipment_line):
    return lambda: undo_shipment_line(shipment_line=SalesShipmentLine.objects.get(pk=shipment_line.pk))


def later(job, seconds: float):
    """The job, started `seconds` after the other: it then meets the first one's locks (it waits on
    the sales order's row lock) and judges what the first one left."""

    def run():
        time.sleep(seconds)
        return job()

    return run


def test_r_undo_1_undo_racing_invoice_of_the_same_shipment_line_lets_exactly_one_win():
    """Undo and Invoice of the same shipment line at once: whichever takes the order's lock first
    wins, the other waits for it and refuses (undo of an invoiced line; nothing left to invoice).
    At the same instant, then with each given a head start, so that both orders are seen."""
    seed = Seed(stock=False)
    winners = []
    for round_, (undo_delay, invoice_delay) in enumerate([(0, 0), (0, 0.3), (0.3, 0), (0, 0)]):
        header, line, shipment_line = shipped_seed_line(seed)

        undone, invoiced = run_in_parallel(
            later(undo_of(shipment_line), undo_delay),
            later(
                lambda pk=header.pk: post_sales_order(
                    header=SalesHeader.objects.get(pk=pk), choice=PostChoice.INVOICE
                ),
                invoice_delay,
            ),
        )

        shipment_line.refresh_from_db()
        line = fresh(line)
        if isinstance(undone, ValidationError):  # the invoice came first
            winners.append("invoice")
            assert undone.messages == [MSG_UNDO_INVOICED], (round_, undone, invoiced)
            assert not isinstance(invoiced, Exception), (round_, invoiced)
            assert (shipment_line.quantity_invoiced, shipment_line.correction) == (10, False)
            assert (line.quantity_shipped, line.quantity_invoiced) == (10, 10)
        else:  # the undo came first: nothing shipped is left to invoice
            winners.append("undo")
            assert isinstance(undone, SalesShipmentLine), (round_, undone)
            assert isinstance(invoiced, ValidationError), (round_, undone, invoiced)
            assert invoiced.messages == [MSG_NOTHING_SHIPPED]
            assert (shipment_line.quantity_invoiced, shipment_line.correction) == (0, True)
            assert (line.quantity_shipped, line.quantity_invoiced) == (0, 0)
            assert not SalesInvoiceHeader.objects.filter(order=header).exists()
        assert_reservation_invariants()
        assert_ledger_invariants()
    assert set(winners) == {"undo", "invoice"}, winners  # the head starts decided rounds 2 and 3


def test_r_undo_1_two_undos_of_one_shipment_line_at_the_same_instant_undo_once():
    seed = Seed(stock=False)
    for round_ in range(ROUNDS):
        header, line, shipment_line = shipped_seed_line(seed)
        before = ItemLedgerEntry.objects.count()

        outcomes = run_in_parallel(*[undo_of(shipment_line)] * 3)

        refused = [o for o in outcomes if isinstance(o, ValidationError)]
        undone = [o for o in outcomes if isinstance(o, SalesShipmentLine)]
        assert len(undone) == 1 and len(refused) == 2, (round_, outcomes)
        assert all(
            r.messages == [MSG_UNDO_DONE.format(line=shipment_line.line_no, no=shipment_line.header.no)]
            for r in refused
        ), refused
        assert ItemLedgerEntry.objects.count() == before + 5  # one set of corrections
        assert fresh(line).quantity_shipped == 0
        assert_reservation_invariants()
        assert_ledger_invariants()
