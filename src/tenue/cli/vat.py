"""`tenue vat ca3` and `tenue vat ca12`: VAT returns at the command line.

Thin, like the rest of the CLI: parse the arguments, call the selector (`tenue.reports.vat`)
or, with `--post`, the settlement service (`tenue.reports.services`), print. `--format json`
keeps stable keys with amounts as text with a dot (exact amounts to the cent, declared ones in
whole euros).
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from tenue.core import money
from tenue.core import vat as core
from tenue.core.periods import Period


def register(sub: Any) -> None:
    """Add the `vat` command to the CLI's subparsers."""
    parser = sub.add_parser("vat", help="déclarations de TVA (CA3, CA12)")
    vsub = parser.add_subparsers(dest="action", required=True)
    ca3 = vsub.add_parser("ca3", help="CA3 d'un mois (AAAA-MM) ou d'un trimestre (AAAA-Tn)")
    ca3.add_argument("--dossier", required=True)
    ca3.add_argument("--period", required=True, type=_period, help="AAAA-MM ou AAAA-Tn")
    _common(ca3)
    ca3.set_defaults(func=cmd_vat_ca3)
    ca12 = vsub.add_parser("ca12", help="CA12 d'un exercice (régime simplifié)")
    ca12.add_argument("--dossier", required=True)
    ca12.add_argument("--year", type=int, required=True, help="exercice clos en AAAA")
    ca12.add_argument(
        "--previous-vat",
        type=_amount,
        help="TVA de l'exercice précédent, base des acomptes (défaut : lue dans les comptes)",
    )
    _common(ca12)
    ca12.set_defaults(func=cmd_vat_ca12)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--post", action="store_true", help="passer l'écriture de liquidation de la période"
    )


def _period(text: str) -> Period:
    try:
        return core.parse_period(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _amount(text: str) -> Decimal:
    try:
        return money.parse(text)
    except money.MoneyError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def cmd_vat_ca3(args: argparse.Namespace) -> int:
    from tenue.cli.main import _company

    return _run(args, _company(args.dossier), core.Form.CA3, args.period, None)


def cmd_vat_ca12(args: argparse.Namespace) -> int:
    from tenue.cli.main import _company
    from tenue.ledger.models import FiscalYear
    from tenue.reports.selectors import fiscal_year_period

    company = _company(args.dossier)
    try:
        period = fiscal_year_period(company, args.year)
    except FiscalYear.DoesNotExist as exc:
        raise SystemExit(f"Aucun exercice clos en {args.year} pour {company.slug}") from exc
    return _run(args, company, core.Form.CA12, period, args.previous_vat)


def _run(
    args: argparse.Namespace,
    company: Any,
    form: core.Form,
    period: Period,
    previous_year_vat: Decimal | None,
) -> int:
    from tenue.cli.main import _print_json
    from tenue.core.problems import Refused
    from tenue.reports import vat as selectors
    from tenue.reports.services import vat_settlement_post

    result = selectors.vat_return(
        company=company, form=form, period=period, previous_year_vat=previous_year_vat
    )
    existing = selectors.settlement_covering(company=company, period=period)
    posted = None
    if args.post:
        posted = vat_settlement_post(
            company=company, form=form, period=period, previous_year_vat=previous_year_vat
        ).entry
    journal = selectors.vat_settings(company=company).settlement_journal
    settlement = None
    if existing is None:
        try:
            settlement = core.settlement_entry(result, journal=journal)
        except Refused:
            settlement = None
    settled = (
        {
            "form": existing.form,
            "start": existing.start.isoformat(),
            "end": existing.end.isoformat(),
            "journal": existing.entry.journal.code,
            "number": existing.entry.number,
        }
        if existing is not None
        else None
    )
    if args.format == "json":
        payload = _as_json(company, result, settlement)
        payload["settled"] = settled
        payload["posted"] = (
            {"journal": posted.journal.code, "number": posted.number} if posted else None
        )
        _print_json(payload)
        return 0
    _print_text(company, result, settlement)
    if settled is not None:
        print(
            f"Période déjà liquidée : écriture {settled['journal']} n° {settled['number']} "
            f"({settled['form']} du {existing.start:%d/%m/%Y} au {existing.end:%d/%m/%Y})."
        )
    if posted is not None:
        print(
            f"Écriture de liquidation passée : {posted.journal.code} n° {posted.number} du "
            f"{posted.date:%d/%m/%Y}."
        )
    return 0


def _plain(amount: Decimal) -> str:
    return money.format_plain(amount)


def _euros(amount: Decimal) -> str:
    return f"{amount:.0f}"


def _as_json(company: Any, result: core.VatReturn, settlement: core.Entry | None) -> dict[str, Any]:
    plans = {
        name: {
            "base": _plain(plan.base),
            "july": _euros(plan.july),
            "december": _euros(plan.december),
        }
        if plan is not None
        else None
        for name, plan in (
            ("instalments", result.instalments),
            ("next_instalments", result.next_instalments),
        )
    }
    return {
        "dossier": company.slug,
        "form": result.form.value,
        "period": {
            "start": result.period.start.isoformat(),
            "end": result.period.end.isoformat(),
            "code": core.period_code(result.period),
            "label": core.period_label(result.period),
        },
        "lines": [
            {
                "box": line.box.code,
                "label": line.box.label,
                "edi_base": line.box.edi_base,
                "edi_tax": line.box.edi_tax,
                "base": _plain(line.base),
                "tax": _plain(line.tax),
                "declared_base": _euros(line.declared_base),
                "declared_tax": _euros(line.declared_tax),
                "entries": [
                    {
                        "id": c.entry.id,
                        "journal": c.entry.journal,
                        "number": c.entry.number,
                        "date": c.entry.date.isoformat(),
                        "piece_ref": c.entry.piece_ref,
                        "label": c.entry.label,
                        "account": c.account,
                        "base": _plain(c.base),
                        "tax": _plain(c.tax),
                    }
                    for c in line.contributions
                ],
            }
            for line in result.lines
        ],
        "to_pay": _euros(result.to_pay),
        "credit": _euros(result.credit),
        **plans,
        "problems": [{"severity": p.severity.value, "message": str(p)} for p in result.problems],
        "edi": core.edi_payload(result),
        "settlement": None
        if settlement is None
        else {
            "journal": settlement.journal,
            "date": settlement.date.isoformat(),
            "label": settlement.label,
            "lines": [
                {"account": x.account, "debit": _plain(x.debit), "credit": _plain(x.credit)}
                for x in settlement.lines
            ],
        },
    }


def _print_text(company: Any, result: core.VatReturn, settlement: core.Entry | None) -> None:
    fmt = money.format_amount
    print(
        f"Déclaration {result.form} — {core.period_label(result.period)} ({result.period}) — "
        f"dossier {company.slug}"
    )
    print(f"{'Ligne':<6}{'Libellé':<58}{'Base déclarée':>16}{'Taxe déclarée':>16}")
    for line in result.lines:
        if not (line.base or line.tax or line.declared_base or line.declared_tax):
            continue
        base = fmt(line.declared_base, currency=None) if line.box.has_base else ""
        tax = fmt(line.declared_tax, currency=None) if line.box.has_tax else ""
        label = line.box.label if len(line.box.label) <= 56 else line.box.label[:55] + "…"
        print(
            f"{line.box.code:<6}{label:<58}{base.removesuffix(',00'):>16}"
            f"{tax.removesuffix(',00'):>16}"
        )
    if result.to_pay:
        print(f"Montant à payer : {_euros(result.to_pay)} €")
    elif result.credit:
        print(f"Crédit de TVA à reporter : {_euros(result.credit)} €")
    else:
        print("Aucune TVA à payer ni crédit.")
    for problem in result.problems:
        prefix = "Erreur" if problem.severity.value == "error" else "Attention"
        print(f"{prefix} : {problem}")
    if settlement is not None:
        print(f"Écriture de liquidation ({settlement.journal} du {settlement.date:%d/%m/%Y}) :")
        for x in settlement.lines:
            print(
                f"  {x.account:<10}{fmt(x.debit, currency=None, blank_zero=True):>14}"
                f"{fmt(x.credit, currency=None, blank_zero=True):>14}  {x.label}"
            )
