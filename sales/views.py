"""Sales order pages: list, new, and the order card with its lines edited in place (spec 4, 5, 10).

The card is one template; its regions (`order-header`, `sales-lines`, `order-totals`, `factbox`) are
partials rendered on their own for htmx and inside the full page otherwise; a line's row is written by
`sales.line_rows.LineRows` (fast rows, Choose columns). Views parse with a form, call a service, and put
the service's ValidationError next to the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assembly.services import availability_of, order_availability
from inventory.figures import format_quantity
from inventory.htmx import is_partial, paginate
from inventory.models import Reservation
from inventory.permissions import requires
from inventory.prepared import Param, PreparedQuery

from .charts import projection_chart
from .forms import (
    NewSalesOrderForm,
    ReserveFromSupplyForm,
    SalesHeaderForm,
    SalesLineForm,
    SalesOrderFilterForm,
)
from .line_rows import HIDEABLE, LineRows, choose_columns, hidden_columns
from .models import OrderAmounts, SalesHeader, SalesLine
from .services import reservations as engine
from .services.availability import (
    RESERVED_QUANTITY,
    Figures,
    auto_reserve_refusal,
    drilldown_rows,
    factbox,
    line_figures,
    projection_end,
    supply_rows,
    use_available_inventory,
)
from .services.lines import ReopenConfirmationRequired, delete_sales_line, save_sales_line
from .services.orders import (
    ReleaseConfirmationRequired,
    create_sales_order,
    release_sales_order,
    reopen_sales_order,
    update_sales_header,
)
from .services.shipping import ship_from

CARD = "sales/order_card.html"
RESERVATION = "sales/reservation.html"
DRILLDOWN = "sales/drilldown.html"
LIST = "sales/order_list.html"
PAGE_SIZE = 50
MSG_RELEASED = "Sales order {no} was released."
MSG_REOPENED = "Sales order {no} was reopened."
MSG_RESERVED = "{qty} reserved."
MSG_CANCELLED = "{qty} reservation cancelled."


def _lines(header: SalesHeader):
    return (
        SalesLine.objects.filter(header=header)
        .with_reserved_quantity()
        .select_related("item", "location", "bin", "assembly_order")
        .order_by("line_no")
    )


def _rows(header: SalesHeader, lines, availability: dict | None = None) -> list[dict[str, Any]]:
    """One entry per line: the line, its row form, its linked order's component warning (R-ASM-4; three
    queries for all lines together) and where its parts ship from at a location with bins (X-2)."""
    if availability is None:
        availability = availability_of(line.assembly_order for line in lines if line.assembly_order_id)
    bins = ship_from(lines)
    rows = []
    for line in lines:
        warnings = [availability[line.assembly_order_id].warning if line.assembly_order_id else ""]
        where = bins.get(line.pk)
        if where is not None:
            warnings.append(where.warning)
        rows.append(
            {
                "line": line,
                "form": None,  # a display row builds no form (`LineRows` writes its inputs)
                "warning": " ".join(w for w in warnings if w),
                "ship_from": where.text if where else "",
            }
        )
    return rows


def _row_html(request: HttpRequest, header: SalesHeader, row: dict[str, Any], *, oob: bool = False) -> str:
    """One row on its own (a save's answer, an out-of-band refresh)."""
    return LineRows(request, header, [row["line"]], hidden=hidden_columns(request, header)).render(
        row, oob=oob
    )


def _card_context(
    request: HttpRequest,
    header: SalesHeader,
    *,
    header_form: SalesHeaderForm | None = None,
    new_form: SalesLineForm | None = None,
    header_confirm: str = "",
    release_confirm: str = "",
    focus_new: bool = False,
) -> dict[str, Any]:
    lines = list(_lines(header))
    new_form = new_form or SalesLineForm(
        header=header,
        initial={
            "location": header.location.code if header.location else "",
            "shipment_date": header.shipment_date,
        },
    )
    if focus_new or new_form.is_bound:
        new_form.autofocus("item")
    availability = availability_of(line.assembly_order for line in lines if line.assembly_order_id)
    selected = request.GET.get("line")
    selected_line = next((line for line in lines if str(line.pk) == selected), lines[0] if lines else None)
    grid = LineRows(request, header, lines, hidden=hidden_columns(request, header))
    rows = [
        grid.render(row, selected=selected_line is not None and row["line"].pk == selected_line.pk)
        for row in _rows(header, lines, availability)
    ]
    return {
        **(
            _factbox_context(selected_line, assembly=availability.get(selected_line.assembly_order_id))
            if selected_line
            else {}
        ),
        "title": f"Sales Order {header.no}",
        "nav": "sales-orders",
        "header": header,
        "header_form": header_form or SalesHeaderForm(header=header),
        "header_confirm": header_confirm,
        "release_confirm": release_confirm,
        "needs_pick": any(line.location.require_pick for line in lines),
        "rows": rows,
        "grid": grid,
        "new_form": new_form,
        "totals": OrderAmounts.of(lines),
    }


def _get_header(pk: int) -> SalesHeader:
    return get_object_or_404(SalesHeader.objects.select_related("customer", "location"), pk=pk)


def _get_line_of(pk: int, line_pk: int) -> SalesLine:
    """A line of this order with its order (as `_get_header` reads it), in one query."""
    return get_object_or_404(
        SalesLine.objects.with_reserved_quantity().select_related(
            "header__customer", "header__location", "item", "location", "bin", "assembly_order"
        ),
        pk=line_pk,
        header_id=pk,
    )


def _get_line(header: SalesHeader, line_pk: int) -> SalesLine:
    """A line of this order only: another order's line id in the URL is a 404."""
    line = get_object_or_404(_lines(header), pk=line_pk)
    line.header = header
    return line


LINE_FOR = PreparedQuery(
    lambda: (
        SalesLine.objects.select_related("header", "item", "location", "bin", "assembly_order")
        .filter(pk=Param("line", models.IntegerField()), header_id=Param("header", models.IntegerField()))
        .order_by()
    )
)


def _line_for(pk: int, line_pk: int) -> SalesLine:
    """A line of this order, with what the FactBox, the dialog and the line's row need, in one query
    (prepared: the dialog's every action reads it)."""
    lines = LINE_FOR.objects(line=line_pk, header=pk)
    if not lines:
        raise Http404("No such line on this order.")
    return lines[0]


# What the FactBox shows of a line (template, `LineDetails`, the linked order's availability): only these
# columns are read, since the FactBox follows every click in the lines grid.
FACTBOX_FIELDS = (
    *("header_id", "line_no", "description", "item_id", "location_id", "quantity", "quantity_shipped"),
    *("qty_to_assemble_to_order", "shipment_date", "reserve", "assembly_order_id"),
    *("header__status", "item__no", "location__code"),
    *("assembly_order__no", "assembly_order__item_id", "assembly_order__location_id"),
    *("assembly_order__quantity", "assembly_order__assembled_quantity"),
)


FACTBOX_LINE = PreparedQuery(
    lambda: (
        SalesLine.objects.select_related("header", "item", "location", "assembly_order")
        .only(*FACTBOX_FIELDS)
        .filter(pk=Param("line", models.IntegerField()), header_id=Param("header", models.IntegerField()))
        .order_by()
    )
)


def _factbox_line(pk: int, line_pk: int) -> SalesLine:
    lines = FACTBOX_LINE.objects(line=line_pk, header=pk)
    if not lines:
        raise Http404("No such line on this order.")
    return lines[0]


def _factbox_context(
    line: SalesLine, *, assembly=None, figures: Figures | None = None, **extra: Any
) -> dict[str, Any]:
    data = factbox(line, assembly=assembly, figures=figures)
    return {
        "fb_line": line,
        "fb_drilldown": _drilldown_urls(line),
        "details": data.details,
        "chart": projection_chart(data.projection, mark=data.details.availability_date),
        **extra,
    }


def _line_availability(line: SalesLine) -> dict:
    """R-ASM-4 for the line's linked order, as `availability_of` gives it (by order), in one query."""
    return {line.assembly_order_id: order_availability(line.assembly_order)} if line.assembly_order_id else {}


def _drilldown_urls(line: SalesLine) -> dict[str, str]:
    """The FactBox's drill-down links (X-3) by figure ("available_inventory"), reversed once."""
    pattern = reverse("sales:factbox-drilldown", args=[line.header_id, line.pk, "figure"])
    return {slug.replace("-", "_"): pattern.replace("/figure/", f"/{slug}/") for slug in DRILLDOWNS}


def _oob(
    request: HttpRequest,
    line: SalesLine,
    *,
    row: bool = True,
    totals: bool = False,
    figures: Figures | None = None,
    availability: dict | None = None,
    **factbox_extra: Any,
) -> str:
    """Out-of-band swaps that refresh the line's row and the FactBox after a change made elsewhere,
    and with `totals` the order's totals below the lines (after a change of the line's amounts).

    `line` is the line as it is now (with its header, item, location, bin and assembly order);
    `figures` (up to the end of the projection) and `availability` when the caller has them already."""
    figures = figures or line_figures(line, end=projection_end(line))
    if availability is None:
        availability = _line_availability(line)
    html = render_to_string(
        CARD + "#factbox",
        {
            "header": line.header,
            "oob": True,
            **_factbox_context(
                line, assembly=availability.get(line.assembly_order_id), figures=figures, **factbox_extra
            ),
        },
        request,
    )
    if totals:
        lines = SalesLine.objects.filter(header_id=line.header_id).only(*OrderAmounts.FIELDS)
        html += render_to_string(
            CARD + "#order-totals", {"totals": OrderAmounts.of(lines), "oob": True}, request
        )
    if row:
        line.reserved_quantity = figures[RESERVED_QUANTITY]  # what `with_reserved_quantity` reads
        html += (
            "<template>"
            + _row_html(request, line.header, _rows(line.header, [line], availability)[0], oob=True)
            + "</template>"
        )
    return html


# --- list and new ----------------------------------------------------------------------------


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The Sales Orders list with its filters; htmx gets the table, and the filters out-of-band so
    that a message next to a field appears or goes away with the table it explains."""
    form = SalesOrderFilterForm(request.GET or None)
    orders = SalesHeader.objects.select_related("customer", "location").order_by("-pk")
    if form.is_valid():
        orders = form.filter(orders)
    elif form.is_bound:
        orders = orders.none()
    context = {
        "title": "Sales Orders",
        "nav": "sales-orders",
        "form": form,
        **paginate(request, orders.with_totals(), PAGE_SIZE),
    }
    if not is_partial(request):
        return render(request, LIST, context)
    html = render_to_string(LIST + "#orders-table", context, request)
    html += render_to_string(LIST + "#order-filters", {**context, "oob": True}, request)
    return HttpResponse(html)


@requires("sales.add_salesheader")
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest) -> HttpResponse:
    form = NewSalesOrderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            header = create_sales_order(customer=form.cleaned_data["customer"])
        except ValidationError as exc:
            form.add_error("customer", exc.messages)
        else:
            return redirect(header)
    status = 422 if form.is_bound and form.errors else 200
    return render(
        request,
        "sales/order_new.html",
        {"title": "New Sales Order", "nav": "sales-orders", "form": form},
        status=status,
    )


# --- the card ----------------------------------------------------------------------------------


@require_GET
def order_card(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    return render(request, CARD, _card_context(request, header))


@requires("sales.change_salesheader")
@require_POST
def header_change(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    form = SalesHeaderForm(request.POST, header=header)
    confirm = request.POST.get("confirm_reopen") == "1"
    status, confirm_message = 200, ""
    if form.is_valid():
        try:
            result = update_sales_header(header=header, values=form.cleaned_data, confirm_reopen=confirm)
        except ReopenConfirmationRequired as exc:
            confirm_message = str(exc)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            status = 422
        else:
            header, form = result.header, None
            for message in result.messages:
                messages.info(request, message)
    else:
        status = 422
    if not is_partial(request):
        if status == 200 and not confirm_message:
            return redirect(header)
        return render(
            request,
            CARD,
            _card_context(request, header, header_form=form, header_confirm=confirm_message),
            status=status,
        )
    header.refresh_from_db()
    context = _card_context(request, header, header_form=form, header_confirm=confirm_message)
    return render(request, CARD + "#order-body", context, status=status)


@requires("sales.add_salesline")
@require_POST
def line_add(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    form = SalesLineForm(request.POST, header=header)
    status = 200
    if form.is_valid():
        try:
            result = save_sales_line(header=header, values=form.values())
        except ValidationError as exc:
            form.apply_service_errors(exc)
            status = 422
        else:
            for message in result.messages:
                messages.info(request, message)
            if not is_partial(request):
                return redirect(f"{header.get_absolute_url()}?line={result.line.pk}")
            html = render_to_string(
                CARD + "#sales-lines", _card_context(request, header, focus_new=True), request
            )
            line = _line_for(header.pk, result.line.pk)
            return HttpResponse(html + _oob(request, line, row=False))  # the FactBox moves to the new line
    else:
        status = 422
    template = CARD + ("#sales-lines" if is_partial(request) else "")
    return render(request, template, _card_context(request, header, new_form=form), status=status)


@requires("sales.change_salesline", methods=("POST",))
@require_http_methods(["GET", "POST"])
def line_row(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """GET: the row as saved. POST: save the changed cells and answer with the recomputed row."""
    line = _get_line_of(pk, line_pk)
    header = line.header
    if request.method == "GET":
        return _render_row(request, header, line)
    form = SalesLineForm(request.POST, header=header, line=line)
    if not form.is_valid():
        return _render_row(request, header, line, form=_shown(form), errors=_hidden_errors(form), status=422)
    try:
        result = save_sales_line(
            header=header,
            line=line,
            values=form.values(),
            confirm_reopen=request.POST.get("confirm_reopen") == "1",
        )
    except ReopenConfirmationRequired as exc:
        return _render_row(request, header, line, form=form, confirm=str(exc))
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return _render_row(request, header, line, form=_shown(form), errors=_hidden_errors(form), status=422)
    if not is_partial(request):
        for message in result.messages:
            messages.info(request, message)
        return redirect(header)
    # The line as the operation left it (locked, re-read and changed): its Reserved Quantity comes with
    # the FactBox's figures, so nothing is read twice.
    line = result.line
    figures = line_figures(line, end=projection_end(line))
    line.reserved_quantity = figures[RESERVED_QUANTITY]  # what `with_reserved_quantity` reads
    return _render_row(request, header, line, notice=" ".join(result.messages), figures=figures, saved=True)


def _shown(form: SalesLineForm) -> SalesLineForm | None:
    """The form to show again: the bound one, unless it holds cells this order does not show as inputs
    (a Quantity sent for a Released order, R-SO-1), then the row as saved."""
    return None if form.refused_fields else form


def _hidden_errors(form: SalesLineForm) -> list[str]:
    """Errors of cells the row does not show as inputs: said in the row instead (never dropped)."""
    if not form.refused_fields:
        return []
    return [message for messages_ in form.errors.values() for message in messages_]


def _render_row(
    request: HttpRequest,
    header: SalesHeader,
    line: SalesLine,
    *,
    form: SalesLineForm | None = None,
    confirm: str = "",
    notice: str = "",
    errors: list[str] | None = None,
    status: int = 200,
    saved: bool = False,
    figures: Figures | None = None,
) -> HttpResponse:
    """The row (without htmx, the card around it); with htmx and a 200 also the FactBox out of band,
    and after a save (`saved`) the order's totals below the lines."""
    availability = _line_availability(line)
    row = {
        **_rows(header, [line], availability)[0],
        "confirm": confirm,
        "notice": notice,
        "errors": errors or [],
    }
    if form is not None:
        row["form"] = form
    if not is_partial(request):
        context = _card_context(request, header)
        mine = f'<tr id="line-{line.pk}"'
        context["rows"] = [
            _row_html(request, header, row) if r.startswith(mine) else r for r in context["rows"]
        ]
        return render(request, CARD, context, status=status)
    html = _row_html(request, header, row)
    if status == 200:
        html += _oob(request, line, row=False, totals=saved, availability=availability, figures=figures)
    return HttpResponse(html, status=status)


@requires("sales.delete_salesline")
@require_POST
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    header = _get_header(pk)
    line = _get_line(header, line_pk)
    try:
        result = delete_sales_line(line=line)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        status = 422
    else:
        status = 200
        for message in result.messages:
            messages.info(request, message)
    if not is_partial(request):
        return redirect(header)
    return render(request, CARD + "#sales-lines", _card_context(request, header), status=status)


def _change_status(request: HttpRequest, pk: int, service, success: str, **options) -> HttpResponse:
    header = _get_header(pk)
    try:
        service(header=header, **options)
    except ReleaseConfirmationRequired as exc:  # components are short: ask, on the card (R-ASM-4)
        return render(request, CARD, _card_context(request, header, release_confirm=str(exc)))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success.format(no=header.no))
    return redirect(header)


@requires("sales.release_sales_order")
@require_POST
def order_release(request: HttpRequest, pk: int) -> HttpResponse:
    """R-REL-1: check the order and release it with its linked assembly orders; when a linked order's
    components are short, only after the user confirms."""
    confirm = request.POST.get("confirm_shortage") == "1"
    return _change_status(request, pk, release_sales_order, MSG_RELEASED, confirm_shortage=confirm)


@requires("sales.release_sales_order")
@require_POST
def order_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _change_status(request, pk, reopen_sales_order, MSG_REOPENED)


# --- Sales Line Details FactBox (spec 8, X-1, X-3, X-4) ---------------------------------------


@require_GET
def line_factbox(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _factbox_line(pk, line_pk)
    if not is_partial(request):
        return redirect(f"{line.header.get_absolute_url()}?line={line.pk}")
    return render(request, CARD + "#factbox", {"header": line.header, **_factbox_context(line)})


@requires("sales.change_salesline", "inventory.add_reservation")
@require_POST
def use_available(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """X-1: lower Qty. to Assemble to Order by what inventory can serve and reserve it, in one step."""
    line = _line_for(pk, line_pk)
    notice, confirm, status = "", "", 200
    try:
        result = use_available_inventory(line=line, confirm_reopen=request.POST.get("confirm_reopen") == "1")
    except ReopenConfirmationRequired as exc:
        confirm = str(exc)
    except ValidationError as exc:
        notice, status = " ".join(exc.messages), 422
    else:
        notice = " ".join(result.messages)
    if not is_partial(request):
        if notice:
            (messages.success if status == 200 else messages.error)(request, notice)
        return redirect(f"{line.header.get_absolute_url()}?line={line.pk}")
    line = _line_for(pk, line_pk)  # as the change left it
    return HttpResponse(_oob(request, line, fb_notice=notice, fb_confirm=confirm), status=status)


DRILLDOWNS = {
    "available-inventory": "Available Inventory",
    "scheduled-receipt": "Scheduled Receipt",
    "reserved-receipt": "Reserved Receipt",
    "gross-requirement": "Gross Requirement",
    "reserved-requirement": "Reserved Requirement",
    "reserved-quantity": "Reserved Quantity",
    "able-to-assemble": "Able to Assemble",
}
DRILLDOWN_LIMIT = 200


@require_GET
def factbox_drilldown(request: HttpRequest, pk: int, line_pk: int, figure: str) -> HttpResponse:
    """X-3: the entries a FactBox figure sums (the same read rules as the figure itself)."""
    if figure not in DRILLDOWNS:
        raise Http404("No such figure.")
    line = _line_for(pk, line_pk)
    context: dict[str, Any] = {
        "header": line.header,
        "line": line,
        "figure": figure,
        "caption": DRILLDOWNS[figure],
    }
    if figure == "able-to-assemble":
        if line.assembly_order is None:
            raise Http404("The line has no assembly order.")
        context["assembly"] = order_availability(line.assembly_order)
    else:
        for name, rows in drilldown_rows(line, figure).items():
            rows = list(rows[: DRILLDOWN_LIMIT + 1])
            context[f"{name}_more"] = len(rows) > DRILLDOWN_LIMIT
            context[name] = rows[:DRILLDOWN_LIMIT]
    template = DRILLDOWN + ("#drilldown" if is_partial(request) else "")
    return render(request, template, {"title": f"{DRILLDOWNS[figure]} · {line.item.no}", **context})


# --- Reservation page (spec 9) -----------------------------------------------------------------


RESERVATION_ACTIONS = {"reserve-from-current-line", "auto-reserve", "cancel", "reserve-from-supply"}


def _reservation_context(
    line: SalesLine,
    *,
    show: str = "",
    supply_type: str = "",
    form: ReserveFromSupplyForm | None = None,
    figures: Figures | None = None,
) -> dict[str, Any]:
    figures = figures or line_figures(line)
    reserved = figures[RESERVED_QUANTITY]
    rows = supply_rows(line, figures=figures)
    context: dict[str, Any] = {
        "title": f"Reservation · {line.item.no}",
        "header": line.header,
        "line": line,
        "quantity_to_reserve": line.outstanding_quantity,
        "reserved": reserved,
        "unreserved": rows[0].unreserved_quantity,  # the line's, the same on every row
        "rows": rows,
        "auto_reserve_refusal": auto_reserve_refusal(rows),  # an action that can do nothing is disabled
        "show": show,
        "supply_type": supply_type,
        "can_reserve": not line.reserves_never,
    }
    if show == "available" and supply_type in engine.SupplyType.values:
        context["supplies"] = engine.supplies(line, supply_type)
        context["supply_label"] = engine.SupplyType(supply_type).label
        context["form"] = form
    elif show == "entries":
        context["reservation_entries"] = Reservation.objects.filter(sales_line=line).select_related(
            "item_ledger_entry", "assembly_order"
        )
    return context


@requires("inventory.add_reservation")
@require_GET
def reservation_dialog(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    line = _line_for(pk, line_pk)
    context = _reservation_context(
        line, show=request.GET.get("show", ""), supply_type=request.GET.get("supply_type", "")
    )
    return render(request, RESERVATION + ("#reservation-dialog" if is_partial(request) else ""), context)


@requires("inventory.add_reservation", "inventory.delete_reservation")
@require_POST
def reservation_action(request: HttpRequest, pk: int, line_pk: int, action: str) -> HttpResponse:
    if action not in RESERVATION_ACTIONS:
        raise Http404("No such action.")
    line = _line_for(pk, line_pk)
    supply_type = request.POST.get("supply_type", "")
    if action != "auto-reserve" and supply_type not in engine.SupplyType.values:
        raise Http404("No such supply type.")
    notice, error, status, form, show = "", "", 200, None, ""
    try:
        if action == "reserve-from-current-line":
            qty = engine.reserve_from_current_line(line=line, supply_type=supply_type)
            notice = MSG_RESERVED.format(qty=format_quantity(qty))
        elif action == "auto-reserve":
            result = engine.auto_reserve(line=line)
            notice = result.message or MSG_RESERVED.format(qty=format_quantity(result.reserved))
        elif action == "cancel":
            qty = engine.cancel_reservations(line=line, supply_type=supply_type)
            notice = MSG_CANCELLED.format(qty=format_quantity(qty))
        else:
            show = "available"
            form = ReserveFromSupplyForm(request.POST)
            if form.is_valid():
                qty = engine.reserve_from_supply(
                    line=line,
                    supply_type=supply_type,
                    supply_pk=form.cleaned_data["supply"],
                    quantity=form.cleaned_data["quantity"],
                )
                notice, form = MSG_RESERVED.format(qty=format_quantity(qty)), None
            else:
                status = 422
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            form.add_error("quantity", exc.error_dict.get("quantity", exc.messages))
        else:
            error = " ".join(exc.messages)
        status = 422
    if not is_partial(request):
        if notice:
            messages.success(request, notice)
        if error:
            messages.error(request, error)
        if form is not None and form.errors:
            context = _reservation_context(line, show="available", supply_type=supply_type, form=form)
            return render(request, RESERVATION, context, status=422)
        return redirect("sales:reservation", pk=line.header_id, line_pk=line.pk)
    # The action changed reservations only: the line read above is still the line; one statement gives
    # the dialog's, the FactBox's and the row's new figures.
    figures = line_figures(line, end=projection_end(line))
    context = _reservation_context(line, show=show, supply_type=supply_type, form=form, figures=figures)
    context.update({"notice": notice, "error": error})
    html = render_to_string(RESERVATION + "#reservation-dialog", context, request)
    return HttpResponse(html + _oob(request, line, figures=figures), status=status)


@requires("sales.change_columnchoice")
@require_POST
def order_columns(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose columns: the lines grid's hideable columns the user wants, remembered for every order."""
    header = _get_header(pk)
    keys = {c.key for c in HIDEABLE}
    choose_columns(request, {key for key in request.POST.getlist("show") if key in keys})
    return redirect(header)
