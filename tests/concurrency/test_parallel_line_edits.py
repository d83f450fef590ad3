"""Parallel edits of one sales line on PostgreSQL: the link invariants hold (X-6, spec I-3, R-SYNC-3).

Eight clients change the same line at the same moment. The lock on the sales order serialises them, so
every request sees the line as the previous one left it. Without it, two requests that both find no
linked order would both create one (R-LINK-1 is 1 : 1); afterwards the one linked order, its component
lines and the binding match the line exactly.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader
from sales.models import SalesLine
from sales.services.lines import save_sales_line
from tests.concurrency.parallel import run_in_parallel
from tests.sales.conftest import Seed
from tests.sales.test_ato_link import assert_link_invariants

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]


@pytest.mark.parametrize(
    "edits",
    [
        pytest.param([{"qty_to_assemble_to_order": Decimal(n)} for n in range(1, 9)], id="parallel-creation"),
        pytest.param(
            [
                {"qty_to_assemble_to_order": Decimal(n)} if n % 2 else {"quantity": Decimal(10 + n)}
                for n in range(1, 9)
            ],
            id="mixed-edits",
        ),
    ],
)
def test_x_6_parallel_line_edits_keep_one_linked_order_in_sync(edits):
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10, qty_to_assemble_to_order=Decimal(0))

    def edit(values):
        def job():
            fresh = SalesLine.objects.get(pk=line.pk)
            return save_sales_line(header=header, line=fresh, values=values).line.qty_to_assemble_to_order

        return job

    outcomes = run_in_parallel(*(edit(values) for values in edits))

    unexpected = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    assert sum(not isinstance(o, Exception) for o in outcomes) >= 1
    assert AssemblyHeader.objects.count() == 1
    assert_link_invariants(line)
