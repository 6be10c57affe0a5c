"""VAT page formatting: `{{ amount|euros }}` writes a declared amount in whole euros (`7 000`)."""

from decimal import Decimal

from django import template

from tenue.core import money

register = template.Library()


@register.filter
def euros(value: Decimal | None) -> str:
    if value is None or value == "":
        return ""
    return money.format_amount(value, currency=None).removesuffix(",00")
