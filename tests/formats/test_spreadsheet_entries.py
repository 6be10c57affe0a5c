from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from tenue.core.batch import ThirdPartyRecord
from tenue.core.entries import Analytic, check_entry
from tenue.core.problems import Severity, Source
from tenue.formats.spreadsheet_entries import (
    TEMPLATE_DOC,
    read_spreadsheet_entries,
    template_csv,
    template_xlsx,
)

HEADER = "Journal;Date;Pièce;Compte;Compte auxiliaire;Libellé;Débit;Crédit;Analytique"


def write_csv(tmp_path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "ecritures.csv"
    path.write_bytes("\r\n".join(rows).encode(encoding) + b"\r\n")
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    path = tmp_path / "ecritures.xlsx"
    book.save(path)
    return path


def test_csv_template_read_back_gives_one_balanced_sale(tmp_path):
    path = tmp_path / "modele.csv"
    path.write_text(template_csv(), encoding="utf-8")
    batch = read_spreadsheet_entries(path)

    assert batch.ok and batch.problems == []
    (entry,) = batch.entries
    assert check_entry(entry) == []
    assert entry.journal == "VE" and entry.date == dt.date(2025, 1, 15)
    assert entry.piece_ref == "FA2025-001" and entry.label == "Facture Dupont SARL"
    assert entry.total_debit == entry.total_credit == Decimal("1200.00")
    assert entry.lines[1].analytics == (
        Analytic("ACTIVITE", "CONSEIL", Decimal("600.00")),
        Analytic("ACTIVITE", "FORMATION", Decimal("400.00")),
    )
    assert batch.third_parties == {"DUPONT": ThirdPartyRecord("DUPONT", "DUPONT", "411000")}
    assert batch.accounts == {
        "411000": "Clients",
        "706000": "Prestations de services",
        "445710": "TVA collectée",
    }
    assert batch.journals == {"VE": "Ventes"}
    assert "encodage détecté : UTF-8 (BOM)" in batch.notes


def test_xlsx_template_read_back_gives_the_same_entry(tmp_path):
    path = tmp_path / "modele.xlsx"
    path.write_bytes(template_xlsx())
    csv_path = tmp_path / "modele.csv"
    csv_path.write_text(template_csv(), encoding="utf-8")

    from_xlsx, from_csv = read_spreadsheet_entries(path), read_spreadsheet_entries(csv_path)

    assert from_xlsx.ok and from_xlsx.entries[0].lines == from_csv.entries[0].lines
    book = load_workbook(path)
    assert book.sheetnames == ["Écritures", "Mode d'emploi"]
    assert isinstance(book["Écritures"]["B2"].value, dt.datetime)  # a real Excel date
    assert book["Mode d'emploi"]["A1"].value == TEMPLATE_DOC.split("\n")[0]


def test_template_doc_describes_every_column():
    for title in ("Journal", "Date", "Pièce", "Compte", "Compte auxiliaire", "Libellé"):
        assert f"\n{title} :" in TEMPLATE_DOC or TEMPLATE_DOC.startswith(f"{title} :")
    assert "Débit, Crédit :" in TEMPLATE_DOC and "Analytique :" in TEMPLATE_DOC


def test_bad_date_bad_amount_and_unbalanced_entry_are_reported_at_row_and_column(tmp_path):
    rows = [
        HEADER,
        "AC;03/02/2025;F1;606400;;Fournitures;100,00;;",  # 2
        "AC;03/02/2025;F1;401000;BURO;Fournitures;;100,00;",  # 3: F1 is fine
        "AC;30/02/2025;F2;606400;;Papier;10,00;;",  # 4: 30 February
        "AC;30/02/2025;F2;401000;BURO;Papier;;10,00;",  # 5
        "AC;04/02/2025;F3;606400;;Encre;12,5x;;",  # 6: bad amount
        "AC;04/02/2025;F3;401000;BURO;Encre;;12,50;",  # 7
        "AC;05/02/2025;F4;606400;;Toner;80,00;;",  # 8: unbalanced by 0,10
        "AC;05/02/2025;F4;401000;BURO;Toner;;79,90;",  # 9
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows), name="achats.csv")

    assert not batch.ok
    where = {(p.source.line, p.field) for p in batch.problems if p.source}
    assert where == {(4, "date"), (5, "date"), (6, "debit"), (8, "debit")}
    unbalanced = next(p for p in batch.problems if p.source == Source("achats.csv", 8))
    assert "déséquilibrée" in unbalanced.message and "0,10" in unbalanced.message
    assert "AC F4 du 05/02/2025 (lignes 8 à 9)" in unbalanced.message
    assert [e.piece_ref for e in batch.entries] == ["F1"]


def test_comma_separated_cp1252_file_with_english_headers(tmp_path):
    rows = [
        "JOURNAL,date,piece,ACCOUNT,auxiliary,Label,debit,credit,notes",
        'BQ,2025-03-31,R1,627000,,Frais bancaires 3 €,"3,50",,x',
        'BQ,2025-03-31,R1,512000,,Frais bancaires 3 €,,"3,50",y',
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows, encoding="cp1252"))

    assert batch.ok
    (entry,) = batch.entries
    assert entry.label == "Frais bancaires 3 €" and entry.total_debit == Decimal("3.50")
    notes = " | ".join(batch.notes)
    assert "détecté : Windows-1252" in notes and "séparateur détecté : « , »" in notes
    assert "colonne(s) ignorée(s) : notes" in notes


def test_cp1252_without_telltale_byte_is_read_as_windows_1252(tmp_path):
    rows = [
        HEADER,
        "OD;01/01/2025;1;471000;;Écart réglé;5,00;;",
        "OD;01/01/2025;1;658000;;x;;5,00;",
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows, encoding="cp1252"))

    assert batch.entries[0].label == "Écart réglé"
    assert any("supposé : Windows-1252" in n for n in batch.notes)


def test_utf8_without_bom_is_detected(tmp_path):
    rows = [HEADER, "OD;01/01/2025;1;471000;;Écart;5,00;;", "OD;01/01/2025;1;658000;;x;;5,00;"]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows, encoding="utf-8"))

    assert batch.entries[0].label == "Écart"
    assert "encodage détecté : UTF-8 sans BOM" in batch.notes


def test_xlsx_numbers_are_converted_exactly_and_sub_cent_values_refused(tmp_path):
    day = dt.datetime(2025, 4, 30)
    rows: list[list[object]] = [
        ["journal", "date", "piece", "account", "auxiliary", "label", "debit", "credit"],
        ["OD", day, 1, 601000, None, "Achat", 0.1 + 0.2, None],  # 0.30000000000000004
        ["OD", day, 1, 401000, "F01", "Achat", None, 0.3],
        ["OD", day, 2, 601000, None, "Achat", 12.345, None],  # a real third decimal
        ["OD", day, 2, 401000, "F01", "Achat", None, 12.35],
        ["OD", "2025-04-30", 3, 601000, None, "Achat", 1234567.89, None],
        ["OD", "30/04/2025", 3, 401000, "F01", "Achat", None, 1234567.89],
    ]
    batch = read_spreadsheet_entries(write_xlsx(tmp_path, rows), name="od.xlsx")

    assert [(e.piece_ref, e.total_debit) for e in batch.entries] == [
        ("1", Decimal("0.30")),
        ("3", Decimal("1234567.89")),
    ]
    (problem,) = batch.problems
    assert problem.source == Source("od.xlsx", 4) and problem.field == "debit"
    assert "deux décimales" in problem.message
    assert batch.entries[0].lines[0].account == "601000"  # an Excel number, read as text
    assert batch.entries[0].date == dt.date(2025, 4, 30)


def test_missing_required_column_is_reported_on_the_header_line(tmp_path):
    rows = ["", "Journal;Date;Compte;Libellé;Débit", "OD;01/01/2025;471000;x;1,00"]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows), name="f.csv")

    assert batch.entries == []
    (problem,) = batch.problems
    assert problem.source == Source("f.csv", 2) and problem.field == "credit"
    assert "Crédit" in problem.message


def test_analytic_alone_takes_the_line_amount_and_overflow_is_refused(tmp_path):
    rows = [
        HEADER,
        "OD;01/06/2025;1;622600;;Honoraires;900,00;;CHANTIER:A12;PROJET:P1:300,00",
        "OD;01/06/2025;1;401000;AVOCAT;Honoraires;;900,00;",
        "OD;02/06/2025;2;622600;;Honoraires;100,00;;CHANTIER:A12:60;CHANTIER:B7:50",
        "OD;02/06/2025;2;401000;AVOCAT;Honoraires;;100,00;",
    ]
    # the analytic cell holds a `;`: quote it as a spreadsheet would
    rows[1] = rows[1].replace("CHANTIER:A12;PROJET:P1:300,00", '"CHANTIER:A12;PROJET:P1:300,00"')
    rows[3] = rows[3].replace("CHANTIER:A12:60;CHANTIER:B7:50", '"CHANTIER:A12:60;CHANTIER:B7:50"')
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows), name="f.csv")

    (entry,) = batch.entries
    assert entry.lines[0].analytics == (
        Analytic("CHANTIER", "A12", Decimal("900.00")),
        Analytic("PROJET", "P1", Decimal("300.00")),
    )
    (problem,) = batch.problems
    assert problem.source == Source("f.csv", 4) and problem.field == "analytic"
    assert "CHANTIER" in problem.message and "110,00" in problem.message


def test_rows_form_entries_only_while_journal_date_and_piece_stay_the_same(tmp_path):
    rows = [
        HEADER,
        "BQ;10/07/2025;R1;627000;;Frais;2,00;;",
        "BQ;10/07/2025;R1;512000;;Frais;;2,00;",
        "BQ;10/07/2025;R2;627000;;Frais;3,00;;",
        "BQ;10/07/2025;R2;512000;;Frais;;3,00;",
        "BQ;10/07/2025;R1;627000;;Frais;4,00;;",
        "BQ;10/07/2025;R1;512000;;Frais;;4,00;",
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows))

    assert [(e.piece_ref, e.total_debit) for e in batch.entries] == [
        ("R1", Decimal("2.00")),
        ("R2", Decimal("3.00")),
        ("R1", Decimal("4.00")),
    ]
    assert [e.source.line for e in batch.entries if e.source] == [2, 4, 6]


def test_negative_debit_moves_to_credit_with_a_note(tmp_path):
    rows = [
        HEADER,
        "OD;01/01/2025;1;601000;;Avoir;-40,00;;",
        "OD;01/01/2025;1;401000;F;Avoir;40,00;;",
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows))

    (entry,) = batch.entries
    assert entry.lines[0].credit == Decimal("40.00") and entry.lines[0].debit == 0
    assert any("1 montant(s) négatif(s)" in n for n in batch.notes)


def test_third_party_on_a_second_collective_is_a_warning_not_an_error(tmp_path):
    rows = [
        HEADER,
        "OD;31/12/2025;1;416000;DUPONT;Douteux;500,00;;",
        "OD;31/12/2025;1;411000;DUPONT;Douteux;;500,00;",
    ]
    batch = read_spreadsheet_entries(write_csv(tmp_path, rows))

    assert batch.ok and len(batch.entries) == 1
    assert batch.third_parties["DUPONT"].account == "416000"
    (warning,) = batch.problems
    assert warning.severity is Severity.WARNING and warning.field == "aux_number"


def test_old_xls_workbook_is_refused_with_a_problem(tmp_path):
    path = tmp_path / "vieux.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    batch = read_spreadsheet_entries(path)

    assert not batch.ok and "XLSX ou CSV" in batch.problems[0].message
