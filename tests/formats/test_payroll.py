from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

from tenue.core.entries import check_entry
from tenue.core.problems import Source
from tenue.formats.payroll import read_payroll

HEADER = "Date;Compte;Libellé;Débit;Crédit;Salarié"


def write_csv(tmp_path: Path, rows: list[str], encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / "paie.csv"
    path.write_bytes("\r\n".join(rows).encode(encoding) + b"\r\n")
    return path


def month(day: str, gross: str, employer: str, net: str, urssaf: str, name: str) -> list[str]:
    return [
        f"{day};641100;Salaire brut;{gross};;{name}",
        f"{day};645100;Cotisations URSSAF patronales;{employer};;{name}",
        f"{day};421000;Net à payer;;{net};{name}",
        f"{day};431000;URSSAF;;{urssaf};{name}",
    ]


def test_one_balanced_od_entry_per_month_dated_the_last_day(tmp_path):
    january = month("31/01/2025", "2500,00", "1050,00", "1950,00", "1600,00", "DURAND Marie")
    february = month("28/02/2024", "2500,00", "1050,00", "1950,00", "1600,00", "DURAND Marie")
    january_2 = month("15/01/2025", "1800,55", "700,10", "1400,33", "1100,32", "LEROY Paul")
    rows = [HEADER, *january, *february, *january_2]
    batch = read_payroll(write_csv(tmp_path, rows), name="silae.csv")

    assert batch.ok and batch.problems == []
    assert [(e.date, e.label, e.piece_ref) for e in batch.entries] == [
        (dt.date(2024, 2, 29), "Paie 02/2024", "PAIE-2024-02"),  # leap year
        (dt.date(2025, 1, 31), "Paie 01/2025", "PAIE-2025-01"),
    ]
    jan = batch.entries[1]
    assert jan.journal == "OD" and len(jan.lines) == 8  # one line per row, 421 not aggregated
    assert jan.total_debit == jan.total_credit == Decimal("6050.65")
    assert jan.lines[2].label == "Net à payer — DURAND Marie"
    assert jan.lines[6].credit == Decimal("1400.33") and jan.lines[6].account == "421000"
    assert jan.source == Source("silae.csv", 2)
    assert all(check_entry(e) == [] for e in batch.entries)
    assert batch.journals == {"OD": "Opérations diverses"}
    assert batch.accounts["421000"] == "Personnel - Rémunérations dues"


def test_unbalanced_month_is_left_out_with_the_month_and_the_gap(tmp_path):
    rows = [
        HEADER,
        *month("31/01/2025", "2500,00", "1050,00", "1950,00", "1600,00", "A"),
        *month("31/03/2025", "2500,00", "1050,00", "1950,00", "1599,99", "A"),
    ]
    batch = read_payroll(write_csv(tmp_path, rows), name="paie.csv")

    assert [e.label for e in batch.entries] == ["Paie 01/2025"]
    (problem,) = batch.problems
    assert problem.message.startswith("Paie 03/2025")
    assert "écart 0,01" in problem.message and "ligne 6 à 9" in problem.message
    assert problem.source == Source("paie.csv", 6)


def test_bad_cells_are_reported_at_their_row_and_column_and_their_month_left_out(tmp_path):
    rows = [
        HEADER,
        *month("31/01/2025", "2500,00", "1050,00", "1950,00", "1600,00", "A"),
        "31/02/2025;641100;Salaire brut;100,00;;B",  # 6: bad date
        "28/02/2025;641100;Salaire brut;1OO,00;;B",  # 7: letter O in the amount
        "28/02/2025;421000;Net;;100,00;B",  # 8: fine, but its month has bad rows
        "28/02/2025;42;Net;;100,00;B",  # 9: account too short
    ]
    batch = read_payroll(write_csv(tmp_path, rows), name="paie.csv")

    where = {(p.source.line, p.field) for p in batch.problems if p.source}
    assert where == {(6, "date"), (7, "debit"), (9, "account")}
    assert [e.label for e in batch.entries] == ["Paie 01/2025"]


def test_journal_argument_and_xlsx_with_french_headers(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["DATE", "Compte", "Libelle", "Debit", "Credit", "Salarie"])
    day = dt.datetime(2025, 5, 31)
    sheet.append([day, 641100, "Salaire brut", 3210.1, None, "MARTIN Léa"])
    sheet.append([day, 421000, "Net à payer", None, 2505.05, "MARTIN Léa"])
    sheet.append([day, 442100, "Prélèvement à la source", None, 705.05, "MARTIN Léa"])
    path = tmp_path / "paie.xlsx"
    book.save(path)

    batch = read_payroll(path, journal="PA")

    assert batch.ok
    (entry,) = batch.entries
    assert entry.journal == "PA" and entry.date == dt.date(2025, 5, 31)
    assert entry.total_debit == Decimal("3210.10") == entry.total_credit
    assert batch.journals == {"PA": "Paie"}
    assert entry.lines[0].label == "Salaire brut — MARTIN Léa"
