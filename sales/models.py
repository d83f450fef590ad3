"""Sales: customers, sales orders and lines, and the assemble-to-order link (spec 4-5).

Sales stands on inventory and assembly: a line points at its linked assembly order, never the reverse.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from inventory.expressions import AmountSum
from inventory.figures import MAX_QUANTITY, MAX_UNIT_AMOUNT, QTY_SLACK, ZERO, round_amount
from inventory.models import (
    AmountField,
    Item,
    QuantityField,
    Reservation,
    UserField,
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


class ShippingState(models.TextChoices):
    """How far an order's lines are shipped and invoiced, in one word for the list (read from the
    lines' Quantity, Quantity Shipped and Quantity Invoiced by `SalesHeaderQuerySet.with_totals`)."""

    NOT_SHIPPED = "NOT_SHIPPED", "Not shipped"
    PARTLY_SHIPPED = "PARTLY_SHIPPED", "Partly shipped"
    SHIPPED = "SHIPPED", "Shipped"
    PARTLY_INVOICED = "PARTLY_INVOICED", "Partly invoiced"
    INVOICED = "INVOICED", "Invoiced"


# Orders whose lines are demand (spec 8: "Open or Released").
OPEN_SALES_STATUSES = (SalesStatus.OPEN, SalesStatus.RELEASED)
OUTSTANDING = F("quantity") - F("quantity_shipped")
# Conditions on one sales line.
LINE_OUTSTANDING = Q(quantity__gt=F("quantity_shipped"))
LINE_SHIPPED_NOT_INVOICED = Q(quantity_shipped__gt=F("quantity_invoiced"))


def _has_line(condition: Q) -> Exists:
    """The order (the outer query's row) has a line meeting `condition`."""
    return Exists(SalesLine.objects.filter(condition, header=OuterRef("pk")))


class SalesHeaderQuerySet(models.QuerySet):
    def with_totals(self) -> SalesHeaderQuerySet:
        """Annotate what the list shows of each order's lines, at a fixed number of queries:

        - `amount`: Amount, Σ line amounts (each round(Quantity × Unit Price, 2), as
          `SalesLine.line_amount`; `OrderAmounts` is the same sum in Python);
        - `completely_shipped`: BC's Completely Shipped, something shipped and no line outstanding;
        - `shipping_state` (a `ShippingState`): Invoiced when every line is shipped and invoiced,
          Partly invoiced when anything is invoiced, otherwise Not shipped / Partly shipped / Shipped.

        Quantity ≥ Quantity Shipped ≥ Quantity Invoiced on every line (its check constraints), so a
        line with nothing left to invoice is fully shipped too.
        """
        amount = (
            SalesLine.objects.filter(header=OuterRef("pk"))
            .order_by()  # the lines' default ordering would join the header again
            .values("header")
            .annotate(total=AmountSum("quantity", "unit_price"))
            .values("total")
        )
        shipped = _has_line(Q(quantity_shipped__gt=0))
        outstanding = _has_line(LINE_OUTSTANDING)
        invoiced = _has_line(Q(quantity_invoiced__gt=0))
        not_invoiced = _has_line(Q(quantity_invoiced__lt=F("quantity")))
        return self.annotate(
            amount=Coalesce(models.Subquery(amount), ZERO, output_field=AmountSum.output_field),
            completely_shipped=models.ExpressionWrapper(
                shipped & ~outstanding, output_field=models.BooleanField()
            ),
            shipping_state=models.Case(
                models.When(invoiced & ~not_invoiced, then=models.Value(ShippingState.INVOICED)),
                models.When(invoiced, then=models.Value(ShippingState.PARTLY_INVOICED)),
                models.When(~shipped, then=models.Value(ShippingState.NOT_SHIPPED)),
                models.When(outstanding, then=models.Value(ShippingState.PARTLY_SHIPPED)),
                default=models.Value(ShippingState.SHIPPED),
                output_field=models.CharField(),
            ),
        )

    def not_fully_shipped(self) -> SalesHeaderQuerySet:
        """Orders with a line whose Quantity is more than its Quantity Shipped."""
        return self.filter(_has_line(LINE_OUTSTANDING))

    def shipped_not_invoiced(self) -> SalesHeaderQuerySet:
        """Orders with a line whose Quantity Shipped is more than its Quantity Invoiced."""
        return self.filter(_has_line(LINE_SHIPPED_NOT_INVOICED))


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

    objects = SalesHeaderQuerySet.as_manager()

    class Meta:
        verbose_name = "Sales Order"
        ordering = ["-pk"]
        permissions = [  # R-ROLE-1: actions beyond add/change/delete, checked by the views
            ("release_sales_order", "Can release and reopen sales orders"),
            ("post_sales_order", "Can post sales orders (Ship, Invoice, Ship and Invoice)"),
        ]
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

    @property
    def shipping_state_label(self) -> str:
        """The label of `shipping_state`, which `SalesHeaderQuerySet.with_totals` annotates."""
        return ShippingState(self.shipping_state).label


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
                & models.Q(qty_to_ship__lte=models.F("quantity") - models.F("quantity_shipped") + QTY_SLACK),
                name="sales_line_qty_to_ship_within_outstanding",
            ),
            models.CheckConstraint(
                condition=models.Q(qty_to_assemble_to_order__gte=0), name="sales_line_qato_not_negative"
            ),
            models.CheckConstraint(  # R-INVC-1: never invoiced beyond shipped, nor asked to
                condition=models.Q(quantity_invoiced__gte=0)
                & models.Q(quantity_invoiced__lte=models.F("quantity_shipped"))
                & models.Q(qty_to_invoice__gte=0)
                & models.Q(
                    qty_to_invoice__lte=models.F("qty_to_ship")
                    + models.F("quantity_shipped")
                    - models.F("quantity_invoiced")
                    + QTY_SLACK
                ),
                name="sales_line_invoicing_within_shipped",
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
    def amount_shipped(self) -> Decimal:
        return round_amount(self.quantity_shipped * self.unit_price)

    @property
    def amount_invoiced(self) -> Decimal:
        return round_amount(self.quantity_invoiced * self.unit_price)

    @property
    def max_qty_to_invoice(self) -> Decimal:
        """R-INVC-1: what a Ship and Invoice may invoice: Qty. to Ship plus shipped, not yet invoiced."""
        return self.qty_to_ship + self.quantity_shipped - self.quantity_invoiced

    @property
    def qty_shipped_not_invoiced(self) -> Decimal:
        return self.quantity_shipped - self.quantity_invoiced

    def init_qty_to_invoice(self) -> None:
        """Qty. to Invoice defaults to its maximum (BC's InitQtyToInvoice)."""
        self.qty_to_invoice = self.max_qty_to_invoice

    @property
    def is_fully_invoiced(self) -> bool:
        return self.quantity_shipped == self.quantity and self.quantity_invoiced == self.quantity

    @property
    def reserves_never(self) -> bool:
        return self.reserve == Item.Reserve.NEVER

    @property
    def stock_part(self) -> Decimal:
        return self.quantity - self.qty_to_assemble_to_order


@dataclass(frozen=True)
class OrderAmounts:
    """The card's totals below the lines: each line's amount rounded to two places, then summed."""

    FIELDS = ("quantity", "quantity_shipped", "quantity_invoiced", "unit_price")  # what `of` reads

    amount: Decimal
    amount_shipped: Decimal
    amount_invoiced: Decimal

    @classmethod
    def of(cls, lines: Iterable[SalesLine]) -> OrderAmounts:
        lines = list(lines)
        return cls(
            amount=sum((line.line_amount for line in lines), ZERO),
            amount_shipped=sum((line.amount_shipped for line in lines), ZERO),
            amount_invoiced=sum((line.amount_invoiced for line in lines), ZERO),
        )


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
    # R-AUD-1: who posted it; `created_at` is when
    posted_by = UserField(related_name="posted_sales_shipments")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Posted Sales Shipment"
        ordering = ["-pk"]
        permissions = [("undo_shipment", "Can undo posted sales shipment lines")]
        constraints = [dates_constraint("posting_date", "shipment_date", name="shipment_dates_in_range")]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("sales:shipment-card", args=[self.pk])


class SalesShipmentLineQuerySet(models.QuerySet):
    def not_invoiced(self) -> SalesShipmentLineQuerySet:
        """Shipped lines with quantity left to invoice, oldest first: what an invoice draws on."""
        return self.filter(correction=False, quantity__gt=F("quantity_invoiced")).order_by("pk")


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
    quantity_invoiced = QuantityField(verbose_name="Quantity Invoiced")
    correction = models.BooleanField(
        "Correction", default=False, help_text="Undone (the original line) or undoing (its reversing line)."
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name="Reverses Line",
        help_text="On a reversing line (Undo Shipment, R-UNDO-1): the line it undid.",
    )

    objects = SalesShipmentLineQuerySet.as_manager()

    class Meta:
        verbose_name = "Posted Sales Shipment Line"
        ordering = ["header", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="shipment_line_no_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(reverses__isnull=True)
                    & models.Q(quantity__gt=0)
                    & models.Q(qty_assembled_to_order__gte=0)
                    & models.Q(qty_assembled_to_order__lte=F("quantity"))
                    & models.Q(quantity_invoiced__gte=0)
                    & models.Q(quantity_invoiced__lte=F("quantity"))
                )
                | (
                    models.Q(reverses__isnull=False, correction=True, quantity_invoiced=0)
                    & models.Q(quantity__lt=0)
                    & models.Q(qty_assembled_to_order__lte=0)
                    & models.Q(qty_assembled_to_order__gte=F("quantity"))
                ),
                name="shipment_line_quantities_valid",
            ),
            models.CheckConstraint(  # an undone line was never invoiced (R-UNDO-1)
                condition=models.Q(correction=False) | models.Q(quantity_invoiced=0),
                name="shipment_line_correction_not_invoiced",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"

    @property
    def qty_from_stock(self) -> Decimal:
        return self.quantity - self.qty_assembled_to_order

    @property
    def qty_shipped_not_invoiced(self) -> Decimal:
        """What is left to invoice of this line ("Qty. Shipped Not Invoiced"); none once undone."""
        if self.correction:
            return ZERO
        return self.quantity - self.quantity_invoiced

    @property
    def is_reversing(self) -> bool:
        return self.reverses_id is not None

    @property
    def can_undo(self) -> bool:
        return not self.correction and self.quantity_invoiced == 0


class ShipmentEntryRole(models.TextChoices):
    CONSUMPTION = "CONSUMPTION", "Assembly Consumption"
    OUTPUT = "OUTPUT", "Assembly Output"
    ATO_SALE = "ATO_SALE", "Sale, assembled to order"
    STOCK_SALE = "STOCK_SALE", "Sale, from stock"


class ShipmentLineEntry(models.Model):
    """An item ledger entry a posted shipment line wrote, and what it was for. For a stock sale,
    `reserved_quantity` is how much of it the line had reserved: Undo Shipment reserves that much again
    on the entry that brings it back (R-UNDO-1)."""

    Role = ShipmentEntryRole

    shipment_line = models.ForeignKey(SalesShipmentLine, on_delete=models.CASCADE, related_name="entries")
    entry = models.OneToOneField(
        "inventory.ItemLedgerEntry", on_delete=models.PROTECT, related_name="shipment_line_entry"
    )
    role = models.CharField("Role", max_length=12, choices=ShipmentEntryRole)
    reserved_quantity = QuantityField(verbose_name="Reserved Quantity")

    class Meta:
        ordering = ["entry"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=ShipmentEntryRole.values), name="shipment_entry_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved_quantity__gte=0), name="shipment_entry_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_line} {self.role} {self.entry_id}"


# --------------------------------------------------------------------------------------------
# Posted Sales Invoices (R-INVC-1): history, never edited
# --------------------------------------------------------------------------------------------


class SalesInvoiceHeader(models.Model):
    """A Posted Sales Invoice: what one Post (Invoice) of a sales order invoiced, with its amounts."""

    no = models.CharField("No.", max_length=20, unique=True)
    order = models.ForeignKey(
        SalesHeader, on_delete=models.PROTECT, related_name="invoices", verbose_name="Order No."
    )
    order_no = models.CharField("Order No.", max_length=20)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    customer_name = models.CharField("Customer Name", max_length=100)
    order_date = models.DateField("Order Date")
    posting_date = models.DateField("Posting Date")
    shipment_date = models.DateField("Shipment Date")
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    amount = AmountField(verbose_name="Amount")
    # R-AUD-1: who posted it; `created_at` is when
    posted_by = UserField(related_name="posted_sales_invoices")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "Posted Sales Invoice"
        ordering = ["-pk"]
        constraints = [
            dates_constraint("order_date", "posting_date", "shipment_date", name="invoice_dates_in_range"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="invoice_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.no

    def get_absolute_url(self) -> str:
        return reverse("sales:invoice-card", args=[self.pk])


class SalesInvoiceLine(models.Model):
    """One invoiced line: quantity, unit price and line amount (rounded to 2 places)."""

    header = models.ForeignKey(SalesInvoiceHeader, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("Line No.")
    order_line = models.ForeignKey(
        SalesLine, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name="Order Line"
    )
    item = models.ForeignKey("inventory.Item", on_delete=models.PROTECT, related_name="invoice_lines")
    description = models.CharField("Description", max_length=100, blank=True)
    location = models.ForeignKey("inventory.Location", on_delete=models.PROTECT, related_name="invoice_lines")
    quantity = QuantityField(verbose_name="Quantity")
    unit_price = AmountField(verbose_name="Unit Price")
    line_amount = AmountField(verbose_name="Line Amount")

    class Meta:
        verbose_name = "Posted Sales Invoice Line"
        ordering = ["header", "line_no"]
        constraints = [
            models.UniqueConstraint(fields=["header", "line_no"], name="invoice_line_no_unique"),
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0) & models.Q(line_amount__gte=0),
                name="invoice_line_quantities_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.header.no} {self.line_no}"


class InvoicedShipment(models.Model):
    """How much of a posted shipment line an invoice line invoiced (BC's Value Entry Relation): the
    shipment line ↔ invoice line cross-link, and why an invoiced shipment cannot be undone."""

    invoice_line = models.ForeignKey(SalesInvoiceLine, on_delete=models.CASCADE, related_name="shipments")
    shipment_line = models.ForeignKey(SalesShipmentLine, on_delete=models.PROTECT, related_name="invoiced")
    quantity = QuantityField(verbose_name="Quantity")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="invoiced_shipment_positive"),
            models.UniqueConstraint(
                fields=["invoice_line", "shipment_line"], name="invoiced_shipment_once_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_line} ← {self.shipment_line}: {self.quantity}"


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
        permissions = [("post_inventory_pick", "Can post inventory picks")]

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


# --------------------------------------------------------------------------------------------
# Choose columns (issue 10): what a user shows of a grid, remembered per user
# --------------------------------------------------------------------------------------------


class ColumnChoice(models.Model):
    """BC's "Choose columns" for one grid and one user: the hideable columns shown and hidden."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="column_choices")
    grid = models.CharField("Grid", max_length=40)
    shown = models.JSONField("Shown", default=list)
    hidden = models.JSONField("Hidden", default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "grid"], name="column_choice_once_per_grid")]

    def __str__(self) -> str:
        return f"{self.user} {self.grid}"
