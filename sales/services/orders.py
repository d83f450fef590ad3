"""Sales order header operations: create, change, Release and Reopen (spec sections 4 and 10)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyStatus
from inventory.models import Location
from inventory.numbering import next_no

from ..models import Customer, SalesHeader, SalesStatus
from .lines import FIELD_CAPTIONS, MSG_BLOCKED_CUSTOMER, sync_lines_to_header
from .locks import lock_order

MSG_HEADER_NOT_OPEN = (
    "Status must be Open on sales order {no} to change {field} (it is {status}). Reopen it first."
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
MSG_COMPLETED = "Sales order {no} is completed."
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
    with transaction.atomic():
        return SalesHeader.objects.create(
            no=next_no("SALES-ORDER"),
            customer=customer,
            order_date=order_date or today,
            posting_date=posting_date or today,
            shipment_date=shipment_date or today,
            location=location or customer.location,
        )


@transaction.atomic
def update_sales_header(
    *, header: SalesHeader, values: dict[str, Any], confirm_reopen: bool = False
) -> SalesHeader:
    """Change header fields on an Open order. Shipment Date and Posting Date flow to the lines and
    their linked assembly orders (R-SO-0), asking before a Released linked order is reopened (R-SYNC-4)."""
    header = lock_order(header)
    changed = {
        name
        for name, value in values.items()
        if (getattr(header, f"{name}_id") if name in ("customer", "location") else getattr(header, name))
        != (value.pk if hasattr(value, "pk") else value)
    }
    if not changed:
        return header
    if header.status != SalesStatus.OPEN:
        name = sorted(changed, key=HEADER_FIELDS.index)[0]
        raise ValidationError(
            {
                name: MSG_HEADER_NOT_OPEN.format(
                    no=header.no, field=HEADER_CAPTIONS[name], status=header.get_status_display()
                )
            }
        )
    errors = {}
    for name in ("order_date", "posting_date", "shipment_date"):
        if name in changed and values[name] is None:
            errors[name] = MSG_DATE_REQUIRED.format(field=HEADER_CAPTIONS[name])
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
    if {"shipment_date", "posting_date"} & changed:
        sync_lines_to_header(header=header, confirm_reopen=confirm_reopen)
    return header


@transaction.atomic
def release_sales_order(*, header: SalesHeader) -> SalesHeader:
    """R-REL-1: check the order, set Released, release its linked assembly orders."""
    header = lock_order(header)
    if header.status == SalesStatus.RELEASED:
        raise ValidationError(MSG_ALREADY_RELEASED.format(no=header.no))
    if header.status == SalesStatus.COMPLETED:
        raise ValidationError(MSG_COMPLETED.format(no=header.no))
    lines = list(header.lines.select_related("location", "assembly_order").order_by("line_no"))
    if not lines:
        raise ValidationError(MSG_NO_LINES.format(no=header.no))
    errors = []
    linked_ids = []
    for line in lines:
        if line.location.bin_mandatory and line.bin_id is None and line.quantity > 0:
            errors.append(MSG_LINE_NEEDS_BIN.format(line=line.line_no, location=line.location.code))
        if line.assembly_order_id:
            linked_ids.append(line.assembly_order_id)
    with_components = set(
        AssemblyHeader.objects.filter(pk__in=linked_ids, lines__quantity__gt=0).values_list("pk", flat=True)
    )
    for line in lines:
        if line.assembly_order_id and line.assembly_order_id not in with_components:
            errors.append(MSG_LINKED_NO_COMPONENTS.format(line=line.line_no, no=line.assembly_order.no))
    if errors:
        raise ValidationError(errors)
    header.status = SalesStatus.RELEASED
    header.save(update_fields=["status"])
    AssemblyHeader.objects.filter(pk__in=linked_ids).update(status=AssemblyStatus.RELEASED)
    return header


@transaction.atomic
def reopen_sales_order(*, header: SalesHeader) -> SalesHeader:
    """Reopen sets Open; linked assembly orders stay Released until a change needs them Open."""
    header = lock_order(header)
    if header.status == SalesStatus.OPEN:
        raise ValidationError(MSG_ALREADY_OPEN.format(no=header.no))
    if header.status == SalesStatus.COMPLETED:
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
