"""OFX reader: the public OFX files of ofxtools, ofxparse and OCA (read, or refused with the right
problem and nothing half-read), and tiny French-bank fixtures for what those files lack (RIB,
CHARSET:1252, several statements, Paris-time dates)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.core.problems import Severity, errors
from tenue.formats.ofx import read_ofx
from tests.conftest import SHARED_DATA

OFX = SHARED_DATA / "bank" / "ofx"
D = Decimal

HEADER_V1 = (
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\n"
    "CHARSET:{charset}\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n"
)
SIGNON = (
    "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS>"
    "<DTSERVER>20240131120000<LANGUAGE>FRA</SONRS></SIGNONMSGSRSV1>\r\n"
)


def movement(
    fitid: str,
    amount: str,
    posted: str = "20240102",
    *,
    user: str = "",
    checknum: str = "",
    refnum: str = "",
    name: str = "",
    memo: str = "",
    currency: str = "",
    trntype: str = "DEBIT",
) -> str:
    """One STMTTRN, its elements in the order the OFX standard sets."""
    tags = [
        ("TRNTYPE", trntype),
        ("DTPOSTED", posted),
        ("DTUSER", user),
        ("TRNAMT", amount),
        ("FITID", fitid),
        ("CHECKNUM", checknum),
        ("REFNUM", refnum),
        ("NAME", name),
        ("MEMO", memo),
    ]
    return "<STMTTRN>" + "".join(f"<{t}>{v}" for t, v in tags if v) + currency + "</STMTTRN>\r\n"


def bank_statement(
    *movements: str,
    bank: str = "30001",
    branch: str = "00794",
    account: str = "1234567890185",
    balance: str = "1000.00",
) -> str:
    branch_tag = f"<BRANCHID>{branch}" if branch else ""
    return (
        "<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\r\n<STMTRS><CURDEF>EUR\r\n"
        f"<BANKACCTFROM><BANKID>{bank}{branch_tag}<ACCTID>{account}<ACCTTYPE>CHECKING"
        "</BANKACCTFROM>\r\n<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\r\n"
        + "".join(movements)
        + f"</BANKTRANLIST><LEDGERBAL><BALAMT>{balance}<DTASOF>20240131</LEDGERBAL>"
        "</STMTRS></STMTTRNRS>\r\n"
    )


def card_statement(*movements: str, card: str = "4970XXXXXXXX1234", balance: str) -> str:
    return (
        "<CCSTMTTRNRS><TRNUID>2<STATUS><CODE>0<SEVERITY>INFO</STATUS>\r\n"
        f"<CCSTMTRS><CURDEF>EUR<CCACCTFROM><ACCTID>{card}</CCACCTFROM>\r\n"
        "<BANKTRANLIST><DTSTART>20240101<DTEND>20240131\r\n"
        + "".join(movements)
        + f"</BANKTRANLIST><LEDGERBAL><BALAMT>{balance}<DTASOF>20240131</LEDGERBAL>"
        "</CCSTMTRS></CCSTMTTRNRS>\r\n"
    )


def ofx_file(
    tmp_path: Path,
    *statements: str,
    cards: tuple[str, ...] = (),
    charset: str = "1252",
    encoding: str = "cp1252",
) -> Path:
    """An OFX 1.02 file as a French bank writes it (CRLF, unclosed leaf tags, CHARSET:1252)."""
    body = "<OFX>\r\n" + SIGNON
    if statements:
        body += "<BANKMSGSRSV1>" + "".join(statements) + "</BANKMSGSRSV1>\r\n"
    if cards:
        body += "<CREDITCARDMSGSRSV1>" + "".join(cards) + "</CREDITCARDMSGSRSV1>\r\n"
    path = tmp_path / "releve.ofx"
    path.write_bytes((HEADER_V1.format(charset=charset) + body + "</OFX>\r\n").encode(encoding))
    return path


# -- real files ------------------------------------------------------------------------------


def test_credit_card_statement_is_read_with_its_signs():
    result = read_ofx(OFX / "jseutter-ofxparse" / "anzcc.ofx")

    assert errors(result.problems) == []
    assert result.format == "ofx"
    [statement] = result.statements
    assert statement.account == "1234123412341234"
    assert statement.currency == "AUD"
    assert statement.opening_balance is None  # OFX states no opening balance
    assert statement.opening_date == date(2017, 3, 11)  # DTSTART
    assert statement.closing_balance == D("-123.45")  # LEDGERBAL: what the card holder owes
    assert statement.closing_date == date(2017, 5, 10)
    [line] = statement.lines
    assert line.amount == D("-5.50")  # a card payment: money out
    assert line.date == date(2017, 5, 8)
    assert line.value_date == date(2017, 5, 8)  # DTUSER
    assert line.bank_id == "201705080001"
    assert line.label == "SOME MEMO"
    assert line.operation_code == "DEBIT"
    assert line.source is not None and line.source.line == 29
    assert statement.source is not None and statement.source.line == 21


def test_decimal_commas_check_numbers_and_user_dates_are_read():
    result = read_ofx(OFX / "csingley-ofxtools" / "stmtrs_euro.ofx")

    assert errors(result.problems) == []
    [statement] = result.statements
    assert (statement.account, statement.bank_code, statement.currency) == (
        "999988",
        "121099999",
        "USD",
    )
    assert any("999988" in note and "IBAN" in note for note in result.notes)
    cheque, withdrawal = statement.lines
    assert (cheque.amount, cheque.date, cheque.value_date) == (
        D("-200.00"),
        date(2005, 10, 4),
        None,
    )
    assert (cheque.reference, cheque.operation_code, cheque.bank_id) == ("1000", "CHECK", "00002")
    assert (withdrawal.amount, withdrawal.value_date) == (D("-300.00"), date(2005, 10, 20))
    assert withdrawal.operation_code == "ATM"
    assert statement.closing_balance == D("200.29")  # written "200,29"
    assert statement.closing_date == date(2005, 10, 29)
    assert [line.source.line for line in statement.lines if line.source] == [38, 45]


@pytest.mark.parametrize(
    ("folder", "file", "line"),
    [
        ("csingley-ofxtools", "invstmtrs.ofx", 28),
        ("jseutter-ofxparse", "fidelity-savings.ofx", 36),
        ("jseutter-ofxparse", "investment_401k.ofx", 36),
        ("jseutter-ofxparse", "td_ameritrade.ofx", 36),
        ("jseutter-ofxparse", "fidelity.ofx", 11),
        ("jseutter-ofxparse", "tiaacref.ofx", 11),
        ("jseutter-ofxparse", "vanguard401k.ofx", 11),
    ],
)
def test_investment_statements_are_refused_as_not_bank_statements(folder, file, line):
    result = read_ofx(OFX / folder / file)

    assert result.statements == []
    [problem] = result.problems
    assert problem.severity is Severity.ERROR
    assert problem.field == "INVSTMTRS"
    assert "pas un relevé bancaire" in problem.message
    assert problem.source is not None
    assert (problem.source.name, problem.source.line) == (file, line)


@pytest.mark.parametrize("file", ["signon_success.ofx", "account_listing_aggregation.ofx"])
def test_a_file_without_statement_says_so(file):
    result = read_ofx(OFX / "jseutter-ofxparse" / file)

    assert result.statements == []
    [problem] = errors(result.problems)
    assert "aucun relevé bancaire" in problem.message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # (line, field, words of the message) for each problem, in file order
        (
            "jseutter-ofxparse/checking.ofx",
            [(36, "BANKACCTFROM/BANKID", "« 5472369148 »")],  # OFX allows 9 characters
        ),
        (
            "jseutter-ofxparse/fail_nice/date_missing.ofx",
            [
                (33, "STMTTRN/DTPOSTED", "FITID 184997056"),
                (40, "STMTTRN/DTPOSTED", "DTPOSTED absent"),  # <DTPOSTED></DTPOSTED>
                (48, "STMTTRN/DTPOSTED", "« 20120231 » : date impossible"),
            ],
        ),
        (
            "jseutter-ofxparse/fail_nice/decimal_error.ofx",
            [(34, "STMTTRN/DTPOSTED", "« 201120000000 »")],
        ),
        (
            "jseutter-ofxparse/fail_nice/empty_balance.ofx",
            [(19, "LEDGERBAL/BALAMT", "BALAMT absent")],  # <BALAMT> </BALAMT>
        ),
        (
            "oca-bank-statement-import/test_ofx_file/test_ofx.ofx",
            [
                (21, "BANKTRANLIST", "<BANKTRANLIST> répété"),
                (86, "BANKTRANLIST/DTSTART", "DTSTART absent"),  # an empty card statement
            ],
        ),
        (
            "oca-bank-statement-import/test_ofx_file/test_ofx_iban.ofx",
            [(21, "BANKTRANLIST", "<BANKTRANLIST> répété"), (87, "BANKTRANLIST/DTSTART", "")],
        ),
        (
            "oca-bank-statement-import/test_ofx_file/test_ofx_wrong.ofx",
            [(27, None, "commentaire")],  # markup inside <!-- -->
        ),
    ],
)
def test_files_ofxtools_refuses_give_located_problems_and_nothing_half_read(path, expected):
    result = read_ofx(OFX / path)

    assert result.statements == []
    assert result.lines == 0
    found = [(p.source.line if p.source else None, p.field, p.message) for p in result.problems]
    assert [(line, field) for line, field, _ in found] == [(e[0], e[1]) for e in expected]
    for (_, _, message), (_, _, words) in zip(found, expected, strict=True):
        assert words in message
    assert all(p.source and p.source.name == Path(path).name for p in result.problems)


def test_a_body_without_header_is_read_with_a_note():
    result = read_ofx(OFX / "jseutter-ofxparse" / "fail_nice" / "decimal_error.ofx")

    assert "fichier OFX sans en-tête : corps lu directement" in result.notes


# -- French banks ----------------------------------------------------------------------------


def test_french_rib_with_its_key_becomes_the_iban_and_cp1252_labels_read(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(
            movement("F1", "-12,50", name="CB CAFÉ DE LA GARE", memo="Café réglé"),
            movement("F2", "1500.00", name="VIR SEPA SALAIRE", trntype="CREDIT"),
            balance="987,50",
        ),
    )

    result = read_ofx(path)

    assert errors(result.problems) == []
    [statement] = result.statements
    # 89 × 30001 + 15 × 794 + 3 × 12345678901 ≡ 12 (mod 97): key 97 − 12 = 85
    assert statement.account == "FR7630001007941234567890185"
    assert statement.bank_code == "30001"
    assert any("reconstitué" in note for note in result.notes)
    coffee, salary = statement.lines
    assert coffee.label == "CB CAFÉ DE LA GARE — Café réglé"
    assert (coffee.amount, salary.amount) == (D("-12.50"), D("1500.00"))
    assert statement.closing_balance == D("987.50")


@pytest.mark.parametrize(
    ("account", "kept", "words"),
    [
        ("12345678901", "12345678901", "RIB sans clé"),  # OCA's test_ofx_iban.ofx account
        ("1234567890186", "1234567890186", "clé RIB fausse"),
        ("000123", "000123", "ni un IBAN ni un numéro de compte RIB"),
    ],
)
def test_an_incomplete_or_wrong_rib_keeps_the_account_number_with_a_note(
    tmp_path, account, kept, words
):
    path = ofx_file(tmp_path, bank_statement(movement("F1", "-1.00"), account=account))

    result = read_ofx(path)

    [statement] = result.statements
    assert statement.account == kept
    assert any(words in note for note in result.notes)


def test_an_iban_given_as_account_id_is_kept_compact(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(movement("F1", "-1.00"), account="FR76 3000 1007 9412 3456 7890 185"),
    )

    [statement] = read_ofx(path).statements

    assert statement.account == "FR7630001007941234567890185"


def test_dates_are_the_bank_calendar_dates_never_moved_to_utc(tmp_path):
    # Midnight in Paris is 23:00 UTC the day before: ofxtools alone would date it 1 January.
    path = ofx_file(
        tmp_path,
        bank_statement(movement("F1", "-1.00", posted="20240102000000[+1:CET]", user="20240101")),
    )

    [line] = read_ofx(path).statements[0].lines

    assert (line.date, line.value_date) == (date(2024, 1, 2), date(2024, 1, 1))


def test_iso_8859_1_charset_is_honoured(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(movement("F1", "-3.00", name="PRÉLÈVEMENT ÉDF")),
        charset="ISO-8859-1",
        encoding="latin-1",
    )

    [line] = read_ofx(path).statements[0].lines

    assert line.label == "PRÉLÈVEMENT ÉDF"


def test_a_utf8_body_declared_1252_is_read_as_utf8_with_a_note(tmp_path):
    path = ofx_file(
        tmp_path, bank_statement(movement("F1", "-3.00", name="PRÉLÈVEMENT")), encoding="utf-8"
    )

    result = read_ofx(path)

    assert result.statements[0].lines[0].label == "PRÉLÈVEMENT"
    assert any("UTF-8" in note for note in result.notes)


def test_a_cp1252_body_declared_utf8_is_read_as_cp1252_with_a_note(tmp_path):
    path = ofx_file(
        tmp_path, bank_statement(movement("F1", "-3.00", name="CRÉDIT")), charset="NONE"
    )

    result = read_ofx(path)

    assert result.statements[0].lines[0].label == "CRÉDIT"
    assert any("lu en cp1252" in note for note in result.notes)


# -- statements and movements ----------------------------------------------------------------


def test_several_bank_and_card_statements_in_one_file(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(movement("A1", "-10.00"), movement("A2", "25.00"), balance="115.00"),
        bank_statement(movement("B1", "-7.00"), account="98765432101", balance="-7.00"),
        cards=(card_statement(movement("C1", "-42.00"), balance="-42.00"),),
    )

    result = read_ofx(path)

    assert errors(result.problems) == []
    first, second, card = result.statements
    assert first.account == "FR7630001007941234567890185"
    assert [line.amount for line in first.lines] == [D("-10.00"), D("25.00")]
    assert second.account == "98765432101"  # no RIB key: kept as the bank wrote it
    assert second.closing_balance == D("-7.00")
    assert (card.account, card.bank_code) == ("4970XXXXXXXX1234", "")
    assert [line.bank_id for line in card.lines] == ["C1"]
    assert result.lines == 4
    assert len({s.source.line for s in result.statements if s.source}) == 3


@pytest.mark.parametrize(
    ("name", "memo", "label"),
    [
        # checking.ofx: NAME is MEMO cut at 32 characters, MEMO alone says it all
        (
            "DIVIDEND EARNED FOR PERIOD OF 03",
            "DIVIDEND EARNED FOR PERIOD OF 03/01/2011",
            "DIVIDEND EARNED FOR PERIOD OF 03/01/2011",
        ),
        ("PRLV SEPA EDF", "Facture 12345", "PRLV SEPA EDF — Facture 12345"),
        ("CARTE 12/01", "", "CARTE 12/01"),
        ("", "Seulement le mémo", "Seulement le mémo"),
        ("MÊME TEXTE", "MÊME TEXTE", "MÊME TEXTE"),
    ],
)
def test_label_keeps_name_and_memo_without_repeating_them(tmp_path, name, memo, label):
    path = ofx_file(tmp_path, bank_statement(movement("F1", "-1.00", name=name, memo=memo)))

    [line] = read_ofx(path).statements[0].lines

    assert line.label == label


def test_references_payee_and_original_currency(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(
            movement("F1", "-50.00", name="CHEQUE", checknum="0001234"),
            movement("F2", "-80.00", name="VIR", refnum="REF-77"),
            movement(
                "F3",
                "-91.20",
                memo="Achat en dollars",
                currency="<ORIGCURRENCY><CURRATE>0.912<CURSYM>USD</ORIGCURRENCY>",
            ),
        ),
    )

    result = read_ofx(path)

    cheque, transfer, foreign = result.statements[0].lines
    assert (cheque.reference, transfer.reference) == ("0001234", "REF-77")
    assert (foreign.amount, foreign.currency) == (D("-91.20"), "EUR")  # TRNAMT is in CURDEF
    assert (foreign.original_currency, foreign.original_amount) == ("USD", None)
    assert any("ORIGCURRENCY" in note for note in result.notes)


def test_a_movement_stated_in_another_currency_refuses_the_file(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(
            movement("F1", "-100.00", currency="<CURRENCY><CURRATE>0.9<CURSYM>USD</CURRENCY>")
        ),
    )

    result = read_ofx(path)

    assert result.statements == []
    [problem] = result.problems
    assert problem.field == "STMTTRN/CURRENCY"
    assert "FITID F1" in problem.message and "USD" in problem.message


def test_an_amount_finer_than_the_cent_is_refused_not_rounded(tmp_path):
    path = ofx_file(
        tmp_path,
        bank_statement(movement("F1", "-12.500"), movement("F2", "-12.505"), balance="10.000"),
    )

    result = read_ofx(path)

    assert result.statements == []  # F1 (-12.500) alone is fine, but the file is read whole
    [problem] = result.problems
    assert "FITID F2" in problem.message and "-12.505" in problem.message
    assert problem.source is not None and problem.source.line == 18  # F2 is on the 18th line


def test_trailing_zero_decimals_are_exact_cents(tmp_path):
    path = ofx_file(tmp_path, bank_statement(movement("F1", "-12.500"), balance="10.000"))

    [statement] = read_ofx(path).statements

    assert statement.lines[0].amount == D("-12.50")
    assert statement.closing_balance == D("10.00")


def test_an_error_status_from_the_bank_is_a_problem(tmp_path):
    refusal = (
        "<STMTTRNRS><TRNUID>1<STATUS><CODE>2000<SEVERITY>ERROR"
        "<MESSAGE>Compte inconnu</STATUS></STMTTRNRS>\r\n"
    )
    path = ofx_file(tmp_path, refusal)

    result = read_ofx(path)

    assert result.statements == []
    messages = [p.message for p in errors(result.problems)]
    assert any("code 2000 : Compte inconnu" in m for m in messages)


def test_the_given_name_is_the_source_of_every_record(tmp_path):
    path = ofx_file(tmp_path, bank_statement(movement("F1", "-1.00")))

    result = read_ofx(path, name="relevé janvier.ofx")

    [statement] = result.statements
    assert result.name == "relevé janvier.ofx"
    assert statement.source is not None and statement.source.name == "relevé janvier.ofx"
    assert statement.lines[0].source is not None
    assert statement.lines[0].source.name == "relevé janvier.ofx"
