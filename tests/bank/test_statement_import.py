"""Bank accounts and statement imports: managed 512 accounts, all-or-nothing imports, no
movement twice, every movement booked on the waiting account until explained."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tenue.bank.models import BankAccount, BankTransaction, StatementImport, WaitingAccount
from tenue.bank.services import bank_account_create, settings_for, statement_import
from tenue.core.problems import Refused
from tenue.ledger.models import Entry, Line
from tests.conftest import make_entry

IBAN = "FR7630006000011234567890189"


def camt(
    tmp_path, name, entries, opening="1000.00", closing=None, iban=IBAN, closing_day="2025-03-31"
):
    """A small camt.053 statement: entries as (date, amount with sign, label, bank id)."""
    total = sum((Decimal(a) for _, a, _, _ in entries), Decimal(opening))
    closing = closing or f"{total:.2f}"
    ntries = "".join(
        f"""<Ntry><Amt Ccy="EUR">{abs(Decimal(amount)):.2f}</Amt>
        <CdtDbtInd>{"CRDT" if Decimal(amount) > 0 else "DBIT"}</CdtDbtInd><Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>
        {f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""}
        <NtryDtls><TxDtls><RmtInf><Ustrd>{label}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        for day, amount, label, ref in entries
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2025-04-01T08:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>2025-04-01T08:00:00</CreDtTm>
<Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{closing_day}</Dt></Dt></Bal>
{ntries}</Stmt></BkToCstmrStmt></Document>"""
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


MARCH = [
    ("2025-03-03", "-45.10", "PRLV EDF FACTURE 123", "B1"),
    ("2025-03-05", "1200.00", "VIR CLIENT DUPONT F2025-004", "B2"),
    ("2025-03-10", "-300.00", "CB AMAZON", "B3"),
]


def test_a_bank_account_gets_its_managed_account_and_journal(company):
    bank = bank_account_create(company=company, iban="FR76 3000 6000 0112 3456 7890 189")
    assert bank.iban == IBAN
    assert (bank.account.number, bank.account.managed) == ("512101", True)
    assert bank.journal.code == "BQ1" and bank.journal.kind == "bank"
    second = bank_account_create(company=company, iban="FR1420041010050500013M02606")
    assert (second.account.number, second.journal.code) == ("512102", "BQ2")
    with pytest.raises(Refused, match="IBAN invalide"):
        bank_account_create(company=company, iban="FR7630006000011234567890188")
    with pytest.raises(Refused, match="existe déjà"):
        bank_account_create(company=company, iban=IBAN)


def test_no_manual_entry_on_a_managed_account(company, post):
    bank = bank_account_create(company=company, iban=IBAN)
    with pytest.raises(Refused, match="alimenté par les relevés bancaires"):
        post("OD", "2025-03-01", (bank.account.number, "10.00", ""), ("471", "", "10.00"))
    assert not Entry.objects.filter(company=company).exists()


def test_a_statement_is_imported_and_each_movement_booked_on_the_waiting_account(company, tmp_path):
    result = statement_import(company=company, path=camt(tmp_path, "mars.xml", MARCH))
    assert (result.added, result.skipped, result.format) == (3, 0, "camt.053")
    assert result.accounts_created == [IBAN]  # the statement's IBAN made the bank account
    bank = BankAccount.objects.get(company=company)
    rows = list(BankTransaction.objects.filter(bank_account=bank).order_by("date"))
    assert [r.amount for r in rows] == [Decimal("-45.10"), Decimal("1200.00"), Decimal("-300.00")]
    for row in rows:
        lines = {
            x.account.number: (x.debit, x.credit) for x in Line.objects.filter(entry=row.entry)
        }
        money_in = row.amount > 0
        amount = abs(row.amount)
        assert lines["512101"] == ((amount, 0) if money_in else (0, amount))
        assert lines["471"] == ((0, amount) if money_in else (amount, 0))
        assert row.entry.journal.code == "BQ1" and row.status == "waiting"
        assert "mars.xml" in row.source
    imported = StatementImport.objects.get()
    assert (imported.opening_balance, imported.closing_balance) == (
        Decimal("1000.00"),
        Decimal("1854.90"),
    )


def test_overlapping_statements_bring_each_movement_once(company, tmp_path):
    statement_import(company=company, path=camt(tmp_path, "a.xml", MARCH[:2]))
    again = statement_import(company=company, path=camt(tmp_path, "a.xml", MARCH[:2]))
    assert (again.added, again.skipped) == (0, 2)
    wider = camt(tmp_path, "b.xml", MARCH, opening="1000.00")
    result = statement_import(company=company, path=wider)
    assert (result.added, result.skipped) == (1, 2)
    assert BankTransaction.objects.filter(company=company).count() == 3
    assert Entry.objects.filter(company=company).count() == 3


def test_twin_movements_without_bank_id_are_both_kept(company, tmp_path):
    twins = [
        ("2025-03-03", "-4.50", "CB BOULANGERIE", ""),
        ("2025-03-03", "-4.50", "CB BOULANGERIE", ""),
    ]
    result = statement_import(company=company, path=camt(tmp_path, "t.xml", twins))
    assert result.added == 2
    again = statement_import(company=company, path=camt(tmp_path, "t.xml", twins))
    assert (again.added, again.skipped) == (0, 2)


def test_a_balance_break_writes_nothing(company, tmp_path):
    broken = camt(tmp_path, "rupture.xml", MARCH, closing="1854.00")
    with pytest.raises(Refused, match="rupture de solde") as refused:
        statement_import(company=company, path=broken)
    assert "rupture.xml" in str(refused.value)
    assert not BankTransaction.objects.exists() and not BankAccount.objects.exists()
    assert not Entry.objects.filter(company=company).exists()


def test_a_movement_outside_the_fiscal_years_is_refused(company, tmp_path):
    late = camt(tmp_path, "late.xml", [("2027-01-04", "-10.00", "FRAIS", "X1")])
    with pytest.raises(Refused, match="aucun exercice du dossier ne couvre"):
        statement_import(company=company, path=late)
    assert not BankTransaction.objects.exists()


def test_waiting_third_parties_when_the_dossier_says_so(company, tmp_path):
    settings = settings_for(company)
    settings.waiting_account = WaitingAccount.THIRD_PARTIES
    settings.save()
    statement_import(company=company, path=camt(tmp_path, "m.xml", MARCH[:2]))
    sides = {
        (x.account.number, x.third_party.aux_number if x.third_party else "")
        for x in Line.objects.filter(company=company).exclude(account__number="512101")
    }
    assert sides == {("401", "401ATTENTE"), ("411", "411ATTENTE")}


def test_a_csv_without_account_needs_the_iban(company, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Date;Libellé;Débit;Crédit\n03/03/2025;PRLV EDF;45,10;\n05/03/2025;VIR CLIENT;;1 200,00\n",
        encoding="utf-8",
    )
    with pytest.raises(Refused, match="indiquez l'IBAN"):
        statement_import(company=company, path=path)
    result = statement_import(company=company, path=path, iban=IBAN)
    assert result.added == 2
    assert sorted(BankTransaction.objects.values_list("amount", flat=True)) == [
        Decimal("-45.10"),
        Decimal("1200.00"),
    ]


def test_an_entry_with_an_unknown_account_is_still_refused_as_before(company, post):
    bank_account_create(company=company, iban=IBAN)
    entry = make_entry("OD", "2025-03-01", ("6064", "10.00", ""), ("471", "", "10.00"))
    assert entry.lines[0].account == "6064"
    post("OD", "2025-03-01", ("6064", "10.00", ""), ("471", "", "10.00"))
    assert Entry.objects.filter(company=company).count() == 1


def test_a_transaction_explained_then_sent_back_to_waiting(company, tmp_path):
    from tenue.bank.services import transaction_explain, transaction_unexplain
    from tenue.core.entries import Line as CoreLine

    statement_import(company=company, path=camt(tmp_path, "m.xml", MARCH[:1]))
    tx = BankTransaction.objects.get()
    transaction_explain(
        transaction_=tx,
        lines=[CoreLine("6064", debit=Decimal("37.58")), CoreLine("44566", debit=Decimal("7.52"))],
        explanation="règle : EDF",
    )
    lines = {x.account.number: x.debit - x.credit for x in Line.objects.filter(entry=tx.entry)}
    assert lines == {
        "512101": Decimal("-45.10"),
        "6064": Decimal("37.58"),
        "44566": Decimal("7.52"),
    }
    assert (tx.status, tx.explanation) == ("explained", "règle : EDF")
    with pytest.raises(Refused, match="déséquilibr"):
        transaction_explain(
            transaction_=tx, lines=[CoreLine("6064", debit=Decimal("45.00"))], explanation="x"
        )
    transaction_unexplain(transaction_=tx)
    lines = {x.account.number: x.debit - x.credit for x in Line.objects.filter(entry=tx.entry)}
    assert lines == {"512101": Decimal("-45.10"), "471": Decimal("45.10")}
    assert tx.status == "waiting"
