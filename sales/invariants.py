"""The invariants of spec section 14 (I-1..I-5), checked on the whole database by aggregate queries.

`check_invariants()` returns every violation it finds, each naming its rule and the rows involved; the
`check_invariants` management command prints them and exits non-zero when there is one. Each check is
one query whatever the size of the data (sums are taken in correlated subqueries, so no join multiplies
rows), which is what lets an operator run it on a production database.

It lives on the top floor (sales) because I-3 and I-5 join the three apps' tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from assembly.models import AssemblyHeader, AssemblyLine, PostedAssemblyHeader
from inventory.figures import QTY_QUANTUM, QTY_SLACK, ZERO, format_amount, format_quantity
from inventory.models import ItemApplicationEntry, ItemLedgerEntry, ItemRegister, Reservation

from .models import (
    InvoicedShipment,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesLine,
    SalesShipmentLine,
    ShipmentEntryRole,
    ShipmentLineEntry,
)

AMOUNT_SLACK = Decimal("0.005")  # half a cent: amounts summed in SQLite's floating point


@dataclass(frozen=True)
class Violation:
    rule: str  # "I-1" .. "I-5"
    what: str  # the table and row(s), e.g. "item ledger entry 123"
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} {self.what}: {self.detail}"


def differs(field: str, expected, slack: Decimal = QTY_SLACK) -> Q:
    """`field` ≠ `expected`, beyond the error of SQLite's floating-point sums (see `QTY_SLACK`)."""
    return Q(**{f"{field}__gt": expected + slack}) | Q(**{f"{field}__lt": expected - slack})


def exceeds(field: str, limit, slack: Decimal = QTY_SLACK) -> Q:
    """`field` > `limit`, beyond that error."""
    return Q(**{f"{field}__gt": limit + slack})


def q(value) -> str:
    return format_quantity(Decimal(value))


def _sum(queryset: models.QuerySet, group: str, field: str = "quantity") -> Coalesce:
    """Σ `field` of `queryset`'s rows whose `group` is the outer row, as a correlated subquery."""
    total = queryset.filter(**{group: OuterRef("pk")}).values(group).annotate(t=Sum(field)).values("t")
    return Coalesce(Subquery(total), ZERO, output_field=DecimalField(max_digits=30, decimal_places=5))


def _i_1() -> Iterator[Violation]:
    entries = ItemLedgerEntry.objects.filter(quantity__gt=0)
    for pk, quantity, remaining in entries.filter(
        Q(remaining_quantity__lt=0) | Q(remaining_quantity__gt=F("quantity"))
    ).values_list("pk", "quantity", "remaining_quantity"):
        yield Violation(
            "I-1", f"item ledger entry {pk}", f"Remaining {q(remaining)} outside 0..{q(quantity)}"
        )
    for pk, reserved, remaining in (
        entries.annotate(reserved=_sum(Reservation.objects.all(), "item_ledger_entry"))
        .filter(exceeds("reserved", F("remaining_quantity")))
        .values_list("pk", "reserved", "remaining_quantity")
    ):
        yield Violation(
            "I-1", f"item ledger entry {pk}", f"reserved {q(reserved)} > Remaining {q(remaining)}"
        )
    for pk, entry in Reservation.objects.filter(item_ledger_entry__quantity__lt=0).values_list(
        "pk", "item_ledger_entry"
    ):
        yield Violation("I-1", f"reservation {pk}", f"on outbound entry {entry}")


REMAINING = ExpressionWrapper(F("quantity") - F("assembled_quantity"), output_field=DecimalField())


def _i_2() -> Iterator[Violation]:
    orders = AssemblyHeader.objects.annotate(
        remaining=REMAINING,
        reserved=_sum(Reservation.objects.all(), "assembly_order"),
        bound=_sum(Reservation.objects.filter(binding=True), "assembly_order"),
        linked=models.Exists(SalesLine.objects.filter(assembly_order=OuterRef("pk"))),
    )
    for no, reserved, remaining in orders.filter(exceeds("reserved", F("remaining"))).values_list(
        "no", "reserved", "remaining"
    ):
        yield Violation("I-2", f"assembly order {no}", f"reserved {q(reserved)} > Remaining {q(remaining)}")
    for no, bound, remaining in (
        orders.filter(linked=True)
        .filter(differs("bound", F("remaining")))
        .exclude(remaining__lte=0, bound=0)
        .values_list("no", "bound", "remaining")
    ):
        yield Violation("I-2", f"assembly order {no}", f"binding {q(bound)} ≠ Remaining {q(remaining)}")
    for no, bound in orders.filter(linked=False, bound__gt=0).values_list("no", "bound"):
        yield Violation("I-2", f"assembly order {no}", f"stand-alone, but a binding of {q(bound)}")


def _i_3() -> Iterator[Violation]:
    lines = SalesLine.objects.annotate(
        outstanding=ExpressionWrapper(F("quantity") - F("quantity_shipped"), output_field=DecimalField()),
        reserved=_sum(Reservation.objects.all(), "sales_line"),
    )
    caption = ("header__no", "line_no")
    for no, line_no, reserved, outstanding in lines.filter(exceeds("reserved", F("outstanding"))).values_list(
        *caption, "reserved", "outstanding"
    ):
        yield Violation(
            "I-3",
            f"sales order {no} line {line_no}",
            f"reserved {q(reserved)} > Outstanding {q(outstanding)}",
        )
    for no, line_no, qato in lines.filter(
        qty_to_assemble_to_order__gt=0, assembly_order__isnull=True
    ).values_list(*caption, "qty_to_assemble_to_order"):
        yield Violation(
            "I-3",
            f"sales order {no} line {line_no}",
            f"Qty. to Assemble to Order {q(qato)} but no linked order",
        )
    differs = (
        ~Q(assembly_order__quantity=F("qty_to_assemble_to_order"))
        | exceeds("assembly_order__quantity", F("outstanding") + F("assembly_order__assembled_quantity"))
        | ~Q(assembly_order__item=F("item"))
        | ~Q(assembly_order__location=F("location"))
        | ~Q(assembly_order__due_date=F("shipment_date"))
        | (Q(bin__isnull=True) & Q(assembly_order__bin__isnull=False))
        | (Q(bin__isnull=False) & ~Q(assembly_order__bin=F("bin")))
    )
    for no, line_no, order_no in (
        lines.filter(assembly_order__isnull=False).filter(differs).values_list(*caption, "assembly_order__no")
    ):
        yield Violation(
            "I-3",
            f"sales order {no} line {line_no}",
            f"linked order {order_no} does not follow it (Quantity, Remaining, Item, Location, Bin, Due Date)",
        )
    scaled = ExpressionWrapper(F("quantity_per") * F("header__quantity"), output_field=DecimalField())
    for order_no, line_no, quantity, expected in (
        AssemblyLine.objects.annotate(expected=scaled)
        .filter(~Q(quantity=F("expected")))
        .values_list("header__no", "line_no", "quantity", "expected")
    ):
        if Decimal(expected).quantize(QTY_QUANTUM) != quantity:  # the database's product is unrounded
            yield Violation(
                "I-3",
                f"assembly order {order_no} line {line_no}",
                f"Quantity {q(quantity)} ≠ Quantity per × Quantity = {q(expected)}",
            )


def _i_4() -> Iterator[Violation]:
    places = (
        ItemLedgerEntry.objects.values("item__no", "location__code", "bin__code")
        .annotate(total=Sum("quantity"), open=Sum("remaining_quantity"))
        .filter(Q(total__lt=-QTY_SLACK) | differs("total", F("open")))
        .order_by("item__no", "location__code", "bin__code")
    )
    for place in places:
        where = f"{place['item__no']} at {place['location__code']} bin {place['bin__code'] or '(none)'}"
        yield Violation("I-4", where, f"inventory {q(place['total'])}, Σ Remaining {q(place['open'])}")
    applied_out = _sum(ItemApplicationEntry.objects.all(), "outbound_entry")
    applied_in = _sum(ItemApplicationEntry.objects.all(), "inbound_entry")
    for pk, quantity, applied in (
        ItemLedgerEntry.objects.filter(quantity__lt=0)
        .annotate(applied=applied_out)
        .filter(differs("applied", -F("quantity")))
        .values_list("pk", "quantity", "applied")
    ):
        yield Violation("I-4", f"item ledger entry {pk}", f"outbound {q(quantity)}, applied {q(applied)}")
    for pk, quantity, remaining, applied in (
        ItemLedgerEntry.objects.filter(quantity__gt=0)
        .annotate(applied=applied_in)
        .filter(differs("applied", F("quantity") - F("remaining_quantity")))
        .values_list("pk", "quantity", "remaining_quantity", "applied")
    ):
        yield Violation(
            "I-4",
            f"item ledger entry {pk}",
            f"inbound {q(quantity)}, Remaining {q(remaining)}, applied {q(applied)}",
        )


def _i_5() -> Iterator[Violation]:
    """Postings are whole: the documents agree with each other and with the ledger."""
    lines = SalesLine.objects.annotate(
        shipped=_sum(SalesShipmentLine.objects.all(), "order_line"),
        invoiced=_sum(SalesInvoiceLine.objects.all(), "order_line"),
    )
    for no, line_no, shipped, total in lines.filter(differs("quantity_shipped", F("shipped"))).values_list(
        "header__no", "line_no", "quantity_shipped", "shipped"
    ):
        yield Violation(
            "I-5",
            f"sales order {no} line {line_no}",
            f"Quantity Shipped {q(shipped)}, shipment lines {q(total)}",
        )
    for no, line_no, invoiced, total in lines.filter(differs("quantity_invoiced", F("invoiced"))).values_list(
        "header__no", "line_no", "quantity_invoiced", "invoiced"
    ):
        yield Violation(
            "I-5",
            f"sales order {no} line {line_no}",
            f"Quantity Invoiced {q(invoiced)}, invoice lines {q(total)}",
        )
    sold = ShipmentLineEntry.objects.filter(
        role__in=[ShipmentEntryRole.ATO_SALE, ShipmentEntryRole.STOCK_SALE]
    )
    for no, line_no, quantity, invoiced, links, entries in (
        SalesShipmentLine.objects.annotate(
            links=_sum(InvoicedShipment.objects.all(), "shipment_line"),
            sold=_sum(sold, "shipment_line", "entry__quantity"),
        )
        .filter(differs("quantity_invoiced", F("links")) | differs("sold", -F("quantity")))
        .values_list("header__no", "line_no", "quantity", "quantity_invoiced", "links", "sold")
    ):
        yield Violation(
            "I-5",
            f"posted shipment {no} line {line_no}",
            f"Quantity {q(quantity)} (sale entries {q(entries)}), Quantity Invoiced {q(invoiced)} (invoice links {q(links)})",
        )
    for no, amount, total in (
        SalesInvoiceHeader.objects.annotate(
            total=_sum(SalesInvoiceLine.objects.all(), "header", "line_amount")
        )
        .filter(differs("amount", F("total"), AMOUNT_SLACK))
        .values_list("no", "amount", "total")
    ):
        yield Violation(
            "I-5",
            f"posted invoice {no}",
            f"Amount {format_amount(Decimal(amount))}, Σ line amounts {format_amount(Decimal(total))}",
        )
    posted = PostedAssemblyHeader.objects.filter(reversed=False)
    for no, assembled, total in (
        AssemblyHeader.objects.annotate(posted=_sum(posted, "order"))
        .filter(differs("assembled_quantity", F("posted")))
        .values_list("no", "assembled_quantity", "posted")
    ):
        yield Violation(
            "I-5", f"assembly order {no}", f"Assembled Quantity {q(assembled)}, posted assembly {q(total)}"
        )
    yield from _registers()


def _registers() -> Iterator[Violation]:
    """R-AUD-1 with I-5: every entry posted since the first register names one (entries posted before
    R-AUD-1 have none), and every register holds entries (a posting that writes none has none)."""
    first = ItemLedgerEntry.objects.filter(register__isnull=False).order_by("entry_no").values("entry_no")[:1]
    for pk in ItemLedgerEntry.objects.filter(register__isnull=True, entry_no__gt=Subquery(first)).values_list(
        "pk", flat=True
    ):
        yield Violation("I-5", f"item ledger entry {pk}", "posted without an Item Register (R-AUD-1)")
    entries = ItemLedgerEntry.objects.filter(register=OuterRef("pk"))
    for no in ItemRegister.objects.filter(~Exists(entries)).values_list("no", flat=True):
        yield Violation("I-5", f"item register {no}", "holds no item ledger entries (R-AUD-1)")


CHECKS: dict[str, Callable[[], Iterator[Violation]]] = {
    "I-1": _i_1,
    "I-2": _i_2,
    "I-3": _i_3,
    "I-4": _i_4,
    "I-5": _i_5,
}


def check_invariants() -> list[Violation]:
    """Every violation of I-1..I-5 in the database (an empty list when the books are right)."""
    return [violation for check in CHECKS.values() for violation in check()]
