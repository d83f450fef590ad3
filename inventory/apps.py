from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """The ground floor: items, BOMs, locations, bins, the item ledger and the item journal."""

    name = "inventory"
    verbose_name = "Inventory"
