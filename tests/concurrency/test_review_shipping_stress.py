"""Review 2: Post (Ship) racing Quantity to Assemble, Qty. to Ship, a reservation and a stand-alone
assembly posting on the same stock (PostgreSQL, real threads): no deadlock, no LockOrderError."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader
from assembly.services import create_assembly_order, post_assembly_order, update_assembly_order
from inventory.locks import LockTimeout
from inventory.services.posting import InsufficientInventoryError
from sales.models import SalesHeader
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment
from tests.concurrency.parallel import run_in_parallel
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal
EXPECTED = (ValidationError, InsufficientInventoryError, LockTimeout)


def test_post_races_everything_on_the_same_stock():
    seed = Seed(stock=False)
    unexpected = []
    for round_ in range(6):
        post_stock(seed.part_a, seed.main, 40)
        post_stock(seed.part_b, seed.main, 20)
        post_stock(seed.kit, seed.main, 6)
        a = seed.order()
        line_a = edit(seed.line(a, quantity=10), qty_to_assemble_to_order=D(7))
        reserve_from_current_line(line=fresh(line_a), supply_type=SupplyType.ITEM_LEDGER_ENTRY)
        release_sales_order(header=a)
        line_a = edit(fresh(line_a), qty_to_ship=D(5))
        b = seed.order()
        line_b = edit(seed.line(b, quantity=3), qty_to_assemble_to_order=D(0))
        standalone = create_assembly_order(
            item=seed.kit, quantity=D(2), location=seed.main, due_date=a.shipment_date
        )
        ao = fresh(line_a).assembly_order_id

        outcomes = run_in_parallel(
            lambda a=a: post_shipment(header=SalesHeader.objects.get(pk=a.pk)),
            lambda ao=ao: update_assembly_order(
                order=AssemblyHeader.objects.get(pk=ao), quantity_to_assemble=D(2)
            ),
            lambda line_a=line_a: edit(fresh(line_a), qty_to_ship=D(4)),
            lambda line_b=line_b: reserve_from_current_line(
                line=fresh(line_b), supply_type=SupplyType.ITEM_LEDGER_ENTRY
            ),
            lambda standalone=standalone: post_assembly_order(
                order=AssemblyHeader.objects.get(pk=standalone.pk)
            ),
        )
        unexpected += [
            (round_, repr(o)) for o in outcomes if isinstance(o, Exception) and not isinstance(o, EXPECTED)
        ]
        assert_reservation_invariants()
    assert not unexpected, unexpected
