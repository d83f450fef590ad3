from django.apps import AppConfig


class SalesConfig(AppConfig):
    """Customers, sales orders and the assemble-to-order link; stands on inventory and assembly."""

    name = "sales"
    verbose_name = "Sales"
