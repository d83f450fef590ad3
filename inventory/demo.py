"""Demo data that makes a first start look like a real business (idempotent).

A computer builder: an assemble-to-order workstation with a two-level BOM (it contains an
assemble-to-stock motherboard kit), purchased components, a monitor sold from stock, a location without
bins (MAIN) and one with bins and Require Pick (SILVER), customers, opening stock posted through the
item journal, and 3 workstations back in stock from a return, as in the seed procedure.

The stock is posted through the journal of a user of its own, `demo-data-loader` (inactive: nobody
logs in as it), so the Item Registers and entries name it as who posted them (R-AUD-1): not
"(system)", and not the admin, who did not post it.
"""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from .models import Bin, BOMComponent, Item, ItemJournalLine, ItemLedgerEntry, Location
from .permissions import ADMINISTRATOR, ASSEMBLY_MANAGER, SALES_ORDER_PROCESSOR, WAREHOUSE_WORKER
from .services.journal import post_item_journal

ASSEMBLY, PURCHASE = Item.ReplenishmentSystem.ASSEMBLY, Item.ReplenishmentSystem.PURCHASE
ATO, ATS = Item.AssemblyPolicy.ASSEMBLE_TO_ORDER, Item.AssemblyPolicy.ASSEMBLE_TO_STOCK

ITEMS = [
    # no, description, unit price, unit cost, replenishment, policy
    ("WS-CUSTOM", "Custom workstation", "1899.00", "0", ASSEMBLY, ATO),
    ("MB-KIT", "Motherboard kit, assembled and tested", "649.00", "0", ASSEMBLY, ATS),
    ("CPU-I7", "Processor, 8 cores", "389.00", "290.00", PURCHASE, ATS),
    ("MOBO-Z", "Motherboard Z-series", "259.00", "180.00", PURCHASE, ATS),
    ("COOLER", "CPU cooler", "59.00", "32.00", PURCHASE, ATS),
    ("RAM-16", "Memory module 16 GB", "79.00", "48.00", PURCHASE, ATS),
    ("SSD-1TB", "SSD 1 TB NVMe", "119.00", "72.00", PURCHASE, ATS),
    ("CASE-MID", "Midi tower case", "99.00", "55.00", PURCHASE, ATS),
    ("PSU-750", "Power supply 750 W", "109.00", "64.00", PURCHASE, ATS),
    ("MONITOR-27", "Monitor 27 inch", "329.00", "210.00", PURCHASE, ATS),
]
BOMS = {
    "MB-KIT": [("MOBO-Z", "1"), ("CPU-I7", "1"), ("COOLER", "1")],
    "WS-CUSTOM": [("MB-KIT", "1"), ("RAM-16", "2"), ("SSD-1TB", "1"), ("CASE-MID", "1"), ("PSU-750", "1")],
}
SILVER_BINS = [
    ("S-01-0001", "Shelf 1, level 1"),
    ("S-01-0002", "Shelf 1, level 2"),
    ("S-02-0001", "Shelf 2, level 1"),
    ("TO-ASM", "To assembly area"),
    ("FROM-ASM", "From assembly area"),
    ("ATO-SHIP", "Assemble-to-order shipping"),
]
CUSTOMERS = [
    ("10000", "Adatum Corporation", "Station Road 21, Cambridge", "MAIN"),
    ("20000", "Trey Research", "Lake Drive 5, Seattle", "SILVER"),
    ("30000", "School of Fine Art", "Main Street 14, Atlanta", "MAIN"),
    ("40000", "Alpine Ski House", "Bergstrasse 8, Innsbruck", "SILVER"),
]
# (item, location, bin, quantity)
OPENING_STOCK = [
    ("CPU-I7", "MAIN", "", "10"),
    ("MOBO-Z", "MAIN", "", "10"),
    ("COOLER", "MAIN", "", "12"),
    ("RAM-16", "MAIN", "", "40"),
    ("SSD-1TB", "MAIN", "", "20"),
    ("CASE-MID", "MAIN", "", "15"),
    ("PSU-750", "MAIN", "", "15"),
    ("MB-KIT", "MAIN", "", "4"),
    ("MONITOR-27", "MAIN", "", "25"),
    ("CPU-I7", "SILVER", "S-01-0001", "6"),
    ("MOBO-Z", "SILVER", "S-01-0001", "6"),
    ("COOLER", "SILVER", "S-01-0002", "8"),
    ("RAM-16", "SILVER", "TO-ASM", "12"),
    ("RAM-16", "SILVER", "S-01-0002", "12"),
    ("SSD-1TB", "SILVER", "S-02-0001", "10"),
    ("CASE-MID", "SILVER", "S-02-0001", "8"),
    ("PSU-750", "SILVER", "S-02-0001", "8"),
    ("MB-KIT", "SILVER", "FROM-ASM", "2"),
    ("MONITOR-27", "SILVER", "S-02-0001", "10"),
]
RETURNED_STOCK = [("WS-CUSTOM", "MAIN", "", "3")]
OPENING_DOCUMENT = "OPENING"
RETURN_DOCUMENT = "RETURN-0001"
LOADER_USERNAME = "demo-data-loader"
# One login per role (R-ROLE-1), the password the same as the user name; the Administrator's demo
# login is the superuser (`ensure_demo_admin`), in the Administrator group as well.
DEMO_USERS = [
    ("processor", SALES_ORDER_PROCESSOR),
    ("warehouse", WAREHOUSE_WORKER),
    ("assembly", ASSEMBLY_MANAGER),
]


def _post(lines, *, document_no: str, items, locations, loader) -> int:
    if ItemLedgerEntry.objects.filter(document_no=document_no).exists():
        return 0
    today = timezone.localdate()
    ItemJournalLine.objects.filter(user=loader).delete()
    ItemJournalLine.objects.bulk_create(
        ItemJournalLine(
            user=loader,
            entry_type=ItemJournalLine.EntryType.POSITIVE_ADJMT,
            posting_date=today,
            document_no=document_no,
            item=items[item_no],
            location=locations[code],
            bin=Bin.objects.get(location=locations[code], code=bin_code) if bin_code else None,
            quantity=Decimal(qty),
            unit_cost=items[item_no].unit_cost,
        )
        for item_no, code, bin_code, qty in lines
    )
    return len(post_item_journal(user=loader))


@transaction.atomic
def load_demo_data() -> dict[str, int]:
    """Create the demo master data and stock once; running it again changes nothing."""
    items = {}
    for no, description, price, cost, replenishment, policy in ITEMS:
        items[no], _ = Item.objects.get_or_create(
            no=no,
            defaults={
                "description": description,
                "unit_price": Decimal(price),
                "unit_cost": Decimal(cost),
                "replenishment_system": replenishment,
                "assembly_policy": policy,
            },
        )
    for parent, components in BOMS.items():
        for line_no, (component, qty) in enumerate(components, start=1):
            BOMComponent.objects.get_or_create(
                parent_item=items[parent],
                component_item=items[component],
                defaults={"quantity_per": Decimal(qty), "line_no": line_no * 10000},
            )

    main, _ = Location.objects.get_or_create(code="MAIN", defaults={"name": "Main warehouse"})
    silver, created = Location.objects.get_or_create(
        code="SILVER",
        defaults={"name": "Silver warehouse (bins, picks)", "bin_mandatory": True, "require_pick": True},
    )
    bins = {
        code: Bin.objects.get_or_create(location=silver, code=code, defaults={"description": d})[0]
        for code, d in SILVER_BINS
    }
    if created:
        silver.to_assembly_bin = bins["TO-ASM"]
        silver.from_assembly_bin = bins["FROM-ASM"]
        silver.asm_to_order_shpt_bin = bins["ATO-SHIP"]
        silver.save()
    locations = {"MAIN": main, "SILVER": silver}

    Customer = apps.get_model("sales", "Customer")  # sales stands on inventory, not the other way
    for no, name, address, location in CUSTOMERS:
        Customer.objects.get_or_create(
            no=no, defaults={"name": name, "address": address, "location": locations[location]}
        )

    loader, _ = get_user_model().objects.get_or_create(
        username=LOADER_USERNAME, defaults={"is_active": False}
    )
    posted = _post(
        OPENING_STOCK, document_no=OPENING_DOCUMENT, items=items, locations=locations, loader=loader
    )
    posted += _post(
        RETURNED_STOCK, document_no=RETURN_DOCUMENT, items=items, locations=locations, loader=loader
    )
    return {"items": len(items), "customers": len(CUSTOMERS), "entries_posted": posted}


def ensure_demo_admin(*, username: str, password: str) -> bool:
    """Make sure a staff superuser with this login exists, in the Administrator group; True when this
    password logs in.

    An existing user keeps the password someone may have changed it to.
    """
    return _ensure_user(
        username=username,
        password=password,
        role=ADMINISTRATOR,
        defaults={"is_staff": True, "is_superuser": True},
    )


def ensure_demo_users() -> list[tuple[str, str, bool]]:
    """One user per role (`DEMO_USERS`): (username, role, whether the password = username logs in)."""
    return [
        (username, role, _ensure_user(username=username, password=username, role=role))
        for username, role in DEMO_USERS
    ]


def _ensure_user(*, username: str, password: str, role: str, defaults: dict | None = None) -> bool:
    user, created = get_user_model().objects.get_or_create(username=username, defaults=defaults or {})
    if created:
        user.set_password(password)
        user.save()
    user.groups.add(Group.objects.get(name=role))  # created by the roles migration
    return user.check_password(password)
