"""The financial statements as files: text tables and CSV (through `formats.tabular`), JSON with
stable keys, an XLSX workbook (one sheet per statement, and one with every figure's accounts)
and a PDF (WeasyPrint, DejaVu fonts).

Invariants: every amount written is the statement's own `Decimal` (numbers in XLSX, dotted text
in JSON, French text in the PDF); nothing is recomputed here. The PDF's template is
`web/statements_pdf.html`, shipped with the web templates, so that the page and the PDF share the
French formatting filters (`tenue_statements`).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

from tenue.core import money
from tenue.core.periods import Period
from tenue.core.statements import RowKind
from tenue.formats.tabular import Column, Table
from tenue.reports.statements import FinancialStatements, Statement, StatementKind, StatementPart


def _day(d: date) -> str:
    return f"{d:%d/%m/%Y}"


def column_titles(statement: Statement) -> tuple[str, str]:
    """Titles of the period and previous-period columns: the closing dates for the bilan, the
    periods for the compte de résultat and the SIG."""
    if statement.kind is StatementKind.BALANCE_SHEET:
        return _day(statement.period.end), _day(statement.previous_period.end)
    return _span(statement.period), _span(statement.previous_period)


def _span(period: Period) -> str:
    return f"{_day(period.start)} – {_day(period.end)}"


def _part_title(statement: Statement, part: StatementPart) -> str:
    if part.title == statement.title:
        return statement.title
    return f"{statement.title} {part.title.lower()}"


def _when(statement: Statement) -> str:
    """The bilan is at a date; the compte de résultat and the SIG cover a period."""
    if statement.kind is StatementKind.BALANCE_SHEET:
        return f"au {_day(statement.period.end)}"
    return str(statement.period)


# --- tables (text, CSV) ---------------------------------------------------------------------


def statement_tables(fs: FinancialStatements) -> list[Table]:
    """One table per statement part (the bilan has two: actif and passif)."""
    tables = []
    for statement in fs:
        now, before = column_titles(statement)
        for part in statement.parts:
            columns = [Column("label", "Poste")]
            if part.columns:
                columns += [
                    Column("gross", "Brut", "amount"),
                    Column("less", "Amort. et dépréc.", "amount"),
                    Column("current", f"Net {now}", "amount"),
                    Column("previous", f"Net {before}", "amount"),
                ]
            else:
                columns += [
                    Column("current", now, "amount"),
                    Column("previous", before, "amount"),
                ]
            rows = [
                {"label": row.label.upper()}
                if row.is_heading
                else {
                    "label": row.label,
                    "gross": row.gross,
                    "less": row.less,
                    "current": row.current,
                    "previous": row.previous,
                }
                for row in part.rows
            ]
            tables.append(
                Table(
                    title=f"{_part_title(statement, part)} — {fs.company.name} — "
                    f"{_when(statement)}",
                    columns=columns,
                    rows=rows,
                )
            )
    return tables


def statements_text(fs: FinancialStatements) -> str:
    from tenue.formats.tabular import to_text

    text = "\n".join(to_text(t) for t in statement_tables(fs))
    if fs.problems:
        text += "\nÀ vérifier :\n" + "".join(f"  - {p}\n" for p in fs.problems)
    return text


def statements_csv(fs: FinancialStatements) -> str:
    """One CSV of every figure: état, code, poste, N, N-1 (French spreadsheet conventions)."""
    from tenue.formats.tabular import to_csv

    rows = [
        {
            "statement": _part_title(statement, part),
            "code": row.code,
            "label": row.label,
            "current": row.current,
            "previous": row.previous,
        }
        for statement in fs
        for part in statement.parts
        for row in part.rows
        if not row.is_heading
    ]
    table = Table(
        title="États financiers",
        columns=[
            Column("statement", "État"),
            Column("code", "Code"),
            Column("label", "Poste"),
            Column("current", _day(fs.period.end), "amount"),
            Column("previous", _day(fs.previous_period.end), "amount"),
        ],
        rows=rows,
    )
    return to_csv(table)


# --- JSON -----------------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str | None:
    return None if value is None else money.format_plain(value)


def statements_json(fs: FinancialStatements) -> dict[str, Any]:
    """Stable keys; amounts as dotted strings; each figure with its accounts."""

    def row_json(row: Any) -> dict[str, Any]:
        if row.is_heading:
            return {"kind": str(row.kind), "label": row.label}
        out: dict[str, Any] = {
            "code": row.code,
            "kind": str(row.kind),
            "label": row.label,
            "current": _plain(row.current),
            "previous": _plain(row.previous),
        }
        if row.gross is not None:
            out["gross"] = _plain(row.gross)
            out["less"] = _plain(row.less)
        out["accounts"] = [
            {
                "account": a.number,
                "label": a.label,
                "current": _plain(a.current),
                "previous": _plain(a.previous),
            }
            for a in row.accounts
        ]
        return out

    return {
        "dossier": fs.company.slug,
        "siren": fs.company.siren,
        "start": fs.period.start.isoformat(),
        "end": fs.period.end.isoformat(),
        "previous_start": fs.previous_period.start.isoformat(),
        "previous_end": fs.previous_period.end.isoformat(),
        "balanced": fs.balanced,
        "statements": {
            str(statement.kind): {
                "title": statement.title,
                "parts": [
                    {"title": part.title, "rows": [row_json(r) for r in part.rows]}
                    for part in statement.parts
                ],
            }
            for statement in fs
        },
        "problems": [str(p) for p in fs.problems],
    }


# --- XLSX -----------------------------------------------------------------------------------

AMOUNT_FORMAT = "#,##0.00"
SHEET_TITLES = {
    (StatementKind.INCOME_STATEMENT, 0): "Compte de résultat",
    (StatementKind.BALANCE_SHEET, 0): "Bilan actif",
    (StatementKind.BALANCE_SHEET, 1): "Bilan passif",
    (StatementKind.SIG, 0): "SIG",
}


def statements_xlsx(fs: FinancialStatements) -> bytes:
    """A workbook: one sheet per statement part, then « Détail par compte »."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for statement in fs:
        now, before = column_titles(statement)
        for index, part in enumerate(statement.parts):
            sheet = book.create_sheet(SHEET_TITLES[(statement.kind, index)])
            sheet.append([f"{_part_title(statement, part)} — {fs.company.name}"])
            sheet.append([f"SIREN {fs.company.siren} — {_when(statement)}"])
            sheet.append([])
            if part.columns:
                sheet.append(["Poste", "Brut", "Amort. et dépréc.", f"Net {now}", f"Net {before}"])
            else:
                sheet.append(["Poste", now, before])
            sheet["A1"].font = bold
            for cell in sheet[4]:
                cell.font = bold
            for row in part.rows:
                if row.is_heading:
                    sheet.append([row.label.upper()])
                    sheet.cell(row=sheet.max_row, column=1).font = bold
                    continue
                values: list[Any] = [row.label]
                if part.columns:
                    values += [row.gross, row.less]
                values += [row.current, row.previous]
                sheet.append(values)
                for cell in sheet[sheet.max_row][1:]:
                    cell.number_format = AMOUNT_FORMAT
                if row.kind in (RowKind.TOTAL, RowKind.RESULT):
                    for cell in sheet[sheet.max_row]:
                        cell.font = bold
            sheet.column_dimensions["A"].width = 70
            for letter in "BCDE":
                sheet.column_dimensions[letter].width = 20
    detail = book.create_sheet("Détail par compte")
    detail.append(["État", "Code", "Poste", "Compte", "Libellé du compte", "N", "N-1"])
    for cell in detail[1]:
        cell.font = bold
    for statement in fs:
        for part in statement.parts:
            for row in part.rows:
                for account in row.accounts:
                    detail.append(
                        [
                            _part_title(statement, part),
                            row.code,
                            row.label,
                            account.number,
                            account.label,
                            account.current,
                            account.previous,
                        ]
                    )
                    for cell in detail[detail.max_row][5:]:
                        cell.number_format = AMOUNT_FORMAT
    for letter, width in zip("ABCDEFG", (22, 30, 50, 12, 45, 16, 16), strict=True):
        detail.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------


def statements_pdf(fs: FinancialStatements, *, kinds: tuple[StatementKind, ...] = ()) -> bytes:
    """The statements (all three unless `kinds` narrows them), one after the other, A4."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    chosen = [s for s in fs if not kinds or s.kind in kinds]
    html = render_to_string(
        "web/statements_pdf.html",
        {
            "fs": fs,
            "statements": [(s, *column_titles(s)) for s in chosen],
            "today": date.today(),
        },
    )
    return HTML(string=html).write_pdf()
