"""Analytic rules: conditions on account, third party, label and amount; the first rule of an
axis wins; a tag already given is never overridden; applied to new entries (booking) and to a
bank movement's entry, where they have the first say over what the bank would tag."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tenue.analytics import rules, services
from tenue.analytics.models import Split, SplitOrigin
from tenue.core.periods import Period
from tenue.core.problems import Refused

D = Decimal


def tagged(entry):  # type: ignore[no-untyped-def]
    return sorted(
        Split.objects.filter(line__entry=entry).values_list(
            "line__account__number", "tag__name", "percent", "amount", "origin"
        )
    )


def test_a_rule_splits_the_matching_lines_by_percentage(company, post, activity, tags):
    rules.rule_create(
        company=company,
        name="Farine",
        axis=activity,
        account_prefix="601",
        shares=[(tags["Boulangerie"], D("60")), (tags["Pâtisserie"], D("40"))],
    )
    entry = post("AC", "2025-03-01", ("601", "99.99", ""), ("401", "", "99.99"))
    rules.apply_to_entry(entry=entry)
    assert tagged(entry) == [
        ("601", "Boulangerie", D("60.00"), D("59.99"), SplitOrigin.RULE),
        ("601", "Pâtisserie", D("40.00"), D("40.00"), SplitOrigin.RULE),
    ]
    # applying again changes nothing
    assert rules.apply_to_entry(entry=entry) == []


def test_conditions_third_party_label_and_amount(company, post, supplier, activity, tags):
    rules.rule_create(
        company=company,
        name="Durand, petits montants, traiteur",
        axis=activity,
        third_party=supplier,
        label_contains="electricite",
        amount_max=D("500.00"),
        shares=[(tags["Traiteur"], D("100"))],
    )

    def purchase(amount: str, label: str, aux: str = "FDUR"):  # type: ignore[no-untyped-def]
        return post(
            "AC",
            "2025-03-01",
            ("6061", amount, ""),
            ("401", "", amount),
            aux={1: aux} if aux else None,
            label=label,
        )

    hit = purchase("120.00", "Durand — ÉLECTRICITÉ mars")
    too_big = purchase("600.00", "Durand — Électricité avril")
    other_label = purchase("120.00", "Durand — gaz")
    other_party = purchase("120.00", "Électricité", aux="")
    for entry in (hit, too_big, other_label, other_party):
        rules.apply_to_entry(entry=entry)
    assert [len(tagged(e)) for e in (hit, too_big, other_label, other_party)] == [1, 0, 0, 0]


def test_the_first_rule_of_an_axis_wins_and_a_given_tag_is_kept(company, post, activity, tags):
    site = services.axis_create(company=company, name="Site")
    market = services.tag_create(axis=site, name="Marché")
    rules.rule_create(
        company=company,
        name="Tout 60",
        axis=activity,
        account_prefix="60",
        shares=[(tags["Boulangerie"], D("100"))],
    )
    rules.rule_create(
        company=company,
        name="Farine",
        axis=activity,
        account_prefix="601",
        shares=[(tags["Pâtisserie"], D("100"))],
    )
    rules.rule_create(
        company=company,
        name="Marché",
        axis=site,
        label_contains="marché",
        shares=[(market, D("100"))],
    )
    entry = post(
        "AC",
        "2025-03-01",
        ("601", "10.00", ""),
        ("6061", "5.00", ""),
        ("401", "", "15.00"),
        label="Achats marché",
    )
    line = entry.lines.get(position=2)
    services.line_split_set(line=line, tag=tags["Traiteur"], amount=D("5.00"))
    rules.apply_to_entry(entry=entry)
    assert tagged(entry) == [
        ("601", "Boulangerie", D("100.00"), D("10.00"), SplitOrigin.RULE),
        ("601", "Marché", D("100.00"), D("10.00"), SplitOrigin.RULE),
        ("6061", "Marché", D("100.00"), D("5.00"), SplitOrigin.RULE),
        ("6061", "Traiteur", None, D("5.00"), SplitOrigin.MANUAL),
    ]


def test_a_rule_is_checked_when_written(company, activity, tags):
    with pytest.raises(Refused) as refused:
        rules.rule_create(
            company=company,
            name="",
            axis=activity,
            shares=[(tags["Boulangerie"], D("70")), (tags["Traiteur"], D("40"))],
            amount_min=D("10"),
            amount_max=D("5"),
        )
    messages = " | ".join(p.message for p in refused.value.problems)
    assert "nom de la règle requis" in messages
    assert "dépasserait 100 %" in messages
    assert "le montant minimum dépasse le maximum" in messages
    with pytest.raises(Refused, match="au moins une condition"):
        rules.rule_create(
            company=company, name="Rien", axis=activity, shares=[(tags["Traiteur"], D("100"))]
        )


def test_existing_entries_of_a_period_are_tagged_at_once(company, post, activity, tags):
    for day in ("2025-03-01", "2025-04-01", "2026-01-15"):
        if day.startswith("2026"):
            from tenue.ledger.services import fiscal_year_create

            fiscal_year_create(company=company, start=date(2026, 1, 1))
        post("VE", day, ("411", "12.00", ""), ("707", "", "10.00"), ("44571", "", "2.00"))
    rules.rule_create(
        company=company,
        name="Traiteur",
        axis=activity,
        account_prefix="707",
        shares=[(tags["Traiteur"], D("100"))],
    )
    given = rules.rules_apply(company=company, period=Period(date(2025, 1, 1), date(2025, 12, 31)))
    assert given == 2
    assert Split.objects.filter(tag=tags["Traiteur"]).count() == 2
    assert (
        rules.rules_apply(company=company, period=Period(date(2025, 1, 1), date(2025, 12, 31))) == 0
    )


def test_the_analytic_rule_beats_the_bank_rule_on_the_same_movement(
    company, tmp_path, activity, tags
):
    """The bank rule « EDF » books the movement on 6061 and would tag it Activité:Traiteur and
    Site:Boutique; the analytic rule « EDF » says Activité:Boulangerie. Activité goes to the
    analytic rule, Site (which it leaves free) to the bank rule."""
    from tenue.bank import rules as bank_rules
    from tenue.bank.models import BankTransaction
    from tenue.bank.services import statement_import
    from tests.bank.test_statement_import import MARCH, camt

    site = services.axis_create(company=company, name="Site")
    services.tag_create(axis=site, name="Boutique")
    rules.rule_create(
        company=company,
        name="EDF",
        axis=activity,
        label_contains="edf",
        shares=[(tags["Boulangerie"], D("100"))],
    )
    bank_rule = bank_rules.rule_create(
        company=company,
        name="EDF",
        conditions={"label_contains": "EDF"},
        actions={
            "account": "6061",
            "analytics": [
                {"axis": "Activité", "tag": "Traiteur"},
                {"axis": "Site", "tag": "Boutique"},
            ],
        },
    )
    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    tx = BankTransaction.objects.get(company=company, label__contains="EDF")
    assert tx.status == "explained"  # booked by the bank rule, tagged on the way
    bank_tags = [(t.axis, t.tag) for t in bank_rules.core_rule(bank_rule).actions.analytics]
    assert tagged(tx.entry) == [
        ("6061", "Boulangerie", D("100.00"), D("45.10"), SplitOrigin.RULE),
        ("6061", "Boutique", D("100.00"), D("45.10"), SplitOrigin.BANK_RULE),
    ]
    assert Split.objects.get(tag__name="Boulangerie").rule.name == "EDF"
    # applying again changes nothing
    assert rules.tag_bank_entry(entry=tx.entry, bank_tags=bank_tags) == []


def test_tags_given_to_a_waiting_movement_follow_it_when_explained(
    company, tmp_path, activity, tags
):
    from tenue.bank.models import BankTransaction
    from tenue.bank.services import statement_import, transaction_explain
    from tenue.core.entries import Line as CoreLine
    from tests.bank.test_statement_import import MARCH, camt

    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    tx = BankTransaction.objects.get(company=company, label__contains="AMAZON")
    # tagged from the bank screen while it waits: the tag sits on the waiting account's line
    services.transaction_tag(transaction_=tx, tag=tags["Pâtisserie"], percent=D("100"))
    assert tagged(tx.entry) == [("471", "Pâtisserie", D("100.00"), D("300.00"), SplitOrigin.MANUAL)]
    with services.splits_kept(entry=tx.entry):
        transaction_explain(
            transaction_=tx,
            lines=[CoreLine("6064", debit=D("300.00"), label=tx.label)],
            explanation="fournitures",
        )
    assert tagged(tx.entry) == [("6064", "Pâtisserie", None, D("300.00"), SplitOrigin.MANUAL)]
