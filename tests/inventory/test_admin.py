"""The inventory admin: master data pages, R-ITEM-1 and R-ITEM-2 on the item form, the location's bin
codes, and the item ledger as a view-only list (R-INV-1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import escape

from inventory.admin import (
    HELP_BIN_CODE_SAVE_FIRST,
    MSG_BOM_COMPONENT_ON_OTHER_LINE,
    MSG_BOM_DUPLICATE_COMPONENT,
    MSG_QUANTITY_PER_POSITIVE,
)
from inventory.bom import MSG_BOM_CYCLE, MSG_BOM_OWN_COMPONENT
from inventory.models import (
    MSG_ATO_NEEDS_ASSEMBLY,
    MSG_BIN_CODES_NEED_BIN_MANDATORY,
    MSG_BIN_MANDATORY_HAS_ENTRIES,
    MSG_BIN_OTHER_LOCATION,
    Bin,
    Item,
    ItemApplicationEntry,
    ItemLedgerEntry,
    ItemRegister,
    Location,
    NoSeries,
    PostingSetup,
)
from tests.factories import BinFactory, BOMComponentFactory, ItemFactory, LocationFactory, post_stock

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def page_data(response) -> dict[str, object]:
    """What a browser would post back for the admin form in `response`, as it was rendered."""
    all_forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        all_forms.append(inline.formset.management_form)
        all_forms.extend(inline.formset.forms)
    data: dict[str, object] = {}
    for form in all_forms:
        for bound in form:
            value = bound.value()
            if isinstance(bound.field, forms.BooleanField):
                if value:
                    data[bound.html_name] = "on"
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def add_inline_row(response, data: dict[str, object], **fields: object) -> None:
    """Append a new row to the (single) inline of the page, like the "Add another" link does."""
    [inline] = response.context["inline_admin_formsets"]
    prefix = inline.formset.prefix
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = index + 1


def add_bom_line(client, item: Item, component: Item, quantity_per: object = "1"):
    url = admin_url(Item, "change", item.pk)
    page = client.get(url)
    data = page_data(page)
    add_inline_row(page, data, component_item=component.pk, quantity_per=quantity_per)
    return client.post(url, data)


def assert_shows(response, message: str) -> None:
    assert response.status_code == 200
    assert escape(message) in response.content.decode()


@pytest.fixture
def master_data():
    """One row of every inventory model, stock and an application entry included."""
    location = LocationFactory()
    BinFactory()
    component = ItemFactory()
    BOMComponentFactory(component_item=component)
    NoSeries.objects.create(code="SALES-ORDER", prefix="SO-")
    PostingSetup().save()
    post_stock(component, location, 5)
    post_stock(component, location, -2)


# --------------------------------------------------------------------------------------------
# Every page opens
# --------------------------------------------------------------------------------------------


def test_every_inventory_admin_page_opens(staff_client, staff_user, rf, master_data):
    registered = {m: a for m, a in admin.site._registry.items() if m._meta.app_label == "inventory"}
    assert {Item, Location, Bin, NoSeries, ItemLedgerEntry, ItemApplicationEntry} <= set(registered)
    request = rf.get("/")
    request.user = staff_user
    for model, model_admin in registered.items():
        assert staff_client.get(admin_url(model, "changelist")).status_code == 200, model
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        assert staff_client.get(admin_url(model, "add")).status_code == expected_add, model
        obj = model._default_manager.first()
        assert obj is not None, f"add a {model.__name__} to the master_data fixture"
        assert staff_client.get(admin_url(model, "change", obj.pk)).status_code == 200, model


def test_item_changelist_search_and_filters(staff_client):
    ItemFactory(no="BIKE", description="Touring bike", assemble_to_order=True)
    ItemFactory(no="WHEEL", description="Front wheel")
    response = staff_client.get(admin_url(Item, "changelist"), {"q": "touring"})
    assert [i.no for i in response.context["cl"].result_list] == ["BIKE"]
    response = staff_client.get(admin_url(Item, "changelist"), {"assembly_policy__exact": "ATO"})
    assert [i.no for i in response.context["cl"].result_list] == ["BIKE"]


def test_item_changelist_shows_inventory(staff_client):
    location = LocationFactory()
    item = ItemFactory(no="WHEEL")
    post_stock(item, location, "7.5")
    post_stock(item, location, -2)
    response = staff_client.get(admin_url(Item, "changelist"))
    assert response.status_code == 200
    [row] = response.context["cl"].result_list
    assert row.inventory == Decimal("5.5")
    assert '<td class="field-inventory">5.5</td>' in response.content.decode()


def test_item_changelist_queries_do_not_grow_with_items(staff_client, django_assert_max_num_queries):
    location = LocationFactory()
    for _ in range(30):
        post_stock(ItemFactory(), location, 3)
    # session, user, 2 counts, the page of items with their inventory; no query per row.
    with django_assert_max_num_queries(5):
        response = staff_client.get(admin_url(Item, "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 30


def test_bom_component_is_an_autocomplete_by_no_and_description(staff_client):
    ItemFactory(no="WHEEL", description="Front wheel")
    ItemFactory(no="FRAME", description="Steel frame")
    params = {"app_label": "inventory", "model_name": "bomcomponent", "field_name": "component_item"}
    for term in ("whe", "front"):
        response = staff_client.get(reverse("admin:autocomplete"), {**params, "term": term})
        assert response.status_code == 200
        assert [r["text"] for r in response.json()["results"]] == ["WHEEL Front wheel"]


# --------------------------------------------------------------------------------------------
# R-ITEM-1 and R-ITEM-2 on the item form
# --------------------------------------------------------------------------------------------


def test_r_item_1_ato_needs_assembly_replenishment_on_the_form(staff_client):
    page = staff_client.get(admin_url(Item, "add"))
    data = page_data(page)
    data.update(
        no="BIKE",
        replenishment_system=Item.ReplenishmentSystem.PURCHASE,
        assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER,
    )
    response = staff_client.post(admin_url(Item, "add"), data)
    assert_shows(response, MSG_ATO_NEEDS_ASSEMBLY)
    # Once, next to Assembly Policy (the database constraint's copy of the message is not repeated).
    assert response.context["adminform"].form.errors == {"assembly_policy": [MSG_ATO_NEEDS_ASSEMBLY]}
    assert not Item.objects.filter(no="BIKE").exists()


def test_r_item_2_new_item_with_its_bom_is_saved(staff_client):
    wheel, frame = ItemFactory(no="WHEEL"), ItemFactory(no="FRAME")
    page = staff_client.get(admin_url(Item, "add"))
    data = page_data(page)
    data.update(
        no="BIKE",
        replenishment_system=Item.ReplenishmentSystem.ASSEMBLY,
        assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER,
    )
    add_inline_row(page, data, component_item=wheel.pk, quantity_per="2")
    add_inline_row(page, data, component_item=frame.pk, quantity_per="1")
    response = staff_client.post(admin_url(Item, "add"), data)
    assert response.status_code == 302
    bike = Item.objects.get(no="BIKE")
    assert {(c.component_item.no, c.quantity_per) for c in bike.bom_components.all()} == {
        ("WHEEL", Decimal(2)),
        ("FRAME", Decimal(1)),
    }


def test_r_item_2_bom_cycle_three_levels_refused(staff_client):
    """A contains B, B contains C: A cannot go into C's BOM."""
    a, b, c = ItemFactory(no="A"), ItemFactory(no="B"), ItemFactory(no="C")
    BOMComponentFactory(parent_item=a, component_item=b)
    BOMComponentFactory(parent_item=b, component_item=c)
    response = add_bom_line(staff_client, c, a)
    assert_shows(response, MSG_BOM_CYCLE.format(component="A", parent="C"))
    assert not c.bom_components.exists()


def test_r_item_2_bom_cycle_through_a_changed_line_refused(staff_client):
    a, b, other = ItemFactory(no="A"), ItemFactory(no="B"), ItemFactory(no="X")
    BOMComponentFactory(parent_item=a, component_item=b)
    line = BOMComponentFactory(parent_item=b, component_item=other)
    url = admin_url(Item, "change", b.pk)
    page = staff_client.get(url)
    data = page_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-component_item"] = a.pk
    response = staff_client.post(url, data)
    assert_shows(response, MSG_BOM_CYCLE.format(component="A", parent="B"))
    line.refresh_from_db()
    assert line.component_item == other


def test_r_item_2_own_component_refused(staff_client):
    a = ItemFactory(no="A")
    response = add_bom_line(staff_client, a, a)
    assert_shows(response, MSG_BOM_OWN_COMPONENT)
    assert not a.bom_components.exists()


def test_r_item_2_duplicate_component_refused(staff_client):
    line = BOMComponentFactory()
    response = add_bom_line(staff_client, line.parent_item, line.component_item)
    assert_shows(response, MSG_BOM_DUPLICATE_COMPONENT.format(item=line.component_item.no))
    assert line.parent_item.bom_components.count() == 1


def test_r_item_2_duplicate_component_on_the_add_page_refused(staff_client):
    wheel = ItemFactory(no="WHEEL")
    page = staff_client.get(admin_url(Item, "add"))
    data = page_data(page)
    data.update(no="BIKE")
    add_inline_row(page, data, component_item=wheel.pk, quantity_per="1")
    add_inline_row(page, data, component_item=wheel.pk, quantity_per="2")
    response = staff_client.post(admin_url(Item, "add"), data)
    assert_shows(response, MSG_BOM_DUPLICATE_COMPONENT.format(item="WHEEL"))
    assert not Item.objects.filter(no="BIKE").exists()


def test_r_item_2_swapping_components_between_lines_refused_not_crashing(staff_client):
    """Saved line by line, a swap would hit the unique constraint half-way: the form says so instead."""
    bike, wheel, frame = ItemFactory(no="BIKE"), ItemFactory(no="WHEEL"), ItemFactory(no="FRAME")
    BOMComponentFactory(parent_item=bike, component_item=wheel)
    BOMComponentFactory(parent_item=bike, component_item=frame)
    url = admin_url(Item, "change", bike.pk)
    page = staff_client.get(url)
    data = page_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-component_item"], data[f"{prefix}-1-component_item"] = (
        data[f"{prefix}-1-component_item"],
        data[f"{prefix}-0-component_item"],
    )
    response = staff_client.post(url, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert escape(MSG_BOM_COMPONENT_ON_OTHER_LINE.format(item="WHEEL")) in content
    assert {c.component_item.no for c in bike.bom_components.all()} == {"WHEEL", "FRAME"}


def test_r_item_2_deleting_a_line_and_adding_its_component_again_is_saved(staff_client):
    line = BOMComponentFactory(quantity_per=Decimal(1))
    url = admin_url(Item, "change", line.parent_item.pk)
    page = staff_client.get(url)
    data = page_data(page)
    prefix = page.context["inline_admin_formsets"][0].formset.prefix
    data[f"{prefix}-0-DELETE"] = "on"
    add_inline_row(page, data, component_item=line.component_item.pk, quantity_per="3")
    response = staff_client.post(url, data)
    assert response.status_code == 302
    [new_line] = line.parent_item.bom_components.all()
    assert new_line.pk != line.pk
    assert new_line.quantity_per == Decimal(3)


@pytest.mark.parametrize("quantity_per", ["0", "-1"])
def test_r_item_2_quantity_per_not_positive_refused(staff_client, quantity_per):
    parent, component = ItemFactory(), ItemFactory()
    response = add_bom_line(staff_client, parent, component, quantity_per)
    assert_shows(response, MSG_QUANTITY_PER_POSITIVE)
    assert not parent.bom_components.exists()


def test_r_item_2_only_new_or_changed_lines_are_checked(staff_client, monkeypatch):
    """Saving an item does not walk the BOMs below its untouched lines; a new line is checked once."""
    checked: list[str] = []

    def record(*, parent, components):
        checked.extend(c.no for c in components)

    monkeypatch.setattr("inventory.admin.check_no_cycle", record)
    a = ItemFactory(no="A")
    for no in ("B", "C"):
        BOMComponentFactory(parent_item=a, component_item=ItemFactory(no=no))
    url = admin_url(Item, "change", a.pk)
    page = staff_client.get(url)
    data = page_data(page)
    data["description"] = "Renamed"
    add_inline_row(page, data, component_item=ItemFactory(no="D").pk, quantity_per="1")
    assert staff_client.post(url, data).status_code == 302
    assert checked == ["D"]
    a.refresh_from_db()
    assert a.description == "Renamed"


# --------------------------------------------------------------------------------------------
# Locations and their bin codes
# --------------------------------------------------------------------------------------------


def test_location_bin_codes_offer_only_own_bins(staff_client):
    own = BinFactory(code="OWN")
    BinFactory(code="OTHER")
    response = staff_client.get(admin_url(Location, "change", own.location.pk))
    form = response.context["adminform"].form
    for name in Location.BIN_CODE_FIELDS:
        assert list(form.fields[name].queryset) == [own]


def test_location_add_page_says_to_save_bins_first(staff_client):
    BinFactory()
    response = staff_client.get(admin_url(Location, "add"))
    form = response.context["adminform"].form
    for name in Location.BIN_CODE_FIELDS:
        assert not form.fields[name].queryset.exists()
        assert form.fields[name].help_text == HELP_BIN_CODE_SAVE_FIRST
    assert HELP_BIN_CODE_SAVE_FIRST in response.content.decode()  # help texts are not escaped


def test_location_with_bins_added_then_bin_codes_set(staff_client):
    page = staff_client.get(admin_url(Location, "add"))
    data = page_data(page)
    data.update(code="WHITE", bin_mandatory="on")
    add_inline_row(page, data, code="TO-ASM")
    add_inline_row(page, data, code="SHIP")
    assert staff_client.post(admin_url(Location, "add"), data).status_code == 302
    location = Location.objects.get(code="WHITE")
    to_asm, ship = location.bins.get(code="TO-ASM"), location.bins.get(code="SHIP")

    url = admin_url(Location, "change", location.pk)
    data = page_data(staff_client.get(url))
    data.update(to_assembly_bin=to_asm.pk, from_assembly_bin=to_asm.pk, asm_to_order_shpt_bin=ship.pk)
    assert staff_client.post(url, data).status_code == 302
    location.refresh_from_db()
    assert (location.to_assembly_bin, location.asm_to_order_shpt_bin) == (to_asm, ship)


def test_location_bin_of_another_location_refused(staff_client):
    own = BinFactory(code="OWN")
    foreign = BinFactory(code="FOREIGN")
    location = own.location
    url = admin_url(Location, "change", location.pk)
    data = page_data(staff_client.get(url))
    data["to_assembly_bin"] = foreign.pk
    response = staff_client.post(url, data)
    assert_shows(response, MSG_BIN_OTHER_LOCATION.format(bin="FOREIGN", location=location.code))
    location.refresh_from_db()
    assert location.to_assembly_bin is None


def test_location_bin_of_another_location_refused_on_the_add_page(staff_client):
    foreign = BinFactory(code="FOREIGN")
    data = page_data(staff_client.get(admin_url(Location, "add")))
    data.update(code="NEW", bin_mandatory="on", asm_to_order_shpt_bin=foreign.pk)
    response = staff_client.post(admin_url(Location, "add"), data)
    assert_shows(response, MSG_BIN_OTHER_LOCATION.format(bin="FOREIGN", location="NEW"))
    assert not Location.objects.filter(code="NEW").exists()


def test_location_bin_codes_without_bin_mandatory_refused(staff_client):
    bin_ = BinFactory()
    location = bin_.location
    url = admin_url(Location, "change", location.pk)
    data = page_data(staff_client.get(url))
    del data["bin_mandatory"]
    data["from_assembly_bin"] = bin_.pk
    response = staff_client.post(url, data)
    assert_shows(response, MSG_BIN_CODES_NEED_BIN_MANDATORY)
    location.refresh_from_db()
    assert location.bin_mandatory
    assert location.from_assembly_bin is None


def test_location_bin_mandatory_change_with_entries_refused(staff_client):
    location = LocationFactory()
    post_stock(ItemFactory(), location, 1)
    url = admin_url(Location, "change", location.pk)
    data = page_data(staff_client.get(url))
    data["bin_mandatory"] = "on"
    response = staff_client.post(url, data)
    assert_shows(response, MSG_BIN_MANDATORY_HAS_ENTRIES.format(location=location.code))
    location.refresh_from_db()
    assert not location.bin_mandatory


def test_bin_keeps_its_location_once_saved(staff_client):
    bin_ = BinFactory()
    response = staff_client.get(admin_url(Bin, "change", bin_.pk))
    assert "location" not in response.context["adminform"].form.fields
    assert "location" in staff_client.get(admin_url(Bin, "add")).context["adminform"].form.fields


# --------------------------------------------------------------------------------------------
# The item ledger: view only (R-INV-1)
# --------------------------------------------------------------------------------------------


@pytest.fixture
def ledger():
    location = LocationFactory(code="BLUE")
    item = ItemFactory(no="WHEEL")
    inbound = post_stock(item, location, 5, document_no="IJ-00001")
    post_stock(item, location, -2, document_no="IJ-00002")
    return inbound


LEDGER_MODELS = [ItemLedgerEntry, ItemApplicationEntry]


@pytest.mark.parametrize("model", LEDGER_MODELS)
def test_r_inv_1_ledger_changelist_has_no_actions(staff_client, ledger, model):
    response = staff_client.get(admin_url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["action_form"] is None
    assert "delete_selected" not in response.content.decode()


def test_r_inv_1_ledger_changelist_uses_bc_captions(staff_client, ledger):
    response = staff_client.get(admin_url(ItemLedgerEntry, "changelist"))
    content = response.content.decode()
    for caption in (
        "Posting Date",
        "Entry Type",
        "Document No.",
        "Item No.",
        "Location Code",
        "Remaining Quantity",
        "Cost Amount (Actual)",
        "Entry No.",
    ):
        assert caption in content
    assert len(response.context["cl"].result_list) == 2


def test_r_inv_1_ledger_search_and_filter(staff_client, ledger):
    url = admin_url(ItemLedgerEntry, "changelist")
    by_document = staff_client.get(url, {"q": "IJ-00002"}).context["cl"].result_list
    assert [e.document_no for e in by_document] == ["IJ-00002"]
    assert len(staff_client.get(url, {"q": "WHEEL"}).context["cl"].result_list) == 2
    positive = staff_client.get(url, {"entry_type__exact": ItemLedgerEntry.EntryType.POSITIVE_ADJMT})
    assert [e.pk for e in positive.context["cl"].result_list] == [ledger.pk]
    applications = staff_client.get(admin_url(ItemApplicationEntry, "changelist"), {"q": "IJ-00001"})
    assert len(applications.context["cl"].result_list) == 1


def test_r_inv_1_ledger_changelist_queries_do_not_grow(staff_client, ledger, django_assert_max_num_queries):
    for _ in range(30):
        post_stock(ItemFactory(), ledger.location, 1)
    with django_assert_max_num_queries(8):
        response = staff_client.get(admin_url(ItemLedgerEntry, "changelist"))
    assert len(response.context["cl"].result_list) == 32
    with django_assert_max_num_queries(8):
        staff_client.get(admin_url(ItemApplicationEntry, "changelist"))
    with django_assert_max_num_queries(8):  # R-AUD-1: the registers' range and count are annotated
        registers = staff_client.get(admin_url(ItemRegister, "changelist"))
    assert len(registers.context["cl"].result_list) == 32


@pytest.mark.parametrize("model", LEDGER_MODELS)
def test_r_inv_1_ledger_change_page_is_read_only(staff_client, ledger, model):
    obj = model.objects.first()
    response = staff_client.get(admin_url(model, "change", obj.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["adminform"].form.fields == {}
    content = response.content.decode()
    assert 'name="_save"' not in content
    assert 'name="quantity"' not in content


@pytest.mark.parametrize("model", LEDGER_MODELS)
def test_r_inv_1_ledger_post_to_change_page_changes_nothing(staff_client, ledger, model):
    obj = model.objects.first()
    response = staff_client.post(admin_url(model, "change", obj.pk), {"quantity": "99"})
    assert response.status_code == 403
    assert model.objects.get(pk=obj.pk).quantity == obj.quantity


@pytest.mark.parametrize("model", LEDGER_MODELS)
def test_r_inv_1_ledger_delete_and_add_forbidden(staff_client, ledger, model):
    obj = model.objects.first()
    assert staff_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert staff_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()
    assert staff_client.get(admin_url(model, "add")).status_code == 403
    assert staff_client.post(admin_url(model, "add"), {"quantity": "1"}).status_code == 403
    assert model.objects.count() == (2 if model is ItemLedgerEntry else 1)
