"""Document numbers: one function for every series, backed by unique constraints on the documents."""

from django.db import transaction

from .models import NoSeries

DEFAULT_PREFIXES = {
    "ITEM-JNL": "IJ-",
    "SALES-ORDER": "SO-",
    "ASSEMBLY-ORDER": "AO-",
    "POSTED-ASSEMBLY": "PAO-",
    "SALES-SHIPMENT": "SSH-",
    "SALES-INVOICE": "SIN-",
    "INVENTORY-PICK": "PI-",
}


def next_no(series_code: str) -> str:
    """Return the next number of a series, e.g. "SO-00001"; the series is created on first use.

    The series row is locked for the rest of the caller's transaction, so two transactions never
    draw the same number; a rolled-back transaction gives its number back.
    """
    with transaction.atomic():
        series, _ = NoSeries.objects.select_for_update().get_or_create(
            code=series_code, defaults={"prefix": DEFAULT_PREFIXES.get(series_code, series_code + "-")}
        )
        series.last_no_used += 1
        series.save(update_fields=["last_no_used"])
    return f"{series.prefix}{series.last_no_used:0{series.width}d}"
