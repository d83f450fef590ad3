"""Time posting a large item journal (R-INV-4) on the configured database.

Each run creates its own items (BENCH-<run id>-NN), since ledger entries are append-only and cannot be
cleaned up; demo data is never touched. Usage: `manage.py bench_journal --lines 1000 --repeat 5`.
"""

from __future__ import annotations

import math
import statistics
import time
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inventory.models import Item, ItemJournalLine, ItemLedgerEntry, Location
from inventory.services.journal import post_item_journal
from inventory.services.posting import EntryToPost, post_item_entries

ITEMS = 20
LOCATION_CODES = ("BENCH-A", "BENCH-B")
BENCH_USERNAME = "bench-journal"
OPENING_STOCK = Decimal(1_000_000)  # per item and location: far more than any run takes


class Command(BaseCommand):
    help = "Benchmark posting an item journal of N lines: median and p95 seconds, lines/s, SQL queries."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lines", type=int, default=1000, help="journal lines per posting (1000)")
        parser.add_argument("--repeat", type=int, default=5, help="timed postings (5)")

    def handle(self, *args, lines: int, repeat: int, **options) -> None:
        if lines < 1 or repeat < 1:
            raise CommandError("--lines and --repeat must be at least 1.")
        run_id = uuid.uuid4().hex[:8]
        user = self.bench_user()
        ItemJournalLine.objects.filter(user=user).delete()  # left by an interrupted run, if any
        items, locations = self.bench_stock(run_id)

        seconds: list[float] = []
        query_counts: list[int] = []
        try:
            for _ in range(repeat):
                self.fill_journal(user, items, locations, lines)
                # The query log is a deque of 9,000: once full, CaptureQueriesContext would count 0.
                connection.queries_log.clear()
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    post_item_journal(user=user)
                    seconds.append(time.perf_counter() - started)
                query_counts.append(len(captured))
        finally:
            # Draft lines are not ledger: whatever a failed posting left behind can go.
            ItemJournalLine.objects.filter(user=user).delete()

        median = statistics.median(seconds)
        p95 = sorted(seconds)[math.ceil(0.95 * len(seconds)) - 1]  # nearest rank
        queries = (
            str(query_counts[0])
            if len(set(query_counts)) == 1
            else f"{min(query_counts)}-{max(query_counts)}"
        )
        self.stdout.write(
            f"database   {connection.vendor}\n"
            f"items      BENCH-{run_id}-01..{ITEMS:02d} at {', '.join(LOCATION_CODES)}\n"
            f"lines      {lines} per posting, {repeat} postings\n"
            f"median     {median:.3f} s\n"
            f"p95        {p95:.3f} s\n"
            f"lines/s    {lines / median:,.0f} (at the median)\n"
            f"queries    {queries} per posting\n"
        )

    def bench_user(self):
        user, created = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user

    def bench_stock(self, run_id: str) -> tuple[list[Item], list[Location]]:
        """This run's items, with opening stock posted through the engine at both bench locations."""
        locations = [
            Location.objects.get_or_create(code=code, defaults={"name": "Benchmark (bench_journal)"})[0]
            for code in LOCATION_CODES
        ]
        items = Item.objects.bulk_create(
            Item(no=f"BENCH-{run_id}-{n:02d}", description="Benchmark item", unit_cost=Decimal("10.00"))
            for n in range(1, ITEMS + 1)
        )
        post_item_entries(
            [
                EntryToPost(
                    entry_type=ItemLedgerEntry.EntryType.POSITIVE_ADJMT,
                    document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                    document_no=f"BENCH-{run_id}",
                    posting_date=timezone.localdate(),
                    item=item,
                    location=location,
                    bin=None,
                    quantity=OPENING_STOCK,
                )
                for item in items
                for location in locations
            ]
        )
        return items, locations

    def fill_journal(self, user, items: list[Item], locations: list[Location], lines: int) -> None:
        """Every third line a Negative Adjmt., the rest Positive, spread over items and locations."""
        today = timezone.localdate()
        ItemJournalLine.objects.bulk_create(
            ItemJournalLine(
                user=user,
                entry_type=(
                    ItemJournalLine.EntryType.NEGATIVE_ADJMT
                    if n % 3 == 0
                    else ItemJournalLine.EntryType.POSITIVE_ADJMT
                ),
                posting_date=today,
                item=items[n % len(items)],
                location=locations[n // len(items) % len(locations)],
                quantity=Decimal(1 + n % 7),
                unit_cost=Decimal("10.00"),
            )
            for n in range(lines)
        )
