"""The dossier home (Accueil): the year's figures month by month and what waits for someone.

- revenue: the turnover (chiffre d'affaires, accounts 70) — credit minus debit;
- expenses: class 6 — debit minus credit; result: class 7 minus class 6 (all of class 7);
- cash: the balance of the bank and cash accounts (51 except 519, 53) at each month end, the
  opening entry included, so the last point is the ledger's cash position;
- VAT due: the credit balance of the VAT accounts (4455, 4456, 4457, 44567) at the date, i.e.
  collected minus deductible VAT not yet paid, a credit of VAT showing as a negative amount;
- counters: documents to review, movements on the waiting account, balance of the waiting
  accounts (47), missing documents.
Every amount is an exact Decimal sum (`ledger.sums`); months with no line show zero.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q
from django.db.models.functions import TruncMonth

from tenue.core import money
from tenue.core.periods import add_months
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear, Line
from tenue.ledger.sums import debit_minus_credit

CASH = Q(account__number__startswith="51") & ~Q(account__number__startswith="519") | Q(
    account__number__startswith="53"
)
VAT = (
    Q(account__number__startswith="4455")
    | Q(account__number__startswith="4456")
    | Q(account__number__startswith="4457")
)


@dataclass(frozen=True)
class Month:
    start: date
    revenue: Decimal
    expenses: Decimal
    result: Decimal
    cash: Decimal


@dataclass(frozen=True)
class Dashboard:
    year: FiscalYear
    months: list[Month]
    revenue: Decimal
    expenses: Decimal
    result: Decimal
    cash: Decimal
    vat_due: Decimal
    to_review: int
    waiting_transactions: int
    waiting_balance: Decimal
    missing_documents: int


def dashboard(*, company: Company, year: FiscalYear, today: date | None = None) -> Dashboard:
    today = today or date.today()
    lines = Line.objects.filter(company=company, date__gte=year.start, date__lte=year.end)
    by_month: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: money.ZERO))
    rows = (
        lines.filter(Q(account__number__regex=r"^[67]") | CASH)
        .annotate(month=TruncMonth("date"))
        .values("month", "account__number")
        .annotate(balance=debit_minus_credit())
        .order_by()
    )
    for row in rows:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        number, balance = row["account__number"], money.quantize(row["balance"])
        if number.startswith("70"):
            by_month[month]["revenue"] -= balance
        if number.startswith("7"):
            by_month[month]["income"] -= balance
        elif number.startswith("6"):
            by_month[month]["expenses"] += balance
        else:
            by_month[month]["cash"] += balance
    months = []
    cash = money.ZERO
    start = year.start.replace(day=1)
    while start <= year.end:
        figures = by_month.get(start, {})
        cash += figures.get("cash", money.ZERO)
        income = figures.get("income", money.ZERO)
        expenses = figures.get("expenses", money.ZERO)
        months.append(
            Month(start, figures.get("revenue", money.ZERO), expenses, income - expenses, cash)
        )
        start = add_months(start, 1)
    vat = lines.filter(VAT, date__lte=today).aggregate(balance=debit_minus_credit())["balance"]
    waiting = lines.filter(account__number__startswith="47").aggregate(
        balance=debit_minus_credit()
    )["balance"]
    return Dashboard(
        year=year,
        months=months,
        revenue=sum((m.revenue for m in months), money.ZERO),
        expenses=sum((m.expenses for m in months), money.ZERO),
        result=sum((m.result for m in months), money.ZERO),
        cash=cash,
        vat_due=-money.quantize(vat),
        to_review=_to_review(company),
        waiting_transactions=_waiting_transactions(company),
        waiting_balance=money.quantize(waiting),
        missing_documents=_missing(company),
    )


def _to_review(company: Company) -> int:
    from tenue.booking.models import EntryProposal, ProposalStatus

    return EntryProposal.objects.filter(company=company, status=ProposalStatus.TO_REVIEW).count()


def _waiting_transactions(company: Company) -> int:
    from tenue.bank.models import BankTransaction, TransactionStatus

    return BankTransaction.objects.filter(company=company, status=TransactionStatus.WAITING).count()


def _missing(company: Company) -> int:
    from tenue.bank.missing import missing_open_items, missing_transactions

    return (
        missing_transactions(company=company).count() + missing_open_items(company=company).count()
    )


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    label: str


def bars(values: list[tuple[str, Decimal]], *, width: int = 600, height: int = 160) -> list[Bar]:
    """Bars of an SVG chart, zero line in the middle when values change sign; heights in
    pixels (a drawing, the only place floats appear)."""
    if not values:
        return []
    top = max((v for _, v in values), default=money.ZERO)
    bottom = min((v for _, v in values), default=money.ZERO)
    top, bottom = max(top, money.ZERO), min(bottom, money.ZERO)
    span = float(top - bottom) or 1.0
    zero = height * float(top) / span
    step = width / len(values)
    out = []
    for index, (label, value) in enumerate(values):
        size = height * abs(float(value)) / span
        y = zero - size if value >= 0 else zero
        out.append(Bar(index * step + 2, y, step - 4, size, value, label))
    return out
