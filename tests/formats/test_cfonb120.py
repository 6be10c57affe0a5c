"""CFONB 120 reader: the public files under shared/data/bank/cfonb120 (expected figures checked by
hand: opening + movements = closing), and fixtures laid out field by field from SPECS §4.1."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from schwifty import IBAN

from tenue.core.problems import Severity, Source
from tenue.formats.cfonb120 import RECORD_LENGTH, read_cfonb120
from tests.conftest import SHARED_DATA

CFONB = SHARED_DATA / "bank" / "cfonb120"
ONE_LINE = CFONB / "oca-l10n-france" / "test_cfonb_one_line.txt"
NON_STRICT = CFONB / "silarhi-cfonb-parser" / "non-strict-test.txt"
OTHER_FILE = CFONB / "oca-l10n-france" / "test_cfonb_other_file.txt"

BANK, BRANCH, ACCOUNT = "30004", "00003", "00012345678"
# RIB key = 97 - ((89 × bank + 15 × branch + 3 × account) mod 97), SPECS §7.
RIB_KEY = 97 - ((89 * int(BANK) + 15 * int(BRANCH) + 3 * int(ACCOUNT)) % 97)
POSITIVE_LAST = "{ABCDEFGHI"
NEGATIVE_LAST = "}JKLMNOPQR"


def signed(amount: str, decimals: int = 2) -> str:
    """An amount in the CFONB form: 14 characters, the last one carrying digit and sign."""
    value = Decimal(amount)
    digits = f"{int(abs(value).scaleb(decimals)):014d}"
    table = NEGATIVE_LAST if value < 0 else POSITIVE_LAST
    return digits[:-1] + table[int(digits[-1])]


def record(code: str, **fields: str) -> str:
    """A 120-character record; `fields` by name, placed at their 1-based CFONB positions."""
    layout = {
        "bank": (3, BANK),
        "internal": (8, "    "),
        "branch": (12, BRANCH),
        "currency": (17, "EUR"),
        "decimals": (20, "2"),
        "account": (22, ACCOUNT),
        "operation": (33, "  "),
        "date": (35, "010324"),
        "value_date": (43, "      "),
        "label": (49, ""),
        "amount": (91, ""),
        "reference": (105, ""),
        "qualifier": (46, ""),
        "detail": (49, ""),
    }
    text = [" "] * RECORD_LENGTH
    text[0:2] = code
    for key, (start, default) in layout.items():
        value = fields.pop(key, default)
        text[start - 1 : start - 1 + len(value)] = value
    assert not fields, f"unknown fields {fields}"
    line = "".join(text)
    assert len(line) == RECORD_LENGTH
    return line


def old_balance(amount: str, day: str = "290224") -> str:
    return record("01", date=day, amount=signed(amount))


def new_balance(amount: str, day: str = "310324") -> str:
    return record("07", date=day, amount=signed(amount))


def movement(amount: str, label: str, day: str = "040324", **fields: str) -> str:
    fields.setdefault("operation", "05")
    return record("04", date=day, value_date=day, label=label, amount=signed(amount), **fields)


def complement(qualifier: str, detail: str) -> str:
    return record("05", qualifier=qualifier, detail=detail)


def write(tmp_path: Path, records: list[str], *, separator: str = "\r\n") -> Path:
    path = tmp_path / "releve.cfonb"
    path.write_text(separator.join(records) + separator, encoding="ascii")
    return path


# ---------------------------------------------------------------------------------------------
# Real files.
# ---------------------------------------------------------------------------------------------


def test_one_long_line_is_cut_into_records_and_balances_agree() -> None:
    result = read_cfonb120(ONE_LINE)
    assert result.format == "cfonb120"
    assert result.problems == []
    assert any("22 enregistrements" in note for note in result.notes)
    first, second = result.statements
    assert first.account == "FR7630001007941234567890185"
    assert IBAN(first.account).validate(validate_bban=True)
    assert first.bank_code == "30001"
    assert (first.opening_date, first.opening_balance) == (date(2016, 2, 9), Decimal("19.05"))
    assert (first.closing_date, first.closing_balance) == (date(2016, 2, 10), Decimal("-9654.52"))
    assert [line.amount for line in first.lines] == [
        Decimal("-560.73"),
        Decimal("-375.77"),
        Decimal("-560.73"),
        Decimal("-8176.34"),
    ]
    assert first.opening_balance + first.movements == first.closing_balance
    card = first.lines[3]
    assert (card.date, card.value_date) == (date(2016, 2, 10), date(2016, 2, 1))
    assert card.operation_code == "28"
    # The 05 LIB records continue the label of the 04 before them.
    assert first.lines[1].label.endswith("1 USD = 0,90220843 EUR COMMISSION DE SERVICE 12,18 EUR")
    assert all(line.source == Source("test_cfonb_one_line.txt", 1) for line in first.lines)
    assert second.account == "FR7630004000031234567890143"
    assert second.opening_balance == Decimal("-41728.64")
    assert second.closing_balance == Decimal("-43652.23")
    # `}` is minus zero: both transfers are money out.
    assert [line.amount for line in second.lines] == [
        Decimal("-289.19"),
        Decimal("-194.40"),
        Decimal("-1440.00"),
    ]
    assert second.lines[0].label == "FAC.CIC SGT16009999971208 DONT TVA 2 80EUR"


def test_several_statements_blank_lines_and_alphanumeric_operation_codes() -> None:
    result = read_cfonb120(NON_STRICT)
    assert result.problems == []
    assert "3 ligne(s) vide(s) ignorée(s)" in result.notes
    assert len(result.statements) == 8
    assert result.lines == 5
    first = result.statements[0]
    assert first.account == "FR7610278022040001234560307"
    assert (first.opening_balance, first.closing_balance) == (
        Decimal("16695.65"),
        Decimal("16672.86"),
    )
    (line,) = first.lines
    assert line.amount == Decimal("-22.79")
    assert line.label == "PRLV SEPA ONLINE SAS DEDIBOX 3706114"
    assert line.operation_code == "B1"
    assert line.source == Source("non-strict-test.txt", 2)
    assert {s.account for s in result.statements[1:]} == {"FR7610278022040002042760330"}
    last = result.statements[-1]
    assert last.lines == ()
    assert (last.opening_date, last.opening_balance) == (date(2020, 4, 23), Decimal("584353.02"))


def test_a_file_that_is_not_cfonb_gives_a_problem_not_a_crash() -> None:
    result = read_cfonb120(OTHER_FILE)
    assert result.statements == []
    (problem,) = result.problems
    assert problem.field == "code enregistrement"
    assert problem.source == Source("test_cfonb_other_file.txt", 1)
    assert "« ot »" in problem.message


# ---------------------------------------------------------------------------------------------
# Fixtures.
# ---------------------------------------------------------------------------------------------


def test_signed_characters_and_05_complements(tmp_path: Path) -> None:
    records = [
        old_balance("1000.00"),
        movement("-32.21", "PRLV SEPA EDF", reference="REF04"),
        complement("LIB", "CONTRAT 1234"),
        complement("NBE", "EDF CLIENTS PARTICULIERS"),
        complement("NPY", "SARL DUPONT"),
        complement("RCN", "FACTURE-2024-0042".ljust(35) + "ENERGIE"),
        complement("REF", "BQ2024030400017"),
        movement("-0.10", "FRAIS", day="050324"),
        movement("1250.00", "VIR SEPA CLIENT MARTIN", day="060324"),
        complement("NPY", "MARTIN SA"),
        complement("MMO", "USD2" + f"{135000:014d}"),
        movement("-17.69", "CB BOULANGERIE", day="070324"),
        new_balance("2200.00"),
    ]
    result = read_cfonb120(write(tmp_path, records))
    assert result.problems == []
    (statement,) = result.statements
    assert statement.account[4:] == f"{BANK}{BRANCH}{ACCOUNT}{RIB_KEY:02d}"
    assert IBAN(statement.account).validate(validate_bban=True)
    assert [line.amount for line in statement.lines] == [
        Decimal("-32.21"),
        Decimal("-0.10"),
        Decimal("1250.00"),
        Decimal("-17.69"),
    ]
    edf, fee, transfer, card = statement.lines
    assert edf.label == "PRLV SEPA EDF CONTRAT 1234"
    assert edf.counterparty == "EDF CLIENTS PARTICULIERS"  # money out: the beneficiary
    assert edf.reference == "FACTURE-2024-0042"
    assert edf.bank_id == "BQ2024030400017"
    assert edf.source == Source("releve.cfonb", 2)
    assert fee.reference == "" and fee.bank_id == ""
    assert transfer.counterparty == "MARTIN SA"  # money in: the payer
    assert (transfer.original_amount, transfer.original_currency) == (Decimal("1350.00"), "USD")
    assert transfer.date == date(2024, 3, 6)
    assert card.label == "CB BOULANGERIE"
    assert statement.opening_balance + statement.movements == statement.closing_balance


def test_balance_break_is_reported(tmp_path: Path) -> None:
    records = [old_balance("100.00"), movement("-30.00", "CB"), new_balance("75.00")]
    result = read_cfonb120(write(tmp_path, records))
    (problem,) = result.problems
    assert problem.severity is Severity.ERROR
    assert problem.field == "solde"
    assert problem.source == Source("releve.cfonb", 1)
    assert "rupture de solde" in problem.message
    assert "écart 5,00" in problem.message


def test_bad_date_names_line_and_field_and_the_rest_is_read(tmp_path: Path) -> None:
    records = [
        old_balance("100.00"),
        movement("-10.00", "CB UN"),
        movement("-20.00", "CB DEUX", day="320324"),
        complement("LIB", "SUITE DU LIBELLE"),
        movement("-30.00", "CB TROIS"),
        new_balance("40.00"),
    ]
    result = read_cfonb120(write(tmp_path, records))
    (statement,) = result.statements
    assert [line.label for line in statement.lines] == ["CB UN", "CB TROIS"]
    date_problem = next(p for p in result.problems if p.field == "date d'opération")
    assert date_problem.source == Source("releve.cfonb", 3)
    assert "320324" in date_problem.message
    # The lost movement must not let the statement pass: its balance is flagged both ways.
    fields = sorted(p.field or "" for p in result.problems)
    assert fields == ["date d'opération", "solde", "solde"]
    assert any("écarté" in p.message for p in result.problems)
    assert any("rupture de solde" in p.message for p in result.problems)


def test_bad_amount_names_the_field(tmp_path: Path) -> None:
    records = [
        old_balance("0.00"),
        record("04", label="CB", amount="00000000001X0Z"),
        new_balance("-10.00"),
    ]
    result = read_cfonb120(write(tmp_path, records))
    amount_problem = next(p for p in result.problems if p.field == "montant")
    assert amount_problem.source == Source("releve.cfonb", 2)
    assert result.statements[0].lines == ()
    assert any(p.field == "solde" and "écarté" in p.message for p in result.problems)


def test_glued_records_without_line_breaks_read_like_separate_lines(tmp_path: Path) -> None:
    records = [
        old_balance("10.00"),
        movement("-2.50", "CB CAFE"),
        complement("LIB", "PARIS"),
        movement("5.00", "VIR"),
        new_balance("12.50"),
    ]
    separate = read_cfonb120(write(tmp_path, records))
    glued_path = tmp_path / "colle.cfonb"
    # Trailing spaces of the last record stripped as well, as some transfers do.
    glued_path.write_text("".join(records).rstrip(), encoding="ascii")
    glued = read_cfonb120(glued_path)
    assert glued.problems == []
    assert (
        "enregistrements collés sans saut de ligne : 1 ligne(s) découpée(s) en 5 enregistrements "
        "de 120 caractères" in glued.notes
    )
    assert [(line.amount, line.label) for line in glued.statements[0].lines] == [
        (line.amount, line.label) for line in separate.statements[0].lines
    ]
    assert glued.statements[0].closing_balance == Decimal("12.50")


@pytest.mark.parametrize("separator", ["\r\n", "\n", "\r"])
def test_any_line_end(tmp_path: Path, separator: str) -> None:
    records = [old_balance("10.00"), movement("-2.50", "CB"), new_balance("7.50")]
    result = read_cfonb120(write(tmp_path, records, separator=separator))
    assert result.problems == [] and result.notes == []
    assert result.statements[0].lines[0].source == Source("releve.cfonb", 2)


def test_lines_with_trailing_spaces_stripped_are_completed(tmp_path: Path) -> None:
    records = [old_balance("10.00"), movement("-2.50", "CB"), new_balance("7.50")]
    path = tmp_path / "court.cfonb"
    path.write_text("\n".join(r.rstrip() for r in records) + "\n", encoding="ascii")
    result = read_cfonb120(path)
    assert result.problems == []
    assert any("3 ligne(s) de moins de 120 caractères" in note for note in result.notes)
    assert result.statements[0].lines[0].amount == Decimal("-2.50")


def test_three_decimals_and_currency(tmp_path: Path) -> None:
    records = [
        record("01", currency="TND", decimals="3", amount=signed("1.500", 3)),
        record("04", currency="TND", decimals="3", label="FRAIS", amount=signed("-0.500", 3)),
        record("04", currency="TND", decimals="3", label="TAXE", amount=signed("-0.125", 3)),
        record("07", currency="TND", decimals="3", amount=signed("1.000", 3)),
    ]
    result = read_cfonb120(write(tmp_path, records))
    (statement,) = result.statements
    assert statement.currency == "TND"
    assert statement.lines[0].amount == Decimal("-0.50")
    # A third decimal that is not zero is refused, not rounded away; the balance still agrees
    # without that movement, and the statement is flagged all the same.
    (problem,) = [p for p in result.problems if p.field == "montant"]
    assert problem.source == Source("releve.cfonb", 3)
    assert not any("rupture" in p.message for p in result.problems)
    assert any(p.field == "solde" and "écarté" in p.message for p in result.problems)


def test_structure_errors_are_problems(tmp_path: Path) -> None:
    records = [
        movement("-1.00", "AVANT TOUT RELEVE"),
        complement("LIB", "ORPHELIN"),
        old_balance("5.00"),
        movement("-1.00", "AUTRE COMPTE", account="99999999999"),
        movement("-1.00", "CB"),
        old_balance("4.00", day="010424"),
        new_balance("4.00", day="300424"),
        new_balance("4.00", day="300424"),
    ]
    result = read_cfonb120(write(tmp_path, records))
    messages = [(p.source.line if p.source else None, p.message) for p in result.problems]
    assert any(line == 1 and "hors relevé" in m for line, m in messages)
    assert any(line == 2 and "sans mouvement (04)" in m for line, m in messages)
    assert any(line == 4 and "« 99999999999 »" in m for line, m in messages)
    assert any(line == 3 and "sans nouveau solde" in m for line, m in messages)
    assert any(line == 8 and "hors relevé" in m for line, m in messages)
    first, second = result.statements
    assert first.closing_balance is None and [x.label for x in first.lines] == ["CB"]
    assert second.closing_balance == Decimal("4.00")


def test_account_without_a_rib_is_kept_with_a_warning(tmp_path: Path) -> None:
    records = [
        record("01", bank="ABCDE", amount=signed("1.00")),
        record("07", bank="ABCDE", amount=signed("1.00")),
    ]
    result = read_cfonb120(write(tmp_path, records))
    (statement,) = result.statements
    assert statement.account == ACCOUNT
    (problem,) = result.problems
    assert problem.severity is Severity.WARNING
    assert problem.field == "numéro de compte"


def test_amounts_are_decimal_everywhere() -> None:
    for path in (ONE_LINE, NON_STRICT):
        for statement in read_cfonb120(path).statements:
            assert isinstance(statement.opening_balance, Decimal)
            assert all(type(line.amount) is Decimal for line in statement.lines)
