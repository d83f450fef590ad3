"""Sales: customers now; sales orders, lines and the assemble-to-order link follow (spec 4-5)."""

from django.db import models


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
