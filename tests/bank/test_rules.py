"""Bank rules in a dossier: kept and ordered, applied to waiting transactions (at import too),
checked against the dossier, and suggested after the same manual correction three times."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenue.bank import rules
from tenue.bank.models import (
    BankCorrection,
    BankRule,
    BankTransaction,
    RuleSuggestion,
    SuggestionStatus,
)
from tenue.bank.services import statement_import, transaction_unexplain
from tenue.core.entries import Line as CoreLine
from tenue.core.problems import Refused
from tenue.ledger.models import FiscalYear, Line, ThirdPartyKind
from tenue.ledger.services import third_party_create
from tests.bank.test_statement_import import IBAN, MARCH, camt

EDF = {"label_contains": "EDF", "direction": "out"}
EDF_20 = {"account": "6061", "vat_rate": "20"}


def lines_of(tx: BankTransaction) -> dict[tuple[str, str], Decimal]:
    """The entry of a transaction as {(account, aux): debit - credit}."""
    tx.refresh_from_db()
    return {
        (x.account.number, x.third_party.aux_number if x.third_party else ""): x.debit - x.credit
        for x in Line.objects.filter(entry=tx.entry).select_related("account", "third_party")
    }


def imported(company, tmp_path, entries, name="m.xml", opening="1000.00"):
    statement_import(company=company, path=camt(tmp_path, name, entries, opening=opening))
    return {tx.label: tx for tx in BankTransaction.objects.filter(company=company)}


# -- applying -----------------------------------------------------------------------------------
def test_a_rule_books_ht_and_vat_exactly_and_the_transaction_is_explained(company, tmp_path):
    txs = imported(company, tmp_path, MARCH)
    rule = rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    applied = rules.rules_apply(company=company)
    edf = txs["PRLV EDF FACTURE 123"]
    assert [(tx.pk, why) for tx, why in applied.explained] == [(edf.pk, "règle « EDF »")]
    assert lines_of(edf) == {
        ("512101", ""): Decimal("-45.10"),
        ("6061", ""): Decimal("37.58"),
        ("44566", ""): Decimal("7.52"),
    }
    assert (edf.status, edf.explanation) == ("explained", "règle « EDF »")
    others = BankTransaction.objects.exclude(pk=edf.pk)
    assert {tx.status for tx in others} == {"waiting"}
    assert rule.position == 1
    assert rules.rules_apply(company=company).explained == []  # nothing left for it


def test_a_rule_with_a_third_party_books_its_collective_account_with_the_aux(
    company, supplier, tmp_path
):
    third_party_create(
        company=company, kind=ThirdPartyKind.CUSTOMER, aux_number="CDUPONT", name="Dupont"
    )
    txs = imported(company, tmp_path, MARCH)
    rules.rule_create(
        company=company,
        name="Dupont",
        conditions={"label_contains": "CLIENT DUPONT"},
        actions={"aux_number": "CDUPONT"},
    )
    rules.rule_create(
        company=company,
        name="Amazon",
        conditions={"label_contains": "AMAZON"},
        actions={"account": "401", "aux_number": supplier.aux_number},
    )
    rules.rules_apply(company=company)
    assert lines_of(txs["VIR CLIENT DUPONT F2025-004"]) == {
        ("512101", ""): Decimal("1200.00"),
        ("411", "CDUPONT"): Decimal("-1200.00"),
    }
    assert lines_of(txs["CB AMAZON"]) == {
        ("512101", ""): Decimal("-300.00"),
        ("401", "FDUR"): Decimal("300.00"),
    }


def test_the_first_active_rule_in_the_dossiers_order_wins(company, tmp_path):
    tx = imported(company, tmp_path, MARCH)["PRLV EDF FACTURE 123"]
    general = rules.rule_create(
        company=company,
        name="Prélèvements",
        conditions={"label_contains": "PRLV"},
        actions={"account": "6278"},
    )
    edf = rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)

    def winner() -> str:
        transaction_unexplain(transaction_=tx)
        rules.rules_apply(company=company)
        tx.refresh_from_db()
        return tx.explanation

    assert winner() == "règle « Prélèvements »"
    assert lines_of(tx)[("6278", "")] == Decimal("45.10")
    rules.rule_reorder(company=company, order=[edf.pk, general.pk])
    assert [(r.name, r.position) for r in rules.rules(company=company)] == [
        ("EDF", 1),
        ("Prélèvements", 2),
    ]
    assert winner() == "règle « EDF »"
    rules.rule_update(rule=edf, active=False)
    assert winner() == "règle « Prélèvements »"  # an inactive rule is skipped


def test_reordering_names_every_rule_once_and_deleting_renumbers(company):
    a = rules.rule_create(company=company, name="A", conditions=EDF, actions=EDF_20)
    b = rules.rule_create(company=company, name="B", conditions=EDF, actions=EDF_20)
    c = rules.rule_create(company=company, name="C", conditions=EDF, actions=EDF_20)
    with pytest.raises(Refused, match="chaque règle du dossier une fois"):
        rules.rule_reorder(company=company, order=[a.pk, b.pk])
    rules.rule_reorder(company=company, order=[c.pk, a.pk, b.pk])
    rules.rule_delete(rule=a)
    assert [(r.name, r.position) for r in rules.rules(company=company)] == [("C", 1), ("B", 2)]


def test_rules_are_checked_against_the_dossier(company, supplier):
    def refused(**kwargs) -> str:
        with pytest.raises(Refused) as exc:
            rules.rule_create(company=company, **{"name": "R", "conditions": EDF, **kwargs})
        return str(exc.value)

    assert "compte 6069 inconnu du dossier" in refused(actions={"account": "6069"})
    assert "compte auxiliaire FNOBODY inconnu" in refused(
        actions={"account": "401", "aux_number": "FNOBODY"}
    )
    assert "s'impute sur son compte collectif 401, pas sur 411" in refused(
        actions={"account": "411", "aux_number": "FDUR"}
    )
    assert "compte bancaire FR1420041010050500013M02606 inconnu" in refused(
        conditions={"label_contains": "X", "bank_account": "FR1420041010050500013M02606"},
        actions=EDF_20,
    )
    assert "expression régulière invalide" in refused(
        conditions={"label_regex": "EDF("}, actions=EDF_20
    )
    rules.rule_create(company=company, name="R", conditions=EDF, actions=EDF_20)
    assert "une règle « R » existe déjà" in refused(actions=EDF_20)
    assert BankRule.objects.filter(company=company).count() == 1


def test_a_rule_may_name_one_of_the_dossiers_bank_accounts_never_a_managed_account(
    company, tmp_path
):
    tx = imported(company, tmp_path, MARCH[:1])["PRLV EDF FACTURE 123"]
    with pytest.raises(Refused, match="compte bancaire géré"):
        rules.rule_create(company=company, name="R", conditions=EDF, actions={"account": "512101"})
    rules.rule_create(
        company=company, name="R", conditions={**EDF, "bank_account": IBAN}, actions=EDF_20
    )
    assert [t.pk for t, _ in rules.rules_apply(company=company).explained] == [tx.pk]


def test_preview_lists_the_waiting_transactions_a_rule_or_draft_would_catch(company, tmp_path):
    april = [
        ("2025-04-03", "-52.00", "PRLV EDF FACTURE 456", "B4"),
        ("2025-04-04", "12.00", "REMBT EDF", "B5"),
    ]
    imported(company, tmp_path, MARCH + april)
    draft = rules.rule_draft(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    caught = rules.rule_preview(rule_or_draft=draft, company=company)
    assert [tx.label for tx in caught] == ["PRLV EDF FACTURE 123", "PRLV EDF FACTURE 456"]
    assert not BankRule.objects.exists()  # a draft is not saved
    rules.transaction_book_manually(transaction=caught[0], account="6061", vat_rate="20")
    saved = rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    again = rules.rule_preview(rule_or_draft=saved, company=company)
    assert [tx.label for tx in again] == ["PRLV EDF FACTURE 456"]  # explained ones are not


def test_a_refused_booking_leaves_its_transaction_waiting_and_says_why(company, tmp_path):
    txs = imported(company, tmp_path, MARCH)
    rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    FiscalYear.objects.filter(company=company).update(status="closed")
    applied = rules.rules_apply(company=company)
    tx = txs["PRLV EDF FACTURE 123"]
    tx.refresh_from_db()
    assert applied.explained == [] and tx.status == "waiting"
    [(refused_tx, problems)] = applied.refused
    assert refused_tx.pk == tx.pk and "clôturé" in str(problems[0])
    assert lines_of(tx)[("471", "")] == Decimal("45.10")


def test_analytic_rules_have_the_first_say(company, tmp_path):
    txs = imported(company, tmp_path, MARCH)
    rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    edf = txs["PRLV EDF FACTURE 123"]
    seen = []

    def analytic(company_, waiting):
        seen.extend(tx.pk for tx in waiting)
        return {
            edf.pk: rules.Verdict(
                (CoreLine("6064", debit=Decimal("45.10")),), "règle analytique « Site Lyon »"
            )
        }

    applied = rules.rules_apply(company=company, first_say=[analytic])
    assert sorted(seen) == sorted(tx.pk for tx in txs.values())
    assert [why for _, why in applied.explained] == ["règle analytique « Site Lyon »"]
    assert lines_of(edf)[("6064", "")] == Decimal("45.10")


def test_the_registry_gives_registered_hooks_the_first_say(company, tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "_first_say", [])
    txs = imported(company, tmp_path, MARCH[:1])
    edf = txs["PRLV EDF FACTURE 123"]
    hook = lambda company_, waiting: {  # noqa: E731
        tx.pk: rules.Verdict((CoreLine("6064", debit=abs(tx.amount)),), "analytique")
        for tx in waiting
    }
    rules.first_say_register(hook)
    rules.first_say_register(hook)
    assert rules.first_say_hooks() == (hook,)
    rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    rules.rules_apply(company=company)
    edf.refresh_from_db()
    assert edf.explanation == "analytique"


# -- at import ----------------------------------------------------------------------------------
def test_rules_explain_new_transactions_at_import(company, tmp_path):
    rules.rule_create(company=company, name="EDF", conditions=EDF, actions=EDF_20)
    result = statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    assert "1 mouvement(s) expliqué(s) par les règles" in result.text()
    tx = BankTransaction.objects.get(label="PRLV EDF FACTURE 123")
    assert tx.explanation == "règle « EDF »"
    assert lines_of(tx)[("44566", "")] == Decimal("7.52")
    assert BankTransaction.objects.filter(status="waiting").count() == 2


# -- by hand, and the suggestions it brings -----------------------------------------------------
CARREFOUR = [
    ("2025-03-03", "-45.10", "CB CARREFOUR 02/03 CARTE 4974XXXX1234", "C1"),
    ("2025-03-10", "-12.30", "CB CARREFOUR 09/03 CARTE 4974XXXX1234", "C2"),
    ("2025-03-17", "-88.00", "CB CARREFOUR 16/03 CARTE 4974XXXX1234", "C3"),
    ("2025-03-24", "-23.45", "CB CARREFOUR 23/03 CARTE 4974XXXX1234", "C4"),
]


def book(tx: BankTransaction, account="6064", vat_rate="20"):
    return rules.transaction_book_manually(
        transaction=tx, account=account, vat_rate=vat_rate, aux="", label=""
    )


def carrefour(company, tmp_path) -> list[BankTransaction]:
    imported(company, tmp_path, CARREFOUR)
    return list(BankTransaction.objects.filter(company=company).order_by("date"))


def test_booking_by_hand_explains_the_transaction_and_records_the_correction(company, tmp_path):
    first = carrefour(company, tmp_path)[0]
    booked = book(first)
    assert booked.suggestion is None
    assert lines_of(first) == {
        ("512101", ""): Decimal("-45.10"),
        ("6064", ""): Decimal("37.58"),
        ("44566", ""): Decimal("7.52"),
    }
    assert (first.status, first.explanation) == ("explained", "imputation manuelle")
    correction = BankCorrection.objects.get(transaction=first)
    assert (correction.label_key, correction.direction, correction.account) == (
        "CB CARREFOUR CARTE",
        "out",
        "6064",
    )
    assert correction.vat_rate == Decimal("20")


def test_the_third_identical_correction_brings_a_suggestion_not_the_second(company, tmp_path):
    txs = carrefour(company, tmp_path)
    assert book(txs[0]).suggestion is None
    assert book(txs[0]).suggestion is None  # the same transaction again counts once
    assert book(txs[1]).suggestion is None
    assert not RuleSuggestion.objects.exists()
    suggestion = book(txs[2]).suggestion
    assert suggestion is not None
    assert (suggestion.name, suggestion.status) == ("CARREFOUR", "proposed")
    assert suggestion.conditions == {"label_contains": "CB CARREFOUR CARTE", "direction": "out"}
    assert suggestion.actions == {"account": "6064", "vat_rate": "20"}
    assert suggestion.examples == [tx.label for tx in txs[:3]]
    assert rules.suggestions(company=company) == [suggestion]
    assert book(txs[3]).suggestion is None  # once per correction
    assert RuleSuggestion.objects.count() == 1


def test_different_corrections_do_not_add_up(company, tmp_path):
    txs = carrefour(company, tmp_path)
    book(txs[0])
    book(txs[1])
    assert book(txs[2], vat_rate="5.5").suggestion is None
    assert book(txs[3], account="6063").suggestion is None
    assert not RuleSuggestion.objects.exists()


def test_an_accepted_suggestion_catches_the_next_statements_line_at_import(company, tmp_path):
    txs = carrefour(company, tmp_path)
    for tx in txs[:3]:
        suggestion = book(tx).suggestion
    assert suggestion is not None
    rule = rules.suggestion_accept(suggestion=suggestion)
    assert (rule.name, rule.position, rule.active) == ("CARREFOUR", 1, True)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.rule_id) == ("accepted", rule.pk)
    assert rules.suggestions(company=company) == []
    with pytest.raises(Refused, match="déjà acceptée"):
        rules.suggestion_dismiss(suggestion=suggestion)

    april = [("2025-04-07", "-61.20", "CB CARREFOUR 05/04 CARTE 4974XXXX1234", "C9")]
    result = statement_import(
        company=company, path=camt(tmp_path, "avril.xml", april, opening="780.85")
    )
    assert "1 mouvement(s) expliqué(s) par les règles" in result.text()
    new = BankTransaction.objects.get(key="id:C9")
    assert new.explanation == "règle « CARREFOUR »"
    assert lines_of(new) == {
        ("512101", ""): Decimal("-61.20"),
        ("6064", ""): Decimal("51.00"),
        ("44566", ""): Decimal("10.20"),
    }
    assert BankTransaction.objects.get(key="id:C4").status == "waiting"  # not re-run on old ones


def test_a_dismissed_suggestion_does_not_come_back(company, tmp_path):
    txs = carrefour(company, tmp_path)
    for tx in txs[:3]:
        suggestion = book(tx).suggestion
    assert suggestion is not None
    rules.suggestion_dismiss(suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DISMISSED and suggestion.decided_at
    assert rules.suggestions(company=company) == []
    assert book(txs[3]).suggestion is None
    assert not BankRule.objects.exists()


def test_no_suggestion_when_an_active_rule_already_books_it_so(company, tmp_path):
    txs = carrefour(company, tmp_path)
    rules.rule_create(
        company=company,
        name="Carrefour",
        conditions={"label_contains": "CARREFOUR"},
        actions={"account": "6064", "vat_rate": "20"},
    )
    for tx in txs[:3]:
        assert book(tx).suggestion is None


def test_no_suggestion_from_operation_words_alone(company, tmp_path):
    cards = [
        ("2025-03-03", "-10.00", "CB 02/03 4974XXXX1234", "D1"),
        ("2025-03-04", "-11.00", "CB 03/03 4974XXXX1234", "D2"),
        ("2025-03-05", "-12.00", "CB 04/03 4974XXXX1234", "D3"),
    ]
    imported(company, tmp_path, cards)
    results = [book(tx) for tx in BankTransaction.objects.order_by("date")]
    assert [r.suggestion for r in results] == [None, None, None]
    assert BankCorrection.objects.filter(label_key="CB").count() == 3


def test_a_stored_rule_that_no_longer_passes_is_skipped_not_fatal_at_import(company, tmp_path):
    broken = rules.rule_create(company=company, name="Ancienne", conditions=EDF, actions=EDF_20)
    BankRule.objects.filter(pk=broken.pk).update(actions={"account": "6061", "vat_rate": "19.6"})
    rules.rule_create(
        company=company, name="EDF 5,5", conditions=EDF, actions={**EDF_20, "vat_rate": "5.5"}
    )
    result = statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    assert "règle « Ancienne » ignorée : taux de TVA 19.6 % inconnu" in result.text()
    tx = BankTransaction.objects.get(label="PRLV EDF FACTURE 123")
    assert tx.explanation == "règle « EDF 5,5 »"
    assert lines_of(tx)[("44566", "")] == Decimal("2.35")  # 45,10 - round(45,10 / 1,055)
