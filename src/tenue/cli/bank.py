"""`tenue bank …`: bank accounts, statement imports, transactions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def register(sub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    bank = sub.add_parser("bank", help="banque : comptes, relevés, mouvements")
    bsub = bank.add_subparsers(dest="action", required=True)
    add = bsub.add_parser("account-add", help="déclarer un compte bancaire (IBAN)")
    add.add_argument("--dossier", required=True)
    add.add_argument("--iban", required=True)
    add.add_argument("--label", default="")
    add.set_defaults(func=cmd_account_add)
    listing = bsub.add_parser("accounts", help="lister les comptes bancaires du dossier")
    listing.add_argument("--dossier", required=True)
    fmt(listing)
    listing.set_defaults(func=cmd_accounts)
    imp = bsub.add_parser("import", help="importer un relevé (OFX, camt, MT940, CFONB 120, CSV)")
    imp.add_argument("file")
    imp.add_argument("--dossier", required=True)
    imp.add_argument("--account", help="IBAN du compte, quand le fichier ne le dit pas (CSV)")
    imp.add_argument("--preset", help="(CSV) disposition des colonnes : nom de banque")
    fmt(imp)
    imp.set_defaults(func=cmd_import)
    txs = bsub.add_parser("transactions", help="lister les mouvements et ce qui les explique")
    txs.add_argument("--dossier", required=True)
    txs.add_argument("--account", help="IBAN d'un des comptes")
    txs.add_argument("--status", choices=["waiting", "explained"])
    fmt(txs)
    txs.set_defaults(func=cmd_transactions)


def _company(slug: str) -> Any:
    from tenue.cli.main import _company as company

    return company(slug)


def cmd_account_add(args: argparse.Namespace) -> int:
    from tenue.bank.services import bank_account_create

    bank = bank_account_create(company=_company(args.dossier), iban=args.iban, label=args.label)
    print(
        f"Compte bancaire {bank.label} : compte {bank.account.number}, journal {bank.journal.code}"
    )
    return 0


def cmd_accounts(args: argparse.Namespace) -> int:
    from tenue.bank import selectors
    from tenue.cli.main import _print_json
    from tenue.core import money

    rows = selectors.accounts(company=_company(args.dossier))
    if args.format == "json":
        _print_json(
            [
                {
                    "iban": r.bank_account.iban,
                    "label": r.bank_account.label,
                    "account": r.bank_account.account.number,
                    "journal": r.bank_account.journal.code,
                    "transactions": r.transactions,
                    "waiting": r.waiting,
                    "balance": f"{r.balance:.2f}",
                }
                for r in rows
            ]
        )
        return 0
    for r in rows:
        print(
            f"{r.bank_account.account.number} {r.bank_account.journal.code:<5} "
            f"{r.bank_account.iban:<34} {r.bank_account.label:<30} {r.transactions:>6} mvts "
            f"({r.waiting} en attente) {money.format_amount(r.balance):>16}"
        )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from tenue.bank.services import statement_import
    from tenue.cli.main import _print_json
    from tenue.formats import bank_csv

    layout = None
    if args.preset:
        layout = bank_csv.PRESETS.get(args.preset)
        if layout is None:
            raise SystemExit(
                f"disposition inconnue : {args.preset} (connues : {', '.join(bank_csv.PRESETS)})"
            )
    result = statement_import(
        company=_company(args.dossier), path=args.file, iban=args.account, layout=layout
    )
    if args.format == "json":
        _print_json(
            {
                "file": result.name,
                "format": result.format,
                "added": result.added,
                "skipped": result.skipped,
                "accounts_created": result.accounts_created,
                "notes": result.notes,
                "warnings": [str(p) for p in result.warnings],
            }
        )
    else:
        print(result.text())
    return 0


def cmd_transactions(args: argparse.Namespace) -> int:
    from tenue.bank import selectors
    from tenue.bank.models import BankAccount
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    bank = None
    if args.account:
        bank = BankAccount.objects.filter(
            company=company, iban="".join(args.account.split()).upper()
        ).first()
        if bank is None:
            raise SystemExit(f"Compte bancaire inconnu dans ce dossier : {args.account}")
    rows = selectors.transactions(company=company, bank_account=bank, status=args.status)
    if args.format == "json":
        _print_json([selectors.transaction_dict(tx) for tx in rows])
        return 0
    for tx in rows:
        entry = f"{tx.entry.journal.code} {tx.entry.number}" if tx.entry else "-"
        sys.stdout.write(
            f"{tx.date:%d/%m/%Y} {money.format_amount(tx.amount):>16} {tx.label[:50]:<50} "
            f"{tx.get_status_display():<26} {entry}\n"
        )
    return 0
