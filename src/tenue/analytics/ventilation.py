"""The arithmetic of splits (ventilation), pure: no Django, no database.

Invariants:
- the amounts given by percentages of one base add up, to the cent, to the base × their total
  percentage (cumulative rounding, half up): 50 % + 50 % of 0,01 € gives 0,01 € and 0,00 €, never
  0,01 € twice;
- an amount spread over several lines in proportion to their amounts adds up to it exactly;
- a line's coverage on one axis compares what its tags hold with its amount: nothing, part, all,
  or more than all (in error).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum

from tenue.core import money

HUNDRED = Decimal(100)


def percent_amounts(base: Decimal, percents: Sequence[Decimal]) -> list[Decimal]:
    """The amount each percentage gives of `base`, in the order given."""
    amounts = []
    total = money.ZERO
    before = money.ZERO
    for percent in percents:
        total += percent
        upto = money.quantize(base * total / HUNDRED)
        amounts.append(upto - before)
        before = upto
    return amounts


def spread(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` shared in proportion to `weights` (the amounts of the lines that take it)."""
    whole = sum(weights, money.ZERO)
    if not weights:
        return []
    if whole == 0:
        return [amount] + [money.ZERO] * (len(weights) - 1)
    shares = []
    running = money.ZERO
    before = money.ZERO
    for weight in weights:
        running += weight
        upto = money.quantize(amount * running / whole)
        shares.append(upto - before)
        before = upto
    return shares


def percent_total_problem(percents: Sequence[Decimal]) -> str | None:
    """Why these percentages of one axis cannot stand together, or None."""
    total = sum(percents, Decimal(0))
    if total > HUNDRED:
        return f"la ventilation dépasserait 100 % ({format_percent(total)})"
    return None


def format_percent(value: Decimal) -> str:
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text} %"


class Coverage(StrEnum):
    NONE = "none"
    PARTIAL = "partial"
    COMPLETE = "complete"
    OVER = "over"


def coverage(line_amount: Decimal, tagged: Decimal) -> Coverage:
    if tagged > line_amount:
        return Coverage.OVER
    if tagged == line_amount:
        return Coverage.COMPLETE
    if tagged == 0:
        return Coverage.NONE
    return Coverage.PARTIAL


def is_analytic_account(number: str) -> bool:
    """Charges and produits (classes 6 and 7): the lines analytic reports read."""
    return number[:1] in ("6", "7")
