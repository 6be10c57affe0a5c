"""A fixed-asset register taken over from other software, read from a spreadsheet (CSV or XLSX),
and the template a firm fills in.

One row is one asset, in the columns of `REGISTER_LAYOUT` (described for users in
`TEMPLATE_DOC`, downloadable as `template_csv()` / `template_xlsx()`). The cumulative
depreciation of a row is what was booked up to the takeover date, a fiscal year end; the plans go
on from the next day (`tenue.core.depreciation.register_import` does the reading of each row).

What the reader accepts, as the entries reader does (it shares its table reading): XLSX or CSV
(`;` or `,`, UTF-8 or Windows-1252), headers in French or English (`account`, `value`…) in any
case and with or without accents, dates `JJ/MM/AAAA`, `AAAA-MM-JJ` or real Excel dates, amounts
`1 234,56`, `1234.56` or Excel numbers (converted exactly, never through float arithmetic).

Invariants: every row is read; a faulty row gives problems naming the file, the line and the
column (its French title) and no asset; the caller applies the register all or nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tenue.core import depreciation as dep
from tenue.core import money
from tenue.core.problems import Problem, Source
from tenue.formats.spreadsheet_entries import (
    Cell,
    Column,
    cell_amount,
    cell_text,
    read_table,
    template_workbook,
)

REGISTER_LAYOUT: tuple[Column, ...] = (
    Column("account", "Compte", ("compte d'immobilisation", "n° compte", "compte general")),
    Column("label", "Libellé", ("designation", "intitule")),
    Column("acquired_on", "Date d'acquisition", ("acquisition", "date acquisition")),
    Column("in_service_on", "Date de mise en service", ("mise en service",), required=False),
    Column("value", "Valeur d'origine", ("valeur brute", "valeur d'acquisition")),
    Column("residual_value", "Valeur résiduelle", (), required=False),
    Column("method", "Mode", ("mode d'amortissement", "methode")),
    Column("duration_years", "Durée (années)", ("duree", "duree en annees")),
    Column(
        "prior_depreciation",
        "Amortissements antérieurs",
        ("cumul des amortissements", "amortissements cumules"),
        required=False,
    ),
)
TITLES = {column.key: column.title for column in REGISTER_LAYOUT}
_AMOUNTS = ("value", "residual_value", "prior_depreciation")
assert set(TITLES) == set(dep.REGISTER_COLUMNS), "the layout names every core register column"

TEMPLATE_DOC = """\
Modèle de reprise du registre des immobilisations — une ligne du tableau est une immobilisation.

Compte : compte d'immobilisation amortissable (20…, 21… ou 22… : 2183, 2154, 205…). Obligatoire.
Libellé : désignation du bien. Obligatoire.
Date d'acquisition : JJ/MM/AAAA ou AAAA-MM-JJ (ou une date Excel). Obligatoire.
Date de mise en service : début de l'amortissement linéaire ; vide, la date d'acquisition.
Valeur d'origine : valeur brute hors TVA récupérable, « 1 234,56 » ou « 1234.56 ». Obligatoire.
Valeur résiduelle : vide ou 0 le plus souvent.
Mode : linéaire (L) ou dégressif (D). Obligatoire.
Durée (années) : nombre entier d'années. Obligatoire.
Amortissements antérieurs : cumul des amortissements comptabilisés avant la reprise, jusqu'à \
la date de reprise (la fin de l'exercice qui précède le premier exercice ouvert du dossier) ; \
vide ou 0 pour un bien acquis après.

Le fichier n'est importé que s'il ne contient aucune erreur ; chaque erreur donne la ligne et la \
colonne à corriger. Un même fichier ne peut pas être importé deux fois.
Les en-têtes sont reconnus sans tenir compte des majuscules ni des accents ; les noms anglais \
account, label, acquired_on, in_service_on, value, residual_value, method, duration_years et \
prior_depreciation sont acceptés.
CSV : séparateur « ; » ou « , », encodage UTF-8 (avec ou sans BOM) ou Windows-1252.
"""

# account, label, acquired on, in service on, value, residual value, method, years, prior (the
# cumulative depreciation of each plan at 31/12/2024, for a dossier whose first year here is 2025)
_TEMPLATE_ROWS: tuple[tuple[str, str, dt.date, dt.date | None, str, str, str, int, str], ...] = (
    (
        "2183",
        "Ordinateurs portables",
        dt.date(2023, 4, 15),
        None,
        "12000,00",
        "",
        "L",
        5,
        "4106,67",
    ),
    ("2154", "Presse hydraulique", dt.date(2022, 9, 1), None, "30000,00", "", "D", 7, "17666,27"),
)


@dataclass(frozen=True)
class RegisterFile:
    """What reading a register file gave: the assets of the good rows, the problems, the notes
    (encoding, separator, ignored columns)."""

    name: str
    assets: tuple[dep.Asset, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]


class _CellError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _core_cells(cells: Mapping[str, Cell]) -> dict[str, object]:
    """The cells as the core reader takes them: text for codes and labels, Decimal for Excel
    numbers (exactly, no float arithmetic), int for an Excel duration."""
    fields: dict[str, object] = {}
    for key, value in cells.items():
        if key in _AMOUNTS and isinstance(value, float | Decimal):
            try:
                fields[key] = cell_amount(value)
            except money.MoneyError as exc:
                raise _CellError(key, str(exc)) from exc
        elif key == "duration_years" and isinstance(value, float) and value.is_integer():
            fields[key] = int(value)
        elif key in ("account", "label", "method") and value is not None:
            fields[key] = cell_text(value)
        else:
            fields[key] = value
    return fields


def _titled(problem: Problem) -> Problem:
    field = TITLES.get(problem.field or "", problem.field)
    return Problem(problem.message, field, problem.source, problem.severity)


def read_register(path: Path, *, takeover_date: dt.date, name: str | None = None) -> RegisterFile:
    """The assets of a register file whose depreciation was booked up to `takeover_date`."""
    file_name = name or path.name
    table = read_table(path, REGISTER_LAYOUT, source_name=file_name)
    problems = [_titled(p) for p in table.problems]
    assets: list[dep.Asset] = []
    for row in table.rows:
        try:
            fields = _core_cells(row.cells)
        except _CellError as exc:
            problems.append(Problem(str(exc), TITLES[exc.key], Source(file_name, row.line)))
            continue
        read = dep.register_import(
            [fields], takeover_date=takeover_date, source_name=file_name, first_line=row.line
        )
        assets.extend(read.assets)
        problems.extend(_titled(p) for p in read.problems)
    if not table.rows and not problems:
        problems.append(Problem("aucune immobilisation dans le fichier", None, Source(file_name)))
    return RegisterFile(file_name, tuple(assets), tuple(problems), tuple(table.notes))


def template_csv() -> str:
    """The CSV template: French header, `;`, decimal comma, UTF-8 with BOM (Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([column.title for column in REGISTER_LAYOUT])
    for (
        account,
        label,
        acquired,
        in_service,
        value,
        residual,
        method,
        years,
        prior,
    ) in _TEMPLATE_ROWS:
        writer.writerow(
            [
                account,
                label,
                f"{acquired:%d/%m/%Y}",
                f"{in_service:%d/%m/%Y}" if in_service else "",
                value,
                residual,
                method,
                str(years),
                prior,
            ]
        )
    return "\ufeff" + out.getvalue()


def template_xlsx() -> bytes:
    """The XLSX template: the same rows with real dates and numbers, and a sheet of help."""
    rows = [
        [
            account,
            label,
            acquired,
            in_service,
            money.parse(value),
            money.parse(residual) if residual else None,
            method,
            years,
            money.parse(prior) if prior else None,
        ]
        for account, label, acquired, in_service, value, residual, method, years, prior in (
            _TEMPLATE_ROWS
        )
    ]
    dates = "DD/MM/YYYY"
    return template_workbook(
        "Immobilisations",
        [column.title for column in REGISTER_LAYOUT],
        rows,
        # account numbers stay text
        formats={0: "@", 2: dates, 3: dates, 4: "#,##0.00", 5: "#,##0.00", 8: "#,##0.00"},
        widths=(10, 28, 18, 22, 16, 16, 8, 14, 24),
        doc=TEMPLATE_DOC,
    )
