"""The item ledger's posting engine: the only code that writes item ledger entries (R-INV-1..3).

Callers (the item journal, assembly posting, sales shipment posting) describe what to post as a list
of `EntryToPost`; `post_item_entries` validates it, locks the items, and applies every outbound entry:

- to the entry it names in `apply_to` (fixed application), or else
- first to the entries reserved for the `demand` it posts for, then to open entries FIFO, but never
  to quantity that another demand has reserved (R-INV-2): reserved quantity belongs to its demand.

A posting that would need more than that refuses as a whole (R-INV-3), with a message naming item,
location, bin, the shortfall and who holds the reserved part. The reservations a posting takes are
consumed in the same write (R-RES-8), so no caller can leave a reservation on quantity that has gone.
An inbound correction may name the outbound entry it reverses (`applies_from`): it comes back at that
entry's cost, never more than was taken out (Undo Shipment stands on it).

Every posting that writes entries writes its Item Register first (R-AUD-1): the acting user
(`inventory.audit`), the time, and what posted it, told by the entries (`source_of`); each entry names
the register and the user. Since this is the only code that writes entries, no posting can skip it.

Everything is written with a number of queries that does not grow with the number of entries (bulk
inserts, one update of the inbound entries' Remaining Quantity, one of the reservations).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from ..audit import acting_user_id
from ..figures import (
    MAX_COLUMN_QUANTITY,
    QTY_PLACES,
    QTY_QUANTUM,
    ZERO,
    check_amount_fits,
    format_quantity,
    round_amount,
)
from ..locks import lock_items, operation
from ..models import (
    Bin,
    Demand,
    DocumentType,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
    ItemRegister,
    Location,
    PostingSetup,
    Reservation,
    validate_location_bin,
)

MSG_INSUFFICIENT = (
    "You have insufficient quantity of Item {item} on inventory. "
    "Location {location}, Bin {bin}: {missing} missing."
)
MSG_RESERVED_FOR = "{reserved} of the {on_hand} {item} at {place} are reserved for {demands}."
MSG_QUANTITY_ZERO = "Quantity must not be 0."
MSG_TOO_MANY_DECIMALS = f"Quantity can have at most {QTY_PLACES} decimals."
MSG_QUANTITY_TOO_LARGE = "Quantity {qty} is more than the largest quantity a ledger entry can hold."
MSG_APPLY_TO_NOT_INBOUND = (
    "Entry {entry} is not an open inbound entry of {item} at {location}: it cannot be applied to."
)
MSG_APPLIES_FROM_NOT_OUTBOUND = (
    "Entry {entry} is not an outbound entry of {item} at {location}: nothing to reverse."
)
MSG_APPLIES_FROM_EXCEEDED = "Entry {entry} took out {taken}; {corrected} of it has already come back."

Key = tuple[int, int, int | None]  # (item, location, bin)


@dataclass(frozen=True, kw_only=True, eq=False)
class EntryToPost:
    """One item ledger entry to write. `quantity` is signed: > 0 inbound, < 0 outbound.

    Outbound: `demand` is whose reservations it may (and does first) take; `apply_to` fixes the
    inbound entry it takes from (an existing entry, or an inbound `EntryToPost` earlier in the list).
    Inbound: `applies_from` is the outbound entry it reverses; its cost is that entry's. `cost_from`
    (outbound entries earlier in the same list) makes its cost what they took out: an Assembly Output
    costs what its consumption cost.
    """

    entry_type: str
    document_type: str
    document_no: str
    posting_date: datetime.date
    item: Item
    location: Location
    bin: Bin | None
    quantity: Decimal
    document_line_no: int = 0
    description: str = ""
    unit_cost: Decimal | None = None  # inbound only; defaults to the item's Unit Cost
    demand: Demand | None = None
    apply_to: ItemLedgerEntry | EntryToPost | None = None
    applies_from: ItemLedgerEntry | None = None
    cost_from: tuple[EntryToPost, ...] = ()
    correction: bool = False  # written by an undo, reversing an entry

    @property
    def key(self) -> Key:
        return (self.item.pk, self.location.pk, self.bin.pk if self.bin else None)


@dataclass(frozen=True)
class Shortage:
    item_no: str
    location_code: str
    bin_code: str
    missing: Decimal
    on_hand: Decimal = ZERO
    reserved_for: tuple[tuple[str, Decimal], ...] = ()  # (demand caption, quantity), for others

    def __str__(self) -> str:
        text = MSG_INSUFFICIENT.format(
            item=self.item_no,
            location=self.location_code,
            bin=self.bin_code or "(none)",
            missing=format_quantity(self.missing),
        )
        if self.reserved_for:
            reserved = sum((qty for _, qty in self.reserved_for), ZERO)
            demands = (
                self.reserved_for[0][0]
                if len(self.reserved_for) == 1
                else ", ".join(f"{caption} ({format_quantity(qty)})" for caption, qty in self.reserved_for)
            )
            place = self.location_code + (f" bin {self.bin_code}" if self.bin_code else "")
            text += " " + MSG_RESERVED_FOR.format(
                reserved=format_quantity(reserved),
                on_hand=format_quantity(self.on_hand),
                item=self.item_no,
                place=place,
                demands=demands,
            )
        return text


class InsufficientInventoryError(Exception):
    """A posting would make inventory negative (R-INV-3). Carries every shortage found."""

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        super().__init__(" ".join(str(s) for s in self.shortages))

    @property
    def messages(self) -> list[str]:
        return [str(s) for s in self.shortages]


@dataclass(frozen=True)
class ConsumedReservation:
    """Reserved quantity a posting took for its demand (R-RES-8)."""

    reservation_id: int
    entry: ItemLedgerEntry  # the inbound entry the reservation was on
    demand: Demand
    quantity: Decimal
    outbound: ItemLedgerEntry | None = None  # the entry of this posting that took it


@dataclass
class PostingResult:
    """What one posting wrote: the entries (in the order given), what each outbound entry was applied
    to, which reservations it consumed, and its Item Register (None for a preview or no entries)."""

    entries: list[ItemLedgerEntry]
    applications: list[ItemApplicationEntry]
    consumed: list[ConsumedReservation]
    register: ItemRegister | None = None

    def __iter__(self):
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def taken_by(self, entry: ItemLedgerEntry) -> list[ItemApplicationEntry]:
        return [a for a in self.applications if a.outbound_entry is entry]

    def reserved_taken_by(self, entry: ItemLedgerEntry) -> Decimal:
        """How much of what `entry` took out had been reserved for its demand (R-RES-8)."""
        return sum((c.quantity for c in self.consumed if c.outbound is entry), ZERO)


@dataclass
class _Supply:
    """An inbound entry as the engine sees it during one posting: existing or about to be inserted."""

    entry: ItemLedgerEntry
    remaining: Decimal
    existing: bool
    # What each demand holds on it, with the reservation rows (oldest first); falls as postings take it.
    reservations: dict[Demand, list[list]] = field(default_factory=dict)

    @property
    def unit_cost(self) -> Decimal:
        return self.entry.cost_amount / self.entry.quantity

    def held_by(self, demand: Demand | None) -> Decimal:
        if demand is None:
            return ZERO
        return sum((row[1] for row in self.reservations.get(demand, ())), ZERO)

    def held_by_others(self, demand: Demand | None) -> Decimal:
        return sum(
            (row[1] for holder, rows in self.reservations.items() if holder != demand for row in rows), ZERO
        )

    def free_for(self, demand: Demand | None) -> Decimal:
        """What `demand` may take: Remaining minus what every other demand has reserved."""
        return max(self.remaining - self.held_by_others(demand), ZERO)


@dataclass
class _Plan:
    new_entries: list[ItemLedgerEntry] = field(default_factory=list)
    applications: list[ItemApplicationEntry] = field(default_factory=list)
    consumed: list[ConsumedReservation] = field(default_factory=list)
    shortages: list[tuple[EntryToPost, Decimal, Key]] = field(default_factory=list)


# --- checks ------------------------------------------------------------------------------------


def _validate(entries: Sequence[EntryToPost], setup: PostingSetup) -> None:
    for entry in entries:
        if entry.quantity == 0:
            raise ValidationError({"quantity": MSG_QUANTITY_ZERO})
        if entry.quantity != entry.quantity.quantize(QTY_QUANTUM):
            raise ValidationError({"quantity": MSG_TOO_MANY_DECIMALS})
        if abs(entry.quantity) > MAX_COLUMN_QUANTITY:
            raise ValidationError(
                {"quantity": MSG_QUANTITY_TOO_LARGE.format(qty=format_quantity(entry.quantity))}
            )
        validate_location_bin(location=entry.location, bin=entry.bin)
        setup.check_posting_date(entry.posting_date)  # R-INV-6


def _check_corrections(entries: Sequence[EntryToPost]) -> None:
    """An inbound correction reverses an outbound entry of its own item, location and bin, never more
    than that entry took out (counting earlier corrections and the others in this posting)."""
    corrections = [e for e in entries if e.applies_from is not None]
    if not corrections:
        return
    done = dict(
        ItemLedgerEntry.objects.filter(applies_from_entry__in=[e.applies_from.pk for e in corrections])
        .values("applies_from_entry")
        .annotate(q=Sum("quantity"))
        .values_list("applies_from_entry", "q")
    )
    for e in corrections:
        original = e.applies_from
        if (
            original.quantity >= 0
            or e.quantity <= 0
            or (original.item_id, original.location_id, original.bin_id) != e.key
        ):
            raise ValidationError(
                MSG_APPLIES_FROM_NOT_OUTBOUND.format(
                    entry=original.pk, item=e.item.no, location=e.location.code
                )
            )
        corrected = done.get(original.pk, ZERO)
        if corrected + e.quantity > -original.quantity:
            raise ValidationError(
                MSG_APPLIES_FROM_EXCEEDED.format(
                    entry=original.pk,
                    taken=format_quantity(-original.quantity),
                    corrected=format_quantity(corrected),
                )
            )
        done[original.pk] = corrected + e.quantity


# --- reading -----------------------------------------------------------------------------------


def _load_supplies(entries: Sequence[EntryToPost]) -> dict[Key, list[_Supply]]:
    """Open inbound entries at the keys the outbound entries need, oldest first, with what each demand
    has reserved on them: two queries, served by the `ile_open` and `reservation_item_location` indexes."""
    keys = {e.key for e in entries if e.quantity < 0}
    supplies: dict[Key, list[_Supply]] = defaultdict(list)
    if not keys:
        return supplies
    item_ids, location_ids = {k[0] for k in keys}, {k[1] for k in keys}
    by_pk: dict[int, _Supply] = {}
    for entry in (
        ItemLedgerEntry.objects.open()
        .filter(item_id__in=item_ids, location_id__in=location_ids)
        .order_by("entry_no")
    ):
        key = (entry.item_id, entry.location_id, entry.bin_id)
        if key in keys:
            supply = _Supply(entry=entry, remaining=entry.remaining_quantity, existing=True)
            supplies[key].append(supply)
            by_pk[entry.pk] = supply
    for reservation in (
        Reservation.objects.on_entries()
        .filter(item_id__in=item_ids, location_id__in=location_ids)
        .order_by("pk")
        .values("pk", "item_ledger_entry_id", "sales_line_id", "quantity")
    ):
        supply = by_pk.get(reservation["item_ledger_entry_id"])
        if supply is not None:
            demand = Demand(sales_line_id=reservation["sales_line_id"])
            supply.reservations.setdefault(demand, []).append([reservation["pk"], reservation["quantity"]])
    return supplies


# --- planning ----------------------------------------------------------------------------------


def _new_entry(e: EntryToPost) -> ItemLedgerEntry:
    return ItemLedgerEntry(
        posting_date=e.posting_date,
        entry_type=e.entry_type,
        document_type=e.document_type,
        document_no=e.document_no,
        document_line_no=e.document_line_no,
        item=e.item,
        description=e.description or e.item.description,
        location=e.location,
        bin=e.bin,
        quantity=e.quantity,
        applies_from_entry=e.applies_from,
        correction=e.correction,
    )


def _plan_inbound(e: EntryToPost, new: ItemLedgerEntry, planned_out: dict[int, ItemLedgerEntry]) -> _Supply:
    if e.cost_from:  # what the outbound entries it names took out (an output's consumption)
        new.cost_amount = -sum((planned_out[id(o)].cost_amount for o in e.cost_from), ZERO)
    elif e.applies_from is not None:  # a correction comes back at the cost it went out with
        new.cost_amount = round_amount(e.quantity * e.applies_from.cost_amount / e.applies_from.quantity)
    else:
        unit_cost = e.item.unit_cost if e.unit_cost is None else e.unit_cost
        new.cost_amount = round_amount(e.quantity * unit_cost)
    new.remaining_quantity = e.quantity
    check_amount_fits(new.cost_amount, what=f"The cost of {format_quantity(e.quantity)} {e.item.no}")
    return _Supply(entry=new, remaining=e.quantity, existing=False)


def _candidates(
    e: EntryToPost, supplies: dict[Key, list[_Supply]], planned: dict[int, _Supply]
) -> list[_Supply]:
    if e.apply_to is None:
        return supplies[e.key]
    if isinstance(e.apply_to, EntryToPost):
        supply = planned.get(id(e.apply_to))
    else:
        supply = next((s for s in supplies[e.key] if s.entry.pk == e.apply_to.pk), None)
    if (
        supply is None
        or supply.entry.quantity < 0
        or (
            supply.entry.item_id,
            supply.entry.location_id,
            supply.entry.bin_id,
        )
        != e.key
    ):
        target = e.apply_to.pk if isinstance(e.apply_to, ItemLedgerEntry) else "(new)"
        raise ValidationError(
            MSG_APPLY_TO_NOT_INBOUND.format(entry=target, item=e.item.no, location=e.location.code)
        )
    return [supply]


def _take(plan: _Plan, new: ItemLedgerEntry, supply: _Supply, quantity: Decimal) -> Decimal:
    supply.remaining -= quantity
    plan.applications.append(
        ItemApplicationEntry(outbound_entry=new, inbound_entry=supply.entry, quantity=quantity)
    )
    return quantity * supply.unit_cost


def _consume(
    plan: _Plan, supply: _Supply, demand: Demand, quantity: Decimal, outbound: ItemLedgerEntry
) -> None:
    """The demand's reservations on the supply fall by what its posting (`outbound`) took, oldest first."""
    for row in supply.reservations.get(demand, []):
        if quantity <= 0:
            break
        used = min(quantity, row[1])
        row[1] -= used
        quantity -= used
        plan.consumed.append(
            ConsumedReservation(
                reservation_id=row[0], entry=supply.entry, demand=demand, quantity=used, outbound=outbound
            )
        )


def _plan_outbound(plan: _Plan, e: EntryToPost, new: ItemLedgerEntry, candidates: list[_Supply]) -> None:
    needed, cost = -e.quantity, ZERO
    if e.demand is not None:  # first what is reserved for this demand (R-INV-2)
        for supply in candidates:
            take = min(needed, supply.held_by(e.demand), supply.free_for(e.demand))
            if take > 0:
                cost += _take(plan, new, supply, take)
                _consume(plan, supply, e.demand, take, new)
                needed -= take
    for supply in candidates:  # then open, unreserved quantity, oldest first
        if needed <= 0:
            break
        take = min(needed, supply.free_for(e.demand) - supply.held_by(e.demand))
        if take > 0:
            cost += _take(plan, new, supply, take)
            needed -= take
    new.remaining_quantity = ZERO
    new.cost_amount = -round_amount(cost)
    check_amount_fits(new.cost_amount, what=f"The cost of {format_quantity(-e.quantity)} {e.item.no}")
    if needed > 0:
        plan.shortages.append((e, needed, e.key))


def _plan(entries: Sequence[EntryToPost], supplies: dict[Key, list[_Supply]]) -> _Plan:
    plan = _Plan()
    planned: dict[int, _Supply] = {}  # inbound entries of this posting, by id() of their EntryToPost
    planned_out: dict[int, ItemLedgerEntry] = {}  # outbound ones, for `cost_from`
    for e in entries:
        new = _new_entry(e)
        plan.new_entries.append(new)
        if e.quantity > 0:
            supply = _plan_inbound(e, new, planned_out)
            supplies[e.key].append(supply)
            planned[id(e)] = supply
        else:
            _plan_outbound(plan, e, new, _candidates(e, supplies, planned))
            planned_out[id(e)] = new
    # Entries inserted by this posting carry their final Remaining Quantity from the start.
    for supply in planned.values():
        supply.entry.remaining_quantity = supply.remaining
    return plan


def _shortages(plan: _Plan, supplies: dict[Key, list[_Supply]]) -> list[Shortage]:
    """Name the shortfall, and who holds the reserved part of what is there (one query)."""
    held: dict[Key, dict[int, Decimal]] = {}
    reservation_ids: set[int] = set()
    for e, _missing, key in plan.shortages:
        by_reservation = held.setdefault(key, {})
        for supply in supplies[key]:
            for holder, rows in supply.reservations.items():
                if holder != e.demand:
                    for pk, qty in rows:
                        if qty > 0:
                            by_reservation[pk] = qty
                            reservation_ids.add(pk)
    # The demand names itself from its document (a sales line, its order's No.): one query for all.
    holders = Reservation.objects.filter(pk__in=reservation_ids).select_related("sales_line__header")
    captions = {r.pk: r.demand_caption for r in holders}
    result = []
    for e, missing, key in plan.shortages:
        per_demand: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for pk, qty in held[key].items():
            per_demand[captions[pk]] += qty
        result.append(
            Shortage(
                item_no=e.item.no,
                location_code=e.location.code,
                bin_code=e.bin.code if e.bin else "",
                missing=missing,
                on_hand=sum((s.entry.remaining_quantity for s in supplies[key] if s.existing), ZERO),
                reserved_for=tuple(sorted(per_demand.items())),
            )
        )
    return result


# --- writing -----------------------------------------------------------------------------------


def source_of(entries: Sequence[EntryToPost]) -> str:
    """What posted the entries (the register's Source Code), told by what they are: corrections are an
    Undo Shipment; a posting with sales shipment entries is a Sales Shipment (also when it assembles
    to order); then an Assembly; else the Item Journal."""
    if any(e.correction for e in entries):
        return ItemRegister.Source.UNDO_SHIPMENT
    document_types = {e.document_type for e in entries}
    if DocumentType.SALES_SHIPMENT in document_types:
        return ItemRegister.Source.SALES_SHIPMENT
    if DocumentType.POSTED_ASSEMBLY in document_types:
        return ItemRegister.Source.ASSEMBLY
    return ItemRegister.Source.ITEM_JOURNAL


def _write_register(entries: Sequence[EntryToPost], new_entries: list[ItemLedgerEntry]) -> ItemRegister:
    """R-AUD-1: the posting's register, and each of its entries naming it and the acting user."""
    user_id = acting_user_id()
    register = ItemRegister.objects.create(user_id=user_id, source=source_of(entries))
    for entry in new_entries:
        entry.register = register
        entry.created_by_id = user_id
    return register


def _write_reservations(consumed: list[ConsumedReservation], supplies: dict[Key, list[_Supply]]) -> None:
    if not consumed:
        return
    ids = {c.reservation_id for c in consumed}
    left = {
        row[0]: row[1]
        for key_supplies in supplies.values()
        for supply in key_supplies
        for rows in supply.reservations.values()
        for row in rows
        if row[0] in ids
    }
    Reservation.objects.filter(pk__in=[pk for pk, qty in left.items() if qty <= 0]).delete()
    partly = [Reservation(pk=pk, quantity=qty) for pk, qty in left.items() if qty > 0]
    if partly:
        Reservation.objects.bulk_update(partly, ["quantity"])


def preview_item_entries(entries: Sequence[EntryToPost]) -> PostingResult:
    """What `post_item_entries` would write, computed by the same plan and written nowhere (X-5).

    Raises what the posting would raise (a shortage, a date outside the allowed range).
    """
    if not entries:
        return PostingResult(entries=[], applications=[], consumed=[])
    _validate(entries, PostingSetup.current())
    _check_corrections(entries)
    supplies = _load_supplies(entries)
    plan = _plan(entries, supplies)
    if plan.shortages:
        raise InsufficientInventoryError(_shortages(plan, supplies))
    return PostingResult(entries=plan.new_entries, applications=plan.applications, consumed=plan.consumed)


def post_item_entries(entries: Sequence[EntryToPost]) -> PostingResult:
    """Post all entries in one transaction, or none of them.

    Raises `ValidationError` for malformed entries (a posting date outside the allowed range, R-INV-6)
    and `InsufficientInventoryError` when an outbound entry finds less than it needs among what it may
    take (R-INV-3). Entries are processed in order, so an inbound entry earlier in the list can supply
    a later outbound one.
    """
    if not entries:
        return PostingResult(entries=[], applications=[], consumed=[])
    with operation():
        _validate(entries, PostingSetup.current())
        lock_items(e.item.pk for e in entries)
        _check_corrections(entries)
        supplies = _load_supplies(entries)
        plan = _plan(entries, supplies)
        if plan.shortages:
            raise InsufficientInventoryError(_shortages(plan, supplies))
        register = _write_register(entries, plan.new_entries)
        ItemLedgerEntry.objects.bulk_create(plan.new_entries)
        ItemApplicationEntry.objects.bulk_create(plan.applications)
        ItemLedgerEntry.objects.all()._lower_remaining(
            {
                s.entry.pk: s.remaining
                for key_supplies in supplies.values()
                for s in key_supplies
                if s.existing and s.remaining != s.entry.remaining_quantity
            }
        )
        _write_reservations(plan.consumed, supplies)
    return PostingResult(
        entries=plan.new_entries, applications=plan.applications, consumed=plan.consumed, register=register
    )
