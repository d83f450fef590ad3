"""The one lock order of the project, used by every service that judges or writes stock (spec I-6).

    sales order  →  sales line  →  assembly order  →  items        (each level sorted by primary key)

An operation (`operation()`, a transaction) locks what it is about to judge before it reads it for a
decision, level by level in this order, so two operations can never wait on each other in opposite
orders (no deadlock), and whoever judges a supply holds that supply's lock: an item for its ledger
entries, an assembly order's header for its Remaining Quantity. The order is checked at run time: a
lock taken out of order raises `LockOrderError`, on SQLite too (where `select_for_update` itself does
nothing, because SQLite's write lock, taken at BEGIN, already serialises writers).

A lock wait is bounded (PostgreSQL's `lock_timeout`, SQLite's busy timeout; see the settings); one
that runs out raises `LockTimeout`, which the project's middleware answers with "Another user is
changing sales order SO-00002. Try again." (HTTP 409): the transaction has rolled back by then, so
nothing was written.

The locks are PostgreSQL's FOR NO KEY UPDATE: they exclude each other as FOR UPDATE would, but not the
foreign-key check of a row written elsewhere that refers to a locked row. PostgreSQL takes FOR KEY SHARE
on the referenced row for that check, which FOR UPDATE blocks: posting a stand-alone assembly order moves
its reservations onto the output entry, inserting reservations that refer to their sales lines, and a
user reserving for one of those lines holds the line's lock while waiting for the item's, which the
posting holds; with FOR UPDATE the two waited on each other (tests/concurrency/
test_parallel_entry_reservations_and_orders.py). Deleting a locked row still waits, as it must.

Number series rows (`inventory.numbering`) are leaf locks: a posting draws its document numbers after
it has locked its items, never before, and draws nothing else afterwards.

This module lives on the ground floor and names the upper apps' models by their labels only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import ContextDecorator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import OperationalError, models, transaction

from .prepared import Param, PreparedQuery

LOCK_ORDER = ("sales.SalesHeader", "sales.SalesLine", "assembly.AssemblyHeader", "inventory.Item")

MSG_LOCK_TIMEOUT = "Another user is changing {document}. Try again."
MSG_DATABASE_BUSY = "Another user is changing the same data. Try again."
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout ran out
DEADLOCK_DETECTED = "40P01"  # PostgreSQL ended one of two transactions waiting on each other
QUERY_CANCELED = "57014"  # PostgreSQL: statement_timeout ran out
MSG_TOO_SLOW = "The database took too long to answer. Try again."


class LockOrderError(RuntimeError):
    """A programming error: a lock requested against the one lock order (see the module doc)."""


class LockTimeout(Exception):
    """A lock wait ran out. Carries what was waited for; the message is read after the rollback."""

    def __init__(self, label: str = "", pks: Iterable[int] = ()):
        self.label = label
        self.pks = sorted(pks)
        super().__init__(label, self.pks)

    @property
    def message(self) -> str:
        if not self.label:
            return MSG_DATABASE_BUSY
        model = apps.get_model(self.label)
        rows = list(model._default_manager.filter(pk__in=self.pks)[:3])
        names = ", ".join(f"{model._meta.verbose_name.lower()} {_natural_name(row)}" for row in rows)
        return MSG_LOCK_TIMEOUT.format(document=names or model._meta.verbose_name.lower())


def _natural_name(row: models.Model) -> str:
    return str(getattr(row, "no", None) or row)


def _sqlstate(exc: BaseException) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None) or getattr(exc.__cause__, "pgcode", None)


def is_lock_timeout(exc: BaseException) -> bool:
    """True for a database error that means "waited too long for another transaction" (a lock wait
    that ran out, a deadlock the database broke, SQLite's busy timeout)."""
    if not isinstance(exc, OperationalError):
        return False
    return _sqlstate(exc) in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED) or "database is locked" in str(exc)


def is_statement_timeout(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and _sqlstate(exc) == QUERY_CANCELED


@dataclass
class _Held:
    level: int = -1
    pks: dict[str, set[int]] = field(default_factory=dict)


_state = threading.local()


class operation(ContextDecorator):  # noqa: N801 - used like `transaction.atomic`
    """A service's transaction in which locks follow `LOCK_ORDER`. Nested operations share one order."""

    def _recreate_cm(self) -> operation:
        return operation()  # a fresh one per call: a decorated function may run in several threads

    def __enter__(self) -> operation:
        self._atomic = transaction.atomic()
        try:
            self._atomic.__enter__()
        except OperationalError as exc:  # SQLite: BEGIN IMMEDIATE found the database busy too long
            if is_lock_timeout(exc):
                raise LockTimeout() from exc
            raise
        stack = getattr(_state, "stack", None)
        if stack is None:
            stack = _state.stack = []
        stack.append(stack[-1] if stack else _Held())
        return self

    def __exit__(self, exc_type, exc, tb):
        _state.stack.pop()
        return self._atomic.__exit__(exc_type, exc, tb)


def lock(
    queryset: models.QuerySet | type[models.Model],
    pks: Iterable[int],
    *,
    matching: models.QuerySet | None = None,
    skip_locked: bool = False,
) -> list[models.Model]:
    """Lock the rows `pks` of one level of `LOCK_ORDER` (sorted by primary key) and return them,
    freshly read, in that order. Rows this operation already holds are read again, not re-judged.

    `matching`: also lock the rows this QuerySet of the same model selects, in the same statement (for
    rows found by a condition, such as the assembly orders a line may reserve from: one statement
    instead of a read and then a lock). The condition is read as the statement starts, as a read just
    before the lock would have been; rows that come to match later are not locked.

    `skip_locked`: take only the rows nobody else holds, without waiting (for optional supplies, such
    as the assembly orders an automatic reservation may draw on). Never waiting, it cannot deadlock, so
    it may be used out of order.
    """
    queryset = queryset if isinstance(queryset, models.QuerySet) else queryset._default_manager.all()
    label = queryset.model._meta.label
    if label not in LOCK_ORDER:
        raise LockOrderError(f"{label} is not in the lock order {LOCK_ORDER}")
    ids = sorted(set(pks))
    if not ids and matching is None:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise LockOrderError("locks are taken inside a transaction (use locks.operation())")
    if not skip_locked and matching is None:
        _check_order(label, ids)
    condition = models.Q(pk__in=ids)
    if matching is not None:
        condition |= models.Q(pk__in=matching.order_by().values("pk"))
    try:
        rows = list(
            queryset.select_for_update(of=("self",), skip_locked=skip_locked, no_key=True)
            .filter(condition)
            .order_by("pk")
        )
    except OperationalError as exc:
        if is_lock_timeout(exc):
            raise LockTimeout(label, ids) from exc
        raise
    if matching is not None and not skip_locked:  # known only now: checked as soon as they are
        _check_order(label, sorted({*ids, *(row.pk for row in rows)}))
    if skip_locked and (stack := getattr(_state, "stack", None)):
        stack[-1].pks.setdefault(label, set()).update(row.pk for row in rows)
    return rows


def held(label: str) -> set[int] | None:
    """The rows of `label` this operation has locked; None outside an operation (a page that only
    shows figures judges nothing)."""
    stack = getattr(_state, "stack", None)
    if not stack:
        return None
    return set(stack[-1].pks.get(label, ()))


def lock_one(queryset: models.QuerySet | type[models.Model], pk: int) -> models.Model:
    """Lock and return one row; `DoesNotExist` when there is none."""
    rows = lock(queryset, [pk])
    if not rows:
        model = queryset.model if isinstance(queryset, models.QuerySet) else queryset
        raise model.DoesNotExist(f"{model._meta.label} {pk} does not exist")
    return rows[0]


class PreparedLock:
    """A lock that operations take again and again (the sales order, the line, the assembly orders a line
    may reserve from, the item), compiled once (`inventory.prepared`). `build` gives the QuerySet of the
    rows of one level of `LOCK_ORDER`, filtered with `Param`s; they are locked in primary-key order.

    `by_condition`: the rows are found by a condition (not known by primary key beforehand), so they
    are checked against the lock order once read, as `lock(matching=...)` does.
    """

    def __init__(self, build: Callable[[], models.QuerySet], *, by_condition: bool = False):
        self._build = build
        self._by_condition = by_condition
        self._query = PreparedQuery(
            lambda: build().select_for_update(of=("self",), no_key=True).order_by("pk")
        )
        self._label: str | None = None

    def __call__(self, *, pks: Iterable[int] = (), **values) -> list[models.Model]:
        """Lock the rows for these `Param` values; `pks`: the primary keys they are known to include."""
        if self._label is None:
            self._label = self._build().model._meta.label
        label, ids = self._label, sorted(set(pks))
        if label not in LOCK_ORDER:
            raise LockOrderError(f"{label} is not in the lock order {LOCK_ORDER}")
        if not transaction.get_connection().in_atomic_block:
            raise LockOrderError("locks are taken inside a transaction (use locks.operation())")
        if not self._by_condition:
            _check_order(label, ids)
        try:
            rows = self._query.objects(**values)
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise LockTimeout(label, ids) from exc
            raise
        if self._by_condition:
            _check_order(label, sorted({*ids, *(row.pk for row in rows)}))
        return rows


class OneRowLock(PreparedLock):
    """`lock_one` compiled once: `build` may filter by other `Param`s, given as keywords (the line of
    this order only); `DoesNotExist` when there is no such row."""

    def __init__(self, build: Callable[[], models.QuerySet]):
        super().__init__(lambda: build().filter(pk=Param("pk", models.IntegerField())))

    def __call__(self, pk: int, **values) -> models.Model:  # type: ignore[override]
        rows = super().__call__(pks=[pk], pk=pk, **values)
        if not rows:
            label = self._label or ""
            raise apps.get_model(label).DoesNotExist(f"{label} {pk} does not exist")
        return rows[0]


_ITEM = OneRowLock(lambda: apps.get_model("inventory", "Item").objects.only("pk"))


def lock_items(item_ids: Iterable[int]) -> None:
    """Lock the items (the supply lock of their ledger entries) for the rest of the operation."""
    ids = sorted(set(item_ids))
    if len(ids) == 1:  # the common case, compiled once
        _ITEM(ids[0])
    else:
        lock(apps.get_model("inventory", "Item").objects.only("pk"), ids)


def _check_order(label: str, ids: list[int]) -> None:
    stack = getattr(_state, "stack", None)
    if not stack:
        return  # a plain transaction outside any operation: nothing to compare against
    held = stack[-1]
    level = LOCK_ORDER.index(label)
    taken = held.pks.setdefault(label, set())
    new = [pk for pk in ids if pk not in taken]
    if new:
        if level < held.level:
            raise LockOrderError(f"{label} {new} locked after {LOCK_ORDER[held.level]}: see inventory.locks")
        if taken and min(new) < max(taken) and level == held.level:
            raise LockOrderError(f"{label} {new} locked after {label} {max(taken)}: lock them together")
    taken.update(ids)
    held.level = max(held.level, level)
