"""The journal, general ledger and trial balance as `formats.tabular.Table`s (CLI and exports)."""

from __future__ import annotations

from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.formats.tabular import Column, Table
from tenue.ledger.models import ThirdPartyKind
from tenue.reports import selectors

ALL = 10**9


def _meta(company: Company, period: Period) -> dict[str, object]:
    return {
        "dossier": company.slug,
        "siren": company.siren,
        "start": period.start,
        "end": period.end,
    }


AUX_TITLES = {
    ThirdPartyKind.SUPPLIER: "Balance fournisseurs",
    ThirdPartyKind.CUSTOMER: "Balance clients",
}


def balance_table(company: Company, period: Period, aux: ThirdPartyKind | None = None) -> Table:
    """The trial balance, or with `aux` the suppliers' or customers' auxiliary balance."""
    if aux is None:
        report = selectors.trial_balance(company=company, period=period, page_size=ALL)
        title = "Balance générale"
    else:
        report = selectors.auxiliary_balance(
            company=company, period=period, kind=aux, page_size=ALL
        )
        title = AUX_TITLES[aux]
    return Table(
        title=f"{title} — {company.name} — {period}",
        columns=[
            Column("account", "Compte auxiliaire" if aux else "Compte"),
            Column("label", "Libellé"),
            Column("debit", "Débit", "amount"),
            Column("credit", "Crédit", "amount"),
            Column("balance_debit", "Solde débiteur", "amount"),
            Column("balance_credit", "Solde créditeur", "amount"),
        ],
        rows=[
            {
                "account": r.number,
                "label": r.label,
                "debit": r.debit,
                "credit": r.credit,
                "balance_debit": r.balance_debit,
                "balance_credit": r.balance_credit,
            }
            for r in report.page.items
        ],
        totals={
            "debit": report.totals.debit,
            "credit": report.totals.credit,
            "balance_debit": report.balance_totals.debit,
            "balance_credit": report.balance_totals.credit,
        },
        meta={**_meta(company, period), "balanced": report.totals.balanced},
    )


def ledger_table(company: Company, period: Period, account_prefix: str = "") -> Table:
    report = selectors.general_ledger(
        company=company, period=period, account_prefix=account_prefix, page_size=ALL
    )
    return Table(
        title=f"Grand livre — {company.name} — {period}",
        columns=[
            Column("account", "Compte"),
            Column("date", "Date", "date"),
            Column("journal", "Journal"),
            Column("number", "N°", "int"),
            Column("piece_ref", "Pièce"),
            Column("label", "Libellé"),
            Column("lettering", "Let."),
            Column("debit", "Débit", "amount"),
            Column("credit", "Crédit", "amount"),
            Column("running_balance", "Solde progressif", "amount"),
        ],
        rows=[
            {
                "account": r.account,
                "date": r.date,
                "journal": r.journal,
                "number": r.number,
                "piece_ref": r.piece_ref,
                "label": r.label,
                "lettering": r.lettering,
                "debit": r.debit,
                "credit": r.credit,
                "running_balance": r.running_balance,
            }
            for r in report.page.items
        ],
        totals={"debit": report.totals.debit, "credit": report.totals.credit},
        meta=_meta(company, period),
    )


def journal_table(company: Company, period: Period, journal_code: str | None = None) -> Table:
    report = selectors.journal(
        company=company, period=period, journal_code=journal_code, page_size=ALL
    )
    return Table(
        title=f"Journal {journal_code or 'général'} — {company.name} — {period}",
        columns=[
            Column("date", "Date", "date"),
            Column("journal", "Journal"),
            Column("number", "N°", "int"),
            Column("piece_ref", "Pièce"),
            Column("account", "Compte"),
            Column("aux_number", "Compte auxiliaire"),
            Column("label", "Libellé"),
            Column("debit", "Débit", "amount"),
            Column("credit", "Crédit", "amount"),
        ],
        rows=[
            {
                "date": r.date,
                "journal": r.journal,
                "number": r.number,
                "piece_ref": r.piece_ref,
                "account": r.account,
                "aux_number": r.aux_number,
                "label": r.label,
                "debit": r.debit,
                "credit": r.credit,
            }
            for r in report.page.items
        ],
        totals={"debit": report.totals.debit, "credit": report.totals.credit},
        meta=_meta(company, period),
    )
