"""Undo Shipment and Post with Ship / Invoice / Ship and Invoice under parallel requests, on PostgreSQL
with real threads, each with its own connection (R-UNDO-1, R-INVC-1, R-POST-5, I-1..I-5, X-6).

Both services judge under `lock_for_posting` (sales order → lines → linked assembly orders → items):
two undos of one shipment line undo it once; an undo and an invoice of one shipment line never both
win; an undo racing a new shipment of the same order leaves every quantity adding up; a confirmation
posted twice posts once.

Each race is played in a fixed order (`Ordered`): the first job judges and, about to write, holds until
the second is seen waiting on one of its locks (or, were there no lock, until the second has run its
course). So both orders of each race are played every run, the second job always judges what the
first wrote, and a lock taken away makes these tests fail every time, not once in a while.

Every race runs twice: through the pages (Post's dialog `sales:order-post`, read for its fingerprint and
posted back with its `choice`; Undo Shipment's question on the shipment card, `sales:shipment-line-undo`),
and through the services the pages call.
"""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.test import Client
from django.urls import reverse

import sales.services.invoicing as invoicing
import sales.services.shipping as shipping
import sales.services.undo as undo_module
from assembly.models import AssemblyHeader
from inventory.figures import ZERO
from inventory.models import ItemLedgerEntry
from sales.models import (
    InvoicedShipment,
    SalesHeader,
    SalesInvoiceHeader,
    SalesInvoiceLine,
    SalesLine,
    SalesShipmentHeader,
    SalesShipmentLine,
)
from sales.services.invoicing import PostChoice, post_sales_order, posting_summary
from sales.services.lines import MSG_ORDER_COMPLETED
from sales.services.shipping import MSG_CHANGED, post_shipment
from sales.services.undo import MSG_UNDO_DONE, MSG_UNDO_INVOICED, undo_shipment_line
from tests.concurrency.parallel import THREAD_TIMEOUT, run_in_parallel
from tests.factories import UserFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import assert_reservation_invariants, edit, fresh
from tests.sales.test_shipping import on_hand, seed_steps_1_to_5

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("postgres_only", "transactional_db")]
D = Decimal
HOLD = 5.0  # seconds the first job waits, about to write, for the second to wait on its locks


# --- outcomes and jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    """A refusal as the user reads it: the service's messages, or the dialog the view answered with."""

    text: str


@dataclass(frozen=True)
class Done:
    value: object = None


def refusing(job: Callable[[], object]) -> Callable[[], object]:
    """The job's `ValidationError` becomes `Refused` (any other exception is the test's failure)."""

    def run() -> object:
        try:
            return Done(job())
        except ValidationError as exc:
            return Refused(" ".join(exc.messages))

    return run


class ServiceVia:
    """The services, called as the views call them: Post with the fingerprint of `posting_summary` (what
    the dialog shows), or without one (`None`: a Post that carries no confirmation); Undo Shipment."""

    def confirm(self, header: SalesHeader, choice: PostChoice) -> str:
        return posting_summary(header=SalesHeader.objects.get(pk=header.pk), choice=choice)[1]

    def post(self, header: SalesHeader, choice: PostChoice, fingerprint: str | None) -> Callable[[], object]:
        return refusing(
            lambda: post_sales_order(
                header=SalesHeader.objects.get(pk=header.pk), choice=choice, expect=fingerprint
            )
        )

    def undo(self, shipment_line: SalesShipmentLine) -> Callable[[], object]:
        return refusing(
            lambda: undo_shipment_line(shipment_line=SalesShipmentLine.objects.get(pk=shipment_line.pk))
        )


class HttpVia:
    """The pages, as a browser without JavaScript uses them: Post's dialog (`sales:order-post`) is read
    for its fingerprint, then its `choice` and `fingerprint` are posted back; Undo Shipment posts the
    shipment card's question (`sales:shipment-line-undo`). A redirect means done, HTTP 422 is the page
    with the refusal. Each job has its own client (its own session), thread and connection."""

    def confirm(self, header: SalesHeader, choice: PostChoice) -> str:
        page = self._client().get(reverse("sales:order-post", args=[header.pk]), {"choice": choice.value})
        found = re.search(r'name="fingerprint" value="([^"]*)"', page.content.decode())
        assert found, page.content.decode()
        return html.unescape(found.group(1))

    def post(self, header: SalesHeader, choice: PostChoice, fingerprint: str | None) -> Callable[[], object]:
        assert fingerprint is not None, "the page always posts the fingerprint its dialog showed"
        data = {"choice": choice.value, "fingerprint": fingerprint}
        return self._request(reverse("sales:order-post", args=[header.pk]), data)

    def undo(self, shipment_line: SalesShipmentLine) -> Callable[[], object]:
        url = reverse("sales:shipment-line-undo", args=[shipment_line.header_id, shipment_line.pk])
        return self._request(url, {})

    def _request(self, url: str, data: dict[str, str]) -> Callable[[], object]:
        client = self._client()  # made here, in the test's thread; the job posts in its own

        def run() -> object:
            response = client.post(url, data)
            if response.status_code == 302:
                return Done(response)
            assert response.status_code == 422, (response.status_code, response.content[:2000])
            return Refused(html.unescape(response.content.decode()))

        return run

    @staticmethod
    def _client() -> Client:
        client = Client()
        client.force_login(UserFactory())
        return client


VIAS = [pytest.param(ServiceVia(), id="service"), pytest.param(HttpVia(), id="http")]


def settle(outcomes: list[object]) -> tuple[list[Done], list[Refused]]:
    unexpected = [o for o in outcomes if not isinstance(o, Done | Refused)]
    assert not unexpected, f"unexpected outcomes: {unexpected!r}"
    return [o for o in outcomes if isinstance(o, Done)], [o for o in outcomes if isinstance(o, Refused)]


# --- playing a race in a fixed order -----------------------------------------------------------------


def blocking_another() -> bool:
    """Whether another session waits on a lock this thread's session holds (`pg_locks` is read live)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted"
            " AND pg_backend_pid() = ANY(pg_blocking_pids(pid)))"
        )
        return cursor.fetchone()[0]


class Ordered:
    """Play a race with a known first: the first job runs until it has judged and is about to write
    (the first call of a hooked function), lets the second job start, and holds there until the second
    waits on one of its locks (`waited`) or `HOLD` has passed; then it writes and commits. The second
    job judges after it: what the first wrote, if the locks serialise them; the state the first judged
    too, if they do not (and then both write)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self._monkeypatch = monkeypatch
        self._judged = threading.Event()
        self._once = threading.Lock()
        self._taken = False
        self.waited: bool | None = None

    def hold_at(self, module, *names: str) -> Ordered:
        for name in names:
            self._monkeypatch.setattr(module, name, self._held(getattr(module, name)))
        return self

    def _held(self, real: Callable) -> Callable:
        def held(*args, **kwargs):
            with self._once:
                first, self._taken = not self._taken, True
            if first:
                self._judged.set()
                deadline = time.monotonic() + HOLD
                while not (waited := blocking_another()) and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.waited = waited
            return real(*args, **kwargs)

        return held

    def after(self, job: Callable[[], object]) -> Callable[[], object]:
        """`job`, started once the first job has judged."""

        def run() -> object:
            assert self._judged.wait(THREAD_TIMEOUT), "the first job never reached its writes"
            return job()

        return run

    def run(self, first: Callable[[], object], second: Callable[[], object]) -> list[object]:
        return run_in_parallel(first, self.after(second))

    def assert_second_waited(self) -> None:
        """Checked last, after what the race left: the second job waited on a lock of the first."""
        assert self.waited, "the second job did not wait for the first's locks"


def undo_judged(ordered: Ordered) -> Ordered:
    """The undo has judged its line (`_refuse_unless_undoable`) and plans its corrections next."""
    return ordered.hold_at(undo_module, "_corrections")


def post_judged(ordered: Ordered) -> Ordered:
    """Post has planned and checked its fingerprint; it writes the shipment (or the invoice) next:
    through `post_sales_order`, or `post_shipment` (what a Ship-only view calls)."""
    ordered.hold_at(invoicing, "write_shipment", "_write_invoice")
    return ordered.hold_at(shipping, "write_shipment")


# --- invariants --------------------------------------------------------------------------------------


def assert_ledger_invariants() -> None:
    """I-1 (0 ≤ Remaining ≤ Quantity for every inbound entry) and I-4 (per item, location and bin:
    Σ quantity ≥ 0, and = Σ Remaining of the open entries)."""
    for entry in ItemLedgerEntry.objects.filter(quantity__gt=0):
        assert ZERO <= entry.remaining_quantity <= entry.quantity, entry
    groups = ItemLedgerEntry.objects.values("item", "location", "bin").annotate(
        total=Sum("quantity"),
        open=Coalesce(Sum("remaining_quantity", filter=Q(remaining_quantity__gt=0)), ZERO),
    )
    for group in groups:
        assert group["total"] >= 0, group
        assert group["total"] == group["open"], group


def assert_invariants() -> None:
    """I-1..I-4 over the whole database."""
    assert_reservation_invariants()
    assert_ledger_invariants()


def assert_quantities_add_up() -> None:
    """Per sales line: Quantity Shipped = Σ quantity of its posted shipment lines, reversing ones
    included; the Sale entries of those shipments (corrections included) took exactly that out; the
    linked order assembled Σ of their assembled-to-order quantities. Quantity Invoiced = Σ of its
    invoice lines = Σ of what they drew on its shipment lines, never on an undone one."""
    for line in SalesLine.objects.all():
        shipped = SalesShipmentLine.objects.filter(order_line=line)
        assert line.quantity_shipped == shipped.aggregate(q=Coalesce(Sum("quantity"), ZERO))["q"], line
        sales = ItemLedgerEntry.objects.filter(
            entry_type=ItemLedgerEntry.EntryType.SALE,
            document_type=ItemLedgerEntry.DocumentType.SALES_SHIPMENT,
            document_no__in=shipped.values("header__no"),
            document_line_no=line.line_no,
            item=line.item,
        )
        assert -sales.inventory() == line.quantity_shipped, line
        if line.assembly_order_id:
            order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
            ato = shipped.aggregate(q=Coalesce(Sum("qty_assembled_to_order"), ZERO))["q"]
            assert order.assembled_quantity == ato, line
        invoiced = SalesInvoiceLine.objects.filter(order_line=line).aggregate(
            q=Coalesce(Sum("quantity"), ZERO)
        )
        drawn = InvoicedShipment.objects.filter(shipment_line__order_line=line)
        assert (
            line.quantity_invoiced == invoiced["q"] == drawn.aggregate(q=Coalesce(Sum("quantity"), ZERO))["q"]
        )
        assert line.quantity_invoiced <= line.quantity_shipped
    for shipment_line in SalesShipmentLine.objects.all():
        drawn = shipment_line.invoiced.aggregate(q=Coalesce(Sum("quantity"), ZERO))["q"]
        assert shipment_line.quantity_invoiced == drawn, shipment_line
        # Never both: an undone line (or its reversing line) carries no invoiced quantity.
        assert not (shipment_line.correction and shipment_line.quantity_invoiced > 0), shipment_line


def balances(seed: Seed) -> dict[str, Decimal]:
    return {item.no: on_hand(item) for item in (seed.kit, seed.part_a, seed.part_b)}


def stock_for_the_seed_line(seed: Seed) -> None:
    """What the seed line (10 KIT: 7 assembled to order, 3 from stock) needs, whichever way it ships."""
    post_stock(seed.part_a, seed.main, 14)
    post_stock(seed.part_b, seed.main, 7)
    post_stock(seed.kit, seed.main, 3)


def shipped_in_two(seed: Seed) -> tuple[SalesHeader, SalesLine, SalesShipmentLine]:
    """The seed line shipped 4 (all assembled to order, R-QTS-1); 6 left to ship (3 + 3 from stock)."""
    header, line = seed_steps_1_to_5(seed)
    edit(fresh(line), qty_to_ship=D(4))
    [first] = post_shipment(header=SalesHeader.objects.get(pk=header.pk)).lines.all()
    assert (first.quantity, first.qty_assembled_to_order) == (4, 4)
    return header, line, first


# --- 1. two undos of one shipment line ---------------------------------------------------------------


@pytest.mark.parametrize("via", VIAS)
def test_r_undo_1_two_undos_of_one_shipment_line_at_once_undo_it_once(monkeypatch, via):
    """Double click, two tabs: one undo reverses the line, the other waits for it, finds the line undone
    and writes nothing. The ledger has exactly one correction per entry the shipment wrote."""
    seed = Seed()
    header, line = seed_steps_1_to_5(seed)
    before = balances(seed)
    [shipped] = post_shipment(header=header).lines.all()
    originals = list(shipped.entries.values_list("entry", "entry__quantity"))
    assert len(originals) == 5  # 2 consumptions, the output, the assembled and the stock sale

    ordered = undo_judged(Ordered(monkeypatch))
    outcomes = ordered.run(via.undo(shipped), via.undo(shipped))

    done, refused = settle(outcomes)
    assert len(done) == 1, outcomes
    assert MSG_UNDO_DONE.format(line=shipped.line_no, no=shipped.header.no) in refused[0].text, outcomes
    [reversing] = SalesShipmentLine.objects.filter(reverses=shipped)
    assert SalesShipmentLine.objects.count() == 2
    corrections = ItemLedgerEntry.objects.filter(correction=True)
    assert corrections.count() == len(originals) == reversing.entries.count()
    for entry, quantity in originals:
        if quantity < 0:  # each outbound entry reversed once, fixed-applied from it
            assert ItemLedgerEntry.objects.filter(applies_from_entry=entry).count() == 1, entry
    assert balances(seed) == before
    line = fresh(line)
    assert (line.quantity_shipped, line.qty_to_ship, line.assembly_order.remaining_quantity) == (0, 10, 7)
    assert_quantities_add_up()
    assert_invariants()
    ordered.assert_second_waited()


# --- 2. an undo racing a new shipment of the same order --------------------------------------------


@pytest.mark.parametrize("first", ["undo", "post"])
@pytest.mark.parametrize("via", VIAS)
def test_r_undo_1_undo_racing_a_shipment_of_the_rest_of_the_same_line(monkeypatch, via, first):
    """Undo the first shipment (4, all assembled to order) while Post ships the 6 left (3 assembled, 3
    from stock). Either order ends with every quantity adding up and I-1..I-4 holding:

    - Post first: it ships 6, then the undo takes back the 4 (the order is left with 6 shipped).
    - Undo first: the order would now ship 10, not the 6 confirmed: Post is refused (R-POST-5).
      Without a confirmation (the service called without `expect`) Post ships the 10.
    """
    seed = Seed(stock=False)
    stock_for_the_seed_line(seed)
    header, line, first_line = shipped_in_two(seed)
    confirmed = isinstance(via, HttpVia)  # the page posts what its dialog confirmed; the service may not
    fingerprint = via.confirm(header, PostChoice.SHIP) if confirmed else None
    undo_job, post_job = via.undo(first_line), via.post(header, PostChoice.SHIP, fingerprint)
    ordered = Ordered(monkeypatch)

    if first == "undo":
        undone, posted = undo_judged(ordered).run(undo_job, post_job)
    else:
        posted, undone = post_judged(ordered).run(post_job, undo_job)

    settle([undone, posted])
    assert isinstance(undone, Done), undone
    line = fresh(line)
    shipments = SalesShipmentHeader.objects.filter(order=header)
    later = SalesShipmentLine.objects.filter(header__in=shipments, reverses__isnull=True).exclude(
        pk=first_line.pk
    )
    if first == "undo" and confirmed:
        assert isinstance(posted, Refused) and MSG_CHANGED.format(no=header.no) in posted.text, posted
        assert not later.exists()
        assert (line.quantity_shipped, line.qty_to_ship, line.assembly_order.remaining_quantity) == (0, 10, 7)
    else:
        assert isinstance(posted, Done), posted
        [second] = later
        expected = (10, 7) if first == "undo" else (6, 3)
        assert (second.quantity, second.qty_assembled_to_order) == expected
        remaining = 0 if first == "undo" else 4  # an undo after the post gives its 4 back to assemble
        assert (line.quantity_shipped, line.assembly_order.remaining_quantity) == (expected[0], remaining)
    first_line.refresh_from_db()
    assert first_line.correction
    assert_quantities_add_up()
    assert_invariants()
    ordered.assert_second_waited()


# --- 3. an undo racing an invoice of the same shipment line ----------------------------------------


@pytest.mark.parametrize("first", ["undo", "invoice"])
@pytest.mark.parametrize("via", VIAS)
def test_r_undo_1_undo_racing_an_invoice_of_the_same_shipment_line_never_both(monkeypatch, via, first):
    """Ship 4, ship 6, then Invoice the 10 while undoing the first shipment line: exactly one wins.
    Invoice first: it draws on both shipment lines and the undo is refused as invoiced. Undo first: 6 are
    left to invoice, not the 10 confirmed, and the invoice is refused (R-POST-5). Never an invoiced line
    undone, nor an undone line invoiced."""
    seed = Seed(stock=False)
    stock_for_the_seed_line(seed)
    header, line, first_line = shipped_in_two(seed)
    post_shipment(header=SalesHeader.objects.get(pk=header.pk))
    fingerprint = via.confirm(header, PostChoice.INVOICE)
    undo_job, invoice_job = via.undo(first_line), via.post(header, PostChoice.INVOICE, fingerprint)
    ordered = Ordered(monkeypatch)

    if first == "undo":
        undone, invoiced = undo_judged(ordered).run(undo_job, invoice_job)
    else:
        invoiced, undone = post_judged(ordered).run(invoice_job, undo_job)

    done, refused = settle([undone, invoiced])
    assert len(done) == 1 and len(refused) == 1, (undone, invoiced)
    first_line.refresh_from_db()
    invoices = SalesInvoiceHeader.objects.filter(order=header)
    drawn = InvoicedShipment.objects.filter(shipment_line__order_line=line)
    line = fresh(line)
    if first == "undo":
        assert isinstance(undone, Done), undone
        assert MSG_CHANGED.format(no=header.no) in invoiced.text, invoiced
        assert first_line.correction and first_line.quantity_invoiced == 0
        assert not invoices.exists() and not drawn.exists()
        assert (line.quantity_shipped, line.quantity_invoiced) == (6, 0)
    else:
        assert isinstance(undone, Refused) and MSG_UNDO_INVOICED in undone.text, undone
        assert not first_line.correction and first_line.quantity_invoiced == 4
        assert not SalesShipmentLine.objects.filter(reverses=first_line).exists()
        assert invoices.count() == 1
        assert sorted(drawn.values_list("shipment_line__quantity", "quantity")) == [(4, 4), (6, 6)]
        assert (line.quantity_shipped, line.quantity_invoiced) == (10, 10)
    assert_quantities_add_up()
    assert_invariants()
    ordered.assert_second_waited()


# --- 4. one confirmation of Ship and Invoice posted twice at once ----------------------------------


@pytest.mark.parametrize("part", ["whole", "partial"])
@pytest.mark.parametrize("via", VIAS)
def test_r_post_5_ship_and_invoice_posted_twice_at_once_posts_once(monkeypatch, via, part):
    """R-POST-5: the second Post of the same confirmation waits for the first, then finds the order
    Completed (whole order) or another plan than the one confirmed (partial): one shipment, one invoice."""
    seed = Seed()
    header = seed.order()
    line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
    if part == "partial":
        line = edit(fresh(line), qty_to_ship=D(4))
    quantity = 10 if part == "whole" else 4
    fingerprint = via.confirm(header, PostChoice.SHIP_AND_INVOICE)
    before = balances(seed)

    ordered = post_judged(Ordered(monkeypatch))
    outcomes = ordered.run(*(via.post(header, PostChoice.SHIP_AND_INVOICE, fingerprint) for _ in range(2)))

    done, refused = settle(outcomes)
    assert len(done) == 1 and len(refused) == 1, outcomes
    refusal = MSG_ORDER_COMPLETED if part == "whole" else MSG_CHANGED
    assert refusal.format(no=header.no) in refused[0].text, refused
    assert SalesShipmentHeader.objects.count() == 1
    assert SalesInvoiceHeader.objects.count() == 1
    assert SalesInvoiceLine.objects.get().quantity == quantity
    line = fresh(line)
    assert (line.quantity_shipped, line.quantity_invoiced) == (quantity, quantity)
    assert balances(seed)["KIT"] == before["KIT"] - (quantity - min(quantity, 7))  # the stock part
    assert SalesHeader.objects.get(pk=header.pk).is_completed == (part == "whole")
    assert_quantities_add_up()
    assert_invariants()
    ordered.assert_second_waited()
