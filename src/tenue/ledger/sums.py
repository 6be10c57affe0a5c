"""Exact sums of amounts in SQL, on PostgreSQL and SQLite alike.

PostgreSQL sums NUMERIC exactly. SQLite stores decimals as floating-point numbers and sums them
as such, which can drift by a cent over hundreds of thousands of lines; there the sum is taken
over whole cents (`ROUND(amount * 100)`), which is exact: each term is an integer, and
floating-point addition of integers is exact below 2**53 cents (90 thousand billion euros).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, DecimalField, F, FloatField, Sum, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce, Round

from tenue.core import money

AMOUNT = DecimalField(max_digits=17, decimal_places=2)


class ExactSum(Aggregate):
    """SUM of an amount, exact on both databases (the result is in euros)."""

    function = "SUM"
    name = "ExactSum"
    output_field = AMOUNT  # type: ignore[assignment]

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(SUM(ROUND(%(expressions)s * 100)) / 100.0)", **extra
        )


def _expression(source: str | Combinable) -> Combinable:
    return F(source) if isinstance(source, str) else source


def exact_sum(source: str | Combinable) -> Coalesce:
    """The exact sum of an amount column (or of a difference of columns), 0 for no rows."""
    return Coalesce(ExactSum(_expression(source)), Value(Decimal("0.00")), output_field=AMOUNT)


def debit_minus_credit() -> Coalesce:
    """Σ debit − Σ credit."""
    return exact_sum(F("debit") - F("credit"))


def running_cents(source: str | Combinable) -> Sum:
    """SUM of whole cents, for window functions (where ExactSum's SQLite form cannot go)."""
    return Sum(Round(_expression(source) * Value(100), output_field=FloatField()))


def to_money(value: Any) -> Decimal:
    """A sum read back from the database (Decimal, or float on SQLite), as an exact amount."""
    if value is None:
        return money.ZERO
    if isinstance(value, float):
        value = Decimal(repr(value))
    return money.quantize(Decimal(value))


def cents_to_money(value: Any) -> Decimal:
    return money.from_cents(round(value or 0))
