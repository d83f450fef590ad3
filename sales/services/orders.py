"""Sales order header operations: create, change, Release and Reopen (spec sections 4 and 10)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyStatus
from assembly.services import availability_of
from inventory.figures import check_date
from inventory.locks import operation
from inventory.models import Location
from inventory.numbering import next_no

from ..models import Customer, SalesHeader, SalesStatus
from .lines import (
    FIELD_CAPTIONS,
    MSG_BLOCKED_CUSTOMER,
    MSG_ORDER_COMPLETED,
    MSG_STATUS_NOT_OPEN,
    sync_lines_to_header,
)
from .locks import lock_assembly_orders, lock_lines, lock_order

MSG_CONFIRM_RELEASE_SHORT = (
    "Not everything on the order can ship now. {warnings} Do you want to release the order anyway?"
)
MSG_CUSTOMER_HAS_LINES = "You cannot change Customer No. while the order has lines."
MSG_NO_LINES = "There is nothing to release for sales order {no}."
MSG_LINE_NEEDS = "Line {line}: {field} must have a value."
MSG_LINE_NEEDS_BIN = (
    "Line {line}: Bin Code must have a value at location {location}, which has Bin Mandatory."
)
MSG_LINKED_NO_COMPONENTS = (
    "Line {line}: assembly order {no} needs at least one component line with a Quantity."
)
MSG_ALREADY_RELEASED = "Sales order {no} is already released."
MSG_ALREADY_OPEN = "Sales order {no} is already open."
MSG_COMPLETED = MSG_ORDER_COMPLETED
MSG_DATE_REQUIRED = "{field} must have a value."

HEADER_FIELDS = ("customer", "order_date", "posting_date", "shipment_date", "location")
HEADER_CAPTIONS = {
    "customer": "Customer No.",
    "order_date": "Order Date",
    "posting_date": "Posting Date",
    "shipment_date": "Shipment Date",
    "location": "Location Code",
}


def create_sales_order(
    *,
    customer: Customer,
    order_date: datetime.date | None = None,
    posting_date: datetime.date | None = None,
    shipment_date: datetime.date | None = None,
    location: Location | None = None,
) -> SalesHeader:
    """A new Open order: number from the series, dates today (R-SO-0), location from the customer."""
    if customer.blocked:
        raise ValidationError({"customer": MSG_BLOCKED_CUSTOMER.format(no=customer.no)})
    today = timezone.localdate()
    for name, value in (
        ("order_date", order_date),
        ("posting_date", posting_date),
        ("shipment_date", shipment_date),
    ):
        check_date(value, field=name, caption=HEADER_CAPTIONS[name])
    with operation():
        return SalesHeader.objects.create(
            no=next_no("SALES-ORDER", used_by=SalesHeader),
            customer=customer,
            order_date=order_date or today,
            posting_date=posting_date or today,
            shipment_date=shipment_date or today,
            location=location or customer.location,
        )


@dataclass
class HeaderResult:
    header: SalesHeader
    messages: list[str] = field(default_factory=list)


@operation()
def update_sales_header(
    *, header: SalesHeader, values: dict[str, Any], confirm_reopen: bool = False
) -> HeaderResult:
    """Change header fields on an Open order. Shipment Date and Posting Date flow to the lines and
    their linked assembly orders (R-SO-0) through the line rules (R-SO-5, R-RES-6), asking before a
    Released linked order is reopened (R-SYNC-4)."""
    header = lock_order(header)
    changed = {
        name
        for name, value in values.items()
        if (getattr(header, f"{name}_id") if name in ("customer", "location") else getattr(header, name))
        != (value.pk if hasattr(value, "pk") else value)
    }
    if not changed:
        return HeaderResult(header=header)
    if not header.is_open:
        name = sorted(changed, key=HEADER_FIELDS.index)[0]
        raise ValidationError(
            {
                name: MSG_STATUS_NOT_OPEN.format(
                    no=header.no, field=HEADER_CAPTIONS[name], status=header.get_status_display()
                )
            }
        )
    errors = {}
    for name in ("order_date", "posting_date", "shipment_date"):
        if name in changed and values[name] is None:
            errors[name] = MSG_DATE_REQUIRED.format(field=HEADER_CAPTIONS[name])
        elif name in changed:
            try:
                check_date(values[name], field=name, caption=HEADER_CAPTIONS[name])  # R-INV-6
            except ValidationError as exc:
                errors[name] = exc.message_dict[name][0]
    if "customer" in changed:
        customer = values["customer"]
        if customer is None:
            errors["customer"] = MSG_DATE_REQUIRED.format(field="Customer No.")
        elif header.lines.exists():
            errors["customer"] = MSG_CUSTOMER_HAS_LINES
        elif customer.blocked:
            errors["customer"] = MSG_BLOCKED_CUSTOMER.format(no=customer.no)
    if errors:
        raise ValidationError(errors)
    for name in changed:
        setattr(header, name, values[name])
    if "customer" in changed and "location" not in changed:
        header.location = header.customer.location
    header.save()
    messages = []
    if {"shipment_date", "posting_date"} & changed:
        messages = sync_lines_to_header(header=header, confirm_reopen=confirm_reopen)
    return HeaderResult(header=header, messages=messages)


class ReleaseConfirmationRequired(Exception):
    """A linked assembly order cannot assemble all of its line from the components there: ask first."""

    def __init__(self, warnings: list[str]):
        self.warnings = warnings
        super().__init__(
            MSG_CONFIRM_RELEASE_SHORT.format(warnings=" ".join(w.rstrip(".") + "." for w in warnings))
        )


def release_warnings(header: SalesHeader) -> list[str]:
    """What would keep the order from shipping, by line: the linked orders' component availability
    (R-ASM-4) and, at locations with bins, a stock part that no bin holds (X-2)."""
    from .shipping import ship_from  # shipping stands on this module

    lines = sorted(
        header.lines.select_related("item", "location", "bin", "assembly_order__item"),
        key=lambda line: line.line_no,
    )
    linked = [line for line in lines if line.assembly_order_id]
    availability = availability_of(line.assembly_order for line in linked)
    bins = ship_from(lines)
    warnings = []
    for line in lines:
        for warning in (
            availability[line.assembly_order_id].warning if line.assembly_order_id else "",
            bins[line.pk].warning if line.pk in bins else "",
        ):
            if warning:
                warnings.append(f"Line {line.line_no}: {warning}")
    return warnings


@operation()
def release_sales_order(*, header: SalesHeader, confirm_shortage: bool = False) -> SalesHeader:
    """R-REL-1: check the order, set Released, release its linked assembly orders.

    When a linked order's components are short (R-ASM-4) the user is asked first
    (`ReleaseConfirmationRequired`), as BC shows its availability warning; confirming releases anyway.
    """
    header = lock_order(header)
    if header.is_released:
        raise ValidationError(MSG_ALREADY_RELEASED.format(no=header.no))
    if header.is_completed:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    lines = sorted(lock_lines(header), key=lambda line: line.line_no)
    if not lines:
        raise ValidationError(MSG_NO_LINES.format(no=header.no))
    orders = lock_assembly_orders(line.assembly_order_id for line in lines)
    errors = []
    for line in lines:
        if line.location.bin_mandatory and line.bin_id is None and line.quantity > 0:
            errors.append(MSG_LINE_NEEDS_BIN.format(line=line.line_no, location=line.location.code))
    with_components = set(
        AssemblyHeader.objects.filter(pk__in=orders, lines__quantity__gt=0).values_list("pk", flat=True)
    )
    for line in lines:
        if line.assembly_order_id and line.assembly_order_id not in with_components:
            errors.append(
                MSG_LINKED_NO_COMPONENTS.format(line=line.line_no, no=orders[line.assembly_order_id].no)
            )
    if errors:
        raise ValidationError(errors)
    if not confirm_shortage and (warnings := release_warnings(header)):
        raise ReleaseConfirmationRequired(warnings)
    header.status = SalesStatus.RELEASED
    header.save(update_fields=["status"])
    AssemblyHeader.objects.filter(pk__in=orders).update(status=AssemblyStatus.RELEASED)
    return header


@operation()
def reopen_sales_order(*, header: SalesHeader) -> SalesHeader:
    """Reopen sets Open; linked assembly orders stay Released until a change needs them Open."""
    header = lock_order(header)
    if header.is_open:
        raise ValidationError(MSG_ALREADY_OPEN.format(no=header.no))
    if header.is_completed:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    header.status = SalesStatus.OPEN
    header.save(update_fields=["status"])
    return header


__all__ = [
    "FIELD_CAPTIONS",
    "create_sales_order",
    "release_sales_order",
    "reopen_sales_order",
    "update_sales_header",
]
