"""The FEC compliance check: what the administration's test tool checks, and more.

`check_fec` reads the file once, streaming, and keeps per entry only a few numbers, so it runs
on files of millions of lines. Errors make the file fail; warnings are reported and do not.

Checks, with their severity:
- file name `<SIREN>FEC<AAAAMMJJ>` (warning when it does not match; error when the SIREN in it
  is not a valid SIREN), the closing date taken from the name unless given;
- structure (header, mandatory columns, field count per line) and mandatory fields not empty
  (error; an empty PieceRef or EcritureLib is a warning, as the issue asks them flagged);
- dates valid (error), within the fiscal year (after the closing date: error; more than twelve
  months before it: warning, since a first fiscal year may be longer);
- one line is a debit or a credit, not both, not neither (error);
- each entry balanced, the file balanced (error);
- numbering continuous and chronological per journal, or over the whole file (a gap or a number
  out of date order: warning, since the law asks it to be explainable, not absent; the same
  number in two places of a journal: error);
- ValidDate present and not before EcritureDate (error);
- EcritureLet and DateLet together (error); Montantdevise and Idevise together (warning);
- account numbers: three leading digits, class 1 to 7 (error);
- an auxiliary account only on a third-party account (class 4), always on the same general
  account (warning).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from stdnum.fr import siren as stdnum_siren

from tenue.core import money, pcg
from tenue.core.problems import Problem, Severity, Source
from tenue.formats.fec import FecError, FecReader, FecRecord

_NAME = re.compile(r"^(\d{9})FEC(\d{8})", re.IGNORECASE)
_TRAILING_DIGITS = re.compile(r"(\d+)$")
WARNING = Severity.WARNING
BLOCKING_WHEN_EMPTY = {"JournalCode", "EcritureNum", "CompteNum"}
CONTINUOUS_NOTE = "numérotation continue sur l'ensemble du fichier"


@dataclass
class JournalStats:
    code: str
    label: str = ""
    lines: int = 0
    entries: int = 0
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO


@dataclass
class FecReport:
    name: str
    siren: str = ""
    year_end: date | None = None
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    lines: int = 0
    entries: int = 0
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    journals: dict[str, JournalStats] = field(default_factory=dict)
    first_date: date | None = None
    last_date: date | None = None
    blocking: list[Problem] = field(default_factory=list)  # errors that forbid an import
    encoding: str | None = None  # as read (detected or given)
    provisional: bool = False  # a provisional FEC: entries may lack their ValidDate

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def text(self, *, limit: int = 200) -> str:
        """The readable report, in French."""
        out = [f"Contrôle du FEC {self.name}"]
        if self.siren:
            out.append(
                f"SIREN {self.siren}, clôture {self.year_end:%d/%m/%Y}"
                if self.year_end
                else f"SIREN {self.siren}"
            )
        out += [f"  note : {n}" for n in self.notes]
        span = (
            f" du {self.first_date:%d/%m/%Y} au {self.last_date:%d/%m/%Y}"
            if self.first_date and self.last_date
            else ""
        )
        out.append(f"{self.lines} lignes, {self.entries} écritures{span}")
        out.append(
            f"{'Journal':<10} {'Libellé':<24} {'Écritures':>9} {'Lignes':>8} "
            f"{'Débit':>18} {'Crédit':>18}"
        )
        for stats in sorted(self.journals.values(), key=lambda s: s.code):
            out.append(
                f"{stats.code:<10} {stats.label[:24]:<24} {stats.entries:>9} {stats.lines:>8} "
                f"{money.format_amount(stats.debit, currency=None):>18} "
                f"{money.format_amount(stats.credit, currency=None):>18}"
            )
        out.append(
            f"{'Total':<10} {'':<24} {self.entries:>9} {self.lines:>8} "
            f"{money.format_amount(self.debit, currency=None):>18} "
            f"{money.format_amount(self.credit, currency=None):>18}"
        )
        errors, warnings = self.errors, self.warnings
        out.append(
            f"{len(errors)} erreur(s), {len(warnings)} avertissement(s)"
            + (
                f" ({self.problem_count} au total, les premiers seulement sont listés)"
                if self.problem_count > len(self.problems)
                else ""
            )
        )
        for problem in (errors + warnings)[:limit]:
            tag = "ERREUR" if problem.severity is Severity.ERROR else "avert."
            out.append(f"  {tag} {problem}")
        if len(errors) + len(warnings) > limit:
            out.append(f"  … et {len(errors) + len(warnings) - limit} autre(s)")
        out.append("FEC CONFORME" if self.ok else "FEC NON CONFORME")
        return "\n".join(out) + "\n"


@dataclass(slots=True)
class _Entry:
    journal: str
    number: str
    first_line: int
    last_line: int
    date: date
    cents: int = 0
    closed: bool = False  # already counted among the entries whose lines are scattered


def _numeric(number: str) -> int | None:
    match = _TRAILING_DIGITS.search(number)
    return int(match.group(1)) if match else None


class FecChecker:
    """Feed records (from `FecReader`) one by one, then `finish()`."""

    def __init__(self, report: FecReport, reader: FecReader, year_end: date | None) -> None:
        self.report = report
        self.reader = reader
        self.year_end = year_end
        self.year_start_guess = _year_start(year_end) if year_end is not None else None
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.order: list[tuple[str, str]] = []
        self.current: _Entry | None = None
        self.aux_accounts: dict[str, str] = {}
        self.total_cents = 0
        self.scattered = 0
        self.unvalidated = 0
        self.good_accounts: set[str] = set()
        self.first_scattered: tuple[_Entry, int] | None = None

    def problem(
        self,
        line: int | None,
        name: str | None,
        message: str,
        severity: Severity = Severity.ERROR,
        *,
        blocking: bool = False,
    ) -> None:
        self.reader.problem(line, name, message, severity, unreadable=False)
        if blocking and len(self.report.blocking) < 1000:
            self.report.blocking.append(Problem(message, name, Source(self.reader.name, line)))

    def feed(self, r: FecRecord) -> None:
        report = self.report
        stats = report.journals.get(r.journal_code)
        if stats is None:
            stats = report.journals[r.journal_code] = JournalStats(r.journal_code, r.journal_lib)
        stats.lines += 1
        stats.debit += r.debit
        stats.credit += r.credit
        report.lines += 1
        report.debit += r.debit
        report.credit += r.credit
        if report.first_date is None or r.date < report.first_date:
            report.first_date = r.date
        if report.last_date is None or r.date > report.last_date:
            report.last_date = r.date
        self._fields(r)
        key = (r.journal_code, r.number)
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _Entry(r.journal_code, r.number, r.line, r.line, r.date)
            self.order.append(key)
            stats.entries += 1
            report.entries += 1
        else:
            if entry is not self.current and not entry.closed:
                entry.closed = True  # counted once per entry
                self.scattered += 1
                if self.scattered == 1:
                    self.first_scattered = (entry, r.line)
            if r.date != entry.date:
                self.problem(
                    r.line,
                    "EcritureDate",
                    f"écriture {r.journal_code} {r.number} : date {r.date:%d/%m/%Y} différente "
                    f"de celle de sa première ligne ({entry.date:%d/%m/%Y})",
                    blocking=True,
                )
        entry.last_line = r.line
        cents = round((r.debit - r.credit) * 100)
        entry.cents += cents
        self.total_cents += cents
        self.current = entry

    def _fields(self, r: FecRecord) -> None:
        line = r.line
        if not (r.journal_code and r.journal_lib and r.number and r.account and r.account_lib):
            for name, value in (
                ("JournalCode", r.journal_code),
                ("JournalLib", r.journal_lib),
                ("EcritureNum", r.number),
                ("CompteNum", r.account),
                ("CompteLib", r.account_lib),
            ):
                if not value:
                    self.problem(
                        line, name, "champ obligatoire vide", blocking=name in BLOCKING_WHEN_EMPTY
                    )
        if r.piece_date is None:
            self.problem(line, "PieceDate", "champ obligatoire vide")
        if not r.piece_ref:
            self.problem(line, "PieceRef", "référence de pièce vide", WARNING)
        if not r.label:
            self.problem(line, "EcritureLib", "libellé d'écriture vide", WARNING)
        if (r.debit != 0) == (r.credit != 0):
            self.problem(
                line,
                "Debit",
                "débit et crédit tous deux renseignés"
                if r.debit
                else "débit et crédit tous deux nuls",
                blocking=True,
            )
        if r.valid_date is None:
            if self.report.provisional:
                self.unvalidated += 1
            else:
                self.problem(line, "ValidDate", "date de validation absente")
        elif r.valid_date < r.date:
            self.problem(
                line,
                "ValidDate",
                f"date de validation {r.valid_date:%d/%m/%Y} antérieure à la date "
                f"d'écriture {r.date:%d/%m/%Y}",
                blocking=True,
            )
        if bool(r.lettering) != (r.lettering_date is not None):
            self.problem(
                line,
                "DateLet" if r.lettering else "EcritureLet",
                "EcritureLet et DateLet vont ensemble",
            )
        if (r.currency_amount is None) != (not r.currency):
            self.problem(line, "Idevise", "Montantdevise et Idevise vont ensemble", WARNING)
        account = r.account
        if account in self.good_accounts:
            pass
        elif account and (len(account) < 3 or not account[:3].isdigit()):
            self.problem(
                line,
                "CompteNum",
                f"numéro de compte « {account} » : trois chiffres attendus en tête",
                blocking=True,
            )
        elif account and account[0] not in "1234567":
            self.problem(
                line,
                "CompteNum",
                f"compte {account} hors des classes 1 à 7 du plan comptable",
                blocking=not pcg.is_valid(account),
            )
        elif account:
            self.good_accounts.add(account)
        if r.aux:
            if not account.startswith("4"):
                self.problem(
                    line,
                    "CompAuxNum",
                    f"compte auxiliaire {r.aux} sur le compte {account}, qui n'est pas "
                    "un compte de tiers",
                    WARNING,
                )
            known = self.aux_accounts.setdefault(r.aux, account)
            if known != account:
                self.problem(
                    line,
                    "CompAuxNum",
                    f"compte auxiliaire {r.aux} rattaché à {account} ici et à {known} ailleurs",
                    WARNING,
                )
        if self.year_end is not None:
            if r.date > self.year_end:
                self.problem(
                    line,
                    "EcritureDate",
                    f"date {r.date:%d/%m/%Y} postérieure à la clôture {self.year_end:%d/%m/%Y}",
                )
            elif self.year_start_guess and r.date < self.year_start_guess:
                self.problem(
                    line,
                    "EcritureDate",
                    f"date {r.date:%d/%m/%Y} antérieure de plus de douze mois à la "
                    f"clôture {self.year_end:%d/%m/%Y}",
                    WARNING,
                )

    def finish(self) -> None:
        if self.unvalidated:
            self.report.notes.append(_unvalidated_note(self.unvalidated))
        if self.first_scattered is not None:
            entry, line = self.first_scattered
            self.problem(
                entry.first_line,
                "EcritureNum",
                f"{self.scattered} écriture(s) dont les lignes ne se suivent pas dans le fichier "
                f"(première : {entry.journal} {entry.number}, lignes {entry.first_line} et {line})",
                WARNING,
            )
        for key in self.order:
            entry = self.entries[key]
            if entry.cents:
                self.problem(
                    entry.first_line,
                    "Debit",
                    f"écriture {entry.journal} {entry.number} (lignes {entry.first_line} à "
                    f"{entry.last_line}) déséquilibrée : écart de "
                    f"{money.format_amount(money.from_cents(entry.cents))}",
                    blocking=True,
                )
        if self.total_cents:
            self.problem(
                None,
                "Debit",
                "fichier déséquilibré : total débit "
                f"{money.format_amount(self.report.debit)} ≠ total crédit "
                f"{money.format_amount(self.report.credit)}",
                blocking=True,
            )
        self._numbering()

    def _numbering(self) -> None:
        numbers = [(_numeric(n), j, n, self.entries[(j, n)]) for j, n in self.order]
        if any(value is None for value, *_ in numbers):
            for value, _journal, number, entry in numbers:
                if value is None:
                    self.problem(
                        entry.first_line,
                        "EcritureNum",
                        f"numéro d'écriture « {number} » sans partie numérique",
                        WARNING,
                    )
            return
        global_values = sorted(v for v, *_ in numbers if v is not None)
        if not global_values:
            return
        first = global_values[0]
        if (
            len(self.reader.layout.columns)
            and global_values == list(range(first, first + len(global_values)))
            and len({j for _, j, _, _ in numbers}) > 1
        ):
            self.report.notes.append(CONTINUOUS_NOTE)
            self._chronology(numbers, per_journal=False)
            return
        by_journal: dict[str, list[tuple[int, _Entry]]] = defaultdict(list)
        for value, journal, _number, entry in numbers:
            assert value is not None
            by_journal[journal].append((value, entry))
        for journal, items in by_journal.items():
            values = sorted(v for v, _ in items)
            seen: dict[int, _Entry] = {}
            for value, entry in items:
                if value in seen:
                    self.problem(
                        entry.first_line,
                        "EcritureNum",
                        f"journal {journal} : numéro {value} déjà utilisé ligne "
                        f"{seen[value].first_line}",
                    )
                seen[value] = entry
            gaps = sorted(set(range(values[0], values[-1] + 1)) - set(values))
            if gaps:
                shown = ", ".join(str(g) for g in gaps[:10]) + ("…" if len(gaps) > 10 else "")
                self.problem(
                    None,
                    "EcritureNum",
                    f"journal {journal} : {len(gaps)} numéro(s) manquant(s) ({shown})",
                    WARNING,
                )
        self._chronology(numbers, per_journal=True)

    def _chronology(
        self, numbers: list[tuple[int | None, str, str, _Entry]], per_journal: bool
    ) -> None:
        groups: dict[str, list[tuple[int, _Entry]]] = defaultdict(list)
        for value, journal, _number, entry in numbers:
            assert value is not None
            groups[journal if per_journal else ""].append((value, entry))
        for journal, items in groups.items():
            items.sort(key=lambda item: item[0])
            late = [(b, a) for (_, a), (_, b) in itertools.pairwise(items) if b.date < a.date]
            if late:
                entry, before = late[0]
                where = f"journal {journal}" if per_journal else "fichier"
                self.problem(
                    entry.first_line,
                    "EcritureNum",
                    f"{where} : numérotation non chronologique — {len(late)} écriture(s) "
                    f"datée(s) avant l'écriture de numéro précédent (première : "
                    f"{entry.journal} {entry.number} du {entry.date:%d/%m/%Y} après "
                    f"{before.journal} {before.number} du {before.date:%d/%m/%Y})",
                    WARNING,
                )


def _clean_by_columns(report: FecReport, reader: FecReader, name_problems: list[Problem]) -> bool:
    """Fill the report of a clean file from its columns (`fec_columnar`); False when the file
    needs the line-by-line check."""
    from tenue.formats.fec_columnar import check_clean  # Arrow, loaded only when it serves

    year_end = report.year_end
    verdict = check_clean(
        reader.path,
        reader.layout,
        provisional=report.provisional,
        year_end=year_end,
        year_start=_year_start(year_end) if year_end is not None else None,
    )
    if verdict is None:
        return False
    report.lines, report.entries = verdict.lines, verdict.entries
    report.debit = money.from_cents(verdict.debit_cents)
    report.credit = money.from_cents(verdict.credit_cents)
    report.first_date, report.last_date = verdict.first_date, verdict.last_date
    for code, (label, lines, entries, debit, credit) in verdict.journals.items():
        report.journals[code] = JournalStats(
            code, label, lines, entries, money.from_cents(debit), money.from_cents(credit)
        )
    report.notes = list(reader.notes)
    if verdict.unvalidated:
        report.notes.append(_unvalidated_note(verdict.unvalidated))
    if verdict.continuous_over_file:
        report.notes.append(CONTINUOUS_NOTE)
    report.problems = list(name_problems)
    report.problem_count = len(name_problems)
    return True


def _unvalidated_note(lines: int) -> str:
    return f"FEC provisoire : {lines} ligne(s) d'écritures non encore validées"


def _year_start(year_end: date) -> date:
    try:
        previous = year_end.replace(year=year_end.year - 1)
    except ValueError:  # 29 February
        previous = year_end - timedelta(days=365)
    return previous + timedelta(days=1)


def name_facts(name: str) -> tuple[str, date | None, list[Problem]]:
    """SIREN and closing date from a file name `<SIREN>FEC<AAAAMMJJ>…`, with its problems."""
    match = _NAME.match(name)
    if match is None:
        return (
            "",
            None,
            [
                Problem(
                    "nom de fichier hors norme (<SIREN>FEC<AAAAMMJJ> attendu)",
                    "nom",
                    Source(name),
                    WARNING,
                )
            ],
        )
    siren, day = match.groups()
    problems = []
    if not stdnum_siren.is_valid(siren):
        problems.append(
            Problem(
                f"SIREN du nom de fichier invalide : {siren}", "nom", Source(name), Severity.ERROR
            )
        )
    try:
        closing: date | None = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        closing = None
        problems.append(
            Problem(f"date de clôture du nom de fichier invalide : {day}", "nom", Source(name))
        )
    return siren, closing, problems


def check_fec(
    path: Path | str,
    *,
    year_end: date | None = None,
    encoding: str | None = None,
    name: str | None = None,
    provisional: bool | None = None,
    observer: Callable[[FecRecord], None] | None = None,
) -> FecReport:
    """Check a FEC file; the report lists every problem with its line and field.
    `observer`, when given, also sees every record (an import collects its plan this way)."""
    path = Path(path)
    report = FecReport(name=name or path.name)
    report.provisional = (
        provisional if provisional is not None else "provisoire" in report.name.lower()
    )
    siren, named_end, name_problems = name_facts(report.name)
    report.siren, report.year_end = siren, year_end or named_end
    try:
        reader = FecReader(path, encoding=encoding, name=report.name)
    except FecError as exc:
        report.problems = [*name_problems, Problem(str(exc), None, Source(report.name, 1))]
        report.problem_count = len(report.problems)
        return report
    report.encoding = reader.layout.encoding
    if observer is None and _clean_by_columns(report, reader, name_problems):
        return report
    checker = FecChecker(report, reader, report.year_end)
    for record in reader:
        checker.feed(record)
        if observer is not None:
            observer(record)
    if reader.line_count == 0:
        reader.problem(None, None, "aucune ligne d'écriture")
    checker.finish()
    report.notes = [*reader.notes, *report.notes]
    report.blocking[:0] = reader.unreadable
    if reader.dropped_lines:
        report.blocking.insert(
            0,
            Problem(
                f"{reader.dropped_lines} ligne(s) illisible(s), non reprise(s)",
                None,
                Source(report.name),
            ),
        )
    report.problems = [*name_problems, *reader.problems]
    report.problem_count = len(name_problems) + reader.problem_count
    return report
