"""`tenue report statements`: text, CSV, JSON, XLSX and PDF of the financial statements."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from tenue.cli.main import main
from tests.reports.test_statements import book_dossier


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_every_figure_with_its_accounts(company, post, capsys):
    book_dossier(company, post)
    code, out, _ = run(
        capsys, "report", "statements", "--dossier", company.slug, "--year", "2025",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    payload = json.loads(out)
    assert (payload["start"], payload["end"]) == ("2025-01-01", "2025-12-31")
    assert (payload["previous_start"], payload["previous_end"]) == ("2024-01-01", "2024-12-31")
    assert payload["balanced"] is True and payload["problems"] == []
    rows = {
        kind: {r["code"]: r for part in s["parts"] for r in part["rows"] if "code" in r}
        for kind, s in payload["statements"].items()
    }
    assert set(rows) == {"income_statement", "balance_sheet", "sig"}
    result = rows["income_statement"]["resultat"]
    assert (result["current"], result["previous"]) == ("2050.00", "3000.00")
    assert rows["balance_sheet"]["total_actif"]["current"] == "43350.00"
    assert rows["balance_sheet"]["total_passif"]["current"] == "43350.00"
    corporelles = rows["balance_sheet"]["immobilisations_corporelles"]
    assert (corporelles["gross"], corporelles["less"]) == ("6000.00", "1000.00")
    assert rows["balance_sheet"]["emprunts_etablissements_credit"]["accounts"] == [
        {"account": "164", "label": "Emprunts auprès des établissements de crédit",
         "current": "20000.00", "previous": "0.00"},
        {"account": "5121", "label": "Comptes en euros", "current": "2000.00", "previous": "0.00"},
    ]  # fmt: skip
    assert rows["sig"]["plus_moins_values"]["current"] == "300.00"


def test_text_and_csv_in_french(company, post, capsys):
    book_dossier(company, post)
    code, text, _ = run(capsys, "report", "statements", "--dossier", company.slug)
    assert code == 0
    assert "Bilan actif — Société A — au 31/12/2025" in text
    assert "Soldes intermédiaires de gestion" in text
    total_line = next(line for line in text.splitlines() if "Total général du passif" in line)
    amounts = re.findall(r"\d{1,3}(?:\u202f\d{3})*,\d{2}", total_line)
    assert amounts == ["43\u202f350,00", "13\u202f600,00"]
    code, csv_text, _ = run(
        capsys, "report", "statements", "--dossier", company.slug, "--format", "csv"
    )
    assert csv_text.startswith("\ufeffÉtat;Code;Poste;31/12/2025;31/12/2024")
    assert "Compte de résultat;resultat;Bénéfice ou perte" in csv_text
    assert ";2050,00;3000,00" in csv_text


def test_xlsx_and_pdf_files(company, post, capsys, tmp_path):
    from openpyxl import load_workbook

    book_dossier(company, post)
    code, _, err = run(
        capsys, "report", "statements", "--dossier", company.slug, "--format", "xlsx"
    )
    assert code == 1 and "--out" in err
    xlsx = tmp_path / "etats.xlsx"
    code, out, _ = run(
        capsys, "report", "statements", "--dossier", company.slug, "--format", "xlsx",
        "--out", str(xlsx),
    )  # fmt: skip
    assert code == 0 and "Écrit" in out
    sheet = load_workbook(xlsx)["Bilan actif"]
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "Disponibilités")
    assert Decimal(str(row[3])) == Decimal("29750") and Decimal(str(row[4])) == Decimal("12600")
    pdf = tmp_path / "etats.pdf"
    code, _, _ = run(
        capsys, "report", "statements", "--dossier", company.slug, "--format", "pdf",
        "--out", str(pdf),
    )  # fmt: skip
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF")


def test_refusals_are_french(company, capsys):
    code, _, err = run(capsys, "report", "balance", "--dossier", company.slug, "--format", "pdf")
    assert code == 1 and "états financiers" in err
    code, _, err = run(capsys, "report", "statements", "--dossier", company.slug, "--year", "1999")
    assert code == 1 and "Aucun exercice clos en 1999" in err
