"""Parallel reservations on PostgreSQL (X-6, R-RES-7, invariants I-1..I-3).

Eight clients, each with its own connection and its own sales line, reserve from the same 10 units at
the same moment. The item lock in the reservation engine serialises their judgement of what is free:
in the end exactly 10 are reserved, no entry beyond its Remaining Quantity.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.models import ItemLedgerEntry, Reservation
from sales.models import SalesLine
from sales.services.availability import use_available_inventory
from sales.services.lines import save_sales_line
from sales.services.reservations import SupplyType, reserve_from_current_line
from tests.concurrency.parallel import run_in_parallel
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
CLIENTS = 8


def fresh(pk: int) -> SalesLine:
    return SalesLine.objects.select_related("header", "item", "location", "assembly_order").get(pk=pk)


def settle(outcomes: list[object]) -> None:
    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)]
    assert not unexpected, f"unexpected errors: {unexpected!r}"


def test_x_6_eight_clients_reserve_from_the_same_ten_units():
    seed = Seed(stock=False)
    post_stock(seed.kit, seed.main, 4)
    post_stock(seed.kit, seed.main, 6)
    lines = []
    for _ in range(CLIENTS):
        line = seed.line(seed.order(), quantity=3)
        lines.append(
            save_sales_line(
                header=line.header, line=line, values={"qty_to_assemble_to_order": Decimal(0)}
            ).line
        )

    outcomes = run_in_parallel(
        *(
            lambda pk=line.pk: reserve_from_current_line(
                line=fresh(pk), supply_type=SupplyType.ITEM_LEDGER_ENTRY
            )
            for line in lines
        )
    )

    settle(outcomes)
    assert sum(o for o in outcomes if isinstance(o, Decimal)) == 10
    assert Reservation.objects.filter(item_ledger_entry__isnull=False).total() == 10
    for entry in ItemLedgerEntry.objects.filter(item=seed.kit):
        assert Reservation.objects.filter(item_ledger_entry=entry).total() <= entry.remaining_quantity
    assert_reservation_invariants()


def test_x_6_parallel_use_available_inventory_never_takes_more_than_is_there():
    seed = Seed(stock=False)
    post_stock(seed.kit, seed.main, 10)
    lines = [seed.line(seed.order(), quantity=4) for _ in range(CLIENTS)]

    outcomes = run_in_parallel(
        *(lambda pk=line.pk: use_available_inventory(line=fresh(pk)) for line in lines)
    )

    settle(outcomes)
    used = sum(o.quantity for o in outcomes if not isinstance(o, Exception))
    assert used == 10
    assert Reservation.objects.filter(item_ledger_entry__isnull=False).total() == 10
    assembled_to_order = sum(fresh(line.pk).qty_to_assemble_to_order for line in lines)
    assert assembled_to_order == CLIENTS * 4 - 10  # every unit taken from stock left its assembly order
    assert_reservation_invariants()
