"""Accounting entries from a spreadsheet (CSV or XLSX), and the template a client fills in.

One row is one line of an entry, in the columns of `ENTRY_COLUMNS` (described for users in
`TEMPLATE_DOC`, downloadable as `template_csv()` / `template_xlsx()`). Rows that follow each
other with the same journal, date and piece form one entry.

What the reader accepts:
- XLSX (first sheet, read-only, cached values of formulas) or CSV with a `;` or `,` separator
  (detected on the header line), in UTF-8 with or without BOM or in Windows-1252 (detected);
- header names in English (`journal`, `date`…) or French (`Journal`, `Pièce`, `Débit`…), in any
  case and with or without accents; unknown columns are ignored with a note;
- dates `JJ/MM/AAAA`, `AAAA-MM-JJ` or real Excel dates; amounts `1 234,56` or `1234.56`
  (`money.parse`), or Excel numbers converted exactly through `Decimal(str(value))`.

Invariants: no float arithmetic touches an amount (an Excel number is rounded to the cent only
when what it carries beyond the cent is binary noise; a real third decimal is a problem); the
reader never stops at the first bad row: every problem names the file, the row and the column,
and every entry that has one is left out of the batch; every entry in the batch passes
`entries.check_entry`; every guess (encoding, separator, sheet, ignored column, amount moved to
the other side) is written in `batch.notes`.

The second half of the module holds what the other tabular readers (`payroll`) and the TRA
reader share with this one: text decoding, reading a table with header aliases, typed cells,
and adding a checked entry to a batch.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tenue.core import entries, money, pcg
from tenue.core.batch import Batch, ThirdPartyRecord
from tenue.core.entries import Analytic, Entry, Line
from tenue.core.problems import Problem, Severity, Source

# A cell as openpyxl or the csv module gives it.
Cell = str | int | float | Decimal | dt.datetime | dt.date | dt.time | bool | None


@dataclass(frozen=True)
class Column:
    """A column of a tabular layout: its key, its French title and the header names it takes."""

    key: str
    title: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {normalize_header(n) for n in (self.key, self.title, *self.aliases)}


ENTRY_COLUMNS: tuple[Column, ...] = (
    Column("journal", "Journal", ("code journal", "journalcode")),
    Column("date", "Date", ("date ecriture", "date d'ecriture", "ecrituredate")),
    Column("piece", "Pièce", ("n° piece", "numero de piece", "pieceref"), required=False),
    Column("account", "Compte", ("compte general", "n° compte", "comptenum")),
    Column(
        "auxiliary",
        "Compte auxiliaire",
        ("auxiliaire", "compte tiers", "compauxnum"),
        required=False,
    ),
    Column("label", "Libellé", ("libelle ecriture", "ecriturelib")),
    Column("debit", "Débit"),
    Column("credit", "Crédit"),
    Column("analytic", "Analytique", ("analytique", "ventilation"), required=False),
)

TEMPLATE_DOC = """\
Modèle d'import d'écritures comptables — une ligne du tableau est une ligne d'écriture.

Journal : code du journal (AC achats, VE ventes, BQ banque, OD opérations diverses…). Obligatoire.
Date : date de l'écriture, JJ/MM/AAAA ou AAAA-MM-JJ (ou une date Excel). Obligatoire.
Pièce : numéro ou référence de la pièce (numéro de facture…). Les lignes qui se suivent avec le \
même journal, la même date et la même pièce forment une seule écriture.
Compte : numéro de compte général, 3 à 20 caractères commençant par une racine du plan \
comptable (411000, 706000, 445710…). Pour un client ou un fournisseur, le compte collectif \
(411…, 401…). Obligatoire.
Compte auxiliaire : code du client ou du fournisseur sur une ligne de compte collectif ; vide \
sinon. Le code sert aussi de nom au tiers créé.
Libellé : libellé de la ligne ; le premier libellé de l'écriture devient celui de l'écriture. \
Obligatoire.
Débit, Crédit : le montant de la ligne dans l'une des deux colonnes, l'autre vide ou à zéro ; \
« 1 234,56 » ou « 1234.56 », deux décimales au plus. Un montant négatif passe dans l'autre \
colonne (une note le signale).
Analytique : ventilation facultative. AXE:TAG donne tout le montant de la ligne au tag TAG de \
l'axe AXE ; AXE:TAG:montant;AXE:TAG2:montant le partage. Sur un axe, les parts ne dépassent pas \
le montant de la ligne.

Chaque écriture doit être équilibrée au centime (total des débits = total des crédits). Le \
fichier n'est importé que s'il ne contient aucune erreur ; chaque erreur donne la ligne et la \
colonne à corriger.
Les en-têtes sont reconnus sans tenir compte des majuscules ni des accents ; les noms anglais \
journal, date, piece, account, auxiliary, label, debit, credit et analytic sont acceptés.
CSV : séparateur « ; » ou « , », encodage UTF-8 (avec ou sans BOM) ou Windows-1252.
"""

_TEMPLATE_DATE = dt.date(2025, 1, 15)
_TEMPLATE_ROWS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    # piece, account, auxiliary, label, debit, credit, analytic (journal VE, date 15/01/2025)
    ("FA2025-001", "411000", "DUPONT", "Facture Dupont SARL", "1200,00", "", ""),
    (
        "FA2025-001",
        "706000",
        "",
        "Facture Dupont SARL",
        "",
        "1000,00",
        "ACTIVITE:CONSEIL:600,00;ACTIVITE:FORMATION:400,00",
    ),
    ("FA2025-001", "445710", "", "Facture Dupont SARL", "", "200,00", ""),
)


def read_spreadsheet_entries(path: Path, *, name: str | None = None) -> Batch:
    """The entries of a CSV or XLSX file in the template's columns (see the module docstring)."""
    file_name = name or path.name
    batch = Batch(name=file_name)
    table = read_table(path, ENTRY_COLUMNS, source_name=file_name)
    batch.problems.extend(table.problems)
    batch.notes.extend(table.notes)
    parsed = [_parse_entry_row(row, file_name) for row in table.rows]
    moved = 0
    for _, group_iter in itertools.groupby(parsed, key=lambda p: p.key):
        group = list(group_iter)
        for row in group:
            batch.problems.extend(row.problems)
            moved += row.moved
        if any(row.line is None for row in group):
            continue
        _add_spreadsheet_entry(batch, group, file_name)
    if moved:
        batch.notes.append(f"{moved} montant(s) négatif(s) passé(s) dans l'autre colonne")
    unnamed = sorted(batch.third_parties)
    if unnamed:
        batch.notes.append(
            f"{len(unnamed)} tiers sans nom dans le tableau : leur code sert de nom "
            f"({', '.join(unnamed[:5])}{'…' if len(unnamed) > 5 else ''})"
        )
    return batch


def template_csv() -> str:
    """The CSV template: French header, `;`, decimal comma, UTF-8 with BOM (Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in ENTRY_COLUMNS])
    for row in _TEMPLATE_ROWS:
        writer.writerow(["VE", f"{_TEMPLATE_DATE:%d/%m/%Y}", *row])
    return "\ufeff" + out.getvalue()


def template_xlsx() -> bytes:
    """The XLSX template: the same rows with real dates and numbers, and a sheet of help."""
    rows = [
        [
            "VE",
            _TEMPLATE_DATE,
            piece,
            account,
            aux or None,
            label,
            money.parse(debit) if debit else None,
            money.parse(credit) if credit else None,
            analytic or None,
        ]
        for piece, account, aux, label, debit, credit, analytic in _TEMPLATE_ROWS
    ]
    return template_workbook(
        "Écritures",
        [c.title for c in ENTRY_COLUMNS],
        rows,
        # account numbers stay text: 0-padded numbers keep their zeros
        formats={1: "DD/MM/YYYY", 3: "@", 6: "#,##0.00", 7: "#,##0.00"},
        widths=(9, 12, 13, 11, 18, 26, 12, 12, 48),
        doc=TEMPLATE_DOC,
    )


def template_workbook(
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    formats: Mapping[int, str],
    widths: Sequence[int],
    doc: str,
) -> bytes:
    """A spreadsheet template: a bold header, example rows with their cell formats (by column
    index), column widths, and a second sheet « Mode d'emploi » holding `doc`."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for cells in sheet.iter_rows(min_row=2):
        for index, number_format in formats.items():
            cells[index].number_format = number_format
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    help_sheet = book.create_sheet("Mode d'emploi")
    for paragraph in doc.split("\n"):
        help_sheet.append([paragraph])
    help_sheet.column_dimensions["A"].width = 120
    for (cell,) in help_sheet.iter_rows():
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass
class _EntryRow:
    source: Source
    key: tuple[object, ...]
    journal: str
    date: dt.date | None
    piece: str
    label: str
    line: Line | None  # None when a cell is bad
    problems: list[Problem]
    moved: int = 0


def _parse_entry_row(row: Row, file_name: str) -> _EntryRow:
    src = Source(file_name, row.line)
    problems: list[Problem] = []
    journal = row.text("journal")
    if not journal:
        problems.append(Problem("code journal vide", "journal", src))
    date: dt.date | None = None
    try:
        date = cell_date(row.get("date"))
    except ValueError as exc:
        problems.append(Problem(str(exc), "date", src))
    piece = row.text("piece")
    label = row.text("label")
    key = (journal, date if date is not None else row.text("date"), piece)
    account = _account(row.text("account"), src, problems)
    aux = row.text("auxiliary")
    amounts = [_amount(row.get(k), k, src, problems) for k in ("debit", "credit")]
    if problems or account is None or amounts[0] is None or amounts[1] is None:
        return _EntryRow(src, key, journal, date, piece, label, None, problems)
    debit, credit, moved = signed_to_sides(amounts[0], amounts[1])
    analytics: tuple[Analytic, ...] = ()
    analytic_text = row.text("analytic")
    if analytic_text:
        try:
            analytics = parse_analytic(analytic_text, max(debit, credit))
        except ValueError as exc:
            problems.append(Problem(str(exc), "analytic", src))
            return _EntryRow(src, key, journal, date, piece, label, None, problems)
    line = Line(
        account=account,
        debit=debit,
        credit=credit,
        label=label,
        aux_number=aux,
        analytics=analytics,
    )
    return _EntryRow(src, key, journal, date, piece, label, line, problems, int(moved))


def _add_spreadsheet_entry(batch: Batch, group: list[_EntryRow], file_name: str) -> None:
    first = group[0]
    assert first.date is not None  # rows with a bad date have no line
    lines = tuple(row.line for row in group if row.line is not None)
    entry = Entry(
        journal=first.journal,
        date=first.date,
        label=next((row.label for row in group if row.label), ""),
        lines=lines,
        piece_ref=first.piece,
        source=first.source,
    )
    context = describe_entry(entry, [row.source for row in group])
    if add_checked_entry(batch, entry, [row.source for row in group], context):
        register_journal(batch, entry.journal)
        for row in group:
            assert row.line is not None
            register_account(batch, row.line.account)
            if row.line.aux_number:
                register_third_party(
                    batch, row.line.aux_number, row.line.aux_number, row.line.account, row.source
                )


def _account(text: str, src: Source, problems: list[Problem]) -> str | None:
    try:
        return pcg.validate(text)
    except pcg.InvalidAccountNumber as exc:
        problems.append(Problem(str(exc), "account", src))
        return None


def _amount(value: Cell, key: str, src: Source, problems: list[Problem]) -> Decimal | None:
    try:
        return cell_amount(value)
    except ValueError as exc:  # MoneyError is a ValueError
        problems.append(Problem(str(exc), key, src))
        return None


# ---------------------------------------------------------------------------------------------
# Shared with the other readers (payroll, TRA).
# ---------------------------------------------------------------------------------------------

_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
# €, Œ and œ in ISO-8859-15 (¤, ¼ and ½ in Windows-1252, rare in accounting files).
_ISO_8859_15_SIGNS = re.compile(rb"[\xa4\xbc\xbd]")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
# What an Excel number may carry beyond the cent and still be binary noise (0.30000000000000004).
_FLOAT_NOISE = Decimal("0.000001")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?)?")

_JOURNAL_LABELS = {
    "AC": "Achats",
    "VE": "Ventes",
    "BQ": "Banque",
    "OD": "Opérations diverses",
    "AN": "À-nouveaux",
}


def decode_text(data: bytes, *, default: str = "cp1252") -> tuple[str, str]:
    """(text, note): UTF-8 when there is a BOM or the whole text decodes as UTF-8; otherwise
    Windows-1252 when bytes 0x80–0x9F occur (control characters in ISO-8859-15), ISO-8859-15
    when its €/Œ/œ bytes occur without them, else `default` (the two agree on every other
    French letter)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "encodage détecté : UTF-8 (BOM)"
        except UnicodeDecodeError:
            data = data[len(codecs.BOM_UTF8) :]
    if data.isascii():
        return data.decode("ascii"), "encodage : ASCII (aucun caractère accentué)"
    try:
        return data.decode("utf-8"), "encodage détecté : UTF-8 sans BOM"
    except UnicodeDecodeError:
        pass
    if _CP1252_ONLY.search(data):
        return data.decode("cp1252", errors="replace"), (
            "encodage détecté : Windows-1252 (octets 0x80–0x9F présents)"
        )
    if _ISO_8859_15_SIGNS.search(data):
        return data.decode("iso-8859-15"), (
            "encodage supposé : ISO-8859-15 (signes €, Œ ou œ à leur place dans ce jeu)"
        )
    label = "Windows-1252" if default == "cp1252" else default.upper()
    return data.decode(default, errors="replace"), (
        f"encodage supposé : {label} (pas de l'UTF-8 ; aucun octet ne le distingue "
        "d'ISO-8859-15 pour les lettres françaises courantes)"
    )


def text_lines(text: str) -> list[str]:
    """Physical lines: split on LF only (CR dropped), since `str.splitlines` would also split on
    characters such as U+0085 that ISO-8859-15 text may hold."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def normalize_header(text: str) -> str:
    """`  Pièce ` -> `piece`, `Compte_Auxiliaire` -> `compte auxiliaire`: case, accents,
    underscores and repeated spaces do not matter in a header."""
    decomposed = unicodedata.normalize("NFKD", text.replace("_", " ").replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


@dataclass(frozen=True)
class Row:
    """One data row of a table: its line (CSV line or sheet row) and its cells by column key."""

    line: int
    cells: dict[str, Cell]

    def get(self, key: str) -> Cell:
        return self.cells.get(key)

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_table(path: Path, columns: Sequence[Column], *, source_name: str) -> Table:
    """The rows of a CSV or XLSX file under the given columns, mapped from its header row (the
    first non-empty row). Empty rows are skipped. A missing required column is a problem and
    gives no rows."""
    table = Table()
    data = path.read_bytes()
    if data.startswith(_ZIP_MAGIC):
        raw_rows = xlsx_rows(data, source_name, table)
    elif data.startswith(_OLE_MAGIC):
        table.problems.append(
            Problem(
                "classeur Excel 97-2003 (.xls) non pris en charge : enregistrez-le en XLSX ou CSV",
                None,
                Source(source_name),
            )
        )
        return table
    else:
        raw_rows = csv_rows(data, source_name, table)
    mapping: dict[str, int] | None = None
    for line, cells in raw_rows:
        if not any(cell_text(c) for c in cells):
            continue
        if mapping is None:
            mapping = _map_header(line, cells, columns, source_name, table)
            if mapping is None:
                return table
            continue
        table.rows.append(
            Row(line, {key: cells[i] if i < len(cells) else None for key, i in mapping.items()})
        )
    if mapping is None:
        table.problems.append(
            Problem("fichier vide : aucune ligne d'en-tête", None, Source(source_name))
        )
    return table


def _map_header(
    line: int,
    cells: list[Cell],
    columns: Sequence[Column],
    source_name: str,
    table: Table,
) -> dict[str, int] | None:
    src = Source(source_name, line)
    by_name = {n: c for c in columns for n in c.names()}
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        title = cell_text(cell)
        if not title:
            continue
        column = by_name.get(normalize_header(title))
        if column is None:
            ignored.append(title)
        elif column.key in mapping:
            table.problems.append(
                Problem(f"colonne « {column.title} » en double dans l'en-tête", column.key, src)
            )
        else:
            mapping[column.key] = index
    if ignored:
        table.notes.append(f"colonne(s) ignorée(s) : {', '.join(ignored)}")
    missing = [c for c in columns if c.required and c.key not in mapping]
    for column in missing:
        table.problems.append(
            Problem(f"colonne obligatoire absente : « {column.title} »", column.key, src)
        )
    if missing or any(p.source == src for p in table.problems):
        return None
    return mapping


def csv_rows(data: bytes, source_name: str, table: Table) -> list[tuple[int, list[Cell]]]:
    text, note = decode_text(data)
    table.notes.append(note)
    first = next((line for line in text_lines(text) if line.strip()), "")
    semicolons, commas = first.count(";"), first.count(",")
    if semicolons >= commas and semicolons:
        separator = ";"
    elif commas:
        separator = ","
    elif "\t" in first:
        separator = "\t"
    else:
        separator = ";"
    table.notes.append(f"CSV, séparateur détecté : « {separator} »".replace("\t", "tabulation"))
    return separated_rows(text, separator, source_name, table)


def separated_rows(
    text: str, separator: str, source_name: str, table: Table
) -> list[tuple[int, list[Cell]]]:
    """The records of a CSV text, each with the file line it starts on; a record the csv module
    cannot read is a problem at its line, and the rows before it are kept."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[Cell]]] = []
    end = 0
    try:
        for record in reader:
            rows.append((end + 1, list(record)))
            end = reader.line_num
    except csv.Error as exc:
        table.problems.append(Problem(f"CSV illisible : {exc}", None, Source(source_name, end + 1)))
    return rows


def xlsx_rows(data: bytes, source_name: str, table: Table) -> list[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        table.problems.append(
            Problem(f"classeur XLSX illisible : {exc}", None, Source(source_name))
        )
        return []
    try:
        sheet = book.active
        if sheet is None:
            sheet = book.worksheets[0]
        table.notes.append(
            f"XLSX, feuille « {sheet.title} » lue"
            + (f" (le classeur en a {len(book.worksheets)})" if len(book.worksheets) > 1 else "")
        )
        return [
            (index, list(values))
            for index, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()


def cell_text(value: Cell) -> str:
    """A cell as trimmed text; an integral Excel number loses its `.0` (`411000.0` -> `411000`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def cell_date(value: Cell) -> dt.date:
    """A date cell: a real date, or text `JJ/MM/AAAA` or `AAAA-MM-JJ`; ValueError otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = cell_text(value)
    if not text:
        raise ValueError("date vide")
    match = _DMY.fullmatch(text)
    parts: tuple[str, str, str] | None = None
    if match:
        parts = (match.group(3), match.group(2), match.group(1))
    elif match := _ISO.fullmatch(text):
        parts = (match.group(1), match.group(2), match.group(3))
    if parts is not None:
        try:
            return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            pass
    raise ValueError(f"date invalide « {text} » (JJ/MM/AAAA ou AAAA-MM-JJ attendu)")


def cell_amount(value: Cell) -> Decimal:
    """An amount cell; empty is zero. Text goes through `money.parse`; an Excel number through
    `Decimal(str(value))`, rounded to the cent only when the rest is float noise.
    Raises `money.MoneyError` (a ValueError)."""
    if value is None:
        return money.ZERO
    if isinstance(value, bool):
        raise money.MoneyError(f"Montant attendu, reçu {value}")
    if isinstance(value, float | Decimal):
        exact = Decimal(str(value))
        if not exact.is_finite():
            raise money.MoneyError(f"Montant non fini : {value}")
        rounded = money.quantize(exact)
        if abs(exact - rounded) > _FLOAT_NOISE:
            raise money.MoneyError(f"Plus de deux décimales : {value}")
        return rounded
    if isinstance(value, int):
        return money.to_money(value)
    if isinstance(value, str):
        return money.parse(value) if value.strip() else money.ZERO
    raise money.MoneyError(f"Montant attendu, reçu une date ou une heure ({value})")


def signed_to_sides(debit: Decimal, credit: Decimal) -> tuple[Decimal, Decimal, bool]:
    """(debit, credit, moved): a lone negative amount moves to the other side, as a negative
    debit is a credit; anything else is left for `entries.check_line` to judge."""
    if debit < 0 and credit == 0:
        return money.ZERO, -debit, True
    if credit < 0 and debit == 0:
        return -credit, money.ZERO, True
    return debit, credit, False


def parse_analytic(text: str, line_amount: Decimal) -> tuple[Analytic, ...]:
    """`AXE:TAG` (the whole line amount) or `AXE:TAG:montant;AXE2:TAG2…` as Analytic records.
    On one axis the shares may not exceed the line amount. Raises ValueError (French)."""
    shares: list[Analytic] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        pieces = [p.strip() for p in part.split(":")]
        if len(pieces) not in (2, 3) or not pieces[0] or not pieces[1]:
            raise ValueError(
                f"ventilation analytique illisible « {part.strip()} » "
                "(AXE:TAG ou AXE:TAG:montant attendu)"
            )
        amount = line_amount
        if len(pieces) == 3:
            try:
                amount = money.parse(pieces[2])
            except money.MoneyError as exc:
                raise ValueError(f"ventilation analytique « {part.strip()} » : {exc}") from exc
            if amount <= 0:
                raise ValueError(f"ventilation analytique « {part.strip()} » : montant non positif")
        shares.append(Analytic(axis=pieces[0], tag=pieces[1], amount=amount))
    totals: dict[str, Decimal] = {}
    for share in shares:
        totals[share.axis] = totals.get(share.axis, money.ZERO) + share.amount
    for axis, total in totals.items():
        if total > line_amount:
            raise ValueError(
                f"ventilation analytique de l'axe {axis} ({money.format_amount(total)}) "
                f"supérieure au montant de la ligne ({money.format_amount(line_amount)})"
            )
    return tuple(shares)


def describe_entry(entry: Entry, sources: Sequence[Source]) -> str:
    """`écriture VE FA2025-001 du 15/01/2025 (lignes 2 à 4)`: how a problem names an entry."""
    lines = [s.line for s in sources if s.line is not None]
    where = ""
    if lines:
        where = f" (ligne {lines[0]})" if len(lines) == 1 else f" (lignes {lines[0]} à {lines[-1]})"
    piece = f" {entry.piece_ref or entry.external_number}".rstrip()
    return f"écriture {entry.journal}{piece} du {entry.date:%d/%m/%Y}{where}"


def add_checked_entry(
    batch: Batch, entry: Entry, line_sources: Sequence[Source], context: str
) -> bool:
    """Add the entry to the batch if it passes the core checks; otherwise record its problems,
    each line's at its own file line and the entry's (balance…) at its first, prefixed with
    `context`. Returns whether the entry was added."""
    problems: list[Problem] = []
    for index, (line, src) in enumerate(zip(entry.lines, line_sources, strict=True), start=1):
        problems.extend(entries.check_line(line, index, src))
    if not problems:
        problems = entries.check_entry(entry)
    if problems:
        batch.problems.extend(
            Problem(f"{context} : {p.message}", p.field, p.source, p.severity) for p in problems
        )
        return False
    batch.entries.append(entry)
    return True


def journal_label(code: str) -> str:
    return _JOURNAL_LABELS.get(code.upper(), f"Journal {code}")


def register_journal(batch: Batch, code: str, label: str = "") -> None:
    if code not in batch.journals or (label and batch.journals[code] != label):
        batch.journals[code] = label or batch.journals.get(code) or journal_label(code)


def register_account(batch: Batch, number: str, label: str = "") -> None:
    """Give the batch an account: the file's label when it has one, else the PCG's."""
    if label:
        batch.accounts[number] = label
    elif number not in batch.accounts:
        batch.accounts[number] = pcg.label(number)


def register_third_party(
    batch: Batch, aux: str, name: str, account: str, source: Source | None
) -> None:
    """Record a third party on its collective account. The same code on a second collective
    (411 then 416 clients douteux) is legitimate: it stays on the first, with a warning."""
    known = batch.third_parties.get(aux)
    if known is None:
        batch.third_parties[aux] = ThirdPartyRecord(aux_number=aux, name=name, account=account)
        return
    if known.account != account:
        message = (
            f"le tiers {aux} est aussi utilisé sur le compte {account} : "
            f"il reste rattaché au collectif {known.account}"
        )
        if not any(p.message == message for p in batch.problems):
            batch.problems.append(Problem(message, "aux_number", source, Severity.WARNING))
