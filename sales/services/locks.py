"""Lock order for sales operations: the sales order, its line, the line's linked assembly order, then
items (`inventory.locks.lock_items`).

Documents are locked before items everywhere (the journal, assembly and sales services alike), so two
operations never wait on each other in opposite orders.
"""

from ..models import SalesHeader


def lock_order(header: SalesHeader) -> SalesHeader:
    """Lock the sales order row for the rest of the transaction and return it freshly read."""
    return (
        SalesHeader.objects.select_for_update(of=("self",))
        .select_related("customer", "location")
        .get(pk=header.pk)
    )
