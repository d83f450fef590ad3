"""Reservation mechanics shared by every app: lowering reservations (the engine that makes them, whose
supplies are both ledger entries and assembly orders, is `sales.services.reservations`)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from ..figures import ZERO
from ..models import Reservation


def release_reservations(reservations: Iterable[Reservation], quantity: Decimal) -> Decimal:
    """Lower the reservations, in the order given, by `quantity` in all: whole ones are deleted, the
    last one is lowered partly. Returns what was released (less than asked when they hold less).

    Used wherever reserved quantity must follow a smaller demand or supply (R-RES-2, I-2); the caller
    holds the lock of the supply or demand that decides it, and orders the reservations by its rule.
    """
    released = ZERO
    gone, lowered = [], []
    for reservation in reservations:
        if released >= quantity:
            break
        take = min(quantity - released, reservation.quantity)
        released += take
        if take == reservation.quantity:
            gone.append(reservation.pk)
        else:
            reservation.quantity -= take
            lowered.append(reservation)
    if gone:  # two writes at most, whatever the number of reservations
        Reservation.objects.filter(pk__in=gone).delete()
    if lowered:
        Reservation.objects.bulk_update(lowered, ["quantity"])
    return released
