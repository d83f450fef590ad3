"""Forms of the assembly order pages. Codes are typed, as in Business Central, and resolved here.

The forms only parse what the user typed; the rules (R-ASM-*, R-SYNC-2, R-QTS-2) live in the services,
whose `ValidationError`s the views put back onto these forms, next to the field they name.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from inventory.figures import MAX_QUANTITY_PER, format_quantity
from inventory.forms import (
    MSG_NO_ITEM,
    MSG_NO_LOCATION,
    CodeField,
    SearchForm,
    add_service_error,
    date_field,
    grid_cells,
    quantity_field,
    resolve_bin,
)
from inventory.models import Item, Location

from .models import AssemblyHeader, AssemblyStatus

__all__ = ["add_service_error"]

ASSEMBLE_TO_ORDER_CHOICES = [("", "All"), ("linked", "Yes (linked)"), ("stand-alone", "No (stand-alone)")]


class OrderFilterForm(SearchForm):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All"), *AssemblyStatus.choices])
    assemble_to_order = forms.ChoiceField(
        label="Assemble to Order", required=False, choices=ASSEMBLE_TO_ORDER_CHOICES
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update({"placeholder": "No. or Item No.", "type": "search"})


class NewOrderForm(forms.Form):
    """A stand-alone (assemble-to-stock) assembly order, R-ASM-1."""

    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="Item No.")
    quantity = quantity_field("Quantity", min_value=Decimal("0.00001"))
    location = CodeField(
        Location.objects.all(), to_field_name="code", not_found=MSG_NO_LOCATION, label="Location Code"
    )
    bin = forms.CharField(
        label="Bin Code",
        required=False,
        max_length=20,
        help_text="Blank takes the location's From-Assembly Bin Code.",
    )
    due_date = date_field("Due Date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("due_date", timezone.localdate())
        self.fields["item"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["location"].widget.attrs["autocomplete"] = "off"
        self.fields["bin"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        cleaned = super().clean()
        cleaned["bin"] = resolve_bin(self, cleaned.get("location"), cleaned.get("bin"))
        return cleaned


class ChangesMixin:
    def changes(self) -> dict:
        """The submitted values that differ from what is saved: what the service is asked to change."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}


class HeaderForm(ChangesMixin, forms.Form):
    """The editable header fields of an order. Which of them exist depends on the order:

    stand-alone and Open: Quantity, Quantity to Assemble, Due Date, Bin Code; stand-alone and Released:
    Quantity to Assemble; linked (R-SYNC-2): Quantity to Assemble only (within R-QTS-2); Completed: none.
    """

    quantity = quantity_field("Quantity", min_value=Decimal("0.00001"))
    quantity_to_assemble = quantity_field("Quantity to Assemble", min_value=Decimal(0))
    due_date = date_field("Due Date")
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)

    def __init__(self, *args, order: AssemblyHeader, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "quantity": format_quantity(order.quantity),
                "quantity_to_assemble": format_quantity(order.quantity_to_assemble),
                "due_date": order.due_date,
                "bin": order.bin.code if order.bin else "",
            },
        )
        super().__init__(*args, prefix="header", **kwargs)
        self.order = order
        if order.status == AssemblyStatus.COMPLETED:
            editable: set[str] = set()
        elif order.is_linked or order.status != AssemblyStatus.OPEN:
            editable = {"quantity_to_assemble"}
        else:
            editable = set(self.fields)
        if not order.location.bin_mandatory:
            editable.discard("bin")  # a location without bins has no Bin Code to type
        for name in set(self.fields) - editable:
            del self.fields[name]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("autocomplete", "off")
            if name != "due_date":
                field.widget.attrs["class"] = "qty" if name != "bin" else ""

    def clean(self):
        cleaned = super().clean()
        if "bin" in self.fields and "bin" in self.changed_data:
            cleaned["bin"] = resolve_bin(self, self.order.location, cleaned.get("bin"))
        return cleaned


class LineAddForm(forms.Form):
    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="No.")
    quantity_per = quantity_field("Quantity per", maximum=MAX_QUANTITY_PER, min_value=Decimal("0.00001"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        grid_cells(self, "new-line-form")
        self.fields["item"].widget.attrs["autocomplete"] = "off"

    def autofocus(self) -> LineAddForm:
        target = next((name for name in self.fields if name in self.errors), "item")
        self.fields[target].widget.attrs["autofocus"] = True
        return self


class LineChangeForm(ChangesMixin, forms.Form):
    """Quantity per and Bin Code of a component line (the user customises the kit, R-SYNC-2)."""

    quantity_per = quantity_field("Quantity per", maximum=MAX_QUANTITY_PER, min_value=Decimal("0.00001"))
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault(
            "initial",
            {"quantity_per": format_quantity(line.quantity_per), "bin": line.bin.code if line.bin else ""},
        )
        super().__init__(*args, prefix=f"line-{line.pk}", **kwargs)
        self.line = line
        if not line.location.bin_mandatory:
            del self.fields["bin"]  # a location without bins has no Bin Code to type
        else:
            self.fields["bin"].widget.attrs["autocomplete"] = "off"
        grid_cells(self, f"line-{line.pk}-form")

    def autofocus(self) -> LineChangeForm:
        target = next((name for name in self.fields if name in self.errors), "quantity_per")
        self.fields[target].widget.attrs["autofocus"] = True
        return self

    def clean(self):
        cleaned = super().clean()
        if "bin" in self.fields and "bin" in self.changed_data:
            cleaned["bin"] = resolve_bin(self, self.line.location, cleaned.get("bin"))
        return cleaned
