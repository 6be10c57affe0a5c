"""Reads of the ledger for a period: journal, general ledger with running balance, trial balance
and auxiliary balances. Every selector takes a dossier the caller obtained through the permission
service, runs a bounded number of queries whatever the page, and returns plain records with
Decimal amounts. Totals always cover the whole period, not only the page shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.db.models import Case, F, IntegerField, Q, Value, When, Window

from tenue.core import money
from tenue.core.periods import Period
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear, JournalKind, Line, ThirdPartyKind
from tenue.ledger.sums import cents_to_money, debit_minus_credit, exact_sum, running_cents, to_money

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    page_size: int
    total_count: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total_count / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count

    @property
    def has_previous(self) -> bool:
        return self.number > 1


@dataclass(frozen=True)
class Totals:
    debit: Decimal
    credit: Decimal

    @property
    def balanced(self) -> bool:
        return self.debit == self.credit


# Within a day, opening entries (à-nouveaux) come first, then journals by code, entries by number.
OPENING_FIRST = Case(
    When(entry__journal__kind=JournalKind.OPENING, then=Value(0)),
    default=Value(1),
    output_field=IntegerField(),
)
BOOK_ORDER = ["date", "opening_first", "entry__journal__code", "entry__number", "position"]


def _bounds(page: int, page_size: int) -> tuple[int, int]:
    page = max(1, page)
    return (page - 1) * page_size, page * page_size


def _totals(lines: Any) -> Totals:
    agg = lines.aggregate(d=exact_sum("debit"), c=exact_sum("credit"))
    return Totals(to_money(agg["d"]), to_money(agg["c"]))


def fiscal_year_period(company: Company, year: int | None = None) -> Period:
    """The period of the fiscal year ending in `year` (the latest one when None)."""
    years = FiscalYear.objects.filter(company=company).order_by("-end")
    if year is not None:
        years = years.filter(end__year=year)
    found = years.first()
    if found is None:
        raise FiscalYear.DoesNotExist(f"Aucun exercice {year or ''} pour {company.slug}".strip())
    return Period(found.start, found.end)


def _period_lines(company: Company, period: Period):  # type: ignore[no-untyped-def]
    return Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)


# --- journal ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JournalRow:
    date: date
    journal: str
    number: int
    piece_ref: str
    account: str
    aux_number: str
    label: str
    debit: Decimal
    credit: Decimal
    status: str


@dataclass(frozen=True)
class JournalReport:
    period: Period
    page: Page[JournalRow]
    totals: Totals


def journal(
    *,
    company: Company,
    period: Period,
    journal_code: str | None = None,
    page: int = 1,
    page_size: int = 100,
) -> JournalReport:
    lines = _period_lines(company, period)
    if journal_code:
        lines = lines.filter(entry__journal__code=journal_code)
    start, stop = _bounds(page, page_size)
    rows = (
        lines.annotate(opening_first=OPENING_FIRST)
        .order_by(*BOOK_ORDER)
        .values_list(
            "date",
            "entry__journal__code",
            "entry__number",
            "entry__piece_ref",
            "account__number",
            "third_party__aux_number",
            "label",
            "debit",
            "credit",
            "entry__status",
        )[start:stop]
    )
    items = [
        JournalRow(d, j, n, p, a, x or "", lab, de, cr, st)
        for d, j, n, p, a, x, lab, de, cr, st in rows
    ]
    return JournalReport(
        period, Page(items, max(1, page), page_size, lines.count()), _totals(lines)
    )


# --- general ledger ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerRow:
    account: str
    account_label: str
    date: date
    journal: str
    number: int
    piece_ref: str
    label: str
    lettering: str
    debit: Decimal
    credit: Decimal
    running_balance: Decimal


@dataclass(frozen=True)
class GeneralLedger:
    period: Period
    page: Page[LedgerRow]
    totals: Totals
    opening: dict[str, Decimal]


def general_ledger(
    *,
    company: Company,
    period: Period,
    account_prefix: str = "",
    page: int = 1,
    page_size: int = 100,
) -> GeneralLedger:
    """Lines by account then date, each with its solde progressif (debit minus credit), which
    starts from the account's balance at the start of the period within its fiscal year."""
    lines = _period_lines(company, period)
    if account_prefix:
        lines = lines.filter(account__number__startswith=account_prefix)
    year = FiscalYear.objects.filter(
        company=company, start__lte=period.start, end__gte=period.start
    ).first()
    opening: dict[str, Decimal] = {}
    if year is not None and year.start < period.start:
        before = Line.objects.filter(company=company, date__gte=year.start, date__lt=period.start)
        if account_prefix:
            before = before.filter(account__number__startswith=account_prefix)
        for number, balance in (
            before.values("account__number")
            .annotate(b=debit_minus_credit())
            .values_list("account__number", "b")
        ):
            opening[number] = to_money(balance)
    order = BOOK_ORDER
    running = Window(
        running_cents(F("debit") - F("credit")),
        partition_by=[F("account_id")],
        order_by=[F(x).asc() for x in order],
    )
    start, stop = _bounds(page, page_size)
    rows = (
        lines.annotate(opening_first=OPENING_FIRST)
        .annotate(running=running)
        .order_by("account__number", *order)
        .values_list(
            "account__number",
            "account__label",
            "date",
            "entry__journal__code",
            "entry__number",
            "entry__piece_ref",
            "label",
            "lettering__code",
            "debit",
            "credit",
            "running",
        )[start:stop]
    )
    items = [
        LedgerRow(
            a,
            al,
            d,
            j,
            n,
            p,
            lab,
            let or "",
            de,
            cr,
            cents_to_money(run) + opening.get(a, money.ZERO),
        )
        for a, al, d, j, n, p, lab, let, de, cr, run in rows
    ]
    return GeneralLedger(
        period, Page(items, max(1, page), page_size, lines.count()), _totals(lines), opening
    )


# --- trial balances ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BalanceRow:
    number: str
    label: str
    debit: Decimal
    credit: Decimal

    @property
    def balance_debit(self) -> Decimal:
        return max(self.debit - self.credit, money.ZERO)

    @property
    def balance_credit(self) -> Decimal:
        return max(self.credit - self.debit, money.ZERO)


@dataclass(frozen=True)
class TrialBalance:
    period: Period
    page: Page[BalanceRow]
    totals: Totals
    balance_totals: Totals


def trial_balance(
    *, company: Company, period: Period, page: int = 1, page_size: int = 100
) -> TrialBalance:
    """Balance générale: movements and balance of every account used in the period."""
    rows = (
        _period_lines(company, period)
        .values("account_id")
        .annotate(d=exact_sum("debit"), c=exact_sum("credit"))
        .order_by()
    )
    from tenue.ledger.models import Account

    accounts = dict(Account.objects.filter(company=company).values_list("pk", "number"))
    labels = dict(Account.objects.filter(company=company).values_list("number", "label"))
    all_rows = sorted(
        (
            BalanceRow(
                accounts[r["account_id"]],
                labels[accounts[r["account_id"]]],
                to_money(r["d"]),
                to_money(r["c"]),
            )
            for r in rows
        ),
        key=lambda r: r.number,
    )
    return _balance(period, all_rows, page, page_size)


def _balance(period: Period, all_rows: list[BalanceRow], page: int, page_size: int) -> TrialBalance:
    totals = Totals(
        sum((r.debit for r in all_rows), money.ZERO), sum((r.credit for r in all_rows), money.ZERO)
    )
    balance_totals = Totals(
        sum((r.balance_debit for r in all_rows), money.ZERO),
        sum((r.balance_credit for r in all_rows), money.ZERO),
    )
    start, stop = _bounds(page, page_size)
    return TrialBalance(
        period,
        Page(all_rows[start:stop], max(1, page), page_size, len(all_rows)),
        totals,
        balance_totals,
    )


def auxiliary_balance(
    *, company: Company, period: Period, kind: ThirdPartyKind, page: int = 1, page_size: int = 100
) -> TrialBalance:
    """Balance fournisseurs or clients: one row per third party of that kind."""
    rows = (
        _period_lines(company, period)
        .filter(Q(third_party__kind=kind))
        .values("third_party__aux_number", "third_party__name")
        .annotate(d=exact_sum("debit"), c=exact_sum("credit"))
        .order_by("third_party__aux_number")
    )
    all_rows = [
        BalanceRow(
            r["third_party__aux_number"],
            r["third_party__name"],
            to_money(r["d"]),
            to_money(r["c"]),
        )
        for r in rows
    ]
    return _balance(period, all_rows, page, page_size)
