"""The column-wise check gives the same report as the line-by-line one, and steps aside for every
kind of problem so that the line-by-line check names it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tenue.formats import fec_check, fec_columnar
from tenue.formats.fec import FecReader
from tenue.formats.fec_columnar import check_clean
from tenue.formats.fec_generate import generate_fec
from tests.conftest import SHARED_DATA

REAL_FILES = sorted(
    p for p in (SHARED_DATA / "fec").rglob("*") if p.suffix.lower() == ".txt" and p.is_file()
)


def _by_line(path: Path, monkeypatch: pytest.MonkeyPatch, **options) -> fec_check.FecReport:
    asked: list[Path] = []
    with monkeypatch.context() as patch:
        patch.setattr(fec_columnar, "check_clean", lambda path, *a, **k: asked.append(path))
        report = fec_check.check_fec(path, **options)
    assert asked == [path]  # the columns were asked, said nothing: the lines were read
    return report


def _same(a: fec_check.FecReport, b: fec_check.FecReport) -> None:
    assert a.text() == b.text()
    assert (a.lines, a.entries, a.debit, a.credit) == (b.lines, b.entries, b.debit, b.credit)
    assert (a.first_date, a.last_date, a.encoding) == (b.first_date, b.last_date, b.encoding)
    assert a.journals == b.journals
    assert list(a.journals) == list(b.journals)  # same order of appearance
    assert a.notes == b.notes
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert a.problem_count == b.problem_count
    assert [str(p) for p in a.blocking] == [str(p) for p in b.blocking]


def _verdict(path: Path, *, provisional: bool = False):
    layout = FecReader(path).layout
    return check_clean(path, layout, provisional=provisional, year_end=None, year_start=None)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return generate_fec(tmp_path_factory.mktemp("fec"), lines=600, seed=7).path


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_real_files_get_the_same_report_both_ways(path, monkeypatch):
    _same(fec_check.check_fec(path), _by_line(path, monkeypatch))


def test_a_clean_file_is_judged_by_its_columns_with_the_same_report(clean, monkeypatch):
    verdict = _verdict(clean)
    assert verdict is not None
    report = fec_check.check_fec(clean)
    assert report.ok and report.lines == verdict.lines > 500
    _same(report, _by_line(clean, monkeypatch))


def test_a_year_end_from_the_command_line_is_checked_the_same_way(clean, monkeypatch, tmp_path):
    from datetime import date

    for year_end in (date(2024, 12, 31), date(2024, 6, 30), date(2025, 12, 31)):
        _same(
            fec_check.check_fec(clean, year_end=year_end),
            _by_line(clean, monkeypatch, year_end=year_end),
        )


def test_a_provisional_file_counts_its_unvalidated_lines(clean, monkeypatch, tmp_path):
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.rstrip("\r\n").split("\t")
        if cells[0] == "VE":
            cells[15] = ""  # ValidDate
        out.append("\t".join(cells) + "\r\n")
    path = tmp_path / "732829320FEC20241231_provisoire.txt"
    path.write_text("".join(out), encoding="utf-8")
    verdict = _verdict(path, provisional=True)
    assert verdict is not None
    assert verdict.unvalidated == sum(1 for line in lines[1:] if line.startswith("VE\t"))
    report = fec_check.check_fec(path)
    assert any(n.startswith("FEC provisoire : ") for n in report.notes)
    _same(report, _by_line(path, monkeypatch))


def _mutate(clean: Path, folder: Path, change) -> Path:
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    rows = [line.rstrip("\r\n").split("\t") for line in lines[1:]]
    change(rows)
    path = folder / clean.name
    path.write_text(
        lines[0] + "".join("\t".join(r) + "\r\n" for r in rows), encoding="utf-8", newline=""
    )
    return path


def _set(row: int, column: int, value: str):
    def change(rows):
        rows[row][column] = value

    return change


def _swap_entries(rows):
    # move the first line of the second entry after the third entry: its lines no longer follow
    second = [i for i, r in enumerate(rows) if (r[0], r[2]) == (rows[3][0], rows[3][2])]
    moved = rows.pop(second[0])
    rows.insert(9, moved)


def _gap(rows):
    for r in rows:
        if r[0] == "VE" and r[2] == "2":
            r[2] = "99999"  # numbers 1, 3, 4… then 99999 in the sales journal


MUTATIONS = {
    "amount changed": (_set(0, 11, "3823,21"), "Debit"),
    "impossible date": (_set(0, 3, "20240230"), "EcritureDate"),
    "short date": (_set(0, 3, "2024011"), "EcritureDate"),
    "negative amount": (_set(0, 11, "-3823,20"), "note: montant(s) négatif(s)"),
    "amount with three decimals": (_set(0, 11, "3823,200"), "Debit"),
    "missing validation date": (_set(0, 15, ""), "ValidDate"),
    "validation before the entry": (_set(0, 15, "20231231"), "ValidDate"),
    "empty piece reference": (_set(0, 8, ""), "PieceRef"),
    "empty journal label": (_set(0, 1, ""), "JournalLib"),
    "account out of classes": (_set(0, 4, "806100"), "CompteNum"),
    "auxiliary on an expense": (_set(0, 6, "F00001"), "CompAuxNum"),
    "auxiliary on two accounts": (_set(2, 4, "401100"), "CompAuxNum"),
    "lettering without its date": (_set(0, 13, "ZZ"), "DateLet"),
    "currency amount without currency": (_set(0, 16, "12,00"), "Idevise"),
    "lines of an entry apart": (_swap_entries, "EcritureNum"),
    "numbering gap": (_gap, "EcritureNum"),
    "padded field": (_set(0, 5, " Fournitures"), "clean"),  # read stripped: nothing wrong
    "debit and credit both": (_set(0, 12, "1,00"), "Debit"),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_each_kind_of_problem_is_left_to_the_line_check(name, clean, tmp_path, monkeypatch):
    change, expected = MUTATIONS[name]
    path = _mutate(clean, tmp_path, change)
    assert _verdict(path) is None
    report = fec_check.check_fec(path)
    if expected == "clean":
        assert report.ok and not report.problems
    elif expected.startswith("note: "):
        assert any(expected[6:] in note for note in report.notes), report.notes
    else:
        assert any(p.field == expected for p in report.problems), report.text()
    _same(report, _by_line(path, monkeypatch))


def test_other_encodings_and_layouts_go_to_the_line_check(clean, tmp_path):
    latin = tmp_path / "latin" / clean.name
    latin.parent.mkdir()
    latin.write_bytes(clean.read_text(encoding="utf-8").encode("iso-8859-15"))
    assert _verdict(latin) is None
    piped = tmp_path / "pipe" / clean.name
    piped.parent.mkdir()
    piped.write_text(clean.read_text(encoding="utf-8").replace("\t", "|"), encoding="utf-8")
    assert _verdict(piped) is not None  # a pipe separator is handled
    analytic = generate_fec(tmp_path / "analytic", lines=100, analytics=True).path
    assert _verdict(analytic) is None
    copy = tmp_path / "copy" / clean.name
    copy.parent.mkdir()
    shutil.copy(clean, copy)
    assert _verdict(copy) is not None


@pytest.mark.parametrize("variant", ["bom", "no final line break", "lf only", "trailing tab"])
def test_clean_variants_of_the_text_give_the_same_report(variant, clean, tmp_path, monkeypatch):
    text = clean.read_bytes().decode("utf-8")  # its CRLF line ends kept
    if variant == "bom":
        data = "\ufeff".encode() + text.encode("utf-8")
    elif variant == "no final line break":
        data = text.rstrip("\r\n").encode("utf-8")
    elif variant == "lf only":
        data = text.replace("\r\n", "\n").encode("utf-8")
    else:
        data = "".join(line + "\t\r\n" for line in text.split("\r\n") if line).encode("utf-8")
    path = tmp_path / clean.name
    path.write_bytes(data)
    report = fec_check.check_fec(path)
    assert report.ok and report.lines == len(text.strip().split("\r\n")) - 1
    assert _verdict(path) is not None  # still judged by its columns
    _same(report, _by_line(path, monkeypatch))
