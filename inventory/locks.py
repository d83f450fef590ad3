"""The one lock order for every service that judges or writes stock.

Every operation that reads quantities to decide something (post, reserve, assemble) first locks the
Item rows involved, in ascending primary key order, inside its transaction. Holding the item lock
serialises all stock decisions for that item, including inserts of new entries that a row lock on
existing entries could not see. Taking them sorted means two operations on the same items can never
deadlock. `select_for_update` is a no-op on SQLite, whose writers are serialised by the database.
"""

from collections.abc import Iterable

from .models import Item


def lock_items(item_ids: Iterable[int]) -> None:
    """Lock the given items for the rest of the current transaction (call inside `atomic`)."""
    ids = sorted(set(item_ids))
    if ids:
        list(Item.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
