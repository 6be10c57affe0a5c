"""Writes for the VAT returns: the dossier's VAT settings and the settlement entry.

`vat_settlement_post` recomputes the return inside its transaction (never trusting a return
computed earlier), posts the settlement entry (`tenue.core.vat.settlement_entry`) through
`ledger.services.entry_post`, and records the settled period. A second settlement of a period
that overlaps a settled one is refused; the dossier's row is locked meanwhile so that two
requests cannot both pass that check (SQLite's IMMEDIATE transactions serialise them anyway).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from tenue.core import pcg
from tenue.core import vat as core
from tenue.core.periods import Period
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import Journal
from tenue.ledger.services import entry_post
from tenue.reports import vat as selectors
from tenue.reports.models import ServicesExigibility, VatSettings, VatSettlement


def vat_settings_update(
    *,
    company: Company,
    services_exigibility: str,
    export_accounts: Sequence[str] = (),
    settlement_journal: str = "OD",
    by: Any = None,
) -> VatSettings:
    require(by, Action.MANAGE, company)
    problems = []
    if services_exigibility not in ServicesExigibility.values:
        problems.append(
            Problem(f"exigibilité inconnue « {services_exigibility} »", "services_exigibility")
        )
    accounts = []
    for number in export_accounts:
        try:
            compact = pcg.validate(number)
        except pcg.InvalidAccountNumber as exc:
            problems.append(Problem(str(exc), "export_accounts"))
            continue
        if not compact.startswith("7"):
            problems.append(
                Problem(f"le compte d'export {compact} n'est pas un compte de produits (classe 7)")
            )
        accounts.append(compact)
    if not Journal.objects.filter(company=company, code=settlement_journal).exists():
        problems.append(
            Problem(f"journal {settlement_journal} inconnu du dossier", "settlement_journal")
        )
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        row, _ = VatSettings.objects.get_or_create(company=company)
        row.services_exigibility = services_exigibility
        row.export_accounts = sorted(set(accounts))
        row.settlement_journal = settlement_journal
        row.save()
        audit.record(
            by=by,
            action="vat_settings_update",
            company=company,
            obj=row,
            services_exigibility=services_exigibility,
            export_accounts=",".join(row.export_accounts),
        )
    return row


def vat_settlement_post(
    *,
    company: Company,
    form: core.Form,
    period: Period,
    previous_year_vat: Decimal | None = None,
    by: Any = None,
) -> VatSettlement:
    """Post the settlement entry of the return of `period` and record the period as settled."""
    require(by, Action.POST, company)
    try:
        with transaction.atomic():
            Company.objects.select_for_update().get(pk=company.pk)
            existing = selectors.settlement_covering(company=company, period=period)
            if existing is not None:
                raise Refused([_already_settled(existing)])
            result = selectors.vat_return(
                company=company, form=form, period=period, previous_year_vat=previous_year_vat
            )
            journal = selectors.vat_settings(company=company).settlement_journal
            entry = entry_post(
                company=company, entry=core.settlement_entry(result, journal=journal), by=by
            )
            settlement = VatSettlement.objects.create(
                company=company,
                form=form.value,
                start=period.start,
                end=period.end,
                entry=entry,
                declared=core.edi_payload(result),
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            audit.record(
                by=by,
                action="vat_settlement_post",
                company=company,
                obj=settlement,
                form=form.value,
                period=core.period_code(period),
                entry=f"{journal} {entry.number}",
                to_pay=result.to_pay,
                credit=result.credit,
            )
    except IntegrityError as exc:  # a concurrent settlement of the same start won the race
        raise Refused(
            [Problem("une liquidation de cette période vient d'être enregistrée", "period")]
        ) from exc
    return settlement


def _already_settled(existing: VatSettlement) -> Problem:
    return Problem(
        f"période déjà liquidée : {existing.form} du {existing.start:%d/%m/%Y} au "
        f"{existing.end:%d/%m/%Y} (écriture {existing.entry.journal.code} n° "
        f"{existing.entry.number})",
        "period",
    )
