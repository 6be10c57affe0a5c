"""FEC import and export through the dossier: the real files of shared/data/fec and generated
ones import, export and come back the same, field by field."""

import shutil
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tenue.core.problems import Refused
from tenue.formats.fec import FecReader
from tenue.formats.fec_generate import generate_fec
from tenue.ledger.fec import Mapping, fec_export, fec_import
from tenue.ledger.models import (
    Account,
    Entry,
    EntryStatus,
    FiscalYear,
    ImportRecord,
    Journal,
    JournalKind,
    Lettering,
    Line,
    ThirdParty,
)
from tenue.ledger.services import ledger_verify
from tests.formats.test_fec import PIPE, STANDARD


def _by_entry(path: Path, encoding=None) -> dict[tuple[str, str], list[tuple]]:
    """Every entry of a FEC file, its lines in file order, every field normalised."""
    entries = defaultdict(list)
    for r in FecReader(path, encoding=encoding):
        entries[(r.journal_code, r.number)].append(
            (
                r.date,
                r.account,
                r.account_lib,
                r.aux,
                r.aux_lib,
                r.piece_ref,
                r.piece_date,
                r.label,
                r.debit,
                r.credit,
                r.lettering,
                r.lettering_date,
                r.valid_date,
                r.currency_amount,
                r.currency,
                tuple(r.analytics),
            )
        )
    return entries


def assert_round_trip(company, source: Path, exported: Path) -> None:
    original, back = _by_entry(source), _by_entry(exported)
    assert len(original) == len(back)
    for entry in Entry.objects.filter(company=company).select_related("journal"):
        assert (
            original[(entry.journal.code, entry.external_number)]
            == back[(entry.journal.code, str(entry.number))]
        ), entry


def test_standard_file_imports_exports_and_round_trips(company, tmp_path):
    result = fec_import(company=company, path=STANDARD)
    assert (result.entries, result.lines, result.validated) == (2033, 5422, 2033)
    assert result.debit == result.credit == Decimal("10186219.81")
    assert result.fiscal_years_created == ["01/09/2021 – 31/08/2022"]
    assert sorted(result.journals_created) == ["ACH", "ANO", "CH", "CRC", "O.I", "PA", "RCH", "VEN"]
    assert Journal.objects.get(company=company, code="ANO").kind == JournalKind.OPENING
    assert Journal.objects.get(company=company, code="ACH").kind == JournalKind.PURCHASE
    assert (
        Account.objects.get(company=company, number="101500").label
        == "Capital souscrit appelé, versé"
    )
    assert ThirdParty.objects.filter(company=company).count() == 95
    assert Lettering.objects.filter(company=company).count() == result.letterings > 0
    assert not Entry.objects.filter(company=company, status=EntryStatus.POSTED).exists()
    assert ledger_verify(company=company) == []
    year = FiscalYear.objects.get(company=company, end=date(2022, 8, 31))
    exported = fec_export(company=company, year=year, out_dir=tmp_path, definitive=True)
    assert exported.path.name == "732829320FEC20220831.txt"
    assert (exported.lines, exported.entries, exported.validated_now) == (5422, 2033, 0)
    assert_round_trip(company, STANDARD, exported.path)
    # the export is legal in form; its only errors are the source's lettering without DateLet
    assert {p.field for p in exported.report.errors} == {"DateLet"}
    text = exported.path.read_text(encoding="utf-8")
    assert text.startswith("JournalCode\tJournalLib\tEcritureNum\t")
    assert "\t13500,00\t" in text and "." not in text.split("\n")[1].split("\t")[11]


def test_pipe_file_needs_its_real_closing_date(company, tmp_path):
    with pytest.raises(Refused) as refused:
        fec_import(company=company, path=PIPE)
    assert "postérieures à la clôture 31/12/2022" in str(refused.value)
    assert not Entry.objects.filter(company=company).exists()
    result = fec_import(company=company, path=PIPE, year_end=date(2023, 12, 31))
    assert (result.entries, result.lines) == (248, 934)
    year = FiscalYear.objects.get(company=company, end=date(2023, 12, 31))
    exported = fec_export(company=company, year=year, out_dir=tmp_path, definitive=True)
    assert_round_trip(company, PIPE, exported.path)
    assert exported.report.ok, exported.report.text()


def test_same_file_twice_is_refused(company, tmp_path):
    fec_import(company=company, path=STANDARD)
    count = Line.objects.filter(company=company).count()
    copy = tmp_path / "renamed.txt"
    shutil.copy(STANDARD, copy)
    with pytest.raises(Refused, match="déjà été importé"):
        fec_import(company=company, path=copy)
    assert Line.objects.filter(company=company).count() == count
    assert ImportRecord.objects.filter(company=company).count() == 1


def test_import_is_all_or_nothing(company, tmp_path):
    broken = tmp_path / STANDARD.name
    lines = STANDARD.read_bytes().split(b"\n")
    lines[4000] = lines[4000].replace(b"\t0,00\t", b"\t0,0X\t", 1)
    broken.write_bytes(b"\n".join(lines))
    accounts = Account.objects.filter(company=company).count()
    with pytest.raises(Refused) as refused:
        fec_import(company=company, path=broken)
    assert any(p.source and p.source.line == 4001 for p in refused.value.problems)
    assert not Entry.objects.filter(company=company).exists()
    assert Account.objects.filter(company=company).count() == accounts
    assert not FiscalYear.objects.filter(company=company, end=date(2022, 8, 31)).exists()


def test_generated_file_with_analytics_round_trips(company, tmp_path):
    generated = generate_fec(tmp_path / "in", lines=1500, analytics=True)
    result = fec_import(company=company, path=generated.path)
    assert result.lines == generated.lines and result.debit == generated.total
    assert result.tags_created == 5
    year = FiscalYear.objects.get(company=company, end=date(2024, 12, 31))
    exported = fec_export(company=company, year=year, out_dir=tmp_path / "out", definitive=True)
    assert exported.report.ok, exported.report.text()
    assert_round_trip(company, generated.path, exported.path)


def test_mapping_renames_journals_and_accounts(company, tmp_path):
    generated = generate_fec(tmp_path, lines=200)
    table = tmp_path / "table.csv"
    table.write_text("type;source;cible\njournal;AC;HA\ncompte;606400;606410\n")
    fec_import(company=company, path=generated.path, mapping=Mapping.read(table))
    assert Entry.objects.filter(company=company, journal__code="HA").exists()
    assert not Entry.objects.filter(company=company, journal__code="AC").exists()
    assert Line.objects.filter(company=company, account__number="606410").exists()
    assert not Line.objects.filter(company=company, account__number="606400").exists()


def test_provisional_export_leaves_entries_open(company, post, tmp_path):
    post("AC", "2025-03-01", ("6064", "100.00", ""), ("401", "", "100.00"))
    year = FiscalYear.objects.get(company=company)
    exported = fec_export(company=company, year=year, out_dir=tmp_path)
    assert exported.path.name == "732829320FEC20251231-provisoire.txt"
    assert exported.report.ok, exported.report.text()
    assert any("provisoire" in n for n in exported.report.notes)
    assert Entry.objects.get(company=company).status == EntryStatus.POSTED
    definitive = fec_export(company=company, year=year, out_dir=tmp_path, definitive=True)
    assert definitive.validated_now == 1 and definitive.report.ok
    assert Entry.objects.get(company=company).status == EntryStatus.VALIDATED


def test_import_refuses_entries_older_than_the_journal(company, post, tmp_path):
    generated = generate_fec(tmp_path, lines=200, year_end=date(2025, 12, 31))
    post("AC", "2025-06-01", ("6064", "1.00", ""), ("401", "", "1.00"))
    with pytest.raises(Refused, match="antérieures à la dernière écriture"):
        fec_import(company=company, path=generated.path)


def test_export_paths_write_the_same_bytes(company, tmp_path):
    """On PostgreSQL the FEC is formatted by the database; it must equal, byte for byte, what the
    Python writer makes of the same rows (the path SQLite takes)."""
    from tenue.formats.fec import write_fec
    from tenue.ledger.fec import _analytic_width, _export_rows

    generated = generate_fec(tmp_path / "in", lines=600, analytics=True)
    source = generated.path.read_text(encoding="utf-8").replace("Fournitures", "Four\\nitures")
    generated.path.write_text(source, encoding="utf-8")
    fec_import(company=company, path=generated.path)
    year = FiscalYear.objects.get(company=company, end=date(2024, 12, 31))
    exported = fec_export(company=company, year=year, out_dir=tmp_path / "out", check=False)
    python_path = tmp_path / "python.txt"
    with python_path.open("w", encoding="utf-8", newline="") as fh:
        write_fec(
            (row.line for row in _export_rows(company, year)),
            fh,
            analytic_axes=_analytic_width(company, year),
        )
    assert exported.path.read_bytes() == python_path.read_bytes()
    assert "Four\\nitures" in python_path.read_text(encoding="utf-8")
    assert exported.report is None


def test_import_into_a_closed_year_is_refused(company, tmp_path):
    year = FiscalYear.objects.get(company=company)
    year.status = "closed"
    year.save()
    generated = generate_fec(tmp_path, lines=100, year_end=year.end)
    with pytest.raises(Refused, match="clôturé"):
        fec_import(company=company, path=generated.path)
    assert not Entry.objects.filter(company=company).exists()
