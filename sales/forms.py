"""Forms of the sales order pages: they parse what the user typed; the services judge it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from inventory.forms import MSG_NO_BIN, MSG_NO_ITEM, MSG_NO_LOCATION, CodeField, quantity_field
from inventory.models import AMOUNT_DIGITS, AMOUNT_PLACES, Bin, Item, Location

from .models import Customer, SalesHeader, SalesLine, SalesStatus
from .services.lines import EDITABLE_FIELDS, EDITABLE_WHEN_RELEASED

MSG_NO_CUSTOMER = "There is no Customer with No. {value}."


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}"


class GridForm(forms.Form):
    """A form whose inputs sit in table cells: each belongs to the row's <form> by id and carries its
    caption as aria-label (spec 16)."""

    def __init__(self, *args, form_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.form_id = form_id
        for field in self.fields.values():
            field.widget.attrs.update({"form": form_id, "aria-label": field.label})

    def autofocus(self, default: str) -> None:
        target = next((name for name in self.fields if name in self.errors), default)
        if target in self.fields:
            self.fields[target].widget.attrs["autofocus"] = True

    def apply_service_errors(self, exc: ValidationError) -> None:
        """Put a service's ValidationError next to the field it names (or above the form)."""
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc)


def _amount_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        widget=forms.TextInput(attrs={"class": "qty", "inputmode": "decimal", "autocomplete": "off"}),
    )


class SalesLineForm(GridForm):
    """One sales line row. On a Released order only Qty. to Ship is an input (R-SO-1)."""

    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="No.")
    location = CodeField(
        Location.objects.all(), to_field_name="code", not_found=MSG_NO_LOCATION, label="Location Code"
    )
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)
    quantity = quantity_field("Quantity")
    qty_to_assemble_to_order = quantity_field("Qty. to Assemble to Order")
    shipment_date = forms.DateField(label="Shipment Date", widget=forms.DateInput(attrs={"type": "date"}))
    unit_price = _amount_field("Unit Price")
    qty_to_ship = quantity_field("Qty. to Ship")

    def __init__(self, *args, header: SalesHeader, line: SalesLine | None = None, **kwargs):
        self.header = header
        self.line = line
        prefix = f"line-{line.pk}" if line else "new"
        if line is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(line)
        super().__init__(*args, prefix=prefix, form_id=f"{prefix}-form", **kwargs)
        if line is None:
            keep = {"item", "quantity", "qty_to_assemble_to_order", "location", "shipment_date"}
            for optional in ("qty_to_assemble_to_order", "location", "shipment_date"):
                self.fields[optional].required = False
        elif header.status != SalesStatus.OPEN:
            keep = set(EDITABLE_WHEN_RELEASED) if header.status == SalesStatus.RELEASED else set()
        else:
            keep = set(EDITABLE_FIELDS)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]

    @staticmethod
    def initial_for(line: SalesLine) -> dict[str, Any]:
        return {
            "item": line.item.no,
            "location": line.location.code,
            "bin": line.bin.code if line.bin else "",
            "quantity": _fmt(line.quantity),
            "qty_to_assemble_to_order": _fmt(line.qty_to_assemble_to_order),
            "shipment_date": line.shipment_date,
            "unit_price": line.unit_price,
            "qty_to_ship": _fmt(line.qty_to_ship),
        }

    def clean(self):
        cleaned = super().clean()
        if "bin" in self.fields and not self.has_error("location"):
            code = (cleaned.get("bin") or "").strip().upper()
            location = cleaned.get("location") or (self.line.location if self.line else None)
            bin_ = None
            if code and location is not None:
                bin_ = Bin.objects.filter(location=location, code=code).first()
                if bin_ is None:
                    self.add_error("bin", MSG_NO_BIN.format(value=code, location=location.code))
            cleaned["bin"] = bin_
        return cleaned

    def values(self) -> dict[str, Any]:
        """What to hand to save_sales_line: every submitted field; blanks on a new line mean 'default'."""
        values = {name: self.cleaned_data[name] for name in self.fields}
        if self.line is None:
            values = {k: v for k, v in values.items() if v is not None}
        return values


class SalesHeaderForm(GridForm):
    customer = CodeField(
        Customer.objects.all(), to_field_name="no", not_found=MSG_NO_CUSTOMER, label="Customer No."
    )
    order_date = forms.DateField(label="Order Date", widget=forms.DateInput(attrs={"type": "date"}))
    posting_date = forms.DateField(label="Posting Date", widget=forms.DateInput(attrs={"type": "date"}))
    shipment_date = forms.DateField(label="Shipment Date", widget=forms.DateInput(attrs={"type": "date"}))
    location = CodeField(
        Location.objects.all(),
        to_field_name="code",
        not_found=MSG_NO_LOCATION,
        label="Location Code",
        required=False,
    )

    def __init__(self, *args, header: SalesHeader, **kwargs):
        self.header = header
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "customer": header.customer.no,
                "order_date": header.order_date,
                "posting_date": header.posting_date,
                "shipment_date": header.shipment_date,
                "location": header.location.code if header.location else "",
            }
        super().__init__(*args, prefix="header", form_id="header-form", **kwargs)
        if header.status != SalesStatus.OPEN:
            for field in self.fields.values():
                field.disabled = True


class NewSalesOrderForm(forms.Form):
    customer = CodeField(
        Customer.objects.all(), to_field_name="no", not_found=MSG_NO_CUSTOMER, label="Customer No."
    )


class SalesOrderFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=50)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All"), *SalesStatus.choices])
    customer = CodeField(
        Customer.objects.all(),
        to_field_name="no",
        not_found=MSG_NO_CUSTOMER,
        label="Customer No.",
        required=False,
    )


class ReserveFromSupplyForm(forms.Form):
    """Available to Reserve: a quantity from one chosen entry or assembly order."""

    supply = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = quantity_field("Quantity to reserve", min_value=Decimal("0.00001"))
