"""French display for the assets pages: `{{ amount|euros }}` -> `1 234,56 €` (through
`money.format_amount`), `{{ rate|taux }}` -> `3,60 %` for a rate kept as a fraction (0.036)."""

from decimal import Decimal

from django import template

from tenue.core import money

register = template.Library()


@register.filter
def euros(value: Decimal | None) -> str:
    if value is None or value == "":
        return ""
    return money.format_amount(value)


@register.filter
def taux(value: Decimal | None) -> str:
    """A fraction as a French percentage, to the hundredth of a point at least."""
    if value is None or value == "":
        return ""
    percent = Decimal(value) * 100
    exponent = percent.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{percent:.{places}f}".replace(".", ",") + "\u00a0%"


@register.filter
def get_item(mapping: dict, key: object) -> object:  # type: ignore[type-arg]
    """`{{ posted|get_item:number }}`: what a dict holds for a key (None if nothing)."""
    return mapping.get(key)
