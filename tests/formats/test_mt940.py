"""MT940 / MT942 reader on the mt-940 library's own test files (shared/data/bank/mt940/wolph-mt940:
expected figures from the .yml beside each .sta, or checked by hand where there is none), and on
small fixtures for what those files do not show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from tenue.core.bank import StatementFile
from tenue.core.problems import Severity, Source
from tenue.formats.mt940 import read_mt940
from tests.conftest import SHARED_DATA

WOLPH = SHARED_DATA / "bank" / "mt940" / "wolph-mt940"


def read(relative: str) -> StatementFile:
    return read_mt940(WOLPH / relative)


def write(tmp_path: Path, text: str, name: str = "releve.sta") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("\n", "\r\n"), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Real files.
# ---------------------------------------------------------------------------------------------


def test_rabobank_slash_structured_details() -> None:
    result = read("jejik/rabobank-iban.sta")
    assert result.format == "mt940"
    assert result.problems == []
    first, second = result.statements
    assert first.account == "NL71RABO0123456789"
    assert first.statement_id == "0"
    assert (first.opening_date, first.opening_balance) == (date(2013, 1, 1), Decimal("1000.00"))
    assert (first.closing_date, first.closing_balance) == (date(2013, 1, 8), Decimal("965.00"))
    assert (second.closing_date, second.closing_balance) == (date(2013, 1, 15), Decimal("930.00"))
    transfer, payment = first.lines
    assert (transfer.date, transfer.amount, transfer.currency) == (
        date(2013, 1, 1),
        Decimal("-25.00"),
        "EUR",
    )
    # /NAME/ is cut at 65 characters in the file ("CONTRA ACCOUN" + "T HOLDER").
    assert transfer.counterparty == "CONTRA ACCOUNT HOLDER"
    assert transfer.reference == "01-01-2013 12:00 0030000987654321"
    assert transfer.operation_code == "N102"
    assert transfer.source == Source("rabobank-iban.sta", 6)
    assert (payment.amount, payment.label, payment.counterparty) == (
        Decimal("-10.00"),
        "Reference 201301234",
        "JOHN DOE",
    )
    assert [line.date for line in second.lines] == [date(2013, 1, 8), date(2013, 1, 9)]


def test_cmxl_three_statements_german_structured_details_and_bic() -> None:
    result = read("cmxl/mt940.sta")
    assert result.problems == []
    dem, eur, pln = result.statements
    assert (dem.account, dem.currency, dem.statement_id) == ("45050050/76198810", "DEM", "27/01")
    assert (dem.opening_balance, dem.closing_balance) == (Decimal("84349.74"), Decimal("84437.04"))
    assert len(dem.lines) == 11
    assert [line.amount for line in dem.lines[:3]] == [
        Decimal("-6800.00"),
        Decimal("-620.30"),
        Decimal("18500.00"),
    ]
    assert dem.lines[0].label == "999PN5477SCHECK-NR. 0000016703074"
    assert dem.lines[0].reference == "16703074"
    rent, salary = eur.lines
    assert (rent.date, rent.value_date) == (date(2002, 11, 2), date(2002, 11, 1))
    assert (rent.amount, rent.label, rent.counterparty) == (
        Decimal("-800.00"),
        "Miete November",
        "MUELLER",
    )
    # "55555" is the bank reference of both lines: not an id, only a reference.
    assert (rent.bank_id, rent.reference) == ("", "55555")
    assert salary.amount == Decimal("3000.00")
    assert (pln.bank_code, pln.account, pln.statement_id) == (
        "BPHKPLPK",
        "320000546101",
        "00084/001",
    )
    assert (pln.opening_balance, pln.closing_balance) == (Decimal("40000.00"), Decimal("50040.00"))
    assert [line.bank_id for line in pln.lines] == [
        "8327000090031789",
        "8327000090031790",
        "8327000090031791",
    ]
    assert pln.lines[0].counterparty == "HUTA SZKLA TOPIC ULPRZEMYSLOWA 67 32-669 WROCLAW"
    assert pln.lines[2].label == "Odsetki od lokaty nr 101000022086"


def test_mbank_mt940_and_mt942_share_line_ids() -> None:
    statement_file = read("mBank/mt940.sta")
    interim_file = read("mBank/mt942.sta")
    assert statement_file.problems == [] and interim_file.problems == []
    (statement,) = statement_file.statements
    assert statement.account == "PL29114010810000267002001002"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("0.40"),
        Decimal("0.43"),
    )
    assert interim_file.format == "mt942"
    (interim,) = interim_file.statements
    assert interim.opening_balance is None and interim.closing_balance is None
    assert [line.amount for line in interim.lines] == [Decimal("0.01")] * 3
    assert [line.bank_id for line in interim.lines] == [line.bank_id for line in statement.lines]
    assert interim.lines[0].bank_id == "MB170119012058"
    assert any("MT942" in note for note in interim_file.notes)


def test_mt942_totals_that_disagree_with_the_lines() -> None:
    result = read("self-provided/mt942.sta")
    assert result.format == "mt942"
    (statement,) = result.statements
    (line,) = statement.lines
    assert (line.date, line.value_date, line.amount) == (
        date(2016, 10, 31),
        date(2016, 10, 30),
        Decimal("-0.42"),
    )
    assert line.label == "REMIT:Costs to MT940 Parsing. This is Somuchfun."
    (problem,) = result.problems
    assert problem.field == ":90D:"
    assert problem.source == Source("mt942.sta", 11)
    assert "0,42" in problem.message and "2,30" in problem.message


def test_balance_breaks_in_real_files_are_reported() -> None:
    details = read("self-provided/details_60-63.sta")
    (statement,) = details.statements
    assert statement.lines[0].counterparty == "Finanzamt Muenchen Abteilung Erhebung"
    assert statement.lines[0].reference == "123/123/12345-----L110"
    (problem,) = details.problems
    assert problem.field == "solde" and "écart 234,01" in problem.message
    knab = read("jejik/knab.sta")
    assert [p.source for p in knab.problems] == [Source("knab.sta", 10)]
    assert "écart 4 500,00" in knab.problems[0].message.replace("\u202f", " ")


def test_balance_without_currency_is_reported_and_not_used() -> None:
    result = read("self-provided/raphaelm.sta")
    assert [(p.source, p.field) for p in result.problems] == [
        (Source("raphaelm.sta", 27), ":62M:"),
        (Source("raphaelm.sta", 35), ":62F:"),
        (Source("raphaelm.sta", 47), ":62F:"),
    ]
    assert all(p.severity is Severity.ERROR for p in result.problems)
    first, second, third = result.statements
    assert first.closing_balance is None and first.opening_balance == Decimal("0.00")
    assert first.movements == Decimal("105000.00")
    assert second.opening_balance == Decimal("105000.00")  # :60M:
    assert third.account == "3346780111"
    assert (first.lines[0].date, first.lines[0].value_date) == (
        date(2002, 3, 20),
        date(2002, 3, 17),
    )


def test_value_date_of_30_february_is_noted() -> None:
    result = read("self-provided/transaction_details_wrapped.sta")
    assert result.problems == []
    (line,) = result.statements[0].lines
    assert (line.value_date, line.date, line.amount) == (
        date(2016, 2, 29),
        date(2016, 3, 1),
        Decimal("-6.00"),
    )
    assert line.label == "Pauschalen"
    assert any("30/02" in note for note in result.notes)


def test_asn_bank_long_customer_reference_and_swift_envelope() -> None:
    result = read("ASNB/mt940.txt")
    assert result.problems == []
    assert len(result.statements) == 31
    assert result.lines == 8
    first = result.statements[0]
    assert first.account == "NL81ASNB9999999999"
    assert (first.opening_balance, first.closing_balance) == (
        Decimal("444.29"),
        Decimal("379.29"),
    )
    (line,) = first.lines
    assert line.amount == Decimal("-65.00")
    assert line.label == "NL47INGB9999999999 hr gjlm paulissen Betaling sieraden"
    assert any("ASN Bank" in note for note in result.notes)
    assert result.statements[-1].closing_balance == Decimal("501.23")


def test_citi_zero_lines_and_usd() -> None:
    result = read("citi/mt940.txt")
    assert result.problems == []
    (statement,) = result.statements
    assert statement.currency == "USD"
    assert [line.amount for line in statement.lines] == [
        Decimal("-212.39"),
        Decimal("-369.28"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("-561.08"),
    ]
    assert statement.closing_balance == Decimal("16233.92")


def test_statement_without_20_25_or_balances() -> None:
    result = read("self-provided/sparkassen.sta")
    (statement,) = result.statements
    (line,) = statement.lines
    assert (line.amount, line.label) == (Decimal("30.00"), "Test")
    assert statement.account == ""
    assert sorted(p.message.split(" :")[0] for p in result.problems) == [
        "compte absent (:25:)",
        "devise inconnue",
    ]
    assert all(p.severity is Severity.WARNING for p in result.problems)


def test_files_without_a_statement() -> None:
    for relative in ("self-provided/invalid_statement.sta", "cmxl/reference.sta"):
        result = read(relative)
        assert result.statements == []
        assert [p.message for p in result.problems] == [
            "aucun relevé MT940 lisible dans le fichier"
        ]


def test_amounts_are_decimal_with_two_decimals_in_every_file() -> None:
    files = sorted(p for p in WOLPH.rglob("*") if p.suffix in (".sta", ".txt"))
    assert len(files) >= 25
    for path in files:
        for statement in read_mt940(path).statements:
            for line in statement.lines:
                assert type(line.amount) is Decimal
                assert line.amount.as_tuple().exponent == -2


# ---------------------------------------------------------------------------------------------
# Fixtures.
# ---------------------------------------------------------------------------------------------

HEADER = ":20:STMT1\n:25:FR7630001007941234567890185\n:28C:12/1\n"


def test_reversals_are_signed_like_what_they_reverse(tmp_path: Path) -> None:
    text = (
        HEADER
        + ":60F:C240114EUR1000,00\n"
        + ":61:2401150115RC100,00NTRFNONREF//BQ240115000001\n:86:ANNULATION VIREMENT\n"
        + ":61:2401150115RD40,00NDDTNONREF//BQ240115000002\n:86:REJET PRELEVEMENT\n"
        + ":62F:C240115EUR940,00\n"
    )
    result = read_mt940(write(tmp_path, text))
    assert result.problems == []
    (statement,) = result.statements
    assert statement.account == "FR7630001007941234567890185"
    assert statement.statement_id == "12/1"
    assert [line.amount for line in statement.lines] == [Decimal("-100.00"), Decimal("40.00")]
    assert statement.lines[0].bank_id == "BQ240115000001"
    assert statement.lines[0].reference == ""


def test_unreadable_statement_is_a_problem_and_the_next_one_is_read(tmp_path: Path) -> None:
    text = (
        HEADER
        + ":60F:C240114EUR10,00\n:61:NOT A STATEMENT LINE\n:62F:C240115EUR10,00\n"
        + ":20:STMT2\n:25:FR7630001007941234567890185\n:28C:13/1\n"
        + ":60F:C240115EUR10,00\n:61:2401160116D2,50NMSCNONREF\n:86:CB CAFE\n"
        + ":62F:C240116EUR7,50\n"
    )
    result = read_mt940(write(tmp_path, text))
    (problem,) = result.problems
    assert problem.field == ":61:"
    assert problem.source == Source("releve.sta", 5)
    assert "NOT A STATEMENT LINE" in problem.message
    (statement,) = result.statements
    assert statement.statement_id == "13/1"
    assert statement.lines[0].amount == Decimal("-2.50")
    assert statement.lines[0].source == Source("releve.sta", 11)


def test_impossible_date_names_its_tag(tmp_path: Path) -> None:
    text = HEADER + ":60F:C241314EUR10,00\n:62F:C241315EUR10,00\n"
    result = read_mt940(write(tmp_path, text))
    assert result.statements == []
    (problem,) = result.problems
    assert (problem.field, problem.source) == (":60F:", Source("releve.sta", 4))
    assert "C241314EUR10,00" in problem.message


def test_balance_with_more_than_two_decimals_is_refused(tmp_path: Path) -> None:
    text = HEADER + ":60F:C240114EUR10,005\n:62F:C240115EUR10,00\n"
    result = read_mt940(write(tmp_path, text))
    (problem,) = result.problems
    assert (problem.field, problem.source) == (":60F:", Source("releve.sta", 4))
    assert result.statements[0].opening_balance is None


def test_account_forms_of_25(tmp_path: Path) -> None:
    text = (
        ":20:A\n:25:BNPAFRPP/00012345678/EUR\n:60F:C240101EUR1,00\n:62F:C240102EUR1,00\n"
        + ":20:B\n:25:30004000031234567890143EUR\n:60F:C240101EUR2,00\n:62F:C240102EUR2,00\n"
        + ":20:C\n:25:FR76 3000 4000 0312 3456 7890 143\n:60F:C240101EUR3,00\n"
        + ":62F:C240102EUR3,00\n"
    )
    result = read_mt940(write(tmp_path, text))
    assert result.problems == []
    assert [(s.bank_code, s.account, s.statement_id) for s in result.statements] == [
        ("BNPAFRPP", "00012345678", "A"),
        ("", "30004000031234567890143", "B"),
        ("", "FR7630004000031234567890143", "C"),
    ]


def test_structured_86_with_counterparty_iban(tmp_path: Path) -> None:
    text = (
        HEADER
        + ":60F:C240114EUR0,00\n"
        + ":61:2401150115C250,00NTRFNONREF//BQ240115000009\n"
        + ":86:166?00GUTSCHRIFT?20EREF+FACT-2024-001?21SVWZ+Facture 2024-001\n"
        + "?31FR7630004000031234567890143?32DUPONT SARL\n"
        + ":61:2401150115D12,00NTRFNONREF\n"
        + ":86:/TRTP/SEPA OVERBOEKING/IBAN/FR7630001007941234567890185/BIC/BNPAFRPP\n"
        + "/NAME/MARTIN SA/REMI/Loyer janvier/EREF/LOY-01\n"
        + ":62F:C240115EUR238,00\n"
    )
    result = read_mt940(write(tmp_path, text))
    assert result.problems == []
    german, dutch = result.statements[0].lines
    assert german.counterparty == "DUPONT SARL"
    assert german.counterparty_iban == "FR7630004000031234567890143"
    assert german.reference == "FACT-2024-001"
    assert german.label == "Facture 2024-001"
    assert dutch.counterparty == "MARTIN SA"
    assert dutch.counterparty_iban == "FR7630001007941234567890185"
    assert (dutch.label, dutch.reference) == ("Loyer janvier", "LOY-01")


def test_windows_1252_labels(tmp_path: Path) -> None:
    text = HEADER + ":60F:C240114EUR5,00\n:61:240115D5,00NMSCNONREF\n:86:Prélèvement été\n"
    text += ":62F:C240115EUR0,00\n"
    path = tmp_path / "latin.sta"
    path.write_bytes(text.encode("cp1252"))
    result = read_mt940(path)
    assert result.statements[0].lines[0].label == "Prélèvement été"
    assert result.problems == []
