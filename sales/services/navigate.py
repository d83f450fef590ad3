"""Find entries (R-NAV-1, BC's Navigate): every document and ledger entry that carries a document number.

One registry, `GROUPS`, says for each table as BC's Navigate names it which of its rows carry a number
(`Group.rows`), and which columns its drill-down shows. The Find entries page counts every group with
the same queryset its drill-down lists, so a count always is the number of rows behind it.

What "carries" means follows BC's Navigate:

- Sales Order: its No.
- Posted Sales Shipment, Posted Sales Invoice: its No., or its Order No. (the sales order's).
- Assembly Header: its No.
- Posted Assembly Header: its No., its Order No. (the assembly order's), or the Posted Sales Shipment
  whose line it assembled to order (BC's Posted Assemble-to-Order Link).
- Item Ledger Entry: its Document No. (a shipment's Sales, a posted assembly's Consumption and Output, an
  item journal posting's adjustments), and every entry a Posted Sales Shipment wrote, Undo Shipment's
  corrections included (`ShipmentLineEntry`).

Sales is the top floor, so this module reads the other apps' tables; they never import it. Every group
costs one COUNT on the page, and its drill-down one COUNT and one SELECT (related rows joined), however
many rows there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch

from assembly.models import AssemblyHeader, PostedAssemblyHeader
from inventory.figures import format_amount, format_day, format_quantity
from inventory.models import ItemLedgerEntry

from ..models import SalesHeader, SalesInvoiceHeader, SalesShipmentHeader, ShipmentLineEntry

MAX_DOCUMENT_NO = 20  # every No. and Document No. field is 20 characters (BC's Code[20])


def document_numbers(no: str) -> list[str]:
    """The numbers a typed Document No. stands for: itself and, as BC upper-cases Code fields, its
    upper-case form (documents are numbered upper-case; an item journal's own Document No. is kept as
    typed). An exact `IN` of both, so the columns' indexes serve the look-up."""
    no = no.strip()
    return sorted({no, no.upper()})


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    negative: bool = False


@dataclass(frozen=True)
class Column:
    """A drill-down column: its caption, the attribute path of its value ("customer.no"; a callable on
    the way is called, as in templates), and how to show it."""

    caption: str
    path: str
    kind: str = "text"  # "text", "number" (an Entry No.), "quantity" or "amount"

    @property
    def numeric(self) -> bool:
        return self.kind != "text"

    def value(self, obj: models.Model) -> object:
        value: object = obj
        for name in self.path.split("."):
            value = getattr(value, name, None)
            if callable(value):
                value = value()
            if value is None:
                return None
        return value

    def cell(self, obj: models.Model) -> Cell:
        value = self.value(obj)
        if value is None:
            return Cell("", self.numeric)
        if self.kind == "quantity":
            return Cell(format_quantity(value), True, negative=value < 0)
        if self.kind == "amount":
            return Cell(format_amount(value), True, negative=value < 0)
        if isinstance(value, bool):
            return Cell("Yes" if value else "No")
        if isinstance(value, datetime.date):
            return Cell(format_day(value))
        return Cell(str(value), self.numeric)


@dataclass(frozen=True)
class Row:
    url: str | None  # the row's card, where one exists
    cells: list[Cell]


@dataclass(frozen=True)
class Group:
    """One table of the Find entries page: its caption, the rows that carry a number, their columns."""

    slug: str
    caption: str
    queryset: Callable[[list[str]], models.QuerySet]
    columns: tuple[Column, ...]

    def rows(self, no: str) -> models.QuerySet:
        """The rows of this table that carry the document number, with what the columns show joined."""
        return self.queryset(document_numbers(no))

    def row(self, obj: models.Model) -> Row:
        return Row(url=card_url(obj), cells=[column.cell(obj) for column in self.columns])


def card_url(obj: models.Model) -> str | None:
    """The row's card, where the model has one and its page exists in this installation."""
    get_url = getattr(obj, "get_absolute_url", None)
    if get_url is None:
        return None
    try:
        return get_url()
    except NoReverseMatch:  # a model that names a page not (yet) served, e.g. sales:invoice-card
        return None


def _sales_orders(numbers: list[str]) -> models.QuerySet:
    return SalesHeader.objects.filter(no__in=numbers).select_related("customer", "location").order_by("no")


def _shipments(numbers: list[str]) -> models.QuerySet:
    return (
        SalesShipmentHeader.objects.filter(Q(no__in=numbers) | Q(order_no__in=numbers))
        .select_related("customer", "location")
        .order_by("no")
    )


def _invoices(numbers: list[str]) -> models.QuerySet:
    return (
        SalesInvoiceHeader.objects.filter(Q(no__in=numbers) | Q(order_no__in=numbers))
        .select_related("customer", "location")
        .order_by("no")
    )


def _assembly_orders(numbers: list[str]) -> models.QuerySet:
    return AssemblyHeader.objects.filter(no__in=numbers).select_related("item", "location").order_by("no")


def _posted_assembly_orders(numbers: list[str]) -> models.QuerySet:
    assembled_for_shipment = Q(shipment_line__header__no__in=numbers)  # a reverse one-to-one: no duplicates
    return (
        PostedAssemblyHeader.objects.filter(
            Q(no__in=numbers) | Q(order_no__in=numbers) | assembled_for_shipment
        )
        .select_related("item", "location")
        .order_by("no")
    )


def _item_ledger_entries(numbers: list[str]) -> models.QuerySet:
    written_by_shipment = ShipmentLineEntry.objects.filter(shipment_line__header__no__in=numbers).values(
        "entry"
    )
    return (
        ItemLedgerEntry.objects.filter(Q(document_no__in=numbers) | Q(pk__in=written_by_shipment))
        .select_related("item", "location", "bin")
        .order_by("entry_no")
    )


GROUPS: Sequence[Group] = (
    Group(
        "sales-order",
        "Sales Order",
        _sales_orders,
        (
            Column("No.", "no"),
            Column("Customer No.", "customer.no"),
            Column("Customer Name", "customer.name"),
            Column("Order Date", "order_date"),
            Column("Location Code", "location.code"),
            Column("Status", "get_status_display"),
        ),
    ),
    Group(
        "posted-sales-shipment",
        "Posted Sales Shipment",
        _shipments,
        (
            Column("No.", "no"),
            Column("Order No.", "order_no"),
            Column("Customer No.", "customer.no"),
            Column("Customer Name", "customer.name"),
            Column("Posting Date", "posting_date"),
            Column("Location Code", "location.code"),
        ),
    ),
    Group(
        "posted-sales-invoice",
        "Posted Sales Invoice",
        _invoices,
        (
            Column("No.", "no"),
            Column("Order No.", "order_no"),
            Column("Customer No.", "customer.no"),
            Column("Customer Name", "customer_name"),
            Column("Posting Date", "posting_date"),
            Column("Location Code", "location.code"),
            Column("Amount", "amount", "amount"),
        ),
    ),
    Group(
        "assembly-header",
        "Assembly Header",
        _assembly_orders,
        (
            Column("No.", "no"),
            Column("Item No.", "item.no"),
            Column("Description", "description"),
            Column("Location Code", "location.code"),
            Column("Quantity", "quantity", "quantity"),
            Column("Remaining Quantity", "remaining_quantity", "quantity"),
            Column("Due Date", "due_date"),
            Column("Status", "get_status_display"),
        ),
    ),
    Group(
        "posted-assembly-header",
        "Posted Assembly Header",
        _posted_assembly_orders,
        (
            Column("No.", "no"),
            Column("Order No.", "order_no"),
            Column("Item No.", "item.no"),
            Column("Description", "description"),
            Column("Location Code", "location.code"),
            Column("Quantity", "quantity", "quantity"),
            Column("Posting Date", "posting_date"),
            Column("Assemble to Order", "assemble_to_order"),
            Column("Reversed", "reversed"),
        ),
    ),
    Group(
        "item-ledger-entry",
        "Item Ledger Entry",
        _item_ledger_entries,
        (
            Column("Entry No.", "entry_no", "number"),
            Column("Posting Date", "posting_date"),
            Column("Entry Type", "get_entry_type_display"),
            Column("Document Type", "get_document_type_display"),
            Column("Document No.", "document_no"),
            Column("Item No.", "item.no"),
            Column("Location Code", "location.code"),
            Column("Bin Code", "bin.code"),
            Column("Quantity", "quantity", "quantity"),
            Column("Remaining Quantity", "remaining_quantity", "quantity"),
            Column("Cost Amount (Actual)", "cost_amount", "amount"),
        ),
    ),
)
GROUPS_BY_SLUG = {group.slug: group for group in GROUPS}


@dataclass(frozen=True)
class RelatedEntries:
    """One line of the page: a table and how many of its rows carry the number."""

    group: Group
    count: int


def related_entries(*, no: str) -> list[RelatedEntries]:
    """R-NAV-1: the tables with rows that carry `no`, each with its count, in the registry's order.
    One COUNT per table."""
    found = [RelatedEntries(group, group.rows(no).count()) for group in GROUPS]
    return [entry for entry in found if entry.count]
