"""Tabular output of reports: aligned text, CSV, XLSX and JSON.

One table shape for every report: column keys with French titles and a kind (text, date, int,
amount), and rows as dicts. JSON keeps the keys stable and writes amounts as strings with a dot
(`"1234.56"`) and dates as ISO; CSV follows French spreadsheets (`;` separator, decimal comma,
`JJ/MM/AAAA` dates) and is written in UTF-8 with a BOM so Excel opens it right.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from tenue.core import money

Kind = Literal["text", "date", "int", "amount"]


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: Kind = "text"


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    totals: Mapping[str, Any] = field(default_factory=dict)
    meta: Mapping[str, Any] = field(default_factory=dict)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return money.format_plain(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _french(value: Any, kind: Kind) -> str:
    if value is None:
        return ""
    if kind == "amount":
        return money.format_amount(value, currency=None)
    if kind == "date":
        return f"{value:%d/%m/%Y}"
    return str(value)


def to_json(table: Table) -> str:
    payload = {
        "title": table.title,
        **{k: _json_value(v) for k, v in table.meta.items()},
        "columns": [c.key for c in table.columns],
        "rows": [{c.key: _json_value(row.get(c.key)) for c in table.columns} for row in table.rows],
        "totals": {k: _json_value(v) for k, v in table.totals.items()},
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for row in table.rows:
        writer.writerow(
            [
                money.format_amount(row[c.key], currency=None).replace(
                    money.THOUSANDS_SEPARATOR, ""
                )
                if c.kind == "amount" and row.get(c.key) is not None
                else _french(row.get(c.key), c.kind)
                for c in table.columns
            ]
        )
    return "\ufeff" + out.getvalue()


def to_text(table: Table) -> str:
    header = [c.title for c in table.columns]
    body = [[_french(row.get(c.key), c.kind) for c in table.columns] for row in table.rows]
    if table.totals:
        body.append(
            [
                _french(table.totals.get(c.key), c.kind)
                if c.key in table.totals
                else ("Total" if i == 0 else "")
                for i, c in enumerate(table.columns)
            ]
        )
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(w) if col.kind in ("amount", "int") else cell.ljust(w)
            for cell, w, col in zip(cells, widths, table.columns, strict=True)
        )

    lines = [table.title, fmt(header), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in body]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append([c.title for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([row.get(c.key) for c in table.columns])
    if table.totals:
        sheet.append(
            [
                table.totals.get(c.key, "Total" if i == 0 else None)
                for i, c in enumerate(table.columns)
            ]
        )
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        if column.kind == "amount":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "#,##0.00"
        elif column.kind == "date":
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "DD/MM/YYYY"
        sheet.column_dimensions[letter].width = max(12, len(column.title) + 2)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
