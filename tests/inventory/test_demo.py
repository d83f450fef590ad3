"""The demo data: idempotent, posted through the journal, and shaped as issue 2 asks."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from inventory.demo import LOADER_USERNAME
from inventory.models import BOMComponent, Item, ItemLedgerEntry, ItemRegister, Location
from sales.models import Customer

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent_and_prints_the_login(capsys):
    call_command("load_demo")
    counts = (Item.objects.count(), ItemLedgerEntry.objects.count(), Customer.objects.count())
    call_command("load_demo")
    assert (Item.objects.count(), ItemLedgerEntry.objects.count(), Customer.objects.count()) == counts
    out = capsys.readouterr().out
    assert out.count("Demo login: admin / admin") == 2
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password("admin")


def test_demo_has_the_shapes_the_flow_needs():
    call_command("load_demo")
    ato = Item.objects.get(no="WS-CUSTOM")
    assert ato.is_assemble_to_order
    # Two-level BOM: one of the ATO item's components has a BOM of its own.
    assert BOMComponent.objects.filter(
        parent_item__in=ato.bom_components.values("component_item"),
    ).exists()
    assert Item.objects.filter(assembly_policy="ATS", replenishment_system="ASSEMBLY").exists()
    silver = Location.objects.get(code="SILVER")
    assert silver.bin_mandatory and silver.require_pick
    assert silver.to_assembly_bin and silver.from_assembly_bin and silver.asm_to_order_shpt_bin
    assert not Location.objects.get(code="MAIN").bin_mandatory
    # The seed's situation: 3 units of the ATO item back in stock.
    assert Item.objects.with_inventory().get(no="WS-CUSTOM").inventory == 3
    assert ItemLedgerEntry.objects.filter(document_type="ITEM_JNL").count() == ItemLedgerEntry.objects.count()


def test_load_demo_creates_one_user_per_role_and_prints_the_logins(capsys):
    """R-ROLE-1: processor, warehouse and assembly log in with their user name as password, each in
    its role's group; admin is the superuser, in the Administrator group."""
    call_command("load_demo")
    call_command("load_demo")  # idempotent: the users are found again, not duplicated
    out = capsys.readouterr().out
    users = get_user_model().objects
    for username, role in [
        ("processor", "Sales Order Processor"),
        ("warehouse", "Warehouse Worker"),
        ("assembly", "Assembly Manager"),
    ]:
        user = users.get(username=username)
        assert user.check_password(username) and not user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert f"{role}: {username} / {username}" in out
    admin = users.get(username="admin")
    assert admin.is_superuser and admin.groups.filter(name="Administrator").exists()
    assert "Administrator (superuser): admin / admin" in out


def test_r_aud_1_the_demo_stock_is_posted_by_the_demo_data_loader():
    """The demo posts its opening stock and return through the item journal of its own (inactive)
    user, so its two registers name that user, as every entry does: never "(system)", never a
    person who did not post it."""
    call_command("load_demo")
    loader = get_user_model().objects.get(username=LOADER_USERNAME)
    registers = ItemRegister.objects.with_range()
    assert [(r.user, r.source) for r in registers] == [(loader, ItemRegister.Source.ITEM_JOURNAL)] * 2
    assert sum(r.entry_count for r in registers) == ItemLedgerEntry.objects.count()
    assert set(ItemLedgerEntry.objects.values_list("created_by", flat=True)) == {loader.pk}
