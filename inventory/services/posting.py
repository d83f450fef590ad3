"""The item ledger's posting engine: the only code that writes item ledger entries (R-INV-1..3).

Callers (the item journal, assembly posting, sales shipment posting) describe what to post as a list
of `EntryToPost`; `post_item_entries` validates it, locks the items, applies every outbound entry to
open inbound entries (FIFO, R-INV-2), refuses the whole posting when any of them would make inventory
negative (R-INV-3), and writes everything with a number of queries that does not grow with the number
of lines (bulk inserts, one update of the inbound entries' Remaining Quantity).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ..locks import lock_items
from ..models import (
    AMOUNT_PLACES,
    QTY_PLACES,
    ZERO,
    Bin,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
    Location,
    validate_location_bin,
)

MSG_INSUFFICIENT = (
    "You have insufficient quantity of Item {item} on inventory. "
    "Location {location}, Bin {bin}: {missing} missing."
)
MSG_QUANTITY_ZERO = "Quantity must not be 0."
MSG_TOO_MANY_DECIMALS = f"Quantity can have at most {QTY_PLACES} decimals."

QTY_QUANTUM = Decimal(1).scaleb(-QTY_PLACES)
AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_PLACES)

Key = tuple[int, int, int | None]  # (item, location, bin)


@dataclass(frozen=True, kw_only=True)
class EntryToPost:
    """One item ledger entry to write. `quantity` is signed: > 0 inbound, < 0 outbound."""

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

    @property
    def key(self) -> Key:
        return (self.item.pk, self.location.pk, self.bin.pk if self.bin else None)


@dataclass(frozen=True)
class Shortage:
    item_no: str
    location_code: str
    bin_code: str
    missing: Decimal

    def __str__(self) -> str:
        return MSG_INSUFFICIENT.format(
            item=self.item_no,
            location=self.location_code,
            bin=self.bin_code or "(none)",
            missing=_fmt(self.missing),
        )


class InsufficientInventoryError(Exception):
    """A posting would make inventory negative (R-INV-3). Carries every shortage found."""

    def __init__(self, shortages: Sequence[Shortage]):
        self.shortages = list(shortages)
        super().__init__(" ".join(str(s) for s in self.shortages))

    @property
    def messages(self) -> list[str]:
        return [str(s) for s in self.shortages]


@dataclass
class _Supply:
    """An inbound entry as the engine sees it during one posting: existing or about to be inserted."""

    entry: ItemLedgerEntry
    remaining: Decimal
    existing: bool
    taken: Decimal = ZERO

    @property
    def unit_cost(self) -> Decimal:
        return self.entry.cost_amount / self.entry.quantity


@dataclass
class _Plan:
    new_entries: list[ItemLedgerEntry] = field(default_factory=list)
    applications: list[ItemApplicationEntry] = field(default_factory=list)
    shortages: list[Shortage] = field(default_factory=list)


def _fmt(qty: Decimal) -> str:
    return f"{qty.normalize():f}"


def _validate(entry: EntryToPost) -> None:
    if entry.quantity == 0:
        raise ValidationError({"quantity": MSG_QUANTITY_ZERO})
    if entry.quantity != entry.quantity.quantize(QTY_QUANTUM):
        raise ValidationError({"quantity": MSG_TOO_MANY_DECIMALS})
    validate_location_bin(location=entry.location, bin=entry.bin)


def _load_supplies(keys: set[Key]) -> dict[Key, list[_Supply]]:
    """Open inbound entries for the keys, oldest first: one query, served by the `ile_open` index."""
    supplies: dict[Key, list[_Supply]] = defaultdict(list)
    if not keys:
        return supplies
    entries = ItemLedgerEntry.objects.open().filter(
        item_id__in={k[0] for k in keys}, location_id__in={k[1] for k in keys}
    )
    for entry in entries.order_by("entry_no"):
        key = (entry.item_id, entry.location_id, entry.bin_id)
        if key in keys:
            supplies[key].append(_Supply(entry=entry, remaining=entry.remaining_quantity, existing=True))
    return supplies


def _plan(entries: Sequence[EntryToPost], supplies: dict[Key, list[_Supply]]) -> _Plan:
    plan = _Plan()
    for e in entries:
        new = ItemLedgerEntry(
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
        )
        plan.new_entries.append(new)
        if e.quantity > 0:
            unit_cost = e.item.unit_cost if e.unit_cost is None else e.unit_cost
            new.remaining_quantity = e.quantity
            new.cost_amount = (e.quantity * unit_cost).quantize(AMOUNT_QUANTUM)
            supplies[e.key].append(_Supply(entry=new, remaining=e.quantity, existing=False))
            continue
        needed = -e.quantity
        cost = ZERO
        for supply in supplies[e.key]:
            if needed == 0:
                break
            take = min(needed, supply.remaining)
            if take <= 0:
                continue
            supply.remaining -= take
            needed -= take
            cost += take * supply.unit_cost
            plan.applications.append(
                ItemApplicationEntry(outbound_entry=new, inbound_entry=supply.entry, quantity=take)
            )
        new.remaining_quantity = ZERO
        new.cost_amount = -cost.quantize(AMOUNT_QUANTUM)
        if needed > 0:
            plan.shortages.append(
                Shortage(
                    item_no=e.item.no,
                    location_code=e.location.code,
                    bin_code=e.bin.code if e.bin else "",
                    missing=needed,
                )
            )
    # Entries inserted by this posting carry their final Remaining Quantity from the start.
    for key_supplies in supplies.values():
        for supply in key_supplies:
            if not supply.existing:
                supply.entry.remaining_quantity = supply.remaining
    return plan


def post_item_entries(entries: Sequence[EntryToPost]) -> list[ItemLedgerEntry]:
    """Post all entries in one transaction, or none of them.

    Raises `ValidationError` for malformed entries and `InsufficientInventoryError` when an outbound
    entry finds less open quantity at its item/location/bin than it needs (R-INV-3). Entries are
    processed in order, so an inbound entry earlier in the list can supply a later outbound one.
    """
    for entry in entries:
        _validate(entry)
    if not entries:
        return []
    with transaction.atomic():
        lock_items(e.item.pk for e in entries)
        supplies = _load_supplies({e.key for e in entries if e.quantity < 0})
        plan = _plan(entries, supplies)
        if plan.shortages:
            raise InsufficientInventoryError(plan.shortages)
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
    return plan.new_entries
