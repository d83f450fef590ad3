"""Time the FactBox, the Reservation page, Reserve from Current Line, a line edit and the order card on a
large data set, for an ordinary item and for a "hot" item with a long closed history (issue 4, part 6;
issue 10, part 4).

Build: items (a tenth of them assemble-to-order, each with a 2-3 component BOM), a long item ledger
(closed history as inbound/outbound pairs joined by an application entry, then a few open inbound
entries per item), open sales orders (some lines assembled to order, with their linked assembly order
and its binding reservation; some reserved from inventory) and stand-alone assembly orders. The rows
are written in bulk (COPY on PostgreSQL, executemany elsewhere) inside one transaction, bypassing the
posting services but keeping every model constraint and invariant (spec 14). Every run uses its own
prefix (BA<base-36 time>-, upper case like every code), since ledger entries are append-only: use a
fresh database per size.

Measure: Django's test Client, logged in (one persistent connection, as with CONN_MAX_AGE > 0), repeats
each request after warm-ups for the ordinary item and the hot item alternately, and prints per operation
the median and p95 time, the queries and the time spent in the database per request. For the FactBox
and the dialog it also runs the request's own statements raw right after each request (a bare DB-API
cursor: no ORM, no template, no middleware) and prints that SQL floor and the ratio to it. The line edit
is Qty. to Assemble to Order 10 -> 7 on a kit line (one cell, as the grid sends it), which re-syncs its
linked assembly order; each is put back to 10 untimed. The checks below the table are issue 4's
(hot/ordinary, fixed queries) and issue 10's targets. For the ratio between two data sizes, run once per
size in its own database, the first with --save FILE and the second with --compare FILE.

    manage.py bench_availability --entries 10000 --hot-entries 2000 --items 500 \\
        --sales-lines 5000 --assembly-orders 1000 --save small.json
    manage.py bench_availability --compare small.json   # 1,000,000 entries: builds in 1-1.5 min on 2 cores
    manage.py bench_availability --skip-build    # measure again on the latest data set
    manage.py bench_availability --skip-build --operations factbox,dialog --repeat 100
"""

from __future__ import annotations

import datetime
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus
from inventory.models import (
    BOMComponent,
    DocumentType,
    EntryType,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
    ItemRegister,
    Location,
    Reservation,
)
from inventory.permissions import SALES_ORDER_PROCESSOR
from sales.models import Customer, SalesHeader, SalesLine, SalesStatus
from sales.services.lines import save_sales_line

BENCH_USERNAME = "bench-availability"
PREFIX = "BA"
CUSTOMERS = 5
LINES_PER_ORDER = 10
CARD_SIZES = (10, 100, 500)  # issue 10: the order card at 10, 100 and 500 lines
CARD_KIT_EVERY = 5  # every 5th card line is a kit assembled to order, with its linked assembly order
CARD_MAX_MS = 300  # issue 10: the 500-line card
CARD_MAX_RATIO = 8  # issue 10: the 500-line card / the 10-line card
TARGET_QUANTITY = 5
EDIT_QATO, EDITED_QATO = 10, 7  # the line edit: Qty. to Assemble to Order 10 → 7 (and back, untimed)
OPEN_PER_ITEM = 4  # open inbound entries per stock item: 3 at the main location, 1 at the second
ENTRIES_PER_OPEN_SET = OPEN_PER_ITEM + 1  # + the outbound entry that partly consumed the first one
HISTORY_DAYS = 3 * 365
HORIZON_DAYS = 60
UNIT_COST = 10
UNIT_PRICE = 100
TARGET_SHIPMENT_DAYS = 30
RESERVE_EVERY = 5  # every 5th sales line of an item is reserved from inventory
COPY_PROGRESS_EVERY = 20_000
BATCH = 50_000


# --------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------


class Progress:
    """A text progress bar: redrawn in place on a terminal, one line per 5 % otherwise."""

    WIDTH = 40

    def __init__(self, out, total: int):
        self.out = out
        self.total = max(total, 1)
        self.done = 0
        self.label = ""
        self.started = time.perf_counter()
        self.tty = out.isatty()
        self.last_step = -1

    def phase(self, label: str) -> None:
        self.label = label
        self.draw(force=True)

    def add(self, n: int) -> None:
        self.done += n
        self.draw()

    def draw(self, force: bool = False) -> None:
        fraction = min(self.done / self.total, 1.0)
        step = int(fraction * 20)
        if not self.tty and not force and step == self.last_step:
            return
        self.last_step = step
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        elapsed = time.perf_counter() - self.started
        text = f"  [{bar}] {fraction * 100:5.1f}%  {elapsed:7.1f} s  {self.label:<34}"
        if self.tty:
            self.out.write("\r" + text, ending="")
            self.out.flush()
        else:
            self.out.write(text)

    def finish(self) -> float:
        self.done = self.total
        self.label = "done"
        self.draw(force=True)
        if self.tty:
            self.out.write("")
        return time.perf_counter() - self.started


def nearest_rank(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(p * len(ordered)) - 1, 0)]


# --------------------------------------------------------------------------------------------
# Bulk writer: explicit primary keys, COPY on PostgreSQL, executemany elsewhere
# --------------------------------------------------------------------------------------------


class BulkWriter:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.pg = connection.vendor == "postgresql"
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self._dates: dict[datetime.date, object] = {}

    def date(self, value: datetime.date):
        """A date as the driver wants it (a str on SQLite, where Python's date adapter is deprecated)."""
        try:
            return self._dates[value]
        except KeyError:
            adapted = self._dates[value] = connection.ops.adapt_datefield_value(value)
            return adapted

    def lock(self, models_: Iterable[type[models.Model]]) -> None:
        """On PostgreSQL, keep other writers out while this run hands out primary keys itself."""
        if self.pg:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models_)
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")

    @staticmethod
    def next_pk(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    @staticmethod
    def columns_for(model: type[models.Model], attnames: list[str]) -> tuple[list[str], tuple]:
        """The table's columns for the given attnames, plus constant defaults for any field not given.

        A new non-null field without a default makes the benchmark refuse to run rather than guess.
        """
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in attnames if name not in fields]
        if unknown:
            raise CommandError(f"{model.__name__} has no field(s) {unknown}: update bench_availability.")
        columns = [fields[name].column for name in attnames]
        extra = []
        for name, f in fields.items():
            if name in attnames:
                continue
            if f.has_default():
                default = f.get_db_prep_save(f.get_default(), connection)
            elif f.null:
                default = None
            else:
                raise CommandError(
                    f"{model.__name__}.{name} is required and has no default: update bench_availability."
                )
            columns.append(f.column)
            extra.append(default)
        return columns, tuple(extra)

    def insert(self, model: type[models.Model], attnames: list[str], rows: Iterable[tuple]) -> int:
        columns, extra = self.columns_for(model, attnames)
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        with connection.cursor() as cursor:
            if self.pg:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + extra if extra else row)
                        count += 1
                        if count % COPY_PROGRESS_EVERY == 0:
                            self.progress.add(COPY_PROGRESS_EVERY)
                self.progress.add(count % COPY_PROGRESS_EVERY)
            else:
                sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(columns))})"
                batch: list[tuple] = []
                for row in rows:
                    batch.append(row + extra if extra else row)
                    if len(batch) >= BATCH:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        self.progress.add(len(batch))
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    self.progress.add(len(batch))
        return count

    def reset_sequences(self, models_: list[type[models.Model]]) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), models_)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)


# --------------------------------------------------------------------------------------------
# The data set
# --------------------------------------------------------------------------------------------


@dataclass
class Sizes:
    items: int
    entries: int
    sales_lines: int
    assembly_orders: int
    hot_entries: int


@dataclass
class Plan:
    """What the build will write, derived from the sizes (so the progress bar knows the total)."""

    sizes: Sizes
    n_ato: int = 0
    n_stock: int = 0
    hot_pairs: int = 0
    pairs_per_item: list[int] = field(default_factory=list)  # by stock item index
    linked: int = 0
    standalone: int = 0

    @classmethod
    def of(cls, sizes: Sizes) -> Plan:
        plan = cls(sizes)
        plan.n_ato = max(1, sizes.items // 10)
        plan.n_stock = sizes.items - plan.n_ato
        ordinary_items = plan.n_stock - 1
        plan.hot_pairs = max(0, (sizes.hot_entries - ENTRIES_PER_OPEN_SET) // 2)
        budget = sizes.entries - sizes.hot_entries - ENTRIES_PER_OPEN_SET * ordinary_items
        ordinary_pairs = max(0, budget // 2)
        base, extra = divmod(ordinary_pairs, ordinary_items)
        # The ordinary benchmark item (index 0) gets exactly the typical share; the remainder goes last.
        plan.pairs_per_item = [base] * plan.n_stock
        plan.pairs_per_item[1] = plan.hot_pairs
        for i in range(extra):
            plan.pairs_per_item[plan.n_stock - 1 - i] += 1
        plan.linked = min(sizes.assembly_orders // 2, sizes.sales_lines // 5)
        plan.standalone = sizes.assembly_orders - plan.linked
        return plan

    @property
    def entries(self) -> int:
        return 2 * sum(self.pairs_per_item) + ENTRIES_PER_OPEN_SET * self.n_stock

    @property
    def applications(self) -> int:
        return sum(self.pairs_per_item) + self.n_stock

    @property
    def rows(self) -> int:
        s = self.sizes
        headers = math.ceil(s.sales_lines / LINES_PER_ORDER) + 6
        lines = s.sales_lines + 2 * (sum(CARD_SIZES) + 2)
        asm_lines = int(s.assembly_orders * 2.5) + 6
        reservations = self.linked + (s.sales_lines - self.linked) // RESERVE_EVERY + 2
        return (
            self.entries + self.applications + headers + lines + s.assembly_orders + asm_lines + reservations
        )


@dataclass
class Target:
    """One measured item: its target line (in an order of its own), its orders of 10, 100 and 500 lines
    (by size) and the line edited (a kit that has the item as a component)."""

    label: str
    item: Item
    line: SalesLine
    cards: dict[int, SalesHeader]
    edit_line: SalesLine | None = None  # fully assembled to order (10), edited to 7 (missing in old data)


# Tables written with explicit primary keys (their sequences are reset after the build).
BULK_MODELS = [
    ItemLedgerEntry,
    ItemApplicationEntry,
    SalesHeader,
    SalesLine,
    AssemblyHeader,
    AssemblyLine,
    Reservation,
]


class Builder:
    def __init__(self, out, sizes: Sizes, seed: int):
        self.out = out
        self.sizes = sizes
        self.plan = Plan.of(sizes)
        self.rng = random.Random(seed)
        self.today = timezone.localdate()

    @staticmethod
    def new_run_id() -> str:
        stamp = int(time.time())
        while True:
            digits = ""
            n = stamp
            while n:
                n, r = divmod(n, 36)
                digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[r] + digits  # codes are upper case
            run = f"{PREFIX}{digits[-6:]}"
            if not Item.objects.filter(no__startswith=f"{run}-").exists():
                return run
            stamp += 1

    def build(self) -> str:
        plan = self.plan
        progress = Progress(self.out, plan.rows)
        writer = BulkWriter(progress)
        self.w = writer
        run = self.new_run_id()
        self.run = run
        with transaction.atomic():
            progress.phase("master data")
            writer.lock(BULK_MODELS)
            self.master_data()
            progress.phase("item ledger entries")
            self.ledger()
            progress.phase("application entries")
            writer.insert(
                ItemApplicationEntry,
                ["id", "outbound_entry_id", "inbound_entry_id", "quantity", "created_at"],
                self.applications,
            )
            del self.applications
            progress.phase("sales and assembly orders")
            self.orders()
            progress.phase("reservations")
            writer.insert(
                Reservation,
                [
                    "id",
                    "sales_line_id",
                    "item_ledger_entry_id",
                    "assembly_order_id",
                    "item_id",
                    "location_id",
                    "quantity",
                    "binding",
                    "created_at",
                ],
                self.reservations,
            )
            writer.reset_sequences(BULK_MODELS)
            progress.phase("commit (constraint checks)")
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            progress.phase("vacuum analyze")
            with connection.cursor() as cursor:
                for model in [Item, *BULK_MODELS]:
                    cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.seconds = progress.finish()
        return run

    # --- master data -------------------------------------------------------------------------

    def master_data(self) -> None:
        run, plan, rng = self.run, self.plan, self.rng
        self.main = Location.objects.create(code=f"{run}-M", name="Benchmark main (bench_availability)")
        self.second = Location.objects.create(code=f"{run}-S", name="Benchmark second (bench_availability)")
        stock = [Item(no=f"{run}-ORD", description="Benchmark ordinary item", unit_cost=UNIT_COST)]
        stock.append(Item(no=f"{run}-HOT", description="Benchmark hot item", unit_cost=UNIT_COST))
        stock += [
            Item(no=f"{run}-I{n:05d}", description=f"Benchmark item {n}", unit_cost=UNIT_COST)
            for n in range(3, plan.n_stock + 1)
        ]
        ato = [
            Item(
                no=f"{run}-K{n:04d}",
                description=f"Benchmark kit {n}",
                replenishment_system=Item.ReplenishmentSystem.ASSEMBLY,
                assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER,
                unit_price=UNIT_PRICE * 5,
            )
            for n in range(1, plan.n_ato + 1)
        ]
        for item in stock:
            item.unit_price = UNIT_PRICE
        self.stock = Item.objects.bulk_create(stock, batch_size=2000)
        self.ato = Item.objects.bulk_create(ato, batch_size=2000)
        self.w.progress.add(0)
        # BOMs: the ordinary and the hot item are each a component of exactly one kit (symmetry).
        others = self.stock[2:] or self.stock
        self.boms: dict[int, list[tuple[int, int]]] = {}
        components = []
        for k, kit in enumerate(self.ato):
            chosen = rng.sample(others, min(rng.choice((2, 3)), len(others)))
            if k < 2:
                chosen = [self.stock[k], *[c for c in chosen if c.pk != self.stock[k].pk][:2]]
            bom = [(c.pk, rng.choice((1, 1, 2))) for c in chosen]
            self.boms[kit.pk] = bom
            components += [
                BOMComponent(parent_item=kit, line_no=10000 * (i + 1), component_item_id=c, quantity_per=q)
                for i, (c, q) in enumerate(bom)
            ]
        BOMComponent.objects.bulk_create(components, batch_size=5000)
        self.customers = Customer.objects.bulk_create(
            Customer(no=f"{run}-C{n}", name=f"Benchmark customer {n}", location=self.main)
            for n in range(1, CUSTOMERS + 1)
        )

    # --- the item ledger ---------------------------------------------------------------------

    def ledger(self) -> None:
        w = self.w
        first = w.next_pk(ItemLedgerEntry)
        app_first = w.next_pk(ItemApplicationEntry)
        self.applications: list[tuple] = []
        # Main-location open entries per stock item: [entry_no, free to reserve] (half is kept free).
        self.open_main: dict[int, list[list[int]]] = {}
        # One Item Register for the whole build, on nobody's behalf, as one posting would (R-AUD-1).
        register = ItemRegister.objects.create(source=ItemRegister.Source.ITEM_JOURNAL).pk
        w.insert(
            ItemLedgerEntry,
            [
                "entry_no",
                "posting_date",
                "entry_type",
                "document_type",
                "document_no",
                "document_line_no",
                "item_id",
                "description",
                "location_id",
                "bin_id",
                "quantity",
                "remaining_quantity",
                "cost_amount",
                "created_at",
                "register_id",
            ],
            ((*row, register) for row in self._entries(first, app_first)),
        )

    def _entries(self, entry_no: int, app_id: int):
        w, plan, rng, run, now = self.w, self.plan, self.rng, self.run, self.w.now
        main, second = self.main.pk, self.second.pk
        # History: every pair of every item, interleaved at random, in date order.
        slots = [i for i, n in enumerate(plan.pairs_per_item) for _ in range(n)]
        rng.shuffle(slots)
        total = len(slots)
        oldest = self.today - datetime.timedelta(days=HISTORY_DAYS + HORIZON_DAYS)
        apps = self.applications
        for k, i in enumerate(slots):
            item = self.stock[i].pk
            q = rng.randint(1, 50)
            location = main if rng.random() < 0.8 else second
            day = oldest + datetime.timedelta(days=k * HISTORY_DAYS // max(total, 1))
            out_day = day + datetime.timedelta(days=k % 7)
            if rng.random() < 0.7:
                out_type, out_doc_type, out_doc = EntryType.SALE, DocumentType.SALES_SHIPMENT, f"{run}-SH{k}"
            else:
                out_type, out_doc_type, out_doc = (
                    EntryType.NEGATIVE_ADJMT,
                    DocumentType.ITEM_JOURNAL,
                    f"{run}-J{k}",
                )
            yield (
                entry_no, w.date(day), EntryType.POSITIVE_ADJMT, DocumentType.ITEM_JOURNAL, f"{run}-J{k}", 10000,
                item, "", location, None, q, 0, q * UNIT_COST, now,
            )  # fmt: skip
            yield (
                entry_no + 1, w.date(out_day), out_type, out_doc_type, out_doc, 10000,
                item, "", location, None, -q, 0, -q * UNIT_COST, now,
            )  # fmt: skip
            apps.append((app_id, entry_no + 1, entry_no, q, now))
            entry_no += 2
            app_id += 1
        # Open stock: the most recent receipts, OPEN_PER_ITEM per item, the first partly consumed.
        for i, item_obj in enumerate(self.stock):
            item = item_obj.pk
            self.open_main[item] = []
            for j in range(OPEN_PER_ITEM):
                q = rng.randint(10, 30) * 10
                location = main if j < OPEN_PER_ITEM - 1 else second
                day = self.today - datetime.timedelta(days=HORIZON_DAYS - 10 * j)
                remaining = q
                doc = f"{run}-O{i}-{j}"
                if j == 0:
                    used = rng.randint(1, q // 2)
                    remaining = q - used
                yield (
                    entry_no, w.date(day), EntryType.POSITIVE_ADJMT, DocumentType.ITEM_JOURNAL, doc, 10000,
                    item, "", location, None, q, remaining, q * UNIT_COST, now,
                )  # fmt: skip
                inbound = entry_no
                entry_no += 1
                if location == main:
                    self.open_main[item].append([inbound, remaining // 2])
                if j == 0:
                    yield (
                        entry_no, w.date(day + datetime.timedelta(days=1)), EntryType.SALE,
                        DocumentType.SALES_SHIPMENT, f"{run}-SH-O{i}", 10000,
                        item, "", location, None, -used, 0, -used * UNIT_COST, now,
                    )  # fmt: skip
                    apps.append((app_id, entry_no, inbound, used, now))
                    entry_no += 1
                    app_id += 1

    # --- orders and reservations -------------------------------------------------------------

    def orders(self) -> None:
        plan, rng = self.plan, self.rng
        docs = _Documents(self)
        kinds = [True] * plan.linked + [False] * (self.sizes.sales_lines - plan.linked)
        rng.shuffle(kinds)
        stock_n = ato_n = order_no = header = 0
        for n, is_ato in enumerate(kinds):
            if n % LINES_PER_ORDER == 0:
                order_no += 1
                status = SalesStatus.OPEN if rng.random() < 0.8 else SalesStatus.RELEASED
                header = docs.add_header(f"{self.run}-SO{order_no:06d}", status)
            line_no = 10000 * (n % LINES_PER_ORDER + 1)
            due = self.today + datetime.timedelta(days=rng.randint(0, HORIZON_DAYS))
            if is_ato:
                kit = self.ato[ato_n % plan.n_ato].pk
                ato_n += 1
                q = rng.randint(1, 10)
                order = docs.add_assembly(kit, q, q, due, AssemblyStatus.OPEN)
                line = docs.add_line(
                    header, line_no, kit, q, due, qato=q, assembly=order, price=UNIT_PRICE * 5
                )
                docs.bind(line, order, kit, q)
            else:
                item = self.stock[stock_n % plan.n_stock].pk
                reserved = (stock_n // plan.n_stock) % RESERVE_EVERY == 0
                stock_n += 1
                q = rng.randint(1, 20)
                line = docs.add_line(header, line_no, item, q, due)
                if reserved:
                    docs.reserve(line, item, q)
        for k in range(plan.standalone):
            kit = self.ato[(ato_n + k) % plan.n_ato].pk
            q = rng.randint(1, 10)
            due = self.today + datetime.timedelta(days=rng.randint(-5, HORIZON_DAYS))
            status = AssemblyStatus.OPEN if rng.random() < 0.7 else AssemblyStatus.RELEASED
            docs.add_assembly(kit, q, rng.choice((0, q)), due, status)
        # The measured documents: per benchmark item, orders of 10, 100 and 500 lines and a one-line target
        # order. The cards' lines are of the other stock items (not the benchmark items, whose demand the
        # FactBox sums), every 5th a kit assembled to order with its linked assembly order.
        target_day = self.today + datetime.timedelta(days=TARGET_SHIPMENT_DAYS)
        others = [item.pk for item in self.stock[2:]]
        for label, item in (("ORD", self.stock[0].pk), ("HOT", self.stock[1].pk)):
            for size in CARD_SIZES:
                card = docs.add_header(f"{self.run}-CARD{size}-{label}", SalesStatus.OPEN)
                for n in range(1, size + 1):
                    if n % CARD_KIT_EVERY:
                        docs.add_line(card, 10000 * n, others[n % len(others)], 1, target_day)
                        continue
                    kit = self.ato[n % plan.n_ato].pk
                    order = docs.add_assembly(kit, 1, 1, target_day, AssemblyStatus.OPEN)
                    line = docs.add_line(
                        card, 10000 * n, kit, 1, target_day, qato=1, assembly=order, price=UNIT_PRICE * 5
                    )
                    docs.bind(line, order, kit, 1)
            target = docs.add_header(f"{self.run}-TGT-{label}", SalesStatus.OPEN)
            docs.add_line(target, 10000, item, TARGET_QUANTITY, target_day)
        # The edited lines: per benchmark item, a line of the kit that has it as a component, fully
        # assembled to order (Qty. to Assemble to Order 10 → 7 re-syncs its assembly order).
        for label, kit in (("ORD", self.ato[0].pk), ("HOT", self.ato[min(1, plan.n_ato - 1)].pk)):
            edit = docs.add_header(f"{self.run}-EDIT-{label}", SalesStatus.OPEN)
            order = docs.add_assembly(kit, EDIT_QATO, EDIT_QATO, target_day, AssemblyStatus.OPEN)
            line = docs.add_line(
                edit, 10000, kit, EDIT_QATO, target_day, qato=EDIT_QATO, assembly=order, price=UNIT_PRICE * 5
            )
            docs.bind(line, order, kit, EDIT_QATO)
        docs.write()
        self.reservations = docs.reservations


class _Documents:
    """Rows of sales orders, assembly orders and reservations to bulk-insert, with their ids."""

    def __init__(self, builder):
        self.b = builder
        w = builder.w
        self.header_id, self.line_id = w.next_pk(SalesHeader), w.next_pk(SalesLine)
        self.asm_id, self.asm_line_id = w.next_pk(AssemblyHeader), w.next_pk(AssemblyLine)
        self.res_id = w.next_pk(Reservation)
        self.headers: list[tuple] = []
        self.lines: list[tuple] = []
        self.asm: list[tuple] = []
        self.asm_lines: list[tuple] = []
        self.reservations: list[tuple] = []

    def add_assembly(
        self, item: int, quantity: int, to_assemble: int, due: datetime.date, status: str
    ) -> int:
        b, w = self.b, self.b.w
        pk, self.asm_id = self.asm_id, self.asm_id + 1
        start = due - datetime.timedelta(days=1)
        self.asm.append(
            (pk, f"{b.run}-AO{pk:07d}", item, "", b.main.pk, None, quantity, to_assemble, 0,
             w.date(due), w.date(start), w.date(start), status, w.now)
        )  # fmt: skip
        for n, (component, per) in enumerate(b.boms[item], start=1):
            self.asm_lines.append(
                (self.asm_line_id, pk, 10000 * n, component, "", per, per * quantity, per * to_assemble, 0,
                 b.main.pk, None, w.date(start))
            )  # fmt: skip
            self.asm_line_id += 1
        return pk

    def add_header(self, no: str, status: str) -> int:
        b, w = self.b, self.b.w
        pk, self.header_id = self.header_id, self.header_id + 1
        ordered = b.today - datetime.timedelta(days=b.rng.randint(0, 30))
        customer = b.customers[pk % len(b.customers)].pk
        shipment = b.today + datetime.timedelta(days=b.rng.randint(0, HORIZON_DAYS))
        self.headers.append(
            (pk, no, customer, w.date(ordered), w.date(ordered), w.date(shipment), b.main.pk, status, w.now)
        )
        return pk

    def add_line(self, header: int, line_no: int, item: int, quantity: int, due: datetime.date, **kw) -> int:
        pk, self.line_id = self.line_id, self.line_id + 1
        self.lines.append(
            (pk, header, line_no, item, "", self.b.main.pk, None, quantity, kw.get("qato", 0), quantity, 0, 0, 0,
             self.b.w.date(due), kw.get("price", UNIT_PRICE), Item.Reserve.OPTIONAL, kw.get("assembly"))
        )  # fmt: skip
        return pk

    def bind(self, line: int, order: int, item: int, quantity: int) -> None:
        self.reservations.append(
            (self.res_id, line, None, order, item, self.b.main.pk, quantity, True, self.b.w.now)
        )
        self.res_id += 1

    def reserve(self, line: int, item: int, wanted: int) -> None:
        for entry in self.b.open_main[item]:
            if wanted <= 0:
                break
            take = min(entry[1], wanted)
            if take > 0:
                self.reservations.append(
                    (self.res_id, line, entry[0], None, item, self.b.main.pk, take, False, self.b.w.now)
                )
                self.res_id += 1
                entry[1] -= take
                wanted -= take

    def write(self) -> None:
        w = self.b.w
        w.insert(
            SalesHeader,
            ["id", "no", "customer_id", "order_date", "posting_date", "shipment_date", "location_id",
             "status", "created_at"],
            self.headers,
        )  # fmt: skip
        w.insert(
            AssemblyHeader,
            ["id", "no", "item_id", "description", "location_id", "bin_id", "quantity", "quantity_to_assemble",
             "assembled_quantity", "due_date", "starting_date", "posting_date", "status", "created_at"],
            self.asm,
        )  # fmt: skip
        w.insert(
            AssemblyLine,
            ["id", "header_id", "line_no", "item_id", "description", "quantity_per", "quantity",
             "quantity_to_consume", "consumed_quantity", "location_id", "bin_id", "due_date"],
            self.asm_lines,
        )  # fmt: skip
        w.insert(
            SalesLine,
            ["id", "header_id", "line_no", "item_id", "description", "location_id", "bin_id", "quantity",
             "qty_to_assemble_to_order", "qty_to_ship", "quantity_shipped", "qty_to_invoice",
             "quantity_invoiced", "shipment_date", "unit_price", "reserve", "assembly_order_id"],
            self.lines,
        )  # fmt: skip


# Measuring
# --------------------------------------------------------------------------------------------


@dataclass
class Operation:
    name: str
    run: Callable[[Client, Target], object]
    after: Callable[[Client, Target], None] | None = None
    checks_queries: bool = False  # issue 4: the number of queries is fixed and at most MAX_QUERIES
    floor: bool = False  # time the request's own statements raw (the SQL floor)
    limit_ms: float | None = None  # issue 10's median target
    limit_queries: int | None = None


@dataclass
class Result:
    operation: str
    label: str
    ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)  # time spent in the database, per request
    floor_ms: list[float] = field(default_factory=list)  # the request's statements run raw
    floor_statements: int = 0
    error: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def query_text(self) -> str:
        if not self.queries:
            return "-"
        lo, hi = min(self.queries), max(self.queries)
        return str(lo) if lo == hi else f"{lo}-{hi}"


class SqlTimer:
    """An execute wrapper adding up the time spent in the database (finer than the query log's ms) and
    keeping the statements with their parameters (for the SQL floor)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements: list[tuple[str, object, bool]] = []

    def reset(self) -> None:
        self.seconds = 0.0
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params, many))
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def run_raw(statements: list[tuple[str, object, bool]]) -> float:
    """Execute the statements on a bare DB-API cursor (no Django wrapper, no logging), fetching what they
    return; the seconds it took. Transaction statements (BEGIN, COMMIT) are not in the list: they are
    not executed through cursors."""
    cursor = connection.create_cursor()
    try:
        started = time.perf_counter()
        for sql, params, many in statements:
            if many:
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()
        return time.perf_counter() - started
    finally:
        cursor.close()


HX = {"HX-Request": "true"}


def _kwargs(target: Target) -> dict[str, int]:
    return {"pk": target.line.header_id, "line_pk": target.line.pk}


def _check(response, what: str) -> None:
    if response.status_code != 200:
        body = response.content[:300].decode(errors="replace").strip().replace("\n", " ")
        raise RuntimeError(f"{what}: HTTP {response.status_code} {body}")


def _factbox(client: Client, target: Target):
    response = client.get(reverse("sales:line-factbox", kwargs=_kwargs(target)), headers=HX)
    _check(response, "FactBox")


def _dialog(client: Client, target: Target):
    response = client.get(reverse("sales:reservation", kwargs=_kwargs(target)), headers=HX)
    _check(response, "Reservation dialog")


def _reserve(client: Client, target: Target):
    url = reverse(
        "sales:reservation-action", kwargs={**_kwargs(target), "action": "reserve-from-current-line"}
    )
    response = client.post(url, {"supply_type": "ILE"}, headers=HX)
    _check(response, "Reserve from Current Line")


def _after_reserve(client: Client, target: Target) -> None:
    reserved = Reservation.objects.filter(sales_line=target.line, item_ledger_entry__isnull=False).total()
    if reserved != TARGET_QUANTITY:
        raise RuntimeError(f"Reserve from Current Line reserved {reserved}, expected {TARGET_QUANTITY}")
    url = reverse("sales:reservation-action", kwargs={**_kwargs(target), "action": "cancel"})
    response = client.post(url, {"supply_type": "ILE", "confirm": "1"}, headers=HX)
    _check(response, "Cancel Reservation")
    if Reservation.objects.filter(sales_line=target.line).exists():
        raise RuntimeError("Cancel Reservation left reservations on the target line")


def _set_qato(client: Client, target: Target, qato: int, what: str) -> None:
    line = target.edit_line
    url = reverse("sales:line-row", kwargs={"pk": line.header_id, "line_pk": line.pk})
    response = client.post(url, {f"line-{line.pk}-qty_to_assemble_to_order": str(qato)}, headers=HX)
    _check(response, what)


def _edit(client: Client, target: Target):
    _set_qato(client, target, EDITED_QATO, "Line edit")


def _after_edit(client: Client, target: Target) -> None:
    line = SalesLine.objects.select_related("assembly_order").get(pk=target.edit_line.pk)
    if line.qty_to_assemble_to_order != EDITED_QATO or line.assembly_order.quantity != EDITED_QATO:
        raise RuntimeError(
            f"Line edit left Qty. to Assemble to Order {line.qty_to_assemble_to_order} and an assembly order "
            f"of {line.assembly_order.quantity}, expected {EDITED_QATO}"
        )
    _set_qato(client, target, EDIT_QATO, "Line edit back")  # untimed: the next repetition starts at 10


def _card(size: int) -> Callable[[Client, Target], None]:
    def run(client: Client, target: Target) -> None:
        response = client.get(reverse("sales:order-card", kwargs={"pk": target.cards[size].pk}))
        _check(response, f"Order card ({size} lines)")

    return run


EDIT_NAME = f"Line edit (QATO {EDIT_QATO} → {EDITED_QATO})"
CARD_NAME = "Order card ({} lines)"
OPERATIONS = {
    "factbox": Operation("FactBox", _factbox, checks_queries=True, floor=True, limit_ms=10),
    "dialog": Operation("Reservation dialog", _dialog, checks_queries=True, floor=True),
    "reserve": Operation(
        "Reserve from Current Line", _reserve, after=_after_reserve, limit_ms=30, limit_queries=12
    ),
    "edit": Operation(EDIT_NAME, _edit, after=_after_edit, limit_ms=40),
    **{
        f"card{size}": Operation(CARD_NAME.format(size), _card(size), checks_queries=True)
        for size in CARD_SIZES
    },
}
MAX_QUERIES = 12
MAX_RATIO = 1.5  # issue 4: hot / ordinary, for the figures with a fixed number of queries
FACTBOX_MAX_RATIO = 1.2  # issue 10: FactBox hot / ordinary, and 1M / 10k entries
MAX_FLOOR_RATIO = 5  # issue 10: FactBox median / its SQL floor


class Command(BaseCommand):
    help = (
        "Build a large data set (or reuse the latest with --skip-build) and time the FactBox, the "
        "Reservation dialog, Reserve from Current Line, a line edit and the order card for an ordinary "
        "and a hot item."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--items", type=int, default=5000, help="items (5000), a tenth of them ATO kits")
        parser.add_argument("--entries", type=int, default=1_000_000, help="item ledger entries (1,000,000)")
        parser.add_argument("--sales-lines", type=int, default=50_000, help="open sales lines (50,000)")
        parser.add_argument("--assembly-orders", type=int, default=10_000, help="assembly orders (10,000)")
        parser.add_argument(
            "--hot-entries",
            type=int,
            default=200_000,
            help="entries of the hot item, mostly closed (200,000)",
        )
        parser.add_argument(
            "--repeat", type=int, default=30, help="timed requests per operation and item (30)"
        )
        parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (3)")
        parser.add_argument("--seed", type=int, default=4, help="random seed of the data set (4)")
        parser.add_argument(
            "--skip-build", action="store_true", help="measure the latest data set already in the database"
        )
        parser.add_argument(
            "--operations",
            default=",".join(OPERATIONS),
            help=f"comma-separated subset of {','.join(OPERATIONS)} (all)",
        )
        parser.add_argument("--save", metavar="FILE", help="write the medians to FILE (JSON), for --compare")
        parser.add_argument(
            "--compare",
            metavar="FILE",
            help="print each median's ratio to the one saved in FILE by a run on another data size",
        )

    def handle(self, *args, **o) -> None:
        if o["repeat"] < 1 or o["warmup"] < 0:
            raise CommandError("--repeat must be at least 1 and --warmup at least 0.")
        names = [name.strip() for name in o["operations"].split(",") if name.strip()]
        unknown = [name for name in names if name not in OPERATIONS]
        if unknown or not names:
            raise CommandError(
                f"--operations: choose among {', '.join(OPERATIONS)} (got {unknown or 'none'})."
            )
        baseline = None
        if o["compare"]:
            try:
                with open(o["compare"], encoding="utf-8") as file:
                    baseline = json.load(file)
            except (OSError, ValueError) as exc:
                raise CommandError(f"--compare: cannot read {o['compare']}: {exc}") from exc
        operations = [OPERATIONS[name] for name in names]
        built = "reused"
        if o["skip_build"]:
            run = self.latest_run()
        else:
            sizes = Sizes(o["items"], o["entries"], o["sales_lines"], o["assembly_orders"], o["hot_entries"])
            if sizes.items < 4 or sizes.sales_lines < 0 or sizes.assembly_orders < 0:
                raise CommandError("--items must be at least 4; the other sizes at least 0.")
            if sizes.hot_entries > sizes.entries:
                raise CommandError("--hot-entries cannot exceed --entries.")
            self.stdout.write(f"Building {sizes} ...")
            builder = Builder(self.stdout, sizes, o["seed"])
            run = builder.build()
            built = f"built in {builder.seconds:.1f} s"
        targets = self.targets(run)
        if "edit" in names and any(t.edit_line is None for t in targets):
            raise CommandError(
                "This data set has no edited lines (built before them): run without --skip-build."
            )
        if any(name.startswith("card") for name in names) and any(
            len(t.cards) < len(CARD_SIZES) for t in targets
        ):
            raise CommandError(
                "This data set has no orders of 10, 100 and 500 lines (built before them): run without "
                "--skip-build."
            )
        results = self.measure(targets, operations, repeat=o["repeat"], warmup=o["warmup"])
        entries = ItemLedgerEntry.objects.count()
        self.report(run, built, targets, operations, results, repeat=o["repeat"], warmup=o["warmup"])
        self.checks(operations, results, entries=entries, baseline=baseline)
        if o["save"]:
            saved = {
                "vendor": connection.vendor,
                "entries": entries,
                "medians": {f"{r.operation}|{r.label}": r.median for r in results if not r.error},
            }
            with open(o["save"], "w", encoding="utf-8") as file:
                json.dump(saved, file, indent=1)
        failed = [r for r in results if r.error]
        if failed:
            raise CommandError(f"{len(failed)} measurement(s) failed: see the table above.")

    # --- targets -------------------------------------------------------------------------------

    def latest_run(self) -> str:
        hot = (
            Item.objects.filter(no__startswith=PREFIX, no__endswith="-HOT", description="Benchmark hot item")
            .order_by("-pk")
            .first()
        )
        if hot is None:
            raise CommandError("No bench_availability data set in this database: run without --skip-build.")
        return hot.no.removesuffix("-HOT")

    def targets(self, run: str) -> list[Target]:
        targets = []
        for label, code in (("ordinary", "ORD"), ("hot", "HOT")):
            line = SalesLine.objects.select_related("header", "item").get(header__no=f"{run}-TGT-{code}")
            # A run interrupted between a reserve and its cancel leaves reservations: start clean.
            Reservation.objects.filter(sales_line=line, binding=False).delete()
            cards = {
                size: header
                for size in CARD_SIZES
                if (header := SalesHeader.objects.filter(no=f"{run}-CARD{size}-{code}").first())
            }
            edit = SalesLine.objects.filter(header__no=f"{run}-EDIT-{code}").first()
            targets.append(Target(label=label, item=line.item, line=line, cards=cards, edit_line=edit))
        self.restore_edits(targets)
        return targets

    def restore_edits(self, targets: list[Target]) -> None:
        """A run interrupted between an edit and its undo leaves Qty. to Assemble to Order at 7."""
        for target in targets:
            line = target.edit_line
            if line is not None and SalesLine.objects.get(pk=line.pk).qty_to_assemble_to_order != EDIT_QATO:
                save_sales_line(header=line.header, line=line, values={"qty_to_assemble_to_order": EDIT_QATO})

    def bench_user(self):
        user, created = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=SALES_ORDER_PROCESSOR))  # it reserves (R-ROLE-1)
        return user

    # --- measuring -----------------------------------------------------------------------------

    def measure(
        self, targets: list[Target], operations: list[Operation], *, repeat: int, warmup: int
    ) -> list[Result]:
        client = Client()
        client.force_login(self.bench_user())
        sql_timer = SqlTimer()
        results = []
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts):
            for op in operations:
                by_label = {t.label: Result(op.name, t.label) for t in targets}
                statements: dict[str, list] = {}
                self.stdout.write(f"Measuring {op.name} ...")
                for n in range(warmup + repeat):
                    for target in targets:  # alternate, so both see the same machine noise
                        result = by_label[target.label]
                        if result.error:
                            continue
                        try:
                            # The log is a bounded deque: once full, CaptureQueriesContext counts 0.
                            connection.queries_log.clear()
                            sql_timer.reset()
                            with (
                                CaptureQueriesContext(connection) as captured,
                                connection.execute_wrapper(sql_timer),
                            ):
                                started = time.perf_counter()
                                op.run(client, target)
                                elapsed = time.perf_counter() - started
                            # Counted now: the after-step's requests reset the query log (request_started).
                            queries = len(captured)
                            statements[target.label] = sql_timer.statements
                            if op.after:
                                op.after(client, target)
                            if op.floor and n >= warmup:  # the same statements, raw, right after
                                result.floor_ms.append(run_raw(statements[target.label]) * 1000)
                                result.floor_statements = len(statements[target.label])
                        except Exception as exc:
                            result.error = f"{type(exc).__name__}: {exc}"[:300]
                            self.stderr.write(f"  {op.name} ({target.label}) failed: {result.error}")
                            continue
                        if n >= warmup:
                            result.ms.append(elapsed * 1000)
                            result.queries.append(queries)
                            result.sql_ms.append(sql_timer.seconds * 1000)
                results += by_label.values()
        return results

    # --- report --------------------------------------------------------------------------------

    def sizes_present(self, targets: list[Target]) -> str:
        hot = next(t for t in targets if t.label == "hot").item
        ordinary = next(t for t in targets if t.label == "ordinary").item
        entries = ItemLedgerEntry.objects.count()
        open_entries = ItemLedgerEntry.objects.open().count()
        lines = SalesLine.objects.count()
        open_lines = SalesLine.objects.filter(
            quantity__gt=models.F("quantity_shipped"),
            header__status__in=(SalesStatus.OPEN, SalesStatus.RELEASED),
        ).count()
        orders = AssemblyHeader.objects.count()
        reservations = Reservation.objects.count()
        hot_entries = ItemLedgerEntry.objects.filter(item=hot).count()
        hot_open = ItemLedgerEntry.objects.open().filter(item=hot).count()
        ord_entries = ItemLedgerEntry.objects.filter(item=ordinary).count()
        ord_open = ItemLedgerEntry.objects.open().filter(item=ordinary).count()
        return (
            f"data       {entries:,} item ledger entries ({open_entries:,} open), "
            f"{lines:,} sales lines ({open_lines:,} open), {orders:,} assembly orders, "
            f"{reservations:,} reservations\n"
            f"items      ordinary {ordinary.no}: {ord_entries:,} entries ({ord_open} open); "
            f"hot {hot.no}: {hot_entries:,} entries ({hot_open} open)"
        )

    def report(
        self, run, built, targets, operations, results: list[Result], *, repeat: int, warmup: int
    ) -> None:
        if connection.vendor == "postgresql":
            version = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
            where = connection.settings_dict["NAME"]
        else:
            import sqlite3

            version = f"{connection.vendor} {sqlite3.sqlite_version}" if connection.vendor == "sqlite" else ""
            version = version or connection.vendor
            where = str(connection.settings_dict["NAME"])
        out = self.stdout
        out.write("")
        out.write(f"database   {version} ({where})")
        out.write(self.sizes_present(targets))
        out.write(f"run        {run}- ({built}); {repeat} timed requests after {warmup} warm-ups each")
        out.write(f"machine    load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
        out.write("           SQL ms = median time in the database per request (included in the median ms);")
        out.write("           floor ms = median time of the request's own statements run raw right after it")
        out.write("")
        out.write(
            f"{'operation':<28} {'item':<9} {'median ms':>10} {'p95 ms':>9} {'queries':>8} {'SQL ms':>8} "
            f"{'floor ms':>9} {'x floor':>8}"
        )
        out.write("-" * 96)
        for r in results:
            if r.error:
                out.write(f"{r.operation:<28} {r.label:<9} FAILED: {r.error}")
                continue
            floor = statistics.median(r.floor_ms) if r.floor_ms else None
            out.write(
                f"{r.operation:<28} {r.label:<9} {r.median:>10.1f} "
                f"{nearest_rank(r.ms, 0.95):>9.1f} {r.query_text:>8} {statistics.median(r.sql_ms):>8.1f} "
                + (f"{floor:>9.2f} {r.median / floor:>8.1f}" if floor else f"{'-':>9} {'-':>8}")
            )

    def checks(self, operations, results: list[Result], *, entries: int, baseline: dict | None) -> None:
        out = self.stdout
        out.write("")
        out.write("checks (issue 4: hot/ordinary and fixed queries; issue 10: the targets below)")
        ok = {True: "met", False: "MISSED"}
        for op in operations:
            rows = {r.label: r for r in results if r.operation == op.name and not r.error}
            if not rows:
                continue
            parts = []
            if len(rows) == 2:
                ratio = rows["hot"].median / rows["ordinary"].median
                limit = FACTBOX_MAX_RATIO if op.name == "FactBox" else MAX_RATIO
                parts.append(f"hot/ordinary {ratio:.2f} (≤ {limit}): {ok[ratio <= limit]}")
            if op.checks_queries or op.limit_queries:
                counts = sorted({q for r in rows.values() for q in r.queries})
                fixed = len(counts) == 1
                limit = op.limit_queries or MAX_QUERIES
                parts.append(
                    f"queries {'fixed' if fixed else 'VARY'} {'/'.join(map(str, counts))} (≤ {limit}): "
                    f"{ok[(fixed or not op.checks_queries) and counts[-1] <= limit]}"
                )
            if op.limit_ms:
                worst = max(r.median for r in rows.values())
                parts.append(f"median {worst:.1f} ms (≤ {op.limit_ms:g}): {ok[worst <= op.limit_ms]}")
            if op.name == "FactBox":
                ratios = [r.median / statistics.median(r.floor_ms) for r in rows.values() if r.floor_ms]
                if ratios:
                    parts.append(
                        f"× SQL floor {max(ratios):.1f} (≤ {MAX_FLOOR_RATIO}): {ok[max(ratios) <= MAX_FLOOR_RATIO]}"
                    )
            if op.name == CARD_NAME.format(CARD_SIZES[-1]):
                worst = max(r.median for r in rows.values())
                parts.append(f"median {worst:.1f} ms (< {CARD_MAX_MS}): {ok[worst < CARD_MAX_MS]}")
                small = {
                    r.label: r
                    for r in results
                    if r.operation == CARD_NAME.format(CARD_SIZES[0]) and not r.error
                }
                if small.keys() == rows.keys():
                    ratio = max(rows[k].median / small[k].median for k in rows)
                    parts.append(
                        f"{CARD_SIZES[-1]}/{CARD_SIZES[0]} lines {ratio:.1f} (< {CARD_MAX_RATIO}): "
                        f"{ok[ratio < CARD_MAX_RATIO]}"
                    )
            out.write(f"  {op.name:<28} " + "; ".join(parts))
        if baseline is None:
            out.write("  size ratio: run again on another data size with --compare FILE (of --save FILE)")
            return
        if baseline.get("vendor") != connection.vendor:
            out.write(
                f"  size ratio: {baseline.get('vendor')} baseline, {connection.vendor} now: not compared"
            )
            return
        out.write(
            f"  size ratio: this run ({entries:,} entries) / the saved one ({baseline['entries']:,} entries)"
        )
        for r in results:
            before = baseline["medians"].get(f"{r.operation}|{r.label}")
            if r.error or not before:
                continue
            ratio = r.median / before
            text = f"    {r.operation:<28} {r.label:<9} {ratio:.2f}"
            if r.operation == "FactBox":
                text += f" (≤ {FACTBOX_MAX_RATIO}): {ok[ratio <= FACTBOX_MAX_RATIO]}"
            out.write(text)
