"""French amounts in euros for the financial statements: `{{ amount|euros }}` -> `1 234,56 €`,
`{{ amount|euros_vide }}` leaves zero empty (the statements' item lines, as printed liasses do)."""

from decimal import Decimal

from django import template

from tenue.core import money

register = template.Library()


@register.filter
def euros(value: Decimal | None) -> str:
    if value is None:
        return ""
    return money.format_amount(value)


@register.filter
def euros_vide(value: Decimal | None) -> str:
    if value is None:
        return ""
    return money.format_amount(value, blank_zero=True)
