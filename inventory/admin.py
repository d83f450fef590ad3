"""The Django admin for inventory master data (spec section 2) and a read-only view of the item ledger.

Items carry their assembly BOM as an inline whose formset refuses BOM cycles at any depth (R-ITEM-2);
locations carry their bins, and their three assembly bin codes offer only the location's own bins.
Ledger records are posted only by `inventory.services.posting`: here they can be looked at, never
added, changed or deleted (R-INV-1).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html

from .bom import check_no_cycle
from .figures import format_quantity
from .models import (
    MSG_QUANTITY_PER_POSITIVE,
    Bin,
    BOMComponent,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
    ItemRegister,
    Location,
    NoSeries,
    PostingSetup,
)

MSG_BOM_DUPLICATE_COMPONENT = "Item {item} is already on another line of this assembly BOM."
MSG_BOM_COMPONENT_ON_OTHER_LINE = (
    "Item {item} is still on another line of this assembly BOM: "
    "change or delete that line, save, then change this one."
)
HELP_BIN_CODE_SAVE_FIRST = "Add the location's bins below and save; then choose one of them here."
HELP_BIN_CODE = "One of this location's bins. Needs Bin Mandatory."


def _quantity(value: Decimal | None) -> str:
    """A quantity the way BC shows it: 10 rather than 10.00000."""
    return format_quantity(value)


# --------------------------------------------------------------------------------------------
# Items and their assembly BOMs
# --------------------------------------------------------------------------------------------


class BOMComponentForm(forms.ModelForm):
    class Meta:
        model = BOMComponent
        fields = ("component_item", "quantity_per")

    def clean_quantity_per(self) -> Decimal:
        quantity = self.cleaned_data["quantity_per"]
        if quantity <= 0:
            raise ValidationError(MSG_QUANTITY_PER_POSITIVE, code="quantity_per_not_positive")
        return quantity


class AssemblyBOMFormSet(BaseInlineFormSet):
    """The lines of one item's assembly BOM, judged together (R-ITEM-2).

    Every error lands on the line that causes it, before the database constraints could refuse the
    save: a component used twice, a swap of components between existing lines (saved one line at a
    time it would trip the unique constraint half-way), and a component whose own BOM, at any depth,
    already contains this item.
    """

    def clean(self) -> None:
        parent = self.instance
        stored_on_line = {
            form.initial["component_item"]: form
            for form in self.initial_forms
            if form.initial.get("component_item") is not None
        }
        seen: set[int] = set()
        for form in self.forms:
            if not form.is_valid() or self._should_delete_form(form):
                continue
            component = form.cleaned_data.get("component_item")
            if component is None:
                continue
            changed = "component_item" in form.changed_data
            other_line = stored_on_line.get(component.pk)
            if changed and form.instance.pk is not None and other_line not in (None, form):
                form.add_error("component_item", MSG_BOM_COMPONENT_ON_OTHER_LINE.format(item=component.no))
                continue
            if component.pk in seen:
                form.add_error("component_item", MSG_BOM_DUPLICATE_COMPONENT.format(item=component.no))
                continue
            seen.add(component.pk)
            # An item being added is in nobody's BOM yet and cannot be picked as its own component:
            # only lines of a saved item that are new or changed can close a cycle.
            if changed and parent.pk is not None:
                try:
                    check_no_cycle(parent=parent, components=[component])
                except ValidationError as error:
                    form.add_error("component_item", error)
        super().clean()


class BOMComponentInline(admin.TabularInline):
    model = BOMComponent
    fk_name = "parent_item"
    form = BOMComponentForm
    formset = AssemblyBOMFormSet
    extra = 0
    fields = ("component_item", "component_description", "quantity_per")
    readonly_fields = ("component_description",)
    autocomplete_fields = ("component_item",)
    verbose_name = "Assembly BOM line"
    verbose_name_plural = "Assembly BOM"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("component_item")

    @admin.display(description="Description")
    def component_description(self, obj: BOMComponent) -> str:
        return obj.component_item.description if obj.component_item_id else ""


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = (
        "no",
        "description",
        "replenishment_system",
        "assembly_policy",
        "reserve",
        "unit_price",
        "unit_cost",
        "inventory",
        "blocked",
    )
    list_filter = ("replenishment_system", "assembly_policy", "reserve", "blocked")
    search_fields = ("no", "description")
    readonly_fields = ("inventory",)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "no",
                    "description",
                    "base_unit_of_measure",
                    "inventory",
                    "unit_price",
                    "unit_cost",
                    "reserve",
                    "blocked",
                )
            },
        ),
        ("Replenishment", {"fields": ("replenishment_system", "assembly_policy")}),
    )
    inlines = (BOMComponentInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).with_inventory()

    @admin.display(description="Inventory", ordering="inventory")
    def inventory(self, obj: Item) -> str:
        # The add page shows an unsaved item, which has no annotation.
        return _quantity(getattr(obj, "inventory", None))


# --------------------------------------------------------------------------------------------
# Locations and bins
# --------------------------------------------------------------------------------------------


class LocationBinField(forms.ModelChoiceField):
    """Offers the location's own bins (its queryset), yet reads any posted bin.

    A bin of another location then reaches `Location.clean`, which refuses it with a message that
    names the bin, instead of the form's anonymous "Select a valid choice".
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Bin.objects.get(pk=value)
        except (ValueError, TypeError, Bin.DoesNotExist):
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ("code", "name", "require_pick", "bin_mandatory", *Location.BIN_CODE_FIELDS)
        field_classes = dict.fromkeys(Location.BIN_CODE_FIELDS, LocationBinField)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = self.instance.pk is not None
        own_bins = Bin.objects.filter(location=self.instance) if saved else Bin.objects.none()
        for name in Location.BIN_CODE_FIELDS:
            field = self.fields[name]
            field.queryset = own_bins
            field.help_text = HELP_BIN_CODE if saved else HELP_BIN_CODE_SAVE_FIRST
            if isinstance(field.widget, RelatedFieldWidgetWrapper):
                # A bin added or edited through the popup could belong to any location.
                field.widget.can_add_related = False
                field.widget.can_change_related = False
                field.widget.can_delete_related = False


class BinInline(admin.TabularInline):
    model = Bin
    fields = ("code", "description")
    extra = 0


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    form = LocationForm
    list_display = ("code", "name", "bin_mandatory", "require_pick")
    list_filter = ("bin_mandatory", "require_pick")
    search_fields = ("code", "name")
    fieldsets = (
        (None, {"fields": ("code", "name")}),
        ("Warehouse", {"fields": ("require_pick", "bin_mandatory")}),
        ("Bins", {"fields": Location.BIN_CODE_FIELDS}),
    )
    inlines = (BinInline,)


@admin.register(Bin)
class BinAdmin(admin.ModelAdmin):
    list_display = ("location", "code", "description")
    list_filter = ("location",)
    list_select_related = ("location",)
    search_fields = ("code", "description", "location__code")
    autocomplete_fields = ("location",)

    def get_readonly_fields(self, request, obj=None):
        # Ledger entries and a location's assembly bin codes point at the bin: it stays where it is.
        if obj is not None:
            return ("location",)
        return ()


@admin.register(PostingSetup)
class PostingSetupAdmin(admin.ModelAdmin):
    """The one setup record (R-INV-6): BC's Allow Posting From / To; blank means no limit. Adding
    saves that one record (`PostingSetup.save`), so there is never a second."""

    list_display = ("__str__", "allow_posting_from", "allow_posting_to")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(NoSeries)
class NoSeriesAdmin(admin.ModelAdmin):
    list_display = ("code", "prefix", "width", "last_no_used")
    search_fields = ("code", "prefix")


# --------------------------------------------------------------------------------------------
# The item ledger: view only (R-INV-1)
# --------------------------------------------------------------------------------------------


class PostedRecordAdmin(admin.ModelAdmin):
    """Posted records are written only by the posting service: no add, change or delete here."""

    actions = None  # no "delete selected"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ItemLedgerEntry)
class ItemLedgerEntryAdmin(PostedRecordAdmin):
    list_display = (
        "posting_date",
        "entry_type",
        "document_type",
        "document_no",
        "item_no",
        "description",
        "location",
        "bin",
        "quantity_display",
        "remaining_quantity_display",
        "cost_amount",
        "is_open",
        "created_by",
        "register_no",
        "entry_no",
    )
    list_filter = ("entry_type", "location", "document_type")
    list_select_related = ("item", "location", "bin", "created_by")
    search_fields = ("document_no", "item__no")
    date_hierarchy = "posting_date"

    @admin.display(description="Item No.", ordering="item__no")
    def item_no(self, obj: ItemLedgerEntry) -> str:
        return obj.item.no

    @admin.display(description="Item Register No.", ordering="register")
    def register_no(self, obj: ItemLedgerEntry) -> int | None:
        return obj.register_id  # the number itself: no query per row

    @admin.display(description="Quantity", ordering="quantity")
    def quantity_display(self, obj: ItemLedgerEntry) -> str:
        return _quantity(obj.quantity)

    @admin.display(description="Remaining Quantity", ordering="remaining_quantity")
    def remaining_quantity_display(self, obj: ItemLedgerEntry) -> str:
        return _quantity(obj.remaining_quantity)

    @admin.display(description="Open", boolean=True, ordering="remaining_quantity")
    def is_open(self, obj: ItemLedgerEntry) -> bool:
        return obj.is_open


def _entry_link(entry: ItemLedgerEntry) -> str:
    url = reverse("admin:inventory_itemledgerentry_change", args=[entry.pk])
    return format_html('<a href="{}">{}</a>', url, entry.pk)


@admin.register(ItemApplicationEntry)
class ItemApplicationEntryAdmin(PostedRecordAdmin):
    list_display = (
        "entry_no",
        "posting_date",
        "item_no",
        "inbound_item_entry_no",
        "outbound_item_entry_no",
        "quantity_display",
    )
    list_filter = ("outbound_entry__entry_type", "outbound_entry__location")
    list_select_related = ("outbound_entry__item", "inbound_entry")
    search_fields = ("outbound_entry__document_no", "inbound_entry__document_no", "outbound_entry__item__no")
    date_hierarchy = "outbound_entry__posting_date"
    fields = (
        "posting_date",
        "item_no",
        "inbound_item_entry_no",
        "outbound_item_entry_no",
        "quantity_display",
    )
    readonly_fields = fields

    @admin.display(description="Entry No.", ordering="pk")
    def entry_no(self, obj: ItemApplicationEntry) -> int:
        return obj.pk

    @admin.display(description="Posting Date", ordering="outbound_entry__posting_date")
    def posting_date(self, obj: ItemApplicationEntry):
        return obj.outbound_entry.posting_date

    @admin.display(description="Item No.", ordering="outbound_entry__item__no")
    def item_no(self, obj: ItemApplicationEntry) -> str:
        return obj.outbound_entry.item.no

    @admin.display(description="Inbound Item Entry No.", ordering="inbound_entry")
    def inbound_item_entry_no(self, obj: ItemApplicationEntry) -> str:
        return _entry_link(obj.inbound_entry)

    @admin.display(description="Outbound Item Entry No.", ordering="outbound_entry")
    def outbound_item_entry_no(self, obj: ItemApplicationEntry) -> str:
        return _entry_link(obj.outbound_entry)

    @admin.display(description="Quantity", ordering="quantity")
    def quantity_display(self, obj: ItemApplicationEntry) -> str:
        return _quantity(obj.quantity)


@admin.register(ItemRegister)
class ItemRegisterAdmin(PostedRecordAdmin):
    """R-AUD-1: one row per posting, with the range of entries it wrote (annotated, see `with_range`)."""

    list_display = ("no", "created_at", "user", "source", "from_entry_no", "to_entry_no", "entry_count")
    list_filter = ("source",)
    list_select_related = ("user",)
    search_fields = ("user__username",)
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).with_range()

    @admin.display(description="From Entry No.", ordering="from_entry_no")
    def from_entry_no(self, obj: ItemRegister) -> int | None:
        return obj.from_entry_no

    @admin.display(description="To Entry No.", ordering="to_entry_no")
    def to_entry_no(self, obj: ItemRegister) -> int | None:
        return obj.to_entry_no

    @admin.display(description="No. of Entries", ordering="entry_count")
    def entry_count(self, obj: ItemRegister) -> int:
        return obj.entry_count
