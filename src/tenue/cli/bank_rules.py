"""`tenue bank rules | rule-add | rules-apply`: the dossier's bank rules at the command line.

Registered by `cli.bank.register` under `tenue bank`; each command parses its options, calls one
service or selector of `bank.rules` and prints the result (table or `--format json`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from tenue.cli.main import _company  # the dossier named on the command line


def register(bsub: Any, fmt: Callable[[argparse.ArgumentParser], None]) -> None:
    listing = bsub.add_parser("rules", help="lister les règles bancaires du dossier, dans l'ordre")
    listing.add_argument("--dossier", required=True)
    fmt(listing)
    listing.set_defaults(func=cmd_rules)

    add = bsub.add_parser(
        "rule-add",
        help="ajouter une règle bancaire (en dernier) ; --preview : montrer ce qu'elle prendrait",
    )
    add.add_argument("--dossier", required=True)
    add.add_argument("--name", required=True, help="nom de la règle")
    cond = add.add_argument_group("conditions (toutes doivent être remplies)")
    cond.add_argument("--label-contains", default="", help="mots du libellé, dans cet ordre")
    cond.add_argument("--label-regex", default="", help="expression régulière sur le libellé")
    cond.add_argument("--counterparty", default="", help="mots du nom de la contrepartie")
    cond.add_argument("--counterparty-iban", default="", help="IBAN de la contrepartie")
    cond.add_argument("--amount-min", default="", help="montant minimum (sans signe)")
    cond.add_argument("--amount-max", default="", help="montant maximum (sans signe)")
    cond.add_argument("--direction", choices=["in", "out"], help="in : encaissement, out : sortie")
    cond.add_argument("--bank-account", default="", help="IBAN d'un des comptes du dossier")
    act = add.add_argument_group("actions")
    act.add_argument("--account", default="", help="compte à imputer (6xx, 7xx, 401…)")
    act.add_argument("--vat", default="0", help="taux de TVA : 0, 2.1, 5.5, 10 ou 20")
    act.add_argument("--aux", default="", help="compte auxiliaire du tiers (401/411)")
    act.add_argument("--label", default="", help="libellé des lignes à la place de la banque")
    add.add_argument(
        "--preview", action="store_true", help="lister les mouvements en attente pris, sans créer"
    )
    fmt(add)
    add.set_defaults(func=cmd_rule_add)

    apply = bsub.add_parser(
        "rules-apply", help="appliquer les règles aux mouvements en attente du dossier"
    )
    apply.add_argument("--dossier", required=True)
    fmt(apply)
    apply.set_defaults(func=cmd_rules_apply)

    answer = bsub.add_parser(
        "suggestion", help="accepter ou écarter une règle suggérée (numéro donné par « rules »)"
    )
    answer.add_argument("decision", choices=["accept", "dismiss"])
    answer.add_argument("number", type=int)
    answer.add_argument("--dossier", required=True)
    answer.add_argument("--name", help="(accept) nom de la règle, à la place du nom proposé")
    answer.set_defaults(func=cmd_suggestion)


def _rule_dict(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "position": rule.position,
        "name": rule.name,
        "active": rule.active,
        "conditions": rule.conditions,
        "actions": rule.actions,
    }


def cmd_rules(args: argparse.Namespace) -> int:
    from tenue.bank import rules
    from tenue.cli.main import _print_json
    from tenue.core import bank_rules

    company = _company(args.dossier)
    rows = rules.rules(company=company)
    proposed = rules.suggestions(company=company)
    if args.format == "json":
        _print_json(
            {
                "rules": [_rule_dict(r) for r in rows],
                "suggestions": [
                    {
                        "id": s.pk,
                        "name": s.name,
                        "conditions": s.conditions,
                        "actions": s.actions,
                        "examples": s.examples,
                    }
                    for s in proposed
                ],
            }
        )
        return 0
    for row in rows:
        rule = rules.core_rule(row)
        state = "" if row.active else " (inactive)"
        print(
            f"{row.position:>3}. {row.name}{state} : si "
            f"{bank_rules.describe_conditions(rule.conditions)} "
            f"-> {bank_rules.describe_actions(rule.actions)}"
        )
    if not rows:
        print("Aucune règle bancaire dans ce dossier.")
    for suggestion in proposed:
        print(
            f"Règle suggérée n° {suggestion.pk} « {suggestion.name} » (d'après : "
            f"{suggestion.examples[0]}) : tenue bank suggestion accept|dismiss {suggestion.pk}"
        )
    return 0


def cmd_rule_add(args: argparse.Namespace) -> int:
    from tenue.bank import rules
    from tenue.bank.selectors import transaction_dict
    from tenue.cli.main import _print_json
    from tenue.core import money

    company = _company(args.dossier)
    conditions = {
        "label_contains": args.label_contains,
        "label_regex": args.label_regex,
        "counterparty_contains": args.counterparty,
        "counterparty_iban": args.counterparty_iban,
        "amount_min": args.amount_min,
        "amount_max": args.amount_max,
        "direction": args.direction or "",
        "bank_account": args.bank_account,
    }
    actions = {
        "account": args.account,
        "vat_rate": args.vat,
        "aux_number": args.aux,
        "label": args.label,
    }
    if args.preview:
        draft = rules.rule_draft(
            company=company, name=args.name, conditions=conditions, actions=actions
        )
        caught = rules.rule_preview(rule_or_draft=draft, company=company)
        if args.format == "json":
            _print_json([transaction_dict(tx) for tx in caught])
            return 0
        for tx in caught:
            print(f"{tx.date:%d/%m/%Y} {money.format_amount(tx.amount):>16} {tx.label[:60]}")
        print(f"La règle « {draft.name} » prendrait {len(caught)} mouvement(s) en attente.")
        return 0
    row = rules.rule_create(company=company, name=args.name, conditions=conditions, actions=actions)
    if args.format == "json":
        _print_json(_rule_dict(row))
    else:
        print(f"Règle « {row.name} » ajoutée en position {row.position}.")
    return 0


def cmd_rules_apply(args: argparse.Namespace) -> int:
    from tenue.bank import rules
    from tenue.bank.selectors import transaction_dict
    from tenue.cli.main import _print_json
    from tenue.core import money

    applied = rules.rules_apply(company=_company(args.dossier))
    if args.format == "json":
        _print_json(
            {
                "explained": [
                    {**transaction_dict(tx), "explanation": why} for tx, why in applied.explained
                ],
                "refused": [
                    {"transaction": transaction_dict(tx), "problems": [str(p) for p in problems]}
                    for tx, problems in applied.refused
                ],
            }
        )
        return 0
    for tx, why in applied.explained:
        print(f"{tx.date:%d/%m/%Y} {money.format_amount(tx.amount):>16} {tx.label[:50]:<50} {why}")
    for tx, problems in applied.refused:
        print(f"{tx.date:%d/%m/%Y} {tx.label[:50]} : non expliqué : {problems[0].message}")
    print(
        f"{len(applied.explained)} mouvement(s) expliqué(s) par les règles, "
        f"{len(applied.refused)} refusé(s)"
    )
    return 0


def cmd_suggestion(args: argparse.Namespace) -> int:
    from tenue.bank import rules

    company = _company(args.dossier)
    found = next((x for x in rules.suggestions(company=company) if x.pk == args.number), None)
    if found is None:
        raise SystemExit(f"Aucune règle suggérée n° {args.number} en attente dans ce dossier")
    if args.decision == "accept":
        rule = rules.suggestion_accept(suggestion=found, name=args.name)
        print(f"Règle « {rule.name} » ajoutée en position {rule.position}")
    else:
        rules.suggestion_dismiss(suggestion=found)
        print(f"Suggestion « {found.name} » écartée : elle ne reviendra pas")
    return 0
