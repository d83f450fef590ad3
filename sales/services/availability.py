"""The Sales Line Details FactBox (spec 8), "Use available inventory" (X-1) and projected availability (X-4).

Every figure is an aggregate over what is open (open entries through the `ile_open` partial index,
current reservations, open assembly orders and lines, outstanding sales lines), so an item's long closed
history costs nothing; the number of queries is fixed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine
from assembly.services import OrderAvailability, order_availability
from inventory.figures import ZERO, format_quantity
from inventory.locks import operation
from inventory.models import ItemLedgerEntry, Reservation

from ..models import SalesLine
from .lines import save_sales_line
from .reservations import _locked_line, _take, entry_supplies, reserved_from_stock

MSG_NOTHING_TO_USE = "There is no inventory available to use for this line."
MSG_USE_AVAILABLE_DONE = "{qty} taken from inventory: Qty. to Assemble to Order is now {qato}."


@dataclass(frozen=True)
class LineDetails:
    """Every figure of the FactBox for one line, with BC's meaning (spec 8)."""

    line: SalesLine
    availability_date: datetime.date
    outstanding: Decimal
    reserved_quantity: Decimal
    reserved_on_entries: Decimal
    inventory: Decimal
    reserved_inventory: Decimal
    scheduled_receipt: Decimal
    reserved_receipt: Decimal
    gross_requirement: Decimal
    reserved_requirement: Decimal
    assembly: OrderAvailability | None  # the linked order's components (R-ASM-4), for lines with an ATO part

    @property
    def able_to_assemble(self) -> Decimal | None:
        return self.assembly.able_to_assemble if self.assembly else None

    @property
    def assembly_warning(self) -> str:
        """BC's component availability warning for the line's ATO part (blank when nothing is short)."""
        return self.assembly.warning if self.assembly else ""

    @property
    def required_quantity(self) -> Decimal:
        return max(self.outstanding - self.reserved_quantity, ZERO)

    @property
    def unreserved_quantity(self) -> Decimal:
        return self.required_quantity

    @property
    def available_inventory(self) -> Decimal:
        return self.inventory - self.reserved_inventory

    @property
    def item_availability(self) -> Decimal:
        return (
            self.available_inventory
            + (self.scheduled_receipt - self.reserved_receipt)
            - (self.gross_requirement - self.reserved_requirement)
        )

    @property
    def reserved_from_stock(self) -> str:
        return reserved_from_stock(self.line, self.reserved_on_entries)

    @property
    def linked_remaining(self) -> Decimal:
        order = self.line.assembly_order
        return order.quantity - order.assembled_quantity if order else ZERO

    @property
    def use_available_quantity(self) -> Decimal:
        """X-1: q = min(linked order Remaining, Available Inventory − Unreserved, Item Availability),
        offered for lines with an ATO part on an Open order whose Reserve is not Never."""
        line = self.line
        if not line.header.is_open or line.reserves_never or line.qty_to_assemble_to_order <= 0:
            return ZERO
        q = min(
            self.linked_remaining,
            self.available_inventory - self.unreserved_quantity,
            self.item_availability,
        )
        return max(q, ZERO)


def availability_date(line: SalesLine) -> datetime.date:
    return line.shipment_date or timezone.localdate()


@dataclass(frozen=True)
class Timeline:
    """Receipts and demand of the item at the location by their dates."""

    today: datetime.date
    inventory: Decimal
    receipts: dict[datetime.date, Decimal]
    sales_demand: dict[datetime.date, Decimal]
    component_demand: dict[datetime.date, Decimal]

    @staticmethod
    def _upto(by_date: dict[datetime.date, Decimal], date: datetime.date) -> Decimal:
        return sum((qty for day, qty in by_date.items() if day <= date), ZERO)

    def receipts_upto(self, date: datetime.date) -> Decimal:
        return self._upto(self.receipts, date)

    def demand_upto(self, date: datetime.date) -> Decimal:
        return self._upto(self.sales_demand, date) + self._upto(self.component_demand, date)


def _grouped(queryset, date_field: str, quantity) -> dict[datetime.date, Decimal]:
    return dict(queryset.values(date_field).annotate(q=Sum(quantity)).values_list(date_field, "q"))


# --- the read rules: every figure and its drill-down come from these (X-3) ---------------------


def inventory_entries(line: SalesLine):
    """Open entries of the line's item at its location: Available Inventory's supply."""
    return ItemLedgerEntry.objects.open().filter(item_id=line.item_id, location_id=line.location_id)


def scheduled_receipts(line: SalesLine, upto: datetime.date):
    return AssemblyHeader.objects.receipts(item_id=line.item_id, location_id=line.location_id, upto=upto)


def sales_demand(line: SalesLine, upto: datetime.date):
    return SalesLine.objects.open_demand(item_id=line.item_id, location_id=line.location_id, upto=upto)


def component_demand(line: SalesLine, upto: datetime.date):
    return AssemblyLine.objects.open_demand(item_id=line.item_id, location_id=line.location_id, upto=upto)


def item_reservations(line: SalesLine):
    return Reservation.objects.filter(item_id=line.item_id, location_id=line.location_id)


def drilldown_rows(line: SalesLine, figure: str) -> dict[str, object]:
    """X-3: the rows a FactBox figure sums, by kind (querysets, not yet evaluated)."""
    date = availability_date(line)
    if figure == "available-inventory":
        return {
            "entries": inventory_entries(line)
            .with_reserved_quantity()
            .select_related("bin")
            .order_by("entry_no")
        }
    if figure == "scheduled-receipt":
        orders = scheduled_receipts(line, date).select_related("sales_line__header")
        return {"orders": orders.order_by("due_date", "pk")}
    if figure == "gross-requirement":
        return {
            "sales_lines": sales_demand(line, date)
            .select_related("header__customer")
            .order_by("shipment_date", "pk"),
            "component_lines": component_demand(line, date)
            .select_related("header")
            .order_by("due_date", "pk"),
        }
    reservations = item_reservations(line).select_related(
        "sales_line__header", "item_ledger_entry", "assembly_order"
    )
    if figure == "reserved-receipt":
        reservations = reservations.filter(assembly_order__in=scheduled_receipts(line, date))
    elif figure == "reserved-requirement":
        reservations = reservations.filter(sales_line__in=sales_demand(line, date))
    else:  # reserved-quantity
        reservations = reservations.filter(sales_line=line)
    return {"reservations": reservations.order_by("pk")}


def timeline(line: SalesLine, *, end: datetime.date) -> Timeline:
    """Inventory now, and open receipts and demand up to `end`, in four aggregate queries."""
    inventory = inventory_entries(line).aggregate(t=Coalesce(Sum("remaining_quantity"), ZERO))["t"]
    return Timeline(
        today=timezone.localdate(),
        inventory=inventory,
        receipts=_grouped(scheduled_receipts(line, end), "due_date", F("quantity") - F("assembled_quantity")),
        sales_demand=_grouped(
            sales_demand(line, end), "shipment_date", F("quantity") - F("quantity_shipped")
        ),
        component_demand=_grouped(
            component_demand(line, end), "due_date", F("quantity") - F("consumed_quantity")
        ),
    )


def line_details(
    line: SalesLine, *, timeline_: Timeline | None = None, assembly: OrderAvailability | None = None
) -> LineDetails:
    """The FactBox figures for the line's item and location up to its availability date."""
    date = availability_date(line)
    timeline_ = timeline_ or timeline(line, end=date)
    reservations = item_reservations(line).aggregate(
        on_entries=Coalesce(Sum("quantity", filter=Q(item_ledger_entry__isnull=False)), ZERO),
        receipt=Coalesce(Sum("quantity", filter=Q(assembly_order__in=scheduled_receipts(line, date))), ZERO),
        requirement=Coalesce(Sum("quantity", filter=Q(sales_line__in=sales_demand(line, date))), ZERO),
        line_total=Coalesce(Sum("quantity", filter=Q(sales_line=line)), ZERO),
        line_on_entries=Coalesce(
            Sum("quantity", filter=Q(sales_line=line, item_ledger_entry__isnull=False)), ZERO
        ),
    )
    if assembly is None and line.assembly_order_id:
        assembly = order_availability(line.assembly_order)
    return LineDetails(
        line=line,
        availability_date=date,
        outstanding=line.outstanding_quantity,
        reserved_quantity=reservations["line_total"],
        reserved_on_entries=reservations["line_on_entries"],
        inventory=timeline_.inventory,
        reserved_inventory=reservations["on_entries"],
        scheduled_receipt=timeline_.receipts_upto(date),
        reserved_receipt=reservations["receipt"],
        gross_requirement=timeline_.demand_upto(date),
        reserved_requirement=reservations["requirement"],
        assembly=assembly,
    )


# --- X-1 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UseAvailableResult:
    line: SalesLine
    quantity: Decimal
    messages: list[str] = field(default_factory=list)


@operation()
def use_available_inventory(*, line: SalesLine, confirm_reopen: bool = False) -> UseAvailableResult:
    """X-1: in one transaction, lower Qty. to Assemble to Order by q (never below Assembled Quantity; 0
    deletes the linked order), reserve q from the item ledger entries, and re-sync the assembly order."""
    line = _locked_line(line)
    details = line_details(line)
    assembled = line.assembly_order.assembled_quantity if line.assembly_order else ZERO
    q = min(details.use_available_quantity, line.qty_to_assemble_to_order - assembled)
    if q <= 0:
        raise ValidationError(MSG_NOTHING_TO_USE)
    new_qato = line.qty_to_assemble_to_order - q
    on_entries = Reservation.objects.filter(sales_line=line).on_entries()
    before = on_entries.total()
    result = save_sales_line(
        header=line.header,
        line=line,
        values={"qty_to_assemble_to_order": new_qato},
        confirm_reopen=confirm_reopen,
    )
    line = result.line
    # A Reserve = Always line has reserved (some of) the freed units already (R-RES-6): take the rest.
    still = q - (on_entries.total() - before)
    taken = _take(line, entry_supplies(line), still) if still > 0 else ZERO
    if taken < still:  # cannot happen under the locks held; refuse rather than leave a half-done change
        raise ValidationError(MSG_NOTHING_TO_USE)
    message = MSG_USE_AVAILABLE_DONE.format(qty=format_quantity(q), qato=format_quantity(new_qato))
    return UseAvailableResult(line=line, quantity=q, messages=[*result.messages, message])


# --- X-4 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectionPoint:
    date: datetime.date
    receipts: Decimal
    demand: Decimal
    projected: Decimal


def projected_availability(
    line: SalesLine, *, horizon_days: int = 42, timeline_: Timeline | None = None
) -> list[ProjectionPoint]:
    """X-4: projected inventory of the item at the location by date: inventory now, plus assembly
    receipts, minus sales and component demand, from today to the horizon."""
    today = timezone.localdate()
    end = projection_end(line, horizon_days=horizon_days)
    timeline_ = timeline_ or timeline(line, end=end)
    receipts: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    demand: dict[datetime.date, Decimal] = defaultdict(lambda: ZERO)
    for day, qty in timeline_.receipts.items():
        receipts[max(day, today)] += qty  # overdue receipts are expected today
    for by_date in (timeline_.sales_demand, timeline_.component_demand):
        for day, qty in by_date.items():
            demand[max(day, today)] += qty
    points = []
    running = timeline_.inventory
    for day in sorted({today, max(availability_date(line), today), end, *receipts, *demand}):
        if day > end:
            continue
        running += receipts[day] - demand[day]
        points.append(
            ProjectionPoint(date=day, receipts=receipts[day], demand=demand[day], projected=running)
        )
    return points


def projection_end(line: SalesLine, *, horizon_days: int = 42) -> datetime.date:
    return max(timezone.localdate() + datetime.timedelta(days=horizon_days), availability_date(line))


@dataclass(frozen=True)
class FactBox:
    details: LineDetails
    projection: list[ProjectionPoint]


def factbox(line: SalesLine, *, assembly: OrderAvailability | None = None) -> FactBox:
    """Everything the Sales Line Details FactBox shows, sharing one timeline between figures and chart."""
    shared = timeline(line, end=projection_end(line))
    return FactBox(
        details=line_details(line, timeline_=shared, assembly=assembly),
        projection=projected_availability(line, timeline_=shared),
    )
