"""A payroll software's accounting export (CSV or XLSX), booked as one entry per month.

Payroll software (Silae and others) exports the month's payroll journal as rows: date, account,
label, debit, credit, and often the employee (SPECS §6.2; the exact layout of each product was
not found in public sources, so the columns are matched by header name, as in the spreadsheet
reader: `date, account, label, debit, credit, employee` or the French `Date, Compte, Libellé,
Débit, Crédit, Salarié`, in any case, with or without accents).

How it is booked: all the rows of one calendar month, wherever they stand in the file, form ONE
entry in the given journal (`OD` by default), dated the last day of the month, labelled
`Paie MM/AAAA`, with piece reference `PAIE-AAAA-MM`. Each row stays one line (an employee's
name is appended to its label: `Salaire brut — DURAND Marie`); lines on 421 are not aggregated,
so each salary transfer can later be lettered against its own line.

Invariants: a month entry balances exactly or is left out with a problem naming the month and
the gap; a row with a bad cell is reported at its line and column, and its month is left out;
amounts never meet a float (see `spreadsheet_entries.cell_amount`); every guess (encoding,
separator, sheet, amounts moved to the other side) is a note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tenue.core import pcg
from tenue.core.batch import Batch
from tenue.core.entries import Entry, Line
from tenue.core.periods import month_end
from tenue.core.problems import Problem, Source
from tenue.formats.spreadsheet_entries import (
    Column,
    Row,
    add_checked_entry,
    cell_amount,
    cell_date,
    read_table,
    register_account,
    register_journal,
    signed_to_sides,
)

PAYROLL_COLUMNS: tuple[Column, ...] = (
    Column("date", "Date", ("date ecriture", "date de paie")),
    Column("account", "Compte", ("compte general", "n° compte", "comptenum")),
    Column("label", "Libellé", ("libelle ecriture", "rubrique"), required=False),
    Column("debit", "Débit"),
    Column("credit", "Crédit"),
    Column("employee", "Salarié", ("employe", "nom du salarie", "matricule"), required=False),
)

_PAYROLL_JOURNAL_LABEL = "Paie"


def read_payroll(path: Path, *, name: str | None = None, journal: str = "OD") -> Batch:
    """One balanced entry per month of a payroll export (see the module docstring)."""
    file_name = name or path.name
    batch = Batch(name=file_name)
    table = read_table(path, PAYROLL_COLUMNS, source_name=file_name)
    batch.problems.extend(table.problems)
    batch.notes.extend(table.notes)
    months: dict[tuple[int, int], list[_PayrollRow]] = defaultdict(list)
    moved = 0
    for row in table.rows:
        parsed = _parse_row(row, file_name)
        batch.problems.extend(parsed.problems)
        moved += parsed.moved
        if parsed.date is not None:
            months[(parsed.date.year, parsed.date.month)].append(parsed)
    for (year, month), rows in sorted(months.items()):
        if any(r.line is None for r in rows):
            continue
        _book_month(batch, year, month, rows, journal)
    if moved:
        batch.notes.append(f"{moved} montant(s) négatif(s) passé(s) dans l'autre colonne")
    if len(months) > 1:
        batch.notes.append(f"{len(months)} mois de paie dans le fichier : une écriture par mois")
    return batch


@dataclass
class _PayrollRow:
    source: Source
    date: dt.date | None
    line: Line | None  # None when a cell is bad
    problems: list[Problem]
    moved: int = 0


def _parse_row(row: Row, file_name: str) -> _PayrollRow:
    src = Source(file_name, row.line)
    problems: list[Problem] = []
    date: dt.date | None = None
    try:
        date = cell_date(row.get("date"))
    except ValueError as exc:
        problems.append(Problem(str(exc), "date", src))
    account: str | None = None
    try:
        account = pcg.validate(row.text("account"))
    except pcg.InvalidAccountNumber as exc:
        problems.append(Problem(str(exc), "account", src))
    amounts = []
    for key in ("debit", "credit"):
        try:
            amounts.append(cell_amount(row.get(key)))
        except ValueError as exc:
            problems.append(Problem(str(exc), key, src))
    if problems or account is None:
        return _PayrollRow(src, date, None, problems)
    debit, credit, moved = signed_to_sides(amounts[0], amounts[1])
    label = " — ".join(part for part in (row.text("label"), row.text("employee")) if part)
    line = Line(account=account, debit=debit, credit=credit, label=label)
    return _PayrollRow(src, date, line, problems, int(moved))


def _book_month(batch: Batch, year: int, month: int, rows: list[_PayrollRow], journal: str) -> None:
    period = f"{month:02d}/{year}"
    entry = Entry(
        journal=journal,
        date=month_end(dt.date(year, month, 1)),
        label=f"Paie {period}",
        lines=tuple(r.line for r in rows if r.line is not None),
        piece_ref=f"PAIE-{year}-{month:02d}",
        source=rows[0].source,
    )
    lines = [r.source.line for r in rows if r.source.line is not None]
    context = f"Paie {period} ({len(rows)} ligne(s), de la ligne {min(lines)} à {max(lines)})"
    if add_checked_entry(batch, entry, [r.source for r in rows], context):
        register_journal(batch, journal, "" if journal.upper() == "OD" else _PAYROLL_JOURNAL_LABEL)
        for line in entry.lines:
            register_account(batch, line.account)
