"""Post with BC's choice: Ship, Invoice, or Ship and Invoice (spec section 11: R-POST-1, R-INVC-1).

`post_sales_order` is the one entry point of the order card's Post. It runs in one operation under the
one lock order (the order, its lines, their linked assembly orders, the items, as `shipping` locks them):

- Ship posts the shipment (`shipping`), and only that.
- Invoice posts a Posted Sales Invoice for each line's Qty. to Invoice, never more than it has shipped
  and not yet invoiced; each invoiced unit is drawn from the line's posted shipment lines, oldest first
  (`InvoicedShipment`, BC's Value Entry Relation), which is what later refuses their Undo Shipment.
- Ship and Invoice does both, in that order: a line may invoice what this posting ships (Qty. to Invoice
  ≤ Qty. to Ship + Shipped − Invoiced, as the user set it before posting).

When every line is fully shipped and invoiced the order becomes Completed and read-only, and so do its
linked assembly orders, kept as history (X-7; BC deletes them). Invoicing writes no item ledger entries:
the stock left with the shipment. Anything that refuses rolls the whole posting back (I-5); a posting
confirmed for a state the order has since left is refused (R-POST-5).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from assembly.models import AssemblyHeader, AssemblyStatus
from inventory.audit import acting_user_id
from inventory.figures import ZERO, check_amount_fits, format_amount, format_quantity, round_amount
from inventory.locks import operation
from inventory.numbering import next_no
from inventory.services.posting import preview_item_entries

from ..models import (
    InvoicedShipment,
    SalesHeader,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesLine,
    SalesShipmentHeader,
    SalesShipmentLine,
    SalesStatus,
)
from .lines import MSG_ORDER_COMPLETED
from .locks import lock_order
from .shipping import (
    MSG_CHANGED,
    MSG_NOTHING_TO_POST,
    PREVIEW_NO,
    ShipmentPlan,
    draw_number,
    lock_for_posting,
    plan_shipment,
    write_shipment,
)

MSG_INVOICE_LINE = "Invoice {qty} {item} at {price}: {amount}"
MSG_NOTHING_SHIPPED = "There is nothing to invoice: no line has a shipped quantity that is not yet invoiced."


class PostChoice(models.TextChoices):
    """BC's question when posting a sales order."""

    SHIP = "ship", "Ship"
    INVOICE = "invoice", "Invoice"
    SHIP_AND_INVOICE = "ship_invoice", "Ship and Invoice"

    @property
    def ships(self) -> bool:
        return self in (PostChoice.SHIP, PostChoice.SHIP_AND_INVOICE)

    @property
    def invoices(self) -> bool:
        return self in (PostChoice.INVOICE, PostChoice.SHIP_AND_INVOICE)


@dataclass(frozen=True)
class InvoiceLinePlan:
    line: SalesLine
    quantity: Decimal

    @property
    def amount(self) -> Decimal:
        return round_amount(self.quantity * self.line.unit_price)

    @property
    def summary(self) -> str:
        """ "Invoice 10 KIT at 100.00: 1,000.00" (what the confirmation says)."""
        return MSG_INVOICE_LINE.format(
            qty=format_quantity(self.quantity),
            item=self.line.item.no,
            price=format_amount(self.line.unit_price),
            amount=format_amount(self.amount),
        )


@dataclass(frozen=True)
class InvoicePlan:
    header: SalesHeader
    lines: list[InvoiceLinePlan]

    @property
    def amount(self) -> Decimal:
        return sum((p.amount for p in self.lines), ZERO)

    @property
    def fingerprint(self) -> str:
        """What the user confirmed: each line's quantity to invoice and what it had invoiced then."""
        return ";".join(
            f"{p.quantity.normalize():f}:{p.line.quantity_invoiced.normalize():f}@{p.line.pk}"
            for p in self.lines
        )


@dataclass(frozen=True)
class PostingPlan:
    """What one Post writes: a shipment, an invoice, or both."""

    choice: PostChoice
    shipment: ShipmentPlan | None
    invoice: InvoicePlan | None

    @property
    def fingerprint(self) -> str:
        return f"{self.choice}|{self.shipment.fingerprint if self.shipment else ''}|" + (
            self.invoice.fingerprint if self.invoice else ""
        )

    @property
    def summary(self) -> list[str]:
        ship = [p.summary for p in self.shipment.lines] if self.shipment else []
        invoice = [p.summary for p in self.invoice.lines] if self.invoice else []
        if self.invoice and len(self.invoice.lines) > 1:
            invoice.append(f"Total: {format_amount(self.invoice.amount)}")
        return ship + invoice


@dataclass(frozen=True)
class Posted:
    """What one Post wrote."""

    shipment: SalesShipmentHeader | None
    invoice: SalesInvoiceHeader | None
    completed: bool


# --- plan ----------------------------------------------------------------------------------------


def plan_invoice(header: SalesHeader, lines: list[SalesLine], *, with_shipment: bool) -> InvoicePlan | None:
    """R-INVC-1: each line's Qty. to Invoice, at most what it has shipped and not invoiced (plus its Qty.
    to Ship when this posting ships too). None when no line has anything to invoice."""
    plans = []
    for line in sorted(lines, key=lambda line: line.line_no):
        high = line.max_qty_to_invoice if with_shipment else line.qty_shipped_not_invoiced
        quantity = min(line.qty_to_invoice, high)
        if quantity > 0:
            plans.append(InvoiceLinePlan(line=line, quantity=quantity))
    return InvoicePlan(header=header, lines=plans) if plans else None


def _plan(
    header: SalesHeader, choice: PostChoice, *, numbers
) -> tuple[SalesHeader, list[SalesLine], PostingPlan]:
    """Lock and plan; the caller holds the operation. An Open order is released first when it ships."""
    from .orders import release_sales_order  # orders stand on lines, which this module stands on

    header = lock_order(header)
    if header.is_completed:
        raise ValidationError(MSG_ORDER_COMPLETED.format(no=header.no))
    if choice.ships and header.is_open:
        release_sales_order(header=header, confirm_shortage=True)  # a shortage refuses below, whole
    header, lines, components = lock_for_posting(header)
    shipment = None
    if choice == PostChoice.SHIP or (choice.ships and any(line.qty_to_ship > 0 for line in lines)):
        shipment = plan_shipment(header, lines, components, numbers=numbers)
    invoice = plan_invoice(header, lines, with_shipment=choice.ships) if choice.invoices else None
    if shipment is None and invoice is None:
        raise ValidationError(MSG_NOTHING_SHIPPED if choice == PostChoice.INVOICE else MSG_NOTHING_TO_POST)
    return header, lines, PostingPlan(choice=choice, shipment=shipment, invoice=invoice)


@operation()
def posting_summary(*, header: SalesHeader, choice: PostChoice) -> tuple[list[str], str]:
    """What Post with `choice` would write, line by line, and the fingerprint that confirms it.

    Writes nothing: the shipment part goes through the engine's preview (which refuses a shortage as
    Post would), and the release an Open order gets first is rolled back with the rest.
    """
    try:
        _, _, plan = _plan(header, PostChoice(choice), numbers=lambda series: PREVIEW_NO)
        if plan.shipment:
            preview_item_entries(plan.shipment.entries)
    finally:
        transaction.set_rollback(True)
    return plan.summary, plan.fingerprint


# --- write ---------------------------------------------------------------------------------------


@operation()
def post_sales_order(*, header: SalesHeader, choice: PostChoice, expect: str | None = None) -> Posted:
    """R-POST-1, R-INVC-1: Post the order with BC's choice, all or nothing.

    `expect` is the fingerprint of the plan the user confirmed (`posting_summary`): when the order would
    now post something else, nothing is posted (R-POST-5).
    """
    header, lines, plan = _plan(header, PostChoice(choice), numbers=draw_number)
    if expect is not None and plan.fingerprint != expect:
        raise ValidationError(MSG_CHANGED.format(no=header.no))
    shipment = write_shipment(plan.shipment) if plan.shipment else None
    invoice = _write_invoice(plan.invoice) if plan.invoice else None
    return Posted(shipment=shipment, invoice=invoice, completed=complete_if_done(header, lines))


def _write_invoice(plan: InvoicePlan) -> SalesInvoiceHeader:
    header = plan.header
    amount = plan.amount
    check_amount_fits(amount, what=f"The amount of invoice for sales order {header.no}")
    invoice = SalesInvoiceHeader.objects.create(
        no=next_no("SALES-INVOICE", used_by=SalesInvoiceHeader),
        order=header,
        order_no=header.no,
        customer=header.customer,
        customer_name=header.customer.name,
        order_date=header.order_date,
        posting_date=header.posting_date,
        shipment_date=header.shipment_date,
        location=header.location,
        amount=amount,
        posted_by_id=acting_user_id(),  # R-AUD-1
    )
    rows = SalesInvoiceLine.objects.bulk_create(
        SalesInvoiceLine(
            header=invoice,
            line_no=p.line.line_no,
            order_line=p.line,
            item=p.line.item,
            description=p.line.description,
            location=p.line.location,
            quantity=p.quantity,
            unit_price=p.line.unit_price,
            line_amount=p.amount,
        )
        for p in plan.lines
    )
    _draw_on_shipments(plan, rows)
    lines = [p.line for p in plan.lines]
    for p in plan.lines:
        p.line.quantity_invoiced += p.quantity
        p.line.init_qty_to_invoice()
    SalesLine.objects.bulk_update(lines, ["quantity_invoiced", "qty_to_invoice"])
    return invoice


def _draw_on_shipments(plan: InvoicePlan, rows: list[SalesInvoiceLine]) -> None:
    """Each invoiced unit comes from a posted shipment line not yet invoiced, oldest first (two queries
    and one insert, whatever the lines)."""
    open_lines: dict[int, list[SalesShipmentLine]] = defaultdict(list)
    for shipment_line in SalesShipmentLine.objects.filter(
        order_line__in=[p.line for p in plan.lines]
    ).not_invoiced():
        open_lines[shipment_line.order_line_id].append(shipment_line)
    links, touched = [], []
    for p, row in zip(plan.lines, rows, strict=True):
        left = p.quantity
        for shipment_line in open_lines[p.line.pk]:
            if left <= 0:
                break
            take = min(left, shipment_line.qty_shipped_not_invoiced)
            if take > 0:
                shipment_line.quantity_invoiced += take
                left -= take
                links.append(InvoicedShipment(invoice_line=row, shipment_line=shipment_line, quantity=take))
                touched.append(shipment_line)
        if left > 0:  # the line's Quantity Shipped is the sum of its shipment lines (R-POST-4)
            raise AssertionError(f"line {p.line.pk}: {left} invoiced beyond its posted shipment lines")
    SalesShipmentLine.objects.bulk_update(touched, ["quantity_invoiced"])
    InvoicedShipment.objects.bulk_create(links)


def complete_if_done(header: SalesHeader, lines: list[SalesLine]) -> bool:
    """R-INVC-1, X-7: an order whose every line is fully shipped and invoiced becomes Completed, and so
    do its linked assembly orders (kept as history). `lines` are all its lines, locked and as posted;
    the caller holds the locks of the order and of its linked orders (`lock_for_posting`)."""
    if not lines or not all(line.is_fully_invoiced for line in lines):
        return False
    header.status = SalesStatus.COMPLETED
    header.save(update_fields=["status"])
    AssemblyHeader.objects.filter(pk__in=[line.assembly_order_id for line in lines]).update(
        status=AssemblyStatus.COMPLETED
    )
    return True
