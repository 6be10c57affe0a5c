"""Money: the one place where amounts become `Decimal`.

Invariants: an amount is a `Decimal` quantized to the cent; float never enters (it is refused,
not converted); rounding is explicit (ROUND_HALF_UP, the French commercial rule) and happens only
through `quantize`. Parsing accepts the French form (`1 234,56`, `-1 234,56 €`) and the dotted
form (`1234.56`); formatting writes the French form (`1 234,56 €`) with a narrow no-break space
as the thousands separator, as French typography and most accounting software do.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
THOUSANDS_SEPARATOR = "\u202f"  # espace fine insécable

_SPACES = re.compile(r"[\s\u00a0\u202f']")
_FRENCH = re.compile(r"^[+-]?\d+(,\d+)?$")
_DOTTED = re.compile(r"^[+-]?\d+(\.\d+)?$")


class MoneyError(ValueError):
    """A text or value that is not an amount."""


def quantize(value: Decimal) -> Decimal:
    """Round a Decimal to the cent, half up (0,005 -> 0,01)."""
    if not isinstance(value, Decimal):
        raise MoneyError(f"Montant attendu en Decimal, reçu {type(value).__name__}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: Decimal | int | str) -> Decimal:
    """Make an amount from a Decimal, an int or a text; refuse float and bool outright."""
    if isinstance(value, bool | float):
        raise MoneyError(
            "Un montant ne se construit jamais depuis un float : utilisez Decimal ou du texte"
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"Montant non fini : {value}")
        return quantize(value)
    if isinstance(value, int):
        return quantize(Decimal(value))
    if isinstance(value, str):
        return parse(value)
    raise MoneyError(f"Type de montant non pris en charge : {type(value).__name__}")


def parse(text: str) -> Decimal:
    """Parse a French (`1 234,56`) or dotted (`1234.56`) amount, with an optional euro sign.

    A text with both a comma and a dot (`1.234,56`) is refused: guessing which one is the decimal
    separator would silently change amounts by a factor of a thousand.
    More than two decimals are refused too, since quantizing them would hide a rounding.
    """
    if not isinstance(text, str):
        raise MoneyError(f"Texte attendu, reçu {type(text).__name__}")
    raw = text.strip().removesuffix("€").removesuffix("EUR").strip()
    compact = _SPACES.sub("", raw)
    if not compact:
        raise MoneyError(f"Montant vide : {text!r}")
    if "," in compact and "." in compact:
        raise MoneyError(f"Montant ambigu (virgule et point) : {text!r}")
    if _FRENCH.match(compact):
        normalized = compact.replace(",", ".")
    elif _DOTTED.match(compact):
        normalized = compact
    else:
        raise MoneyError(f"Montant illisible : {text!r}")
    try:
        value = Decimal(normalized)
    except InvalidOperation as exc:  # pragma: no cover - the regexes above exclude it
        raise MoneyError(f"Montant illisible : {text!r}") from exc
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise MoneyError(f"Plus de deux décimales : {text!r}")
    return quantize(value)


def to_cents(value: Decimal) -> int:
    """An amount as a whole number of cents (exact)."""
    return int(quantize(value) * 100)


def from_cents(cents: int) -> Decimal:
    """The amount worth `cents` cents."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise MoneyError("Un nombre entier de centimes est attendu")
    return (Decimal(cents) / 100).quantize(CENT)


def format_amount(value: Decimal, *, currency: str | None = "€", blank_zero: bool = False) -> str:
    """French display: `1 234,56 €`, `-12,00 €`; `blank_zero` leaves zero empty (ledger columns)."""
    amount = quantize(value)
    if blank_zero and amount == 0:
        return ""
    sign = "-" if amount < 0 else ""
    integer, _, decimals = f"{abs(amount):.2f}".partition(".")
    groups: list[str] = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    text = f"{sign}{THOUSANDS_SEPARATOR.join(groups)},{decimals}"
    return f"{text}\u00a0{currency}" if currency else text


def format_plain(value: Decimal) -> str:
    """Machine form for JSON and CSV: `1234.56` (dot, no grouping)."""
    return f"{quantize(value):.2f}"
