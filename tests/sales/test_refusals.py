"""Refusals say so, header changes go through the line rules, and component shortage shows at order
entry (issue defects 4, 5 and 6; R-SO-1, R-SO-5, R-RES-6, R-LINK-2, R-ASM-4)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

import assembly.views as asm_views
import sales.views as sales_views
from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus
from assembly.services import create_assembly_order
from inventory.figures import format_day
from inventory.models import Item, ItemLedgerEntry, Reservation
from sales.models import SalesHeader, SalesLine, SalesStatus
from sales.services.lines import delete_sales_line, save_sales_line
from sales.services.orders import ReleaseConfirmationRequired, release_sales_order, update_sales_header
from sales.services.reservations import SupplyType, reserve_from_current_line
from tests.factories import ItemFactory, post_stock
from tests.sales.conftest import Seed
from tests.sales.test_views import HTMX, row_url

pytestmark = pytest.mark.django_db
D = Decimal


def world() -> tuple:
    """Everything a refusal must leave as it was: lines, linked orders, their lines, reservations, ledger."""
    return (
        list(SalesHeader.objects.order_by("pk").values_list("pk", "status", "shipment_date", "posting_date")),
        list(
            SalesLine.objects.order_by("pk").values_list(
                "pk", "quantity", "qty_to_assemble_to_order", "qty_to_ship", "shipment_date", "assembly_order"
            )
        ),
        list(AssemblyHeader.objects.order_by("pk").values_list("pk", "quantity", "status", "due_date")),
        list(AssemblyLine.objects.order_by("pk").values_list("pk", "quantity")),
        list(Reservation.objects.order_by("pk").values_list("pk", "quantity", "sales_line")),
        list(ItemLedgerEntry.objects.order_by("pk").values_list("pk", "remaining_quantity")),
    )


# --- defect 4: refusals must say so ---------------------------------------------------------


def test_r_so_1_a_quantity_sent_for_a_released_order_is_refused_with_the_message(seed, user_client):
    """Typed in another tab: today it is dropped silently with HTTP 200."""
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    before = world()

    response = user_client.post(row_url(line), {f"line-{line.pk}-quantity": "12"}, **HTMX)

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        f"Status must be Open on sales order {header.no} to change Quantity (it is Released). Reopen it first."
        in html
    )
    assert f'name="line-{line.pk}-quantity"' not in html  # the row still shows no Quantity input
    assert world() == before


def test_r_so_1_an_unchanged_quantity_with_a_new_qty_to_ship_is_accepted(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    release_sales_order(header=header)
    response = user_client.post(
        row_url(line), {f"line-{line.pk}-quantity": "10", f"line-{line.pk}-qty_to_ship": "4"}, **HTMX
    )
    assert response.status_code == 200
    assert SalesLine.objects.get(pk=line.pk).qty_to_ship == 4


def test_r_link_2_setting_the_ato_part_to_zero_says_the_assembly_order_was_deleted(seed, user_client):
    header = seed.order()
    line = seed.line(header, quantity=10)
    no = line.assembly_order.no
    response = user_client.post(row_url(line), {f"line-{line.pk}-qty_to_assemble_to_order": "0"}, **HTMX)
    assert response.status_code == 200
    assert f"Assembly order {no} was deleted." in response.content.decode()
    assert not AssemblyHeader.objects.filter(no=no).exists()


def test_release_says_released_once(seed, user_client):
    header = seed.order()
    seed.line(header, quantity=10)
    response = user_client.post(reverse("sales:order-release", args=[header.pk]), follow=True)
    assert response.content.decode().count(f"Sales order {header.no} was released.") == 1


def test_a_cell_saved_on_its_own_keeps_the_other_cells(seed, user_client):
    """The grid sends the cell the user left: two saves of different cells never undo each other."""
    header = seed.order()
    line = seed.line(header, quantity=10)
    user_client.post(row_url(line), {f"line-{line.pk}-quantity": "12"}, **HTMX)
    user_client.post(row_url(line), {f"line-{line.pk}-qty_to_assemble_to_order": "7"}, **HTMX)
    line.refresh_from_db()
    assert (line.quantity, line.qty_to_assemble_to_order, line.assembly_order.quantity) == (12, 7, 7)


# --- defect 5: header changes reach lines through the line rules --------------------------------


def test_r_so_5_header_shipment_date_before_a_reserved_assembly_orders_due_date_is_refused(seed):
    """`update_sales_header` accepted a date that `save_sales_line` refuses."""
    today = seed.order().shipment_date
    supply = create_assembly_order(
        item=seed.kit, quantity=D(4), location=seed.main, due_date=today + datetime.timedelta(days=5)
    )
    header = seed.order(shipment_date=today + datetime.timedelta(days=10))
    line = seed.line(header, quantity=4)
    line = save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(0)}).line
    Reservation.objects.filter(sales_line=line, item_ledger_entry__isnull=False).delete()
    reserve_from_current_line(line=line, supply_type=SupplyType.ASSEMBLY_ORDER)
    before = world()

    with pytest.raises(ValidationError) as refused:
        update_sales_header(header=header, values={"shipment_date": today + datetime.timedelta(days=2)})

    assert refused.value.message_dict["shipment_date"] == [
        f"Line 10000: Shipment Date cannot be before {format_day(supply.due_date)}, "
        f"the Due Date of assembly order {supply.no} that the line has reserved."
    ]
    assert world() == before


def test_r_res_6_header_shipment_date_change_reserves_reserve_always_lines_again(seed):
    always = ItemFactory(no="ALWAYS", reserve=Item.Reserve.ALWAYS)
    header = seed.order()
    line = seed.line(header, item=always, quantity=5)
    assert Reservation.objects.filter(sales_line=line).total() == 0  # nothing in stock yet
    post_stock(always, seed.main, 5)

    result = update_sales_header(
        header=header, values={"shipment_date": header.shipment_date + datetime.timedelta(days=1)}
    )

    assert Reservation.objects.filter(sales_line=line).total() == 5
    assert SalesLine.objects.get(pk=line.pk).shipment_date == result.header.shipment_date


def test_r_inv_6_header_dates_outside_1900_2999_are_refused(seed):
    header = seed.order()
    before = world()
    with pytest.raises(ValidationError) as refused:
        update_sales_header(header=header, values={"shipment_date": datetime.date(6, 12, 2)})
    assert refused.value.message_dict["shipment_date"] == [
        "Shipment Date must be between 01/01/1900 and 12/31/2999."
    ]
    assert world() == before


# --- defect 6: component shortage is visible at order entry --------------------------------------


def short_line():
    """An ATO line of 10 KIT whose components allow 4: 8 PART-A of the 20 needed, 10 PART-B."""
    seed = Seed(stock=False)
    post_stock(seed.part_a, seed.main, 8)
    post_stock(seed.part_b, seed.main, 10)
    header = seed.order()
    return seed, header, seed.line(header, quantity=10)


def test_r_asm_4_a_short_linked_order_warns_on_the_line_and_in_the_factbox(db, user_client):
    seed, header, line = short_line()
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert "Able to Assemble 4 of 10: PART-A short 12" in html
    assert 'data-figure="assembly-warning"' in html  # the FactBox says it too
    drill = user_client.get(
        reverse("sales:factbox-drilldown", args=[header.pk, line.pk, "able-to-assemble"]), **HTMX
    ).content.decode()
    assert "PART-A" in drill and "PART-B" in drill and "12" in drill


def test_r_asm_4_release_asks_before_releasing_a_short_order(db, user_client):
    seed, header, line = short_line()
    before = world()
    with pytest.raises(ReleaseConfirmationRequired) as asked:
        release_sales_order(header=header)
    assert "Line 10000: Able to Assemble 4 of 10: PART-A short 12." in str(asked.value)
    assert world() == before

    response = user_client.post(reverse("sales:order-release", args=[header.pk]))
    assert (
        response.status_code == 200
        and "Do you want to release the order anyway?" in response.content.decode()
    )
    assert SalesHeader.objects.get(pk=header.pk).status == SalesStatus.OPEN

    user_client.post(reverse("sales:order-release", args=[header.pk]), {"confirm_shortage": "1"})
    assert SalesHeader.objects.get(pk=header.pk).status == SalesStatus.RELEASED
    assert AssemblyHeader.objects.get(pk=line.assembly_order_id).status == AssemblyStatus.RELEASED


def test_an_ato_quantity_on_an_item_without_bom_warns_that_its_order_has_no_components(seed, user_client):
    bare = ItemFactory(no="BARE", assemble_to_order=True)
    header = seed.order()
    line = seed.line(header, item=bare, quantity=2)
    html = user_client.get(header.get_absolute_url()).content.decode()
    assert (
        f"Assembly order {line.assembly_order.no} has no components: item BARE has no assembly BOM." in html
    )


def test_no_warning_when_the_components_are_there(seed, user_client):
    header = seed.order()
    # the seed's KIT: 20 PART-A and 10 PART-B are enough for 10
    seed.line(header, quantity=10)
    assert (
        "Able to Assemble"
        not in user_client.get(header.get_absolute_url()).content.decode().split("<aside")[0]
    )


# --- a row deleted by another user between a view's read and the service's lock (I-6) ------------


@pytest.fixture
def client_500(client, user):
    client.raise_request_exception = False
    client.force_login(user)
    return client


def test_i_6_component_line_edit_while_the_sales_line_deletes_the_linked_order(client_500, monkeypatch):
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10)
    order = line.assembly_order
    component = order.lines.first()
    real = asm_views.update_assembly_line

    def meanwhile(**kwargs):  # user B sets Qty. to Assemble to Order to 0 (R-LINK-2) just before
        save_sales_line(header=header, line=line, values={"qty_to_assemble_to_order": D(0)})
        return real(**kwargs)

    monkeypatch.setattr(asm_views, "update_assembly_line", meanwhile)
    response = client_500.post(
        f"/assembly/orders/{order.pk}/lines/{component.pk}/",
        {f"line-{component.pk}-quantity_per": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "This record no longer exists: another user has just deleted it." in response.content.decode()


def test_i_6_cell_save_while_another_tab_deletes_the_line(client_500, monkeypatch):
    seed = Seed()
    header = seed.order()
    line = seed.line(header, quantity=10)
    real = sales_views.save_sales_line

    def meanwhile(**kwargs):
        delete_sales_line(line=line)
        return real(**kwargs)

    monkeypatch.setattr(sales_views, "save_sales_line", meanwhile)
    response = client_500.post(
        f"/sales/orders/{header.pk}/lines/{line.pk}/",
        {f"line-{line.pk}-quantity": "12"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    assert "This record no longer exists: another user has just deleted it." in response.content.decode()


def test_r_so_1_a_header_change_sent_for_a_released_order_says_why(seed, user_client):
    """Found by the fuzz test: the disabled header fields had no values when posted, so the answer was
    "This field is required." four times instead of the R-SO-1 message."""
    header = seed.order()
    seed.line(header, quantity=1)
    release_sales_order(header=header)
    before = world()
    data = {
        "header-customer": header.customer.no,
        "header-order_date": header.order_date.isoformat(),
        "header-posting_date": header.posting_date.isoformat(),
        "header-shipment_date": "2030-01-01",
        "header-location": header.location.code,
    }
    response = user_client.post(reverse("sales:header-change", args=[header.pk]), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 422
    assert f"Status must be Open on sales order {header.no} to change Shipment Date (it is Released)." in html
    assert world() == before
