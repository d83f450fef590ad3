"""Template filters shared by every page (loaded as a builtin)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity as BC shows it: no trailing zeros ("10", "2.5"), blank for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return f"{value.normalize():f}" if value else "0"
