"""R-AUD-1 "Who and when": every posting records its user and time on its ledger entries and posted
documents and writes one Item Register holding exactly the entries it wrote; a refused posting, or one
that writes no entries, writes none. Reservations record who made them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from assembly.services import create_assembly_order, post_assembly_order
from inventory.audit import acting_as, acting_user
from inventory.models import ItemJournalLine, ItemLedgerEntry, ItemRegister, Reservation
from inventory.services.journal import post_item_journal
from inventory.services.posting import InsufficientInventoryError
from sales.models import SalesShipmentHeader
from sales.services.invoicing import PostChoice, post_sales_order, posting_summary
from sales.services.reservations import SupplyType, reserve_from_current_line
from sales.services.shipping import post_shipment, preview_shipment
from sales.services.undo import undo_shipment_line
from tests.assembly.conftest import World
from tests.factories import BOMComponentFactory, ItemFactory, UserFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_reservations import edit, fresh
from tests.sales.test_shipping import seed_steps_1_to_5
from tests.test_fuzz import describe, snapshot

pytestmark = pytest.mark.django_db
D = Decimal
Source = ItemRegister.Source


@dataclass
class Posting:
    """What a block wrote to the ledger: the registers and entries that are new after it, and when."""

    started: object = None
    ended: object = None
    registers: list[ItemRegister] = field(default_factory=list)
    entries: set[int] = field(default_factory=set)

    def register(self, *, user, source: str) -> ItemRegister:
        """The one register of the posting: exactly its entries, its user and source, a time within it;
        each of its entries carries the same user."""
        assert len(self.registers) == 1, self.registers
        [register] = self.registers
        assert self.entries, "the posting wrote no entries"
        assert set(register.entries.values_list("pk", flat=True)) == self.entries
        assert (register.user, register.source) == (user, source)
        assert self.started <= register.created_at <= self.ended
        assert (register.from_entry_no, register.to_entry_no, register.entry_count) == (
            min(self.entries),
            max(self.entries),
            len(self.entries),
        )
        users = set(ItemLedgerEntry.objects.filter(pk__in=self.entries).values_list("created_by", flat=True))
        assert users == {user.pk if user else None}
        return register


@contextmanager
def posting() -> Iterator[Posting]:
    last_entry = ItemLedgerEntry.objects.aggregate(m=Max("entry_no"))["m"] or 0
    last_register = ItemRegister.objects.aggregate(m=Max("no"))["m"] or 0
    result = Posting(started=timezone.now())
    yield result
    result.ended = timezone.now()
    result.registers = list(
        ItemRegister.objects.filter(no__gt=last_register).with_range().select_related("user")
    )
    result.entries = set(ItemLedgerEntry.objects.filter(entry_no__gt=last_entry).values_list("pk", flat=True))


def journal(user, item, location, quantity, entry_type=ItemJournalLine.EntryType.POSITIVE_ADJMT):
    return ItemJournalLine.objects.create(
        user=user,
        entry_type=entry_type,
        posting_date=timezone.localdate(),
        item=item,
        location=location,
        quantity=D(quantity),
        unit_cost=D(1),
    )


@pytest.fixture
def processor(db):
    return UserFactory(username="alice")


def test_r_aud_1_item_journal_posting_writes_one_register_of_the_journals_user(seed, processor):
    """The journal is its user's worksheet: its posting records that user, whoever runs the code."""
    warehouse = UserFactory(username="wendy")
    journal(warehouse, seed.part_a, seed.main, 5)
    journal(warehouse, seed.part_b, seed.main, 2, ItemJournalLine.EntryType.NEGATIVE_ADJMT)

    with acting_as(processor), posting() as wrote:
        entries = post_item_journal(user=warehouse)

    wrote.register(user=warehouse, source=Source.ITEM_JOURNAL)
    assert {e.pk for e in entries} == wrote.entries


def test_r_aud_1_sales_shipment_with_ato_assembly_writes_one_register_and_posted_by(seed, processor):
    """Post (Ship) of the seed's line (7 assembled to order, 3 from stock): one register for the
    consumption, output and both sales; the shipment and the Posted Assembly Order say who and when."""
    header, _ = seed_steps_1_to_5(seed)

    with acting_as(processor), posting() as wrote:
        shipment = post_shipment(header=header)

    register = wrote.register(user=processor, source=Source.SALES_SHIPMENT)
    assert register.entry_count == 5
    assert wrote.entries == set(shipment.lines.get().entries.values_list("entry", flat=True))
    posted_assembly = shipment.lines.get().posted_assembly
    for document in (shipment, posted_assembly):
        document.refresh_from_db()
        assert document.posted_by == processor
        assert wrote.started <= document.created_at <= wrote.ended


def test_r_aud_1_invoice_writes_no_entries_so_no_register_but_records_who_posted_it(seed, processor):
    """Invoice writes no item ledger entries (the stock left with the shipment): no register; the
    Posted Sales Invoice records its user. Ship and Invoice writes the shipment's one register."""
    header, line = seed_steps_1_to_5(seed)
    edit(line, qty_to_ship=D(4))
    post_shipment(header=header)

    with acting_as(processor), posting() as wrote:
        invoice = post_sales_order(header=header, choice=PostChoice.INVOICE).invoice

    assert wrote.registers == [] and wrote.entries == set()
    assert invoice.posted_by == processor
    assert wrote.started <= invoice.created_at <= wrote.ended

    with acting_as(processor), posting() as wrote:
        posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)

    wrote.register(user=processor, source=Source.SALES_SHIPMENT)
    assert posted.shipment.posted_by == processor and posted.invoice.posted_by == processor


def test_r_aud_1_undo_shipment_writes_one_register_of_its_corrections(seed, processor):
    header, _ = seed_steps_1_to_5(seed)
    with acting_as(processor):
        [shipped] = post_shipment(header=header).lines.all()
    undoer = UserFactory(username="bob")

    with acting_as(undoer), posting() as wrote:
        reversing = undo_shipment_line(shipment_line=shipped)

    wrote.register(user=undoer, source=Source.UNDO_SHIPMENT)
    assert wrote.entries == set(reversing.entries.values_list("entry", flat=True))
    assert len(wrote.entries) == 5


def test_r_aud_1_stand_alone_assembly_posting_writes_one_register_and_posted_by(db, processor):
    world = World()
    order = world.order(4)

    with acting_as(processor), posting() as wrote:
        posted = post_assembly_order(order=order)

    wrote.register(user=processor, source=Source.ASSEMBLY)
    assert wrote.entries == set(
        ItemLedgerEntry.objects.filter(document_no=posted.no).values_list("pk", flat=True)
    )
    assert posted.posted_by == processor


def test_r_aud_1_without_an_acting_user_the_posting_is_the_systems(seed):
    """A command that posts on nobody's behalf: the register and entries have a blank user."""
    header, _ = seed_steps_1_to_5(seed)
    assert acting_user.get() is None

    with posting() as wrote:
        shipment = post_shipment(header=header)

    wrote.register(user=None, source=Source.SALES_SHIPMENT)
    assert shipment.posted_by is None


def test_r_aud_1_a_refused_posting_writes_no_register(seed, processor):
    """A shortage refuses the journal and the shipment whole (R-INV-3): the world is as before, no
    register, no entries."""
    journal(processor, seed.part_a, seed.main, 5)
    journal(processor, seed.part_b, seed.main, 11, ItemJournalLine.EntryType.NEGATIVE_ADJMT)  # 10 on hand
    header = seed.order()
    seed.line(header, quantity=12)  # 10 assembled to order: PART-A for 10, no more
    before = snapshot()

    with acting_as(processor), posting() as wrote:
        with pytest.raises(InsufficientInventoryError):
            post_item_journal(user=processor)
        with pytest.raises(InsufficientInventoryError):
            post_sales_order(header=header, choice=PostChoice.SHIP)

    assert wrote.registers == [] and wrote.entries == set()
    assert snapshot() == before, describe(before, snapshot())


def test_r_aud_1_previews_write_no_register(seed, processor):
    """Preview Posting and the Post dialog's summary run the engine's plan and write nothing (X-5)."""
    header, _ = seed_steps_1_to_5(seed)
    before = snapshot()

    with acting_as(processor), posting() as wrote:
        preview_shipment(header=header)
        posting_summary(header=header, choice=PostChoice.SHIP)

    assert wrote.registers == [] and snapshot() == before


def test_r_aud_1_reservations_record_who_made_them(seed, processor):
    """The binding of a linked assembly order and a reservation from stock carry their maker."""
    with acting_as(processor):
        header = seed.order()
        line = edit(seed.line(header, quantity=10), qty_to_assemble_to_order=D(7))
        reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ITEM_LEDGER_ENTRY)

    reservations = Reservation.objects.filter(sales_line=line)
    assert {(r.binding, r.created_by) for r in reservations} == {(True, processor), (False, processor)}


def test_r_aud_1_a_reservation_moved_to_an_assembly_output_keeps_its_maker(db, processor):
    """A line reserved against a stand-alone assembly order: posting the order moves the reservation to
    its output entry, still the maker's reservation (as BC transfers the entry), not the assembler's."""
    seed = Seed(stock=False)
    desk = ItemFactory(no="DESK", assemble_to_stock=True)
    BOMComponentFactory(parent_item=desk, component_item=seed.part_a, quantity_per=D(1))
    post_stock(seed.part_a, seed.main, 5)
    header = seed.order()
    order = create_assembly_order(item=desk, quantity=D(5), location=seed.main, due_date=header.shipment_date)
    with acting_as(processor):
        line = seed.line(header, item=desk, quantity=5)
        reserve_from_current_line(line=fresh(line), supply_type=SupplyType.ASSEMBLY_ORDER)
    made = Reservation.objects.get(sales_line=line)
    assert (made.assembly_order, made.created_by) == (order, processor)

    with acting_as(UserFactory(username="assembler")):
        posted = post_assembly_order(order=order)

    moved = Reservation.objects.get(sales_line=line)
    assert moved.item_ledger_entry.document_no == posted.no
    assert moved.created_by == processor


def test_r_aud_1_a_request_posts_as_its_user_and_leaves_no_acting_user_behind(seed, user_client, user):
    """The middleware: Post (Ship) through the page records the signed-in user."""
    header, _ = seed_steps_1_to_5(seed)
    fingerprint = posting_summary(header=header, choice=PostChoice.SHIP)[1]

    with posting() as wrote:
        response = user_client.post(
            reverse("sales:order-post", args=[header.pk]),
            {"choice": PostChoice.SHIP, "fingerprint": fingerprint},
        )

    assert response.status_code == 302
    wrote.register(user=user, source=Source.SALES_SHIPMENT)
    assert SalesShipmentHeader.objects.get().posted_by == user
    assert acting_user.get() is None


def test_r_aud_1_release_and_posting_twice_write_one_register(seed, processor):
    """I-5 with R-AUD-1: an Open order is released by Post; the second Post finds nothing to ship."""
    header = seed.order()
    seed.line(header, quantity=2)
    with acting_as(processor), posting() as wrote:
        post_shipment(header=header)
        with pytest.raises(ValidationError, match="nothing to post"):
            post_shipment(header=header)
    wrote.register(user=processor, source=Source.SALES_SHIPMENT)


def test_r_aud_1_the_posted_cards_show_who_posted_them(seed, processor, user_client):
    """The shipment, invoice and Posted Assembly Order cards show User ID (and Posted At)."""
    header, _ = seed_steps_1_to_5(seed)
    with acting_as(processor):
        posted = post_sales_order(header=header, choice=PostChoice.SHIP_AND_INVOICE)
    assembly = posted.shipment.lines.get().posted_assembly

    for document in (posted.shipment, posted.invoice, assembly):
        html = user_client.get(document.get_absolute_url()).content.decode()
        assert '<span class="label">User ID</span><span class="value" data-testid="posted-by">alice<' in html
        assert 'data-testid="posted-at">' in html and 'data-testid="posted-at"><' not in html
