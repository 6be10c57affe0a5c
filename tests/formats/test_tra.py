"""Cegid TRA reader. No public sample exists: fixtures are laid out by `cegid_format`, which
mimics Cegid's own Delphi `Format()` strings (`Formatmvt`, `Formatentete`, `***CGN`…): each zone
`%-N.Ns` is left-aligned and cut to N characters, `%N.Ns` right-aligned."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from tenue.core.batch import ThirdPartyRecord
from tenue.core.entries import check_entry
from tenue.core.problems import Severity, Source
from tenue.formats.tra import LINE_WIDTH, read_tra

# Formatmvt: journal, date, nature, general, type, aux, ref, label, payment, due, sens, amount,
# qualifier, piece, currency, rate, amount code, amount 2, amount 3, establishment, axis, due no.
MOVEMENT = (
    -3,
    -8,
    2,
    -17,
    -1,
    -17,
    -35,
    -35,
    -3,
    -8,
    -1,
    20,
    -1,
    8,
    -3,
    -10,
    -3,
    20,
    20,
    -3,
    -2,
    2,
)
HEADER = (2, -3, -3, 3, -3, -8, -8, -3, -5, -12, -35, -35, 1, 3, 6, -3, 8, -3)


def cegid_format(widths: tuple[int, ...], values: list[str], prefix: str = "") -> str:
    out = prefix
    for width, value in zip(widths, values + [""] * (len(widths) - len(values)), strict=True):
        size = abs(width)
        assert len(value) <= size, f"{value!r} does not fit in {size} characters"
        out += value.ljust(size) if width < 0 else value.rjust(size)
    return out


def header(content: str = "JRL", layout: str = "STD") -> str:
    values = ["S5", "EXP", content, layout, "001", "01011900", "01011900", "008", "00001"]
    return cegid_format(HEADER, [*values, "150120251200", "CEGID", "", "-"], prefix="***")


def movement(
    journal: str,
    day: str,
    general: str,
    sens: str,
    amount: str,
    *,
    piece: str = "1",
    kind: str = " ",
    aux: str = "",
    reference: str = "",
    label: str = "Libellé",
    nature: str = "OD",
    due: str = "01011900",
    qualifier: str = "N",
) -> str:
    values = [journal, day, nature, general, kind, aux, reference, label, "", due, sens, amount]
    return cegid_format(MOVEMENT, [*values, qualifier, piece, "EUR", "1", "E--", "", "", "001"])


def write(tmp_path: Path, lines: list[str], encoding: str = "cp1252") -> Path:
    path = tmp_path / "export.tra"
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


def sale(piece: str = "12", label: str = "Facture Dupont") -> list[str]:
    common = {"piece": piece, "reference": "FA2025-012", "label": label, "nature": "FC"}
    return [
        movement("VTE", "15012025", "411000", "D", "1200,00", kind="X", aux="DUPONT", **common),
        movement("VTE", "15012025", "706000", "C", "1000,00", **common),
        movement("VTE", "15012025", "445710", "C", "200,00", **common),
    ]


def test_fixture_lines_have_the_standard_width_and_zone_positions():
    line = movement("VTE", "15012025", "411000", "D", "1200,00", kind="X", aux="DUPONT")
    assert len(line) == LINE_WIDTH == 222
    # 1-based positions of SPECS §6.1
    assert line[0:3] == "VTE" and line[3:11] == "15012025" and line[30] == "X"
    assert line[129] == "D" and line[130:150].strip() == "1200,00" and line[150] == "N"
    assert line[151:159] == "       1"


def test_amount_and_piece_number_may_fill_their_whole_zone(tmp_path):
    big = "99999999999999999,99"  # 20 characters: positions 131 to 150
    lines = [
        header(),
        movement("OD", "01012025", "471000", "D", big, piece="20250001"),
        movement("OD", "01012025", "472000", "C", big, piece="20250001"),
    ]
    (entry,) = read_tra(write(tmp_path, lines)).entries

    assert entry.total_debit == Decimal("99999999999999999.99")
    assert entry.external_number == "20250001"  # positions 152 to 159


def test_reads_entries_accounts_journals_and_third_parties_to_the_cent(tmp_path):
    lines = [
        header(),
        "***JAL" + "VTE".ljust(3) + "Ventes France".ljust(35) + "VTE",
        "***CGN" + "706000".ljust(17) + "Honoraires conseil".ljust(35) + "PRO",
        "***CAE" + "DUPONT".ljust(17) + "Dupont SARL".ljust(35) + "CLI" + "X" + "411000".ljust(17),
        *sale(),
        movement("BQ1", "31012025", "512000", "D", "1200,00", piece="3", label="Virement Dupont"),
        movement("BQ1", "31012025", "411000", "C", "1200,00", piece="3", kind="X", aux="DUPONT"),
    ]
    batch = read_tra(write(tmp_path, lines), name="dossier.tra")

    assert batch.ok and batch.problems == []
    assert len(batch.entries) == 2
    sale_entry, bank = batch.entries
    assert sale_entry.journal == "VTE" and sale_entry.date == date(2025, 1, 15)
    assert sale_entry.label == "Facture Dupont"
    assert sale_entry.piece_ref == "FA2025-012" and sale_entry.external_number == "12"
    assert sale_entry.source == Source("dossier.tra", 5)
    assert [(x.account, x.debit, x.credit, x.aux_number) for x in sale_entry.lines] == [
        ("411000", Decimal("1200.00"), Decimal("0.00"), "DUPONT"),
        ("706000", Decimal("0.00"), Decimal("1000.00"), ""),
        ("445710", Decimal("0.00"), Decimal("200.00"), ""),
    ]
    assert bank.source == Source("dossier.tra", 8) and bank.total_credit == Decimal("1200.00")
    assert all(check_entry(e) == [] for e in batch.entries)
    assert batch.accounts["706000"] == "Honoraires conseil"  # from ***CGN
    assert batch.accounts["445710"] == "TVA collectée"  # from the PCG
    assert batch.journals == {"VTE": "Ventes France", "BQ1": "Journal BQ1"}
    assert batch.third_parties == {"DUPONT": ThirdPartyRecord("DUPONT", "Dupont SARL", "411000")}
    notes = " | ".join(batch.notes)
    assert "contenu JRL (journaux)" in notes and "format STD (standard)" in notes


def test_bad_date_amount_sens_and_account_are_reported_at_their_line_and_field(tmp_path):
    lines = [
        header(),
        *sale(piece="1"),  # lines 2-4: fine
        movement("VTE", "31022025", "411000", "D", "10,00", piece="2"),  # 5: 31 February
        movement("VTE", "31022025", "706000", "C", "10,00", piece="2"),  # 6
        movement("VTE", "01032025", "411000", "D", "12,3,4", piece="3"),  # 7: bad amount
        movement("VTE", "01032025", "706000", "X", "12,34", piece="3"),  # 8: bad sens
        movement("VTE", "02032025", "ABC", "D", "5,00", piece="4"),  # 9: bad account
        movement("VTE", "02032025", "706000", "C", "5,00", piece="4"),  # 10
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert not batch.ok
    where = {(p.source.line, p.field) for p in batch.problems if p.source}
    assert where == {(5, "date"), (6, "date"), (7, "amount"), (8, "side"), (9, "account")}
    date_problem = next(p for p in batch.problems if p.source == Source("f.tra", 5))
    assert "31022025" in date_problem.message and "JJMMAAAA" in date_problem.message
    assert [e.external_number for e in batch.entries] == ["1"]  # only the good entry


def test_unbalanced_entry_is_left_out_with_the_gap_at_its_first_line(tmp_path):
    lines = [
        header(),
        movement("ACH", "10022025", "606400", "D", "100,00", piece="7", reference="F-88"),
        movement("ACH", "10022025", "401000", "C", "99,99", piece="7", kind="X", aux="BUREAU"),
        *sale(piece="8"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert [e.external_number for e in batch.entries] == ["8"]
    (problem,) = batch.problems
    assert problem.source == Source("f.tra", 2) and problem.field == "debit"
    assert "déséquilibrée" in problem.message and "0,01" in problem.message
    assert "ACH F-88 du 10/02/2025 (lignes 2 à 3)" in problem.message
    assert "BUREAU" not in batch.third_parties  # nothing of a rejected entry is kept


def test_simulation_analytic_and_document_lines_are_skipped_with_notes(tmp_path):
    common = {"piece": "5", "label": "Loyer"}
    lines = [
        header(layout="ETE"),
        movement("ACH", "01042025", "613200", "D", "800,00", **common),
        movement("ACH", "01042025", "613200", "D", "800,00", kind="A", aux="SIEGE", **common),
        movement("ACH", "01042025", "401000", "C", "800,00", kind="X", aux="SCI", **common),
        movement("ACH", "01042025", "401000", "C", "800,00", kind="G", **common),
        movement("OD", "02042025", "681100", "D", "50,00", piece="9", qualifier="S"),
        movement("OD", "02042025", "281830", "C", "50,00", piece="9", qualifier="S"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert batch.ok
    (entry,) = batch.entries  # the analytic and GED lines do not split the entry
    assert [x.account for x in entry.lines] == ["613200", "401000"]
    notes = " | ".join(batch.notes)
    assert "2 ligne(s) d'écriture de simulation (S) ignorée(s)" in notes
    assert "1 ligne(s) analytique (type A) ignorée(s)" in notes
    assert "1 ligne(s) document (GED) (type G) ignorée(s)" in notes
    assert "format ETE (étendu)" in notes
    assert batch.third_parties["SCI"] == ThirdPartyRecord("SCI", "SCI", "401000")


def test_cp1252_file_is_detected_and_read_right(tmp_path):
    lines = [header(), *sale(label="Société Générale – 10 €")]
    batch = read_tra(write(tmp_path, lines, encoding="cp1252"), name="f.tra")

    assert batch.entries[0].label == "Société Générale – 10 €"
    assert "encodage détecté : Windows-1252 (octets 0x80–0x9F présents)" in batch.notes


def test_iso_8859_15_file_is_detected_by_its_euro_sign(tmp_path):
    lines = [header(), *sale(label="Œuvres sociales 10 €")]
    batch = read_tra(write(tmp_path, lines, encoding="iso-8859-15"), name="f.tra")

    assert batch.entries[0].label == "Œuvres sociales 10 €"
    assert any("ISO-8859-15" in n for n in batch.notes)


def test_utf8_file_is_detected(tmp_path):
    lines = [header(), *sale(label="Réparation")]
    batch = read_tra(write(tmp_path, lines, encoding="utf-8"), name="f.tra")

    assert batch.entries[0].label == "Réparation"
    assert any("UTF-8" in n for n in batch.notes)


def test_negative_amount_moves_to_the_other_side_with_a_note(tmp_path):
    lines = [
        header(),
        movement("OD", "30062025", "601000", "D", "-150,25", piece="4"),
        movement("OD", "30062025", "603100", "D", "150,25", piece="4"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    (entry,) = batch.entries
    assert entry.lines[0].credit == Decimal("150.25") and entry.lines[0].debit == 0
    assert any("1 montant(s) négatif(s)" in n for n in batch.notes)


def test_unknown_qualifier_and_line_type_are_refused(tmp_path):
    lines = [
        header(),
        movement("OD", "01012025", "601000", "D", "10,00", piece="1", qualifier="R"),
        movement("OD", "01012025", "401000", "C", "10,00", piece="1", kind="H"),
        movement("OD", "01012025", "401000", "C", "10,00", piece="2", kind="X"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    where = {(p.source.line, p.field) for p in batch.problems if p.source}
    assert where == {(2, "qualifier"), (3, "line_type"), (4, "aux_number")}
    assert batch.entries == []


def test_missing_header_is_a_warning_and_dossier_records_are_noted(tmp_path):
    lines = [
        "***CGN" + "706000".ljust(17) + "Honoraires".ljust(35) + "PRO",
        *sale(),
        "***PS1" + "SOCIETE TEST".ljust(35),
        "***EXO" + "001" + "01012025" + "31122025" + "OUV",
        "***EXO" + "002" + "01012026" + "31122026" + "OUV",
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert batch.ok and len(batch.entries) == 1
    (warning,) = batch.problems
    assert warning.severity is Severity.WARNING and warning.source == Source("f.tra", 1)
    assert any("***EXO × 2, ***PS1 × 1" in n for n in batch.notes)
    assert batch.accounts["706000"] == "Honoraires"  # a record first is not taken for a header


def test_lines_without_piece_number_are_grouped_by_their_reference(tmp_path):
    lines = [
        header(),
        movement("BQ", "05052025", "627000", "D", "3,50", piece="", reference="FRAIS-1"),
        movement("BQ", "05052025", "512000", "C", "3,50", piece="", reference="FRAIS-1"),
        movement("BQ", "05052025", "627000", "D", "4,10", piece="", reference="FRAIS-2"),
        movement("BQ", "05052025", "512000", "C", "4,10", piece="", reference="FRAIS-2"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert batch.ok
    assert [(e.piece_ref, e.total_debit) for e in batch.entries] == [
        ("FRAIS-1", Decimal("3.50")),
        ("FRAIS-2", Decimal("4.10")),
    ]


def test_third_party_on_a_second_collective_is_a_warning(tmp_path):
    lines = [
        header(),
        *sale(piece="1"),
        movement("OD", "31122025", "416000", "D", "1200,00", piece="2", kind="X", aux="DUPONT"),
        movement("OD", "31122025", "411000", "C", "1200,00", piece="2", kind="X", aux="DUPONT"),
    ]
    batch = read_tra(write(tmp_path, lines), name="f.tra")

    assert batch.ok and len(batch.entries) == 2
    assert batch.third_parties["DUPONT"].account == "411000"
    (warning,) = batch.problems
    assert warning.severity is Severity.WARNING and "416000" in warning.message
