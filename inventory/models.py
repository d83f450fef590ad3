"""Inventory: items and their assembly BOMs, locations and bins, and the append-only item ledger.

Spec sections 2 and 3. This app is the ground floor: it imports nothing from `assembly` or `sales`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce

from .figures import (
    AMOUNT_DIGITS,
    AMOUNT_PLACES,
    MAX_DATE,
    MAX_QUANTITY,
    MAX_QUANTITY_PER,
    MAX_UNIT_AMOUNT,
    MIN_DATE,
    QTY_DIGITS,
    QTY_PLACES,
    ZERO,
    amount_validators,
    date_range_message,
    date_validators,
    format_day,
    format_quantity,
    quantity_validators,
    round_amount,
)


def QuantityField(**kwargs) -> models.DecimalField:  # noqa: N802 - reads like a field class
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=QTY_DIGITS, decimal_places=QTY_PLACES, **kwargs)


def AmountField(**kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("default", ZERO)
    return models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES, **kwargs)


def UserField(  # noqa: N802
    *, related_name: str, verbose_name: str = "User ID", on_delete=models.PROTECT, **kwargs
) -> models.ForeignKey:
    """Who posted or made a row (R-AUD-1). Blank: on nobody's behalf (a command), or before R-AUD-1.
    PROTECT by default: posted history keeps its user, who is deactivated rather than deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=on_delete,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=verbose_name,
        **kwargs,
    )


def choices_constraint(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """Back a TextChoices field with a database check, so no write can store a value outside it."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


def dates_constraint(*fields: str, name: str) -> models.CheckConstraint:
    """R-INV-6 in the database: every date between 1900-01-01 and 2999-12-31."""
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__gte": MIN_DATE, f"{field}__lte": MAX_DATE})
    return models.CheckConstraint(condition=condition, name=name)


def at_most_constraint(maxima: dict[str, Decimal], name: str) -> models.CheckConstraint:
    """R-NUM-1 in the database: no quantity or amount beyond its maximum."""
    condition = Q()
    for field, maximum in maxima.items():
        condition &= Q(**{f"{field}__lte": maximum})
    return models.CheckConstraint(condition=condition, name=name)


MSG_ATO_NEEDS_ASSEMBLY = (
    "Assembly Policy Assemble-to-Order requires Replenishment System Assembly."  # R-ITEM-1
)
MSG_BIN_OTHER_LOCATION = "Bin {bin} does not belong to location {location}."
MSG_BIN_CODES_NEED_BIN_MANDATORY = "Bin codes can only be set when Bin Mandatory is on."
MSG_BIN_MANDATORY_HAS_ENTRIES = (
    "Bin Mandatory cannot be changed while item ledger entries exist at location {location}."
)
MSG_BIN_REQUIRED = "Bin Code must have a value at location {location}, which has Bin Mandatory."
MSG_BIN_NOT_ALLOWED = "Bin Code must be blank at location {location}, which does not use bins."
MSG_LEDGER_APPEND_ONLY = "Item ledger entries are append-only: post a correction instead."
MSG_ITEM_BLOCKED = "Item {item} is blocked."  # R-ITEM-3
MSG_QUANTITY_PER_POSITIVE = "Quantity per must be greater than 0."
MSG_OWN_COMPONENT = "An item cannot be a component of itself."  # R-ITEM-2
MSG_POSTING_DATE_NOT_ALLOWED = (
    "Posting Date {date} is not within the range of allowed posting dates ({range}) set in the Posting Setup."
)


# --------------------------------------------------------------------------------------------
# Number series
# --------------------------------------------------------------------------------------------


class NoSeries(models.Model):
    """One row per document number series (SO-00001, AO-00001, ...); see `numbering.next_no`."""

    code = models.CharField("Code", max_length=20, unique=True)
    prefix = models.CharField("Prefix", max_length=10)
    width = models.PositiveSmallIntegerField("Digits", default=5)
    last_no_used = models.PositiveIntegerField("Last No. Used", default=0)

    class Meta:
        verbose_name = "No. Series"
        verbose_name_plural = "No. Series"

    def __str__(self) -> str:
        return self.code

    def format(self, number: int) -> str:
        return f"{self.prefix}{number:0{self.width}d}"


# --------------------------------------------------------------------------------------------
# Items and BOMs
# --------------------------------------------------------------------------------------------


class ReplenishmentSystem(models.TextChoices):
    PURCHASE = "PURCHASE", "Purchase"
    ASSEMBLY = "ASSEMBLY", "Assembly"


class AssemblyPolicy(models.TextChoices):
    ASSEMBLE_TO_STOCK = "ATS", "Assemble-to-Stock"
    ASSEMBLE_TO_ORDER = "ATO", "Assemble-to-Order"


class Reserve(models.TextChoices):
    NEVER = "NEVER", "Never"
    OPTIONAL = "OPTIONAL", "Optional"
    ALWAYS = "ALWAYS", "Always"


class ItemQuerySet(models.QuerySet):
    def with_inventory(self, *, location=None) -> ItemQuerySet:
        """Annotate `inventory`: Σ Remaining Quantity of the item's open entries (spec I-4).

        It sums open entries only (a partial index covers them), so an item's long closed history
        costs nothing here.
        """
        entries = ItemLedgerEntry.objects.open().filter(item=models.OuterRef("pk"))
        if location is not None:
            entries = entries.filter(location=location)
        total = entries.values("item").annotate(total=Sum("remaining_quantity")).values("total")
        return self.annotate(
            inventory=Coalesce(models.Subquery(total), ZERO, output_field=models.DecimalField())
        )


class Item(models.Model):
    ReplenishmentSystem = ReplenishmentSystem
    AssemblyPolicy = AssemblyPolicy
    Reserve = Reserve

    no = models.CharField("No.", max_length=20, unique=True)
    description = models.CharField("Description", max_length=100, blank=True)
    base_unit_of_measure = models.CharField("Base Unit of Measure", max_length=10, default="PCS")
    unit_price = AmountField(verbose_name="Unit Price", validators=amount_validators("Unit Price"))
    unit_cost = AmountField(verbose_name="Unit Cost", validators=amount_validators("Unit Cost"))
    replenishment_system = models.CharField(
        "Replenishment System",
        max_length=10,
        choices=ReplenishmentSystem,
        default=ReplenishmentSystem.PURCHASE,
    )
    assembly_policy = models.CharField(
        "Assembly Policy",
        max_length=3,
        choices=AssemblyPolicy,
        default=AssemblyPolicy.ASSEMBLE_TO_STOCK,
    )
    reserve = models.CharField("Reserve", max_length=10, choices=Reserve, default=Reserve.OPTIONAL)
    blocked = models.BooleanField("Blocked", default=False)

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["no"]
        constraints = [
            choices_constraint("replenishment_system", ReplenishmentSystem, "item_replenishment_valid"),
            choices_constraint("assembly_policy", AssemblyPolicy, "item_assembly_policy_valid"),
            choices_constraint("reserve", Reserve, "item_reserve_valid"),
            models.CheckConstraint(  # R-ITEM-1
                condition=~Q(assembly_policy="ATO") | Q(replenishment_system="ASSEMBLY"),
                name="item_ato_requires_assembly",
                violation_error_message=MSG_ATO_NEEDS_ASSEMBLY,
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0) & Q(unit_cost__gte=0), name="item_amounts_not_negative"
            ),
            at_most_constraint(
                {"unit_price": MAX_UNIT_AMOUNT, "unit_cost": MAX_UNIT_AMOUNT}, "item_amounts_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.description}".strip()

    def clean(self) -> None:
        if (
            self.assembly_policy == self.AssemblyPolicy.ASSEMBLE_TO_ORDER
            and self.replenishment_system != self.ReplenishmentSystem.ASSEMBLY
        ):
            raise ValidationError({"assembly_policy": MSG_ATO_NEEDS_ASSEMBLY})

    @property
    def is_assemble_to_order(self) -> bool:
        return self.assembly_policy == self.AssemblyPolicy.ASSEMBLE_TO_ORDER


class BOMComponent(models.Model):
    """One line of an item's assembly BOM (R-ITEM-2). Cycles are refused by `bom.check_no_cycle`."""

    parent_item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="bom_components", verbose_name="Parent Item No."
    )
    line_no = models.PositiveIntegerField("Line No.", default=10000)
    component_item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="used_in_boms", verbose_name="No."
    )
    quantity_per = QuantityField(
        verbose_name="Quantity per",
        default=Decimal(1),
        validators=quantity_validators("Quantity per", MAX_QUANTITY_PER),
    )

    class Meta:
        verbose_name = "Assembly BOM component"
        ordering = ["parent_item", "line_no", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_per__gt=0),
                name="bom_quantity_per_positive",
                violation_error_message=MSG_QUANTITY_PER_POSITIVE,
            ),
            at_most_constraint({"quantity_per": MAX_QUANTITY_PER}, "bom_quantity_per_at_most_max"),
            models.CheckConstraint(
                condition=~Q(parent_item=models.F("component_item")),
                name="bom_not_own_component",
                violation_error_message=MSG_OWN_COMPONENT,
            ),
            models.UniqueConstraint(
                fields=["parent_item", "component_item"],
                name="bom_component_once_per_parent",
                violation_error_message="This component is already in the BOM.",
            ),
        ]

    def __str__(self) -> str:
        return f"{format_quantity(self.quantity_per)} × {self.component_item.no}"


# --------------------------------------------------------------------------------------------
# Locations and bins
# --------------------------------------------------------------------------------------------


class Location(models.Model):
    code = models.CharField("Code", max_length=10, unique=True)
    name = models.CharField("Name", max_length=100, blank=True)
    bin_mandatory = models.BooleanField("Bin Mandatory", default=False)
    require_pick = models.BooleanField("Require Pick", default=False)
    to_assembly_bin = models.ForeignKey(
        "Bin",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="To-Assembly Bin Code",
    )
    from_assembly_bin = models.ForeignKey(
        "Bin",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="From-Assembly Bin Code",
    )
    asm_to_order_shpt_bin = models.ForeignKey(
        "Bin",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="Asm.-to-Order Shpt. Bin Code",
    )

    BIN_CODE_FIELDS = ("to_assembly_bin", "from_assembly_bin", "asm_to_order_shpt_bin")

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bin_mandatory=True)
                | Q(
                    to_assembly_bin__isnull=True,
                    from_assembly_bin__isnull=True,
                    asm_to_order_shpt_bin__isnull=True,
                ),
                name="location_bin_codes_need_bin_mandatory",
                violation_error_message=MSG_BIN_CODES_NEED_BIN_MANDATORY,
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in self.BIN_CODE_FIELDS:
            bin_ = getattr(self, field)
            if bin_ is None:
                continue
            if not self.bin_mandatory:
                errors[field] = MSG_BIN_CODES_NEED_BIN_MANDATORY
            elif bin_.location_id != self.pk:
                errors[field] = MSG_BIN_OTHER_LOCATION.format(bin=bin_.code, location=self.code)
        if self.pk is not None:
            was_mandatory = (
                Location.objects.filter(pk=self.pk).values_list("bin_mandatory", flat=True).first()
            )
            if (
                was_mandatory is not None
                and was_mandatory != self.bin_mandatory
                and ItemLedgerEntry.objects.filter(location_id=self.pk).exists()
            ):
                errors["bin_mandatory"] = MSG_BIN_MANDATORY_HAS_ENTRIES.format(location=self.code)
        if errors:
            raise ValidationError(errors)


class Bin(models.Model):
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="bins", verbose_name="Location Code"
    )
    code = models.CharField("Code", max_length=20)
    description = models.CharField("Description", max_length=100, blank=True)

    class Meta:
        ordering = ["location__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["location", "code"], name="bin_code_unique_per_location"),
        ]

    def __str__(self) -> str:
        return self.code


def validate_location_bin(*, location: Location, bin: Bin | None, required: bool = True) -> None:
    """The one bin check: a bin must be the location's, and a location without bins takes none.

    `required`: a Bin Mandatory location needs one now (ledger entries, journal lines); a sales line
    may leave it blank until Release (R-SO-5).
    """
    if required and location.bin_mandatory and bin is None:
        raise ValidationError({"bin": MSG_BIN_REQUIRED.format(location=location.code)})
    if bin is not None and not location.bin_mandatory:
        raise ValidationError({"bin": MSG_BIN_NOT_ALLOWED.format(location=location.code)})
    if bin is not None and bin.location_id != location.pk:
        raise ValidationError({"bin": MSG_BIN_OTHER_LOCATION.format(bin=bin.code, location=location.code)})


# --------------------------------------------------------------------------------------------
# Posting Setup (R-INV-6: BC's Allow Posting From / To)
# --------------------------------------------------------------------------------------------


class PostingSetup(models.Model):
    """The one setup record of the company: the range of allowed posting dates (blank = no limit)."""

    allow_posting_from = models.DateField(
        "Allow Posting From", null=True, blank=True, validators=date_validators("Allow Posting From")
    )
    allow_posting_to = models.DateField(
        "Allow Posting To", null=True, blank=True, validators=date_validators("Allow Posting To")
    )

    class Meta:
        verbose_name = "Posting Setup"
        verbose_name_plural = "Posting Setup"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="posting_setup_single_row"),
            models.CheckConstraint(
                condition=Q(allow_posting_from__isnull=True)
                | Q(allow_posting_to__isnull=True)
                | Q(allow_posting_from__lte=models.F("allow_posting_to")),
                name="posting_setup_range_in_order",
                violation_error_message="Allow Posting From must not be after Allow Posting To.",
            ),
        ]

    def __str__(self) -> str:
        return "Posting Setup"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if (
            self.allow_posting_from
            and self.allow_posting_to
            and self.allow_posting_from > self.allow_posting_to
        ):
            raise ValidationError(
                {"allow_posting_to": "Allow Posting To must not be before Allow Posting From."}
            )

    @classmethod
    def current(cls) -> PostingSetup:
        """The setup record, or an unsaved blank one (no limit) when none has been saved."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @property
    def range_label(self) -> str:
        return f"{format_day(self.allow_posting_from) or '…'} to {format_day(self.allow_posting_to) or '…'}"

    def check_posting_date(self, posting_date: datetime.date) -> None:
        """Refuse a posting date outside 1900..2999 or outside Allow Posting From / To (R-INV-6)."""
        if not (MIN_DATE <= posting_date <= MAX_DATE):
            raise ValidationError({"posting_date": date_range_message("Posting Date")})
        if (self.allow_posting_from and posting_date < self.allow_posting_from) or (
            self.allow_posting_to and posting_date > self.allow_posting_to
        ):
            raise ValidationError(
                {
                    "posting_date": MSG_POSTING_DATE_NOT_ALLOWED.format(
                        date=format_day(posting_date), range=self.range_label
                    )
                }
            )


# --------------------------------------------------------------------------------------------
# The item ledger (append-only, R-INV-1 / R-INV-2)
# --------------------------------------------------------------------------------------------


class AppendOnlyError(Exception):
    """Raised by any attempt to change or delete a posted ledger record (R-INV-1)."""


class AppendOnlyQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes: posted records are corrected by new entries, never edited."""

    def update(self, **kwargs):
        raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)

    def delete(self):
        raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)

    def update_or_create(self, *args, **kwargs):
        raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)


class AppendOnlyModel(models.Model):
    """A model whose rows, once inserted, are never saved again nor deleted."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(MSG_LEDGER_APPEND_ONLY)


class EntryType(models.TextChoices):
    POSITIVE_ADJMT = "POS_ADJ", "Positive Adjmt."
    NEGATIVE_ADJMT = "NEG_ADJ", "Negative Adjmt."
    SALE = "SALE", "Sale"
    ASSEMBLY_CONSUMPTION = "ASM_CONS", "Assembly Consumption"
    ASSEMBLY_OUTPUT = "ASM_OUT", "Assembly Output"


class DocumentType(models.TextChoices):
    ITEM_JOURNAL = "ITEM_JNL", "Item Journal"
    SALES_SHIPMENT = "SALES_SHPT", "Sales Shipment"
    POSTED_ASSEMBLY = "POSTED_ASM", "Posted Assembly"


class ItemRegisterSource(models.TextChoices):
    """What posted the entries of a register (BC's Source Code)."""

    ITEM_JOURNAL = "ITEMJNL", "Item Journal"
    SALES_SHIPMENT = "SALES", "Sales Shipment"
    ASSEMBLY = "ASSEMBLY", "Assembly"
    UNDO_SHIPMENT = "UNDOSHPT", "Undo Shipment"


class ItemRegisterQuerySet(AppendOnlyQuerySet):
    def with_range(self) -> ItemRegisterQuerySet:
        """Annotate `from_entry_no`, `to_entry_no` and `entry_count` from the register's own entries.

        The range is the lowest and highest Entry No. the posting wrote, not a stored pair: on
        PostgreSQL two postings at the same moment draw entry numbers from one sequence, so a register's
        entries need not be contiguous. The entries themselves are the ones that name the register.
        """
        return self.annotate(
            from_entry_no=Min("entries__entry_no"),
            to_entry_no=Max("entries__entry_no"),
            entry_count=Count("entries"),
        )


class ItemRegister(AppendOnlyModel):
    """One posting's item ledger entries (BC's Item Register, R-AUD-1): when, by whom, what posted them.

    Written by the posting engine (`inventory.services.posting`) for each posting that writes entries,
    in the same transaction; a posting that writes none, or is refused, has no register.
    """

    Source = ItemRegisterSource

    no = models.BigAutoField("No.", primary_key=True)
    created_at = models.DateTimeField("Creation Date/Time", auto_now_add=True)
    user = UserField(related_name="item_registers")
    source = models.CharField("Source Code", max_length=10, choices=ItemRegisterSource)

    objects = ItemRegisterQuerySet.as_manager()

    class Meta:
        verbose_name = "Item Register"
        verbose_name_plural = "Item Registers"
        ordering = ["-no"]
        constraints = [choices_constraint("source", ItemRegisterSource, "item_register_source_valid")]

    def __str__(self) -> str:
        return f"{self.no}"


class ItemLedgerEntryQuerySet(AppendOnlyQuerySet):
    def open(self) -> ItemLedgerEntryQuerySet:
        """Inbound entries with Remaining Quantity > 0 (served by the partial index `ile_open`)."""
        return self.filter(remaining_quantity__gt=0)

    def with_reserved_quantity(self) -> ItemLedgerEntryQuerySet:
        """Annotate `reserved_quantity`: Σ reservations held on each entry, by any demand (R-INV-5)."""
        total = (
            Reservation.objects.filter(item_ledger_entry=models.OuterRef("pk"))
            .values("item_ledger_entry")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            reserved_quantity=Coalesce(models.Subquery(total), ZERO, output_field=models.DecimalField())
        )

    def inventory(self) -> Decimal:
        """Σ quantity over the queryset (= Σ remaining of its open entries, spec I-4)."""
        return self.aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]

    def bin_content(self) -> ItemLedgerEntryQuerySet:
        """Bin content (spec 3): Σ Remaining Quantity of the open entries per item, location and bin,
        largest first."""
        return (
            self.open()
            .values("item_id", "location_id", "bin_id")
            .annotate(content=Sum("remaining_quantity"))
            .order_by("-content", "bin_id")
        )

    def _lower_remaining(self, new_remaining: dict[int, Decimal]) -> None:
        """The one write the ledger allows after insert: an inbound entry's Remaining Quantity
        falls as outbound entries are applied to it. Only `inventory.services.posting` calls it.
        """
        if not new_remaining:
            return
        whens = [models.When(pk=pk, then=models.Value(qty)) for pk, qty in new_remaining.items()]
        super(AppendOnlyQuerySet, self.filter(pk__in=new_remaining)).update(
            remaining_quantity=models.Case(
                *whens, output_field=self.model._meta.get_field("remaining_quantity")
            )
        )


class ItemLedgerEntry(AppendOnlyModel):
    EntryType = EntryType
    DocumentType = DocumentType

    entry_no = models.BigAutoField("Entry No.", primary_key=True)
    posting_date = models.DateField("Posting Date")
    entry_type = models.CharField("Entry Type", max_length=10, choices=EntryType)
    document_type = models.CharField("Document Type", max_length=10, choices=DocumentType)
    document_no = models.CharField("Document No.", max_length=20)
    document_line_no = models.PositiveIntegerField("Document Line No.", default=0)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name="Item No."
    )
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="ledger_entries", verbose_name="Location Code"
    )
    bin = models.ForeignKey(
        Bin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_entries",
        verbose_name="Bin Code",
    )
    quantity = QuantityField(verbose_name="Quantity")
    remaining_quantity = QuantityField(verbose_name="Remaining Quantity")
    cost_amount = AmountField(verbose_name="Cost Amount (Actual)")
    applies_from_entry = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name="Applies-from Entry",
        help_text="For an inbound correction: the outbound entry it reverses, at that entry's cost.",
    )
    correction = models.BooleanField(
        "Correction", default=False, help_text="Written by an undo (Undo Shipment), reversing an entry."
    )
    register = models.ForeignKey(
        ItemRegister,
        on_delete=models.PROTECT,
        null=True,  # entries posted before R-AUD-1 have none
        blank=True,
        related_name="entries",
        verbose_name="Item Register No.",
    )
    created_by = UserField(related_name="item_ledger_entries")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ItemLedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "Item Ledger Entry"
        verbose_name_plural = "Item Ledger Entries"
        ordering = ["-entry_no"]
        indexes = [
            # What an item's figures cost must not grow with its closed history (spec 14, issue 4):
            # open entries are found through this partial index.
            models.Index(
                fields=["item", "location", "bin", "entry_no"],
                condition=Q(remaining_quantity__gt=0),
                name="ile_open",
            ),
            # SQLite cannot use the partial index above (Django sends "> 0" as a parameter, and SQLite
            # matches partial indexes on literals only); this one serves open-entry sums there.
            models.Index(
                fields=["item", "location", "remaining_quantity"], name="ile_item_location_remaining"
            ),
            models.Index(fields=["item", "location", "posting_date"], name="ile_item_location_date"),
            models.Index(fields=["document_no"], name="ile_document_no"),
        ]
        constraints = [
            choices_constraint("entry_type", EntryType, "ile_entry_type_valid"),
            choices_constraint("document_type", DocumentType, "ile_document_type_valid"),
            models.CheckConstraint(condition=~Q(quantity=0), name="ile_quantity_not_zero"),
            # I-1: 0 <= Remaining <= Quantity for inbound entries; outbound entries carry none.
            models.CheckConstraint(
                condition=(
                    Q(quantity__gt=0)
                    & Q(remaining_quantity__gte=0)
                    & Q(remaining_quantity__lte=models.F("quantity"))
                )
                | (Q(quantity__lt=0) & Q(remaining_quantity=0)),
                name="ile_remaining_within_quantity",
            ),
            models.CheckConstraint(  # only an inbound entry corrects (reverses) an outbound one
                condition=Q(applies_from_entry__isnull=True) | Q(quantity__gt=0),
                name="ile_applies_from_is_inbound",
            ),
            dates_constraint("posting_date", name="ile_posting_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_no}"

    @property
    def is_open(self) -> bool:
        return self.remaining_quantity > 0


class ItemApplicationEntry(AppendOnlyModel):
    """Which inbound entry an outbound entry took its quantity from (R-INV-2)."""

    outbound_entry = models.ForeignKey(
        ItemLedgerEntry,
        on_delete=models.PROTECT,
        related_name="applications_out",
        verbose_name="Outbound Item Entry No.",
    )
    inbound_entry = models.ForeignKey(
        ItemLedgerEntry,
        on_delete=models.PROTECT,
        related_name="applications_in",
        verbose_name="Inbound Item Entry No.",
    )
    quantity = QuantityField(verbose_name="Quantity")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "Item Application Entry"
        verbose_name_plural = "Item Application Entries"
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="application_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.outbound_entry_id} ← {self.inbound_entry_id}: {self.quantity}"


# --------------------------------------------------------------------------------------------
# The item journal (R-INV-4)
# --------------------------------------------------------------------------------------------


class JournalEntryType(models.TextChoices):
    POSITIVE_ADJMT = EntryType.POSITIVE_ADJMT.value, "Positive Adjmt."
    NEGATIVE_ADJMT = EntryType.NEGATIVE_ADJMT.value, "Negative Adjmt."


class ItemJournalLine(models.Model):
    """A draft line of a user's item journal; Post turns all of them into ledger entries."""

    EntryType = JournalEntryType

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="item_journal_lines")
    entry_type = models.CharField(
        "Entry Type", max_length=10, choices=JournalEntryType, default=JournalEntryType.POSITIVE_ADJMT
    )
    posting_date = models.DateField("Posting Date", validators=date_validators("Posting Date"))
    document_no = models.CharField("Document No.", max_length=20, blank=True)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="journal_lines", verbose_name="Item No."
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="journal_lines", verbose_name="Location Code"
    )
    bin = models.ForeignKey(
        Bin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_lines",
        verbose_name="Bin Code",
    )
    quantity = QuantityField(verbose_name="Quantity", validators=quantity_validators("Quantity"))
    unit_cost = AmountField(verbose_name="Unit Cost", validators=amount_validators("Unit Cost"))

    class Meta:
        ordering = ["pk"]
        permissions = [("post_item_journal", "Can post the item journal")]
        constraints = [
            choices_constraint("entry_type", JournalEntryType, "journal_entry_type_valid"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="journal_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_cost__gte=0), name="journal_unit_cost_not_negative"),
            at_most_constraint(
                {"quantity": MAX_QUANTITY, "unit_cost": MAX_UNIT_AMOUNT}, "journal_line_at_most_max"
            ),
            dates_constraint("posting_date", name="journal_posting_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_entry_type_display()} {self.quantity} {self.item.no}"

    def clean(self) -> None:
        if self.item_id and self.item.blocked:
            raise ValidationError({"item": MSG_ITEM_BLOCKED.format(item=self.item.no)})
        if self.location_id:
            validate_location_bin(location=self.location, bin=self.bin)

    @property
    def amount(self) -> Decimal:
        return round_amount(self.quantity * self.unit_cost)

    @property
    def signed_quantity(self) -> Decimal:
        if self.entry_type == JournalEntryType.NEGATIVE_ADJMT:
            return -self.quantity
        return self.quantity


# --------------------------------------------------------------------------------------------
# Reservations (spec section 7)
# --------------------------------------------------------------------------------------------


class ReservationQuerySet(models.QuerySet):
    def on_entries(self) -> ReservationQuerySet:
        return self.filter(item_ledger_entry__isnull=False)

    def on_assembly_orders(self) -> ReservationQuerySet:
        return self.filter(assembly_order__isnull=False)

    def total(self) -> Decimal:
        return self.aggregate(total=Coalesce(Sum("quantity"), ZERO))["total"]

    def for_demand(self, demand: Demand) -> ReservationQuerySet:
        return self.filter(**demand.lookup)


@dataclass(frozen=True)
class Demand:
    """Who holds a reservation: a sales line today (R-RES-*); an assembly component line joins later.

    The posting engine takes a demand's own reserved entries first and never another demand's
    reserved quantity (R-INV-2, R-INV-3); this is how it names the demand without importing the
    app that owns it.
    """

    sales_line_id: int

    @property
    def lookup(self) -> dict[str, int]:
        return {"sales_line_id": self.sales_line_id}


class Reservation(models.Model):
    """Ties one demand to one supply for a positive quantity.

    Demand: a sales line (later also an assembly component line). Supply: an inbound item ledger entry
    or an assembly order's remaining quantity. `binding` marks the order-to-order link between a sales
    line and its linked assembly order (R-RES-1): it follows the line and cannot be cancelled.
    Upper apps' models are referenced by name only; inventory imports neither of them.
    """

    sales_line = models.ForeignKey(
        "sales.SalesLine",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name="Sales Line",
    )
    item_ledger_entry = models.ForeignKey(
        ItemLedgerEntry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name="Item Ledger Entry",
    )
    assembly_order = models.ForeignKey(
        "assembly.AssemblyHeader",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
        verbose_name="Assembly Order",
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = QuantityField(verbose_name="Quantity")
    binding = models.BooleanField("Binding (Order-to-Order)", default=False)
    # A reservation is not history: it does not keep its user from being deleted.
    created_by = UserField(related_name="reservations", verbose_name="Created By", on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReservationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["item", "location"], name="reservation_item_location"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_positive"),
            models.CheckConstraint(condition=Q(sales_line__isnull=False), name="reservation_has_demand"),
            models.CheckConstraint(  # exactly one supply
                condition=Q(item_ledger_entry__isnull=False, assembly_order__isnull=True)
                | Q(item_ledger_entry__isnull=True, assembly_order__isnull=False),
                name="reservation_has_one_supply",
            ),
            models.CheckConstraint(
                condition=Q(binding=False) | Q(assembly_order__isnull=False),
                name="reservation_binding_is_on_an_assembly_order",
            ),
            models.UniqueConstraint(
                fields=["sales_line"], condition=Q(binding=True), name="reservation_one_binding_per_line"
            ),
            models.UniqueConstraint(
                fields=["assembly_order"], condition=Q(binding=True), name="reservation_one_binding_per_order"
            ),
        ]

    def __str__(self) -> str:
        supply = (
            f"ILE {self.item_ledger_entry_id}"
            if self.item_ledger_entry_id
            else f"AO {self.assembly_order_id}"
        )
        return f"{self.quantity} of {self.item_id} for line {self.sales_line_id} from {supply}"

    @property
    def demand(self):
        """The demand model instance (a sales line), which names itself as `demand_caption`."""
        return self.sales_line

    @property
    def demand_caption(self) -> str:
        return self.demand.demand_caption
