"""Loan schedules (échéanciers d'emprunt), their events and their entries.

What it is for: from a `Loan` (principal, nominal rate, count and periodicity of instalments,
constant instalments or constant amortisation, optional deferral and insurance) and the events
of its life (rate revision, early repayment, postponed instalment, instalment change), compute
the schedule row by row, the entry of each instalment (164 + 661 + 616 / 512) and the interest
accrued at a fiscal year end (661 / 1688) with its reversal.

Invariants:
- money is Decimal quantized to the cent, rounded only through `money.quantize`;
- every row's interest is round(opening capital x periodic rate); the principal repaid over the
  whole schedule (instalments plus early repayments) sums exactly to the principal plus any
  capitalised interest: the last instalment repays exactly the capital left, absorbing the
  roundings of the previous ones;
- closing capital = opening capital + capitalised interest - principal - early repayment, and it
  is zero after the last row; every entry produced balances.

French practice implemented (state it to the client, VERIFY against the loan contract):
- the periodic rate is the proportional rate: annual nominal rate / periods per year (French
  bank practice for the schedule; the actuarial equivalent rate is not used);
- constant instalment: A = C x i / (1 - (1 + i)^-n), rounded to the cent;
- constant amortisation: C / n per period, rounded to the cent, interest on the opening capital;
- each period's interest is a full period's interest, whatever the days between due dates
  (VERIFY: interest of a first broken period, intérêts intercalaires, is not modelled);
- an event applies from the first due date on or after its date; an early repayment is made on
  that due date, after the instalment (no early-repayment indemnity is modelled);
- accrued interest: the share of the next instalment's interest that runs from its period start
  (the previous due date, or the disbursement date) to the fiscal year end, in calendar days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import Enum, StrEnum

from tenue.core import money
from tenue.core.entries import Entry, Line, credit, debit, reversed_lines
from tenue.core.periods import add_months

ONE_DAY = dt.timedelta(days=1)
CAPITAL_ACCOUNT = "164"  # Emprunts auprès des établissements de crédit
INTEREST_ACCOUNT = "661"  # Charges d'intérêts
INSURANCE_ACCOUNT = "616"  # Primes d'assurances
ACCRUED_INTEREST_ACCOUNT = "1688"  # Intérêts courus
BANK_ACCOUNT = "512"
_MAX_ROWS = 2400  # two hundred years of monthly instalments


class LoanError(ValueError):
    """A loan, an event or a request that the schedule cannot accept."""


class Periodicity(Enum):
    """How often instalments fall due; the value is the number of months between two."""

    MONTHLY = 1
    QUARTERLY = 3
    HALF_YEARLY = 6
    YEARLY = 12

    @property
    def months(self) -> int:
        return int(self.value)

    @property
    def per_year(self) -> int:
        return 12 // self.months

    def due_date(self, first_due: dt.date, number: int) -> dt.date:
        """The due date of instalment `number` (1-based), anchored on the first due date."""
        return add_months(first_due, (number - 1) * self.months)


class LoanKind(StrEnum):
    CONSTANT_INSTALMENT = "constant_instalment"  # annuités (échéances) constantes
    CONSTANT_AMORTISATION = "constant_amortisation"  # amortissement constant du capital


class Deferral(StrEnum):
    NONE = "none"
    PARTIAL = "partial"  # différé partiel: interest paid, no principal
    TOTAL = "total"  # différé total: nothing paid, interest capitalised


@dataclass(frozen=True)
class Loan:
    """A loan as the bank's offer describes it.

    `annual_rate` is a fraction (Decimal("0.036") for 3,6 %); `instalments` counts every due
    date, deferral periods included; `insurance` is the borrower insurance paid each period.
    """

    principal: Decimal
    annual_rate: Decimal
    instalments: int
    periodicity: Periodicity
    first_due: dt.date
    kind: LoanKind = LoanKind.CONSTANT_INSTALMENT
    deferral: Deferral = Deferral.NONE
    deferral_periods: int = 0
    insurance: Decimal = money.ZERO
    label: str = "Emprunt"
    disbursed_on: dt.date | None = None

    def __post_init__(self) -> None:
        for name in ("principal", "insurance"):
            amount = getattr(self, name)
            if not isinstance(amount, Decimal) or amount != money.quantize(amount) or amount < 0:
                raise LoanError(f"{self.label} : {name} doit être un Decimal positif au centime")
        if self.principal == 0:
            raise LoanError(f"{self.label} : le capital emprunté doit être positif")
        _check_rate(self.annual_rate, self.label)
        if isinstance(self.instalments, bool) or self.instalments < 1:
            raise LoanError(f"{self.label} : au moins une échéance est nécessaire")
        deferred = self.deferral_periods if self.deferral is not Deferral.NONE else 0
        if self.deferral_periods < 0 or (self.deferral is Deferral.NONE and self.deferral_periods):
            raise LoanError(f"{self.label} : durée de différé incohérente")
        if deferred >= self.instalments:
            raise LoanError(f"{self.label} : le différé couvre toutes les échéances")

    @property
    def period_start(self) -> dt.date:
        """Start of the first period: the disbursement date, or one period before the first
        due date."""
        return self.disbursed_on or add_months(self.first_due, -self.periodicity.months)


def _check_rate(rate: object, label: str) -> None:
    if not isinstance(rate, Decimal) or isinstance(rate, bool) or not rate.is_finite():
        raise LoanError(f"{label} : le taux doit être un Decimal (0.036 pour 3,6 %)")
    if not Decimal(0) <= rate < 1:
        raise LoanError(f"{label} : taux annuel hors de [0 ; 1[ (0.036 pour 3,6 %)")


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRevision:
    """From the first due date on or after `on`, interest runs at `annual_rate`; a
    constant-instalment loan gets its instalment recomputed on the capital and count left."""

    on: dt.date
    annual_rate: Decimal


class PrepaymentOption(StrEnum):
    REDUCE_DURATION = "reduce_duration"  # same instalment, fewer of them
    REDUCE_INSTALMENT = "reduce_instalment"  # same end date, smaller instalments


@dataclass(frozen=True)
class EarlyRepayment:
    """A repayment on the first due date on or after `on`, after that instalment; `amount`
    None repays everything (remboursement anticipé total)."""

    on: dt.date
    amount: Decimal | None = None
    option: PrepaymentOption = PrepaymentOption.REDUCE_DURATION


class PostponedInterest(StrEnum):
    CAPITALISED = "capitalised"  # added to the capital, instalments recomputed
    PAID = "paid"  # paid on the postponed due date


@dataclass(frozen=True)
class PostponedInstalment:
    """Report d'échéance: the first due date on or after `on` repays no principal; the loan
    gets one more instalment."""

    on: dt.date
    interest: PostponedInterest = PostponedInterest.CAPITALISED


@dataclass(frozen=True)
class InstalmentChange:
    """Modulation d'échéance: from the first due date on or after `on` the instalment is
    `amount`; the number of instalments follows, the last one smaller."""

    on: dt.date
    amount: Decimal


LoanEvent = RateRevision | EarlyRepayment | PostponedInstalment | InstalmentChange
# Within one due date: the rate first, then the instalment, then the instalment's own fate,
# then what is repaid after it.
_EVENT_ORDER = {RateRevision: 0, InstalmentChange: 1, PostponedInstalment: 2, EarlyRepayment: 3}


@dataclass(frozen=True)
class Instalment:
    """One row of the schedule.

    `interest` is the interest paid on this due date, `capitalised_interest` the interest added
    to the capital instead (deferral, postponement); `amount` (the échéance) is interest paid
    plus principal repaid, insurance and early repayment excluded.
    """

    number: int
    due_date: dt.date
    annual_rate: Decimal
    opening_capital: Decimal
    interest: Decimal
    capitalised_interest: Decimal
    principal: Decimal
    prepayment: Decimal
    insurance: Decimal
    closing_capital: Decimal

    @property
    def amount(self) -> Decimal:
        return self.interest + self.principal

    @property
    def total_paid(self) -> Decimal:
        """What leaves the bank account on the due date."""
        return self.amount + self.insurance + self.prepayment


def constant_instalment(capital: Decimal, periodic_rate: Decimal, count: int) -> Decimal:
    """A = C x i / (1 - (1 + i)^-n), rounded to the cent (C / n when the rate is zero)."""
    if count < 1:
        raise LoanError("Le nombre d'échéances doit être positif")
    if periodic_rate == 0:
        return money.quantize(capital / count)
    return money.quantize(capital * periodic_rate / (1 - (1 + periodic_rate) ** -count))


def _periods_needed(capital: Decimal, periodic_rate: Decimal, amount: Decimal) -> int:
    """How many instalments of `amount` repay `capital`, the last one smaller."""
    count = 0
    while capital > 0:
        count += 1
        principal = amount - money.quantize(capital * periodic_rate)
        if principal <= 0:
            raise LoanError(
                f"Une échéance de {money.format_amount(amount)} ne couvre pas les intérêts"
            )
        if count > _MAX_ROWS:
            raise LoanError("Échéancier de plus de 2 400 échéances")
        capital -= min(principal, capital)
    return count


def _step(constant: bool, capital: Decimal, periodic_rate: Decimal, count: int) -> Decimal:
    """The instalment (constant instalments) or the principal per period (constant
    amortisation) that repays `capital` in `count` periods."""
    if count < 1:
        raise LoanError("Plus aucune échéance pour rembourser le capital restant")
    if constant:
        return constant_instalment(capital, periodic_rate, count)
    return money.quantize(capital / count)


def _events_by_row(loan: Loan, events: Iterable[LoanEvent]) -> dict[int, list[LoanEvent]]:
    rows: dict[int, list[LoanEvent]] = {}
    for event in events:
        if not isinstance(
            event, RateRevision | EarlyRepayment | PostponedInstalment | InstalmentChange
        ):
            raise LoanError(f"Événement d'emprunt inconnu : {event!r}")
        number = 1
        while loan.periodicity.due_date(loan.first_due, number) < event.on:
            number += 1
            if number > _MAX_ROWS:
                raise LoanError(f"Événement trop lointain : {event.on}")
        rows.setdefault(number, []).append(event)
    for row in rows.values():
        row.sort(key=lambda e: _EVENT_ORDER[type(e)])
    return rows


def schedule(loan: Loan, events: Sequence[LoanEvent] = ()) -> list[Instalment]:
    """The loan's schedule, events applied; see the module docstring for the rules."""
    by_row = _events_by_row(loan, events)
    rate = loan.annual_rate
    capital = loan.principal
    last = loan.instalments
    deferred = loan.deferral_periods if loan.deferral is not Deferral.NONE else 0
    constant = loan.kind is LoanKind.CONSTANT_INSTALMENT
    step = money.ZERO  # the instalment (constant) or the principal per period (amortisation)
    recompute = True
    rows: list[Instalment] = []
    number = 0
    while capital > 0:
        number += 1
        if number > _MAX_ROWS:
            raise LoanError("Échéancier de plus de 2 400 échéances")
        due = loan.periodicity.due_date(loan.first_due, number)
        periodic = rate / loan.periodicity.per_year
        row_events = by_row.pop(number, [])
        postponed: PostponedInstalment | None = None
        repayment: EarlyRepayment | None = None
        for event in row_events:
            if isinstance(event, RateRevision):
                _check_rate(event.annual_rate, loan.label)
                rate = event.annual_rate
                periodic = rate / loan.periodicity.per_year
                recompute = recompute or constant
            elif isinstance(event, InstalmentChange):
                if not constant or number <= deferred:
                    raise LoanError(
                        f"{loan.label} : modulation d'échéance réservée aux échéances constantes"
                        ", hors différé"
                    )
                step = money.to_money(event.amount)
                last = number - 1 + _periods_needed(capital, periodic, step)
                recompute = False
            elif isinstance(event, PostponedInstalment):
                postponed = event
            else:
                repayment = event
        interest = money.quantize(capital * periodic)
        capitalised = money.ZERO
        principal = money.ZERO
        if number <= deferred or postponed is not None:
            if postponed is not None:
                last += 1
            capitalise = (
                loan.deferral is Deferral.TOTAL
                if number <= deferred
                else postponed is not None and postponed.interest is PostponedInterest.CAPITALISED
            )
            if capitalise:
                capitalised, interest = interest, money.ZERO
                recompute = True
        else:
            if recompute:
                step = _step(constant, capital, periodic, last - number + 1)
                recompute = False
            if number >= last:
                principal = capital
            else:
                principal = step - interest if constant else step
                if principal <= 0:
                    raise LoanError(
                        f"{loan.label} : l'échéance {number} ne couvre pas les intérêts"
                    )
                principal = min(principal, capital)
        closing = capital + capitalised - principal
        prepayment = money.ZERO
        if repayment is not None:
            if closing == 0:
                raise LoanError(f"{loan.label} : remboursement anticipé après la fin du prêt")
            wanted = closing if repayment.amount is None else money.to_money(repayment.amount)
            if wanted <= 0:
                raise LoanError(f"{loan.label} : remboursement anticipé nul ou négatif")
            if recompute and repayment.option is PrepaymentOption.REDUCE_DURATION:
                # The instalment is not fixed yet (deferral, postponement): keep the one that
                # would have applied without the repayment.
                step = _step(constant, closing, periodic, last - number)
                recompute = False
            prepayment = min(wanted, closing)
            closing -= prepayment
            if closing and repayment.option is PrepaymentOption.REDUCE_INSTALMENT:
                recompute = True
            elif closing and constant:
                last = number + _periods_needed(closing, periodic, step)
            elif closing:
                count = (closing / step).to_integral_value(rounding=ROUND_CEILING)
                last = number + int(count)
        rows.append(
            Instalment(
                number=number,
                due_date=due,
                annual_rate=rate,
                opening_capital=capital,
                interest=interest,
                capitalised_interest=capitalised,
                principal=principal,
                prepayment=prepayment,
                insurance=loan.insurance,
                closing_capital=closing,
            )
        )
        capital = closing
    if by_row:
        first = min(by_row)
        raise LoanError(
            f"{loan.label} : événement après la dernière échéance ({by_row[first][0].on:%d/%m/%Y})"
        )
    return rows


# --- entries --------------------------------------------------------------------------------


def instalment_entry(
    loan: Loan,
    row: Instalment,
    *,
    journal: str = "BQ",
    bank_account: str = BANK_ACCOUNT,
    capital_account: str = CAPITAL_ACCOUNT,
    interest_account: str = INTEREST_ACCOUNT,
    insurance_account: str = INSURANCE_ACCOUNT,
) -> Entry:
    """The entry of one due date: 164 principal (and early repayment), 661 interest, 616
    insurance, against 512; capitalised interest is a charge added to the debt (661 / 164)."""
    label = f"{loan.label} échéance {row.number} du {row.due_date:%d/%m/%Y}"
    lines: list[Line] = []
    for account, amount, text in (
        (capital_account, row.principal, label),
        (capital_account, row.prepayment, f"{loan.label} remboursement anticipé"),
        (interest_account, row.interest + row.capitalised_interest, label),
        (insurance_account, row.insurance, label),
    ):
        if amount:
            lines.append(debit(account, amount, text))
    if row.capitalised_interest:
        lines.append(
            credit(capital_account, row.capitalised_interest, f"{label} intérêts capitalisés")
        )
    if row.total_paid:
        lines.append(credit(bank_account, row.total_paid, label))
    if len(lines) < 2:
        raise LoanError(f"{label} : rien à comptabiliser")
    return Entry(journal=journal, date=row.due_date, label=label, lines=tuple(lines))


@dataclass(frozen=True)
class AccruedInterest:
    """Interest run but not yet due at `year_end` (intérêts courus non échus).

    `instalment` is the next due date's row (None once the loan is repaid); `days` of its
    `period_days` fall in the closing year.
    """

    year_end: dt.date
    instalment: Instalment | None
    period_start: dt.date | None
    days: int
    period_days: int
    amount: Decimal


def accrued_interest(
    loan: Loan, year_end: dt.date, events: Sequence[LoanEvent] = ()
) -> AccruedInterest:
    """The accrued interest at `year_end`: next instalment's interest x days run / period days."""
    rows = schedule(loan, events)
    for index, row in enumerate(rows):
        if row.due_date > year_end:
            start = rows[index - 1].due_date if index else loan.period_start
            period_days = (row.due_date - start).days
            days = max(0, (year_end - start).days)
            interest = row.interest + row.capitalised_interest
            amount = money.quantize(interest * days / period_days) if period_days else money.ZERO
            return AccruedInterest(year_end, row, start, days, period_days, amount)
    return AccruedInterest(year_end, None, None, 0, 0, money.ZERO)


def accrual_entries(
    loan: Loan,
    year_end: dt.date,
    events: Sequence[LoanEvent] = (),
    *,
    journal: str = "OD",
    interest_account: str = INTEREST_ACCOUNT,
    accrued_account: str = ACCRUED_INTEREST_ACCOUNT,
) -> tuple[Entry, Entry]:
    """The year-end accrual (661 / 1688) and its reversal on the next day (1688 / 661)."""
    accrued = accrued_interest(loan, year_end, events)
    if not accrued.amount:
        raise LoanError(f"{loan.label} : aucun intérêt couru au {year_end:%d/%m/%Y}")
    label = f"{loan.label} intérêts courus au {year_end:%d/%m/%Y}"
    lines = (
        debit(interest_account, accrued.amount, label),
        credit(accrued_account, accrued.amount, label),
    )
    accrual = Entry(journal=journal, date=year_end, label=label, lines=lines)
    reversal = Entry(
        journal=journal,
        date=year_end + ONE_DAY,
        label=f"Extourne {label}",
        lines=reversed_lines(lines),
    )
    return accrual, reversal
