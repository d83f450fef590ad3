"""Forms of the inventory pages, and the form pieces every app's pages share.

Codes are typed, as in Business Central, and resolved here. Quantities, amounts and dates are parsed
with their bounds (R-NUM-1, R-INV-6), so a value beyond them is refused at the field with the maximum
in the message; services check the same bounds for callers that are not forms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .figures import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    MAX_DATE,
    MAX_QUANTITY,
    MIN_DATE,
    QTY_DIGITS,
    QTY_PLACES,
    amount_validators,
    date_validators,
    quantity_validators,
)
from .models import Bin, Item, ItemJournalLine, Location

MSG_NO_ITEM = "There is no Item with No. {value}."
MSG_NO_LOCATION = "There is no Location with Code {value}."
MSG_NO_BIN = "There is no Bin with Code {value} at location {location}."

NUMBER_ATTRS = {"class": "qty", "inputmode": "decimal", "autocomplete": "off"}


class CodeField(forms.ModelChoiceField):
    """A master-data reference typed as its code (upper-cased, like BC's Code fields)."""

    widget = forms.TextInput

    def __init__(self, queryset, *, to_field_name: str, not_found: str, **kwargs):
        super().__init__(queryset, to_field_name=to_field_name, **kwargs)
        self.error_messages["invalid_choice"] = not_found.format(value="%(value)s")
        self.known: dict[str, Any] = {}  # code → the object, for codes the form has read already

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.known = {}  # each form's own: Field.__deepcopy__ copies attributes shallowly
        return result

    def know(self, obj) -> None:
        """The form has this object already (the row's saved item): its code needs no lookup."""
        if obj is not None:
            self.known[getattr(obj, self.to_field_name)] = obj

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
            if "\x00" in value:  # PostgreSQL refuses NUL in text: an unknown code, not a server error
                raise ValidationError(
                    self.error_messages["invalid_choice"], params={"value": value.replace("\x00", "")}
                )
            if value in self.known:
                return self.known[value]
        return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            obj = self.queryset.filter(pk=value).first()
            return getattr(obj, self.to_field_name) if obj else value
        if hasattr(value, self.to_field_name or ""):
            return getattr(value, self.to_field_name)
        return super().prepare_value(value)


def quantity_field(label: str, *, maximum: Decimal = MAX_QUANTITY, **kwargs) -> forms.DecimalField:
    """A quantity typed into a grid cell: a text input, so the server's message explains bad input."""
    return forms.DecimalField(
        label=label,
        max_digits=QTY_DIGITS,
        decimal_places=QTY_PLACES,
        validators=quantity_validators(label, maximum),
        widget=forms.TextInput(attrs=dict(NUMBER_ATTRS)),
        **kwargs,
    )


def amount_field(label: str, **kwargs) -> forms.DecimalField:
    """A unit price or cost: two places, not negative, at most `MAX_UNIT_AMOUNT`."""
    return forms.DecimalField(
        label=label,
        max_digits=AMOUNT_DIGITS,
        decimal_places=AMOUNT_PLACES,
        validators=amount_validators(label),
        widget=forms.TextInput(attrs=dict(NUMBER_ATTRS)),
        **kwargs,
    )


def date_field(label: str, **kwargs) -> forms.DateField:
    """A date between 1900-01-01 and 2999-12-31 (R-INV-6); the browser's picker knows the range too."""
    return forms.DateField(
        label=label,
        validators=date_validators(label),
        widget=forms.DateInput(
            attrs={"type": "date", "min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
            format="%Y-%m-%d",
        ),
        **kwargs,
    )


def resolve_bin(
    form: forms.Form, location: Location | None, code: str | None, *, field: str = "bin"
) -> Bin | None:
    """A Bin Code typed by the user, looked up within the location; an unknown code is a field error."""
    code = (code or "").strip().upper()
    if location is None or not code:
        return None
    bin_ = Bin.objects.filter(location=location, code=code).first()
    if bin_ is None:
        form.add_error(field, MSG_NO_BIN.format(value=code, location=location.code))
    return bin_


def add_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's `ValidationError` onto the form: keyed messages at their field, others on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class GridForm(forms.Form):
    """A form whose inputs sit in table cells: each belongs to the row's <form> by id and carries its
    caption as aria-label (spec 16)."""

    def __init__(self, *args, form_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        grid_cells(self, form_id)

    def autofocus(self, default: str) -> None:
        target = next((name for name in self.fields if name in self.errors), default)
        if target in self.fields:
            self.fields[target].widget.attrs["autofocus"] = True

    def apply_service_errors(self, exc: ValidationError) -> None:
        add_service_error(self, exc)


def grid_cells(form: forms.BaseForm, form_id: str) -> None:
    """Grid cells: inputs belong to the row's <form> by its id and carry their caption as aria-label."""
    form.form_id = form_id
    for field in form.fields.values():
        field.widget.attrs.update({"form": form_id, "aria-label": field.label})


class ItemJournalLineForm(forms.ModelForm):
    """One item journal line (R-INV-4). Bin Code is resolved within the chosen location."""

    item = CodeField(Item.objects.all(), to_field_name="no", not_found=MSG_NO_ITEM, label="Item No.")
    location = CodeField(
        Location.objects.all(), to_field_name="code", not_found=MSG_NO_LOCATION, label="Location Code"
    )
    # Typed as a code and resolved within the location in clean(); model errors land here too.
    bin = forms.CharField(label="Bin Code", required=False, max_length=20)
    posting_date = date_field("Posting Date")
    quantity = quantity_field("Quantity", min_value=Decimal("0.00001"))
    unit_cost = amount_field("Unit Cost", required=False, help_text="Blank takes the item's Unit Cost.")

    class Meta:
        model = ItemJournalLine
        fields = ["entry_type", "posting_date", "document_no", "item", "location", "quantity", "unit_cost"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.user = user
        if self.instance.pk:
            self.initial["bin"] = self.instance.bin.code if self.instance.bin else ""
        else:
            self.initial.setdefault("posting_date", timezone.localdate())
        grid_cells(self, f"{self.prefix or 'line'}-form")

    @staticmethod
    def initial_after(previous: ItemJournalLine | None) -> dict:
        """A new line continues the last one (BC's SetUpNewLine): its Entry Type, Posting Date, Document
        No. and Location Code; the first line takes the only location when there is just one."""
        if previous is not None:
            return {
                "entry_type": previous.entry_type,
                "posting_date": previous.posting_date,
                "document_no": previous.document_no,
                "location": previous.location.code,
            }
        only = list(Location.objects.values_list("code", flat=True)[:2])
        return {"location": only[0]} if len(only) == 1 else {}

    def autofocus(self) -> ItemJournalLineForm:
        """Put the cursor where the user continues: the first cell in error, else Item No."""
        target = next((name for name in self.fields if name in self.errors), "item")
        self.fields[target].widget.attrs["autofocus"] = True
        return self

    def clean(self):
        cleaned = super().clean()
        location = cleaned.get("location")
        self.instance.bin = resolve_bin(self, location, cleaned.get("bin"))
        if self.has_error("bin"):
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


class SearchForm(forms.Form):
    """A list's search box: a CharField refuses NUL bytes (PostgreSQL cannot store or compare them)."""

    q = forms.CharField(label="Search", required=False, max_length=50)
