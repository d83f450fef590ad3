"""A stand-alone assembly world: an assemble-to-stock item LAMP = 2 × BASE + 1 × SHADE at MAIN (no
bins), and a Bin Mandatory location SILVER with To-Assembly and From-Assembly bins (R-ASM-1, R-BIN-3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from assembly.services import create_assembly_order
from tests.factories import BinFactory, BOMComponentFactory, ItemFactory, LocationFactory, post_stock


class World:
    def __init__(self, *, stock: bool = True):
        self.main = LocationFactory(code="MAIN")
        self.lamp = ItemFactory(no="LAMP", description="Desk lamp", assemble_to_stock=True)
        self.part_a = ItemFactory(no="BASE", description="Lamp base")
        self.part_b = ItemFactory(no="SHADE", description="Lamp shade")
        BOMComponentFactory(
            parent_item=self.lamp, component_item=self.part_a, quantity_per=Decimal(2), line_no=10000
        )
        BOMComponentFactory(
            parent_item=self.lamp, component_item=self.part_b, quantity_per=Decimal(1), line_no=20000
        )
        self.silver = LocationFactory(code="SILVER", bin_mandatory=True)
        self.to_asm = BinFactory(location=self.silver, code="TO-ASM")
        self.from_asm = BinFactory(location=self.silver, code="FROM-ASM")
        self.shelf_1 = BinFactory(location=self.silver, code="S-01")
        self.shelf_2 = BinFactory(location=self.silver, code="S-02")
        self.silver.to_assembly_bin = self.to_asm
        self.silver.from_assembly_bin = self.from_asm
        self.silver.save()
        if stock:
            post_stock(self.part_a, self.main, 20)
            post_stock(self.part_b, self.main, 10)

    def order(self, quantity=10, location=None, **kwargs):
        return create_assembly_order(
            item=kwargs.pop("item", self.lamp),
            quantity=Decimal(quantity),
            location=location or self.main,
            due_date=kwargs.pop("due_date", timezone.localdate()),
            **kwargs,
        )


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def empty_world(db):
    return World(stock=False)
