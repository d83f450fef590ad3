"""Property: after any sequence of edits, the linked assembly order matches its line (spec I-3, R-SYNC-1..3).

Hypothesis draws sequences of what a user can do to a line and its order (quantities, Qty. to Assemble
to Order, location, bin, dates, release/reopen with or without confirming the reopen, delete and re-add);
each step either succeeds or is refused with a ValidationError, and after every step the invariants hold.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sales.models import SalesLine
from sales.services.lines import ReopenConfirmationRequired, delete_sales_line, save_sales_line
from sales.services.orders import release_sales_order, reopen_sales_order, update_sales_header
from tests.invariants import check_invariants_passes
from tests.sales.conftest import SilverSeed
from tests.sales.test_ato_link import assert_link_invariants

pytestmark = pytest.mark.django_db

quantities = st.integers(min_value=0, max_value=15).map(Decimal)
days = st.integers(min_value=0, max_value=20)
steps = st.one_of(
    st.tuples(st.just("quantity"), quantities),
    st.tuples(st.just("qato"), st.integers(min_value=-1, max_value=17).map(Decimal)),
    st.tuples(st.just("location"), st.sampled_from(["MAIN", "SILVER"])),
    st.tuples(st.just("bin"), st.sampled_from(["", "S-01", "ATO-SHIP", "TO-ASM"])),
    st.tuples(st.just("shipment_date"), days),
    st.tuples(st.just("header_dates"), days),
    st.tuples(st.just("release"), st.booleans()),
    st.tuples(st.just("reopen"), st.booleans()),
    st.tuples(st.just("confirm"), st.booleans()),
    st.tuples(st.just("recreate"), quantities),
)


def line_values(world: SilverSeed, action: str, value, today: datetime.date) -> dict:
    """What the user types into the line for one drawn step."""
    if action == "quantity":
        return {"quantity": value}
    if action == "qato":
        return {"qty_to_assemble_to_order": value}
    if action == "location":
        return {"location": world.main if value == "MAIN" else world.silver}
    if action == "bin":
        return {"bin": world.silver.bins.filter(code=value).first() if value else None}
    return {"shipment_date": today + datetime.timedelta(days=value)}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=12))
def test_i_3_link_invariants_hold_after_any_edit_sequence(db, sequence):
    with transaction.atomic():
        world = SilverSeed()
        header = world.order()
        line = world.line(header, quantity=10)
        confirm = False
        today = timezone.localdate()
        for action, value in sequence:
            header.refresh_from_db()
            line = SalesLine.objects.filter(header=header).first()
            try:
                with transaction.atomic():
                    if action == "confirm":
                        confirm = value
                    elif action == "release":
                        if value:
                            release_sales_order(header=header, confirm_shortage=True)
                    elif action == "reopen":
                        if value:
                            reopen_sales_order(header=header)
                    elif action == "header_dates":
                        when = today + datetime.timedelta(days=value)
                        update_sales_header(
                            header=header,
                            values={"shipment_date": when, "posting_date": when},
                            confirm_reopen=confirm,
                        )
                    elif action == "recreate":
                        if line is not None:
                            delete_sales_line(line=line)
                        line = world.line(header, quantity=value)
                    elif line is not None:
                        values = line_values(world, action, value, today)
                        save_sales_line(header=header, line=line, values=values, confirm_reopen=confirm)
            except (ValidationError, ReopenConfirmationRequired):
                pass  # a refusal must change nothing: the invariants below still hold
            for each in SalesLine.objects.filter(header=header):
                assert_link_invariants(each)
        check_invariants_passes()  # and so does manage.py check_invariants (issue 11 part 4)
        transaction.set_rollback(True)
