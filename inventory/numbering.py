"""Document numbers: one function for every series, backed by unique constraints on the documents."""

from __future__ import annotations

from django.db import models, transaction

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


def next_no(series_code: str, *, used_by: models.QuerySet | type[models.Model], field: str = "no") -> str:
    """Return the next number of a series, e.g. "SO-00001"; the series is created on first use.

    `used_by` is where the numbers of the series are stored (`field` of that model): a number already
    there is skipped, so an operator who sets Last No. Used back in the admin does not make the next
    document fail on a duplicate (R-NUM-1's spirit: no accepted input makes a later page fail).

    The series row is locked for the rest of the caller's transaction, so two transactions never draw
    the same number; a rolled-back transaction gives its number back.
    """
    queryset = used_by if isinstance(used_by, models.QuerySet) else used_by._default_manager.all()
    with transaction.atomic():
        series, _ = NoSeries.objects.select_for_update().get_or_create(
            code=series_code, defaults={"prefix": DEFAULT_PREFIXES.get(series_code, series_code + "-")}
        )
        number = series.last_no_used + 1
        taken = set(
            queryset.filter(**{f"{field}__startswith": series.prefix, f"{field}__gte": series.format(number)})
            .values_list(field, flat=True)
            .distinct()
        )
        while series.format(number) in taken or queryset.filter(**{field: series.format(number)}).exists():
            number += 1  # (the second test covers numbers beyond the series' width)
        series.last_no_used = number
        series.save(update_fields=["last_no_used"])
    return series.format(number)
