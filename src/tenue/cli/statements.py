"""`tenue report statements`: the compte de résultat, the bilan and the SIG of a dossier.

Thin, like the rest of the command line: the period comes from `--year` (the fiscal year closed
in that year, the latest by default) narrowed by `--start`/`--end`; the statements from
`reports.statements.financial_statements`; the output from `reports.statement_exports` (text
tables, CSV, JSON with stable keys, XLSX and PDF, the last two written to `--out`).
"""

from __future__ import annotations

import argparse
import json
import sys


def cmd_report_statements(args: argparse.Namespace, company: object) -> int:
    from tenue.core.periods import Period
    from tenue.ledger.models import FiscalYear
    from tenue.reports import selectors
    from tenue.reports import statement_exports as exports
    from tenue.reports.statements import financial_statements

    try:
        period = selectors.fiscal_year_period(company, args.year)  # type: ignore[arg-type]
    except FiscalYear.DoesNotExist:
        raise SystemExit(
            f"Aucun exercice{f' clos en {args.year}' if args.year else ''} pour ce dossier"
        ) from None
    if args.start or args.end:
        period = Period(args.start or period.start, args.end or period.end)
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
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        print(f"Écrit : {args.out}")
    else:
        sys.stdout.write(text)
    return 0
