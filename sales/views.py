"""Sales order pages: list, new, and the order card with its lines edited in place (spec 4, 5, 10).

The card is one template; its regions (`order-header`, `sales-lines`, and a single `line-row`) are
partials rendered on their own for htmx and inside the full page otherwise. Views parse with a form,
call a service, and put the service's ValidationError next to the field it names.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory.models import ZERO

from .forms import NewSalesOrderForm, SalesHeaderForm, SalesLineForm, SalesOrderFilterForm
from .models import SalesHeader, SalesLine
from .services.lines import ReopenConfirmationRequired, delete_sales_line, save_sales_line
from .services.orders import create_sales_order, release_sales_order, reopen_sales_order, update_sales_header

CARD = "sales/order_card.html"
LIST = "sales/order_list.html"
PAGE_SIZE = 50
MSG_RELEASED = "Sales order {no} was released."
MSG_REOPENED = "Sales order {no} was reopened."


def _htmx(request: HttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def _lines(header: SalesHeader):
    return (
        SalesLine.objects.filter(header=header)
        .with_reserved_quantity()
        .select_related("item", "location", "bin", "assembly_order")
        .order_by("line_no")
    )


def _rows(
    header: SalesHeader, lines, override: dict[int, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """One entry per line: the line, its row form (bound when re-shown with errors) and any prompt."""
    override = override or {}
    return [
        {"line": line, "form": SalesLineForm(header=header, line=line), **override.get(line.pk, {})}
        for line in lines
    ]


def _card_context(
    request: HttpRequest,
    header: SalesHeader,
    *,
    header_form: SalesHeaderForm | None = None,
    new_form: SalesLineForm | None = None,
    header_confirm: str = "",
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
    return {
        "title": f"Sales Order {header.no}",
        "nav": "sales-orders",
        "header": header,
        "header_form": header_form or SalesHeaderForm(header=header),
        "header_confirm": header_confirm,
        "rows": _rows(header, lines),
        "new_form": new_form,
        "total_amount": sum((line.line_amount for line in lines), ZERO),
    }


def _get_header(pk: int) -> SalesHeader:
    return get_object_or_404(SalesHeader.objects.select_related("customer", "location"), pk=pk)


def _get_line(header: SalesHeader, line_pk: int) -> SalesLine:
    """A line of this order only: another order's line id in the URL is a 404."""
    return get_object_or_404(
        _lines(header).select_related("item", "location", "bin", "assembly_order"), pk=line_pk
    )


# --- list and new ----------------------------------------------------------------------------


@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    form = SalesOrderFilterForm(request.GET or None)
    amount = ExpressionWrapper(F("lines__quantity") * F("lines__unit_price"), output_field=DecimalField())
    orders = (
        SalesHeader.objects.select_related("customer", "location")
        .annotate(amount=Coalesce(Sum(amount), ZERO, output_field=DecimalField()))
        .order_by("-pk")
    )
    if form.is_valid():
        if q := form.cleaned_data["q"].strip():
            orders = orders.filter(
                Q(no__icontains=q) | Q(customer__no__icontains=q) | Q(customer__name__icontains=q)
            )
        if form.cleaned_data["status"]:
            orders = orders.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["customer"]:
            orders = orders.filter(customer=form.cleaned_data["customer"])
    elif form.is_bound:
        orders = orders.none()
    page = Paginator(orders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "title": "Sales Orders",
        "nav": "sales-orders",
        "form": form,
        "page": page,
        "query": query.urlencode(),
    }
    return render(request, LIST + ("#orders-table" if _htmx(request) else ""), context)


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


@require_POST
def header_change(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    form = SalesHeaderForm(request.POST, header=header)
    confirm = request.POST.get("confirm_reopen") == "1"
    status, confirm_message = 200, ""
    if form.is_valid():
        try:
            header = update_sales_header(header=header, values=form.cleaned_data, confirm_reopen=confirm)
        except ReopenConfirmationRequired as exc:
            confirm_message = str(exc)
        except ValidationError as exc:
            form.apply_service_errors(exc)
            status = 422
        else:
            form = None
    else:
        status = 422
    if not _htmx(request):
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
            if not _htmx(request):
                return redirect(header)
            return render(request, CARD + "#sales-lines", _card_context(request, header, focus_new=True))
    else:
        status = 422
    template = CARD + ("#sales-lines" if _htmx(request) else "")
    return render(request, template, _card_context(request, header, new_form=form), status=status)


@require_http_methods(["GET", "POST"])
def line_row(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    """GET: the row as saved. POST: save the changed cells and answer with the recomputed row."""
    header = _get_header(pk)
    line = _get_line(header, line_pk)
    if request.method == "GET":
        return _render_row(request, header, line)
    form = SalesLineForm(request.POST, header=header, line=line)
    if not form.is_valid():
        return _render_row(request, header, line, form=form, status=422)
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
        return _render_row(request, header, line, form=form, status=422)
    if not _htmx(request):
        for message in result.messages:
            messages.info(request, message)
        return redirect(header)
    line = _get_line(header, line_pk)
    return _render_row(request, header, line, notice=" ".join(result.messages))


def _render_row(
    request: HttpRequest,
    header: SalesHeader,
    line: SalesLine,
    *,
    form: SalesLineForm | None = None,
    confirm: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    row = {
        "line": line,
        "form": form or SalesLineForm(header=header, line=line),
        "confirm": confirm,
        "notice": notice,
    }
    if not _htmx(request):
        context = _card_context(request, header)
        context["rows"] = [row if r["line"].pk == line.pk else r for r in context["rows"]]
        return render(request, CARD, context, status=status)
    return render(request, CARD + "#line-row", {"header": header, "row": row}, status=status)


@require_POST
def line_delete(request: HttpRequest, pk: int, line_pk: int) -> HttpResponse:
    header = _get_header(pk)
    line = _get_line(header, line_pk)
    try:
        delete_sales_line(line=line)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        status = 422
    else:
        status = 200
    if not _htmx(request):
        return redirect(header)
    return render(request, CARD + "#sales-lines", _card_context(request, header), status=status)


@require_POST
def order_release(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    try:
        release_sales_order(header=header)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, MSG_RELEASED.format(no=header.no))
    return redirect(header)


@require_POST
def order_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    header = _get_header(pk)
    try:
        reopen_sales_order(header=header)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, MSG_REOPENED.format(no=header.no))
    return redirect(header)
