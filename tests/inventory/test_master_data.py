"""Master data rules: R-ITEM-1, R-ITEM-2, bins and locations (spec section 2)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory.bom import MSG_BOM_OWN_COMPONENT, check_no_cycle
from inventory.models import MSG_ATO_NEEDS_ASSEMBLY, Item
from inventory.numbering import next_no
from tests.factories import BinFactory, BOMComponentFactory, ItemFactory, LocationFactory, post_stock

pytestmark = pytest.mark.django_db


def test_r_item_1_assemble_to_order_requires_assembly_replenishment():
    item = Item(no="X", assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER)
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert caught.value.message_dict["assembly_policy"] == [MSG_ATO_NEEDS_ASSEMBLY]
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()  # the database constraint backs the rule
    item.replenishment_system = Item.ReplenishmentSystem.ASSEMBLY
    item.full_clean()


def test_r_item_2_bom_cycle_three_levels_deep_is_refused():
    a, b, c = (
        ItemFactory(assemble_to_stock=True),
        ItemFactory(assemble_to_stock=True),
        ItemFactory(assemble_to_stock=True),
    )
    BOMComponentFactory(parent_item=a, component_item=b)
    BOMComponentFactory(parent_item=b, component_item=c)
    with pytest.raises(ValidationError, match=f"{a.no} cannot be a component of {c.no}"):
        check_no_cycle(parent=c, components=[a])
    check_no_cycle(parent=c, components=[ItemFactory()])  # an unrelated component is fine
    check_no_cycle(parent=a, components=[c])  # a diamond (a -> b -> c and a -> c) is not a cycle


def test_r_item_2_item_is_not_its_own_component():
    a = ItemFactory(assemble_to_stock=True)
    with pytest.raises(ValidationError, match=MSG_BOM_OWN_COMPONENT):
        check_no_cycle(parent=a, components=[a])
    with pytest.raises(IntegrityError), transaction.atomic():
        BOMComponentFactory(parent_item=a, component_item=a)


@pytest.mark.parametrize("quantity_per", [Decimal(0), Decimal(-1)])
def test_r_item_2_quantity_per_must_be_positive(quantity_per):
    with pytest.raises(IntegrityError), transaction.atomic():
        BOMComponentFactory(quantity_per=quantity_per)


def test_assembly_bin_codes_must_be_the_locations_own_bins():
    bin_ = BinFactory()
    location = bin_.location
    location.to_assembly_bin = BinFactory()  # a bin of another location
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert "does not belong to location" in caught.value.message_dict["to_assembly_bin"][0]
    location.to_assembly_bin = bin_
    location.full_clean()


def test_assembly_bin_codes_need_bin_mandatory():
    bin_ = BinFactory()
    location = bin_.location
    location.bin_mandatory = False
    location.from_assembly_bin = bin_
    with pytest.raises(ValidationError) as caught:
        location.full_clean()
    assert caught.value.message_dict["from_assembly_bin"] == [
        "Bin codes can only be set when Bin Mandatory is on."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        location.save()


def test_bin_mandatory_cannot_change_once_entries_exist():
    location = LocationFactory()
    post_stock(ItemFactory(), location, 1)
    location.bin_mandatory = True
    with pytest.raises(ValidationError, match="Bin Mandatory cannot be changed"):
        location.full_clean()


def test_bin_codes_are_unique_per_location_only():
    bin_ = BinFactory(code="A-1")
    BinFactory(code="A-1")  # same code at another location
    with pytest.raises(IntegrityError), transaction.atomic():
        BinFactory(code="A-1", location=bin_.location)


def test_number_series_counts_up_per_series():
    from assembly.models import AssemblyHeader
    from sales.models import SalesHeader

    assert [
        next_no("SALES-ORDER", used_by=SalesHeader),
        next_no("SALES-ORDER", used_by=SalesHeader),
        next_no("ASSEMBLY-ORDER", used_by=AssemblyHeader),
    ] == ["SO-00001", "SO-00002", "AO-00001"]
