"""Where to take stock from: bin content as one posting plans to draw on it (R-ASM-2, R-BIN-3, R-POST-2).

`BinContent.take` splits a quantity over bins: the entries reserved for the demand first (in whichever
bins they are), then free stock in the bin the document names, then in the location's other bins with
content, oldest entry first; one part per bin. It counts only what the demand may take (never another demand's reserved quantity,
R-INV-2), and remembers what earlier takes of the same posting used, so two lines drawing on one item
never count the same units twice. The posting engine then applies each part within its bin.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from ..figures import ZERO
from ..models import Bin, Demand, Item, ItemLedgerEntry, Location, Reservation
from .posting import Shortage


@dataclass
class _Open:
    bin_id: int | None
    remaining: Decimal
    held: dict[Demand, Decimal] = field(default_factory=dict)

    def free_for(self, demand: Demand | None) -> Decimal:
        others = sum((q for d, q in self.held.items() if d != demand), ZERO)
        return max(self.remaining - others, ZERO)


class BinContent:
    """Open inventory of some items at one location (two queries, three with bins)."""

    def __init__(self, *, location: Location, item_ids: set[int]):
        self.location = location
        self.item_ids = set(item_ids)
        self.shortages: list[Shortage] = []
        self._open: dict[int, list[_Open]] | None = None
        self._bins: dict[int, Bin] = {}

    def _load(self) -> dict[int, list[_Open]]:
        """Read on first use: a location without bins never needs it for `take`."""
        if self._open is not None:
            return self._open
        location, item_ids = self.location, self.item_ids
        self._open = defaultdict(list)
        by_pk: dict[int, _Open] = {}
        for pk, item_id, bin_id, remaining in (
            ItemLedgerEntry.objects.open()
            .filter(item_id__in=item_ids, location=location)
            .order_by("entry_no")
            .values_list("pk", "item_id", "bin_id", "remaining_quantity")
        ):
            by_pk[pk] = entry = _Open(bin_id=bin_id, remaining=remaining)
            self._open[item_id].append(entry)
        for entry_id, line_id, quantity in (
            Reservation.objects.on_entries()
            .filter(item_id__in=item_ids, location=location)
            .values_list("item_ledger_entry_id", "sales_line_id", "quantity")
        ):
            if entry_id in by_pk:
                held = by_pk[entry_id].held
                demand = Demand(sales_line_id=line_id)
                held[demand] = held.get(demand, ZERO) + quantity
        if location.bin_mandatory:
            self._bins = {b.pk: b for b in Bin.objects.filter(location=location)}
        return self._open

    def available(self, item_id: int, *, demand: Demand | None = None, bin_id: int | None = None) -> Decimal:
        """What the demand may take of the item (in one bin, or at the whole location)."""
        return sum(
            (e.free_for(demand) for e in self._load()[item_id] if bin_id is None or e.bin_id == bin_id), ZERO
        )

    def take(
        self, *, item: Item, quantity: Decimal, first_bin: Bin | None, demand: Demand | None = None
    ) -> list[tuple[Bin | None, Decimal]]:
        """Split `quantity` over bins (see the module doc). What no bin holds is asked of `first_bin`,
        so the posting engine refuses it with its shortage message; with no bin to ask, it is recorded
        in `shortages` and left out."""
        if not self.location.bin_mandatory:
            return [(None, quantity)]
        entries = self._load()[item.pk]
        takes: dict[int | None, Decimal] = {}
        needed = quantity

        def use(entry: _Open, part: Decimal) -> None:
            nonlocal needed
            self._use(entry, part, demand)
            takes[entry.bin_id] = takes.get(entry.bin_id, ZERO) + part
            needed -= part

        # First the entries reserved for the demand, wherever they are (the posting takes them first).
        for entry in entries:
            held = entry.held.get(demand, ZERO) if demand is not None else ZERO
            if needed > 0 and held > 0:
                part = min(needed, held, entry.free_for(demand))
                if part > 0:
                    use(entry, part)
        # Then free stock: the document's bin first, then the other bins by their oldest entry.
        order = list(dict.fromkeys([first_bin.pk if first_bin else None, *(e.bin_id for e in entries)]))
        for bin_id in order:
            for entry in (e for e in entries if bin_id is not None and e.bin_id == bin_id):
                if needed <= 0:
                    break
                held = entry.held.get(demand, ZERO) if demand is not None else ZERO
                part = min(needed, entry.free_for(demand) - held)
                if part > 0:
                    use(entry, part)
        if needed > 0:
            if first_bin is None:
                self.shortages.append(
                    Shortage(item_no=item.no, location_code=self.location.code, bin_code="", missing=needed)
                )
            else:
                takes[first_bin.pk] = takes.get(first_bin.pk, ZERO) + needed
        return [(self._bins.get(bin_id, first_bin), qty) for bin_id, qty in takes.items()]

    @staticmethod
    def _use(entry: _Open, quantity: Decimal, demand: Demand | None) -> None:
        """Reserved quantity of the demand goes first (as the posting engine takes it)."""
        entry.remaining -= quantity
        if demand is not None and demand in entry.held:
            entry.held[demand] = max(entry.held[demand] - quantity, ZERO)
