"""`tenue close …`: periodic and year-end closing."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def register(sub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    from tenue.cli.main import _date

    close = sub.add_parser("close", help="clôture périodique et clôture d'exercice")
    csub = close.add_subparsers(dest="action", required=True)
    period = csub.add_parser(
        "period", help="valider les écritures jusqu'à une date et verrouiller la période"
    )
    period.add_argument("--dossier", required=True)
    period.add_argument("--until", required=True, type=_date, help="AAAA-MM-JJ")
    period.set_defaults(func=cmd_period)
    year = csub.add_parser("year", help="clôturer un exercice et ouvrir le suivant")
    year.add_argument("--dossier", required=True)
    year.add_argument("--year", required=True, type=int, help="année de fin de l'exercice")
    year.add_argument(
        "--check", action="store_true", help="seulement dire ce qui empêche la clôture"
    )
    fmt(year)
    year.set_defaults(func=cmd_year)


def cmd_period(args: argparse.Namespace) -> int:
    from tenue.cli.main import _company
    from tenue.ledger.closing import period_close

    count = period_close(company=_company(args.dossier), until=args.until)
    print(
        f"Période clôturée jusqu'au {args.until:%d/%m/%Y} : {count} écriture(s) validée(s). "
        "Aucune écriture ne pourra plus y être datée."
    )
    return 0


def cmd_year(args: argparse.Namespace) -> int:
    from tenue.cli.main import _company, _print_json
    from tenue.core import money
    from tenue.ledger.closing import year_close, year_close_checks
    from tenue.ledger.models import FiscalYear

    company = _company(args.dossier)
    year = FiscalYear.objects.filter(company=company, end__year=args.year).first()
    if year is None:
        raise SystemExit(f"Aucun exercice du dossier ne se termine en {args.year}")
    problems = year_close_checks(company=company, year=year)
    if args.check or problems:
        if args.format == "json":
            _print_json(
                {"year": str(year), "ready": not problems, "problems": [str(p) for p in problems]}
            )
        else:
            print(f"Clôture de l'exercice {year} : " + ("possible" if not problems else "bloquée"))
            for problem in problems:
                print(f"  - {problem}")
        return 1 if problems else 0
    done = year_close(company=company, year=year)
    if args.format == "json":
        _print_json(
            {
                "year": str(year),
                "result": f"{done.result:.2f}",
                "validated": done.validated,
                "next_year": str(done.next_year),
                "opening_entry": done.opening_entry.number if done.opening_entry else None,
            }
        )
    else:
        print(
            f"Exercice {year} clôturé : {done.validated} écriture(s) validée(s), résultat "
            f"{money.format_amount(done.result)}, exercice {done.next_year} ouvert avec ses "
            "à-nouveaux."
        )
    return 0
