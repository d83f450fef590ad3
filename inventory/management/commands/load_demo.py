import os

from django.core.management.base import BaseCommand

from inventory.demo import ensure_demo_admin, ensure_demo_users, load_demo_data
from inventory.permissions import ADMINISTRATOR


class Command(BaseCommand):
    help = "Load the demo business (idempotent) and make sure the demo users (one per role) exist."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("DEMO_ADMIN_USERNAME", "admin"))
        parser.add_argument("--password", default=os.environ.get("DEMO_ADMIN_PASSWORD", "admin"))

    def handle(self, *args, username: str, password: str, **options):
        result = load_demo_data()
        password_works = ensure_demo_admin(username=username, password=password)
        users = ensure_demo_users()
        self.stdout.write(
            f"Demo data: {result['items']} items, {result['customers']} customers, "
            f"{result['entries_posted']} item ledger entries posted now."
        )
        login = f"{username} / {password}" if password_works else f"{username} (its password was changed)"
        self.stdout.write(self.style.SUCCESS(f"Demo login: {login}  ->  http://127.0.0.1:8000/"))
        self.stdout.write("Demo logins by role (user / password):")
        self.stdout.write(f"  {ADMINISTRATOR} (superuser): {login}")
        for name, role, works in users:
            self.stdout.write(
                f"  {role}: {name} / {name}" if works else f"  {role}: {name} (its password was changed)"
            )
