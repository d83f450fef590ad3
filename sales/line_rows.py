"""The sales order card's lines grid, rendered in Python (issue 10: a 500-line card in well under 300 ms).

Django's template engine costs about 3 ms per row of this grid (some 16 cells, 8 inputs, 8 URLs, a
dozen conditions); this module writes the same markup directly, a few tens of microseconds per row:

- the URLs are reversed once per page, as prefixes (`LineRows.urls`), not eight `{% url %}` per row;
- a display row builds no Django form: each input's constant attributes (caption as aria-label,
  inputmode, min/max, classes, required) come from one prototype form per page, and only its name, id,
  `form` and value are written per row; a row with a bound form (a refused save, a confirmation) renders
  its inputs through the same `cell` function as every other grid, with its values and errors;
- the columns are one list (`COLUMNS`), so the header, the rows, the new line and "Choose columns"
  (hidden columns, remembered per user) always agree;
- what the user may do (R-ROLE-1: edit, reserve, delete) is judged once per grid (`GridPermissions`);
  a user who may not edit lines gets display rows only, without inputs or actions.

Every input keeps its BC caption as aria-label and the row its own <form> (it works without JavaScript).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape  # Django's `escape` is this, behind a lazy-string wrapper that costs per call
from typing import Any

from django.forms.utils import flatatt
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from inventory.figures import format_day, format_quantity
from inventory.templatetags.ato import cell

from .forms import SalesLineForm
from .models import ColumnChoice, SalesHeader, SalesLine

GRID = "sales-lines"


@dataclass(frozen=True)
class Column:
    """One column of the lines grid."""

    key: str
    caption: str
    numeric: bool = False
    field: str | None = None  # the row form's input, where the order's status lets the user edit it
    text: Callable[[SalesLine], str] | None = None  # what a read-only cell shows (escaped here)
    data_caption: bool = False  # the read-only value carries data-caption (tests and the FactBox use it)
    can_hide: bool = True  # the seed procedure's columns stay (spec 15; issue 10)
    css: str = ""  # a width class

    @property
    def th(self) -> str:
        classes = " ".join(c for c in ("num" if self.numeric else "", self.css) if c)
        return format_html(
            '<th{} data-column="{}">{}</th>',
            flatatt({"class": classes}) if classes else "",
            self.key,
            self.caption,
        )


def _code(attr: str) -> Callable[[SalesLine], str]:
    def text(line: SalesLine) -> str:
        value = getattr(line, attr)
        return value.code if value is not None else ""

    return text


COLUMNS: tuple[Column, ...] = (
    Column("item", "No.", field="item", text=lambda line: line.item.no, can_hide=False, css="w-code"),
    Column("description", "Description", can_hide=False, css="w-desc"),
    Column(
        "location", "Location Code", field="location", text=_code("location"), can_hide=False, css="w-code"
    ),
    Column("bin", "Bin Code", field="bin", text=_code("bin"), can_hide=False, css="w-code"),
    Column(
        "quantity", "Quantity", True, "quantity", lambda line: format_quantity(line.quantity), can_hide=False
    ),
    Column(
        "qty_to_assemble_to_order",
        "Qty. to Assemble to Order",
        True,
        "qty_to_assemble_to_order",
        lambda line: format_quantity(line.qty_to_assemble_to_order),
        can_hide=False,
    ),
    Column(
        "reserved_quantity",
        "Reserved Quantity",
        True,
        text=lambda line: format_quantity(line.reserved_quantity),
        data_caption=True,
        can_hide=False,
    ),
    Column(
        "shipment_date",
        "Shipment Date",
        field="shipment_date",
        text=lambda line: format_day(line.shipment_date),
        can_hide=False,
        css="w-date",
    ),
    Column("unit_price", "Unit Price", True, "unit_price", lambda line: str(line.unit_price), can_hide=False),
    Column(
        "line_amount",
        "Line Amount",
        True,
        text=lambda line: str(line.line_amount),
        data_caption=True,
        can_hide=False,
    ),
    Column(
        "qty_to_ship",
        "Qty. to Ship",
        True,
        "qty_to_ship",
        lambda line: format_quantity(line.qty_to_ship),
        can_hide=False,
    ),
    Column(
        "quantity_shipped",
        "Quantity Shipped",
        True,
        text=lambda line: format_quantity(line.quantity_shipped),
        data_caption=True,
        can_hide=False,
    ),
    Column(
        "qty_to_invoice",
        "Qty. to Invoice",
        True,
        "qty_to_invoice",
        lambda line: format_quantity(line.qty_to_invoice),
        data_caption=True,
    ),
    Column(
        "quantity_invoiced",
        "Quantity Invoiced",
        True,
        text=lambda line: format_quantity(line.quantity_invoiced),
        data_caption=True,
    ),
)
COLUMN_KEYS = tuple(c.key for c in COLUMNS)
HIDEABLE = tuple(c for c in COLUMNS if c.can_hide)


def _input_prototypes(header: SalesHeader, line: SalesLine | None) -> dict[str, tuple[str, str]]:
    """Per editable field: its input type and constant attributes (caption, inputmode, bounds, classes,
    required), taken once from a real row form so that they are exactly what Django would render."""
    if line is None:
        return {}
    form = SalesLineForm(header=header, line=line)
    prototypes = {}
    for name in form.fields:
        bound = form[name]
        widget = bound.field.widget
        attrs = bound.build_widget_attrs(dict(widget.attrs), widget)
        attrs.pop("form", None)
        attrs.pop("id", None)
        prototypes[name] = (widget.input_type, flatatt(attrs), widget)
    return prototypes


def default_hidden(header: SalesHeader) -> frozenset[str]:
    """What an order shows before its user chooses: invoicing columns once there is something to invoice."""
    return frozenset({"qty_to_invoice", "quantity_invoiced"}) if header.is_open else frozenset()


COLUMNS_SESSION_KEY = f"column-choice:{GRID}"


def _choice(request) -> dict[str, list[str]]:
    """The user's "Choose columns", {"shown": [...], "hidden": [...]} ({} before any choice): from the
    session, where login puts it (`remember_choice_at_login`) and `choose_columns` keeps it current, so
    a page or a row answer reads no table for it; a session from before that reads it once."""
    session = getattr(request, "session", None)
    if session is not None and COLUMNS_SESSION_KEY in session:
        return session[COLUMNS_SESSION_KEY]
    user = request.user
    if not user.is_authenticated:
        return {}
    choice = _stored_choice(user)
    if session is not None:
        session[COLUMNS_SESSION_KEY] = choice  # a session from before logins kept it: read once, then kept
    return choice


def _stored_choice(user) -> dict[str, list[str]]:
    choice = ColumnChoice.objects.filter(user=user, grid=GRID).first()
    return {"shown": choice.shown, "hidden": choice.hidden} if choice is not None else {}


def hidden_columns(request, header: SalesHeader) -> frozenset[str]:
    """The columns hidden on this order's grid: the defaults, changed by what the user chose ("Choose
    columns", remembered per user)."""
    choice = _choice(request)
    hidden = (set(default_hidden(header)) - set(choice.get("shown", ()))) | set(choice.get("hidden", ()))
    return frozenset(hidden & {c.key for c in HIDEABLE})


def choose_columns(request, shown: set[str]) -> None:
    """Remember the user's choice: the hideable columns in `shown` are shown, the others hidden. Kept
    per user (every later session starts with it) and in this session; another session the user has
    open at the same time sees it from its next login."""
    keys = [c.key for c in HIDEABLE]
    choice = {"shown": [k for k in keys if k in shown], "hidden": [k for k in keys if k not in shown]}
    ColumnChoice.objects.update_or_create(user=request.user, grid=GRID, defaults=choice)
    request.session[COLUMNS_SESSION_KEY] = choice


def remember_choice_at_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in`: put the user's "Choose columns" in the new session (login saves it anyway)."""
    if request is not None and hasattr(request, "session"):
        request.session[COLUMNS_SESSION_KEY] = _stored_choice(user)


@dataclass(frozen=True)
class GridPermissions:
    """What the user may do in the lines grid (R-ROLE-1); the views check the same permissions."""

    can_edit: bool = False  # the row's inputs (sales.change_salesline)
    can_reserve: bool = False  # Reserve (inventory.add_reservation, the Reservation page)
    can_delete: bool = False  # Delete (sales.delete_salesline)

    @classmethod
    def of(cls, user) -> GridPermissions:
        return cls(
            can_edit=user.has_perm("sales.change_salesline"),
            can_reserve=user.has_perm("inventory.add_reservation"),
            can_delete=user.has_perm("sales.delete_salesline"),
        )


class LineRows:
    """Renders the rows of one order's lines grid (see the module doc). `permissions` default to
    those of the request's user."""

    def __init__(
        self,
        request,
        header: SalesHeader,
        lines: list[SalesLine],
        *,
        hidden: frozenset[str] = frozenset(),
        permissions: GridPermissions | None = None,
    ):
        self.header = header
        self.permissions = permissions if permissions is not None else GridPermissions.of(request.user)
        self.columns = [c for c in COLUMNS if c.key not in hidden or not c.can_hide]
        first = lines[0] if lines and self.permissions.can_edit else None
        self.prototypes = _input_prototypes(header, first)
        self.csrf = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        pk = header.pk
        self.urls = {  # "…/lines/0/…" reversed once, the line's pk put in per row
            name: reverse(f"sales:{name}", args=[pk, 0]).rsplit("/0/", 1)
            for name in ("line-row", "line-factbox", "reservation", "line-delete")
        }
        self.drilldown = reverse("sales:factbox-drilldown", args=[pk, 0, "able-to-assemble"]).rsplit("/0/", 1)
        self.card_url = reverse("sales:order-card", args=[pk])

    @property
    def choices(self) -> list[tuple[Column, bool]]:
        """Choose columns: each hideable column and whether it is shown."""
        shown = {c.key for c in self.columns}
        return [(c, c.key in shown) for c in HIDEABLE]

    def url(self, name: str, line_pk: int) -> str:
        before, after = self.urls[name]
        return f"{before}/{line_pk}/{after}"

    def head(self) -> SafeString:
        return mark_safe(
            "".join(c.th for c in self.columns) + '<th><span class="visually-hidden">Actions</span></th>'
        )

    # --- one row -----------------------------------------------------------------------------

    def render(self, row: dict[str, Any], *, oob: bool = False, selected: bool = False) -> SafeString:
        line: SalesLine = row["line"]
        form: SalesLineForm | None = row.get("form")  # a bound form: a refused save, a confirmation
        bound = form is not None and form.is_bound
        if not self.permissions.can_edit:
            editable, initial = set(), {}
        elif form is not None:
            editable, initial = set(form.fields), form.initial
        else:
            editable = SalesLineForm.editable_fields(self.header, line)
            initial = SalesLineForm.initial_for(line) if editable else {}
        pk = line.pk
        form_id = f"line-{pk}-form"
        classes = " ".join(
            c
            for c in (
                "has-errors" if bound and form.errors else "",
                "confirming" if row.get("confirm") else "",
                "selected" if selected else "",
            )
            if c
        )
        save_url = self.url("line-row", pk)
        out = [f'<tr id="line-{pk}" class="{classes}"']
        if oob:
            out.append(' hx-swap-oob="true"')
        if editable:
            out.append(f' data-row-save="{save_url}" data-row-prefix="line-{pk}"')
        out.append(">")
        inputs = _Inputs(self.prototypes, line, form if bound else None, initial)
        for column in self.columns:
            out.append(self._cell(column, line, inputs, editable))
        out.append(self._actions(row, line, form, form_id, editable, save_url))
        out.append("</tr>")
        return mark_safe("".join(out))

    def _cell(self, column: Column, line: SalesLine, inputs: _Inputs, editable: set[str]) -> str:
        td = '<td class="num">' if column.numeric else "<td>"
        if column.key == "item":
            content = inputs("item") if "item" in editable else escape(line.item.no)
            return f"{td}{content}{self._factbox_trigger(line.pk)}</td>"
        if column.key == "description":  # with its linked assembly order, if any (no column of its own)
            order = line.assembly_order
            link = (
                f' <a class="asm-link" href="{escape(order.get_absolute_url())}" data-caption="Assembly Order" '
                f'title="Assembly Order">{escape(order.no)}</a>'
                if order is not None
                else ""
            )
            return (
                f'<td class="desc"><a class="select-line" href="?line={line.pk}" '
                f'title="Show Sales Line Details">{escape(line.description)}</a>{link}</td>'
            )
        if column.field in editable:
            return f"{td}{inputs(column.field)}</td>"
        text = escape(column.text(line))
        if column.data_caption:
            if column.field:  # an input elsewhere, read-only here: the caption sits on the value
                return f'{td}<span data-caption="{column.caption}">{text}</span></td>'
            num = ' class="num"' if column.numeric else ""
            return f'<td{num} data-caption="{column.caption}">{text}</td>'
        return f"{td}{text}</td>"

    def _factbox_trigger(self, pk: int) -> str:
        # static/js/app.js sends `ato:select-line` to the row when the user clicks or enters a row whose
        # line the FactBox does not show yet (an htmx event filter would need eval, which the CSP forbids).
        return (
            f'\n    <span hidden data-factbox-line="{pk}" hx-get="{self.url("line-factbox", pk)}" '
            'hx-trigger="ato:select-line from:closest tr"\n'
            '          hx-target="#factbox" hx-swap="outerHTML" hx-sync="#factbox:replace"></span>'
        )

    def _actions(
        self, row: dict[str, Any], line: SalesLine, form, form_id: str, editable: set[str], save_url: str
    ) -> str:
        header = self.header
        item_no = escape(line.item.no)
        out = ['<td class="actions">']
        if editable:
            out.append(
                f'<form id="{form_id}" method="post" action="{save_url}">{self.csrf}'
                f'<button type="submit" class="visually-hidden" tabindex="-1">Save line {line.line_no}</button></form>'
            )
        if self.permissions.can_reserve and not line.reserves_never and not header.is_completed:
            url = self.url("reservation", line.pk)
            out.append(
                f'<a class="button" href="{url}" hx-get="{url}" hx-target="#modal" hx-swap="innerHTML" '
                f'aria-label="Reserve line {item_no}">Reserve</a>'
            )
        if self.permissions.can_delete and header.is_open:
            url = self.url("line-delete", line.pk)
            order = line.assembly_order
            question = f"Delete the line for {line.item.no}" + (
                f" and its assembly order {order.no}" if order is not None else ""
            )
            out.append(
                f'<form method="post" action="{url}" hx-post="{url}" hx-target="#sales-lines" hx-swap="outerHTML" '
                f'hx-confirm="{escape(question)}?">{self.csrf}<button type="submit" class="danger" '
                f'aria-label="Delete line {item_no}" title="Delete">✕</button></form>'
            )
        if confirm := row.get("confirm"):
            out.append(
                '<div class="confirm-box" role="alertdialog" aria-label="Confirm">'
                f"<p>{conditional_escape(confirm)}</p>"
                f'<button type="submit" form="{form_id}" name="confirm_reopen" value="1" class="primary">Yes</button>'
                f'<a class="button" href="{self.card_url}" hx-get="{save_url}" hx-target="closest tr" '
                'hx-swap="outerHTML">No</a></div>'
            )
        if notice := row.get("notice"):
            out.append(f'<p class="notice" role="status">{conditional_escape(notice)}</p>')
        if ship_from := row.get("ship_from"):
            out.append(f'<p class="muted ship-from" data-testid="ship-from">{escape(ship_from)}</p>')
        if warning := row.get("warning"):
            before, after = self.drilldown
            url = f"{before}/{line.pk}/{after}"
            out.append(
                f'<a class="warning" role="note" href="{url}" hx-get="{url}" hx-target="#modal">{escape(warning)}</a>'
            )
        if form is not None and form.is_bound and form.non_field_errors():
            out.append(f'<div class="errorlist">{form.non_field_errors()}</div>')
        if errors := row.get("errors"):
            items = "".join(f"<li>{conditional_escape(e)}</li>" for e in errors)
            out.append(f'<ul class="errorlist" role="alert">{items}</ul>')
        out.append("</td>")
        return "".join(out)


class _Inputs:
    """A row's inputs: written from the prototypes with the line's values, or, for a bound form, through
    `cell` with what the user submitted and its errors."""

    def __init__(self, prototypes, line: SalesLine, bound: SalesLineForm | None, initial: dict[str, Any]):
        self.prototypes, self.line, self.bound, self.initial = prototypes, line, bound, initial

    def __call__(self, name: str) -> str:
        if self.bound is not None:
            return cell(self.bound[name])
        input_type, attrs, widget = self.prototypes[name]
        value = widget.format_value(self.initial.get(name))
        prefix = f"line-{self.line.pk}"
        value_attr = f' value="{escape(value)}"' if value is not None else ""
        return (
            f'<input type="{input_type}" name="{prefix}-{name}" form="{prefix}-form" '
            f'id="id_{prefix}-{name}"{attrs}{value_attr}>'
        )
