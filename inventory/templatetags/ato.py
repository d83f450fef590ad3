"""Template filters shared by every page (loaded as a builtin)."""

from django import template
from django.forms import widgets
from django.forms.utils import flatatt
from django.utils.html import format_html

from inventory.audit import SYSTEM_USER
from inventory.figures import format_amount, format_day, format_quantity

register = template.Library()


@register.filter
def qty(value) -> str:
    """A quantity as BC shows it: no trailing zeros ("10", "2.5"), blank for None."""
    return format_quantity(value)


@register.filter
def amount(value) -> str:
    """An amount with two places and thousands separators ("1,899.00")."""
    return format_amount(value)


@register.filter
def user_id(user) -> str:
    """Who posted (R-AUD-1), as BC's User ID: the user name, or "(system)" for a blank user."""
    return user.get_username() if user is not None else SYSTEM_USER


@register.simple_tag
def cell(bound_field) -> str:
    """A grid cell's <input> and its errors, rendered in Python.

    A sales order card with 100 lines has some 800 inputs, and Django's template-based widget
    rendering costs about a millisecond each (and an empty error list renders a template too); this
    writes the same markup (type, name, id, value, the widget's attributes, required/disabled,
    aria-invalid) directly, followed by the field's errors when it has any. Anything but a plain input
    falls back to Django.
    """
    widget = bound_field.field.widget
    errors = bound_field.errors if bound_field.form.is_bound else None
    if not isinstance(widget, widgets.Input) or isinstance(widget, widgets.FileInput):
        return format_html("{}{}", bound_field.as_widget(), errors or "")
    attrs = bound_field.build_widget_attrs(dict(widget.attrs), widget)
    if bound_field.auto_id and "id" not in attrs:
        attrs["id"] = bound_field.auto_id
    if errors:
        attrs["aria-invalid"] = "true"
    value = widget.format_value(bound_field.value())
    if value is not None:
        attrs["value"] = value
    html = format_html(
        '<input type="{}" name="{}"{}>', widget.input_type, bound_field.html_name, flatatt(attrs)
    )
    return format_html("{}{}", html, errors) if errors else html


@register.filter
def day(value) -> str:
    """A date in the user's locale, as the date inputs show it ("12/01/2026" in the US)."""
    return format_day(value)
