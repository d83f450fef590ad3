"""Append-only in the database (R-INV-1, issue 11): triggers refuse UPDATE of posted columns and any
DELETE (and, on PostgreSQL, TRUNCATE) of the ledger, its application entries and the posted documents.

The allowed columns are the ones the application updates after insert, each by one service:
- the item ledger entry's Remaining Quantity, lowered as outbound entries are applied to it
  (`inventory.services.posting`, `ItemLedgerEntryQuerySet._lower_remaining`);
- a posted shipment line's Quantity Invoiced (`sales.services.invoicing._draw_on_shipments`) and its
  Correction flag, set when it is undone (`sales.services.undo._write_reversing_line`);
- a posted assembly order's Reversed flag, set when its shipment line is undone (`sales.services.undo`).
Everything else is written once, at posting, the item registers (R-AUD-1) included. Posted picks do
not exist: a posted pick is the posted shipment.

It lives in inventory, which owns the operation, and depends on the latest sales and assembly
migrations because it protects their posted documents too.
"""

from django.db import migrations

from inventory.append_only import AppendOnly, CreateAppendOnlyGuard


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0010_audit"),
        ("assembly", "0007_audit"),
        ("sales", "0012_audit"),
    ]

    operations = [
        CreateAppendOnlyGuard(),
        AppendOnly("inventory.ItemLedgerEntry", allowed_update_columns=["remaining_quantity"]),
        AppendOnly("inventory.ItemApplicationEntry"),
        AppendOnly("inventory.ItemRegister"),
        AppendOnly("assembly.PostedAssemblyHeader", allowed_update_columns=["reversed"]),
        AppendOnly("assembly.PostedAssemblyLine"),
        AppendOnly("sales.SalesShipmentHeader"),
        AppendOnly("sales.SalesShipmentLine", allowed_update_columns=["quantity_invoiced", "correction"]),
        AppendOnly("sales.ShipmentLineEntry"),
        AppendOnly("sales.SalesInvoiceHeader"),
        AppendOnly("sales.SalesInvoiceLine"),
        AppendOnly("sales.InvoicedShipment"),
    ]
