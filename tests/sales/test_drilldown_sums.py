"""X-3 on random data: every FactBox figure equals the sum of the rows its drill-down lists (the figures
and the drill-downs come from the same read rules, `sales.services.availability`)."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assembly.services import create_assembly_order
from inventory.services.posting import InsufficientInventoryError
from sales.services.availability import drilldown_rows, line_details
from sales.services.orders import release_sales_order
from sales.services.reservations import SupplyType, auto_reserve, reserve_from_current_line
from tests.factories import post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import edit, fresh

pytestmark = pytest.mark.django_db
D = Decimal


def build(rng: random.Random):
    """Stock, stand-alone assembly orders and sales lines (some linked, some reserved) on random dates."""
    seed = Seed()
    today = timezone.localdate()
    for _ in range(rng.randint(0, 4)):
        post_stock(seed.kit, seed.main, rng.randint(1, 6))
    for _ in range(rng.randint(0, 3)):
        due = today + datetime.timedelta(days=rng.randint(-3, 20))
        create_assembly_order(item=seed.kit, quantity=D(rng.randint(1, 8)), location=seed.main, due_date=due)
    lines = []
    for _ in range(rng.randint(1, 6)):
        header = seed.order(shipment_date=today + datetime.timedelta(days=rng.randint(0, 20)))
        line = seed.line(header, quantity=rng.randint(1, 9))
        try:
            if rng.random() < 0.6:
                line = edit(line, qty_to_assemble_to_order=D(rng.randint(0, int(line.quantity))))
            if rng.random() < 0.5:
                reserve_from_current_line(line=fresh(line), supply_type=rng.choice(list(SupplyType)))
            if rng.random() < 0.3:
                auto_reserve(line=fresh(line))
            if rng.random() < 0.3:
                release_sales_order(header=header, confirm_shortage=True)
        except (ValidationError, InsufficientInventoryError):
            pass  # nothing to reserve, or fully reserved: the line stays as it is
        lines.append(line)
    return lines


def sums(line) -> dict[str, Decimal]:
    def total(rows, quantity) -> Decimal:
        return sum((quantity(row) for row in rows), D(0))

    rows = {figure: drilldown_rows(line, figure) for figure in ("available-inventory", "scheduled-receipt",
            "reserved-receipt", "gross-requirement", "reserved-requirement", "reserved-quantity")}  # fmt: skip
    gross = rows["gross-requirement"]
    return {
        "available_inventory": total(
            rows["available-inventory"]["entries"], lambda e: e.remaining_quantity - e.reserved_quantity
        ),
        "scheduled_receipt": total(rows["scheduled-receipt"]["orders"], lambda o: o.remaining_quantity),
        "reserved_receipt": total(rows["reserved-receipt"]["reservations"], lambda r: r.quantity),
        "gross_requirement": total(gross["sales_lines"], lambda s: s.outstanding_quantity)
        + total(gross["component_lines"], lambda c: c.remaining_quantity),
        "reserved_requirement": total(rows["reserved-requirement"]["reservations"], lambda r: r.quantity),
        "reserved_quantity": total(rows["reserved-quantity"]["reservations"], lambda r: r.quantity),
    }


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=st.integers(min_value=0, max_value=2**32 - 1))
def test_x_3_every_drill_down_sums_to_its_figure(db, world):
    with transaction.atomic():
        lines = build(random.Random(world))
        for line in lines:
            line = fresh(line)
            details = line_details(line)
            figures = {name: getattr(details, name) for name in sums(line)}
            assert sums(line) == figures, (world, line.pk)
        transaction.set_rollback(True)
