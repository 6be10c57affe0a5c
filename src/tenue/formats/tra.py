"""Cegid TRA (fichier d'échange « TRA » of Cegid Expert / PGI): reading a journal export.

A TRA file is fixed-width text, one record per line, no separator. This reader turns its entry
lines into `Entry` records, its account, third-party and journal records into the batch's
`accounts`, `third_parties` and `journals`, and reports every bad line without stopping.

Established from public sources (positions 1-based, inclusive):
- Cegid's own export unit, published in the public GitHub repository `bravesoftdz/V9`
  (`compta/Com/Recordcom.pas`, format strings `Formatentete`, `Formatmvt`, `FormatJournal`,
  `FormatComptegene`, `FormatCompteaux`; `UExportCom.pas` for how each zone is filled);
  the positions agree with two independent exporters (iDocus, Ruby `datas_tra`; AccBureau, Java
  `CEGIDExportJob`) and with SPECS §6.1:
  - header: `***`, series 4–5 (`S5`…), origin 6–8 (`EXP` cabinet, `CLI` client), content 9–11
    (`JRL` journal, `DOS` dossier, `BAL` balance…), format 12–14 (`STD`, `ETE` extended);
  - entry line: journal 1–3, date 4–11 `JJMMAAAA`, nature de pièce 12–13, general account
    14–30, line type 31, auxiliary account or analytic section 32–48, internal reference 49–83,
    label 84–118, payment mode 119–121, due date 122–129, sens 130 `D`/`C`, amount 131–150
    (right-aligned), qualifier 151 (`E_QUALIFPIECE`), piece number 152–159 (right-aligned),
    then currency, rate, amount code, currency amounts, establishment, axis, due-line number
    (222 characters in `STD`, many more zones in `ETE`, all ignored here);
  - line type: blank for a general line, `X` for a line on a third party (the general account is
    then its collective account), `A` analytic, `G` a document (GED) line and `P` an approval
    (BAP) line, neither of which carries an amount;
  - qualifier: `N` normal, `S` simulation, `P` prévision, `U` situation, `R` révision,
    `C` clôture;
  - Cegid writes an entry's lines together, ordered by journal, period, piece number and line;
    dates are `JJMMAAAA` with `01011900` for "no date";
  - records: `***JAL` journal (code 7–9, label 10–44), `***CGN` general account (number 7–23,
    label 24–58), `***CAE` third party (code 7–23, label 24–58, nature 59–61, lettrable 62,
    collective account 63–79). Other `***` records (`PS1`–`PS5` dossier settings, `EXO` fiscal
    years, `ETB`, `SSA`, `MDP`, `MDR`, `DEV`, `SOU`, `RIB`…) are skipped with a note.

Assumed (VERIFY against Cegid's « Format des fichiers d'échange TRA » and a real export):
- VERIFY the amount zone holds `1234,56` (comma decimal, no thousands separator); a dotted or
  space-grouped amount is accepted too, through `money.parse`;
- VERIFY a negative amount (Cegid allows negative debits) means the other side: it is moved
  there, with a note, as the FEC reader does;
- VERIFY grouping: consecutive lines with the same journal, date and piece number form one
  entry. In Cegid's bordereau/libre entry modes one piece number may span several dates; such a
  piece is split by date here and its parts may not balance (reported, never fixed). A line
  with a blank piece number is grouped by its internal reference instead;
- VERIFY qualifiers: `N` is read; `S`, `P` and `U` (simulation, forecast, situation) are skipped
  with a note, as they are not in the books; `R`, `C` and anything else are refused (problem)
  until their meaning in an export is known;
- VERIFY line types `H` and `O` (named in Cegid's record comments, meaning unknown): refused;
- VERIFY encoding: CP1252 is assumed (SPECS: ANSI); ISO-8859-15 when its €/Œ/œ bytes occur
  without any byte 0x80–0x9F; UTF-8 when the file decodes as such;
- a third party with no `***CAE` record takes its code as name; a third party used on two
  collective accounts stays on the first (warning).
Analytic lines (`A`) are not turned into `Analytic` shares yet: they are counted in a note.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tenue.core import money, pcg
from tenue.core.batch import Batch
from tenue.core.entries import Entry, Line
from tenue.core.problems import Problem, Severity, Source
from tenue.formats.spreadsheet_entries import (
    add_checked_entry,
    decode_text,
    describe_entry,
    register_account,
    register_journal,
    register_third_party,
    text_lines,
)

LINE_WIDTH = 222  # the standard (`STD`) line; shorter lines are padded with spaces

# Zones of an entry line as Python slices (0-based, end excluded) of the 1-based positions.
JOURNAL = slice(0, 3)
DATE = slice(3, 11)
NATURE = slice(11, 13)
GENERAL = slice(13, 30)
LINE_TYPE = slice(30, 31)
AUXILIARY = slice(31, 48)
REFERENCE = slice(48, 83)
LABEL = slice(83, 118)
PAYMENT_MODE = slice(118, 121)
DUE_DATE = slice(121, 129)
SIDE = slice(129, 130)
AMOUNT = slice(130, 150)
QUALIFIER = slice(150, 151)
PIECE = slice(151, 159)

# Zones of the records this reader uses.
HEADER_SERIES, HEADER_ORIGIN = slice(3, 5), slice(5, 8)
HEADER_CONTENT, HEADER_FORMAT = slice(8, 11), slice(11, 14)
RECORD_CODE = slice(3, 6)
JAL_CODE, JAL_LABEL = slice(6, 9), slice(9, 44)
CGN_NUMBER, CGN_LABEL = slice(6, 23), slice(23, 58)
CAE_CODE, CAE_LABEL, CAE_NATURE, CAE_COLLECTIVE = (
    slice(6, 23),
    slice(23, 58),
    slice(58, 61),
    slice(62, 79),
)

NO_DATE = "01011900"
SKIPPED_QUALIFIERS = {"S": "simulation", "P": "prévision", "U": "situation"}
SKIPPED_LINE_TYPES = {"A": "analytique", "G": "document (GED)", "P": "bon à payer (BAP)"}
# The header: `***`, a series (`S1`, `S3`, `S5`, `SI` for Sisco) and an origin (`EXP`, `CLI`).
_HEADER = re.compile(r"\*\*\*(S\d|SI)(EXP|CLI)")
_HEADER_CONTENTS = {"JRL": "journaux", "DOS": "dossier", "BAL": "balance", "SYN": "synchro"}
_HEADER_FORMATS = {"STD": "standard", "ETE": "étendu", "EXT": "étendu"}


def read_tra(path: Path, *, name: str | None = None) -> Batch:
    """The entries, accounts, third parties and journals of a Cegid TRA file."""
    file_name = name or path.name
    batch = Batch(name=file_name)
    text, note = decode_text(path.read_bytes())
    batch.notes.append(note)
    state = _State(file_name)
    for number, raw in enumerate(text_lines(text), start=1):
        if not raw.strip():
            continue
        if not state.seen_content:
            state.seen_content = True
            if _HEADER.match(raw):
                _header(raw, batch)
                continue
            batch.problems.append(
                Problem(
                    "en-tête « ***S5EXP… » absent en première ligne : fichier lu comme un TRA "
                    "standard",
                    "header",
                    Source(file_name, number),
                    Severity.WARNING,
                )
            )
        if raw.startswith("***"):
            _record(raw, number, state)
        else:
            _entry_line(raw, number, state)
    _apply_records(state, batch)
    _build_entries(state, batch)
    _third_parties(state, batch)
    _notes(state, batch)
    return batch


@dataclass
class _TraLine:
    source: Source
    key: tuple[str, ...]
    journal: str
    date: dt.date | None
    piece: str
    reference: str
    label: str
    line: Line | None  # None when a zone is bad
    problems: list[Problem]
    moved: bool = False


@dataclass
class _State:
    file_name: str
    seen_content: bool = False
    lines: list[_TraLine] = field(default_factory=list)
    accounts: dict[str, str] = field(default_factory=dict)
    journals: dict[str, str] = field(default_factory=dict)
    third_parties: dict[str, tuple[str, str, Source]] = field(default_factory=dict)
    skipped_records: Counter[str] = field(default_factory=Counter)
    skipped_qualifiers: Counter[str] = field(default_factory=Counter)
    skipped_line_types: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)


def _header(raw: str, batch: Batch) -> None:
    line = raw.ljust(LINE_WIDTH)
    content, layout = line[HEADER_CONTENT].strip(), line[HEADER_FORMAT].strip()
    batch.notes.append(
        f"en-tête TRA : série {line[HEADER_SERIES].strip()}, origine "
        f"{line[HEADER_ORIGIN].strip()}, contenu {content or '?'}"
        f"{' (' + _HEADER_CONTENTS[content] + ')' if content in _HEADER_CONTENTS else ''}"
        f", format {layout or '?'}"
        f"{' (' + _HEADER_FORMATS[layout] + ')' if layout in _HEADER_FORMATS else ''}"
    )


def _record(raw: str, number: int, state: _State) -> None:
    line = raw.ljust(LINE_WIDTH)
    src = Source(state.file_name, number)
    code = line[RECORD_CODE]
    if code == "JAL":
        journal = line[JAL_CODE].strip()
        if journal:
            state.journals[journal] = line[JAL_LABEL].strip()
    elif code == "CGN":
        try:
            account = pcg.validate(line[CGN_NUMBER].strip())
        except pcg.InvalidAccountNumber as exc:
            state.problems.append(Problem(f"fiche compte ***CGN : {exc}", "account", src))
            return
        state.accounts[account] = line[CGN_LABEL].strip()
    elif code == "CAE":
        aux = line[CAE_CODE].strip()
        if aux:
            state.third_parties[aux] = (
                line[CAE_LABEL].strip(),
                line[CAE_COLLECTIVE].strip(),
                src,
            )
    else:
        state.skipped_records[code.strip() or "?"] += 1


def _entry_line(raw: str, number: int, state: _State) -> None:
    zones = raw.ljust(LINE_WIDTH)
    src = Source(state.file_name, number)
    qualifier = zones[QUALIFIER]
    if qualifier in SKIPPED_QUALIFIERS:
        state.skipped_qualifiers[qualifier] += 1
        return
    line_type = zones[LINE_TYPE]
    if line_type in SKIPPED_LINE_TYPES:
        state.skipped_line_types[line_type] += 1
        return
    problems: list[Problem] = []
    if qualifier != "N":
        problems.append(
            Problem(
                f"type d'écriture « {qualifier.strip()} » non pris en charge (N attendu ; "
                "S, P et U sont ignorés)",
                "qualifier",
                src,
            )
        )
    journal = zones[JOURNAL].strip()
    if not journal:
        problems.append(Problem("code journal vide (colonnes 1 à 3)", "journal", src))
    date = _date(zones[DATE], "date", src, problems)
    account = _account(zones[GENERAL].strip(), src, problems)
    aux = zones[AUXILIARY].strip()
    if line_type == "X" and not aux:
        problems.append(
            Problem(
                "ligne de tiers (X) sans compte auxiliaire (colonnes 32 à 48)", "aux_number", src
            )
        )
    elif line_type not in (" ", "X"):
        problems.append(
            Problem(f"type de ligne « {line_type} » non pris en charge", "line_type", src)
        )
    elif line_type == " " and aux:
        problems.append(
            Problem(
                f"compte auxiliaire « {aux} » sur une ligne générale (type vide) : ignoré",
                "aux_number",
                src,
                Severity.WARNING,
            )
        )
        aux = ""
    side = zones[SIDE]
    if side not in ("D", "C"):
        problems.append(
            Problem(f"sens « {side.strip()} » invalide (D ou C attendu, colonne 130)", "side", src)
        )
    amount: Decimal | None = None
    try:
        amount = money.parse(zones[AMOUNT])
    except money.MoneyError as exc:
        problems.append(Problem(f"{exc} (colonnes 131 à 150)", "amount", src))
    due = zones[DUE_DATE]
    if due.strip() and due != NO_DATE:
        _date(due, "due_date", src, problems)
    piece, reference = zones[PIECE].strip(), zones[REFERENCE].strip()
    label = zones[LABEL].strip()
    key = (zones[JOURNAL], zones[DATE], piece if piece else f"ref:{reference}")
    line: Line | None = None
    moved = False
    if not [p for p in problems if p.severity is Severity.ERROR]:
        assert account is not None and amount is not None
        moved = amount < 0
        debit_side = (side == "D") != moved
        value = abs(amount)
        line = Line(
            account=account,
            debit=value if debit_side else money.ZERO,
            credit=money.ZERO if debit_side else value,
            label=label,
            aux_number=aux,
        )
    state.lines.append(
        _TraLine(src, key, journal, date, piece, reference, label, line, problems, moved)
    )


def _date(text: str, field_name: str, src: Source, problems: list[Problem]) -> dt.date | None:
    where = "colonnes 4 à 11" if field_name == "date" else "colonnes 122 à 129"
    if len(text) == 8 and text.isdigit():
        try:
            return dt.date(int(text[4:]), int(text[2:4]), int(text[:2]))
        except ValueError:
            pass
    problems.append(
        Problem(f"date invalide « {text.strip()} » (JJMMAAAA attendu, {where})", field_name, src)
    )
    return None


def _account(text: str, src: Source, problems: list[Problem]) -> str | None:
    try:
        return pcg.validate(text)
    except pcg.InvalidAccountNumber as exc:
        problems.append(Problem(f"{exc} (colonnes 14 à 30)", "account", src))
        return None


def _apply_records(state: _State, batch: Batch) -> None:
    batch.problems.extend(state.problems)
    for number, label in state.accounts.items():
        register_account(batch, number, label)
    for code, label in state.journals.items():
        register_journal(batch, code, label)


def _build_entries(state: _State, batch: Batch) -> None:
    for _, group_iter in itertools.groupby(state.lines, key=lambda x: x.key):
        group = list(group_iter)
        for tra_line in group:
            batch.problems.extend(tra_line.problems)
        if any(x.line is None for x in group):
            continue
        first = group[0]
        assert first.date is not None
        lines = tuple(x.line for x in group if x.line is not None)
        entry = Entry(
            journal=first.journal,
            date=first.date,
            label=next((x.label for x in group if x.label), "")
            or next((x.reference for x in group if x.reference), "")
            or f"Pièce {first.piece}",
            lines=lines,
            piece_ref=next((x.reference for x in group if x.reference), first.piece),
            source=first.source,
            external_number=first.piece,
        )
        sources = [x.source for x in group]
        if add_checked_entry(batch, entry, sources, describe_entry(entry, sources)):
            register_journal(batch, entry.journal)
            for line, src in zip(lines, sources, strict=True):
                register_account(batch, line.account)
                if line.aux_number:
                    name, collective = _third_party_name(state, line.aux_number, line.account)
                    register_third_party(batch, line.aux_number, name, collective, src)


def _third_party_name(state: _State, aux: str, used_on: str) -> tuple[str, str]:
    """(name, collective account) of a third party used on `used_on`: from its `***CAE`
    record when the file has one (its collective when valid), else its code and `used_on`."""
    record = state.third_parties.get(aux)
    if record is None:
        return aux, used_on
    name, collective, _ = record
    return name or aux, pcg.compact(collective) if pcg.is_valid(collective) else used_on


def _third_parties(state: _State, batch: Batch) -> None:
    """Third parties of `***CAE` records that no entry line used still belong to the dossier."""
    for aux, (name, collective, src) in state.third_parties.items():
        if aux in batch.third_parties:
            continue
        if pcg.is_valid(collective):
            register_third_party(batch, aux, name or aux, pcg.compact(collective), src)
        else:
            batch.problems.append(
                Problem(
                    f"fiche tiers ***CAE {aux} sans compte collectif valide "
                    f"(« {collective} ») et jamais utilisée : ignorée",
                    "aux_number",
                    src,
                    Severity.WARNING,
                )
            )


def _notes(state: _State, batch: Batch) -> None:
    if state.accounts:
        batch.notes.append(f"{len(state.accounts)} libellé(s) de compte lus (fiches ***CGN)")
    if state.journals:
        batch.notes.append(f"{len(state.journals)} journal(aux) lus (fiches ***JAL)")
    if state.third_parties:
        batch.notes.append(f"{len(state.third_parties)} tiers lus (fiches ***CAE)")
    if state.skipped_records:
        listed = ", ".join(f"***{code} × {n}" for code, n in sorted(state.skipped_records.items()))
        batch.notes.append(f"enregistrements ignorés (paramètres du dossier) : {listed}")
    for qualifier, count in sorted(state.skipped_qualifiers.items()):
        batch.notes.append(
            f"{count} ligne(s) d'écriture de {SKIPPED_QUALIFIERS[qualifier]} ({qualifier}) "
            "ignorée(s) : elles ne sont pas dans la comptabilité"
        )
    for line_type, count in sorted(state.skipped_line_types.items()):
        batch.notes.append(
            f"{count} ligne(s) {SKIPPED_LINE_TYPES[line_type]} (type {line_type}) ignorée(s)"
        )
    moved = sum(1 for x in state.lines if x.moved)
    if moved:
        batch.notes.append(f"{moved} montant(s) négatif(s) passé(s) au sens opposé")
    nameless = sorted(aux for aux in batch.third_parties if aux not in state.third_parties)
    if nameless:
        batch.notes.append(
            f"{len(nameless)} tiers sans fiche ***CAE : leur code sert de nom "
            f"({', '.join(nameless[:5])}{'…' if len(nameless) > 5 else ''})"
        )
