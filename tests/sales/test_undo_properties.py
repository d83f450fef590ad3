"""Property: Post (Ship) and Undo Shipment are a round trip (R-UNDO-1; I-1..I-4).

On the seed's combination line (an ATO item, Quantity 10, Qty. to Assemble to Order 7, the 3 stock
units reserved: spec 15 steps 1-5), any sequence of "set Qty. to Ship", "set Quantity to Assemble
(within R-QTS-2)", "Post (Ship)" and "undo a shipment line not yet undone" keeps I-1..I-4 after every
step, and keeps the line exactly as a model of it says: Quantity Shipped, the linked order's Assembled
Quantity and every item's inventory follow the shipment lines that are not undone, and the line stays
fully reserved (binding + the stock reservations that Undo gives back). When every shipment line has
been undone, everything is as before the first posting: inventory per item, location and bin, the
cost per item (corrections come back at the cost they left with, never FIFO), Quantity Shipped 0,
Outstanding 10, the linked order's Remaining 7 and binding 7.

Three places: MAIN (no bins); a Bin Mandatory location without Require Pick whose components and
stock sit in several bins (so consumption and the stock part take from more than one bin, X-2,
R-ASM-2); and the same with Require Pick, where every shipment is an inventory pick's (R-PICK-1).
Quantities are drawn in halves, and the stock has odd unit costs, so that cost rounding is exercised
(half a KIT at 33.33 costs 16.665).

A second property adds invoicing (R-INVC-1): with Invoice and Ship and Invoice in the sequence, an
undo is refused exactly when its line is invoiced or undone, every refusal changes nothing, and the
invoices add up to what was shipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from assembly.models import AssemblyHeader, AssemblyStatus
from assembly.services import quantity_to_assemble_bounds, update_assembly_order
from inventory.figures import round_amount
from inventory.models import Item, ItemApplicationEntry, ItemLedgerEntry, Location, Reservation
from inventory.services.posting import EntryToPost, post_item_entries
from sales.models import (
    InventoryPickHeader,
    InvoicedShipment,
    SalesHeader,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesLine,
    SalesShipmentLine,
    ShipmentEntryRole,
)
from sales.services.invoicing import MSG_NOTHING_SHIPPED, PostChoice, post_sales_order
from sales.services.lines import MSG_ORDER_COMPLETED
from sales.services.orders import release_sales_order, reopen_sales_order
from sales.services.picks import MSG_NOTHING_TO_PICK, create_inventory_pick, post_inventory_pick
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import MSG_NOTHING_TO_POST, post_shipment
from sales.services.undo import MSG_UNDO_DONE, MSG_UNDO_INVOICED, undo_shipment_line
from tests.factories import BinFactory, ItemFactory, LocationFactory
from tests.invariants import check_invariants_passes
from tests.sales.conftest import Seed
from tests.sales.test_invoice_undo_faults import fault_world
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh
from tests.sales.test_shipping_properties import assert_ledger_invariants

pytestmark = pytest.mark.django_db
D = Decimal
HALF = D("0.5")  # exact in binary floating point, as SQLite keeps decimals (see the last test)
Type = ItemLedgerEntry.EntryType


# --- the three places ----------------------------------------------------------------------------


def post_at_cost(item: Item, location: Location, quantity: str, unit_cost: str, bin=None) -> None:
    """Stock through the posting engine, at a unit cost of our choosing (odd ones, for rounding)."""
    post_item_entries(
        [
            EntryToPost(
                entry_type=Type.POSITIVE_ADJMT,
                document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                document_no="OPENING",
                posting_date=timezone.localdate(),
                item=item,
                location=location,
                bin=bin,
                quantity=D(quantity),
                unit_cost=D(unit_cost),
            )
        ]
    )


def main_place(seed: Seed) -> Location:
    """MAIN, no bins: 20 PART-A, 10 PART-B, 3 KIT (the seed's figures, at odd costs)."""
    post_at_cost(seed.part_a, seed.main, "12", "1.37")
    post_at_cost(seed.part_a, seed.main, "8", "2.03")
    post_at_cost(seed.part_b, seed.main, "10", "0.77")
    post_at_cost(seed.kit, seed.main, "3", "33.33")
    return seed.main


def bin_place(seed: Seed, *, code: str, require_pick: bool) -> Location:
    """Bin Mandatory, the three assembly bins set. PART-A lies in TO-ASM and S-02 (a full assembly
    of 7 needs both), PART-B in TO-ASM; the 3 KIT in S-01 and S-02, and one more, unreserved (the
    newest: Reserve from Current Line takes the oldest), in S-01."""
    location = LocationFactory(code=code, bin_mandatory=True, require_pick=require_pick)
    bins = {
        c: BinFactory(location=location, code=c) for c in ("TO-ASM", "FROM-ASM", "ATO-SHIP", "S-01", "S-02")
    }
    location.to_assembly_bin, location.from_assembly_bin = bins["TO-ASM"], bins["FROM-ASM"]
    location.asm_to_order_shpt_bin = bins["ATO-SHIP"]
    location.save()
    seed.customer.location = location
    seed.customer.save()
    post_at_cost(seed.part_a, location, "10", "1.37", bins["TO-ASM"])
    post_at_cost(seed.part_a, location, "10", "2.03", bins["S-02"])
    post_at_cost(seed.part_b, location, "10", "0.77", bins["TO-ASM"])
    post_at_cost(seed.kit, location, "2", "33.33", bins["S-01"])
    post_at_cost(seed.kit, location, "1", "41.07", bins["S-02"])
    post_at_cost(seed.kit, location, "1", "29.99", bins["S-01"])
    return location


PLACES = {
    "MAIN": main_place,
    # Bin Mandatory without Require Pick: Post (Ship) on the order.
    "BINS": lambda seed: bin_place(seed, code="BLUE", require_pick=False),
    # Require Pick (as SILVER): every shipment goes through Create Inventory Pick and its Post (R-PICK-1).
    "PICK": lambda seed: bin_place(seed, code="SILVER", require_pick=True),
}


def combination_line(place: str):
    """Spec 15 steps 1-5 at the place: Quantity 10, Qty. to Assemble to Order 7, the 3 in stock
    reserved (Reserve from Current Line), released."""
    seed = Seed(stock=False)
    location = PLACES[place](seed)
    header = seed.order()
    assert header.location_id == location.pk
    line = seed.line(header, quantity=10)
    line = edit(line, qty_to_assemble_to_order=D(7))
    reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY)
    release_sales_order(header=header)
    line = fresh(line)
    if place != "MAIN":
        assert line.bin.code == "ATO-SHIP"  # R-BIN-1
    assert Reservation.objects.filter(sales_line=line).total() == 10  # binding 7 + 3 from stock
    return seed, header, line


# --- what is measured ----------------------------------------------------------------------------


def inventory_per_bin() -> dict[tuple[str, str, str], Decimal]:
    """Σ ILE quantity per item, location and bin (every item: KIT and its components)."""
    rows = ItemLedgerEntry.objects.values_list("item__no", "location__code", "bin__code").annotate(
        q=Sum("quantity")
    )
    return {(item, location, bin_ or ""): q for item, location, bin_, q in rows if q != 0}


def cost_per_item() -> dict[str, Decimal]:
    return dict(ItemLedgerEntry.objects.values_list("item__no").annotate(c=Sum("cost_amount")))


def on_hand(item: Item) -> Decimal:
    return ItemLedgerEntry.objects.filter(item=item).inventory()


@dataclass
class Model:
    """What the shipment lines that are not undone say the line, its order and stock must be."""

    shipped: list[SalesShipmentLine] = field(default_factory=list)
    qty_to_ship_defaulted: bool = True  # R-SO-2: Outstanding again after every posting (and undo)
    qta_defaulted: bool = True  # R-QTS-1: min(Qty. to Ship, Remaining) after those and Qty. to Ship

    @property
    def quantity_shipped(self) -> Decimal:
        return sum((s.quantity for s in self.shipped), D(0))

    @property
    def assembled(self) -> Decimal:
        return sum((s.qty_assembled_to_order for s in self.shipped), D(0))

    @property
    def from_stock(self) -> Decimal:
        return self.quantity_shipped - self.assembled


def assert_corrections_fixed_applied() -> None:
    """R-UNDO-1: every correction reverses the entry it names, at that entry's cost; the negative
    Assembly Output is applied to the positive Sale correction of the same shipment line, only."""
    for correction in ItemLedgerEntry.objects.filter(correction=True, quantity__gt=0).select_related(
        "applies_from_entry"
    ):
        original = correction.applies_from_entry
        assert original is not None and original.quantity == -correction.quantity
        assert (original.item_id, original.location_id, original.bin_id, original.entry_type) == (
            correction.item_id,
            correction.location_id,
            correction.bin_id,
            correction.entry_type,
        )
        assert correction.cost_amount == -original.cost_amount
    for output in ItemLedgerEntry.objects.filter(correction=True, entry_type=Type.ASSEMBLY_OUTPUT):
        reversing = output.shipment_line_entry.shipment_line
        ato_back = reversing.entries.get(role=ShipmentEntryRole.ATO_SALE).entry
        assert list(output.applications_out.values_list("inbound_entry", "quantity")) == [
            (ato_back.pk, -output.quantity)
        ]
        assert output.cost_amount == -ato_back.cost_amount


def assert_as_modelled(seed: Seed, line: SalesLine, model: Model, start: dict) -> None:
    line = fresh(line)
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    assert line.quantity_shipped == model.quantity_shipped
    assert order.assembled_quantity == model.assembled
    assert order.remaining_quantity == 7 - model.assembled
    assert 0 <= line.qty_to_ship <= line.outstanding_quantity
    if model.qty_to_ship_defaulted:
        assert line.qty_to_ship == line.outstanding_quantity
    if model.qta_defaulted:
        assert order.quantity_to_assemble == min(line.qty_to_ship, order.remaining_quantity)
    # The line stays fully reserved: the binding, and the stock reservations Undo gives back.
    assert Reservation.objects.filter(sales_line=line).total() == line.outstanding_quantity
    for component in order.lines.all():  # R-ASM-1: consumed and to consume follow the order
        assert component.consumed_quantity == component.quantity_per * model.assembled
        assert component.quantity_to_consume == component.quantity_per * order.quantity_to_assemble
    assert on_hand(seed.kit) == start["KIT"] - model.from_stock
    assert on_hand(seed.part_a) == start["PART-A"] - 2 * model.assembled
    assert on_hand(seed.part_b) == start["PART-B"] - model.assembled


# --- the steps -----------------------------------------------------------------------------------

# (action, a number it draws on: a quantity in halves, which shipment line, which way to post).
ACTIONS = ("ship", "ship", "ship", "undo", "undo", "qty_to_ship", "quantity_to_assemble", "stock_first")
steps = st.tuples(st.sampled_from(ACTIONS), st.integers(min_value=0, max_value=40))
SHIP_WITH = ("post_shipment", "post_sales_order")
MAX_STEPS = 10  # so at most 10 shipment lines to undo at the end, in the order `undo_order` draws


def within(drawn: int, low: Decimal, high: Decimal) -> Decimal:
    """A quantity in halves between low and high (both included), from what hypothesis drew."""
    span = int((high - low) / HALF)
    return low + (drawn % (span + 1)) * HALF


def ship(header, value: int) -> None:
    """Post (Ship), on the order (two ways, alternating) or through an inventory pick."""
    if header.location.require_pick:  # R-PICK-1: pick what is to ship, handle all of it, post the pick
        [pick] = create_inventory_pick(header=header)
        post_inventory_pick(pick=pick, values={row.pk: row.quantity for row in pick.lines.all()})
        assert not InventoryPickHeader.objects.exists()  # all handled: the pick is gone
    elif SHIP_WITH[value % 2] == "post_shipment":
        post_shipment(header=header)
    else:
        post_sales_order(header=header, choice=PostChoice.SHIP)


def act(header, line: SalesLine, model: Model, action: str, value) -> None:
    if action == "qty_to_ship":
        qty_to_ship = within(value, D(0), line.outstanding_quantity)
        edit(line, qty_to_ship=qty_to_ship)
        if qty_to_ship != line.qty_to_ship:  # the same value again is no change (nothing follows it)
            model.qty_to_ship_defaulted, model.qta_defaulted = False, True
    elif action == "quantity_to_assemble":
        order = line.assembly_order
        low, high = quantity_to_assemble_bounds(order)  # R-QTS-2
        update_assembly_order(order=order, quantity_to_assemble=within(value, low, high))
        model.qta_defaulted = False
    elif action == "stock_first":  # Qty. to Ship, then Quantity to Assemble as low as R-QTS-2 allows
        line = edit(line, qty_to_ship=within(value, D(0), line.outstanding_quantity))
        low, _ = quantity_to_assemble_bounds(line.assembly_order)
        update_assembly_order(order=line.assembly_order, quantity_to_assemble=low)
        model.qty_to_ship_defaulted, model.qta_defaulted = False, False
    elif action == "ship":
        if line.qty_to_ship == 0:  # the one refusal this world has: nothing to post (or pick)
            with pytest.raises(ValidationError) as refused:
                ship(header, value)
            assert refused.value.messages in (
                [MSG_NOTHING_TO_POST],
                [MSG_NOTHING_TO_PICK.format(no=header.no)],
            )
            return
        before = set(SalesShipmentLine.objects.values_list("pk", flat=True))
        ship(header, value)
        [new] = SalesShipmentLine.objects.exclude(pk__in=before)
        assert new.quantity == line.qty_to_ship  # R-POST-2: the line's Qty. to Ship, of which
        assert new.qty_assembled_to_order == line.assembly_order.quantity_to_assemble  # assembled
        model.shipped.append(new)
        model.qty_to_ship_defaulted = model.qta_defaulted = True
    elif action == "undo" and model.shipped:
        undo(model, model.shipped[value % len(model.shipped)])


def undo(model: Model, shipment_line: SalesShipmentLine) -> None:
    parts = [("assembled", shipment_line.qty_assembled_to_order), ("stock", shipment_line.qty_from_stock)]
    event("undo of " + " and ".join(name for name, qty in parts if qty > 0))
    reversing = undo_shipment_line(shipment_line=shipment_line)
    assert (reversing.quantity, reversing.qty_assembled_to_order) == (
        -shipment_line.quantity,
        -shipment_line.qty_assembled_to_order,
    )
    model.shipped.remove(shipment_line)
    model.qty_to_ship_defaulted = model.qta_defaulted = True


@pytest.mark.parametrize("place", list(PLACES))
@settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=3, max_size=MAX_STEPS), undo_order=st.permutations(range(MAX_STEPS)))
# Spec 15 step 6 undone and shipped again; the stock part alone shipped first (Quantity to Assemble
# 0), undone, shipped again; three partial shipments (4, 4, 2), the middle one undone first.
@example(sequence=[("ship", 0), ("undo", 0), ("ship", 1)], undo_order=list(range(MAX_STEPS)))
@example(
    sequence=[("stock_first", 4), ("ship", 0), ("undo", 0), ("ship", 1)], undo_order=list(range(MAX_STEPS))
)
@example(
    sequence=[("qty_to_ship", 8), ("ship", 0), ("qty_to_ship", 8), ("ship", 1), ("ship", 0), ("undo", 1)],
    undo_order=list(reversed(range(MAX_STEPS))),
)
def test_r_undo_1_ship_and_undo_round_trip_keeps_i_1_to_i_4(db, place, sequence, undo_order):
    """R-UNDO-1, I-1..I-4: any sequence of ship / undo / re-ship keeps the invariants after every step;
    undoing every shipment line brings back inventory per bin, cost per item and the line's figures."""
    with transaction.atomic():
        seed, header, line = combination_line(place)
        start_bins, start_cost = inventory_per_bin(), cost_per_item()
        start = {item.no: on_hand(item) for item in (seed.kit, seed.part_a, seed.part_b)}
        model = Model()

        def step(do) -> None:
            with transaction.atomic():
                do()
            assert_reservation_invariants()  # I-1 (reservations ≤ Remaining), I-2, I-3
            assert_ledger_invariants()  # I-1 (0 ≤ Remaining ≤ Quantity), I-4
            assert_as_modelled(seed, line, model, start)

        for action, value in sequence:
            current = fresh(line)
            step(lambda: act(header, current, model, action, value))  # noqa: B023 - called at once
        event(f"shipment lines left to undo at the end: {len(model.shipped)}")
        event(f"shipments posted: {SalesShipmentLine.objects.filter(reverses=None).count()}")
        left = list(model.shipped)
        for index in (i for i in undo_order if i < len(left)):
            step(lambda: undo(model, left[index]))  # noqa: B023 - called at once
        # Every shipment line undone: the round trip is closed.
        assert SalesShipmentLine.objects.filter(correction=False).count() == 0
        assert_reservation_invariants()
        assert_ledger_invariants()
        assert_corrections_fixed_applied()
        assert inventory_per_bin() == start_bins
        assert cost_per_item() == start_cost
        line = fresh(line)
        order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
        assert (line.quantity_shipped, line.outstanding_quantity) == (0, 10)
        assert (order.remaining_quantity, order.assembled_quantity) == (7, 0)
        assert_as_modelled(seed, line, model, start)
        assert Reservation.objects.get(assembly_order=order, binding=True).quantity == 7
        assert Reservation.objects.filter(sales_line=line, binding=False).total() == 3
        assert set(order.lines.values_list("consumed_quantity", flat=True)) == {D(0)}
        assert not ItemApplicationEntry.objects.filter(quantity__lte=0).exists()
        check_invariants_passes()  # and so does manage.py check_invariants (issue 11 part 4)
        transaction.set_rollback(True)


def test_r_num_1_tenths_ship_and_undo(db):
    """R-NUM-1, R-UNDO-1: quantities have 5 decimals; shipping 4.9 of the combination line (all
    assembled to order) and undoing it must work, on SQLite too, whose CHECK constraints compute in
    binary floating point (7 - 4.9 = 2.0999999999999996 < 2.1 refused it before `QTY_SLACK`)."""
    seed, header, line = combination_line("MAIN")
    edit(line, qty_to_ship=D("4.9"))
    [shipped] = post_shipment(header=header).lines.all()
    assert (shipped.quantity, shipped.qty_assembled_to_order) == (D("4.9"), D("4.9"))
    undo_shipment_line(shipment_line=shipped)
    assert fresh(line).assembly_order.remaining_quantity == 7


# --- R-INVC-1 with R-UNDO-1: what is invoiced is never undone ----------------------------------------

INVOICE_ACTIONS = (
    *("ship", "ship", "invoice", "ship_and_invoice"),
    *("undo", "undo", "qty_to_ship", "qty_to_invoice", "qty_to_invoice"),
)
CHOICES = {
    "ship": PostChoice.SHIP,
    "invoice": PostChoice.INVOICE,
    "ship_and_invoice": PostChoice.SHIP_AND_INVOICE,
}


def expected_refusal(header, lines: list[SalesLine], action: str) -> str | None:
    """The message the step must be refused with, or None when it must post (R-INVC-1, R-SO-1)."""
    if header.is_completed:
        return MSG_ORDER_COMPLETED.format(no=header.no)
    ships = any(line.qty_to_ship > 0 for line in lines)
    if action == "ship" and not ships:
        return MSG_NOTHING_TO_POST
    if action == "invoice" and not any(min(x.qty_to_invoice, x.qty_shipped_not_invoiced) > 0 for x in lines):
        return MSG_NOTHING_SHIPPED
    if action == "ship_and_invoice" and not (ships or any(x.qty_to_invoice > 0 for x in lines)):
        return MSG_NOTHING_TO_POST
    return None


def assert_invoicing_consistent() -> None:
    """R-INVC-1: every invoiced unit is drawn from a shipment line not undone; a line's Quantity
    Invoiced is what its invoice lines say, never beyond Quantity Shipped; amounts add up; the order
    is Completed, with its linked assembly order, exactly when every line is shipped and invoiced."""
    drawn = dict(
        InvoicedShipment.objects.values("shipment_line")
        .annotate(q=Sum("quantity"))
        .values_list("shipment_line", "q")
    )
    for shipment_line in SalesShipmentLine.objects.all():
        assert shipment_line.quantity_invoiced == drawn.get(shipment_line.pk, 0)
        assert not (shipment_line.correction and shipment_line.quantity_invoiced)
    lines = list(SalesLine.objects.all())
    for line in lines:
        invoiced = SalesInvoiceLine.objects.filter(order_line=line).aggregate(q=Sum("quantity"))["q"] or 0
        shipped = SalesShipmentLine.objects.filter(order_line=line, correction=False).aggregate(
            q=Sum("quantity")
        )
        assert line.quantity_invoiced == invoiced
        assert line.quantity_shipped == (shipped["q"] or 0)
        assert 0 <= line.quantity_invoiced <= line.quantity_shipped
        assert 0 <= line.qty_to_invoice <= line.max_qty_to_invoice
    for invoice in SalesInvoiceHeader.objects.prefetch_related("lines__shipments"):
        assert invoice.amount == sum(row.line_amount for row in invoice.lines.all())
        for row in invoice.lines.all():
            assert row.line_amount == round_amount(row.quantity * row.unit_price)
            assert row.quantity == sum(x.quantity for x in row.shipments.all())
    done = all(line.is_fully_invoiced for line in lines)
    assert SalesHeader.objects.get().is_completed == done
    if done:
        assert set(AssemblyHeader.objects.values_list("status", flat=True)) == {AssemblyStatus.COMPLETED}


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    sequence=st.lists(
        st.tuples(st.sampled_from(INVOICE_ACTIONS), st.integers(0, 1), st.integers(0, 40)),
        min_size=3,
        max_size=12,
    )
)
def test_r_invc_1_r_undo_1_invoiced_shipments_are_never_undone_and_refusals_change_nothing(db, sequence):
    """R-INVC-1, R-UNDO-1, I-1..I-5: the combination line and a stock line, through any sequence of
    Qty. to Ship, Qty. to Invoice, Post with Ship / Invoice / Ship and Invoice, and Undo Shipment of any
    posted line: an undo is refused exactly when the line is invoiced or undone, a posting exactly when
    there is nothing to post or the order is Completed; a refusal changes nothing (every row of every
    table), and after every step the invariants and the invoices add up."""
    with transaction.atomic():
        seed, header, line = combination_line("MAIN")
        reopen_sales_order(header=header)
        chair = ItemFactory(no="CHAIR", unit_price=D("19.99"))
        post_at_cost(chair, seed.main, "2", "7.77")
        lines = [line, seed.line(header, item=chair, quantity=2)]
        release_sales_order(header=header)
        for action, which, value in sequence:
            header.refresh_from_db()
            current = [fresh(x) for x in lines]
            chosen = current[which]
            refusal = expected_refusal(header, current, action) if action in CHOICES else None
            if action == "qty_to_ship":
                new_value = within(value, D(0), chosen.outstanding_quantity)
            elif action == "qty_to_invoice":
                new_value = within(value, D(0), chosen.max_qty_to_invoice)
            if action in ("qty_to_ship", "qty_to_invoice") and header.is_completed:
                # R-SO-1: a Completed order takes no change (the same value again is none)
                refusal = "completed" if new_value != getattr(chosen, action) else None
            if action == "undo":
                posted = list(SalesShipmentLine.objects.filter(reverses=None).order_by("pk"))
                if not posted:
                    continue
                undoing = posted[value % len(posted)]
                where = {"line": undoing.line_no, "no": undoing.header.no}
                refusal = (
                    MSG_UNDO_DONE.format(**where)
                    if undoing.correction
                    else MSG_UNDO_INVOICED
                    if undoing.quantity_invoiced > 0
                    else None
                )
            before = fault_world()
            try:
                with transaction.atomic():
                    if action in ("qty_to_ship", "qty_to_invoice"):
                        edit(chosen, **{action: new_value})
                    elif action == "undo":
                        undo_shipment_line(shipment_line=undoing)
                    else:
                        post_sales_order(header=header, choice=CHOICES[action])
            except ValidationError as refused:
                assert refusal is not None, (action, refused)
                assert refusal in " ".join(refused.messages), (action, refused.messages, refusal)
                assert fault_world() == before
                event(f"{action} refused")
            else:
                assert refusal is None, (action, refusal)
                event(f"{action} posted")
            assert_reservation_invariants()
            assert_ledger_invariants()
            assert_invoicing_consistent()
        check_invariants_passes()  # and so does manage.py check_invariants (issue 11 part 4)
        transaction.set_rollback(True)
