"""Reads of the assets app: the register with each asset's plan, the depreciation of a period
before it is posted, loans with their schedules and events, leases with their rents and the
commitments of the notes. Every figure comes from `tenue.core` through `mappers`; a plan or a
schedule the core cannot compute is shown with its reason, not left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from tenue.assets import mappers
from tenue.assets.models import (
    DepreciationPosting,
    FixedAsset,
    Lease,
    LeaseRentPosting,
    Loan,
    LoanInstalmentPosting,
)
from tenue.core import depreciation as dep
from tenue.core import leases as core_leases
from tenue.core import loans as core_loans
from tenue.core import money
from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear

# --- fixed assets ---------------------------------------------------------------------------

ONE_DAY = dt.timedelta(days=1)


def month_periods(year: Period) -> list[Period]:
    """The months of a fiscal year, the first and last clipped to it."""
    months = []
    first = year.start
    while first <= year.end:
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        last = min(following - ONE_DAY, year.end)
        months.append(Period(first, last))
        first = last + ONE_DAY
    return months


def asset_dotation(
    asset: dep.Asset, day_count: dep.DayCount, calendar: dep.FiscalCalendar, period: Period
) -> Decimal:
    """The dotation of one asset over `period` (its fiscal year, or whole months of it) as the
    core's depreciation entry counts it. Zero for an asset disposed by the period's end (as the
    core says), and also for an asset disposed later in the same fiscal year: its disposal
    booked the year's dotation up to that day, less what was posted before it."""
    year = calendar.containing(period.start)
    if asset.disposed_on is not None and asset.disposed_on <= year.end:
        return money.ZERO
    if period == year:
        return dep.year_line(asset, calendar, year, day_count=day_count).dotation
    return sum(
        (
            line.dotation
            for line in dep.monthly_schedule(asset, calendar, year, day_count=day_count)
            if period.start <= line.period.start and line.period.end <= period.end
        ),
        money.ZERO,
    )


@dataclass(frozen=True)
class AssetPlan:
    """A register row, its core asset and plan (or why the plan cannot be computed)."""

    row: FixedAsset
    lines: tuple[dep.DepreciationPeriod, ...]
    error: str = ""

    @property
    def cumulative(self) -> Decimal:
        return self.lines[-1].cumulative if self.lines else money.ZERO


def _calendar(company: Company) -> tuple[dep.FiscalCalendar | None, str]:
    try:
        return mappers.calendar_of(FiscalYear.objects.filter(company=company)), ""
    except dep.AssetError as exc:
        return None, str(exc)


def register(*, company: Company) -> list[AssetPlan]:
    """The dossier's register, each asset with its depreciation plan year by year."""
    calendar, error = _calendar(company)
    plans = []
    for row in FixedAsset.objects.filter(company=company).order_by("account", "acquired_on", "pk"):
        if calendar is None:
            plans.append(AssetPlan(row, (), error))
            continue
        try:
            lines = dep.schedule(
                mappers.asset_of(row), calendar, day_count=mappers.day_count_of(row)
            )
        except dep.AssetError as exc:
            plans.append(AssetPlan(row, (), str(exc)))
            continue
        plans.append(AssetPlan(row, tuple(lines)))
    return plans


@dataclass(frozen=True)
class PreviewRow:
    row: FixedAsset
    accumulated_account: str  # the 28xx account credited
    amount: Decimal


@dataclass(frozen=True)
class DepreciationPreview:
    """What `depreciation_post` would post for a fiscal year, and what is already posted."""

    period: Period
    rows: tuple[PreviewRow, ...]
    postings: tuple[DepreciationPosting, ...]
    error: str = ""

    @property
    def total(self) -> Decimal:
        return sum((x.amount for x in self.rows), money.ZERO)


def depreciation_preview(*, company: Company, fiscal_year: FiscalYear) -> DepreciationPreview:
    period = mappers.period_of(fiscal_year)
    postings = tuple(
        DepreciationPosting.objects.filter(
            company=company, start__lte=period.end, end__gte=period.start
        )
        .select_related("entry__journal")
        .order_by("start")
    )
    calendar, error = _calendar(company)
    if calendar is None:
        return DepreciationPreview(period, (), postings, error)
    rows = []
    try:
        for row in FixedAsset.objects.filter(company=company).order_by("account", "pk"):
            asset = mappers.asset_of(row)
            amount = asset_dotation(asset, mappers.day_count_of(row), calendar, period)
            if amount:
                rows.append(PreviewRow(row, asset.accumulated_account, amount))
    except dep.AssetError as exc:
        return DepreciationPreview(period, (), postings, str(exc))
    return DepreciationPreview(period, tuple(rows), postings)


# --- loans ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanSchedule:
    row: Loan
    instalments: tuple[core_loans.Instalment, ...]
    posted: dict[int, LoanInstalmentPosting] = field(default_factory=dict)
    error: str = ""

    @property
    def total_interest(self) -> Decimal:
        return sum((x.interest + x.capitalised_interest for x in self.instalments), money.ZERO)

    def capital_due_at(self, day: dt.date) -> Decimal:
        """The capital left after the instalments due on or before `day`."""
        left = self.row.principal
        for instalment in self.instalments:
            if instalment.due_date > day:
                break
            left = instalment.closing_capital
        return money.quantize(left)


def loan_view(row: Loan) -> LoanSchedule:
    """A loan with its schedule (events applied) and its posted instalments."""
    posted = {p.number: p for p in row.postings.select_related("entry__journal")}
    try:
        instalments = core_loans.schedule(mappers.loan_of(row), mappers.events_of(row.events.all()))
    except (core_loans.LoanError, ArithmeticError) as exc:
        return LoanSchedule(row, (), posted, str(exc))
    return LoanSchedule(row, tuple(instalments), posted)


def loans(*, company: Company) -> list[LoanSchedule]:
    """The dossier's loans with their schedules (events applied) and what is posted."""
    rows = Loan.objects.filter(company=company).select_related("contract").order_by("pk")
    return [loan_view(row) for row in rows]


def loan(*, company: Company, loan_id: int) -> LoanSchedule:
    """One loan of the dossier; Loan.DoesNotExist for another dossier's."""
    return loan_view(Loan.objects.get(company=company, pk=loan_id))


# --- leases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaseView:
    row: Lease
    rents: tuple[core_leases.Rent, ...]
    posted: dict[int, LeaseRentPosting]
    commitments: core_leases.LeaseCommitments | None


@dataclass(frozen=True)
class LeaseBook:
    leases: tuple[LeaseView, ...]
    total: core_leases.LeaseCommitments | None


def leases(*, company: Company, fiscal_year: FiscalYear | None) -> LeaseBook:
    """The dossier's leases with their rents, and the notes' commitments at the fiscal year end
    (per lease and in total)."""
    views = []
    cores = []
    period = mappers.period_of(fiscal_year) if fiscal_year is not None else None
    for row in Lease.objects.filter(company=company).select_related("supplier__account"):
        core = mappers.lease_of(row)
        cores.append(core)
        posted = {p.number: p for p in row.postings.select_related("entry__journal")}
        views.append(
            LeaseView(
                row,
                tuple(core_leases.schedule(core)),
                posted,
                core_leases.commitments(core, period) if period else None,
            )
        )
    total = core_leases.total_commitments(cores, period) if period and cores else None
    return LeaseBook(tuple(views), total)
