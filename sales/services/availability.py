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
from django.db import transaction
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus
from assembly.services import order_availability
from inventory.models import ZERO, Item, ItemLedgerEntry, Reservation

from ..models import SalesLine, SalesStatus
from .lines import save_sales_line
from .reservations import _locked_line, _take, entry_supplies, reserved_from_stock

OPEN_SALES_STATUSES = (SalesStatus.OPEN, SalesStatus.RELEASED)
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
    able_to_assemble: Decimal | None

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
        if (
            line.header.status != SalesStatus.OPEN
            or line.reserve == Item.Reserve.NEVER
            or line.qty_to_assemble_to_order <= 0
        ):
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


def timeline(line: SalesLine, *, end: datetime.date) -> Timeline:
    """Inventory now, and open receipts and demand up to `end`, in four aggregate queries."""
    key = {"item_id": line.item_id, "location_id": line.location_id}
    inventory = (
        ItemLedgerEntry.objects.open()
        .filter(**key)
        .aggregate(t=Coalesce(Sum("remaining_quantity"), ZERO))["t"]
    )
    receipts = _grouped(
        AssemblyHeader.objects.open().filter(**key, due_date__lte=end),
        "due_date",
        F("quantity") - F("assembled_quantity"),
    )
    sales = _grouped(
        SalesLine.objects.filter(
            **key, shipment_date__lte=end, header__status__in=OPEN_SALES_STATUSES
        ).filter(quantity__gt=F("quantity_shipped")),
        "shipment_date",
        F("quantity") - F("quantity_shipped"),
    )
    components = _grouped(
        AssemblyLine.objects.filter(**key, due_date__lte=end, quantity__gt=F("consumed_quantity")).exclude(
            header__status=AssemblyStatus.COMPLETED
        ),
        "due_date",
        F("quantity") - F("consumed_quantity"),
    )
    return Timeline(
        today=timezone.localdate(),
        inventory=inventory,
        receipts=receipts,
        sales_demand=sales,
        component_demand=components,
    )


def line_details(line: SalesLine, *, timeline_: Timeline | None = None) -> LineDetails:
    """The FactBox figures for the line's item and location up to its availability date."""
    date = availability_date(line)
    timeline_ = timeline_ or timeline(line, end=date)
    open_order = Q(assembly_order__due_date__lte=date) & ~Q(assembly_order__status=AssemblyStatus.COMPLETED)
    open_demand = Q(sales_line__shipment_date__lte=date, sales_line__header__status__in=OPEN_SALES_STATUSES)
    reservations = Reservation.objects.filter(item_id=line.item_id, location_id=line.location_id).aggregate(
        on_entries=Coalesce(Sum("quantity", filter=Q(item_ledger_entry__isnull=False)), ZERO),
        receipt=Coalesce(Sum("quantity", filter=open_order), ZERO),
        requirement=Coalesce(Sum("quantity", filter=open_demand), ZERO),
        line_total=Coalesce(Sum("quantity", filter=Q(sales_line=line)), ZERO),
        line_on_entries=Coalesce(
            Sum("quantity", filter=Q(sales_line=line, item_ledger_entry__isnull=False)), ZERO
        ),
    )
    able = None
    if line.assembly_order_id:
        able = order_availability(line.assembly_order).able_to_assemble
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
        able_to_assemble=able,
    )


# --- X-1 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UseAvailableResult:
    line: SalesLine
    quantity: Decimal
    messages: list[str] = field(default_factory=list)


@transaction.atomic
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
    result = save_sales_line(
        header=line.header,
        line=line,
        values={"qty_to_assemble_to_order": new_qato},
        confirm_reopen=confirm_reopen,
    )
    line = result.line
    taken = _take(line, entry_supplies(line), q)
    if taken < q:  # cannot happen under the locks held; refuse rather than leave a half-done change
        raise ValidationError(MSG_NOTHING_TO_USE)
    message = MSG_USE_AVAILABLE_DONE.format(qty=f"{q.normalize():f}", qato=f"{new_qato.normalize():f}")
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


def factbox(line: SalesLine) -> FactBox:
    """Everything the Sales Line Details FactBox shows, sharing one timeline between figures and chart."""
    shared = timeline(line, end=projection_end(line))
    return FactBox(
        details=line_details(line, timeline_=shared),
        projection=projected_availability(line, timeline_=shared),
    )
