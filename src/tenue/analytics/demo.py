"""The demo's analytics: the bakery tracks its trades (Activité) and where it sells (Site).

Rules tag the year's purchases and sales (flour and dairy shared between bread and pastry, the
caterer's sales, the counter and the hotel by third party); one electricity invoice is tagged by
hand, with an amount above its line on purpose, so that the demo shows a tag in error. Payroll,
rent and bank fees stay untagged: the reports show them in the untagged column.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tenue.analytics.models import AnalyticRule, Axis, DocumentSplit, Split, Tag
from tenue.analytics.rules import rule_create, rules_apply
from tenue.analytics.services import axis_create, line_split_set, tag_create
from tenue.core.periods import Period
from tenue.ledger.models import FiscalYear, Line, ThirdParty

D = Decimal


def demo_analytics(company: Any) -> int:
    """Axes, tags, rules and splits of one demo dossier; the number of splits given."""
    trade = axis_create(company=company, name="Activité")
    site = axis_create(company=company, name="Site")
    t = {
        name: tag_create(axis=trade, name=name)
        for name in ("Boulangerie", "Pâtisserie", "Traiteur")
    }
    s = {name: tag_create(axis=site, name=name) for name in ("Boutique", "Marché")}

    def party(aux: str) -> ThirdParty:
        return ThirdParty.objects.get(company=company, aux_number=aux)

    rule_create(
        company=company,
        name="Farine et produits laitiers",
        axis=trade,
        account_prefix="601",
        shares=[(t["Boulangerie"], D("70")), (t["Pâtisserie"], D("30"))],
    )
    rule_create(
        company=company,
        name="Ventes traiteur",
        axis=trade,
        account_prefix="707",
        shares=[(t["Traiteur"], D("100"))],
    )
    rule_create(
        company=company,
        name="Comptoir",
        axis=trade,
        third_party=party("CCOMPTOIR"),
        shares=[(t["Boulangerie"], D("65")), (t["Pâtisserie"], D("35"))],
    )
    rule_create(
        company=company,
        name="Hôtel des Voyageurs",
        axis=trade,
        third_party=party("CHOTEL"),
        shares=[(t["Pâtisserie"], D("100"))],
    )
    rule_create(
        company=company,
        name="Comptoir en boutique",
        axis=site,
        third_party=party("CCOMPTOIR"),
        shares=[(s["Boutique"], D("80")), (s["Marché"], D("20"))],
    )
    year = FiscalYear.objects.filter(company=company).order_by("start").first()
    assert year is not None
    given = rules_apply(company=company, period=Period(year.start, year.end))
    electricity = (
        Line.objects.filter(company=company, account__number="6061").order_by("date", "pk").first()
    )
    if electricity is not None:
        line_split_set(line=electricity, tag=t["Boulangerie"], percent=D("50"))
        line_split_set(line=electricity, tag=t["Pâtisserie"], amount=electricity.debit)
        given += 2
    return given


def demo_analytics_delete(companies: Any) -> None:
    """What `demo_analytics` made, before the demo dossiers are deleted."""
    Split.objects.filter(line__company__in=companies).delete()
    DocumentSplit.objects.filter(document__company__in=companies).delete()
    AnalyticRule.objects.filter(company__in=companies).delete()
    Tag.objects.filter(axis__company__in=companies).delete()
    Axis.objects.filter(company__in=companies).delete()
