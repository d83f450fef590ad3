"""An action on item ledger entries locks no assembly order but the line's linked one (issue 10: Reserve
from Current Line in 12 queries). Played on PostgreSQL against what the stand-alone assembly order the
same line has reserved from can do meanwhile: be posted (its reservation moves onto the output entry, under
the item's lock) or lose Quantity (its reservation shrinks, under the order's lock). Either way the line
is never reserved beyond its Outstanding Quantity (I-3), nor an entry or an order beyond what it holds
(I-1, I-2).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from assembly.services import create_assembly_order, post_assembly_order, update_assembly_order
from inventory.models import Reservation
from sales.services.reservations import SupplyType, cancel_reservations, reserve_from_current_line
from tests.concurrency.parallel import run_in_parallel
from tests.concurrency.test_parallel_reservations import fresh, settle
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
ROUNDS = 4
ILE, ASM = SupplyType.ITEM_LEDGER_ENTRY, SupplyType.ASSEMBLY_ORDER


def line_reserved_on_an_order(seed: Seed, quantity: int = 8, on_order: int = 5):
    """A stock line of KIT (Quantity 8) holding 5 on a stand-alone assembly order of 5, with 3 KIT in
    stock (Seed) still free."""
    line = seed.line(seed.order(), quantity=quantity, qty_to_assemble_to_order=Decimal(0))
    order = create_assembly_order(
        item=seed.kit, quantity=Decimal(on_order), location=seed.main, due_date=line.shipment_date
    )
    assert reserve_from_current_line(line=fresh(line.pk), supply_type=ASM) == on_order
    return line, order


def reserved(line) -> Decimal:
    return Reservation.objects.filter(sales_line_id=line.pk).total()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_reserving_entries_while_the_reserved_order_is_posted(round_):
    seed = Seed()
    line, order = line_reserved_on_an_order(seed)

    outcomes = run_in_parallel(
        lambda: reserve_from_current_line(line=fresh(line.pk), supply_type=ILE),
        lambda: post_assembly_order(order=order),
    )

    settle(outcomes)
    assert not isinstance(outcomes[1], Exception)  # the posting never waits for the entry action
    assert reserved(line) == 8  # 5 moved onto the output entry, 3 from the stock: never more
    assert Reservation.objects.filter(sales_line_id=line.pk, assembly_order__isnull=False).total() == 0
    assert_reservation_invariants()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_reserving_entries_while_the_reserved_order_loses_quantity(round_):
    seed = Seed()
    line, order = line_reserved_on_an_order(seed)

    outcomes = run_in_parallel(
        lambda: reserve_from_current_line(line=fresh(line.pk), supply_type=ILE),
        lambda: update_assembly_order(order=order, quantity=Decimal(2)),
    )

    settle(outcomes)
    # The order keeps 2 of the line's 5; the entries gave 3 (what the line still needed when it judged,
    # or at most what it needed then): never beyond the line's Outstanding 8.
    assert Reservation.objects.filter(sales_line_id=line.pk, assembly_order=order).total() == 2
    assert reserved(line) <= 8
    assert Reservation.objects.filter(sales_line_id=line.pk, item_ledger_entry__isnull=False).total() == 3
    assert_reservation_invariants()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_cancelling_entry_reservations_while_the_reserved_order_is_posted(round_):
    seed = Seed()
    post_stock(seed.kit, seed.main, 2)
    line, order = line_reserved_on_an_order(seed)
    assert reserve_from_current_line(line=fresh(line.pk), supply_type=ILE) == 3

    outcomes = run_in_parallel(
        lambda: cancel_reservations(line=fresh(line.pk), supply_type=ILE),
        lambda: post_assembly_order(order=order),
    )

    settle(outcomes)
    # The 3 on stock are cancelled; the 5 moved onto the output either before the cancel judged (and
    # are cancelled with them) or after it (and stay): both orders of events leave a consistent line.
    assert reserved(line) in (Decimal(0), Decimal(5))
    assert_reservation_invariants()
