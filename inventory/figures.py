"""Quantities, amounts and dates: their precision, their bounds, how they are shown and rounded.

Defined once here, on the ground floor, and used by every app (spec "Data", R-NUM-1, R-INV-6).

The maxima are chosen so that every figure derived from one row fits its column, and stays within
the 15 significant digits that SQLite (the embedded default, which keeps decimals as binary floating
point) holds exactly: a component line's Quantity (Quantity per × order Quantity) has at most 10 whole
digits and 5 decimals; a line amount (Quantity × Unit Price) and a ledger entry's cost (Quantity × Unit
Cost) at most 13 whole digits and 2 decimals. Figures summed over an unbounded number of rows (the cost
of a consumption that draws on many entries) are checked where they are computed
(`check_amount_fits`), so that no accepted input can make a later page or posting fail.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.formats import date_format
from django.utils.functional import lazy

QTY_DIGITS = 18
QTY_PLACES = 5
AMOUNT_DIGITS = 18
AMOUNT_PLACES = 2
ZERO = Decimal(0)
QTY_QUANTUM = Decimal(1).scaleb(-QTY_PLACES)
# Half the smallest quantity: the slack a database check that adds or subtracts quantity columns allows.
# PostgreSQL's numeric is exact, and quantities have QTY_PLACES decimals, so a <= b + QTY_SLACK is a <= b
# there; SQLite computes such sums in binary floating point (7 - 4.9 = 2.0999999999999996), and the
# slack keeps a legitimate 2.1 from being refused, as it is far larger than that error (R-NUM-1).
QTY_SLACK = QTY_QUANTUM / 2
AMOUNT_QUANTUM = Decimal(1).scaleb(-AMOUNT_PLACES)

# R-NUM-1. 999,999.99999 × 9,999.99999 < 10^10 and 999,999.99999 × 9,999,999.99 < 10^13 (see above).
MAX_QUANTITY = Decimal("999999.99999")
MAX_QUANTITY_PER = Decimal("9999.99999")
MAX_UNIT_AMOUNT = Decimal("9999999.99")  # Unit Price, Unit Cost
MAX_COLUMN_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES) - AMOUNT_QUANTUM
MAX_COLUMN_QUANTITY = Decimal(10) ** (QTY_DIGITS - QTY_PLACES) - QTY_QUANTUM

# R-INV-6.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2999, 12, 31)

MSG_QUANTITY_MAX = "{field} cannot be more than {max}."
MSG_AMOUNT_TOO_LARGE = (
    "{what} would be {value}, more than the largest amount this system can hold ({max}). "
    "Post it in smaller parts."
)
MSG_DATE_RANGE = "{field} must be between {min} and {max}."


def format_quantity(value: Decimal | int | None) -> str:
    """A quantity as BC shows it: "10", "2.5", never "1E+1" nor "10.00000"; blank for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    if value == 0:
        return "0"
    return f"{value.normalize():f}"


def format_amount(value: Decimal | None) -> str:
    """An amount with its two places and thousands separators: "1,899.00"."""
    if value is None:
        return ""
    return f"{round_amount(value):,.2f}"


def format_day(value: datetime.date | None) -> str:
    """A date as the pages show it: the user's locale's short date (12/01/2026 in the US, 01/12/2026 in
    the UK), the format the browser's date inputs show, so that one date reads the same everywhere."""
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""


def round_quantity(value: Decimal) -> Decimal:
    return value.quantize(QTY_QUANTUM, rounding=ROUND_HALF_UP)


def round_amount(value: Decimal) -> Decimal:
    return value.quantize(AMOUNT_QUANTUM, rounding=ROUND_HALF_UP)


def check_amount_fits(value: Decimal, *, what: str) -> None:
    """Refuse (with a message, not a database error) an amount too large for an amount column."""
    if abs(value) > MAX_COLUMN_AMOUNT:
        raise ValidationError(
            MSG_AMOUNT_TOO_LARGE.format(
                what=what, value=format_amount(value), max=format_amount(MAX_COLUMN_AMOUNT)
            )
        )


def quantity_validators(caption: str, maximum: Decimal = MAX_QUANTITY) -> list:
    return [
        MaxValueValidator(
            maximum, message=MSG_QUANTITY_MAX.format(field=caption, max=format_quantity(maximum))
        )
    ]


def amount_validators(caption: str) -> list:
    return [
        MinValueValidator(ZERO, message=f"{caption} must not be negative."),
        MaxValueValidator(
            MAX_UNIT_AMOUNT,
            message=MSG_QUANTITY_MAX.format(field=caption, max=format_amount(MAX_UNIT_AMOUNT)),
        ),
    ]


def date_range_message(caption: str) -> str:
    return MSG_DATE_RANGE.format(field=caption, min=format_day(MIN_DATE), max=format_day(MAX_DATE))


def date_validators(caption: str) -> list:
    message = lazy(date_range_message, str)(caption)  # in the locale of the request that is refused
    return [MinValueValidator(MIN_DATE, message=message), MaxValueValidator(MAX_DATE, message=message)]


def check_date(value: datetime.date | None, *, field: str, caption: str) -> None:
    """R-INV-6 for services: a date outside 1900-01-01..2999-12-31 is refused, keyed by its field."""
    if value is not None and not (MIN_DATE <= value <= MAX_DATE):
        raise ValidationError({field: date_range_message(caption)})
