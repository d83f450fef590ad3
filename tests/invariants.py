"""Issue 11 part 4: `manage.py check_invariants` runs on the database of the data-heavy tests.

The concurrency and browser tests commit real data through real requests, and the property tests
play long random sequences; after each (before the flush, or before the example is rolled back) the
command that an operator runs in production checks I-1..I-5 on what they wrote, and a violation fails
the test with the command's report.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


def check_invariants_passes() -> None:
    """Run `manage.py check_invariants`; fail the running test with its report on any violation."""
    out = StringIO()
    try:
        call_command("check_invariants", "--limit", "20", stdout=out, stderr=out)
    except SystemExit:
        failed = True
    else:
        failed = False
    if failed:
        pytest.fail(f"manage.py check_invariants found violations:\n{out.getvalue()}", pytrace=False)
