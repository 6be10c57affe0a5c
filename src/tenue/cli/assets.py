"""`tenue assets …` and `tenue loans …`: the register, the year's depreciation, the register
import and its template, loan schedules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tenue.cli.main import _company  # the dossier named on the command line


def register(sub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    assets = sub.add_parser("assets", help="immobilisations : registre, amortissements, reprise")
    asub = assets.add_subparsers(dest="action", required=True)
    listing = asub.add_parser("list", help="le registre des immobilisations et leurs plans")
    listing.add_argument("--dossier", required=True)
    fmt(listing)
    listing.set_defaults(func=cmd_list)
    depreciate = asub.add_parser(
        "depreciate", help="les dotations d'un exercice (--post pour les comptabiliser)"
    )
    depreciate.add_argument("--dossier", required=True)
    depreciate.add_argument("--year", type=int, required=True, help="exercice clos en AAAA")
    depreciate.add_argument("--post", action="store_true", help="comptabiliser l'écriture")
    fmt(depreciate)
    depreciate.set_defaults(func=cmd_depreciate)
    imp = asub.add_parser("import", help="reprendre un registre (CSV, XLSX) ; --template")
    imp.add_argument("file", nargs="?")
    imp.add_argument("--dossier")
    imp.add_argument("--template", action="store_true", help="écrire le modèle de registre")
    imp.add_argument("--out", help="(--template) fichier .csv ou .xlsx")
    fmt(imp)
    imp.set_defaults(func=cmd_import)

    loans = sub.add_parser("loans", help="emprunts : échéanciers")
    lsub = loans.add_subparsers(dest="action", required=True)
    sched = lsub.add_parser("schedule", help="l'échéancier d'un emprunt, événements compris")
    sched.add_argument("--dossier", required=True)
    sched.add_argument("--id", type=int, required=True, help="numéro de l'emprunt")
    fmt(sched)
    sched.set_defaults(func=cmd_loan_schedule)


def _fiscal_year(company: Any, year: int) -> Any:
    from tenue.ledger.models import FiscalYear

    found = FiscalYear.objects.filter(company=company, end__year=year).order_by("-end").first()
    if found is None:
        raise SystemExit(f"Aucun exercice clos en {year} dans le dossier {company.slug}")
    return found


def cmd_list(args: argparse.Namespace) -> int:
    from tenue.assets import selectors
    from tenue.cli.main import _print_json
    from tenue.core import money

    plans = selectors.register(company=_company(args.dossier))
    if args.format == "json":
        _print_json(
            [
                {
                    "id": plan.row.pk,
                    "account": plan.row.account,
                    "label": plan.row.label,
                    "acquired_on": plan.row.acquired_on.isoformat(),
                    "value": money.format_plain(plan.row.value),
                    "method": plan.row.method,
                    "duration_years": plan.row.duration_years,
                    "status": plan.row.status,
                    "error": plan.error,
                    "schedule": [
                        {
                            "start": line.period.start.isoformat(),
                            "end": line.period.end.isoformat(),
                            "opening_net_value": money.format_plain(line.opening_net_value),
                            "dotation": money.format_plain(line.dotation),
                            "cumulative": money.format_plain(line.cumulative),
                            "closing_net_value": money.format_plain(line.closing_net_value),
                        }
                        for line in plan.lines
                    ],
                }
                for plan in plans
            ]
        )
        return 0
    for plan in plans:
        row = plan.row
        print(
            f"{row.pk:>4} {row.account:<8} {row.label[:40]:<40} {row.acquired_on:%d/%m/%Y} "
            f"{money.format_amount(row.value):>16} {row.get_method_display():<9} "
            f"{row.duration_years:>2} ans  {row.get_status_display()}"
        )
        if plan.error:
            print(f"      plan impossible : {plan.error}")
        for line in plan.lines:
            print(
                f"      {line.period.end:%d/%m/%Y} "
                f"VNC début {money.format_amount(line.opening_net_value):>16} "
                f"dotation {money.format_amount(line.dotation):>14} "
                f"cumul {money.format_amount(line.cumulative):>16} "
                f"VNC fin {money.format_amount(line.closing_net_value):>16}"
            )
    return 0


def cmd_depreciate(args: argparse.Namespace) -> int:
    from tenue.assets import selectors
    from tenue.assets.services import depreciation_post
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    year = _fiscal_year(company, args.year)
    preview = selectors.depreciation_preview(company=company, fiscal_year=year)
    if preview.error:
        raise SystemExit(preview.error)
    posted = []
    if args.post:
        posted = depreciation_post(company=company, fiscal_year=year)
    if args.format == "json":
        _print_json(
            {
                "fiscal_year": {"start": year.start.isoformat(), "end": year.end.isoformat()},
                "rows": [
                    {
                        "id": x.row.pk,
                        "account": x.row.account,
                        "accumulated_account": x.accumulated_account,
                        "label": x.row.label,
                        "dotation": money.format_plain(x.amount),
                    }
                    for x in preview.rows
                ],
                "total": money.format_plain(preview.total),
                "posted": [
                    f"{p.entry.journal.code} {p.entry.number}" for p in (posted or preview.postings)
                ],
            }
        )
        return 0
    print(f"Dotations aux amortissements de l'exercice {year}")
    for x in preview.rows:
        print(
            f"  {x.row.account:<8} {x.accumulated_account:<8} {x.row.label[:40]:<40} "
            f"{money.format_amount(x.amount):>16}"
        )
    print(f"  {'Total 6811':<58} {money.format_amount(preview.total):>16}")
    for posting in posted:
        print(
            f"Comptabilisé : écriture {posting.entry.journal.code} n° {posting.entry.number} "
            f"du {posting.entry.date:%d/%m/%Y}"
        )
    if not posted:
        for posting in preview.postings:
            print(
                f"Déjà comptabilisé {posting} : écriture {posting.entry.journal.code} "
                f"n° {posting.entry.number}"
            )
        if not preview.postings:
            print("Rien n'est comptabilisé : ajoutez --post.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tenue.formats import asset_register

    if args.template:
        from tenue.cli.main import write_template

        return write_template(asset_register, args.out)
    if not args.file or not args.dossier:
        raise SystemExit("FICHIER et --dossier sont requis")
    from tenue.assets.services import register_import
    from tenue.cli.main import _print_json

    result = register_import(company=_company(args.dossier), path=Path(args.file))
    for note in result.notes:
        print(f"note : {note}", file=sys.stderr)
    if args.format == "json":
        _print_json(
            {
                "file": result.name,
                "takeover_date": result.takeover_date.isoformat(),
                "assets": [
                    {"id": a.pk, "account": a.account, "label": a.label} for a in result.assets
                ],
            }
        )
    else:
        print(result.text())
    return 0


def cmd_loan_schedule(args: argparse.Namespace) -> int:
    from tenue.assets import selectors
    from tenue.assets.models import Loan
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    try:
        view = selectors.loan(company=company, loan_id=args.id)
    except Loan.DoesNotExist:
        raise SystemExit(f"Emprunt {args.id} inconnu dans le dossier {company.slug}") from None
    if view.error:
        raise SystemExit(f"{view.row.label} : {view.error}")
    plain = money.format_plain
    if args.format == "json":
        _print_json(
            {
                "id": view.row.pk,
                "label": view.row.label,
                "principal": plain(view.row.principal),
                "annual_rate": str(view.row.annual_rate.normalize()),
                "settlement_account": view.row.settlement_account,
                "events": [{"kind": e.kind, "on": e.on.isoformat()} for e in view.row.events.all()],
                "rows": [
                    {
                        "number": x.number,
                        "due_date": x.due_date.isoformat(),
                        "annual_rate": str(x.annual_rate.normalize()),
                        "opening_capital": plain(x.opening_capital),
                        "interest": plain(x.interest),
                        "capitalised_interest": plain(x.capitalised_interest),
                        "principal": plain(x.principal),
                        "prepayment": plain(x.prepayment),
                        "insurance": plain(x.insurance),
                        "total_paid": plain(x.total_paid),
                        "closing_capital": plain(x.closing_capital),
                        "posted": x.number in view.posted,
                    }
                    for x in view.instalments
                ],
            }
        )
        return 0
    print(f"{view.row.label} : {money.format_amount(view.row.principal)}")
    for x in view.instalments:
        mark = "*" if x.number in view.posted else " "
        print(
            f"{mark}{x.number:>4} {x.due_date:%d/%m/%Y} "
            f"intérêts {money.format_amount(x.interest):>14} "
            f"capital {money.format_amount(x.principal + x.prepayment):>16} "
            f"total {money.format_amount(x.total_paid):>16} "
            f"restant dû {money.format_amount(x.closing_capital):>16}"
        )
    print("* : échéance comptabilisée")
    return 0
