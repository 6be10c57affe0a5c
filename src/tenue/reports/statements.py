"""Financial statements of a dossier for a period: the compte de résultat, the bilan and the soldes
intermédiaires de gestion, each with the previous period beside it and each figure with the
accounts that make it (the drill-down). Selectors: reads only.

The layouts and their arithmetic live in `core.statements`; this module reads the balances they
need and pairs the period with the previous one.

Which lines each statement reads:
- compte de résultat and SIG: the lines of classes 6 and 7 dated within the period;
- bilan, at the period's last day: every line dated from the start of the fiscal year that holds
  that day (its à-nouveaux carry the earlier years) up to that day; the year's result is the
  balance of classes 6 and 7 over that same span. For a period that is a whole fiscal year, the
  bilan's result is the compte de résultat's; for a period inside a year, the bilan shows the
  result since the start of the year and the compte de résultat that of the period;
- previous period: the fiscal year just before when the period is a fiscal year; otherwise the
  same number of months before (a period of whole months), or of days.

Invariants: amounts are exact `Decimal` sums (`ledger.sums`); four balance queries whatever the
dossier's size; actif = passif to the cent whenever every account with a balance is classified,
and what is not (class 8, a root the PCG does not have) is reported as a problem, as is a fiscal
year whose à-nouveaux were not posted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from django.db.models import Q

from tenue.core import money
from tenue.core import statements as layouts
from tenue.core.periods import Period, add_months
from tenue.core.problems import Problem, Severity
from tenue.core.statements import Evaluation, Figure, RowKind
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear, JournalKind, Line
from tenue.ledger.sums import debit_minus_credit, to_money


class StatementKind(StrEnum):
    INCOME_STATEMENT = "income_statement"
    BALANCE_SHEET = "balance_sheet"
    SIG = "sig"


TITLES = {
    StatementKind.INCOME_STATEMENT: "Compte de résultat",
    StatementKind.BALANCE_SHEET: "Bilan",
    StatementKind.SIG: "Soldes intermédiaires de gestion",
}


@dataclass(frozen=True)
class AccountLine:
    """One account's contribution to a figure, in the period and the previous one."""

    number: str
    label: str
    current: Decimal
    previous: Decimal


@dataclass(frozen=True)
class StatementRow:
    code: str
    label: str
    kind: RowKind
    current: Decimal
    previous: Decimal
    accounts: tuple[AccountLine, ...] = ()
    gross: Decimal | None = None  # actif: brut and amortissements et dépréciations (period)
    less: Decimal | None = None

    @property
    def is_heading(self) -> bool:
        return self.kind is RowKind.HEADING


@dataclass(frozen=True)
class StatementPart:
    title: str
    rows: tuple[StatementRow, ...]
    columns: bool = False  # brut / amortissements / net


@dataclass(frozen=True)
class Statement:
    kind: StatementKind
    title: str
    period: Period
    previous_period: Period
    parts: tuple[StatementPart, ...]

    def rows(self) -> Iterator[StatementRow]:
        for part in self.parts:
            for row in part.rows:
                if not row.is_heading:
                    yield row

    def row(self, code: str) -> StatementRow:
        for row in self.rows():
            if row.code == code:
                return row
        raise KeyError(code)


@dataclass(frozen=True)
class FinancialStatements:
    company: Company
    period: Period
    previous_period: Period
    income_statement: Statement
    balance_sheet: Statement
    sig: Statement
    problems: tuple[Problem, ...]
    year: FiscalYear | None  # the fiscal year of the period's last day (general ledger links)
    previous_year: FiscalYear | None

    def statement(self, kind: StatementKind) -> Statement:
        return {
            StatementKind.INCOME_STATEMENT: self.income_statement,
            StatementKind.BALANCE_SHEET: self.balance_sheet,
            StatementKind.SIG: self.sig,
        }[kind]

    def __iter__(self) -> Iterator[Statement]:
        return iter((self.income_statement, self.balance_sheet, self.sig))

    @property
    def total_assets(self) -> Decimal:
        return self.balance_sheet.row("total_actif").current

    @property
    def balanced(self) -> bool:
        """Actif = passif, to the cent, at the period's end."""
        return self.total_assets == self.balance_sheet.row("total_passif").current


# --- periods --------------------------------------------------------------------------------


def previous_period(*, company: Company, period: Period) -> Period:
    """The fiscal year before a fiscal year; else the same months, or days, just before."""
    day_before = period.start - timedelta(days=1)
    if FiscalYear.objects.filter(company=company, start=period.start, end=period.end).exists():
        before = FiscalYear.objects.filter(company=company, end=day_before).first()
        if before is not None:
            return Period(before.start, before.end)
    if period.start.day == 1 and (period.end + timedelta(days=1)).day == 1:
        months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month
        return Period(add_months(period.start, -(months + 1)), day_before)
    return Period(period.start - (period.end - period.start) - timedelta(days=1), day_before)


def _year_of(company: Company, day: date) -> FiscalYear | None:
    """The fiscal year whose books a bilan at `day` reads: the latest one started by then."""
    return FiscalYear.objects.filter(company=company, start__lte=day).order_by("-start").first()


# --- balances -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Balances:
    amounts: dict[str, Decimal]  # debit − credit by account number
    labels: dict[str, str]


def _balances(company: Company, start: date, end: date, *, result_only: bool) -> _Balances:
    lines = Line.objects.filter(company=company, date__gte=start, date__lte=end)
    if result_only:
        lines = lines.filter(
            Q(account__number__startswith="6") | Q(account__number__startswith="7")
        )
    rows = (
        lines.values("account__number", "account__label")
        .annotate(b=debit_minus_credit())
        .order_by()
        .values_list("account__number", "account__label", "b")
    )
    amounts: dict[str, Decimal] = {}
    labels: dict[str, str] = {}
    for number, label, balance in rows:
        amounts[number] = to_money(balance)
        labels[number] = label
    return _Balances(amounts, labels)


def _balance_sheet_balances(company: Company, day: date) -> tuple[_Balances, FiscalYear | None]:
    year = _year_of(company, day)
    if year is None:  # no fiscal year began by then: there can be no line either
        return _Balances({}, {}), None
    return _balances(company, year.start, day, result_only=False), year


# --- assembling -----------------------------------------------------------------------------


def _rows(
    current: Evaluation, previous: Evaluation, labels: Mapping[str, str]
) -> tuple[StatementRow, ...]:
    rows = []
    for now, before in zip(current.figures, previous.figures, strict=True):
        rows.append(
            StatementRow(
                code=now.code,
                label=now.label,
                kind=now.kind,
                current=now.amount,
                previous=before.amount,
                accounts=_account_lines(now, before, labels),
                gross=now.gross,
                less=now.less,
            )
        )
    return tuple(rows)


def _account_lines(
    now: Figure, before: Figure, labels: Mapping[str, str]
) -> tuple[AccountLine, ...]:
    numbers = sorted(set(now.accounts) | set(before.accounts))
    lines = []
    for number in numbers:
        current = now.accounts.get(number, money.ZERO)
        previous = before.accounts.get(number, money.ZERO)
        if current or previous:
            lines.append(AccountLine(number, labels.get(number, ""), current, previous))
    return tuple(lines)


def _unclassified_problems(
    sheet: layouts.BalanceSheet, labels: Mapping[str, str], when: str
) -> list[Problem]:
    """`when` names the period ("" for the period itself)."""
    texts = [
        f"compte {number} ({labels.get(number, '')}) : solde de "
        f"{money.format_amount(balance)} non repris au bilan (classe 8 ou racine hors PCG)"
        for number, balance in sheet.unclassified.items()
    ]
    if sheet.gap:
        texts.append(
            f"bilan déséquilibré : l'actif dépasse le passif de {money.format_amount(sheet.gap)}"
        )
    return [Problem(f"{when}{t}" if when else t[0].upper() + t[1:]) for t in texts]


def _opening_missing(company: Company, year: FiscalYear | None) -> bool:
    """Whether the fiscal year follows booked years but has no à-nouveaux."""
    if year is None:
        return False
    if not Line.objects.filter(company=company, date__lt=year.start).exists():
        return False
    return not Line.objects.filter(
        company=company,
        entry__fiscal_year=year,
        entry__journal__kind=JournalKind.OPENING,
    ).exists()


def financial_statements(*, company: Company, period: Period) -> FinancialStatements:
    """The three statements for the period, with the previous period beside it."""
    previous = previous_period(company=company, period=period)
    result_now = _balances(company, period.start, period.end, result_only=True)
    result_before = _balances(company, previous.start, previous.end, result_only=True)
    sheet_now, year = _balance_sheet_balances(company, period.end)
    sheet_before, previous_year = _balance_sheet_balances(company, previous.end)
    labels = {
        **result_before.labels,
        **sheet_before.labels,
        **result_now.labels,
        **sheet_now.labels,
    }

    cr_now = layouts.evaluate(layouts.INCOME_STATEMENT, result_now.amounts)
    cr_before = layouts.evaluate(layouts.INCOME_STATEMENT, result_before.amounts)
    sig_now = layouts.evaluate(layouts.SIG, result_now.amounts, base=cr_now)
    sig_before = layouts.evaluate(layouts.SIG, result_before.amounts, base=cr_before)
    bs_now = layouts.balance_sheet(sheet_now.amounts)
    bs_before = layouts.balance_sheet(sheet_before.amounts)

    def statement(kind: StatementKind, *parts: StatementPart) -> Statement:
        return Statement(kind, TITLES[kind], period, previous, parts)

    problems = _unclassified_problems(bs_now, labels, "")
    problems += _unclassified_problems(bs_before, labels, "Période précédente : ")
    if _opening_missing(company, year):
        problems.append(
            Problem(
                f"Les à-nouveaux de l'exercice {year} ne sont pas passés : le bilan ne reprend "
                "pas les soldes des exercices précédents.",
                severity=Severity.WARNING,
            )
        )
    return FinancialStatements(
        company=company,
        period=period,
        previous_period=previous,
        income_statement=statement(
            StatementKind.INCOME_STATEMENT,
            StatementPart(layouts.INCOME_STATEMENT.title, _rows(cr_now, cr_before, labels)),
        ),
        balance_sheet=statement(
            StatementKind.BALANCE_SHEET,
            StatementPart("Actif", _rows(bs_now.assets, bs_before.assets, labels), columns=True),
            StatementPart("Passif", _rows(bs_now.liabilities, bs_before.liabilities, labels)),
        ),
        sig=statement(
            StatementKind.SIG, StatementPart(layouts.SIG.title, _rows(sig_now, sig_before, labels))
        ),
        problems=tuple(problems),
        year=year,
        previous_year=previous_year,
    )
