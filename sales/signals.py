"""Signal receivers of the sales app. Kept thin: one condition, one service call."""

from __future__ import annotations

from .models import SalesLine
from .services import ato_link


def create_linked_assembly_order_on_save(sender, instance: SalesLine, raw: bool = False, **kwargs) -> None:
    """R-LINK-1: a saved line whose Qty. to Assemble to Order is non-zero gets its linked assembly order."""
    if not raw and instance.qty_to_assemble_to_order > 0 and instance.assembly_order_id is None:
        ato_link.create_linked_assembly_order(line=instance)
