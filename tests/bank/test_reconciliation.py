"""Reconciliation statements: ledger balance + items = bank balance, to the cent, on hand-made
cases (a cheque issued and not cashed, a bank fee not booked yet); a gap is said and kept;
saved statements keep their items and print to PDF."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from tenue.bank.models import BankAccount, BankReconciliation, BankTransaction, StatementImport
from tenue.bank.reconciliation import (
    Item,
    ItemKind,
    manual_items_parse,
    reconciliation_compute,
    reconciliation_pdf,
    reconciliation_save,
    report_of,
)
from tenue.bank.services import bank_account_create, statement_import
from tenue.cli.main import main
from tenue.core.problems import Refused
from tenue.ledger.services import bank_entries_post
from tests.bank.test_statement_import import IBAN, MARCH, camt
from tests.conftest import make_entry

END_OF_MARCH = date(2025, 3, 31)


@pytest.fixture
def bank(company, supplier, tmp_path):
    """March imported from a statement opening at zero and closing at 854,90 on 31/03/2025,
    and a cheque of 500,00 to Durand issued on 28/03 and booked, not cashed yet."""
    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH, opening="0.00"))
    account = BankAccount.objects.get(company=company)
    cheque = make_entry(
        "BQ1",
        "2025-03-28",
        ("401", "500.00", ""),
        ("512101", "", "500.00"),
        label="Chèque n° 1234 Durand",
        aux={0: "FDUR"},
    )
    bank_entries_post(company=company, entries=[cheque])
    return account


def test_a_cheque_not_cashed_and_a_fee_not_booked_reconcile_to_the_cent(bank):
    fee = Item(ItemKind.MANUAL, None, "Frais bancaires du 31/03 non comptabilisés", Decimal("-12"))
    report = reconciliation_compute(
        bank_account=bank,
        day=END_OF_MARCH,
        bank_balance=Decimal("842.90"),
        manual_items=[fee],
    )
    # 854,90 of movements less the cheque; the bank has not paid the cheque and has taken a fee
    assert report.ledger_balance == Decimal("354.90")
    assert [(i.kind, i.amount, i.label) for i in report.items] == [
        (ItemKind.BOOK_ONLY, Decimal("500.00"), "Chèque n° 1234 Durand"),
        (ItemKind.MANUAL, Decimal("-12"), "Frais bancaires du 31/03 non comptabilisés"),
    ]
    assert report.items[0].reference == "BQ1 n° 4"  # after the three movements of March
    assert report.ledger_balance + report.items_total == report.bank_balance == Decimal("842.90")
    assert report.gap == Decimal("0.00") and report.balanced


def test_the_bank_balance_comes_from_the_last_statement_and_unbooked_bank_lines_are_items(bank):
    statement = StatementImport.objects.get(bank_account=bank)
    assert (statement.closing_date, statement.closing_balance) == (END_OF_MARCH, Decimal("854.90"))
    # the bank shows a fee that the books do not have yet: a transaction with no entry
    BankTransaction.objects.create(
        company=bank.company,
        bank_account=bank,
        statement=statement,
        key="h:frais-mars",
        date=END_OF_MARCH,
        amount=Decimal("-12.00"),
        label="FRAIS TENUE DE COMPTE",
    )
    statement.closing_balance = Decimal("842.90")
    statement.save(update_fields=["closing_balance"])
    report = reconciliation_compute(bank_account=bank, day=date(2025, 4, 10))
    assert (report.bank_balance, report.statement_date, report.statement) == (
        Decimal("842.90"),
        END_OF_MARCH,
        statement,
    )
    assert sorted((i.kind, i.amount) for i in report.items) == [
        (ItemKind.BANK_ONLY, Decimal("-12.00")),
        (ItemKind.BOOK_ONLY, Decimal("500.00")),
    ]
    assert report.ledger_balance == Decimal("354.90") and report.balanced


def test_a_gap_is_computed_to_the_cent_and_saved_as_such(bank):
    report = reconciliation_compute(
        bank_account=bank, day=END_OF_MARCH, bank_balance=Decimal("850.00")
    )
    assert report.explained_balance == Decimal("854.90")
    assert report.gap == Decimal("-4.90") and not report.balanced
    saved = reconciliation_save(report=report)
    saved.refresh_from_db()
    assert (saved.status, saved.gap, saved.items_total) == (
        "gap",
        Decimal("-4.90"),
        Decimal("500.00"),
    )
    assert saved.bank_balance_source == "user" and saved.statement_date == END_OF_MARCH


def test_a_saved_statement_keeps_its_items_and_prints_to_pdf(bank, tmp_path):
    report = reconciliation_compute(bank_account=bank, day=END_OF_MARCH)
    assert report.balanced and report.bank_balance_source == "statement"
    saved = reconciliation_save(report=report)
    # the books move on: a later import changes nothing in the saved statement
    statement_import(
        company=bank.company,
        path=camt(tmp_path, "autre.xml", [("2025-03-30", "-7.00", "CB PEAGE", "B9")]),
    )
    again = report_of(BankReconciliation.objects.get(pk=saved.pk))
    assert again.items == report.items and again.gap == Decimal("0.00")
    assert saved.items == [
        {
            "kind": "book_only",
            "date": "2025-03-28",
            "label": "Chèque n° 1234 Durand",
            "amount": "500.00",
            "reference": report.items[0].reference,
        }
    ]
    pdf = reconciliation_pdf(saved=saved)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000


def test_opening_balances_of_the_first_year_are_already_on_the_bank_side(company, tmp_path):
    statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH, opening="1000.00"))
    bank = BankAccount.objects.get(company=company)
    report = reconciliation_compute(bank_account=bank, day=END_OF_MARCH)
    assert (report.ledger_balance, report.bank_balance, report.gap) == (
        Decimal("854.90"),
        Decimal("1854.90"),
        Decimal("1000.00"),
    )
    opening = make_entry("AN", "2025-01-01", ("512101", "1000.00", ""), ("101", "", "1000.00"))
    bank_entries_post(company=company, entries=[opening])
    report = reconciliation_compute(bank_account=bank, day=END_OF_MARCH)
    assert report.ledger_balance == Decimal("1854.90") and report.items == ()
    assert report.balanced


def test_no_statement_and_no_balance_given_is_refused(company):
    bank = bank_account_create(company=company, iban=IBAN)
    with pytest.raises(Refused, match="aucun relevé importé"):
        reconciliation_compute(bank_account=bank, day=END_OF_MARCH)


def test_manual_items_are_read_in_french_and_bad_amounts_refused():
    items = manual_items_parse([("Frais", "-1 234,56"), ("", ""), ("Remise", "10.00")])
    assert [(i.label, i.amount) for i in items] == [
        ("Frais", Decimal("-1234.56")),
        ("Remise", Decimal("10.00")),
    ]
    with pytest.raises(Refused, match="suspens 2 : montant illisible"):
        manual_items_parse([("Frais", "12,00"), ("Agios", "douze")])
    with pytest.raises(Refused, match="montant nul"):
        manual_items_parse([("Rien", "0,00")])


def test_cli_reconcile_in_json_says_the_gap_and_saves(bank, capsys):
    args = ["bank", "reconcile", "--dossier", bank.company.slug, "--account", IBAN]
    assert main([*args, "--date", "2025-03-31", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["ledger_balance"], out["bank_balance"], out["gap"], out["balanced"]) == (
        "354.90",
        "854.90",
        "0.00",
        True,
    )
    assert [i["amount"] for i in out["items"]] == ["500.00"] and out["saved"] is None
    code = main([*args, "--date", "2025-03-31", "--bank-balance", "850,00", "--save"])
    assert code == 1
    text = capsys.readouterr().out
    assert "Écart inexpliqué : -4,90" in text and "État enregistré" in text
    assert BankReconciliation.objects.get().gap == Decimal("-4.90")
