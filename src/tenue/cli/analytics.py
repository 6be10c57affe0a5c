"""`tenue analytics …`: a dossier's axes and tags, and its income statement by tag."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from tenue.cli.main import _company  # the dossier named on the command line


def register(sub: Any, fmt: Callable[..., None]) -> None:
    analytics = sub.add_parser("analytics", help="analytique : axes, tags, états par tag")
    asub = analytics.add_subparsers(dest="action", required=True)
    axes = asub.add_parser("axes", help="lister les axes, leurs tags et leur usage")
    axes.add_argument("--dossier", required=True)
    fmt(axes)
    axes.set_defaults(func=cmd_axes)
    report = asub.add_parser(
        "report", help="compte de résultat (ou SIG) par tag d'un axe, avec la part non ventilée"
    )
    report.add_argument("--dossier", required=True)
    report.add_argument("--axis", required=True, help="nom de l'axe")
    report.add_argument("--year", type=int, help="exercice clos en AAAA (défaut : le dernier)")
    report.add_argument(
        "--sig", action="store_true", help="les SIG plutôt que le compte de résultat"
    )
    fmt(report)
    report.set_defaults(func=cmd_report)


def cmd_axes(args: argparse.Namespace) -> int:
    from tenue.analytics import selectors
    from tenue.cli.main import _print_json

    uses = selectors.axes(company=_company(args.dossier))
    if args.format == "json":
        _print_json(
            [
                {
                    "axis": use.axis.name,
                    "tags": [
                        {"tag": t.tag.name, "lines": t.lines, "documents": t.documents}
                        for t in use.tags
                    ],
                }
                for use in uses
            ]
        )
        return 0
    if not uses:
        print("Aucun axe analytique.")
    for use in uses:
        print(f"{use.axis.name} ({use.lines} ventilation(s))")
        for t in use.tags:
            print(f"  - {t.tag.name:<30} {t.lines:>6} ligne(s) {t.documents:>4} pièce(s)")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from tenue.analytics import selectors
    from tenue.analytics.models import Axis
    from tenue.cli.main import _print_json
    from tenue.core import money
    from tenue.ledger.models import FiscalYear
    from tenue.reports.selectors import fiscal_year_period

    company = _company(args.dossier)
    axis = Axis.objects.filter(company=company, name__iexact=args.axis).first()
    if axis is None:
        names = ", ".join(Axis.objects.filter(company=company).values_list("name", flat=True))
        raise SystemExit(f"Axe inconnu : {args.axis} (axes du dossier : {names or 'aucun'})")
    try:
        period = fiscal_year_period(company, args.year)
    except FiscalYear.DoesNotExist as exc:
        raise SystemExit(str(exc)) from exc
    select = selectors.sig_by_tag if args.sig else selectors.income_statement_by_tag
    statement = select(company=company, period=period, axis=axis)
    if args.format == "json":
        _print_json(
            {
                "dossier": company.slug,
                "axis": axis.name,
                "statement": statement.title,
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "columns": [c.title for c in statement.columns],
                "rows": [
                    {
                        "code": r.code,
                        "label": r.label,
                        "amounts": {
                            c.title: money.format_plain(a)
                            for c, a in zip(statement.columns, r.amounts, strict=True)
                        },
                        "total": money.format_plain(r.total),
                    }
                    for r in statement.rows
                    if not r.is_heading
                ],
            }
        )
        return 0
    width = 16
    print(f"{statement.title} — {period}")
    print(
        f"{'Poste':<50}"
        + "".join(f"{c.title[:width]:>{width + 1}}" for c in statement.columns)
        + f"{'Total':>{width + 1}}"
    )
    for r in statement.rows:
        if r.is_heading:
            print(r.label)
            continue
        print(
            f"{r.label[:50]:<50}"
            + "".join(f"{money.format_amount(a, currency=None):>{width + 1}}" for a in r.amounts)
            + f"{money.format_amount(r.total, currency=None):>{width + 1}}"
        )
    return 0
