"""The seed's world (spec 15 setup) and helpers to drive sales lines through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sales.services.lines import save_sales_line
from sales.services.orders import create_sales_order
from tests.factories import (
    BinFactory,
    BOMComponentFactory,
    CustomerFactory,
    ItemFactory,
    LocationFactory,
    post_stock,
)


class Seed:
    """Location MAIN without bins; ATO item KIT = 2 × PART-A + 1 × PART-B; 20 PART-A, 10 PART-B, 3 KIT."""

    def __init__(self, *, stock: bool = True):
        self.main = LocationFactory(code="MAIN")
        self.kit = ItemFactory(no="KIT", assemble_to_order=True, unit_price=Decimal("500.00"))
        self.part_a = ItemFactory(no="PART-A")
        self.part_b = ItemFactory(no="PART-B")
        BOMComponentFactory(parent_item=self.kit, component_item=self.part_a, quantity_per=Decimal(2))
        BOMComponentFactory(parent_item=self.kit, component_item=self.part_b, quantity_per=Decimal(1))
        self.customer = CustomerFactory(no="10000", location=self.main)
        if stock:
            post_stock(self.part_a, self.main, 20)
            post_stock(self.part_b, self.main, 10)
            post_stock(self.kit, self.main, 3)

    def order(self, **kwargs):
        return create_sales_order(customer=self.customer, **kwargs)

    def line(self, header, item=None, quantity=10, **values):
        values = {"item": item or self.kit, "quantity": Decimal(quantity), **values}
        return save_sales_line(header=header, values=values).line


@pytest.fixture
def seed(db):
    return Seed()


class SilverSeed(Seed):
    """A Bin Mandatory location with the three assembly bins, for R-BIN-*."""

    def __init__(self):
        super().__init__(stock=False)
        self.silver = LocationFactory(code="SILVER", bin_mandatory=True, require_pick=True)
        self.to_asm = BinFactory(location=self.silver, code="TO-ASM")
        self.from_asm = BinFactory(location=self.silver, code="FROM-ASM")
        self.ato_ship = BinFactory(location=self.silver, code="ATO-SHIP")
        self.shelf = BinFactory(location=self.silver, code="S-01")
        self.silver.to_assembly_bin = self.to_asm
        self.silver.from_assembly_bin = self.from_asm
        self.silver.asm_to_order_shpt_bin = self.ato_ship
        self.silver.save()
        self.customer.location = self.silver
        self.customer.save()


@pytest.fixture
def silver(db):
    return SilverSeed()
