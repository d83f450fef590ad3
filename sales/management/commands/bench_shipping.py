"""Time Post (Ship) of a large sales order on the configured database (issue 8's figure).

Each order has N lines, half of them assemble-to-order (3 components each), half from stock (reserved
for every other line). Each run creates its own items, location and customer (BENCH-<run id>-...), since
ledger entries are append-only: run it against a scratch database to keep yours clean. Usage:
`manage.py bench_shipping --lines 50 --repeat 7`.
"""

from __future__ import annotations

import datetime
import math
import statistics
import time
import uuid
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import BOMComponent, Item, ItemLedgerEntry, Location
from inventory.services.posting import EntryToPost, post_item_entries
from sales.models import Customer
from sales.services.lines import save_sales_line
from sales.services.orders import create_sales_order, release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment

COMPONENTS = 3
STOCK = Decimal(1_000_000)


class Command(BaseCommand):
    help = "Benchmark Post (Ship) of an order of N lines (half ATO): median and p95 seconds, SQL queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=50, help="lines per order (50)")
        parser.add_argument("--repeat", type=int, default=7, help="timed postings (7)")

    def handle(self, *args, lines: int, repeat: int, **options) -> None:
        if lines < 2 or repeat < 1:
            raise CommandError("--lines must be at least 2 and --repeat at least 1.")
        run = uuid.uuid4().hex[:8].upper()
        kit, stocked, location, customer = self.world(run)
        seconds: list[float] = []
        queries: list[int] = []
        for _ in range(repeat):
            header = self.order(customer, location, kit, stocked, lines)
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                shipment = post_shipment(header=header)
                seconds.append(time.perf_counter() - started)
            queries.append(len(captured))
        entries = ItemLedgerEntry.objects.filter(document_no=shipment.no).count()
        seconds.sort()
        p95 = seconds[min(len(seconds) - 1, math.ceil(0.95 * len(seconds)) - 1)]
        self.stdout.write(
            f"Post (Ship) on {connection.vendor}: {lines} lines ({lines // 2} ATO with {COMPONENTS} components, "
            f"{lines - lines // 2} from stock), {repeat} postings; ledger holds "
            f"{ItemLedgerEntry.objects.count():,} entries\n"
            f"  median {statistics.median(seconds):.3f} s, p95 {p95:.3f} s, "
            f"{statistics.median(queries):.0f} queries ({statistics.median(queries) / lines:.1f} per line), "
            f"{entries} sale entries per shipment"
        )

    def world(self, run: str):
        location = Location.objects.create(code=f"B{run}"[:10], name="Benchmark")
        components = [
            Item.objects.create(no=f"BENCH-{run}-C{n}", unit_cost=Decimal("2.00")) for n in range(COMPONENTS)
        ]
        kit = Item.objects.create(
            no=f"BENCH-{run}-KIT",
            replenishment_system=Item.ReplenishmentSystem.ASSEMBLY,
            assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER,
            unit_price=Decimal("100.00"),
        )
        for component in components:
            BOMComponent.objects.create(parent_item=kit, component_item=component, quantity_per=Decimal(1))
        stocked = Item.objects.create(
            no=f"BENCH-{run}-STOCK", unit_price=Decimal("10.00"), unit_cost=Decimal("4.00")
        )
        today = timezone.localdate()
        post_item_entries(
            [
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                    document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                    document_no=f"BENCH-{run}",
                    posting_date=today,
                    item=item,
                    location=location,
                    bin=None,
                    quantity=STOCK,
                )
                for item in [*components, stocked]
            ]
        )
        customer = Customer.objects.create(no=f"BENCH-{run}", name="Benchmark", location=location)
        return kit, stocked, location, customer

    def order(self, customer, location, kit, stocked, lines: int):
        header = create_sales_order(
            customer=customer, shipment_date=timezone.localdate() + datetime.timedelta(days=1)
        )
        for n in range(lines):
            item = kit if n % 2 == 0 else stocked
            line = save_sales_line(header=header, values={"item": item, "quantity": Decimal(2)}).line
            if item == stocked and n % 4 == 1:
                reserve_from_current_line(line=line, supply_type=SupplyType.ITEM_LEDGER_ENTRY)
        return release_sales_order(header=header)
