"""Races between operations that judge the same rows, found in a review (I-2, I-6, R-QTS-2), on PostgreSQL
with real threads; hooks pause one operation where the race used to bite."""

from __future__ import annotations

import datetime
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

import assembly.services as asm
import sales.services.lines as lines_mod
import sales.services.reservations as res
from assembly.models import AssemblyHeader
from assembly.services import update_assembly_order
from inventory.locks import LockTimeout
from inventory.models import Item, Reservation
from sales.models import SalesLine
from sales.services.lines import save_sales_line
from tests.concurrency.parallel import run_in_parallel
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal


def fresh(pk):
    return SalesLine.objects.select_related("header", "item", "location", "assembly_order").get(pk=pk)


def test_i_6_saving_a_reserve_always_line_while_its_reserved_assembly_order_posts(monkeypatch):
    """Found in review: the line save locked its reservation rows, then the item; the posting locked the
    items, then moved those reservations: PostgreSQL broke the deadlock with a 500. Now the line save
    locks the assembly orders it reserved before its item, in the one lock order."""
    seed = Seed(stock=False)
    post_stock(seed.part_a, seed.main, 20)
    post_stock(seed.part_b, seed.main, 10)
    seed.kit.reserve = Item.Reserve.ALWAYS
    seed.kit.save()
    order = asm.create_assembly_order(
        item=seed.kit, quantity=D(5), location=seed.main, due_date=timezone.localdate()
    )
    header = seed.order()
    line = seed.line(header, quantity=5)
    line = save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(0)}).line
    assert Reservation.objects.filter(sales_line=line, assembly_order=order).total() == 5  # R-RES-6 took Y

    t1_holds_reservations, t2_holds_items = threading.Event(), threading.Event()
    real_lock_items, real_move = lines_mod.lock_items, asm._move_reservations_to_output

    def slow_lock_items(ids):
        t1_holds_reservations.set()  # release_excess_reservations has locked the line's reservations
        t2_holds_items.wait(5)
        return real_lock_items(ids)

    def slow_move(*args, **kwargs):
        t1_holds_reservations.wait(5)
        t2_holds_items.set()  # post_assembly_quantity holds KIT and the components by now
        return real_move(*args, **kwargs)

    monkeypatch.setattr(lines_mod, "lock_items", slow_lock_items)
    monkeypatch.setattr(asm, "_move_reservations_to_output", slow_move)

    outcomes = run_in_parallel(
        lambda: save_sales_line(header=header, line=fresh(line.pk), values={"quantity": D(6)}),
        lambda: asm.post_assembly_order(order=AssemblyHeader.objects.get(pk=order.pk)),
    )
    errors = [o for o in outcomes if isinstance(o, Exception)]
    # Neither may fail with a raw database error (a deadlock was an HTTP 500): the line save waits for
    # the assembly order it reserved, and at worst its wait runs out (409, nothing written).
    assert all(isinstance(e, LockTimeout) for e in errors), errors
    assert_reservation_invariants()


def test_i_2_reserve_judges_only_the_assembly_orders_it_locked(monkeypatch):
    """Found in review: an order that became due after Reserve read its candidates was judged without its
    lock while its Quantity fell from 10 to 2 (10 reserved on 2 remaining)."""
    seed = Seed(stock=False)
    today = timezone.localdate()
    order = asm.create_assembly_order(
        item=seed.kit, quantity=D(10), location=seed.main, due_date=today + datetime.timedelta(days=30)
    )
    header = seed.order()
    line = seed.line(header, quantity=10)
    line = save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(0)}).line

    t1_paused, go_t1, t2_paused, go_t2 = (threading.Event() for _ in range(4))
    real_lock_items, real_sync = res.lock_items, asm._sync_reservations_to_remaining
    outcomes = {}

    def paused_lock_items(ids):  # T1: candidates read and locked (Y was not due yet), items next
        real_lock_items(ids)
        t1_paused.set()
        go_t1.wait(10)

    def paused_sync(header_):  # T2: Quantity lowered and reservations trimmed, not yet committed
        real_sync(header_)
        t2_paused.set()
        go_t2.wait(10)

    monkeypatch.setattr(res, "lock_items", paused_lock_items)
    monkeypatch.setattr(asm, "_sync_reservations_to_remaining", paused_sync)

    def run(name, job):
        try:
            outcomes[name] = job()
        except Exception as exc:
            outcomes[name] = exc
        finally:
            connection.close()

    t1 = threading.Thread(
        target=run,
        args=(
            "reserve",
            lambda: res.reserve_from_current_line(
                line=fresh(line.pk), supply_type=res.SupplyType.ASSEMBLY_ORDER
            ),
        ),
    )
    t1.start()
    assert t1_paused.wait(10)
    # Another user moves the order's Due Date forward (committed): it becomes a supply of the line.
    monkeypatch.setattr(asm, "_sync_reservations_to_remaining", real_sync)
    asm.update_assembly_order(order=AssemblyHeader.objects.get(pk=order.pk), due_date=today)
    monkeypatch.setattr(asm, "_sync_reservations_to_remaining", paused_sync)
    # A third user lowers its Quantity to 2 (in flight).
    t2 = threading.Thread(
        target=run,
        args=(
            "lower",
            lambda: asm.update_assembly_order(order=AssemblyHeader.objects.get(pk=order.pk), quantity=D(2)),
        ),
    )
    t2.start()
    assert t2_paused.wait(10)
    go_t1.set()
    time.sleep(1)
    go_t2.set()
    t1.join(20)
    t2.join(20)
    assert not [
        o for o in outcomes.values() if isinstance(o, Exception) and not isinstance(o, ValidationError)
    ], outcomes
    order.refresh_from_db()
    assert Reservation.objects.filter(assembly_order=order).total() <= order.remaining_quantity  # I-2


def test_r_qts_2_linked_quantity_to_assemble_racing_qty_to_ship(monkeypatch):
    """Found in review: the assembly order page judged R-QTS-2 against the sales line as it was before it
    waited for the order's lock (Qty. to Ship 10 instead of 4), and kept Quantity to Assemble 7."""
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10)
    line = save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(7)}).line
    # Quantity 10, ATO 7, Qty. to Ship 10: Quantity to Assemble 7, allowed 7..7; after Qty. to Ship 4: 1..4
    order_pk = line.assembly_order_id
    t1_saved, go_t1 = threading.Event(), threading.Event()
    real = lines_mod._auto_reserve
    out = {}

    def paused(change):
        real(change)
        t1_saved.set()
        go_t1.wait(10)

    monkeypatch.setattr(lines_mod, "_auto_reserve", paused)

    def run(name, job):
        try:
            out[name] = job()
        except Exception as exc:
            out[name] = exc
        finally:
            connection.close()

    t1 = threading.Thread(
        target=run,
        args=(
            "line",
            lambda: save_sales_line(header=header, line=fresh(line.pk), values={"qty_to_ship": D(4)}),
        ),
    )
    t1.start()
    assert t1_saved.wait(10)
    t2 = threading.Thread(
        target=run,
        args=(
            "page",
            lambda: update_assembly_order(
                order=AssemblyHeader.objects.get(pk=order_pk), quantity_to_assemble=D(7)
            ),
        ),
    )
    t2.start()
    time.sleep(1)  # the assembly order page now waits for the order's lock
    go_t1.set()
    t1.join(20)
    t2.join(20)
    line = SalesLine.objects.get(pk=line.pk)
    order = AssemblyHeader.objects.get(pk=order_pk)
    # R-QTS-2: Quantity to Assemble <= min(Qty. to Ship, Remaining)
    assert order.quantity_to_assemble <= line.qty_to_ship, (order.quantity_to_assemble, line.qty_to_ship)
