"""The Sales Line Details FactBox (spec 8), the Reservation page's figures (spec 9), "Use available
inventory" (X-1) and projected availability (X-4).

Every figure is an aggregate over what is open (open entries through the `ile_open` partial index,
current reservations, open assembly orders and lines, outstanding sales lines), so an item's long closed
history costs nothing. All of them come from one statement (`FIGURES`): the read rules below, each a
QuerySet that the drill-downs (X-3) list row by row, summed side by side in a UNION ALL that is compiled
once (`inventory.prepared`) and then only run with the line's item, location and dates.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Sum, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from assembly.models import COMPONENT_REMAINING, REMAINING, AssemblyHeader, AssemblyLine
from assembly.services import OrderAvailability, order_availability
from inventory.figures import ZERO, format_quantity
from inventory.locks import operation
from inventory.models import ItemLedgerEntry, Reservation
from inventory.prepared import Param, PreparedQuery

from ..models import OUTSTANDING, SalesLine
from .lines import MSG_ORDER_COMPLETED, save_sales_line
from .reservations import (
    MSG_FULLY_RESERVED,
    MSG_NOTHING_AVAILABLE,
    MSG_NOTHING_TO_CANCEL,
    SupplyType,
    _locked_line,
    _take,
    entry_supplies,
    reserved_from_stock,
)

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


# --- the read rules: every figure and its drill-down come from these (X-3) ---------------------


class LineKey(Protocol):
    """What the read rules need of a line: a `SalesLine`, or the placeholders of `FIGURES`."""

    pk: Any
    item_id: Any
    location_id: Any


def inventory_entries(line: LineKey):
    """Open entries of the line's item at its location: Available Inventory's supply."""
    return ItemLedgerEntry.objects.open().filter(item_id=line.item_id, location_id=line.location_id)


def scheduled_receipts(line: LineKey, upto: datetime.date):
    return AssemblyHeader.objects.receipts(item_id=line.item_id, location_id=line.location_id, upto=upto)


def sales_demand(line: LineKey, upto: datetime.date):
    return SalesLine.objects.open_demand(item_id=line.item_id, location_id=line.location_id, upto=upto)


def component_demand(line: LineKey, upto: datetime.date):
    return AssemblyLine.objects.open_demand(item_id=line.item_id, location_id=line.location_id, upto=upto)


def item_reservations(line: LineKey):
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
        reservations = reservations.filter(sales_line_id=line.pk)
    return {"reservations": reservations.order_by("pk")}


# --- the one statement -----------------------------------------------------------------------

_INT = models.IntegerField()
_DATE = models.DateField()
_KEY = SimpleNamespace(
    pk=Param("line", _INT), item_id=Param("item", _INT), location_id=Param("location", _INT)
)
_UPTO = Param("date", _DATE)  # the availability date: the FactBox's figures (spec 8) and the page's (9)
_END = Param("end", _DATE)  # the end of the projection, never before the availability date

# Rows by date, up to the end of the projection (kind, date, Σ) ...
RECEIPTS, SALES_DEMAND, COMPONENT_DEMAND = "receipts", "sales", "components"
_DATED = (RECEIPTS, SALES_DEMAND, COMPONENT_DEMAND)
# ... the inventory (kind, NULL, Σ) ...
INVENTORY = "inventory"
# ... and the reservations, summed by what they are (kind = group ":" flags, NULL, Σ). Groups: "m", the
# reservations of the line's item at its location (`item_reservations`); "l", every reservation of the
# line; "o", those on the scheduled receipts. Flags: E on an item ledger entry, L held by this line, R on a
# scheduled receipt, D held by a line of the gross requirement (R and D due by the availability date).
# A figure is a group and flags: it adds up that group's rows that have all its flags.
RESERVED_INVENTORY = "m:E"  # on the entries of the item at the location, by any demand
RESERVED_RECEIPT = "m:R"
RESERVED_REQUIREMENT = "m:D"
LINE_RESERVED = "m:L"  # this line's reservations of the item at the location: the FactBox's
LINE_ON_ENTRIES = "m:LE"
RESERVED_QUANTITY = "l:"  # R-RES-2: every reservation of the line (the Reservation page, the row)
ORDERS_LINE_RESERVED = "l:R"  # on the scheduled receipts, by this line (the page's row)
LINE_RESERVED_ON_ENTRIES = "l:E"  # every reservation of the line on an item ledger entry
LINE_BINDING = "l:B"  # the line's binding reservation on its linked assembly order (Cancel keeps it)
ORDERS_RESERVED = "o:"  # on the scheduled receipts, by any demand (the page's row)


def _by_date(queryset, kind: str, date_field: str, quantity):
    return (
        queryset.order_by()
        .annotate(kind=Value(kind), day=F(date_field))
        .values_list("kind", "day")
        .annotate(q=Sum(quantity))
    )


def _total(queryset, kind: str, quantity="quantity", *flags: tuple[Q, str]):
    """Σ over the queryset, by the flags its rows have (`kind` + the flags that apply)."""
    label = Concat(Value(kind), *(_flag(*flag) for flag in flags)) if flags else Value(kind)
    return (
        queryset.order_by()
        .annotate(kind=label, day=Value(None, output_field=_DATE))
        .values_list("kind", "day")
        .annotate(q=Sum(quantity))
    )


def _flag(condition: Q, flag: str) -> Case:
    return Case(When(condition, then=Value(flag)), default=Value(""), output_field=models.CharField())


def _figures_query():
    """Every sum of the FactBox, its chart and the Reservation page for one line (see the row kinds
    above), the dated rows first: they type the columns for PostgreSQL."""
    key = _KEY
    receipts = scheduled_receipts(key, _UPTO)
    mine = (Q(sales_line_id=key.pk), "L")
    on_receipts = (Q(assembly_order__in=receipts), "R")
    demand = (Q(sales_line__in=sales_demand(key, _UPTO)), "D")
    return _by_date(scheduled_receipts(key, _END), RECEIPTS, "due_date", REMAINING).union(
        _by_date(sales_demand(key, _END), SALES_DEMAND, "shipment_date", OUTSTANDING),
        _by_date(component_demand(key, _END), COMPONENT_DEMAND, "due_date", COMPONENT_REMAINING),
        _total(inventory_entries(key), INVENTORY, "remaining_quantity"),
        _total(
            item_reservations(key),
            "m:",
            "quantity",
            (~Q(item_ledger_entry=None), "E"),
            mine,
            on_receipts,
            demand,
        ),
        _total(
            Reservation.objects.filter(mine[0]),
            "l:",
            "quantity",
            on_receipts,
            (~Q(item_ledger_entry=None), "E"),
            (Q(binding=True), "B"),
        ),
        _total(Reservation.objects.filter(on_receipts[0]), "o:"),
        all=True,
    )


FIGURES = PreparedQuery(_figures_query)


@dataclass(frozen=True)
class Figures:
    """The sums of one line's item and location (one run of `FIGURES`)."""

    date: datetime.date  # the availability date of the totals
    timeline: Timeline
    reservations: dict[str, Decimal]  # Σ quantity by group and flags ("m:EL"; see above)

    def __getitem__(self, figure: str) -> Decimal:
        """Σ reservations of a group that have all the figure's flags (RESERVED_INVENTORY, ...)."""
        group, flags = figure.split(":")
        return sum(
            (
                q
                for kind, q in self.reservations.items()
                if kind.startswith(group) and set(flags) <= set(kind[2:])
            ),
            ZERO,
        )


def figures_params(line: SalesLine, *, end: datetime.date | None = None) -> dict[str, object]:
    date = availability_date(line)
    return {
        "line": line.pk,
        "item": line.item_id,
        "location": line.location_id,
        "date": date,
        "end": end or date,
    }


def line_figures(line: SalesLine, *, end: datetime.date | None = None) -> Figures:
    """Every sum for the line, with receipts and demand by date up to `end` (default: its availability
    date), in one statement."""
    params = figures_params(line, end=end)
    dated: dict[str, dict[datetime.date, Decimal]] = {kind: {} for kind in _DATED}
    inventory, reservations = ZERO, {}
    for kind, day, quantity in FIGURES.rows(**params):
        if kind in dated:
            dated[kind][day] = quantity
        elif kind == INVENTORY:
            inventory = quantity or ZERO
        else:
            reservations[kind] = quantity or ZERO
    timeline_ = Timeline(
        today=timezone.localdate(),
        inventory=inventory,
        receipts=dated[RECEIPTS],
        sales_demand=dated[SALES_DEMAND],
        component_demand=dated[COMPONENT_DEMAND],
    )
    return Figures(date=params["date"], timeline=timeline_, reservations=reservations)


def timeline(line: SalesLine, *, end: datetime.date) -> Timeline:
    """Inventory now, and open receipts and demand up to `end`."""
    return line_figures(line, end=end).timeline


def line_details(
    line: SalesLine, *, figures: Figures | None = None, assembly: OrderAvailability | None = None
) -> LineDetails:
    """The FactBox figures for the line's item and location up to its availability date."""
    figures = figures or line_figures(line)
    date = figures.date
    if assembly is None and line.assembly_order_id:
        assembly = order_availability(line.assembly_order)
    return LineDetails(
        line=line,
        availability_date=date,
        outstanding=line.outstanding_quantity,
        reserved_quantity=figures[LINE_RESERVED],
        reserved_on_entries=figures[LINE_ON_ENTRIES],
        inventory=figures.timeline.inventory,
        reserved_inventory=figures[RESERVED_INVENTORY],
        scheduled_receipt=figures.timeline.receipts_upto(date),
        reserved_receipt=figures[RESERVED_RECEIPT],
        gross_requirement=figures.timeline.demand_upto(date),
        reserved_requirement=figures[RESERVED_REQUIREMENT],
        assembly=assembly,
    )


# --- the Reservation page (spec 9) ------------------------------------------------------------


@dataclass(frozen=True)
class SupplyRow:
    """A row of the Reservation page (spec 9): one per supply type, with why each of its actions can do
    nothing, if it cannot (the page disables the action and gives the reason as its tooltip)."""

    supply_type: str
    label: str
    total_quantity: Decimal
    total_reserved_quantity: Decimal
    current_reserved_quantity: Decimal
    cancellable_quantity: Decimal  # this line's reservations that Cancel removes (never the binding)
    unreserved_quantity: Decimal  # the line's
    closed: str = ""  # why no reservation of the line may change at all (a Completed order)

    @property
    def total_available_quantity(self) -> Decimal:
        return max(self.total_quantity - self.total_reserved_quantity, ZERO)

    @property
    def reserve_refusal(self) -> str:
        """Why Reserve from Current Line would reserve nothing ("" if it may reserve). The sums are the
        engine's own supplies' (each supply's free quantity is never negative, I-2), so a row never
        says "nothing available" where the engine would find something."""
        if self.closed:
            return self.closed
        if self.unreserved_quantity <= 0:
            return MSG_FULLY_RESERVED
        return MSG_NOTHING_AVAILABLE if self.total_available_quantity <= 0 else ""

    @property
    def cancel_refusal(self) -> str:
        return self.closed or (MSG_NOTHING_TO_CANCEL if self.cancellable_quantity <= 0 else "")


def supply_rows(line: SalesLine, *, figures: Figures | None = None) -> list[SupplyRow]:
    """The Reservation page's rows: totals per supply type (from the line's `FIGURES`)."""
    figures = figures or line_figures(line)
    on_entries = figures[LINE_RESERVED_ON_ENTRIES]
    totals = {
        SupplyType.ITEM_LEDGER_ENTRY: (
            figures.timeline.inventory,
            figures[RESERVED_INVENTORY],
            figures[LINE_ON_ENTRIES],
            on_entries,
        ),
        SupplyType.ASSEMBLY_ORDER: (
            figures.timeline.receipts_upto(figures.date),
            figures[ORDERS_RESERVED],
            figures[ORDERS_LINE_RESERVED],
            figures[RESERVED_QUANTITY] - on_entries - figures[LINE_BINDING],
        ),
    }
    unreserved = max(line.outstanding_quantity - figures[RESERVED_QUANTITY], ZERO)
    header = line.header
    closed = MSG_ORDER_COMPLETED.format(no=header.no) if header.is_completed else ""
    return [
        SupplyRow(
            supply_type=supply_type,
            label=SupplyType(supply_type).label,
            total_quantity=total,
            total_reserved_quantity=reserved,
            current_reserved_quantity=current,
            cancellable_quantity=cancellable,
            unreserved_quantity=unreserved,
            closed=closed,
        )
        for supply_type, (total, reserved, current, cancellable) in totals.items()
    ]


def auto_reserve_refusal(rows: list[SupplyRow]) -> str:
    """Why Auto Reserve would reserve nothing ("" if it may): a Completed order, fully reserved, or
    nothing free on any supply the line may reserve from (the rows' sums, as for
    `SupplyRow.reserve_refusal`; the engine itself would answer that full automatic reservation is not
    possible)."""
    refusals = {row.reserve_refusal for row in rows}
    return refusals.pop() if len(refusals) == 1 else ""


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


def factbox(
    line: SalesLine, *, assembly: OrderAvailability | None = None, figures: Figures | None = None
) -> FactBox:
    """Everything the Sales Line Details FactBox shows, from one run of `FIGURES` (figures and chart);
    `figures` must reach to `projection_end(line)`."""
    figures = figures or line_figures(line, end=projection_end(line))
    return FactBox(
        details=line_details(line, figures=figures, assembly=assembly),
        projection=projected_availability(line, timeline_=figures.timeline),
    )
