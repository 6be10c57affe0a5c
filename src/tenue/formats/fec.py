"""FEC — Fichier des Écritures Comptables (LPF art. A47 A-1): reading and writing.

Reading (`FecReader`) streams the file line by line, so a file of millions of lines takes little
memory. It accepts what the text allows and what real exports do:
- the 18 columns, or the Montant + Sens variant, and the BNC/BA cash-basis extra columns;
- a tab or pipe separator (detected from the header), with or without a trailing separator;
- UTF-8 with or without BOM, ISO-8859-15 or Windows-1252 (detected, or given);
- header names in any case; values padded with spaces; amounts with a decimal comma or dot,
  zero-padded, signed on the left or the right; dates `AAAAMMJJ`;
- trailing analytic columns `Axe`, `Tag`, `Valeur`, repeated once per axis.
It never stops at the first bad line: each problem names the file, the line and the field, and
every guess (encoding, separator, trailing separator) is written in `notes`. A line with a bad
field yields no record; the others do.

Writing (`write_fec`) produces the legal form: header line, tab separator, decimal comma without
thousands separator, dates `AAAAMMJJ`, no tab or line break inside a field.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, NamedTuple

from tenue.core.entries import Analytic
from tenue.core.problems import Problem, Severity, Source

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
AMOUNT_SIGN_COLUMNS = ("Montant", "Sens")
CASH_BASIS_COLUMNS = ("DateRglt", "ModeRglt", "NatOp", "IdClient")
ENCODINGS = ("utf-8", "iso-8859-15", "cp1252")
MAX_PROBLEMS = 10_000

# A FEC number: optional sign on either side, digits, optional comma or dot and up to 2 decimals.
_AMOUNT = re.compile(r"([+-]?)(\d+)(?:[.,](\d{1,2}))?([+-]?)")
_CP1252_ONLY = re.compile(rb"[\x80-\x9f]")
_ZEROS = frozenset(("0,00", "0.00", "0", "0,0", "0.0", "000000000000,00"))
_ZERO = Decimal("0.00")


class FecRecord(NamedTuple):
    """One line of a FEC, typed. Amounts are never negative: a signed amount moves to the
    other side (a note says so)."""

    line: int
    journal_code: str
    journal_lib: str
    number: str
    date: dt.date
    account: str
    account_lib: str
    aux: str
    aux_lib: str
    piece_ref: str
    piece_date: dt.date | None
    label: str
    debit: Decimal
    credit: Decimal
    lettering: str
    lettering_date: dt.date | None
    valid_date: dt.date | None
    currency_amount: Decimal | None
    currency: str
    analytics: tuple[Analytic, ...]


@dataclass
class Layout:
    separator: str
    encoding: str
    variant: str  # "debit_credit" or "amount_sign"
    columns: list[str]  # canonical names, in file order ("" for an ignored trailing column)
    analytic_groups: list[tuple[int, int, int]]  # (axe, tag, valeur) column indexes
    trailing_separator: bool
    cash_basis: bool


class FecError(ValueError):
    """The file cannot be read at all (empty, no usable header)."""


@lru_cache(maxsize=4096)
def _parse_date(text: str) -> date:
    if len(text) != 8 or not text.isdigit():
        raise ValueError(text)
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def parse_amount(text: str) -> Decimal:
    """A FEC amount: `1250,50`, `1250.5`, `-12,00`, `12,00-`, `0000000069,60`. No thousands
    separator, no exponent, at most two decimals; raises ValueError otherwise."""
    if text in _ZEROS:  # half of all Debit/Credit cells
        return _ZERO
    match = _AMOUNT.fullmatch(text)
    if match is None or (match.group(1) and match.group(4)):
        raise ValueError(text)
    sign, whole, cents, _ = match.groups()
    value = Decimal(f"{whole}.{(cents or '').ljust(2, '0')}")
    return -value if "-" in (sign, match.group(4)) else value


def format_amount(value: Decimal) -> str:
    """`1250,50`: decimal comma, no thousands separator."""
    return f"{value:.2f}".replace(".", ",")


def detect_encoding(path: Path) -> tuple[str, str | None]:
    """(encoding, note): a BOM, else UTF-8 if the whole file decodes as such, else Windows-1252
    when bytes 0x80–0x9F occur (control characters in ISO-8859-15), else ISO-8859-15."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, ascii_only, cp1252 = True, True, False
    with path.open("rb") as fh:
        first = True
        while chunk := fh.read(1 << 20):
            if first and chunk.startswith(codecs.BOM_UTF8):
                return "utf-8-sig", None
            first = False
            if ascii_only and not chunk.isascii():
                ascii_only = False
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
            if not utf8 and _CP1252_ONLY.search(chunk):
                cp1252 = True
                break
    if ascii_only:
        return "utf-8", "encodage : ASCII (lu comme UTF-8)"
    if utf8:
        return "utf-8", "encodage détecté : UTF-8 sans BOM"
    if cp1252:
        return "cp1252", "encodage détecté : Windows-1252 (octets 0x80–0x9F présents)"
    return "iso-8859-15", (
        "encodage supposé : ISO-8859-15 (pas de l'UTF-8 ; aucun octet ne le distingue de "
        "Windows-1252 pour les lettres françaises courantes)"
    )


class FecReader:
    """Iterate a FEC's records; `problems` and `notes` fill up as the file is read."""

    def __init__(self, path: Path | str, *, encoding: str | None = None, name: str | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.problem_count = 0
        self.line_count = 0
        self.signed_amounts = 0
        self.dropped_lines = 0  # lines with a bad field: no record for them
        self.unreadable: list[Problem] = []
        self._forced_encoding = encoding
        self.layout = self._layout()

    # -- problems -----------------------------------------------------------------------------
    def problem(
        self,
        line: int | None,
        field_name: str | None,
        message: str,
        severity: Severity = Severity.ERROR,
        *,
        unreadable: bool = True,
    ) -> None:
        """Record a problem; `unreadable` (the reader's own) means data that could not be read."""
        self.problem_count += 1
        problem = Problem(message, field_name, Source(self.name, line), severity)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        if unreadable and severity is Severity.ERROR and len(self.unreadable) < 1000:
            self.unreadable.append(problem)

    # -- layout -------------------------------------------------------------------------------
    def _layout(self) -> Layout:
        with self.path.open("rb") as fh:
            head = fh.read(1 << 16)
        if not head.strip():
            raise FecError(f"{self.name} : fichier vide")
        if self._forced_encoding:
            encoding = self._forced_encoding
            self.notes.append(f"encodage imposé : {encoding}")
        else:
            encoding, note = detect_encoding(self.path)
            if note:
                self.notes.append(note)
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        try:
            header = first.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            raise FecError(f"{self.name}, ligne 1 : en-tête illisible en {encoding}") from exc
        if "\t" in header:
            separator = "\t"
        elif "|" in header:
            separator = "|"
            self.notes.append("séparateur : barre verticale « | »")
        else:
            raise FecError(
                f"{self.name}, ligne 1 : séparateur introuvable (tabulation ou « | » attendus)"
            )
        names = [n.strip() for n in header.split(separator)]
        trailing = names[-1] == ""
        if trailing:
            names = names[:-1]
            self.notes.append("séparateur en fin de ligne ignoré")
        return self._columns(names, separator, encoding, trailing)

    def _columns(self, names: list[str], separator: str, encoding: str, trailing: bool) -> Layout:
        known = {c.lower(): c for c in (*COLUMNS, *AMOUNT_SIGN_COLUMNS, *CASH_BASIS_COLUMNS)}
        columns: list[str] = []
        groups: list[tuple[int, int, int]] = []
        index = 0
        while index < len(names):
            lower = names[index].lower()
            if lower in known:
                columns.append(known[lower])
                if names[index] != known[lower]:
                    self.notes.append(f"colonne « {names[index]} » lue comme {known[lower]}")
                index += 1
            elif (
                lower.startswith("axe")
                and index + 2 < len(names)
                and names[index + 1].lower().startswith("tag")
                and names[index + 2].lower().startswith("valeur")
            ):
                groups.append((index, index + 1, index + 2))
                columns.extend(("", "", ""))
                index += 3
            else:
                columns.append("")
                self.notes.append(f"colonne supplémentaire « {names[index]} » ignorée")
                index += 1
        if groups:
            self.notes.append(f"{len(groups)} axe(s) analytique(s) en colonnes Axe/Tag/Valeur")
        present = set(columns)
        variant = "debit_credit"
        if {"Montant", "Sens"} <= present and not {"Debit", "Credit"} & present:
            variant = "amount_sign"
            self.notes.append("variante Montant + Sens")
        required = [c for c in COLUMNS if c not in ("Debit", "Credit")]
        required += ["Debit", "Credit"] if variant == "debit_credit" else ["Montant", "Sens"]
        missing = [c for c in required if c not in present]
        for name in missing:
            self.problem(1, name, f"colonne obligatoire absente : {name}")
        cash_basis = bool({"DateRglt", "ModeRglt"} & present)
        if cash_basis:
            self.notes.append("comptabilité de trésorerie (BNC/BA) : colonnes DateRglt/ModeRglt")
        duplicates = {c for c in columns if c and columns.count(c) > 1}
        for name in sorted(duplicates):
            self.problem(1, name, f"colonne en double : {name}")
        if missing and {"JournalCode", "EcritureNum", "EcritureDate", "CompteNum"} - present:
            raise FecError(f"{self.name}, ligne 1 : en-tête FEC non reconnu ({', '.join(missing)})")
        return Layout(separator, encoding, variant, columns, groups, trailing, cash_basis)

    # -- records ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[FecRecord]:
        layout = self.layout
        index = {name: i for i, name in enumerate(layout.columns) if name}
        width = len(layout.columns)
        sep = layout.separator
        fast = self._fast_record(index, width)
        padded = (" " + sep, sep + " ")
        # Lines are decoded one by one, so that a byte the encoding cannot read costs that
        # line (reported with its number), not the rest of the file.
        encoding = "utf-8" if layout.encoding == "utf-8-sig" else layout.encoding
        with self.path.open("rb") as fh:
            fh.readline()
            number = 1
            for line_bytes in fh:
                number += 1
                try:
                    text = line_bytes.decode(encoding).rstrip("\r\n")
                except UnicodeDecodeError as exc:
                    self.line_count += 1
                    self.dropped_lines += 1
                    self.problem(
                        number,
                        None,
                        f"octet illisible en {encoding} à la position "
                        f"{exc.start + 1} (essayez un autre encodage)",
                    )
                    continue
                if not text.strip():
                    continue
                self.line_count += 1
                cells = text.split(sep)
                if layout.trailing_separator and len(cells) == width + 1 and cells[-1] == "":
                    cells.pop()
                if len(cells) != width:
                    self.dropped_lines += 1
                    self.problem(
                        number,
                        None,
                        f"{len(cells)} champs au lieu de {width} (séparateur dans un champ ?)",
                    )
                    continue
                if padded[0] in text or padded[1] in text or text[0] == " " or text[-1] == " ":
                    cells = [c.strip() for c in cells]  # space-padded fields
                record = fast(number, cells) if fast else self._record(number, cells, index)
                if record is None:
                    self.dropped_lines += 1
                else:
                    yield record
        if self.signed_amounts:
            self.notes.append(
                f"{self.signed_amounts} montant(s) négatif(s) passé(s) de l'autre côté "
                "(débit négatif = crédit)"
            )

    def _fast_record(
        self, index: dict[str, int], width: int
    ) -> Callable[[int, list[str]], FecRecord | None] | None:
        """The common case (Debit/Credit columns, no analytics) read without per-field checks;
        any field that does not parse falls back to `_record`, which names the problem."""
        if self.layout.variant != "debit_credit" or self.layout.analytic_groups:
            return None
        pick = [index.get(name, width) for name in COLUMNS]  # `width`: an empty cell added
        (
            jc,
            jl,
            num,
            ed,
            acc,
            accl,
            aux,
            auxl,
            pref,
            pdate,
            lab,
            deb,
            cred,
            let,
            dlet,
            vdate,
            mdev,
            idev,
        ) = pick
        parse_date, amount, record = _parse_date, parse_amount, self._record

        def fast(line: int, cells: list[str]) -> FecRecord | None:
            cells.append("")
            try:
                entry_date = parse_date(cells[ed])
                piece_date = parse_date(cells[pdate]) if cells[pdate] else None
                lettering_date = parse_date(cells[dlet]) if cells[dlet] else None
                valid_date = parse_date(cells[vdate]) if cells[vdate] else None
                debit = amount(cells[deb] or "0")
                credit = amount(cells[cred] or "0")
                currency_amount = amount(cells[mdev]) if cells[mdev] else None
            except ValueError:
                cells.pop()
                return record(line, cells, index)
            if debit < 0 or credit < 0 or (currency_amount is not None and currency_amount < 0):
                cells.pop()
                return record(line, cells, index)
            return FecRecord(
                line,
                cells[jc],
                cells[jl],
                cells[num],
                entry_date,
                cells[acc],
                cells[accl],
                cells[aux],
                cells[auxl],
                cells[pref],
                piece_date,
                cells[lab],
                debit,
                credit,
                cells[let],
                lettering_date,
                valid_date,
                currency_amount,
                cells[idev],
                (),
            )

        return fast

    def _record(self, line: int, cells: list[str], index: dict[str, int]) -> FecRecord | None:
        bad = False

        def get(name: str) -> str:
            i = index.get(name)
            return cells[i] if i is not None else ""

        def day(name: str, required: bool) -> date | None:
            nonlocal bad
            text = get(name)
            if not text:
                if required:
                    self.problem(line, name, "date obligatoire absente")
                    bad = True
                return None
            try:
                return _parse_date(text)
            except ValueError:
                self.problem(line, name, f"date invalide « {text} » (AAAAMMJJ attendu)")
                bad = True
                return None

        def amount(name: str, text: str) -> Decimal:
            nonlocal bad
            try:
                return parse_amount(text)
            except ValueError:
                self.problem(line, name, f"montant invalide « {text} »")
                bad = True
                return Decimal(0)

        entry_date = day("EcritureDate", True)
        piece_date = day("PieceDate", False)
        lettering_date = day("DateLet", False)
        valid_date = day("ValidDate", False)
        if self.layout.variant == "debit_credit":
            debit = amount("Debit", get("Debit") or "0")
            credit = amount("Credit", get("Credit") or "0")
        else:
            value = amount("Montant", get("Montant") or "0")
            sens = get("Sens").upper()
            if sens in ("D", "+1"):
                debit, credit = value, Decimal(0)
            elif sens in ("C", "-1"):
                debit, credit = Decimal(0), value
            else:
                self.problem(line, "Sens", f"sens invalide « {get('Sens')} » (D, C, +1 ou -1)")
                return None
        if debit < 0 or credit < 0:  # a negative debit is a credit, and the reverse
            self.signed_amounts += 1
            zero = Decimal(0)
            debit, credit = (
                max(debit, zero) - min(credit, zero),
                max(credit, zero) - min(debit, zero),
            )
        currency_text = get("Montantdevise")
        currency_amount = amount("Montantdevise", currency_text) if currency_text else None
        analytics = []
        for axe, tag, valeur in self.layout.analytic_groups:
            if cells[axe] or cells[tag]:
                share = amount("Valeur", cells[valeur]) if cells[valeur] else debit + credit
                analytics.append(Analytic(cells[axe], cells[tag], abs(share)))
        if bad or entry_date is None:
            return None
        return FecRecord(
            line,
            get("JournalCode"),
            get("JournalLib"),
            get("EcritureNum"),
            entry_date,
            get("CompteNum"),
            get("CompteLib"),
            get("CompAuxNum"),
            get("CompAuxLib"),
            get("PieceRef"),
            piece_date,
            get("EcritureLib"),
            debit,
            credit,
            get("EcritureLet"),
            lettering_date,
            valid_date,
            abs(currency_amount) if currency_amount is not None else None,
            get("Idevise"),
            tuple(analytics),
        )


def fec_file_name(siren: str, year_end: date) -> str:
    return f"{siren}FEC{year_end:%Y%m%d}.txt"


_FORBIDDEN = str.maketrans({"\t": " ", "\n": " ", "\r": " ", "|": "/"})


def clean_text(value: str) -> str:
    """No separator and no line break inside a field (tab, pipe, CR, LF become harmless)."""
    return value.translate(_FORBIDDEN)


@dataclass
class FecLine:
    """One line to write, values already in their final form (entry number as text)."""

    journal_code: str
    journal_lib: str
    number: str
    date: dt.date
    account: str
    account_lib: str
    aux: str
    aux_lib: str
    piece_ref: str
    piece_date: dt.date | None
    label: str
    debit: Decimal
    credit: Decimal
    lettering: str = ""
    lettering_date: dt.date | None = None
    valid_date: dt.date | None = None
    currency_amount: Decimal | None = None
    currency: str = ""
    analytics: tuple[Analytic, ...] = field(default=())


def write_fec(lines: Iterable[FecLine], out: IO[str], *, analytic_axes: int = 0) -> int:
    """Write the header and the lines; returns the number of lines written."""

    def d(value: date | None) -> str:
        return f"{value:%Y%m%d}" if value else ""

    header = list(COLUMNS)
    for _ in range(analytic_axes):
        header += ["Axe", "Tag", "Valeur"]
    out.write("\t".join(header) + "\r\n")
    count = 0
    for x in lines:
        cells = [
            x.journal_code,
            x.journal_lib,
            x.number,
            d(x.date),
            x.account,
            x.account_lib,
            x.aux,
            x.aux_lib,
            x.piece_ref,
            d(x.piece_date),
            x.label,
            format_amount(x.debit),
            format_amount(x.credit),
            x.lettering,
            d(x.lettering_date),
            d(x.valid_date),
            format_amount(x.currency_amount) if x.currency_amount is not None else "",
            x.currency,
        ]
        cells = [clean_text(c) for c in cells]
        for i in range(analytic_axes):
            if i < len(x.analytics):
                a = x.analytics[i]
                cells += [clean_text(a.axis), clean_text(a.tag), format_amount(a.amount)]
            else:
                cells += ["", "", ""]
        out.write("\t".join(cells) + "\r\n")
        count += 1
    return count
