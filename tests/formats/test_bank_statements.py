"""Statement files are told apart by their content and read by the right reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenue.formats.bank_statements import detect_format, read_statement
from tests.conftest import SHARED_DATA

BANK = SHARED_DATA / "bank"
NOT_STATEMENTS = {".json", ".yml", ".pydata", ".md"}
FOLDER_FORMAT = {"ofx": "ofx", "camt": "camt", "mt940": "mt940", "cfonb120": "cfonb120"}
NOT_A_STATEMENT = "test_cfonb_other_file.txt"  # "other file": the CFONB reader's negative case
NUMBERS_ONLY = "invalid_statement.sta"  # lines "1" to "10": the MT940 library's negative case


def _files() -> list[tuple[Path, str]]:
    found = []
    for folder, expected in FOLDER_FORMAT.items():
        for path in sorted((BANK / folder).rglob("*")):
            if (
                path.is_file()
                and path.suffix not in NOT_STATEMENTS
                and path.name not in ("LICENSE", NOT_A_STATEMENT, NUMBERS_ONLY)
            ):
                found.append((path, expected))
    return found


FILES = _files()


def test_the_real_files_are_all_there():
    kinds = {expected for _, expected in FILES}
    assert kinds == set(FOLDER_FORMAT.values()) and len(FILES) > 40


@pytest.mark.parametrize(("path", "expected"), FILES, ids=lambda x: getattr(x, "name", x))
def test_each_real_file_is_told_by_its_content(path, expected, tmp_path):
    if path.stat().st_size == 0 or not path.read_bytes().strip():
        assert detect_format(path) is None
        return
    assert detect_format(path) == expected
    renamed = tmp_path / "releve.bin"  # the name plays no part
    renamed.write_bytes(path.read_bytes())
    assert detect_format(renamed) == expected


def test_a_csv_export_is_read_with_the_preset_its_headers_match(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Date;Libellé;Débit;Crédit\n02/03/2026;PRLV EDF;45,10;\n05/03/2026;VIR CLIENT;;1 200,00\n",
        encoding="utf-8",
    )
    result = read_statement(path)
    assert result.format == "csv" and not result.problems
    [statement] = result.statements
    assert [str(line.amount) for line in statement.lines] == ["-45.10", "1200.00"]


def test_a_text_file_that_is_no_statement_gets_no_statement():
    path = BANK / "cfonb120" / "oca-l10n-france" / NOT_A_STATEMENT
    assert detect_format(path) == "csv"  # a .txt: perhaps a bank's text export
    result = read_statement(path)
    assert not result.statements and result.problems


def test_a_file_of_numbers_is_no_known_format():
    [path] = (BANK / "mt940").rglob(NUMBERS_ONLY)
    assert detect_format(path) is None
    assert "format de relevé non reconnu" in str(read_statement(path).problems[0])


def test_an_unknown_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a statement")
    result = read_statement(path)
    assert not result.statements
    assert "format de relevé non reconnu" in str(result.problems[0])
    assert "photo.jpg" in str(result.problems[0])
