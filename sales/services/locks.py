"""What sales operations lock, and how they read it: thin wrappers over the one lock order of
`inventory.locks` (sales order → sales line → assembly order → items)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import DateField, IntegerField, Q, QuerySet

from assembly.models import AssemblyHeader
from inventory.locks import OneRowLock, PreparedLock, lock, lock_items
from inventory.models import Reservation
from inventory.prepared import Param

from ..models import SalesHeader, SalesLine

__all__ = [
    "lock_assembly_orders",
    "lock_items",
    "lock_line",
    "lock_line_orders",
    "lock_lines",
    "lock_order",
    "lock_reservable_orders",
]
_INT = IntegerField()


_ORDER = OneRowLock(lambda: SalesHeader.objects.select_related("customer", "location"))
_LINE = OneRowLock(
    lambda: SalesLine.objects.filter(header_id=Param("header", IntegerField())).select_related(
        "item", "location", "bin"
    )
)


def lock_order(header: SalesHeader) -> SalesHeader:
    """Lock the sales order row for the rest of the operation and return it freshly read."""
    return _ORDER(header.pk)


def lock_line(header: SalesHeader, line_pk: int) -> SalesLine:
    """Lock one line of the (already locked) order; `DoesNotExist` for another order's line."""
    line = _LINE(line_pk, header=header.pk)
    line.header = header
    return line


def lock_lines(header: SalesHeader) -> list[SalesLine]:
    """Lock every line of the (already locked) order, by primary key."""
    lines = lock(
        SalesLine.objects.filter(header=header).select_related("item", "location", "bin"),
        header.lines.values_list("pk", flat=True),
    )
    for line in lines:
        line.header = header
    return lines


def lock_assembly_orders(
    pks: Iterable[int | None], *, matching: QuerySet | None = None, skip_locked: bool = False
) -> dict[int, AssemblyHeader]:
    """Lock assembly orders (the supply lock of their Remaining Quantity, I-6), by primary key: `pks`
    and those `matching` selects (in one statement)."""
    orders = lock(
        AssemblyHeader.objects.select_related("item", "location", "bin"),
        [pk for pk in pks if pk is not None],
        matching=matching,
        skip_locked=skip_locked,
    )
    return {order.pk: order for order in orders}


def _linked_or(condition: Q):
    return AssemblyHeader.objects.select_related("item", "location", "bin").filter(
        Q(pk=Param("linked", _INT)) | condition
    )


_RESERVABLE = PreparedLock(
    lambda: _linked_or(
        Q(
            pk__in=AssemblyHeader.objects.receipts(
                item_id=Param("item", _INT),
                location_id=Param("location", _INT),
                upto=Param("upto", DateField()),
            ).values("pk")
        )
    ),
    by_condition=True,
)
_RESERVED_FROM = PreparedLock(
    lambda: _linked_or(
        Q(
            pk__in=Reservation.objects.filter(sales_line_id=Param("line", _INT))
            .on_assembly_orders()
            .values("assembly_order_id")
        )
    ),
    by_condition=True,
)


def _by_pk(orders) -> dict[int, AssemblyHeader]:
    return {order.pk: order for order in orders}


def lock_reservable_orders(line: SalesLine) -> dict[int, AssemblyHeader]:
    """Lock the line's linked assembly order and every one it may reserve from (`receipts`: open, of
    its item at its location, due by its Shipment Date), in one statement compiled once."""
    linked = line.assembly_order_id
    return _by_pk(
        _RESERVABLE(
            pks=[linked] if linked else [],
            linked=linked,
            item=line.item_id,
            location=line.location_id,
            upto=line.shipment_date,
        )
    )


def lock_line_orders(line: SalesLine) -> dict[int, AssemblyHeader]:
    """Lock the line's linked assembly order and every one the line holds reservations on, in one
    statement compiled once (a line edit judges its reservations under their supplies' locks)."""
    linked = line.assembly_order_id
    return _by_pk(_RESERVED_FROM(pks=[linked] if linked else [], linked=linked, line=line.pk))
