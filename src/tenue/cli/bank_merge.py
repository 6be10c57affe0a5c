"""`tenue bank merge`: the merge assistant at the command line. Without `--apply`, the plan
(exit code 1 when it would be refused); with it, the merge, or its refusal with every reason."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def register(bsub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    merge = bsub.add_parser(
        "merge", help="fusionner un compte 512 historique (repris du FEC) dans le compte géré"
    )
    merge.add_argument("--dossier", required=True)
    merge.add_argument("--account", required=True, help="IBAN du compte bancaire géré")
    merge.add_argument("--history", required=True, help="compte historique (512, 512000…)")
    merge.add_argument(
        "--move",
        type=int,
        action="append",
        default=[],
        metavar="MOUVEMENT",
        help="n° d'un mouvement à changer de colonne (conserver ou retirer) ; répétable",
    )
    merge.add_argument("--apply", action="store_true", help="fusionner (refusé si écart)")
    fmt(merge)
    merge.set_defaults(func=cmd_merge)


def cmd_merge(args: argparse.Namespace) -> int:
    from tenue.bank.merge import (
        bank_accounts_merge,
        bank_accounts_merge_plan,
        historical_account_for,
        plan_dict,
    )
    from tenue.bank.models import BankAccount
    from tenue.cli.main import _company, _print_json
    from tenue.core.problems import Refused

    company = _company(args.dossier)
    bank = BankAccount.objects.filter(
        company=company, iban="".join(args.account.split()).upper()
    ).first()
    if bank is None:
        raise SystemExit(f"Compte bancaire inconnu dans ce dossier : {args.account}")
    historical = historical_account_for(company=company, number=args.history)
    plan = bank_accounts_merge_plan(
        bank_account=bank, historical_account=historical, moved=args.move
    )
    merged, refused = None, []
    if args.apply:
        try:
            merged = bank_accounts_merge(plan=plan)
        except Refused as exc:
            refused = exc.problems
    if args.format == "json":
        _print_json(
            {
                **plan_dict(plan),
                "merge": merged.pk if merged else None,
                "carry_entry": merged.carry_reference if merged else None,
            }
        )
    else:
        _print_plan(plan)
        if merged:
            print(
                f"Fusion appliquée (n° {merged.pk}) : {len(plan.removed)} doublon(s) retiré(s)"
                + (
                    f", écriture de report {merged.carry_reference}"
                    if merged.carry_reference
                    else ""
                )
            )
    for problem in refused:
        print(f"Refusé : {problem.message}", file=sys.stderr)
    if args.apply:
        return 0 if merged else 1
    return 0 if plan.can_apply else 1


def _print_plan(plan: Any) -> None:
    from tenue.core import money

    def amount(value: Any) -> str:
        return money.format_amount(value) if value is not None else "—"

    cutoff = f"{plan.cutoff:%d/%m/%Y}" if plan.cutoff else "—"
    print(
        f"Fusion du compte {plan.historical_account.number} dans le compte géré "
        f"{plan.bank_account.account.number} — coupure au {cutoff}"
    )
    for m in plan.managed:
        where = "retiré " if m.removed else "conservé"
        note = f"doublon de {m.duplicate_of}" if m.removed and m.duplicate_of else ""
        if m.removed and not m.duplicate_of:
            note = "aucune écriture de l'historique"
        print(
            f"  n° {m.transaction_id:<6} {m.date:%d/%m/%Y} {amount(m.amount):>16} {where}"
            f"{' (déplacé)' if m.moved else ''} {m.label} {note}"
        )
    for x in plan.pending:
        print(f"  en suspens : {x.date:%d/%m/%Y} {x.reference} {x.label} {amount(x.amount)}")
    proof = f"{plan.proof_date:%d/%m/%Y}" if plan.proof_date else "—"
    print(
        f"Solde historique {amount(plan.historical_balance)} + conservés "
        f"{amount(plan.kept_total)} = {amount(plan.merged_balance)} ; solde bancaire au {proof} "
        f"{amount(plan.bank_balance)} ; écart {amount(plan.gap)}"
    )
    for problem in plan.refusals:
        print(f"  refus : {problem.message}")
