"""Analytic formatting in templates: `{{ split.percent|pourcent }}` → « 33,33 % »."""

from decimal import Decimal

from django import template

from tenue.analytics.ventilation import format_percent

register = template.Library()


@register.filter
def pourcent(value: Decimal | None) -> str:
    return "" if value is None else format_percent(value)


@register.inclusion_tag("web/analytics_status.html")
def analytics_status(company: object) -> dict[str, object]:
    """The dossier's analytic counters (tags in error, entries still to tag), for its pages."""
    from tenue.analytics.selectors import analytics_status as status

    return {"company": company, "status": status(company=company)}
