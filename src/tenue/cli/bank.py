"""`tenue bank …`: bank accounts, statement imports, transactions."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from tenue.cli.main import _company  # the dossier named on the command line


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
    match = bsub.add_parser("match", help="propositions de lettrage des mouvements en attente")
    match.add_argument("--dossier", required=True)
    match.add_argument(
        "--auto", action="store_true", help="lettrer celles qui atteignent le seuil du dossier"
    )
    fmt(match)
    match.set_defaults(func=cmd_match)
    conns = bsub.add_parser("connections", help="connexions bancaires et fin des consentements")
    conns.add_argument("--dossier", required=True)
    conns.set_defaults(func=cmd_connections)
    sync = bsub.add_parser("sync", help="relever les comptes connectés (tâche)")
    sync.add_argument("--dossier", required=True)
    sync.add_argument("--until", help="jusqu'au AAAA-MM-JJ (défaut : aujourd'hui)")
    sync.set_defaults(func=cmd_sync)
    missing = bsub.add_parser("missing", help="pièces manquantes du dossier")
    missing.add_argument("--dossier", required=True)
    missing.add_argument(
        "--days", type=int, default=30, help="comptes de tiers non lettrés depuis N jours"
    )
    fmt(missing)
    missing.set_defaults(func=cmd_missing)
    rec = bsub.add_parser(
        "reconcile", help="état de rapprochement d'un compte à une date (code 1 si écart)"
    )
    rec.add_argument("--dossier", required=True)
    rec.add_argument("--account", required=True, help="IBAN du compte")
    rec.add_argument("--date", required=True, help="AAAA-MM-JJ")
    rec.add_argument("--bank-balance", help="solde bancaire à la date (sinon : dernier relevé)")
    rec.add_argument("--save", action="store_true", help="enregistrer l'état")
    fmt(rec)
    rec.set_defaults(func=cmd_reconcile)
    from tenue.cli import bank_rules  # tenue bank rules | rule-add | rules-apply

    bank_rules.register(bsub, fmt)
    from tenue.cli import bank_merge  # tenue bank merge

    bank_merge.register(bsub, fmt)


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


def cmd_match(args: argparse.Namespace) -> int:
    from tenue.bank import matching, selectors
    from tenue.bank.services import settings_for
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    if args.auto:
        report = matching.match_auto(company=company)
        threshold, applied, waiting = report.threshold, report.applied, report.proposed
        refused = report.refused
    else:
        threshold = settings_for(company).match_threshold
        applied, waiting, refused = [], matching.waiting_proposals(company=company), []
    if args.format == "json":
        _print_json(
            {
                "threshold": threshold,
                "applied": [
                    {
                        "transaction": selectors.transaction_dict(tx),
                        "proposal": matching.proposal_dict(p),
                    }
                    for tx, p in applied
                ],
                "waiting": [
                    {
                        "transaction": selectors.transaction_dict(tx),
                        "proposals": [matching.proposal_dict(p) for p in proposals],
                    }
                    for tx, proposals in waiting
                ],
                "refused": [
                    {
                        "transaction": selectors.transaction_dict(tx),
                        "problems": [str(x) for x in problems],
                    }
                    for tx, problems in refused
                ],
            }
        )
        return 0

    def head(tx: Any) -> str:
        return f"{tx.date:%d/%m/%Y} {money.format_amount(tx.amount):>16} {tx.label[:60]}"

    for tx, proposal in applied:
        print(f"{head(tx)}\n    lettré ({proposal.score} %) : {tx.explanation}")
    for tx, proposals in waiting:
        print(head(tx))
        if not proposals:
            print("    aucune proposition")
        for p in proposals:
            items = ", ".join(
                f"{a.item.reference} {money.format_amount(a.amount)}" for a in p.allocations
            )
            party = p.allocations[0].item
            print(f"    {p.score:>3} % {party.party_key} {party.party_name} : {items}")
            print(f"          {p.reason}")
    for tx, problems in refused:
        print(f"{head(tx)}\n    non lettré : {'; '.join(str(x) for x in problems)}")
    print(
        f"{len(applied)} mouvement(s) lettré(s), {len(waiting) + len(refused)} en attente "
        f"(seuil du dossier : {threshold} %)"
    )
    return 0


def cmd_missing(args: argparse.Namespace) -> int:
    from tenue.bank.missing import missing_dict, missing_documents
    from tenue.cli.main import _print_json

    items = missing_documents(company=_company(args.dossier), older_than_days=args.days)
    if args.format == "json":
        _print_json([missing_dict(item) for item in items])
        return 0
    for item in items:
        print(f"{item.key:<20} {item.text()}")
    print(f"{len(items)} pièce(s) manquante(s)")
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    from datetime import date

    from tenue.bank.models import BankAccount
    from tenue.bank.reconciliation import (
        reconciliation_compute,
        reconciliation_dict,
        reconciliation_save,
    )
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    bank = BankAccount.objects.filter(
        company=company, iban="".join(args.account.split()).upper()
    ).first()
    if bank is None:
        raise SystemExit(f"Compte bancaire inconnu dans ce dossier : {args.account}")
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise SystemExit(f"date attendue au format AAAA-MM-JJ : {args.date}") from None
    try:
        balance = money.parse(args.bank_balance) if args.bank_balance else None
    except money.MoneyError as exc:
        raise SystemExit(f"solde bancaire illisible : {exc}") from None
    report = reconciliation_compute(bank_account=bank, day=day, bank_balance=balance)
    saved = reconciliation_save(report=report) if args.save else None
    if args.format == "json":
        _print_json({**reconciliation_dict(report), "saved": saved.pk if saved else None})
    else:
        print(
            f"Solde comptable {bank.account.number} au {day:%d/%m/%Y} : "
            f"{money.format_amount(report.ledger_balance)}"
        )
        for item in report.items:
            when = f"{item.date:%d/%m/%Y}" if item.date else "          "
            print(f"  {when} {money.format_amount(item.amount):>16} {item.label} {item.reference}")
        print(
            f"Solde bancaire au {report.statement_date:%d/%m/%Y} : "
            f"{money.format_amount(report.bank_balance)}"
        )
        print(
            "Rapproché au centime"
            if report.balanced
            else f"Écart inexpliqué : {money.format_amount(report.gap)}"
        )
        if saved:
            print(f"État enregistré (n° {saved.pk})")
    return 0 if report.balanced else 1


def cmd_connections(args: argparse.Namespace) -> int:
    from datetime import date

    from tenue.bank.connections import connection_warnings
    from tenue.bank.models import BankConnection

    rows = list(
        BankConnection.objects.filter(company=_company(args.dossier)).select_related("bank_account")
    )
    for c in rows:
        until = f"{c.expires_on:%d/%m/%Y}" if c.expires_on else "?"
        synced = f"{c.synced_until:%d/%m/%Y}" if c.synced_until else "jamais"
        print(
            f"{c.bank_account.iban:<34} {c.institution or c.provider:<20} "
            f"{c.get_status_display():<20} consentement jusqu'au {until}, relevé : {synced}"
        )
    for problem in connection_warnings(connections=rows, today=date.today()):
        print(f"  ! {problem}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    """Each active connection pulled here and now (the web and the scheduler submit the same
    work as the `bank_sync` task)."""
    from datetime import date

    from tenue.bank.connections import connection_sync
    from tenue.bank.models import BankConnection, ConnectionStatus
    from tenue.core.problems import Refused

    until = date.fromisoformat(args.until) if args.until else date.today()
    code = 0
    for connection in BankConnection.objects.filter(
        company=_company(args.dossier), status=ConnectionStatus.ACTIVE
    ).select_related("bank_account", "company"):
        try:
            result = connection_sync(connection=connection, until=until)
        except Refused as refused:
            code = 1
            print(f"{connection.bank_account.iban} : " + " ; ".join(map(str, refused.problems)))
            continue
        print(
            f"{connection.bank_account.iban} : {result.added} mouvement(s) ajouté(s), "
            f"{result.skipped} déjà connu(s)"
        )
    return code
