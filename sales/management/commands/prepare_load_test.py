"""Prepare a database for the load test (`make load`, load/run.py): the demo business, plenty of stock at
MAIN, and sign-ins for the simulated users.

manage.py prepare_load_test                 # 10 users load01..load10 (Sales Order Processor)
manage.py prepare_load_test --users 20 --stock 50000

It posts stock (append-only ledger entries) and creates users: run it only against a database of its own.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from inventory.demo import ITEMS, load_demo_data
from inventory.models import Item, ItemJournalLine, ItemLedgerEntry, Location
from inventory.permissions import SALES_ORDER_PROCESSOR
from inventory.services.journal import post_item_journal

LOAD_DOCUMENT = "LOAD-STOCK"
LOAD_USER_PREFIX = "load"


def prepare_load_test(*, users: int, stock: Decimal, password: str) -> list[str]:
    """The demo data, `stock` of every demo item at MAIN (once), and `users` users in the Sales Order
    Processor role with `password` (hashed once: the users share it). Returns the user names."""
    load_demo_data()
    accounts = get_user_model().objects
    loader, _ = accounts.get_or_create(username=f"{LOAD_USER_PREFIX}-stock", defaults={"is_active": False})
    if not ItemLedgerEntry.objects.filter(document_no=LOAD_DOCUMENT).exists():
        main = Location.objects.get(code="MAIN")
        ItemJournalLine.objects.filter(user=loader).delete()
        ItemJournalLine.objects.bulk_create(
            ItemJournalLine(
                user=loader,
                entry_type=ItemJournalLine.EntryType.POSITIVE_ADJMT,
                posting_date=timezone.localdate(),
                document_no=LOAD_DOCUMENT,
                item=item,
                location=main,
                quantity=stock,
                unit_cost=item.unit_cost,
            )
            for item in Item.objects.filter(no__in=[no for no, *_ in ITEMS]).order_by("no")
        )
        post_item_journal(user=loader)
    role = Group.objects.get(name=SALES_ORDER_PROCESSOR)
    hashed = make_password(password)
    names = [f"{LOAD_USER_PREFIX}{n:02d}" for n in range(1, users + 1)]
    with transaction.atomic():
        for name in names:
            user, _ = accounts.update_or_create(
                username=name, defaults={"password": hashed, "is_active": True}
            )
            user.groups.add(role)
    return names


class Command(BaseCommand):
    help = "Demo data, stock at MAIN and users for the load test (run it only on a database of its own)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=10, help="How many users (load01, load02, ...).")
        parser.add_argument("--stock", type=Decimal, default=Decimal(100000), help="Stock of each item.")
        parser.add_argument("--password", default="load-test", help="The users' password.")

    def handle(self, *args, users: int, stock: Decimal, password: str, **options) -> None:
        names = prepare_load_test(users=users, stock=stock, password=password)
        self.stdout.write(f"Load test data: {stock} of each item at MAIN; users {names[0]}..{names[-1]}.")
