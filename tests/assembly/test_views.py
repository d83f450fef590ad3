"""Assembly order pages: partial vs full page, bounded queries, bad input, R-SYNC-2 on the page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assembly.models import AssemblyHeader, AssemblyLine, AssemblyStatus, PostedAssemblyHeader
from assembly.services import (
    MSG_LINKED_NO_DELETE,
    MSG_LINKED_NO_POST,
    MSG_NO_COMPONENTS,
    MSG_NOT_OPEN,
    post_assembly_order,
    release_assembly_order,
)
from inventory.models import ItemLedgerEntry
from sales.services.lines import save_sales_line
from sales.services.orders import release_sales_order
from tests.factories import BinFactory, ItemFactory, LocationFactory, post_stock
from tests.sales.conftest import Seed

pytestmark = pytest.mark.django_db
D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
LIST = reverse("assembly:order-list")
NEW = reverse("assembly:order-new")


def url(name: str, *args) -> str:
    return reverse(f"assembly:{name}", args=args)


def fresh(order: AssemblyHeader) -> AssemblyHeader:
    return AssemblyHeader.objects.get(pk=order.pk)


def is_full_page(response) -> bool:
    return b"<html" in response.content


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def linked(db):
    """Seed's sales order with a KIT line of 10: a linked assembly order (R-LINK-1)."""
    seed = Seed()
    line = seed.line(seed.order(), quantity=10)
    return line, AssemblyHeader.objects.get(pk=line.assembly_order_id)


# --- login ----------------------------------------------------------------------------------


def test_pages_need_login(client, world):
    order = world.order(1)
    for target in (LIST, NEW, url("order-card", order.pk), url("posted-list")):
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    response = client.post(url("order-post", order.pk))
    assert response.status_code == 302
    assert not PostedAssemblyHeader.objects.exists()


# --- Assembly Orders list ----------------------------------------------------------------------


def test_list_full_page_and_htmx_partial(user_client, world):
    world.order(2)
    full = user_client.get(LIST)
    assert full.status_code == 200 and is_full_page(full)
    assert 'aria-current="page"' in text(full) and "Assembly Orders" in text(full)
    partial = user_client.get(LIST, **HTMX)
    assert partial.status_code == 200 and not is_full_page(partial)
    assert text(partial).lstrip().startswith('<section id="order-table"')
    assert "AO-00001" in text(partial)


def test_list_filters_by_status_assemble_to_order_and_search(user_client, world, linked):
    line, linked_order = linked
    standalone = world.order(2)
    released = world.order(3)
    release_assembly_order(order=released)

    def nos(**params):
        return {o.no for o in user_client.get(LIST, params).context["page"]}

    assert nos() == {linked_order.no, standalone.no, released.no}
    assert nos(status="RELEASED") == {released.no}
    assert nos(assemble_to_order="linked") == {linked_order.no}
    assert nos(assemble_to_order="stand-alone") == {standalone.no, released.no}
    assert nos(q="kit") == {linked_order.no}  # by Item No.
    assert nos(q=standalone.no.lower()) == {standalone.no}  # by No.
    assert nos(status="NOPE") == set()

    page = text(user_client.get(LIST, {"assemble_to_order": "linked"}))
    assert f'href="{reverse("sales:order-card", args=[line.header_id])}"' in page
    assert line.header.no in page


def test_list_is_paginated_by_50(user_client, world):
    for _ in range(51):
        world.order(1)
    response = user_client.get(LIST)
    assert len(response.context["page"].object_list) == 50
    assert "Page 1 of 2" in text(response)
    assert len(user_client.get(LIST, {"page": 2}).context["page"].object_list) == 1


@pytest.mark.parametrize("count", [3, 30])
def test_list_query_count_does_not_grow_with_orders(user_client, world, django_assert_max_num_queries, count):
    seed_orders = Seed(stock=False)
    sales_order = seed_orders.order()
    for _ in range(count):
        world.order(1)
        seed_orders.line(sales_order, quantity=1)
    with django_assert_max_num_queries(4):  # session, user, count, the page with its related rows
        response = user_client.get(LIST)
    assert response.status_code == 200


# --- New stand-alone order (R-ASM-1) ----------------------------------------------------------


def new_data(**overrides) -> dict[str, str]:
    data = {
        "item": "lamp",
        "quantity": "5",
        "location": "silver",
        "bin": "",
        "due_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def test_new_page_defaults_due_date_to_today(user_client, world):
    response = user_client.get(NEW)
    assert response.status_code == 200 and is_full_page(response)
    assert f'value="{timezone.localdate().isoformat()}"' in text(response)
    for caption in ("Item No.", "Quantity", "Location Code", "Bin Code", "Due Date"):
        assert f">{caption}</label>" in text(response)


def test_r_asm_1_new_order_creates_and_redirects_to_the_card(user_client, world):
    response = user_client.post(NEW, new_data())
    order = AssemblyHeader.objects.get()
    assert response.status_code == 302 and response["Location"] == url("order-card", order.pk)
    assert (order.item, order.quantity, order.location, order.bin) == (
        world.lamp,
        5,
        world.silver,
        world.from_asm,
    )
    assert order.lines.count() == 2


def test_r_asm_1_new_order_by_htmx_redirects_the_browser(user_client, world):
    response = user_client.post(NEW, new_data(bin="s-01"), **HTMX)
    order = AssemblyHeader.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == url("order-card", order.pk)
    assert order.bin == world.shelf_1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "abc"}, "Enter a number."),
        ({"quantity": "-2"}, "Ensure this value is greater than or equal to 0.00001."),
        ({"quantity": "0"}, "Ensure this value is greater than or equal to 0.00001."),
        ({"quantity": "1.123456"}, "Ensure that there are no more than 5 decimal places."),
        ({"item": "NOPE"}, "There is no Item with No. NOPE."),
        ({"location": "NOPE"}, "There is no Location with Code NOPE."),
        ({"bin": "TO-ASM", "location": "MAIN"}, "There is no Bin with Code TO-ASM at location MAIN."),
        ({"item": "BASE"}, "Item BASE has no assembly BOM."),
        ({"due_date": "tomorrow"}, "Enter a valid date."),
    ],
)
def test_new_order_bad_input_is_shown_at_the_field_and_creates_nothing(
    user_client, world, overrides, message
):
    response = user_client.post(NEW, new_data(**overrides), **HTMX)
    assert response.status_code == 422
    assert not is_full_page(response)
    assert text(response).lstrip().startswith('<form id="new-order-form"')
    assert message in text(response)
    assert not AssemblyHeader.objects.exists()

    plain = user_client.post(NEW, new_data(**overrides))
    assert plain.status_code == 422 and is_full_page(plain) and message in text(plain)


def test_r_item_3_new_order_for_a_blocked_item_is_refused_at_the_field(user_client, world):
    world.lamp.blocked = True
    world.lamp.save()
    response = user_client.post(NEW, new_data())
    assert response.status_code == 422
    assert response.context["form"].errors == {"item": ["Item LAMP is blocked."]}


# --- Assembly Order card ----------------------------------------------------------------------


def test_card_full_page_and_htmx_partial(user_client, world):
    order = world.order(10)
    full = user_client.get(url("order-card", order.pk))
    assert full.status_code == 200 and is_full_page(full)
    page = text(full)
    for caption in (
        "No.", "Item No.", "Description", "Location Code", "Bin Code", "Quantity", "Quantity to Assemble",
        "Assembled Quantity", "Remaining Quantity", "Due Date", "Starting Date", "Posting Date", "Status",
        "Assemble to Order", "Able to Assemble", "Quantity per", "Quantity to Consume", "Consumed Quantity",
        "Release", "Post", "Delete",
    ):  # fmt: skip
        assert caption in page, caption
    partial = user_client.get(url("order-card", order.pk), **HTMX)
    assert partial.status_code == 200 and not is_full_page(partial)
    assert text(partial).lstrip().startswith('<div id="order-document"')


def test_r_asm_4_card_shows_able_to_assemble_and_marks_shortage(user_client, empty_world):
    w = empty_world
    post_stock(w.part_a, w.main, 7)
    post_stock(w.part_b, w.main, 10)
    order = w.order(10)
    response = user_client.get(url("order-card", order.pk))
    page = text(response)
    assert 'data-testid="able-to-assemble">3<' in page
    rows = response.context["rows"]
    assert [(r["line"].item.no, r["available"], r["shortage"], r["short_by"]) for r in rows] == [
        ("BASE", 7, True, 13),
        ("SHADE", 10, False, 0),
    ]
    assert page.count('class="badge badge-shortage"') == 1
    assert "short 13" in page


def test_unknown_order_is_404(user_client, world):
    assert user_client.get(url("order-card", 999)).status_code == 404
    assert user_client.post(url("order-post", 999)).status_code == 404


@pytest.mark.parametrize("line_count", [3, 30])
def test_card_query_count_does_not_grow_with_lines(
    user_client, world, django_assert_max_num_queries, line_count
):
    order = world.order(2)
    for n in range(line_count - 2):
        component = ItemFactory()
        post_stock(component, world.main, 5)
        AssemblyLine.objects.create(
            header=order,
            line_no=30000 + n,
            item=component,
            quantity_per=D(1),
            quantity=D(2),
            quantity_to_consume=D(2),
            location=world.main,
            due_date=order.due_date,
        )
    editing = order.lines.first().pk
    # session, user, order, then order_availability (lines, inventory, reservations), locations, postings
    with django_assert_max_num_queries(8):
        response = user_client.get(url("order-card", order.pk), {"edit": editing})
    assert response.status_code == 200
    assert len(response.context["rows"]) == line_count


# --- Header changes -------------------------------------------------------------------------


def header_data(order: AssemblyHeader, **overrides) -> dict[str, str]:
    data = {
        "quantity": f"{order.quantity.normalize():f}",
        "quantity_to_assemble": f"{order.quantity_to_assemble.normalize():f}",
        "due_date": order.due_date.isoformat(),
        "bin": order.bin.code if order.bin else "",
    }
    data.update(overrides)
    return {f"header-{k}": v for k, v in data.items()}


def test_header_change_by_htmx_returns_the_document(user_client, world):
    order = world.order(10, location=world.silver)
    response = user_client.post(
        url("order-header-change", order.pk), header_data(order, quantity="12", bin="s-02"), **HTMX
    )
    assert response.status_code == 200 and not is_full_page(response)
    order = fresh(order)
    assert (order.quantity, order.quantity_to_assemble, order.bin) == (12, 12, world.shelf_2)
    assert [x.quantity for x in order.lines.order_by("line_no")] == [24, 12]


def test_header_change_plain_post_redirects(user_client, world):
    order = world.order(10)
    response = user_client.post(
        url("order-header-change", order.pk), header_data(order, quantity_to_assemble="4")
    )
    assert response.status_code == 302 and response["Location"] == url("order-card", order.pk)
    assert fresh(order).quantity_to_assemble == 4


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantity": "ten"}, "Enter a number."),
        ({"quantity": "-1"}, "Ensure this value is greater than or equal to 0.00001."),
        ({"quantity_to_assemble": "1.000001"}, "Ensure that there are no more than 5 decimal places."),
        ({"quantity_to_assemble": "11"}, "Quantity to Assemble must be between 0 and 10."),
        ({"due_date": "2024-02-30"}, "Enter a valid date."),
    ],
)
def test_header_change_bad_input_is_refused_at_the_field(user_client, world, overrides, message):
    order = world.order(10)
    response = user_client.post(url("order-header-change", order.pk), header_data(order, **overrides), **HTMX)
    assert response.status_code == 422 and not is_full_page(response)
    assert message in text(response)
    after = fresh(order)
    assert (after.quantity, after.quantity_to_assemble, after.due_date, after.bin) == (
        10,
        10,
        order.due_date,
        None,
    )


def test_r_asm_3_released_order_only_takes_quantity_to_assemble(user_client, world):
    order = world.order(10)
    release_assembly_order(order=order)
    form = user_client.get(url("order-card", order.pk)).context["header_form"]
    assert set(form.fields) == {"quantity_to_assemble"}
    response = user_client.post(
        url("order-header-change", order.pk), header_data(order, quantity="20", quantity_to_assemble="3")
    )
    assert response.status_code == 302
    assert (fresh(order).quantity, fresh(order).quantity_to_assemble) == (10, 3)


# --- Component lines ----------------------------------------------------------------------


def test_line_add_change_delete_by_htmx(user_client, world):
    order = world.order(3)
    ItemFactory(no="SCREW")

    response = user_client.post(
        url("line-add", order.pk), {"new-item": "screw", "new-quantity_per": "4"}, **HTMX
    )
    assert response.status_code == 200 and not is_full_page(response)
    added = order.lines.get(item__no="SCREW")
    assert added.quantity == 12
    assert "autofocus" in text(response)  # the cursor is back in the new line

    edit = user_client.get(url("order-card", order.pk), {"edit": added.pk}, **HTMX)
    assert f'id="line-{added.pk}-form"' in text(edit)
    response = user_client.post(
        url("line-change", order.pk, added.pk), {f"line-{added.pk}-quantity_per": "0.5"}, **HTMX
    )
    assert response.status_code == 200
    assert AssemblyLine.objects.get(pk=added.pk).quantity == D("1.5")

    response = user_client.post(url("line-delete", order.pk, added.pk), **HTMX)
    assert response.status_code == 200 and not is_full_page(response)
    assert not AssemblyLine.objects.filter(pk=added.pk).exists()


def test_line_actions_without_htmx_redirect_to_the_card(user_client, world):
    order = world.order(3)
    card = url("order-card", order.pk)
    line = order.lines.get(item=world.part_a)
    response = user_client.post(url("line-add", order.pk), {"new-item": "SHADE", "new-quantity_per": "1"})
    assert response.status_code == 302 and response["Location"] == card
    response = user_client.post(url("line-change", order.pk, line.pk), {f"line-{line.pk}-quantity_per": "3"})
    assert response.status_code == 302 and response["Location"] == card
    response = user_client.post(url("line-delete", order.pk, line.pk))
    assert response.status_code == 302 and response["Location"] == card
    assert [x.item.no for x in order.lines.order_by("line_no")] == ["SHADE", "SHADE"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"new-item": "NOPE", "new-quantity_per": "1"}, "There is no Item with No. NOPE."),
        ({"new-item": "BASE", "new-quantity_per": "x"}, "Enter a number."),
        (
            {"new-item": "BASE", "new-quantity_per": "-1"},
            "Ensure this value is greater than or equal to 0.00001.",
        ),
        (
            {"new-item": "BASE", "new-quantity_per": "0.000001"},
            "Ensure that there are no more than 5 decimal places.",
        ),
        ({"new-item": "LAMP", "new-quantity_per": "1"}, "An item cannot be a component of itself."),
    ],
)
def test_line_add_bad_input(user_client, world, data, message):
    order = world.order(3)
    response = user_client.post(url("line-add", order.pk), data, **HTMX)
    assert response.status_code == 422 and not is_full_page(response)
    assert message in text(response)
    assert order.lines.count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity_per": "abc"}, "Enter a number."),
        ({"quantity_per": "-2"}, "Ensure this value is greater than or equal to 0.00001."),
        ({"quantity_per": "1.1234567"}, "Ensure that there are no more than 5 decimal places."),
    ],
)
def test_line_change_bad_input(user_client, world, data, message):
    order = world.order(3)
    line = order.lines.get(item=world.part_a)
    response = user_client.post(
        url("line-change", order.pk, line.pk), {f"line-{line.pk}-{k}": v for k, v in data.items()}, **HTMX
    )
    assert response.status_code == 422
    assert message in text(response)
    line.refresh_from_db()
    assert (line.quantity_per, line.bin) == (2, None)


def test_bin_codes_are_typed_within_the_orders_location(user_client, world):
    """A bin of another location is not found at this one: the message says so and nothing changes."""
    BinFactory(location=LocationFactory(code="BLUE", bin_mandatory=True), code="BLUE-1")
    order = world.order(3, location=world.silver)
    line = order.lines.get(item=world.part_a)
    prefix = f"line-{line.pk}-"

    response = user_client.post(
        url("line-change", order.pk, line.pk),
        {prefix + "quantity_per": "2", prefix + "bin": "blue-1"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "There is no Bin with Code BLUE-1 at location SILVER." in text(response)
    response = user_client.post(
        url("order-header-change", order.pk), header_data(order, bin="BLUE-1"), **HTMX
    )
    assert response.status_code == 422
    assert "There is no Bin with Code BLUE-1 at location SILVER." in text(response)
    line.refresh_from_db()
    assert (line.bin, fresh(order).bin) == (world.to_asm, world.from_asm)

    response = user_client.post(
        url("line-change", order.pk, line.pk), {prefix + "quantity_per": "2", prefix + "bin": "s-01"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.bin == world.shelf_1


def test_no_bin_code_input_at_a_location_without_bins(user_client, world):
    order = world.order(3)
    line = order.lines.first()
    page = text(user_client.get(url("order-card", order.pk), {"edit": line.pk}))
    assert 'name="header-bin"' not in page and f'name="line-{line.pk}-bin"' not in page
    assert f'name="line-{line.pk}-quantity_per"' in page


def test_another_orders_line_in_the_url_is_404_and_changes_nothing(user_client, world):
    order = world.order(3)
    other = world.order(4)
    foreign = other.lines.get(item=world.part_a)
    data = {f"line-{foreign.pk}-quantity_per": "9"}
    assert user_client.post(url("line-change", order.pk, foreign.pk), data, **HTMX).status_code == 404
    assert user_client.post(url("line-delete", order.pk, foreign.pk), **HTMX).status_code == 404
    foreign.refresh_from_db()
    assert foreign.quantity_per == 2
    # A foreign line id in ?edit= is ignored: no row becomes a form.
    response = user_client.get(url("order-card", order.pk), {"edit": foreign.pk})
    assert response.status_code == 200 and response.context["edit_form"] is None
    assert user_client.get(url("order-card", order.pk), {"edit": "x"}).status_code == 200


def test_r_asm_3_released_lines_are_read_only_on_the_page(user_client, world):
    order = world.order(3)
    release_assembly_order(order=order)
    line = order.lines.first()
    card = user_client.get(url("order-card", order.pk), {"edit": line.pk})
    page = text(card)
    assert "The order is Released: its lines cannot be changed. Reopen it to change them." in page
    assert card.context["new_form"] is None and card.context["edit_form"] is None
    assert "Add line" not in page and 'aria-label="Edit line' not in page

    refused = MSG_NOT_OPEN.format(no=order.no, status="Released")
    for response in (
        user_client.post(url("line-add", order.pk), {"new-item": "SHADE", "new-quantity_per": "1"}, **HTMX),
        user_client.post(
            url("line-change", order.pk, line.pk), {f"line-{line.pk}-quantity_per": "5"}, **HTMX
        ),
        user_client.post(url("line-delete", order.pk, line.pk), **HTMX),
    ):
        assert response.status_code == 422 and not is_full_page(response)
        assert refused in text(response)
    assert order.lines.count() == 2
    line.refresh_from_db()
    assert line.quantity_per == 2


# --- Actions -----------------------------------------------------------------------------------


def test_r_asm_3_release_and_reopen(user_client, world):
    order = world.order(3)
    response = user_client.post(url("order-release", order.pk), follow=True)
    assert fresh(order).status == AssemblyStatus.RELEASED
    assert f"Assembly order {order.no} was released." in text(response)
    assert ">Reopen</button>" in text(response)
    user_client.post(url("order-reopen", order.pk))
    assert fresh(order).status == AssemblyStatus.OPEN


def test_r_asm_3_release_without_component_lines_shows_the_reason(user_client, world):
    order = world.order(3)
    order.lines.all().delete()
    response = user_client.post(url("order-release", order.pk))
    assert response.status_code == 422 and is_full_page(response)
    assert MSG_NO_COMPONENTS.format(no=order.no) in text(response)
    assert fresh(order).status == AssemblyStatus.OPEN


def test_r_asm_2_post_shows_success_and_links_the_posted_order(user_client, world):
    order = world.order(10)
    response = user_client.post(url("order-post", order.pk))
    posted = PostedAssemblyHeader.objects.get()
    assert response.status_code == 302 and response["Location"] == url("order-card", order.pk)
    page = text(user_client.get(response["Location"]))
    assert f"Assembly order {order.no} was posted: 10 LAMP assembled." in page
    assert f'<a href="{url("posted-card", posted.pk)}">Posted Assembly Order {posted.no}</a>' in page
    assert fresh(order).status == AssemblyStatus.COMPLETED
    assert ">Post</button>" not in page  # nothing left to post


def test_r_asm_2_post_shortage_is_shown_and_nothing_is_posted(user_client, world):
    order = world.order(11)
    entries = ItemLedgerEntry.objects.count()
    response = user_client.post(url("order-post", order.pk))
    assert response.status_code == 422 and is_full_page(response)
    page = text(response)
    assert "Nothing was posted." in page
    assert "You have insufficient quantity of Item BASE on inventory. Location MAIN" in page
    assert ItemLedgerEntry.objects.count() == entries
    assert not PostedAssemblyHeader.objects.exists()
    assert fresh(order).assembled_quantity == 0


def test_delete_asks_for_confirmation_then_deletes(user_client, world):
    order = world.order(3)
    confirm = user_client.get(url("order-delete", order.pk))
    assert confirm.status_code == 200 and "Yes, delete" in text(confirm)
    assert AssemblyHeader.objects.filter(pk=order.pk).exists()
    response = user_client.post(url("order-delete", order.pk), follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert f"Assembly order {order.no} was deleted." in text(response)
    assert not AssemblyHeader.objects.filter(pk=order.pk).exists()
    assert not AssemblyLine.objects.filter(header_id=order.pk).exists()


# --- R-SYNC-2 on the page -------------------------------------------------------------------


def test_r_sync_2_linked_card_shows_the_link_and_no_inputs_for_what_follows_the_line(user_client, linked):
    line, order = linked
    response = user_client.get(url("order-card", order.pk))
    page = text(response)
    sales_card = reverse("sales:order-card", args=[line.header_id])
    assert (
        f'Assemble to Order: <strong>Yes</strong> — <a href="{sales_card}">Sales Order {line.header.no}</a> line {line.line_no}'
        in page
    )
    assert set(response.context["header_form"].fields) == {"quantity_to_assemble"}
    for name in ("quantity", "due_date", "bin"):
        assert f'name="header-{name}"' not in page
    assert 'name="header-quantity_to_assemble"' in page
    assert ">Post</button>" not in page and ">Delete</a>" not in page
    assert "Add line" in page  # component lines stay editable while Open


def test_r_sync_2_linked_order_post_and_delete_by_direct_post_return_the_message(user_client, linked):
    line, order = linked
    response = user_client.post(url("order-post", order.pk))
    assert response.status_code == 422
    assert MSG_LINKED_NO_POST.format(no=order.no, order=line.header.no) in text(response)
    response = user_client.post(url("order-delete", order.pk), **HTMX)
    assert response.status_code == 422 and not is_full_page(response)
    assert MSG_LINKED_NO_DELETE.format(no=order.no, order=line.header.no) in text(response)
    confirm = user_client.get(url("order-delete", order.pk))
    assert MSG_LINKED_NO_DELETE.format(no=order.no, order=line.header.no) in text(confirm)
    assert "Yes, delete" not in text(confirm)
    assert AssemblyHeader.objects.filter(pk=order.pk).exists()
    assert not PostedAssemblyHeader.objects.exists()


def test_r_sync_2_r_qts_2_linked_quantity_to_assemble_out_of_bounds_is_shown(user_client, db):
    """Quantity 10, Qty. to Assemble to Order 7, Qty. to Ship 4: Quantity to Assemble 1 to 4 (R-QTS-2)."""
    seed = Seed()
    line = seed.line(seed.order(), quantity=10, qty_to_assemble_to_order=D(7))
    save_sales_line(header=line.header, line=line, values={"qty_to_ship": D(4)})
    order = AssemblyHeader.objects.get(pk=line.assembly_order_id)
    card = text(user_client.get(url("order-card", order.pk)))
    assert "1 to 4, from the sales line's Qty. to Ship" in card

    response = user_client.post(
        url("order-header-change", order.pk),
        {"header-quantity_to_assemble": "5", "header-quantity": "12"},
        **HTMX,
    )
    assert response.status_code == 422 and not is_full_page(response)
    assert (
        "Quantity to Assemble must be between 1 and 4: the bounds come from Qty. to Ship 4 on sales order SO-00001 line 10000."
        in text(response)
    )
    after = fresh(order)
    assert (after.quantity, after.quantity_to_assemble) == (7, 4)

    response = user_client.post(
        url("order-header-change", order.pk), {"header-quantity_to_assemble": "2"}, **HTMX
    )
    assert response.status_code == 200
    assert fresh(order).quantity_to_assemble == 2


def test_r_sync_2_linked_component_lines_editable_while_open(user_client, linked):
    line, order = linked
    component = order.lines.get(item__no="PART-B")
    response = user_client.post(
        url("line-change", order.pk, component.pk), {f"line-{component.pk}-quantity_per": "2"}, **HTMX
    )
    assert response.status_code == 200
    component.refresh_from_db()
    assert component.quantity == 20


# --- Posted Assembly Orders -------------------------------------------------------------------


def test_posted_list_and_card(user_client, world, django_assert_max_num_queries):
    order = world.order(10)
    posted = post_assembly_order(order=order)

    listing = user_client.get(url("posted-list"))
    assert listing.status_code == 200 and posted.no in text(listing)
    partial = user_client.get(url("posted-list"), {"q": "nothing-like-it"}, **HTMX)
    assert not is_full_page(partial) and posted.no not in text(partial)

    with django_assert_max_num_queries(6):
        card = user_client.get(url("posted-card", posted.pk))
    page = text(card)
    assert card.status_code == 200
    assert "Assembly Consumption" in page and "Assembly Output" in page
    assert f"{reverse('inventory:ledger-entries')}?item=LAMP&amp;location=MAIN" in page
    assert [(x.item.no, x.quantity) for x in card.context["posted"].lines.all()] == [
        ("BASE", 20),
        ("SHADE", 10),
    ]
    assert user_client.get(url("posted-card", 999)).status_code == 404


# --- Admin (read-only) --------------------------------------------------------------------------


def test_admin_shows_assembly_orders_read_only(staff_client, world):
    order = world.order(10)
    posted = post_assembly_order(order=order)
    for model, obj in ((AssemblyHeader, order), (PostedAssemblyHeader, posted)):
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200
        assert staff_client.get(changelist, {"q": "LAMP"}).status_code == 200
        change = staff_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200 and b'type="submit"' not in change.content.split(b'id="content"')[1]
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        assert staff_client.get(add).status_code == 403


@pytest.mark.parametrize("kind", ["stand-alone", "linked"])
def test_a_released_orders_card_shows_only_inputs_it_accepts(user_client, world, linked, kind):
    """Issue 10: a Released assembly order's card shows no editable field it would refuse: every input
    on it, sent back with the value it shows, saves."""
    if kind == "linked":
        line, order = linked
        release_sales_order(header=line.header)
    else:
        order = world.order(4)
        release_assembly_order(order=order)
    card = text(user_client.get(url("order-card", order.pk)))
    assert fresh(order).is_released
    names = re.findall(r'<input[^>]*name="(header-[a-z_]+)"[^>]*value="([^"]*)"', card)
    assert names, "a Released order still takes Quantity to Assemble"
    assert {name for name, _ in names} == {"header-quantity_to_assemble"}
    response = user_client.post(url("order-header-change", order.pk), dict(names), **HTMX)
    assert response.status_code == 200 and "errorlist" not in text(response)
    assert 'name="new-' not in card and "line-change" not in card  # no line to add or change
