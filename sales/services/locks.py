"""What sales operations lock, and how they read it: thin wrappers over the one lock order of
`inventory.locks` (sales order → sales line → assembly order → items)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from assembly.models import AssemblyHeader
from inventory.locks import lock, lock_items, lock_one

from ..models import SalesHeader, SalesLine

__all__ = ["lock_assembly_orders", "lock_items", "lock_line", "lock_lines", "lock_order"]


def lock_order(header: SalesHeader) -> SalesHeader:
    """Lock the sales order row for the rest of the operation and return it freshly read."""
    return lock_one(SalesHeader.objects.select_related("customer", "location"), header.pk)


def lock_line(header: SalesHeader, line_pk: int) -> SalesLine:
    """Lock one line of the (already locked) order; `DoesNotExist` for another order's line."""
    line = lock_one(
        SalesLine.objects.filter(header=header).select_related("item", "location", "bin"), line_pk
    )
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
