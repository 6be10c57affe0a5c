"""Explicit mappers between the assets app's rows and the core records.

`core` knows nothing of Django: every plan, schedule and entry is computed from the frozen
records built here, and what a service stores comes back through the `*_fields` functions.
A row that the core refuses (a register edited by hand in the database) raises the core's own
error (`AssetError`, `LoanError`, `LeaseError`), which the services turn into problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from tenue.assets import models as m
from tenue.core import depreciation as dep
from tenue.core import leases as core_leases
from tenue.core import loans as core_loans
from tenue.core import money
from tenue.core.periods import Period
from tenue.core.problems import Source
from tenue.ledger.models import FiscalYear

# --- fiscal years ---------------------------------------------------------------------------


def period_of(year: FiscalYear) -> Period:
    return Period(year.start, year.end)


def calendar_of(years: Iterable[FiscalYear]) -> dep.FiscalCalendar:
    """The dossier's fiscal years as the depreciation calendar (contiguous, or AssetError)."""
    return dep.FiscalCalendar([period_of(y) for y in years])


# --- fixed assets ---------------------------------------------------------------------------


def _source(text: str) -> Source | None:
    if not text:
        return None
    name, sep, line = text.rpartition(", ligne ")
    if sep and line.isdigit():
        return Source(name, int(line))
    return Source(text)


def asset_of(row: m.FixedAsset) -> dep.Asset:
    """The core asset of a register row; a disposed asset carries its disposal date."""
    takeover = None
    if row.takeover_date is not None:
        assert row.takeover_cumulative is not None  # a constraint says so
        takeover = dep.Takeover(row.takeover_date, money.quantize(row.takeover_cumulative))
    return dep.Asset(
        account=row.account,
        label=row.label,
        acquired_on=row.acquired_on,
        value=money.quantize(row.value),
        method=dep.Method(row.method),
        duration_years=int(row.duration_years),
        residual_value=money.quantize(row.residual_value),
        in_service_on=row.in_service_on,
        degressive_coefficient=row.degressive_coefficient,
        takeover=takeover,
        disposed_on=row.disposed_on,
        source=_source(row.source),
    )


def day_count_of(row: m.FixedAsset) -> dep.DayCount:
    return dep.DayCount(row.day_count)


def asset_fields(asset: dep.Asset) -> dict[str, Any]:
    """The register row's fields of a core asset (not its status nor its disposal)."""
    return {
        "account": asset.account,
        "label": asset.label,
        "acquired_on": asset.acquired_on,
        "in_service_on": asset.in_service_on,
        "value": asset.value,
        "residual_value": asset.residual_value,
        "method": m.DepreciationMethod(asset.method.value),
        "duration_years": asset.duration_years,
        "degressive_coefficient": asset.degressive_coefficient,
        "takeover_date": asset.takeover.date if asset.takeover else None,
        "takeover_cumulative": asset.takeover.cumulative if asset.takeover else None,
        "source": str(asset.source or ""),
    }


# --- loans ----------------------------------------------------------------------------------


def loan_of(row: m.Loan) -> core_loans.Loan:
    return core_loans.Loan(
        principal=money.quantize(row.principal),
        annual_rate=Decimal(row.annual_rate),
        instalments=int(row.instalments),
        periodicity=core_loans.Periodicity(int(row.periodicity)),
        first_due=row.first_due,
        kind=core_loans.LoanKind(row.kind),
        deferral=core_loans.Deferral(row.deferral),
        deferral_periods=int(row.deferral_periods),
        insurance=money.quantize(row.insurance),
        label=row.label,
        disbursed_on=row.disbursed_on,
    )


def event_of(row: m.LoanEvent) -> core_loans.LoanEvent:
    kind = m.LoanEventKind(row.kind)
    if kind is m.LoanEventKind.RATE_REVISION:
        assert row.annual_rate is not None  # a constraint says so
        return core_loans.RateRevision(row.on, Decimal(row.annual_rate))
    if kind is m.LoanEventKind.EARLY_REPAYMENT:
        if row.prepayment_option == m.PrepaymentOption.TOTAL:
            return core_loans.EarlyRepayment(row.on, None)
        assert row.amount is not None
        return core_loans.EarlyRepayment(
            row.on,
            money.quantize(row.amount),
            core_loans.PrepaymentOption(row.prepayment_option),
        )
    if kind is m.LoanEventKind.POSTPONED_INSTALMENT:
        return core_loans.PostponedInstalment(
            row.on, core_loans.PostponedInterest(row.postponed_interest)
        )
    assert row.amount is not None
    return core_loans.InstalmentChange(row.on, money.quantize(row.amount))


def events_of(rows: Iterable[m.LoanEvent]) -> list[core_loans.LoanEvent]:
    return [event_of(row) for row in rows]


def event_fields(event: core_loans.LoanEvent) -> dict[str, Any]:
    """The `LoanEvent` row's fields of a core event."""
    fields: dict[str, Any] = {
        "on": event.on,
        "annual_rate": None,
        "amount": None,
        "prepayment_option": "",
        "postponed_interest": "",
    }
    if isinstance(event, core_loans.RateRevision):
        fields.update(kind=m.LoanEventKind.RATE_REVISION, annual_rate=event.annual_rate)
    elif isinstance(event, core_loans.EarlyRepayment):
        option = m.PrepaymentOption.TOTAL if event.amount is None else event.option.value
        fields.update(
            kind=m.LoanEventKind.EARLY_REPAYMENT, amount=event.amount, prepayment_option=option
        )
    elif isinstance(event, core_loans.PostponedInstalment):
        fields.update(
            kind=m.LoanEventKind.POSTPONED_INSTALMENT, postponed_interest=event.interest.value
        )
    else:
        fields.update(kind=m.LoanEventKind.INSTALMENT_CHANGE, amount=event.amount)
    return fields


# --- leases ---------------------------------------------------------------------------------


def lease_of(row: m.Lease) -> core_leases.Lease:
    supplier = row.supplier
    return core_leases.Lease(
        kind=core_leases.LeaseKind(row.financing_type),
        label=row.label,
        rent=money.quantize(row.rent),
        rents=int(row.rents),
        periodicity=core_loans.Periodicity(int(row.periodicity)),
        first_due=row.first_due,
        first_rent=None if row.first_rent is None else money.quantize(row.first_rent),
        vat_rate=Decimal(row.vat_rate),
        purchase_option=money.quantize(row.purchase_option),
        supplier_account=supplier.account.number if supplier else core_leases.SUPPLIER_ACCOUNT,
        supplier_aux=supplier.aux_number if supplier else "",
    )
