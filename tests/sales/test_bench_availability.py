"""Smoke test of the availability benchmark (issue 4, part 6): tiny sizes, so it cannot rot."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from inventory.models import ItemLedgerEntry, Reservation
from sales.models import SalesLine

SIZES = {
    "items": 12,
    "entries": 300,
    "hot_entries": 120,
    "sales_lines": 40,
    "assembly_orders": 8,
    "repeat": 1,
    "warmup": 0,
}


@pytest.mark.django_db
def test_builds_a_consistent_data_set_and_measures_every_operation():
    out = StringIO()
    call_command("bench_availability", stdout=out, stderr=StringIO(), **SIZES)
    report = out.getvalue()

    operations = ("FactBox", "Reservation dialog", "Reserve from Current Line", "Line edit (QATO 10 → 7)")
    cards = ("Order card (10 lines)", "Order card (100 lines)", "Order card (500 lines)")
    for operation in (*operations, *cards):
        assert f"{operation} " in report
    assert "FAILED" not in report
    rows = re.findall(r"^(.+?)\s+(?:ordinary|hot)\s+[\d.]+\s+[\d.]+\s+(\d+)\s", report, re.MULTILINE)
    assert len(rows) == 2 * len((*operations, *cards))
    assert all(int(queries) > 0 for _, queries in rows), rows  # every request's queries are counted
    assert "500/10 lines" in report  # issue 10: the card's ratio is checked
    assert "× SQL floor" in report  # issue 10: the FactBox against its own statements run raw
    assert ItemLedgerEntry.objects.count() == pytest.approx(300, abs=5)
    assert not ItemLedgerEntry.objects.filter(register__isnull=True).exists()  # R-AUD-1
    assert ItemLedgerEntry.objects.filter(item__no__endswith="-HOT").count() == pytest.approx(120, abs=2)
    # Every repetition cancelled what it reserved: the target lines are left unreserved.
    targets = SalesLine.objects.filter(header__no__contains="-TGT-")
    assert targets.count() == 2
    assert not Reservation.objects.filter(sales_line__in=targets).exists()

    # --skip-build measures the same data set again.
    again = StringIO()
    call_command("bench_availability", skip_build=True, repeat=1, warmup=0, stdout=again, stderr=StringIO())
    assert "(reused)" in again.getvalue()


@pytest.mark.django_db
def test_compares_with_a_saved_run_of_another_size(tmp_path):
    saved = tmp_path / "small.json"
    call_command("bench_availability", stdout=StringIO(), stderr=StringIO(), save=str(saved), **SIZES)
    out = StringIO()
    call_command(
        "bench_availability", skip_build=True, repeat=1, warmup=0, operations="factbox", compare=str(saved),
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    assert "size ratio: this run" in out.getvalue()
    assert "FactBox                      ordinary" in out.getvalue().split("size ratio")[1]
