"""Assembly orders and their component lines, and posted assembly orders (spec section 6).

Assembly stands on inventory. A linked (assemble-to-order) order knows its sales line only through the
reverse accessor `sales_line` of `sales.SalesLine.assembly_order`: this app never imports sales.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from inventory.figures import MAX_QUANTITY, MAX_QUANTITY_PER, QTY_SLACK, ZERO
from inventory.models import (
    AmountField,
    Bin,
    Item,
    Location,
    QuantityField,
    UserField,
    at_most_constraint,
    choices_constraint,
    dates_constraint,
)


class AssemblyStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RELEASED = "RELEASED", "Released"
    COMPLETED = "COMPLETED", "Completed"


REMAINING = F("quantity") - F("assembled_quantity")


class AssemblyHeaderQuerySet(models.QuerySet):
    def with_remaining(self) -> AssemblyHeaderQuerySet:
        return self.annotate(remaining=REMAINING)

    def open(self) -> AssemblyHeaderQuerySet:
        """Orders with something left to assemble (supply for availability and reservations)."""
        return self.filter(quantity__gt=F("assembled_quantity")).exclude(status=AssemblyStatus.COMPLETED)

    def receipts(self, *, item_id: int, location_id: int, upto) -> AssemblyHeaderQuerySet:
        """Open assembly orders of the item at the location due by `upto`: the FactBox's Scheduled
        Receipt, the Reservation page's "Assembly Header, Order" row and their drill-downs (spec 8, 9)."""
        return self.open().filter(item_id=item_id, location_id=location_id, due_date__lte=upto)

    def total_remaining(self) -> Decimal:
        return self.aggregate(t=Coalesce(Sum(REMAINING), ZERO))["t"]


class AssemblyHeader(models.Model):
    Status = AssemblyStatus

    no = models.CharField("No.", max_length=20, unique=True)
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="assembly_orders", verbose_name="Item No."
    )
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="assembly_orders", verbose_name="Location Code"
    )
    bin = models.ForeignKey(
        Bin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assembly_orders",
        verbose_name="Bin Code",
    )
    quantity = QuantityField(verbose_name="Quantity")
    quantity_to_assemble = QuantityField(verbose_name="Quantity to Assemble")
    assembled_quantity = QuantityField(verbose_name="Assembled Quantity")
    due_date = models.DateField("Due Date")
    starting_date = models.DateField("Starting Date")
    posting_date = models.DateField("Posting Date")
    status = models.CharField("Status", max_length=10, choices=AssemblyStatus, default=AssemblyStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssemblyHeaderQuerySet.as_manager()

    class Meta:
        verbose_name = "Assembly Order"
        ordering = ["-pk"]
        permissions = [  # R-ROLE-1: actions beyond add/change/delete, checked by the views
            ("release_assembly_order", "Can release and reopen assembly orders"),
            ("post_assembly_order", "Can post assembly orders"),
        ]
        indexes = [
            models.Index(fields=["item", "location", "due_date"], name="asm_item_location_due"),
        ]
        constraints = [
            choices_constraint("status", AssemblyStatus, "asm_status_valid"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="asm_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(assembled_quantity__gte=0) & Q(assembled_quantity__lte=F("quantity")),
                name="asm_assembled_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_to_assemble__gte=0)
                & Q(quantity_to_assemble__lte=F("quantity") - F("assembled_quantity") + QTY_SLACK),
                name="asm_to_assemble_within_remaining",
            ),
            at_most_constraint({"quantity": MAX_QUANTITY}, "asm_quantity_at_most_max"),
            dates_constraint("due_date", "starting_date", "posting_date", name="asm_dates_in_range"),
        ]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("assembly:order-card", args=[self.pk])

    @property
    def remaining_quantity(self) -> Decimal:
        """R-SYNC-3: Remaining Quantity = Quantity − Assembled Quantity."""
        return self.quantity - self.assembled_quantity

    @property
    def is_linked(self) -> bool:
        """Assemble to Order: the order supplies a sales line (spec 5)."""
        try:
            return self.sales_line is not None
        except models.ObjectDoesNotExist:
            return False

    @property
    def is_open(self) -> bool:
        return self.status == AssemblyStatus.OPEN

    @property
    def is_released(self) -> bool:
        return self.status == AssemblyStatus.RELEASED

    @property
    def is_completed(self) -> bool:
        return self.status == AssemblyStatus.COMPLETED


COMPONENT_REMAINING = F("quantity") - F("consumed_quantity")


class AssemblyLineQuerySet(models.QuerySet):
    def open_demand(self, *, item_id: int, location_id: int, upto) -> AssemblyLineQuerySet:
        """Component lines still to consume of the item at the location due by `upto`: the component
        part of the FactBox's Gross Requirement and of projected availability (spec 8, X-4)."""
        return self.filter(
            item_id=item_id, location_id=location_id, due_date__lte=upto, quantity__gt=F("consumed_quantity")
        ).exclude(header__status=AssemblyStatus.COMPLETED)

    def total_remaining(self) -> Decimal:
        return self.aggregate(t=Coalesce(Sum(COMPONENT_REMAINING), ZERO))["t"]


class AssemblyLine(models.Model):
    """A component line: what the order consumes (R-SYNC-1, R-ASM-1)."""

    header = models.ForeignKey(AssemblyHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, related_name="assembly_lines", verbose_name="No."
    )
    description = models.CharField("Description", max_length=100, blank=True)
    quantity_per = QuantityField(verbose_name="Quantity per")
    quantity = QuantityField(verbose_name="Quantity")
    quantity_to_consume = QuantityField(verbose_name="Quantity to Consume")
    consumed_quantity = QuantityField(verbose_name="Consumed Quantity")
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, related_name="assembly_lines", verbose_name="Location Code"
    )
    bin = models.ForeignKey(
        Bin,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assembly_lines",
        verbose_name="Bin Code",
    )
    due_date = models.DateField("Due Date")

    objects = AssemblyLineQuerySet.as_manager()

    class Meta:
        ordering = ["header", "line_no"]
        indexes = [
            # Component demand of an item at a location by date (FactBox, projected availability).
            models.Index(fields=["item", "location", "due_date"], name="asm_line_item_location_due"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="asm_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity_per__gt=0), name="asm_line_quantity_per_positive"),
            models.CheckConstraint(
                condition=Q(consumed_quantity__gte=0) & Q(quantity_to_consume__gte=0),
                name="asm_line_quantities_not_negative",
            ),
            at_most_constraint({"quantity_per": MAX_QUANTITY_PER}, "asm_line_quantity_per_at_most_max"),
            dates_constraint("due_date", name="asm_line_due_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no} {self.item.no}"

    @property
    def remaining_quantity(self) -> Decimal:
        return max(self.quantity - self.consumed_quantity, ZERO)


class PostedAssemblyHeader(models.Model):
    """A posted assembly (R-ASM-2, R-POST-2): history, never edited."""

    no = models.CharField("No.", max_length=20, unique=True)
    order_no = models.CharField("Order No.", max_length=20)
    order = models.ForeignKey(
        AssemblyHeader, on_delete=models.PROTECT, related_name="postings", verbose_name="Assembly Order"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="posted_assembly_orders")
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="posted_assembly_orders")
    bin = models.ForeignKey(
        Bin, on_delete=models.PROTECT, null=True, blank=True, related_name="posted_assembly_orders"
    )
    quantity = QuantityField(verbose_name="Quantity")
    posting_date = models.DateField("Posting Date")
    assemble_to_order = models.BooleanField("Assemble to Order", default=False)
    cost_amount = AmountField(verbose_name="Cost Amount")
    reversed = models.BooleanField(
        "Reversed", default=False, help_text="Undone by Undo Shipment of its assemble-to-order line."
    )
    # R-AUD-1: who posted it; `created_at` is when
    posted_by = UserField(related_name="posted_assembly_orders")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Posted Assembly Order"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("assembly:posted-card", args=[self.pk])


class PostedAssemblyLine(models.Model):
    header = models.ForeignKey(PostedAssemblyHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="posted_assembly_lines")
    description = models.CharField("Description", max_length=100, blank=True)
    quantity_per = QuantityField(verbose_name="Quantity per")
    quantity = QuantityField(verbose_name="Quantity")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="posted_assembly_lines")

    class Meta:
        ordering = ["header", "line_no"]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"
