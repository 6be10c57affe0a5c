"""camt reader: the public camt.052/053/054 files of genkgo/camt (checked against the `.json` parse
beside each one) and of OCA bank-statement-import (checked against its golden `.pydata`), and
tiny statements written here for what they lack (a balance break, a reversal, a batch that does
not add up, unsafe or broken XML)."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tenue.core import money
from tenue.core.bank import Statement
from tenue.core.problems import Severity, errors
from tenue.formats.camt import read_camt
from tests.conftest import SHARED_DATA

CAMT = SHARED_DATA / "bank" / "camt"
GENKGO = CAMT / "genkgo-camt"
OCA = CAMT / "oca-bank-statement-import" / "test_files"
D = Decimal


# -- genkgo/camt: its .json is the parse another project expects ------------------------------


@dataclass(frozen=True)
class ExpectedEntry:
    amount: Decimal  # signed
    currency: str
    booked: date | None
    value: date | None
    bank_id: str
    status: str
    end_to_end: str
    debtor: str
    creditor: str


def cents(money_json: dict[str, Any]) -> tuple[Decimal, str]:
    """genkgo writes amounts as signed cents: {"getAmount": "-700", "getCurrency": …}."""
    value = money.from_cents(int(money_json["getAmount"]))
    return value, money_json["getCurrency"]["getCode"]


def day(moment: dict[str, Any] | None) -> date | None:
    # genkgo writes UTC datetimes; no date in these files is near midnight, so the UTC day is
    # the day written in the XML.
    return date.fromisoformat(moment["0"][:10]) if moment else None


def party(detail: dict[str, Any] | None, kind: str) -> str:
    for related in (detail or {}).get("getRelatedParties") or []:
        role = related["getRelatedPartyType"]
        if role["__CLASS__"].endswith(f"\\{kind}"):
            return str(role.get("getName") or "")
    return ""


def genkgo(name: str) -> tuple[dict[str, list[ExpectedEntry]], dict[str, dict[str, Any]]]:
    """(entries by statement id, statement JSON by id) from genkgo's parse of `name`."""
    data = json.loads((GENKGO / name).with_suffix(".json").read_text())
    records = {r["getId"]: r for r in data["getRecords"] if isinstance(r, dict)}
    entries: dict[str, list[ExpectedEntry]] = {}
    for entry in data["getEntries"]:
        record = entry["getRecord"]
        if isinstance(record, dict):
            records.setdefault(record["getId"], record)
        [statement_id] = [record["getId"]] if isinstance(record, dict) else list(records)
        detail = entry.get("getTransactionDetail")
        amount, currency = cents(entry["getAmount"])
        entries.setdefault(statement_id, []).append(
            ExpectedEntry(
                amount=amount,
                currency=currency,
                booked=day(entry["getBookingDate"]),
                value=day(entry["getValueDate"]),
                bank_id=entry["getAccountServicerReference"] or "",
                status=entry["getStatus"],
                end_to_end=((detail or {}).get("getReference") or {}).get("getEndToEndId") or "",
                debtor=party(detail, "Debtor") or party(detail, "UltimateDebtor"),
                creditor=party(detail, "Creditor") or party(detail, "UltimateCreditor"),
            )
        )
    return entries, records


def by_id(statements: list[Statement]) -> dict[str, Statement]:
    return {s.statement_id: s for s in statements}


READ_GENKGO = [
    "camt052.v1.xml",
    "camt052.v2.xml",
    "camt052.v2.other-account.xml",
    "camt052.v4.xml",
    "camt052.v6.xml",
    "camt052.v8.xml",
    "camt053.v2.all-balance-types.xml",
    "camt053.v2.five.decimals.xml",
    "camt053.v2.minimal.xml",
    "camt053.v2.minimal.ultimate.xml",
    "camt053.v2.multi.statement.xml",
    "camt053.v3.xml",
    "camt053.v4.xml",
    "camt053.v8.xml",
    "camt53.only-Dt-with-DtTm.xml",
]


@pytest.mark.parametrize("name", READ_GENKGO)
def test_genkgo_files_give_the_entries_genkgo_reads(name):
    expected, records = genkgo(name)

    result = read_camt(GENKGO / name)

    statements = by_id(result.statements)
    assert set(records) <= set(statements)
    assert sum(len(v) for v in expected.values()) > 0 or name.startswith("camt53.only")
    for statement_id, entries in expected.items():
        statement = statements[statement_id]
        booked = [e for e in entries if e.status == "BOOK"]  # pending ones are not on the account
        assert len(statement.lines) == len(booked)
        for line, entry in zip(statement.lines, booked, strict=True):
            assert (line.amount, line.currency) == (entry.amount, entry.currency)
            assert (line.date, line.value_date) == (entry.booked, entry.value)
            assert line.bank_id == entry.bank_id
            # the other side than the account holder: debtor of money in, creditor of money out
            assert line.counterparty == (entry.debtor if line.amount > 0 else entry.creditor)
            if entry.end_to_end:
                assert line.reference == entry.end_to_end
        account = records[statement_id]["getAccount"]["getIdentification"]
        assert statement.account == account


@pytest.mark.parametrize("name", READ_GENKGO)
def test_genkgo_opening_and_closing_balances_in_the_account_currency(name):
    _, records = genkgo(name)

    statements = by_id(read_camt(GENKGO / name).statements)

    for statement_id, record in records.items():
        statement = statements[statement_id]
        balances = {}
        for balance in record.get("getBalances", []):
            amount, currency = cents(balance["getAmount"])
            # first of each type: OPBD comes before PRCD in these files
            if currency == statement.currency:
                balances.setdefault(balance["getType"], (amount, day(balance["getDate"])))
        assert (statement.opening_balance, statement.opening_date) == balances.get(
            "opening", (None, None)
        )
        assert (statement.closing_balance, statement.closing_date) == balances.get(
            "closing", (None, None)
        )


def test_multi_statement_file_gives_two_consistent_statements():
    result = read_camt(GENKGO / "camt053.v2.multi.statement.xml")

    assert result.format == "camt.053"
    assert result.problems == []
    first, second = result.statements
    assert [first.statement_id, second.statement_id] == [
        "253EURNL26VAYB8060476890",
        "254EURNL26VAYB8060476890",
    ]
    assert (first.opening_balance, first.movements, first.closing_balance) == (
        D("18.15"),
        D("8.85"),
        D("27.00"),
    )
    assert (second.opening_balance, second.movements, second.closing_balance) == (
        D("27.00"),
        D("-7.00"),  # DBIT
        D("20.00"),
    )
    assert (first.lines[0].label, second.lines[0].label) == (
        "Transaction Description 1",
        "Transaction Description 2",
    )
    assert second.lines[0].counterparty_iban == "NL56AGDH9619008421"


def test_extra_zero_decimals_are_exact_cents_and_the_break_is_reported():
    # 18.150 + 8.850 = 27.000, but the bank states 27.050: genkgo reads 2705 cents too.
    result = read_camt(GENKGO / "camt053.v2.five.decimals.xml")

    [statement] = result.statements
    assert (statement.opening_balance, statement.lines[0].amount, statement.closing_balance) == (
        D("18.15"),
        D("8.85"),
        D("27.05"),
    )
    [rupture] = result.problems
    assert rupture.field == "solde"
    assert "écart 0,05" in rupture.message
    assert rupture.source is not None and rupture.source.line == 25  # the <Stmt>


def test_a_balance_in_another_currency_is_not_compared():
    # CLBD in SEK on an EUR account (genkgo keeps it as -27.00 SEK)
    result = read_camt(GENKGO / "camt053.v2.minimal.xml")

    [statement] = result.statements
    assert statement.closing_balance is None
    [problem] = result.problems
    assert problem.severity is Severity.ERROR
    assert "SEK" in problem.message and "EUR" in problem.message
    assert problem.source is not None and problem.source.line == 54


def test_opening_and_previous_closing_balances_that_differ_keep_opbd_with_a_warning():
    result = read_camt(GENKGO / "camt053.v2.all-balance-types.xml")

    [statement] = result.statements
    assert statement.opening_balance == D("1.01")  # OPBD, not PRCD 2.02
    assert statement.closing_balance == D("4.04")  # CLBD, not CLAV, FWAV, ITBD…
    warning, rupture = result.problems
    assert warning.severity is Severity.WARNING and "PRCD" in warning.message
    assert rupture.field == "solde" and "écart -5,82" in rupture.message  # 1.01 + 8.85 ≠ 4.04


def test_pending_entries_are_left_out_with_a_note():
    expected, _ = genkgo("camt052.v4.xml")
    assert [e.status for entries in expected.values() for e in entries] == ["PDNG"]

    result = read_camt(GENKGO / "camt052.v4.xml")

    assert result.format == "camt.052"
    assert result.lines == 0
    assert any("PDNG" in note for note in result.notes)


def test_a_dttm_keeps_the_day_it_was_written_in():
    # <BookgDt><DtTm>2014-12-31T13:15:00+01:00</DtTm>, and nanoseconds in only-Dt-with-DtTm
    [line] = read_camt(GENKGO / "camt053.v8.xml").statements[0].lines
    [statement] = read_camt(GENKGO / "camt53.only-Dt-with-DtTm.xml").statements

    assert line.date == date(2014, 12, 31)
    assert (statement.opening_balance, statement.opening_date) == (D("5442.09"), date(2025, 7, 23))
    assert statement.currency == "RON"  # no Acct/Ccy: the balance's currency


def test_version_eight_reads_party_names_under_pty_and_the_domain_code():
    [line] = read_camt(GENKGO / "camt053.v8.xml").statements[0].lines

    assert line.counterparty == "NAME NAME"  # RltdPties/Dbtr/Pty/Nm
    assert line.operation_code == "PMNT-RCDT-BOOK"
    assert line.reference == "MUELL/FINP/RA12345"


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [
        ("camt053.v2.wrong.xml", None, "aucun relevé (Stmt)"),
        # no BookgDt nor ValDt: genkgo leaves them empty too, we cannot date the entry
        ("camt054.v2.with-account-name.xml", 17, "sans date"),
        ("camt054.v8-with-financial-institution.xml", 16, "sans date"),
    ],
)
def test_wrong_genkgo_files_are_refused_with_a_problem(name, line, words):
    result = read_camt(GENKGO / name)

    assert result.statements == []
    [problem] = result.problems
    assert problem.severity is Severity.ERROR
    assert words in problem.message
    assert problem.source is not None and (problem.source.name, problem.source.line) == (
        name,
        line,
    )


def test_genkgo_reads_no_date_in_the_refused_notifications():
    expected, _ = genkgo("camt054.v2.with-account-name.xml")

    [entry] = [e for entries in expected.values() for e in entries]

    assert (entry.booked, entry.value) == (None, None)


# -- OCA bank-statement-import: golden .pydata -----------------------------------------------


def golden(name: str) -> Any:
    return ast.literal_eval((OCA / name).read_text())


def exact(value: float) -> Decimal:
    """OCA's golden amounts are floats with at most two decimals: read back as cents."""
    return money.parse(f"{value:.2f}")


def test_oca_batch_of_two_transactions_becomes_two_lines_that_add_up():
    currency, account, [expected] = golden("golden-camt053-txdtls.pydata")

    result = read_camt(OCA / "test-camt053-txdtls")

    [statement] = result.statements
    assert (statement.currency, statement.account) == (currency, account)
    assert statement.statement_id == expected["name"]
    assert statement.opening_balance == exact(expected["balance_start"])
    assert statement.closing_balance == exact(expected["balance_end_real"])
    assert len(statement.lines) == len(expected["transactions"]) == 2
    for line, transaction in zip(statement.lines, expected["transactions"], strict=True):
        assert line.amount == exact(transaction["amount"])
        assert line.date == date.fromisoformat(transaction["date"])
        assert line.counterparty == transaction["partner_name"]
        assert line.counterparty_iban == transaction["account_number"]
        assert line.reference == transaction["ref"]  # the structured creditor reference
        assert line.label == transaction["payment_ref"]  # AddtlNtryInf: no Ustrd
        assert line.operation_code == transaction["transaction_type"]
    # one entry of 3 483.00 booked by the bank: the statement still balances
    assert statement.movements == D("3483.00")
    assert [line.bank_id for line in statement.lines] == [
        "20170323001234567891234567891234/1",
        "20170323001234567891234567891234/2",
    ]
    assert [line.source.line for line in statement.lines if line.source] == [79, 144]
    [warning] = result.problems  # no rupture; the account's IBAN has a wrong check digit
    assert warning.severity is Severity.WARNING and "CH1111000000123456789" in warning.message


def test_oca_camt054_notification():
    currency, account, [expected] = golden("golden-camt054.pydata")
    [transaction] = expected["transactions"]

    result = read_camt(OCA / "test-camt054")

    assert result.format == "camt.054"
    assert errors(result.problems) == []
    [statement] = result.statements
    assert (statement.currency, statement.account) == (currency, account)
    [line] = statement.lines
    assert line.amount == exact(transaction["amount"])
    assert line.date == date.fromisoformat(transaction["date"])
    assert (line.counterparty, line.counterparty_iban) == (
        transaction["partner_name"],
        transaction["account_number"],
    )
    assert line.reference == "ENDTOENDID-01"  # our choice: EndToEndId before the creditor ref
    assert line.bank_id == "98888208N8"
    # a notification states no balance (OCA writes 0.0 for "none")
    assert (statement.opening_balance, statement.closing_balance) == (None, None)


def test_oca_statement_without_entries_is_kept_with_its_balances():
    assert golden("golden-camt053-no-ntry.pydata") == (None, None, [])  # OCA skips it

    result = read_camt(OCA / "test-camt053-no-ntry")

    [statement] = result.statements
    assert statement.lines == ()
    assert statement.opening_balance == statement.closing_balance == D("1520.76")
    assert statement.bank_code == "ABNANL2A"
    assert errors(result.problems) == []


# -- tiny statements -------------------------------------------------------------------------


def balance(code: str, amount: str, day_text: str = "2024-01-31", sign: str = "CRDT") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amount}</Amt>"
        f"<CdtDbtInd>{sign}</CdtDbtInd><Dt><Dt>{day_text}</Dt></Dt></Bal>\n"
    )


def entry(
    amount: str,
    sign: str,
    *,
    details: str = "",
    reversal: bool = False,
    booked: str = "<Dt>2024-01-15</Dt>",
    info: str = "",
    ref: str = "REF1",
) -> str:
    reversal_tag = "<RvslInd>true</RvslInd>" if reversal else ""
    return (
        f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>{reversal_tag}"
        f"<Sts>BOOK</Sts><BookgDt>{booked}</BookgDt><ValDt><Dt>2024-01-16</Dt></ValDt>"
        f"<AcctSvcrRef>{ref}</AcctSvcrRef>"
        "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
        f"</BkTxCd>{f'<NtryDtls>{details}</NtryDtls>' if details else ''}"
        f"{f'<AddtlNtryInf>{info}</AddtlNtryInf>' if info else ''}</Ntry>\n"
    )


def transaction(
    amount: str | None = None,
    sign: str = "DBIT",
    *,
    debtor: tuple[str, str] = ("TENUE SAS", "FR7630001007941234567890185"),
    creditor: tuple[str, str] = ("FOURNISSEUR SARL", "FR7630006000011234567890189"),
    text: str = "",
    end_to_end: str = "NOTPROVIDED",
) -> str:
    amount_tags = f"<Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd>" if amount else ""
    return (
        f"<TxDtls><Refs><EndToEndId>{end_to_end}</EndToEndId></Refs>{amount_tags}<RltdPties>"
        f"<Dbtr><Nm>{debtor[0]}</Nm></Dbtr><DbtrAcct><Id><IBAN>{debtor[1]}</IBAN></Id></DbtrAcct>"
        f"<Cdtr><Nm>{creditor[0]}</Nm></Cdtr>"
        f"<CdtrAcct><Id><IBAN>{creditor[1]}</IBAN></Id></CdtrAcct></RltdPties>"
        f"{f'<RmtInf><Ustrd>{text}</Ustrd></RmtInf>' if text else ''}</TxDtls>"
    )


def camt053(
    tmp_path: Path,
    *entries: str,
    balances: str,
    namespace: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08",
    prolog: str = "",
) -> Path:
    path = tmp_path / "releve.xml"
    path.write_text(
        f"<?xml version='1.0' encoding='UTF-8'?>\n{prolog}"
        f"<Document xmlns='{namespace}'><BkToCstmrStmt>"
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2024-02-01T06:00:00+01:00</CreDtTm></GrpHdr>\n"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>FR76 3000 1007 9412 3456 7890 185</IBAN></Id>"
        "<Ccy>EUR</Ccy><Svcr><FinInstnId><BICFI>BNPAFRPPXXX</BICFI></FinInstnId></Svcr></Acct>\n"
        + balances
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>\n",
        encoding="utf-8",
    )
    return path


def test_tiny_statement_that_balances_has_no_problem(tmp_path):
    path = camt053(
        tmp_path,
        entry("20.00", "CRDT"),
        entry("5.00", "DBIT", ref="REF2"),
        balances=balance("OPBD", "100.00", "2024-01-01") + balance("CLBD", "115.00"),
    )

    result = read_camt(path)

    assert result.problems == []
    [statement] = result.statements
    assert statement.account == "FR7630001007941234567890185"
    assert statement.bank_code == "BNPAFRPPXXX"
    assert [line.amount for line in statement.lines] == [D("20.00"), D("-5.00")]
    assert statement.lines[0].operation_code == "PMNT-ICDT-ESCT"
    assert (statement.opening_date, statement.closing_date) == (date(2024, 1, 1), date(2024, 1, 31))


def test_a_deliberate_break_gives_the_rupture_problem(tmp_path):
    path = camt053(
        tmp_path,
        entry("20.00", "CRDT"),
        entry("5.00", "DBIT", ref="REF2"),
        balances=balance("OPBD", "100.00") + balance("CLBD", "120.00"),
    )

    result = read_camt(path)

    [statement] = result.statements  # a break is reported, the statement is still read
    [rupture] = result.problems
    assert rupture.severity is Severity.ERROR
    assert rupture.field == "solde"
    assert "FR7630001007941234567890185" in rupture.message
    assert "écart 5,00" in rupture.message
    assert statement.closing_balance == D("120.00")  # checked, never adjusted


def test_dbit_balances_are_negative(tmp_path):
    path = camt053(
        tmp_path,
        entry("30.00", "CRDT"),
        balances=balance("PRCD", "50.00", sign="DBIT") + balance("CLBD", "20.00", sign="DBIT"),
    )

    result = read_camt(path)

    [statement] = result.statements
    assert (statement.opening_balance, statement.closing_balance) == (D("-50.00"), D("-20.00"))
    assert result.problems == []  # -50 + 30 = -20


def test_a_reversal_keeps_the_sign_of_its_indicator(tmp_path):
    # We paid the supplier 30.00; the payment comes back: ISO 20022 reports the reversal CRDT.
    payment = transaction(text="Facture 42")
    path = camt053(
        tmp_path,
        entry("30.00", "DBIT", details=payment),
        entry("30.00", "CRDT", details=payment, reversal=True, ref="REF2"),
        balances=balance("OPBD", "100.00") + balance("CLBD", "100.00"),
    )

    result = read_camt(path)

    assert result.problems == []  # flipping the reversal would break the balance by 60.00
    paid, returned = result.statements[0].lines
    assert (paid.amount, returned.amount) == (D("-30.00"), D("30.00"))
    assert returned.label == "[Annulation] Facture 42"
    # the parties are the original payment's: the counterparty stays the supplier
    assert paid.counterparty == returned.counterparty == "FOURNISSEUR SARL"
    assert returned.counterparty_iban == "FR7630006000011234567890189"


def test_a_batch_that_does_not_add_up_stays_one_line_with_its_details(tmp_path):
    batch = transaction("60.00", text="Salaire A") + transaction("30.00", text="Salaire B")
    path = camt053(
        tmp_path,
        entry("100.00", "DBIT", details=batch, info="VIREMENTS GROUPES"),
        balances=balance("OPBD", "500.00") + balance("CLBD", "400.00"),
    )

    result = read_camt(path)

    assert result.problems == []
    [line] = result.statements[0].lines
    assert line.amount == D("-100.00")
    assert line.label.startswith("VIREMENTS GROUPES — FOURNISSEUR SARL Salaire A")
    assert "Salaire B" in line.label
    assert line.bank_id == "REF1"
    assert any("ne font pas le total" in note for note in result.notes)


def test_a_batch_that_adds_up_is_split_with_each_counterparty(tmp_path):
    batch = transaction("60.00", text="Salaire A", end_to_end="PAIE-A") + transaction(
        "40.00", creditor=("DUPONT JEAN", "FR7630004000031234567890143"), text="Salaire B"
    )
    path = camt053(
        tmp_path,
        entry("100.00", "DBIT", details=batch, info="VIREMENTS GROUPES"),
        balances=balance("OPBD", "500.00") + balance("CLBD", "400.00"),
    )

    result = read_camt(path)

    assert result.problems == []
    first, second = result.statements[0].lines
    assert (first.amount, second.amount) == (D("-60.00"), D("-40.00"))
    assert (first.label, first.reference) == ("Salaire A", "PAIE-A")
    assert second.reference == ""  # NOTPROVIDED is no reference
    assert (second.counterparty, second.counterparty_iban) == (
        "DUPONT JEAN",
        "FR7630004000031234567890143",
    )
    assert (first.bank_id, second.bank_id) == ("REF1/1", "REF1/2")


def test_a_foreign_payment_keeps_its_instructed_amount(tmp_path):
    details = (
        "<TxDtls><Refs><EndToEndId>US-1</EndToEndId></Refs><AmtDtls><InstdAmt>"
        "<Amt Ccy='USD'>110.00</Amt></InstdAmt></AmtDtls><RltdPties><Cdtr><Nm>ACME INC</Nm>"
        "</Cdtr></RltdPties></TxDtls>"
    )
    path = camt053(
        tmp_path,
        entry("101.37", "DBIT", details=details),
        balances=balance("OPBD", "200.00") + balance("CLBD", "98.63"),
    )

    result = read_camt(path)

    assert result.problems == []
    [line] = result.statements[0].lines
    assert (line.amount, line.currency) == (D("-101.37"), "EUR")
    assert (line.original_amount, line.original_currency) == (D("-110.00"), "USD")
    assert (line.counterparty, line.reference) == ("ACME INC", "US-1")


def test_an_entry_in_another_currency_than_the_account_is_a_problem(tmp_path):
    path = camt053(tmp_path, entry("12.00", "CRDT").replace("Ccy='EUR'", "Ccy='CHF'"), balances="")

    result = read_camt(path)

    [line] = result.statements[0].lines  # kept, in its own currency
    assert (line.amount, line.currency) == (D("12.00"), "CHF")
    [problem] = result.problems
    assert problem.field == "Ntry/Amt" and "CHF" in problem.message and "EUR" in problem.message


def test_an_amount_finer_than_the_cent_refuses_the_file(tmp_path):
    path = camt053(
        tmp_path,
        entry("20.005", "CRDT"),
        balances=balance("OPBD", "100.00") + balance("CLBD", "120.005"),
    )

    result = read_camt(path)

    assert result.statements == []
    assert [p.field for p in result.problems] == ["Amt", "Amt"]
    assert all("refusé plutôt qu'arrondi" in p.message for p in result.problems)
    assert {p.source.line for p in result.problems if p.source} == {5, 6}


@pytest.mark.parametrize(
    ("booked", "expected"),
    [
        ("<DtTm>2024-01-15T00:30:00+01:00</DtTm>", date(2024, 1, 15)),  # 14 January in UTC
        ("<Dt>2024-01-15</Dt>", date(2024, 1, 15)),
    ],
)
def test_booking_dates_are_read_as_written(tmp_path, booked, expected):
    path = camt053(tmp_path, entry("1.00", "CRDT", booked=booked), balances="")

    [line] = read_camt(path).statements[0].lines

    assert (line.date, line.value_date) == (expected, date(2024, 1, 16))


@pytest.mark.parametrize(
    ("booked", "words"),
    [("<Dt>2024-02-30</Dt>", "« 2024-02-30 »"), ("<Dt>15/01/2024</Dt>", "« 15/01/2024 »")],
)
def test_an_impossible_date_refuses_the_file(tmp_path, booked, words):
    path = camt053(tmp_path, entry("1.00", "CRDT", booked=booked), balances="")

    result = read_camt(path)

    assert result.statements == []
    [problem] = result.problems
    assert words in problem.message and problem.field == "BookgDt"


def test_any_namespace_or_none_reads_the_same(tmp_path):
    original = read_camt(GENKGO / "camt053.v2.multi.statement.xml")
    text = (GENKGO / "camt053.v2.multi.statement.xml").read_text()

    for namespace in ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.13", ""):
        changed = text.replace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", namespace)
        path = tmp_path / "autre.xml"
        path.write_text(changed.replace(' xmlns=""', ""), encoding="utf-8")
        assert read_camt(path, name=original.name).statements == original.statements


def test_a_dtd_is_refused(tmp_path):
    prolog = '<!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n'
    path = camt053(tmp_path, entry("1.00", "CRDT", info="&b;"), balances="", prolog=prolog)

    result = read_camt(path)

    assert result.statements == []
    [problem] = result.problems
    assert "DTD" in problem.message


def test_malformed_xml_is_refused_with_its_line(tmp_path):
    path = tmp_path / "coupe.xml"
    path.write_bytes((GENKGO / "camt053.v2.multi.statement.xml").read_bytes()[:700])

    result = read_camt(path)

    assert (result.format, result.statements) == ("camt", [])
    [problem] = result.problems
    assert "XML mal formé" in problem.message
    assert problem.source is not None and problem.source.line == 18


def test_an_ofx_file_is_not_a_camt_file():
    result = read_camt(SHARED_DATA / "bank" / "ofx" / "csingley-ofxtools" / "stmtrs_euro.ofx")

    assert result.statements == []
    [problem] = result.problems
    assert problem.severity is Severity.ERROR


def test_a_foreign_xml_document_is_named(tmp_path):
    path = tmp_path / "facture.xml"
    path.write_text("<?xml version='1.0'?>\n<Invoice xmlns='urn:x'><ID>1</ID></Invoice>\n")

    [problem] = read_camt(path).problems

    assert "<Invoice>" in problem.message


def iter_lines(statements: list[Statement]) -> Iterator[Any]:
    for statement in statements:
        yield from statement.lines


def test_every_line_read_keeps_its_file_and_line():
    for name in READ_GENKGO:
        result = read_camt(GENKGO / name)
        for line in iter_lines(result.statements):
            assert line.source is not None
            assert line.source.name == name
            assert isinstance(line.source.line, int) and line.source.line > 1
