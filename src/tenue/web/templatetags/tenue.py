"""French formatting in templates: `{{ amount|montant }}`, `{{ amount|montant_vide }}`."""

from decimal import Decimal

from django import template

from tenue.core import money

register = template.Library()


@register.filter
def montant(value: Decimal | str | None) -> str:
    """A Decimal, or the dotted text a JSON summary keeps (`"1234.56"`), in French."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = money.parse(value)
    return money.format_amount(value, currency=None)


@register.filter
def montant_vide(value: Decimal | None) -> str:
    """Zero shows as an empty cell, as in printed ledgers."""
    if value is None or value == "":
        return ""
    return money.format_amount(value, currency=None, blank_zero=True)


@register.filter
def pluriel(count: int) -> str:
    """French plural mark: none for 0 and 1 (« 0 mouvement », « 1 pièce »), `s` from 2."""
    return "s" if abs(int(count)) >= 2 else ""


@register.simple_tag(takes_context=True)
def page_url(context: dict, number: int) -> str:  # type: ignore[type-arg]
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()
