"""Forms of the inventory pages. Codes are typed, as in Business Central, and resolved here."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone

from .models import AMOUNT_DIGITS, AMOUNT_PLACES, QTY_DIGITS, QTY_PLACES, Bin, Item, ItemJournalLine, Location

MSG_NO_ITEM = "There is no Item with No. {value}."
MSG_NO_LOCATION = "There is no Location with Code {value}."
MSG_NO_BIN = "There is no Bin with Code {value} at location {location}."


class CodeField(forms.ModelChoiceField):
    """A master-data reference typed as its code (upper-cased, like BC's Code fields)."""

    widget = forms.TextInput

    def __init__(self, queryset, *, to_field_name: str, not_found: str, **kwargs):
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)
        self.error_messages["invalid_choice"] = not_found.format(value="%(value)s")

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            obj = self.queryset.filter(pk=value).first()
            return getattr(obj, self.to_field_name) if obj else value
        if hasattr(value, self.to_field_name or ""):
            return getattr(value, self.to_field_name)
        return super().prepare_value(value)


def quantity_field(label: str, **kwargs) -> forms.DecimalField:
    """A quantity typed into a grid cell: a text input, so the server's message explains bad input."""
    return forms.DecimalField(
        label=label,
        max_digits=QTY_DIGITS,
        decimal_places=QTY_PLACES,
        widget=forms.TextInput(attrs={"class": "qty", "inputmode": "decimal", "autocomplete": "off"}),
        **kwargs,
    )


class ItemJournalLineForm(forms.ModelForm):
    """One item journal line (R-INV-4). Bin Code is resolved within the chosen location."""

    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="Item No.")
    location = CodeField(
        Location.objects.all(), to_field_name="code", not_found=MSG_NO_LOCATION, label="Location Code"
    )
    # Typed as a code and resolved within the location in clean(); model errors land here too.
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)
    quantity = quantity_field("Quantity", min_value=Decimal("0.00001"))
    unit_cost = forms.DecimalField(
        label="Unit Cost",
        required=False,
        min_value=Decimal(0),
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        help_text="Blank takes the item's Unit Cost.",
        widget=forms.TextInput(attrs={"class": "qty", "inputmode": "decimal", "autocomplete": "off"}),
    )

    class Meta:
        model = ItemJournalLine
        fields = ["entry_type", "posting_date", "document_no", "item", "location", "quantity", "unit_cost"]
        widgets = {"posting_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        if self.instance.pk:
            self.initial["bin"] = self.instance.bin.code if self.instance.bin else ""
        else:
            self.initial.setdefault("posting_date", timezone.localdate())
        # Grid cells: inputs belong to the row's <form> by its id and carry their caption as aria-label.
        self.form_id = f"{self.prefix or 'line'}-form"
        for field in self.fields.values():
            field.widget.attrs.update({"form": self.form_id, "aria-label": field.label})

    def autofocus(self) -> ItemJournalLineForm:
        """Put the cursor where the user continues: the first cell in error, else Item No."""
        target = next((name for name in self.fields if name in self.errors), "item")
        self.fields[target].widget.attrs["autofocus"] = True
        return self

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        code = (cleaned.get("bin") or "").strip().upper()
        self.instance.bin = None
        if location is not None and code:
            self.instance.bin = Bin.objects.filter(location=location, code=code).first()
            if self.instance.bin is None:
                self.add_error("bin", MSG_NO_BIN.format(value=code, location=location.code))
                return cleaned
        if cleaned.get("item") is not None and cleaned.get("unit_cost") is None:
            cleaned["unit_cost"] = cleaned["item"].unit_cost
        return cleaned


class LedgerFilterForm(forms.Form):
    item = CodeField(
        Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="Item No.", required=False
    )
    location = CodeField(
        Location.objects.all(),
        to_field_name="code",
        not_found=MSG_NO_LOCATION,
        label="Location Code",
        required=False,
    )
    open_only = forms.BooleanField(label="Open entries only", required=False)
