"""The assemble-to-order link: a sales line drives its linked assembly order (spec section 5).

Creation is triggered by the `post_save` receiver in `sales.signals` (R-LINK-1, as the design card
asks); every function here is also a plain call. Callers hold the transaction and the sales order lock.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError

from assembly.models import AssemblyHeader, AssemblyStatus
from assembly.services import MSG_DELETED, apply_header_to_lines, explode_bom
from inventory.audit import acting_user_id
from inventory.figures import ZERO, format_quantity
from inventory.models import Reservation
from inventory.numbering import next_no

from ..models import SalesLine

MSG_LINK_KEPT = (
    "Assembly order {no} is no longer linked to the line and is kept as history: its postings were undone."
)
MSG_LINK_HAS_OUTPUT = (
    "The linked assembly order {no} cannot be deleted: {qty} has already been assembled and posted."
)


def _quantity_to_assemble(line: SalesLine, order: AssemblyHeader) -> Decimal:
    """R-QTS-1: ATO units ship first: min(line Qty. to Ship, order Remaining Quantity)."""
    return max(min(line.qty_to_ship, order.remaining_quantity), ZERO)


def create_linked_assembly_order(*, line: SalesLine) -> AssemblyHeader:
    """R-LINK-1: create the assembly order for the line's ATO part, link it 1:1 and bind it (R-RES-1)."""
    order = AssemblyHeader(
        no=next_no("ASSEMBLY-ORDER", used_by=AssemblyHeader),
        item=line.item,
        description=line.item.description,
        location=line.location,
        bin=line.bin,
        quantity=line.qty_to_assemble_to_order,
        due_date=line.shipment_date,
        starting_date=line.shipment_date,
        posting_date=line.header.posting_date,
        status=AssemblyStatus.OPEN,
    )
    order.quantity_to_assemble = _quantity_to_assemble(line, order)
    order.save()
    explode_bom(order)
    # A queryset update: saving the line again would fire post_save a second time.
    SalesLine.objects.filter(pk=line.pk).update(assembly_order=order)
    line.assembly_order = order
    _sync_binding(line, order)
    return order


def sync_linked_assembly_order(*, line: SalesLine) -> AssemblyHeader:
    """R-SYNC-1: Item, Location, Bin, Due/Starting Date, Posting Date and Quantity follow the line;
    component lines rescale; Quantity to Assemble follows Qty. to Ship (R-QTS-1); the binding equals
    Remaining Quantity (R-RES-1)."""
    order = line.assembly_order
    order.item = line.item
    order.description = line.item.description
    order.location = line.location
    order.bin = line.bin
    order.quantity = line.qty_to_assemble_to_order
    order.due_date = order.starting_date = line.shipment_date
    order.posting_date = line.header.posting_date
    order.quantity_to_assemble = _quantity_to_assemble(line, order)
    order.save()
    apply_header_to_lines(order)
    _sync_binding(line, order)
    return order


def delete_linked_assembly_order(*, line: SalesLine) -> str:
    """R-LINK-2: delete the linked order with its component lines and reservations; return what the user
    is told (blank when the line had none).

    An order with posted assembly orders that were all undone (R-UNDO-1) is not deleted: they keep it as
    history (X-7). It is unlinked instead, its Quantity set to 0 and its status to Completed.
    """
    order = line.assembly_order
    if order is None:
        return ""
    if order.assembled_quantity > 0:
        raise ValidationError(
            MSG_LINK_HAS_OUTPUT.format(no=order.no, qty=format_quantity(order.assembled_quantity))
        )
    SalesLine.objects.filter(pk=line.pk).update(assembly_order=None)
    line.assembly_order = None
    Reservation.objects.filter(assembly_order=order).delete()
    if order.postings.exists():
        order.quantity = order.quantity_to_assemble = ZERO
        order.status = AssemblyStatus.COMPLETED
        order.save()
        apply_header_to_lines(order)
        return MSG_LINK_KEPT.format(no=order.no)
    order.delete()
    return MSG_DELETED.format(no=order.no)


def _sync_binding(line: SalesLine, order: AssemblyHeader) -> None:
    """R-RES-1: the binding reserves the order for its line for exactly its Remaining Quantity (one
    statement when the binding is there: the line edit's common case)."""
    remaining = order.remaining_quantity
    binding = Reservation.objects.filter(sales_line=line, binding=True)
    if remaining <= 0:
        binding.delete()
        return
    synced = {"quantity": remaining, "item_id": order.item_id, "location_id": order.location_id}
    if not binding.update(**synced):
        Reservation.objects.create(
            sales_line=line, assembly_order=order, binding=True, created_by_id=acting_user_id(), **synced
        )
