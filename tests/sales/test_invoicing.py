"""Post with Ship / Invoice / Ship and Invoice, Posted Sales Invoices, Completed orders (spec 11:
R-INVC-1, R-POST-1, R-POST-5; spec 13: X-7)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader, AssemblyStatus
from sales.models import InvoicedShipment, SalesInvoiceHeader, SalesLine, SalesShipmentLine, SalesStatus
from sales.services.invoicing import (
    MSG_NOTHING_SHIPPED,
    PostChoice,
    post_sales_order,
    posting_summary,
)
from sales.services.lines import MSG_ORDER_COMPLETED, MSG_QTY_TO_INVOICE_RANGE, save_sales_line
from sales.services.orders import release_sales_order, reopen_sales_order
from sales.services.shipping import MSG_CHANGED, post_shipment
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh
from tests.sales.test_shipping import seed_steps_1_to_5, world

pytestmark = pytest.mark.django_db
D = Decimal


def invoicing_world() -> tuple:
    """What a refused invoice must leave as it was, besides the shipping world."""
    return (
        world(),
        list(SalesInvoiceHeader.objects.values_list("pk")),
        list(InvoicedShipment.objects.values_list("pk", "quantity")),
        list(SalesShipmentLine.objects.order_by("pk").values_list("pk", "quantity_invoiced", "correction")),
        list(SalesLine.objects.order_by("pk").values_list("pk", "quantity_invoiced", "qty_to_invoice")),
        list(AssemblyHeader.objects.order_by("pk").values_list("pk", "status")),
    )


def test_qty_to_invoice_defaults_to_qty_to_ship_plus_shipped_not_invoiced(seed):
    """R-INVC-1: the default is the maximum, and follows Qty. to Ship (BC's InitQtyToInvoice)."""
    header = seed.order()
    line = seed.line(header, quantity=10)
    assert line.qty_to_invoice == 10
    line = edit(line, qty_to_ship=D(4))
    assert line.qty_to_invoice == 4
    release_sales_order(header=header)
    post_shipment(header=header)
    line = fresh(line)
    assert (line.quantity_shipped, line.qty_to_ship, line.qty_to_invoice) == (4, 6, 10)


def test_qty_to_invoice_is_editable_when_released_within_its_maximum(seed):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    line = edit(line, qty_to_invoice=D(6))
    assert line.qty_to_invoice == 6
    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        save_sales_line(header=header, line=fresh(line), values={"qty_to_invoice": D(11)})
    assert refused.value.message_dict["qty_to_invoice"] == [MSG_QTY_TO_INVOICE_RANGE.format(high="10")]
    assert invoicing_world() == before


def test_invoice_after_partial_shipment_invoices_only_the_shipped_quantity(seed):
    """R-INVC-1: Invoice alone never invoices beyond Quantity Shipped − Quantity Invoiced."""
    header = seed.order()
    line = seed.line(header, quantity=10)
    line = edit(line, qty_to_ship=D(4))
    release_sales_order(header=header)
    post_sales_order(header=header, choice=PostChoice.SHIP)
    assert fresh(line).qty_to_invoice == 10  # Qty. to Ship 6 + shipped 4 not invoiced

    summary, _ = posting_summary(header=header, choice=PostChoice.INVOICE)
    assert summary == ["Invoice 4 KIT at 500.00: 2,000.00"]
    posted = post_sales_order(header=header, choice=PostChoice.INVOICE)

    assert posted.shipment is None
    invoice = posted.invoice
    [invoice_line] = invoice.lines.all()
    assert (invoice_line.quantity, invoice_line.unit_price, invoice_line.line_amount) == (
        4,
        D("500.00"),
        D("2000.00"),
    )
    assert invoice.amount == D("2000.00") and invoice.no.startswith("SIN-")
    assert (invoice.customer_id, invoice.order_no) == (header.customer_id, header.no)
    line = fresh(line)
    assert (line.quantity_shipped, line.quantity_invoiced, line.qty_to_invoice) == (4, 4, 6)
    [shipment_line] = SalesShipmentLine.objects.filter(order_line=line)
    assert shipment_line.quantity_invoiced == 4
    assert list(invoice_line.shipments.values_list("shipment_line", "quantity")) == [(shipment_line.pk, 4)]
    assert fresh(line).header.status == SalesStatus.RELEASED  # 6 still to ship

    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        post_sales_order(header=header, choice=PostChoice.INVOICE)  # nothing shipped is left uninvoiced
    assert refused.value.messages == [MSG_NOTHING_SHIPPED]
    assert invoicing_world() == before


def test_ship_and_invoice_in_one_posting_completes_the_order_and_keeps_its_assembly_order(seed):
    """R-INVC-1, X-7: the seed order (steps 1-5), Post with Ship and Invoice: one shipment, one invoice,
    the order Completed and read-only, its linked assembly order Completed and kept."""
    header, line = seed_steps_1_to_5(seed)
    summary, fingerprint = posting_summary(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    assert summary == [
        "Ship 10 KIT: 7 assembled to order, 3 from stock",
        "Invoice 10 KIT at 500.00: 5,000.00",
    ]
    posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE, expect=fingerprint)

    assert posted.shipment is not None and posted.invoice is not None and posted.completed
    assert posted.invoice.amount == D("5000.00")
    header.refresh_from_db()
    assert header.status == SalesStatus.COMPLETED
    line = fresh(line)
    assert (line.quantity_shipped, line.quantity_invoiced, line.qty_to_ship, line.qty_to_invoice) == (
        10,
        10,
        0,
        0,
    )
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)  # kept, not deleted
    assert order.status == AssemblyStatus.COMPLETED
    assert order.postings.count() == 1
    assert_reservation_invariants()

    before = invoicing_world()
    refusals = [
        lambda: post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE),
        lambda: post_sales_order(header=header, choice=PostChoice.INVOICE),
        lambda: reopen_sales_order(header=header),
        lambda: release_sales_order(header=header),
        lambda: save_sales_line(header=header, line=fresh(line), values={"unit_price": D(1)}),
        lambda: save_sales_line(header=header, line=fresh(line), values={"qty_to_invoice": D(1)}),
    ]
    for refuse in refusals:
        with pytest.raises(ValidationError) as refused:
            refuse()
        assert MSG_ORDER_COMPLETED.format(no=header.no) in str(refused.value) or "Completed" in str(
            refused.value
        )
        assert invoicing_world() == before


def test_ship_and_invoice_may_invoice_less_than_it_ships(seed):
    header = seed.order()
    line = seed.line(header, quantity=3, qty_to_assemble_to_order=D(0))
    line = edit(line, qty_to_invoice=D(1))
    posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    assert posted.invoice.lines.get().quantity == 1 and not posted.completed
    line = fresh(line)
    assert (line.quantity_shipped, line.quantity_invoiced, line.qty_to_invoice) == (3, 1, 2)
    posted = post_sales_order(header=header, choice=PostChoice.INVOICE)
    assert posted.invoice.lines.get().quantity == 2 and posted.completed


def test_invoice_draws_on_shipment_lines_oldest_first(seed):
    header = seed.order()
    line = seed.line(header, quantity=3, qty_to_assemble_to_order=D(0))
    line = edit(line, qty_to_ship=D(2))
    post_sales_order(header=header, choice=PostChoice.SHIP)
    edit(line, qty_to_ship=D(1))
    post_sales_order(header=header, choice=PostChoice.SHIP)
    shipped = list(SalesShipmentLine.objects.filter(order_line=line).order_by("pk"))
    assert [s.quantity for s in shipped] == [2, 1]
    save_sales_line(header=header, line=fresh(line), values={"qty_to_invoice": D(3)})
    invoice = post_sales_order(header=header, choice=PostChoice.INVOICE).invoice
    assert list(invoice.lines.get().shipments.values_list("shipment_line", "quantity")) == [
        (shipped[0].pk, 2),
        (shipped[1].pk, 1),
    ]


def test_a_confirmed_posting_is_refused_when_the_order_changed_since(seed):
    """R-POST-5: the fingerprint covers what will be invoiced, too."""
    header = seed.order()
    line = seed.line(header, quantity=3, qty_to_assemble_to_order=D(0))
    _, fingerprint = posting_summary(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    release_sales_order(header=header)
    edit(line, qty_to_invoice=D(1))
    before = invoicing_world()
    with pytest.raises(ValidationError) as refused:
        post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE, expect=fingerprint)
    assert refused.value.messages == [MSG_CHANGED.format(no=header.no)]
    assert invoicing_world() == before


def test_posting_summary_writes_nothing(seed):
    header = seed.order()
    seed.line(header, quantity=10)
    before = invoicing_world()
    posting_summary(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    assert invoicing_world() == before
    assert fresh(header.lines.get()).header.status == SalesStatus.OPEN
