"""The FEC reader and the compliance check, on the real files of shared/data/fec and on
corrupted copies of them."""

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.core.problems import Severity
from tenue.formats.fec import FecError, FecReader, parse_amount
from tenue.formats.fec_check import check_fec, name_facts
from tests.conftest import SHARED_DATA

DATA = SHARED_DATA / "fec" / "neolegal-fec-reader"
STANDARD = DATA / "0000000001FEC20220831.txt"
PIPE = DATA / "111111111FEC20221231.TXT"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1250,50", "1250.50"),
        ("1250.5", "1250.50"),
        ("0000000069,60", "69.60"),
        ("-12,00", "-12.00"),
        ("12,00-", "-12.00"),
        ("7", "7.00"),
    ],
)
def test_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1 250,50", "1.250,50", "1e5", "12,345", "-12-", ""])
def test_bad_amounts_are_refused(text):
    with pytest.raises(ValueError):
        parse_amount(text)


def test_standard_file_is_read_whole():
    reader = FecReader(STANDARD)
    records = list(reader)
    assert len(records) == 5422 and reader.problems == []
    assert reader.layout.encoding == "utf-8-sig" and reader.layout.separator == "\t"
    first = records[0]
    assert (first.journal_code, first.number, first.date, first.account) == (
        "ANO",
        "1",
        date(2021, 9, 1),
        "101500",
    )
    assert first.account_lib == "Capital souscrit appelé, versé"
    assert first.credit == Decimal("13500.00") and first.valid_date == date(2022, 7, 26)
    assert sum(r.debit for r in records) == sum(r.credit for r in records) == Decimal("10186219.81")


def test_pipe_file_guesses_are_stated():
    reader = FecReader(PIPE)
    records = list(reader)
    assert len(records) == 934 and reader.problems == []
    assert reader.layout.separator == "|" and reader.layout.trailing_separator
    assert reader.layout.encoding == "iso-8859-15"
    notes = " ".join(reader.notes)
    assert "ISO-8859-15" in notes and "fin de ligne" in notes and "MontantDevise" in notes
    assert records[0].label == "VENTE NECTAR FRAISE"  # space padding removed
    assert records[0].credit == Decimal("69.60")  # zero padding read
    assert any("ø" in r.account_lib or "ø" in r.label or "ø" in r.aux_lib for r in records)


def test_encoding_can_be_forced():
    reader = FecReader(PIPE, encoding="cp1252")
    assert reader.layout.encoding == "cp1252" and "imposé" in reader.notes[0]


def test_check_of_the_standard_file_reports_its_real_problems():
    report = check_fec(STANDARD)
    assert report.lines == 5422 and report.entries == 2033
    assert report.debit == report.credit == Decimal("10186219.81")
    assert report.journals["VEN"].entries == 413
    # this file letters without DateLet: a real compliance error, which loses nothing
    fields = {p.field for p in report.errors}
    assert fields == {"DateLet"}
    assert report.blocking == []
    warnings = " ".join(p.message for p in report.warnings)
    assert "hors norme" in warnings  # 10 digits before FEC
    assert "non chronologique" in warnings and "ne se suivent pas" in warnings
    assert not report.ok and "FEC NON CONFORME" in report.text()


def test_check_of_the_pipe_file_against_its_name_and_its_real_year():
    by_name = check_fec(PIPE)
    assert by_name.year_end == date(2022, 12, 31)
    assert any("postérieure à la clôture" in p.message for p in by_name.errors)
    right_year = check_fec(PIPE, year_end=date(2023, 12, 31))
    assert [p.field for p in right_year.errors] == ["nom"]  # the anonymised SIREN 111111111
    assert "numérotation continue sur l'ensemble du fichier" in right_year.notes


def _corrupt(tmp_path: Path, source: Path, line_no: int, change) -> Path:
    target = tmp_path / source.name
    shutil.copy(source, target)
    raw = target.read_bytes().split(b"\n")
    raw[line_no - 1] = change(raw[line_no - 1])
    target.write_bytes(b"\n".join(raw))
    return target


def test_changed_amount_is_found_with_its_entry_lines(tmp_path):
    # line 2 is the ANO entry's first line: 13500,00 credit becomes 13501,00
    path = _corrupt(tmp_path, STANDARD, 2, lambda b: b.replace(b"13500,00", b"13501,00"))
    report = check_fec(path)
    unbalanced = [p for p in report.blocking if "déséquilibrée" in p.message]
    assert len(unbalanced) == 1
    assert unbalanced[0].source.line == 2 and unbalanced[0].field == "Debit"
    assert "ANO 1 (lignes 2 à 78)" in unbalanced[0].message and "1,00" in unbalanced[0].message
    assert any("fichier déséquilibré" in p.message for p in report.blocking)


def test_bad_date_is_found_at_its_line_and_field(tmp_path):
    path = _corrupt(tmp_path, STANDARD, 5, lambda b: b.replace(b"\t20210901\t", b"\t20210931\t", 1))
    report = check_fec(path)
    bad = [p for p in report.problems if p.field == "EcritureDate"]
    assert bad and bad[0].source.line == 5 and "20210931" in bad[0].message
    assert not report.ok and report.blocking


def test_removed_line_unbalances_its_entry(tmp_path):
    target = tmp_path / STANDARD.name
    lines = STANDARD.read_bytes().split(b"\n")
    del lines[2]  # the second line of the ANO entry (file line 3)
    target.write_bytes(b"\n".join(lines))
    report = check_fec(target)
    assert any("ANO 1" in p.message and "déséquilibrée" in p.message for p in report.blocking)


def test_separator_inside_a_field_is_reported(tmp_path):
    path = _corrupt(tmp_path, STANDARD, 10, lambda b: b.replace(b"Report", b"Re\tport", 1))
    report = check_fec(path)
    structure = [p for p in report.problems if p.source and p.source.line == 10]
    assert structure and "champs au lieu de" in structure[0].message


def test_empty_or_headerless_files_are_refused(tmp_path):
    empty = tmp_path / "123456789FEC20241231.txt"
    empty.write_text("")
    with pytest.raises(FecError, match="vide"):
        FecReader(empty)
    report = check_fec(empty)
    assert not report.ok
    garbage = tmp_path / "x.txt"
    garbage.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(FecError, match="séparateur"):
        FecReader(garbage)


def test_file_name_facts():
    assert name_facts("732829320FEC20241231.txt")[:2] == ("732829320", date(2024, 12, 31))
    problems = name_facts("111111111FEC20221231.TXT")[2]
    assert problems[0].severity is Severity.ERROR and "SIREN" in problems[0].message
    assert name_facts("export.txt")[2][0].severity is Severity.WARNING


def test_amount_sign_variant_and_analytic_columns(tmp_path):
    path = tmp_path / "732829320FEC20241231.txt"
    header = (
        "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|"
        "CompAuxLib|PieceRef|PieceDate|EcritureLib|Montant|Sens|EcritureLet|DateLet|"
        "ValidDate|Montantdevise|Idevise|Axe|Tag|Valeur|Axe|Tag|Valeur"
    )
    rows = [
        "AC|Achats|1|20240105|606400|Fournitures|||F1|20240105|Papier|100,00|D|||20240110|||"
        "Activité|Conseil|60,00|Site|Paris|100,00",
        "AC|Achats|1|20240105|401000|Fournisseurs|FDUR|Durand|F1|20240105|Papier|100,00|-1|||"
        "20240110||||||||",
    ]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    reader = FecReader(path)
    records = list(reader)
    assert reader.layout.variant == "amount_sign" and reader.problems == []
    assert records[0].debit == Decimal("100.00") and records[1].credit == Decimal("100.00")
    assert [(a.axis, a.tag, a.amount) for a in records[0].analytics] == [
        ("Activité", "Conseil", Decimal("60.00")),
        ("Site", "Paris", Decimal("100.00")),
    ]
    assert check_fec(path).ok


def test_wrong_forced_encoding_costs_only_the_unreadable_lines():
    reader = FecReader(PIPE, encoding="utf-8")
    records = list(reader)
    bad = [p for p in reader.problems if "illisible en utf-8" in p.message]
    assert bad and len(records) + len(bad) == 934
    assert all(p.source.line > 1 for p in bad)
    assert check_fec(PIPE, encoding="utf-8", year_end=date(2023, 12, 31)).blocking
