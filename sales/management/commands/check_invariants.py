"""Check the invariants I-1..I-5 (spec 14) on the configured database; exit 1 on any violation.

manage.py check_invariants            # every violation, one per line, then a summary per rule
manage.py check_invariants --limit 20 # at most 20 lines per rule (the count is always complete)
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from sales.invariants import CHECKS


class Command(BaseCommand):
    help = "Check the invariants I-1..I-5 on the configured database; exit non-zero on any violation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=0, help="Print at most this many per rule (0: all).")

    def handle(self, *args, limit: int, **options) -> None:
        found = 0
        for rule, check in CHECKS.items():
            started = time.perf_counter()
            violations = list(check())
            found += len(violations)
            for violation in violations[: limit or None]:
                self.stdout.write(self.style.ERROR(str(violation)))
            if limit and len(violations) > limit:
                self.stdout.write(f"{rule}: … {len(violations) - limit} more")
            status = (
                self.style.SUCCESS("ok")
                if not violations
                else self.style.ERROR(f"{len(violations)} violated")
            )
            self.stdout.write(f"{rule}: {status} ({(time.perf_counter() - started) * 1000:.0f} ms)")
        if found:
            self.stderr.write(self.style.ERROR(f"{found} invariant violation(s)."))
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS("All invariants I-1..I-5 hold."))
