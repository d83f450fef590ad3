"""Database expressions that compute figures exactly as `figures.py` does in Python.

A list that shows an amount per document sums it in SQL, so that its query count does not grow with
the number of lines; the sum must equal what the document's card computes in Python, cent for cent.
"""

from __future__ import annotations

from django.db import models

from .figures import AMOUNT_DIGITS, AMOUNT_PLACES, QTY_PLACES


class AmountSum(models.Aggregate):
    """Σ `round_amount(quantity × unit price)` over the rows: each row's amount rounded half up to two
    places, then summed (as `SalesLine.line_amount`, summed in Python).

    PostgreSQL multiplies and rounds numerics exactly (ROUND goes half away from zero, which is
    ROUND_HALF_UP). SQLite keeps decimals as binary floating point, and ROUND(quantity * price, 2)
    there misses the cent on large amounts (100574.5959 × 84156.83 gives 8464039169.48, not .47): so
    on SQLite both figures are scaled to integers (quantity in 10⁻⁵, price in cents), the product is
    rounded in integer arithmetic, the cents are summed as integers and divided by 100 once. The
    product is split at the quantity's whole units so that no intermediate value leaves 64 bits.
    Quantities and prices are never negative (the models' check constraints), so integer division
    rounds half up.
    """

    function = "SUM"
    name = "AmountSum"
    arity = 2
    output_field = models.DecimalField(max_digits=AMOUNT_DIGITS, decimal_places=AMOUNT_PLACES)

    def __init__(self, quantity, unit_price):
        super().__init__(quantity, unit_price)  # no filter, distinct or default: filter the rows

    def _compiled(self, compiler):
        quantity, unit_price = super(models.Aggregate, self).get_source_expressions()
        return compiler.compile(quantity), compiler.compile(unit_price)

    def as_sql(self, compiler, connection, **extra_context):
        (quantity, q_params), (price, p_params) = self._compiled(compiler)
        return f"SUM(ROUND(({quantity}) * ({price}), {AMOUNT_PLACES}))", (*q_params, *p_params)

    def as_sqlite(self, compiler, connection, **extra_context):
        (quantity, q_params), (price, p_params) = self._compiled(compiler)
        unit = 10**QTY_PLACES
        q = f"CAST(ROUND(({quantity}) * {unit}) AS INTEGER)"  # quantity in 10⁻⁵
        p = f"CAST(ROUND(({price}) * {10**AMOUNT_PLACES}) AS INTEGER)"  # price in cents
        # %% is the modulo operator, escaped from the parameter placeholders.
        cents = f"({q} / {unit}) * {p} + (({q} %% {unit}) * {p} + {unit // 2}) / {unit}"
        params = (*q_params, *p_params) * 2
        return f"(SUM({cents}) / {10.0**AMOUNT_PLACES})", params
