"""Assembly BOM rules (R-ITEM-2)."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError

from .models import MSG_OWN_COMPONENT, BOMComponent, Item

MSG_BOM_CYCLE = (
    "{component} cannot be a component of {parent}: {parent} is already used in the BOM of {component}."
)
MSG_BOM_OWN_COMPONENT = MSG_OWN_COMPONENT


def check_no_cycle(*, parent: Item, components: Iterable[Item]) -> None:
    """Refuse components that would make `parent` (directly or through any depth) its own component.

    Walks down the BOMs of the proposed components one level per query; a cycle exists when the
    walk reaches `parent`.
    """
    errors = []
    for component in components:
        if component.pk == parent.pk:
            errors.append(ValidationError(MSG_BOM_OWN_COMPONENT))
            continue
        seen = {component.pk}
        frontier = {component.pk}
        while frontier:
            below = set(
                BOMComponent.objects.filter(parent_item_id__in=frontier).values_list(
                    "component_item_id", flat=True
                )
            )
            if parent.pk in below:
                errors.append(ValidationError(MSG_BOM_CYCLE.format(component=component.no, parent=parent.no)))
                break
            frontier = below - seen
            seen |= below
    if errors:
        raise ValidationError(errors)
