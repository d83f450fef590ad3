"""factory-boy factories shared by every test package. Stock is created only through posting."""

from __future__ import annotations

import datetime
import importlib
from collections.abc import Iterable
from decimal import Decimal

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from factory.django import DjangoModelFactory

from inventory.models import Bin, BOMComponent, Item, ItemJournalLine, ItemLedgerEntry, Location
from inventory.permissions import ROLES
from inventory.services.posting import EntryToPost, post_item_entries
from sales.models import Customer

PASSWORD = "correct-horse-battery"
# A request by a user with roles loads its permissions once, in one query (inventory.permissions.
# RoleBackend: the user's own and its groups'), for the view's check and the page's `perms` (R-ROLE-1);
# a superuser needs no query.
PERMISSION_QUERIES = 1


def role_groups(names: Iterable[str]) -> list[Group]:
    """The roles' groups (R-ROLE-1). The data migration creates them; a transactional test's flush
    empties every table, so they are created again, by the migration's own code, when missing."""
    names = set(names)
    groups = list(Group.objects.filter(name__in=names))
    if len(groups) < len(names):
        importlib.import_module("sales.migrations.0011_roles").install_roles(apps, connection.alias)
        importlib.import_module("sales.migrations.0012_audit").install_role_changes(apps, connection.alias)
        groups = list(Group.objects.filter(name__in=names))
    return groups


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # the roles hook only sets groups

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)

    @factory.post_generation
    def roles(self, create: bool, extracted: Iterable[str] | None, **kwargs) -> None:
        """The user's roles: every role unless told (`roles=[]`: a user with no group), so that the
        suite's users work the whole flow; the role matrix (tests/test_roles.py) uses single roles."""
        if create:
            self.groups.set(role_groups(ROLES if extracted is None else extracted))


class ItemFactory(DjangoModelFactory):
    class Meta:
        model = Item

    no = factory.Sequence(lambda n: f"ITEM-{n:04d}")
    description = factory.LazyAttribute(lambda o: f"Item {o.no}")
    unit_price = Decimal("100.00")
    unit_cost = Decimal("40.00")

    class Params:
        assemble_to_order = factory.Trait(
            replenishment_system=Item.ReplenishmentSystem.ASSEMBLY,
            assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_ORDER,
        )
        assemble_to_stock = factory.Trait(
            replenishment_system=Item.ReplenishmentSystem.ASSEMBLY,
            assembly_policy=Item.AssemblyPolicy.ASSEMBLE_TO_STOCK,
        )


class BOMComponentFactory(DjangoModelFactory):
    class Meta:
        model = BOMComponent

    parent_item = factory.SubFactory(ItemFactory, assemble_to_order=True)
    component_item = factory.SubFactory(ItemFactory)
    quantity_per = Decimal(1)


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LOC{n}")
    name = factory.LazyAttribute(lambda o: f"Location {o.code}")

    class Params:
        with_bins = factory.Trait(bin_mandatory=True)


class BinFactory(DjangoModelFactory):
    class Meta:
        model = Bin

    location = factory.SubFactory(LocationFactory, with_bins=True)
    code = factory.Sequence(lambda n: f"B-{n:03d}")


class CustomerFactory(DjangoModelFactory):
    class Meta:
        model = Customer

    no = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"Customer {n}")


class ItemJournalLineFactory(DjangoModelFactory):
    class Meta:
        model = ItemJournalLine

    user = factory.SubFactory(UserFactory)
    posting_date = factory.LazyFunction(timezone.localdate)
    item = factory.SubFactory(ItemFactory)
    location = factory.SubFactory(LocationFactory)
    quantity = Decimal(1)


def post_stock(
    item: Item,
    location: Location,
    quantity: Decimal | int | str,
    *,
    bin: Bin | None = None,
    posting_date: datetime.date | None = None,
    document_no: str = "TEST",
) -> ItemLedgerEntry:
    """Post a Positive Adjmt. (or a Negative one for a negative quantity) through the posting engine."""
    quantity = Decimal(quantity)
    entry_type = (
        ItemLedgerEntry.EntryType.POSITIVE_ADJMT if quantity > 0 else ItemLedgerEntry.EntryType.NEGATIVE_ADJMT
    )
    [entry] = post_item_entries(
        [
            EntryToPost(
                entry_type=entry_type,
                document_type=ItemLedgerEntry.DocumentType.ITEM_JOURNAL,
                document_no=document_no,
                posting_date=posting_date or timezone.localdate(),
                item=item,
                location=location,
                bin=bin,
                quantity=quantity,
            )
        ]
    )
    return entry
