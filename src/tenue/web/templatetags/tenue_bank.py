"""Bank pages' formatting: `{{ amount|euros }}` (`1 234,56 €`), `{{ iban|iban }}` (groups of
four, as printed on a RIB), `{{ n|pluriel }}` (French plural: « 0 pièce », « 2 pièces »)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from tenue.core import money
from tenue.web.templatetags.tenue import pluriel

register = template.Library()


@register.filter
def euros(value: Decimal | str | None) -> str:
    """A Decimal, or the dotted text a JSON snapshot keeps (`"1234.56"`), as `1 234,56 €`."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = money.parse(value)
    return money.format_amount(value)


@register.filter
def iban(value: str | None) -> str:
    """`FR7630006000011234567890189` → `FR76 3000 6000 0112 3456 7890 189`."""
    compact = "".join((value or "").split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


register.filter("pluriel", pluriel)  # the general one (tenue.py), under the same name


@register.filter
def lookup(mapping: dict | None, key: object) -> object:  # type: ignore[type-arg]
    """`{{ documents|lookup:tx.pk }}`: a value of a dict the view built, or None."""
    return (mapping or {}).get(key)
