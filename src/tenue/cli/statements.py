"""`tenue report statements`: the compte de résultat, the bilan and the SIG of a dossier.

Thin, like the rest of the command line: the period comes from `tenue report` (`--year`, the
fiscal year closed in that year, the latest by default, narrowed by `--start`/`--end`); the
statements from
`reports.statements.financial_statements`; the output from `reports.statement_exports` (text
tables, CSV, JSON with stable keys, XLSX and PDF, the last two written to `--out`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tenue.core.periods import Period


def cmd_report_statements(args: argparse.Namespace, company: object, period: Period) -> int:
    from tenue.cli.main import write_text
    from tenue.reports import statement_exports as exports
    from tenue.reports.statements import financial_statements

    fs = financial_statements(company=company, period=period)  # type: ignore[arg-type]
    if args.format in ("xlsx", "pdf"):
        if not args.out:
            raise SystemExit(f"--out FICHIER est requis pour le format {args.format}")
        data = exports.statements_xlsx(fs) if args.format == "xlsx" else exports.statements_pdf(fs)
        with open(args.out, "wb") as fh:
            fh.write(data)
        print(f"Écrit : {args.out}")
        return 0
    if args.format == "json":
        text = json.dumps(exports.statements_json(fs), ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        text = exports.statements_csv(fs)
    else:
        text = exports.statements_text(fs)
    return write_text(text, args.out)
