"""The demo bakery's income statement and SIG by tag add up, column by column, to its unfiltered
statements, to the cent, with an untagged column for what no tag holds."""

from __future__ import annotations

from decimal import Decimal

from tenue.analytics import selectors
from tenue.analytics.models import Axis
from tenue.analytics.selectors import UNTAGGED
from tenue.core.periods import Period
from tenue.ledger.models import FiscalYear
from tenue.reports.statements import financial_statements


def test_demo_income_statement_by_tag_adds_up_to_the_unfiltered_one(db):
    from tenue import demo
    from tenue.firms.models import Company

    demo.demo_load(progress=False)
    company = Company.objects.get(slug="boulangerie-martin")
    year = FiscalYear.objects.get(company=company)
    period = Period(year.start, year.end)
    fs = financial_statements(company=company, period=period)
    for name in ("Activité", "Site"):
        axis = Axis.objects.get(company=company, name=name)
        for statement, unfiltered in (
            (
                selectors.income_statement_by_tag(company=company, period=period, axis=axis),
                fs.income_statement,
            ),
            (selectors.sig_by_tag(company=company, period=period, axis=axis), fs.sig),
        ):
            for row in statement.rows:
                if row.is_heading:
                    continue
                assert sum(row.amounts, Decimal("0")) == row.total, (name, row.code)
                assert row.total == unfiltered.row(row.code).current, (name, row.code)
    activity = selectors.income_statement_by_tag(
        company=company, period=period, axis=Axis.objects.get(company=company, name="Activité")
    )
    assert [c.title for c in activity.columns] == [
        "Boulangerie",
        "Pâtisserie",
        "Traiteur",
        "Non ventilé",
    ]
    result = activity.row("resultat")
    assert all(amount != 0 for amount in result.amounts)  # every tag and the untagged part count
    assert activity.amount("salaires", UNTAGGED) == activity.row("salaires").total
    status = selectors.analytics_status(company=company)
    assert (status.axes, status.tags_in_error, status.lines_in_error) == (2, 1, 1)
    assert status.entries_to_tag > 0
