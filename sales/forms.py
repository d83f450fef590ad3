"""Forms of the sales order pages: they parse what the user typed; the services judge it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models

from inventory.figures import format_quantity
from inventory.forms import (
    MSG_NO_ITEM,
    MSG_NO_LOCATION,
    CodeField,
    GridForm,
    SearchForm,
    amount_field,
    date_field,
    quantity_field,
    resolve_bin,
)
from inventory.models import Item, Location

from .models import Customer, SalesHeader, SalesHeaderQuerySet, SalesLine, SalesStatus
from .services.lines import EDITABLE_FIELDS, EDITABLE_WHEN_RELEASED

MSG_NO_CUSTOMER = "There is no Customer with No. {value}."
MSG_DATES_REVERSED = "Shipment Date from must not be after Shipment Date to."


class SalesLineForm(GridForm):
    """One sales line row. On a Released order only Qty. to Ship and Qty. to Invoice are inputs (R-SO-1).

    A row may be saved one cell at a time (the grid sends the cell the user left): names that were not
    submitted keep their saved values, so two saves of different cells never undo each other. A
    submitted name that the order's status does not allow is parsed all the same and handed to the
    service, whose refusal says why (R-SO-1), rather than being dropped silently.
    """

    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="No.")
    location = CodeField(
        Location.objects.all(), to_field_name="code", not_found=MSG_NO_LOCATION, label="Location Code"
    )
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)
    quantity = quantity_field("Quantity")
    qty_to_assemble_to_order = quantity_field("Qty. to Assemble to Order")
    shipment_date = date_field("Shipment Date")
    unit_price = amount_field("Unit Price")
    qty_to_ship = quantity_field("Qty. to Ship")
    qty_to_invoice = quantity_field("Qty. to Invoice")

    def __init__(self, data=None, *, header: SalesHeader, line: SalesLine | None = None, **kwargs):
        self.header = header
        self.line = line
        prefix = f"line-{line.pk}" if line else "new"
        self.submitted: set[str] = set()
        if line is not None:
            kwargs.setdefault("initial", self.initial_for(line))
            if data is not None:
                data = self._with_saved_values(data, prefix, kwargs["initial"])
        super().__init__(data, prefix=prefix, form_id=f"{prefix}-form", **kwargs)
        keep = self.editable_fields(header, line) | self.submitted
        if line is not None:  # the saved codes (sent back for the cells not submitted) need no lookup
            self.fields["item"].know(line.item)
            self.fields["location"].know(line.location)
        if line is None:
            for optional in ("qty_to_assemble_to_order", "location", "shipment_date"):
                self.fields[optional].required = False
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @staticmethod
    def editable_fields(header: SalesHeader, line: SalesLine | None) -> set[str]:
        if line is None:
            return {"item", "quantity", "qty_to_assemble_to_order", "location", "shipment_date"}
        if header.is_released:
            return set(EDITABLE_WHEN_RELEASED)
        return set(EDITABLE_FIELDS) if header.is_open else set()

    def _with_saved_values(self, data, prefix: str, saved: dict[str, Any]):
        """The submitted cells over the saved values of the others (see the class doc)."""
        merged = data.copy()
        for name in EDITABLE_FIELDS:
            key = f"{prefix}-{name}"
            if key in data:
                self.submitted.add(name)
            else:
                merged[key] = saved[name]
        return merged

    @property
    def refused_fields(self) -> set[str]:
        """Submitted names that this order's status does not show as inputs."""
        return self.submitted - self.editable_fields(self.header, self.line)

    @staticmethod
    def initial_for(line: SalesLine) -> dict[str, Any]:
        return {
            "item": line.item.no,
            "location": line.location.code,
            "bin": line.bin.code if line.bin else "",
            "quantity": format_quantity(line.quantity),
            "qty_to_assemble_to_order": format_quantity(line.qty_to_assemble_to_order),
            "shipment_date": line.shipment_date,
            "unit_price": line.unit_price,
            "qty_to_ship": format_quantity(line.qty_to_ship),
            "qty_to_invoice": format_quantity(line.qty_to_invoice),
        }

    def clean(self):
        cleaned = super().clean()
        if "bin" in self.fields and not self.has_error("location"):
            location = cleaned.get("location") or (self.line.location if self.line else None)
            cleaned["bin"] = resolve_bin(self, location, cleaned.get("bin"))
        return cleaned

    def values(self) -> dict[str, Any]:
        """What to hand to save_sales_line: the submitted fields (all of them on a form post); blanks
        on a new line mean 'default'."""
        names = self.submitted if self.line is not None else set(self.fields)
        values = {name: self.cleaned_data[name] for name in self.fields if name in names}
        if self.line is None:
            values = {k: v for k, v in values.items() if v is not None}
        return values


class SalesHeaderForm(GridForm):
    customer = CodeField(
        Customer.objects.all(), to_field_name="no", not_found=MSG_NO_CUSTOMER, label="Customer No."
    )
    order_date = date_field("Order Date")
    posting_date = date_field("Posting Date")
    shipment_date = date_field("Shipment Date")
    location = CodeField(
        Location.objects.all(),
        to_field_name="code",
        not_found=MSG_NO_LOCATION,
        label="Location Code",
        required=False,
    )

    def __init__(self, *args, header: SalesHeader, **kwargs):
        self.header = header
        if "initial" not in kwargs:
            kwargs["initial"] = {
                "customer": header.customer.no,
                "order_date": header.order_date,
                "posting_date": header.posting_date,
                "shipment_date": header.shipment_date,
                "location": header.location.code if header.location else "",
            }
        super().__init__(*args, prefix="header", form_id="header-form", **kwargs)
        if not header.is_open and not self.is_bound:
            # Shown read-only; a change posted all the same (another tab) is parsed, and the service
            # refuses it with R-SO-1's message next to the field rather than it being dropped.
            for field in self.fields.values():
                field.disabled = True


class NewSalesOrderForm(forms.Form):
    customer = CodeField(
        Customer.objects.all(), to_field_name="no", not_found=MSG_NO_CUSTOMER, label="Customer No."
    )


class SalesOrderFilterForm(SearchForm):
    """The Sales Orders list's filters (GET); they combine with each other and with the search box."""

    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All"), *SalesStatus.choices])
    customer = CodeField(
        Customer.objects.all(),
        to_field_name="no",
        not_found=MSG_NO_CUSTOMER,
        label="Customer No.",
        required=False,
    )
    shipment_date_from = date_field("Shipment Date from", required=False)
    shipment_date_to = date_field("Shipment Date to", required=False)
    not_fully_shipped = forms.BooleanField(label="Not fully shipped", required=False)
    shipped_not_invoiced = forms.BooleanField(label="Shipped not invoiced", required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("shipment_date_from"), cleaned.get("shipment_date_to")
        if start and end and start > end:
            self.add_error("shipment_date_from", MSG_DATES_REVERSED)
        return cleaned

    def filter(self, orders: SalesHeaderQuerySet) -> SalesHeaderQuerySet:
        """The orders the valid filters select (call after `is_valid()`)."""
        data = self.cleaned_data
        if q := data["q"].strip():
            orders = orders.filter(
                models.Q(no__icontains=q)
                | models.Q(customer__no__icontains=q)
                | models.Q(customer__name__icontains=q)
            )
        if data["status"]:
            orders = orders.filter(status=data["status"])
        if data["customer"]:
            orders = orders.filter(customer=data["customer"])
        if data["shipment_date_from"]:
            orders = orders.filter(shipment_date__gte=data["shipment_date_from"])
        if data["shipment_date_to"]:
            orders = orders.filter(shipment_date__lte=data["shipment_date_to"])
        if data["not_fully_shipped"]:
            orders = orders.not_fully_shipped()
        if data["shipped_not_invoiced"]:
            orders = orders.shipped_not_invoiced()
        return orders


class ReserveFromSupplyForm(forms.Form):
    """Available to Reserve: a quantity from one chosen entry or assembly order."""

    supply = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = quantity_field("Quantity to reserve", min_value=Decimal("0.00001"))
