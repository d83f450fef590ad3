"""Sales: customers, sales orders and lines, and the assemble-to-order link (spec 4-5).

Sales stands on inventory and assembly: a line points at its linked assembly order, never the reverse.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from inventory.figures import MAX_QUANTITY, MAX_UNIT_AMOUNT, ZERO, round_amount
from inventory.models import (
    AmountField,
    Item,
    QuantityField,
    Reservation,
    at_most_constraint,
    dates_constraint,
)


class Customer(models.Model):
    no = models.CharField("No.", max_length=20, unique=True)
    name = models.CharField("Name", max_length=100)
    address = models.CharField("Address", max_length=200, blank=True)
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name="Location Code",
        help_text="Default location for this customer's sales orders.",
    )
    blocked = models.BooleanField("Blocked", default=False)

    class Meta:
        ordering = ["no"]

    def __str__(self) -> str:
        return f"{self.no} {self.name}"


class SalesStatus(models.TextChoices):
    OPEN = "OPEN", "Open"
    RELEASED = "RELEASED", "Released"
    COMPLETED = "COMPLETED", "Completed"


# Orders whose lines are demand (spec 8: "Open or Released").
OPEN_SALES_STATUSES = (SalesStatus.OPEN, SalesStatus.RELEASED)
OUTSTANDING = F("quantity") - F("quantity_shipped")


class SalesHeader(models.Model):
    """A sales order (spec section 4)."""

    Status = SalesStatus

    no = models.CharField("No.", max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="sales_orders", verbose_name="Customer No."
    )
    order_date = models.DateField("Order Date")
    posting_date = models.DateField("Posting Date")
    shipment_date = models.DateField("Shipment Date")
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_orders",
        verbose_name="Location Code",
    )
    status = models.CharField("Status", max_length=10, choices=SalesStatus, default=SalesStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Sales Order"
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=SalesStatus.values), name="so_status_valid"),
            dates_constraint("order_date", "posting_date", "shipment_date", name="so_dates_in_range"),
        ]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("sales:order-card", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == SalesStatus.OPEN

    @property
    def is_released(self) -> bool:
        return self.status == SalesStatus.RELEASED

    @property
    def is_completed(self) -> bool:
        return self.status == SalesStatus.COMPLETED


class SalesLineQuerySet(models.QuerySet):
    def open_demand(self, *, item_id: int, location_id: int, upto) -> SalesLineQuerySet:
        """Outstanding lines of Open or Released orders for the item at the location shipping by `upto`:
        the sales part of the FactBox's Gross Requirement, its drill-down and projected availability."""
        return self.filter(
            item_id=item_id,
            location_id=location_id,
            shipment_date__lte=upto,
            header__status__in=OPEN_SALES_STATUSES,
            quantity__gt=F("quantity_shipped"),
        )

    def total_outstanding(self) -> Decimal:
        return self.aggregate(t=Coalesce(Sum(OUTSTANDING), ZERO))["t"]

    def with_reserved_quantity(self) -> SalesLineQuerySet:
        """Annotate `reserved_quantity` = Σ the line's reservations, binding included (R-RES-2)."""
        total = (
            Reservation.objects.filter(sales_line=models.OuterRef("pk"))
            .values("sales_line")
            .annotate(total=Sum("quantity"))
            .values("total")
        )
        return self.annotate(
            reserved_quantity=Coalesce(models.Subquery(total), ZERO, output_field=models.DecimalField())
        )


class SalesLine(models.Model):
    """A sales order line; its Qty. to Assemble to Order drives a linked assembly order (spec 5)."""

    header = models.ForeignKey(SalesHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    item = models.ForeignKey(
        "inventory.Item", on_delete=models.PROTECT, related_name="sales_lines", verbose_name="No."
    )
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey(
        "inventory.Location",
        on_delete=models.PROTECT,
        related_name="sales_lines",
        verbose_name="Location Code",
    )
    bin = models.ForeignKey(
        "inventory.Bin",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_lines",
        verbose_name="Bin Code",
    )
    quantity = QuantityField(verbose_name="Quantity")
    qty_to_assemble_to_order = QuantityField(verbose_name="Qty. to Assemble to Order")
    qty_to_ship = QuantityField(verbose_name="Qty. to Ship")
    quantity_shipped = QuantityField(verbose_name="Quantity Shipped")
    qty_to_invoice = QuantityField(verbose_name="Qty. to Invoice")
    quantity_invoiced = QuantityField(verbose_name="Quantity Invoiced")
    shipment_date = models.DateField("Shipment Date")
    unit_price = AmountField(verbose_name="Unit Price")
    reserve = models.CharField("Reserve", max_length=10, choices=Item.Reserve, default=Item.Reserve.OPTIONAL)
    assembly_order = models.OneToOneField(
        "assembly.AssemblyHeader",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_line",
        verbose_name="Assembly Order",
    )

    objects = SalesLineQuerySet.as_manager()

    class Meta:
        ordering = ["header", "line_no"]
        indexes = [
            # Demand of an item at a location by date: the FactBox and projected availability.
            models.Index(fields=["item", "location", "shipment_date"], name="sales_line_item_location_ship"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="sales_line_no_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0)
                & models.Q(quantity_shipped__gte=0)
                & models.Q(quantity__gte=models.F("quantity_shipped")),
                name="sales_line_quantity_covers_shipped",
            ),
            models.CheckConstraint(
                condition=models.Q(qty_to_ship__gte=0)
                & models.Q(qty_to_ship__lte=models.F("quantity") - models.F("quantity_shipped")),
                name="sales_line_qty_to_ship_within_outstanding",
            ),
            models.CheckConstraint(
                condition=models.Q(qty_to_assemble_to_order__gte=0), name="sales_line_qato_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(reserve__in=Item.Reserve.values), name="sales_line_reserve_valid"
            ),
            at_most_constraint(
                {"quantity": MAX_QUANTITY, "unit_price": MAX_UNIT_AMOUNT}, "sales_line_at_most_max"
            ),
            dates_constraint("shipment_date", name="sales_line_shipment_date_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"

    @property
    def demand_caption(self) -> str:
        """How a reservation or a shortage message names this line as a demand."""
        return f"sales order {self.header.no} line {self.line_no}"

    @property
    def outstanding_quantity(self) -> Decimal:
        return self.quantity - self.quantity_shipped

    @property
    def line_amount(self) -> Decimal:
        return round_amount(self.quantity * self.unit_price)

    @property
    def reserves_never(self) -> bool:
        return self.reserve == Item.Reserve.NEVER

    @property
    def stock_part(self) -> Decimal:
        return self.quantity - self.qty_to_assemble_to_order


# --------------------------------------------------------------------------------------------
# Posted Sales Shipments (R-POST-4): history, never edited
# --------------------------------------------------------------------------------------------


class SalesShipmentHeader(models.Model):
    """A Posted Sales Shipment: what one Post (Ship) of a sales order shipped."""

    no = models.CharField("No.", max_length=20, unique=True)
    order = models.ForeignKey(
        SalesHeader, on_delete=models.PROTECT, related_name="shipments", verbose_name="Order No."
    )
    order_no = models.CharField("Order No.", max_length=20)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="shipments")
    posting_date = models.DateField("Posting Date")
    shipment_date = models.DateField("Shipment Date")
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="shipments"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Posted Sales Shipment"
        ordering = ["-pk"]
        constraints = [dates_constraint("posting_date", "shipment_date", name="shipment_dates_in_range")]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("sales:shipment-card", args=[self.pk])


class SalesShipmentLine(models.Model):
    """One shipped line: its quantity, how much of it was assembled to order, and (through `entries`)
    exactly which item ledger entries its posting wrote (so Undo Shipment can reverse them)."""

    header = models.ForeignKey(SalesShipmentHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    order_line = models.ForeignKey(
        SalesLine, on_delete=models.PROTECT, related_name="shipment_lines", verbose_name="Order Line"
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="shipment_lines")
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    bin = models.ForeignKey(
        "inventory.Bin", on_delete=models.PROTECT, null=True, blank=True, related_name="shipment_lines"
    )
    quantity = QuantityField(verbose_name="Quantity")
    qty_assembled_to_order = QuantityField(verbose_name="Qty. Assembled to Order")
    unit_price = AmountField(verbose_name="Unit Price")
    posted_assembly = models.OneToOneField(
        "assembly.PostedAssemblyHeader",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipment_line",
        verbose_name="Posted Assembly Order",
    )

    class Meta:
        verbose_name = "Posted Sales Shipment Line"
        ordering = ["header", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="shipment_line_no_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0)
                & models.Q(qty_assembled_to_order__gte=0)
                & models.Q(qty_assembled_to_order__lte=F("quantity")),
                name="shipment_line_quantities_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"

    @property
    def qty_from_stock(self) -> Decimal:
        return self.quantity - self.qty_assembled_to_order


class ShipmentEntryRole(models.TextChoices):
    CONSUMPTION = "CONSUMPTION", "Assembly Consumption"
    OUTPUT = "OUTPUT", "Assembly Output"
    ATO_SALE = "ATO_SALE", "Sale, assembled to order"
    STOCK_SALE = "STOCK_SALE", "Sale, from stock"


class ShipmentLineEntry(models.Model):
    """An item ledger entry a posted shipment line wrote, and what it was for."""

    Role = ShipmentEntryRole

    shipment_line = models.ForeignKey(SalesShipmentLine, on_delete=models.CASCADE, related_name="entries")
    entry = models.OneToOneField(
        "inventory.ItemLedgerEntry", on_delete=models.PROTECT, related_name="shipment_line_entry"
    )
    role = models.CharField("Role", max_length=12, choices=ShipmentEntryRole)

    class Meta:
        ordering = ["entry"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=ShipmentEntryRole.values), name="shipment_entry_role_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shipment_line} {self.role} {self.entry_id}"


# --------------------------------------------------------------------------------------------
# Inventory Picks (R-PICK-1): what to take from which bin to ship a released order
# --------------------------------------------------------------------------------------------


class InventoryPickHeader(models.Model):
    """An Inventory Pick for one sales order at one location with Require Pick."""

    no = models.CharField("No.", max_length=20, unique=True)
    order = models.ForeignKey(
        SalesHeader, on_delete=models.PROTECT, related_name="picks", verbose_name="Source No."
    )
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="picks")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Inventory Pick"
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("sales:pick-card", args=[self.pk])


class InventoryPickLine(models.Model):
    """Take `quantity` of the item from `bin` for a sales line; the assemble-to-order line is the
    linked order's output, at the line's bin. Posting the pick ships Qty. to Handle."""

    header = models.ForeignKey(InventoryPickHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    order_line = models.ForeignKey(
        SalesLine, on_delete=models.PROTECT, related_name="pick_lines", verbose_name="Source Line No."
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="pick_lines")
    bin = models.ForeignKey(
        "inventory.Bin", on_delete=models.PROTECT, null=True, blank=True, related_name="pick_lines",
        verbose_name="Bin Code",
    )  # fmt: skip
    quantity = QuantityField(verbose_name="Quantity")
    qty_to_handle = QuantityField(verbose_name="Qty. to Handle")
    assemble_to_order = models.BooleanField("Assemble to Order", default=False)

    class Meta:
        verbose_name = "Inventory Pick Line"
        ordering = ["header", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="pick_line_no_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0)
                & models.Q(qty_to_handle__gte=0)
                & models.Q(qty_to_handle__lte=F("quantity")),
                name="pick_line_qty_to_handle_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"
