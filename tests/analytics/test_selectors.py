"""Reads: the income statement and SIG by tag (columns that add up to the unfiltered statement,
to the cent), the analytic journal and general ledger filtered by axis and tag, and the demo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.analytics import selectors, services
from tenue.analytics.selectors import OTHERS, UNTAGGED, LineFilter
from tenue.core.periods import Period
from tenue.reports.statements import financial_statements

D = Decimal
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))


def assert_columns_add_up(statement, unfiltered) -> None:  # type: ignore[no-untyped-def]
    """Every row: the columns add up to the row's total, which is the unfiltered figure."""
    for row in statement.rows:
        if row.is_heading:
            continue
        assert sum(row.amounts, D("0")) == row.total, row.code
        assert row.total == unfiltered.row(row.code).current, row.code


@pytest.fixture
def books(company, post, activity, tags):
    sale = post(
        "VE", "2025-02-01", ("411", "1200.00", ""), ("707", "", "1000.00"), ("44571", "", "200.00")
    )
    bread = post("AC", "2025-02-02", ("601", "300.00", ""), ("401", "", "300.00"))
    power = post("AC", "2025-02-03", ("6061", "99.99", ""), ("401", "", "99.99"))
    post("OD", "2025-02-28", ("6411", "500.00", ""), ("421", "", "500.00"))
    refund = post("AC", "2025-03-01", ("401", "40.00", ""), ("601", "", "40.00"))
    line = sale.lines.get(position=2)
    services.line_split_set(line=line, tag=tags["Traiteur"], percent=D("60"))
    services.line_split_set(line=line, tag=tags["Pâtisserie"], amount=D("150.00"))
    services.line_split_set(
        line=bread.lines.get(position=1), tag=tags["Boulangerie"], percent=D("100")
    )
    p = power.lines.get(position=1)
    services.line_split_set(line=p, tag=tags["Boulangerie"], percent=D("33.33"))
    services.line_split_set(line=p, tag=tags["Pâtisserie"], percent=D("33.33"))
    services.line_split_set(line=p, tag=tags["Traiteur"], amount=D("50.00"))  # 116,65 > 99,99
    services.line_split_set(
        line=refund.lines.get(position=2), tag=tags["Boulangerie"], percent=D("100")
    )
    return company


def test_income_statement_by_tag_adds_up_to_the_unfiltered_one(books, activity, tags):
    statement = selectors.income_statement_by_tag(company=books, period=YEAR, axis=activity)
    assert [c.title for c in statement.columns] == [
        "Boulangerie",
        "Pâtisserie",
        "Traiteur",
        "Non ventilé",
    ]
    fs = financial_statements(company=books, period=YEAR)
    assert_columns_add_up(statement, fs.income_statement)
    b, p, t = (str(tags[n].pk) for n in ("Boulangerie", "Pâtisserie", "Traiteur"))
    # produits: 707 → 600 Traiteur, 150 Pâtisserie, 250 untagged
    assert statement.amount("ventes_marchandises", t) == D("600.00")
    assert statement.amount("ventes_marchandises", p) == D("150.00")
    assert statement.amount("ventes_marchandises", UNTAGGED) == D("250.00")
    # charges: 601 = 300 − 40 refund, all Boulangerie; 6061 over-tagged, the excess comes back
    assert statement.amount("achats_matieres", b) == D("260.00")
    assert statement.amount("autres_achats_charges_externes", b) == D("33.33")
    # 33,33 % twice of 99,99 €: 33,33 € then 33,32 € (together 66,65 €, 66,66 % of it rounded)
    assert statement.amount("autres_achats_charges_externes", p) == D("33.32")
    assert statement.amount("autres_achats_charges_externes", t) == D("50.00")
    assert statement.amount("autres_achats_charges_externes", UNTAGGED) == D("-16.66")
    assert statement.amount("salaires", UNTAGGED) == D("500.00")
    assert statement.amount("resultat", t) == D("550.00")

    sig = selectors.sig_by_tag(company=books, period=YEAR, axis=activity)
    assert_columns_add_up(sig, fs.sig)


def test_some_tags_side_by_side_or_cumulated(books, activity, tags):
    chosen = [tags["Traiteur"], tags["Pâtisserie"]]
    statement = selectors.income_statement_by_tag(
        company=books, period=YEAR, axis=activity, tags=chosen
    )
    assert [c.title for c in statement.columns] == [
        "Pâtisserie",
        "Traiteur",
        "Autres tags",
        "Non ventilé",
    ]
    fs = financial_statements(company=books, period=YEAR)
    assert_columns_add_up(statement, fs.income_statement)
    assert statement.amount("achats_matieres", OTHERS) == D("260.00")
    both = selectors.cumulated(statement, [str(t.pk) for t in chosen])
    assert [c.title for c in both.columns] == ["Tags choisis", "Autres tags", "Non ventilé"]
    assert both.row("ventes_marchandises").amounts[0] == D("750.00")
    assert_columns_add_up(both, fs.income_statement)


def test_analytic_journal_and_ledger_filtered_by_axis_and_tag(books, activity, tags):
    journal = selectors.analytic_journal(company=books, period=YEAR, axis=activity)
    assert [r.account for r in journal.page.items] == ["707", "601", "6061", "6411", "601"]
    over = journal.page.items[2]
    assert over.axis.in_error and over.axis.remainder == D("-16.66")
    boulangerie = selectors.analytic_journal(
        company=books, period=YEAR, axis=activity, tag=tags["Boulangerie"]
    )
    assert [r.account for r in boulangerie.page.items] == ["601", "6061", "601"]
    assert boulangerie.tag_total == D("293.33")  # 300 + 33,33 − 40
    untagged = selectors.analytic_journal(
        company=books, period=YEAR, axis=activity, lines=LineFilter.UNTAGGED
    )
    assert [r.account for r in untagged.page.items] == ["6411"]
    everything = selectors.analytic_journal(
        company=books, period=YEAR, axis=activity, lines=LineFilter.ALL, journal_code="AC"
    )
    assert everything.page.total_count == 6
    ledger = selectors.analytic_ledger(
        company=books, period=YEAR, axis=activity, tag=tags["Boulangerie"], account_prefix="60"
    )
    assert [(r.account, r.tag_amount(tags["Boulangerie"].pk)) for r in ledger.page.items] == [
        ("601", D("300.00")),
        ("601", D("40.00")),
        ("6061", D("33.33")),
    ]


def test_axes_count_their_use(books, activity, tags):
    [use] = selectors.axes(company=books)
    assert use.axis == activity
    assert {t.tag.name: t.lines for t in use.tags} == {
        "Boulangerie": 3,
        "Pâtisserie": 2,
        "Traiteur": 2,
    }
