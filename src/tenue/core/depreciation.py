"""Depreciation of fixed assets (amortissements): schedules, disposals and their entries.

What it is for: from an asset register (`Asset` records) and the dossier's fiscal years, compute
the depreciation plan year by year (`schedule`) and month by month (`monthly_schedule`), the
disposal of an asset (`dispose`: cession or mise au rebut), the entries that book them on the PCG
accounts (6811 / 28xx, 2xx, 657 / 757), and read a register taken over from other software with
the depreciation already booked there (`register_import`), so that plans go on from it.

Invariants:
- money is Decimal quantized to the cent and rounded only through `money.quantize`;
- the dotations of a plan sum exactly to the depreciable base (value - residual value): each
  annuity is rounded on its own and the last one takes what remains, so the closing net book
  value of the plan is exactly the residual value;
- the months of a fiscal year sum exactly to its annuity (cumulative rounding: month k books
  round(annuity x weight(1..k) / weight(all)) minus what months 1..k-1 booked);
- cumulative depreciation never exceeds the base; the entries produced always balance.

French practice implemented, with its sources (see the comments at each rule):
- linear (linéaire): starts on the date of mise en service (BOFiP BOI-BIC-AMT-20-10-20 § 120);
  the annuity is base / duration, prorata temporis in days; the default day count is the
  commercial year of 360 days in months of 30 days, the day of mise en service counted (the
  convention of French accounting courses and software, e.g. iutenligne CTA-FIN-29 § 4.2:
  "décompte du prorata en jours (mois de 30 jours et année commerciale de 360 jours)");
  `DayCount.ACTUAL` counts calendar days instead. A linear plan started in the middle of a year
  spreads over duration + 1 fiscal years, the last taking the remainder;
- degressive (dégressif fiscal, CGI art. 39 A, ann. II art. 22 and 23, BOFiP
  BOI-BIC-AMT-20-20-30): rate = linear rate x coefficient 1,25 (3-4 years), 1,75 (5-6 years),
  2,25 (more than 6 years); starts on the first day of the month of acquisition; the first
  annuity is reduced in whole months; a fiscal year that is not twelve months long adjusts the
  annuity by months / 12; the annuity is applied to the net value; the plan switches to linear
  over the remaining years when the linear annuity becomes greater than or equal to the
  degressive one; the plan ends with the fiscal year in which its duration runs out, with no
  extra year for the prorata of the first one;
- entries: 6811 "Dotations aux amortissements sur immobilisations incorporelles et corporelles"
  against 28 + the asset account's digits after its class (2183 -> 28183, 205 -> 2805);
  the disposal books the net book value on 657 and the price on 757 (PCG 2025, règlement ANC
  2022-06, for fiscal years opened from 1 January 2025), 675 and 775 for earlier fiscal years.

Assumptions to VERIFY with an accountant:
- VERIFY: the 360-day default is the accounting convention of French courses and software; no
  BOFiP text stating it for the tax plan was found (the BOFiP speaks of the day of mise en
  service), so `DayCount` is a parameter;
- VERIFY: linear disposal: the day of disposal counts (a disposal on 30/06 gives 180 days);
- VERIFY: degressive disposal: the annuity of the disposal year is counted in whole months, the
  month of disposal included (as the month of acquisition is). The tax doctrine on a degressive
  annuity in the year of disposal should be checked: the accounting rule books the dotation up
  to the exit date, and this module follows it;
- VERIFY: degressive, a first fiscal year that is not twelve months long uses up, of the plan,
  its own length, but no more than the longer of twelve months and its months of use (see
  `_first_year_consumption`);
- VERIFY: fiscal years before the first one given (a register taken over from another software)
  are taken as twelve-month years ending on the same day of the year;
- historical temporary coefficients (for example for acquisitions of 2009) are not built in: an
  asset that needs one gives it in `degressive_coefficient`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tenue.core import money, pcg
from tenue.core.entries import Entry, Line, credit, debit
from tenue.core.periods import Period, add_months, month_end
from tenue.core.problems import Problem, Source

ONE_DAY = dt.timedelta(days=1)
# Règlement ANC 2022-06 (PCG 2025) moved the disposal accounts from class 67/77 to 65/75; it
# applies to fiscal years opened from this date.
PCG_2025_FROM = dt.date(2025, 1, 1)
DOTATION_ACCOUNT = "6811"
RECEIVABLE_ON_DISPOSAL = "462"  # Créances sur cessions d'immobilisations
VAT_COLLECTED = "44571"
_MAX_YEARS = 200  # a plan longer than this is a programmer error, not a register


class AssetError(ValueError):
    """An asset, a calendar or a request that the depreciation rules cannot accept."""


class Method(StrEnum):
    LINEAR = "linear"
    DEGRESSIVE = "degressive"


class DayCount(StrEnum):
    """How linear prorata temporis counts days.

    DAYS_360: months of 30 days, a year of 360 (French default); ACTUAL: calendar days, as a
    share of the fiscal year's calendar days, scaled by the fiscal year's length in months / 12.
    """

    DAYS_360 = "30/360"
    ACTUAL = "actual"


@dataclass(frozen=True)
class Takeover:
    """Depreciation already booked elsewhere (a register taken over) up to `date`, a fiscal
    year end; the plan goes on from the next day."""

    date: dt.date
    cumulative: Decimal


@dataclass(frozen=True)
class Asset:
    """One line of the fixed-asset register.

    `value` is the gross value (valeur d'origine, excluding deductible VAT); the depreciable base
    is `value - residual_value`. `in_service_on` (mise en service) starts a linear plan and
    defaults to `acquired_on`; a degressive plan starts on the first day of the month of
    acquisition. `depreciation_account` defaults to 28 + the asset account after its class.
    """

    account: str
    label: str
    acquired_on: dt.date
    value: Decimal
    method: Method
    duration_years: int
    residual_value: Decimal = money.ZERO
    in_service_on: dt.date | None = None
    depreciation_account: str = ""
    degressive_coefficient: Decimal | None = None
    takeover: Takeover | None = None
    disposed_on: dt.date | None = None
    source: Source | None = None

    def __post_init__(self) -> None:
        where = f"immobilisation « {self.label} »"
        for name in ("value", "residual_value"):
            amount = getattr(self, name)
            if not isinstance(amount, Decimal) or amount != money.quantize(amount):
                raise AssetError(f"{where} : {name} doit être un Decimal au centime")
        if self.value <= 0:
            raise AssetError(f"{where} : la valeur d'origine doit être positive")
        if not money.ZERO <= self.residual_value < self.value:
            raise AssetError(f"{where} : valeur résiduelle hors de [0 ; valeur d'origine[")
        if isinstance(self.duration_years, bool) or not isinstance(self.duration_years, int):
            raise AssetError(f"{where} : la durée est un nombre entier d'années")
        if self.duration_years < 1:
            raise AssetError(f"{where} : la durée doit être d'au moins un an")
        if not isinstance(self.method, Method):
            raise AssetError(f"{where} : mode d'amortissement inconnu ({self.method!r})")
        if self.method is Method.DEGRESSIVE and self.duration_years < 3:
            raise AssetError(f"{where} : le dégressif exige une durée d'au moins trois ans")
        account = pcg.compact(self.account)
        if not pcg.is_valid(account) or account[:2] not in ("20", "21", "22"):
            raise AssetError(
                f"{where} : le compte {self.account} n'est pas un compte d'immobilisation "
                "amortissable (20, 21 ou 22)"
            )
        if account.startswith("211") and not account.startswith("2114"):
            # Land does not wear out; only terrains de gisement (2114) are depreciated.
            raise AssetError(f"{where} : les terrains ({self.account}) ne s'amortissent pas")
        if self.depreciation_account and not self.depreciation_account.startswith("28"):
            raise AssetError(f"{where} : le compte d'amortissement doit commencer par 28")
        if self.takeover is not None:
            prior = self.takeover.cumulative
            if not isinstance(prior, Decimal) or prior != money.quantize(prior):
                raise AssetError(f"{where} : amortissements antérieurs non décimaux")
            if not money.ZERO <= prior <= self.base:
                raise AssetError(
                    f"{where} : amortissements antérieurs ({money.format_amount(prior)}) hors "
                    f"de [0 ; base amortissable {money.format_amount(self.base)}]"
                )
        if self.disposed_on is not None and self.disposed_on < self.acquired_on:
            raise AssetError(f"{where} : date de sortie antérieure à l'acquisition")

    @property
    def base(self) -> Decimal:
        """The depreciable base: gross value minus residual value."""
        return self.value - self.residual_value

    @property
    def start(self) -> dt.date:
        """The first day of depreciation."""
        if self.method is Method.DEGRESSIVE:
            return self.acquired_on.replace(day=1)
        return self.in_service_on or self.acquired_on

    @property
    def accumulated_account(self) -> str:
        """The 28xx account: 28 followed by the asset account without its class digit."""
        return self.depreciation_account or "28" + pcg.compact(self.account)[1:]

    @property
    def coefficient(self) -> Decimal:
        """The degressive coefficient (CGI art. 39 A): 1,25 / 1,75 / 2,25 by duration."""
        if self.degressive_coefficient is not None:
            return self.degressive_coefficient
        return degressive_coefficient(self.duration_years)

    @property
    def rate(self) -> Decimal:
        """The annual rate as a fraction: 1 / duration, times the coefficient in degressive."""
        linear = Decimal(1) / Decimal(self.duration_years)
        return linear * self.coefficient if self.method is Method.DEGRESSIVE else linear


def degressive_coefficient(duration_years: int) -> Decimal:
    """CGI art. 39 A, 1: 1,25 for 3 or 4 years, 1,75 for 5 or 6 years, 2,25 beyond 6 years."""
    if duration_years < 3:
        raise AssetError("Le dégressif exige une durée d'au moins trois ans")
    if duration_years <= 4:
        return Decimal("1.25")
    if duration_years <= 6:
        return Decimal("1.75")
    return Decimal("2.25")


@dataclass(frozen=True)
class DepreciationPeriod:
    """One line of a plan: a fiscal year (or a month of it) and what it depreciates.

    `span` is the part of `period` actually depreciated (None when nothing is); `mode` is the
    method applied that year (a degressive plan shows LINEAR once it has switched).
    """

    period: Period
    opening_net_value: Decimal
    dotation: Decimal
    cumulative: Decimal
    closing_net_value: Decimal
    mode: Method
    span: Period | None


# --- calendar -------------------------------------------------------------------------------


def days_360(start: dt.date, end: dt.date) -> int:
    """Days from `start` to `end`, both included, in months of 30 days.

    The last day of a month counts as its 30th when it ends the range (31/12 and 28/02 close a
    month); a 31st that starts the range counts as the 30th. 01/01 -> 31/12 is 360 days,
    15/04 -> 31/12 is 16 + 8 x 30 = 256 days.
    """
    first = min(start.day, 30)
    last = 30 if (end + ONE_DAY).day == 1 else min(end.day, 30)
    return (end.year - start.year) * 360 + (end.month - start.month) * 30 + last - first + 1


def _months_started(start: dt.date, end: dt.date) -> int:
    """Months from `start`'s month to `end`'s month, both counted whole."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


class FiscalCalendar:
    """The dossier's fiscal years: those given, contiguous, extended before the first and after
    the last by twelve-month years (VERIFY for the years before)."""

    def __init__(self, fiscal_years: Sequence[Period]) -> None:
        if not fiscal_years:
            raise AssetError("Au moins un exercice est nécessaire")
        years = tuple(sorted(fiscal_years, key=lambda p: p.start))
        for before, after in itertools.pairwise(years):
            if after.start != before.end + ONE_DAY:
                raise AssetError(f"Exercices non contigus : {before} puis {after}")
        self.years = years

    def containing(self, day: dt.date) -> Period:
        year = self.years[0]
        while day < year.start:
            year = self.previous(year)
        while day > year.end:
            year = self.next(year)
        return year

    def next(self, year: Period) -> Period:
        for index, known in enumerate(self.years[:-1]):
            if known == year:
                return self.years[index + 1]
        start = year.end + ONE_DAY
        return Period(start, add_months(start, 12) - ONE_DAY)

    def previous(self, year: Period) -> Period:
        for index, known in enumerate(self.years[1:], start=1):
            if known == year:
                return self.years[index - 1]
        return Period(add_months(year.start, -12), year.start - ONE_DAY)

    def from_year(self, day: dt.date) -> Iterator[Period]:
        year = self.containing(day)
        for _ in range(_MAX_YEARS):
            yield year
            year = self.next(year)
        raise AssetError("Plan d'amortissement de plus de 200 exercices")


def _calendar(fiscal_years: FiscalCalendar | Sequence[Period]) -> FiscalCalendar:
    return (
        fiscal_years if isinstance(fiscal_years, FiscalCalendar) else FiscalCalendar(fiscal_years)
    )


def _year_fraction(span: Period, year: Period, day_count: DayCount) -> Decimal:
    """The share of one year's annuity that `span` (inside fiscal year `year`) earns."""
    if day_count is DayCount.DAYS_360:
        return Decimal(days_360(span.start, span.end)) / 360
    actual = Decimal((span.end - span.start).days + 1)
    year_days = Decimal((year.end - year.start).days + 1)
    return actual / year_days * Decimal(days_360(year.start, year.end)) / 360


# --- plans ----------------------------------------------------------------------------------


def _first_year_consumption(months_used: int, year_months: int) -> int:
    """How many months of a degressive plan the fiscal year of acquisition uses up.

    French rule for a twelve-month year: the whole year, whatever the prorata (the plan of a
    5-year asset bought in April ends with the fifth fiscal year). Generalised (VERIFY): the
    fiscal year's own length, but no more than the longer of twelve months and the months of use
    (an 18-month year in which the asset is used 2 months uses up 12 months, not 18).
    """
    return min(year_months, max(12, months_used))


def schedule(
    asset: Asset,
    fiscal_years: FiscalCalendar | Sequence[Period],
    *,
    day_count: DayCount = DayCount.DAYS_360,
) -> list[DepreciationPeriod]:
    """The plan of `asset`, one line per fiscal year until it is fully depreciated or disposed.

    With a takeover, the lines start with the fiscal year after the takeover date, from the
    cumulative depreciation taken over.
    """
    calendar = _calendar(fiscal_years)
    if asset.takeover is not None:
        takeover_year = calendar.containing(asset.takeover.date)
        if takeover_year.end != asset.takeover.date:
            raise AssetError(
                f"immobilisation « {asset.label} » : la date de reprise "
                f"{asset.takeover.date:%d/%m/%Y} n'est pas une fin d'exercice"
            )
    if asset.method is Method.LINEAR:
        return _linear(asset, calendar, day_count)
    return _degressive(asset, calendar)


def _taken_over(asset: Asset, year: Period) -> bool:
    return asset.takeover is not None and year.end <= asset.takeover.date


def _line(
    asset: Asset,
    year: Period,
    cumulative: Decimal,
    dotation: Decimal,
    mode: Method,
    span: Period | None,
) -> DepreciationPeriod:
    return DepreciationPeriod(
        period=year,
        opening_net_value=asset.value - cumulative,
        dotation=dotation,
        cumulative=cumulative + dotation,
        closing_net_value=asset.value - cumulative - dotation,
        mode=mode,
        span=span if dotation else None,
    )


def _linear(
    asset: Asset, calendar: FiscalCalendar, day_count: DayCount
) -> list[DepreciationPeriod]:
    start = asset.start
    plan_end = add_months(start, 12 * asset.duration_years) - ONE_DAY
    annual = asset.base / Decimal(asset.duration_years)
    cumulative = asset.takeover.cumulative if asset.takeover else money.ZERO
    lines: list[DepreciationPeriod] = []
    for year in calendar.from_year(start):
        if _taken_over(asset, year):
            continue
        remaining = asset.base - cumulative
        if remaining == 0 or (asset.disposed_on is not None and asset.disposed_on < year.start):
            break
        end = year.end if asset.disposed_on is None else min(year.end, asset.disposed_on)
        if end < start:  # disposed of before its mise en service
            lines.append(_line(asset, year, cumulative, money.ZERO, Method.LINEAR, None))
            break
        span_start = max(year.start, start)
        # A plan run out before this year (a register taken over that is behind) catches up
        # on the year's first day.
        span = Period(span_start, max(span_start, min(end, plan_end)))
        if plan_end <= end:
            # The year in which the plan runs out takes exactly what remains.
            dotation = remaining
        else:
            dotation = min(
                money.quantize(annual * _year_fraction(span, year, day_count)), remaining
            )
        lines.append(_line(asset, year, cumulative, dotation, Method.LINEAR, span))
        cumulative += dotation
        if asset.disposed_on is not None and asset.disposed_on <= year.end:
            break
    return lines


def _degressive(asset: Asset, calendar: FiscalCalendar) -> list[DepreciationPeriod]:
    start = asset.start
    plan_months = 12 * asset.duration_years
    consumed = 0
    cumulative = asset.takeover.cumulative if asset.takeover else money.ZERO
    lines: list[DepreciationPeriod] = []
    for index, year in enumerate(calendar.from_year(start)):
        year_months = _months_started(year.start, year.end)
        begin = max(year.start, start)
        months = _months_started(begin, year.end)
        # What is left of the plan at the start of this year, in months.
        left = plan_months - consumed
        consumed += _first_year_consumption(months, year_months) if index == 0 else year_months
        if _taken_over(asset, year):
            continue
        remaining = asset.base - cumulative
        disposed = asset.disposed_on
        if remaining == 0 or (disposed is not None and disposed < year.start):
            break
        used = (
            months if disposed is None or disposed > year.end else _months_started(begin, disposed)
        )
        if left <= months:
            # Last year of the plan: what remains, spread over the months left (all of it when
            # a register taken over is behind a plan already run out).
            mode = Method.LINEAR
            dotation = remaining if used >= left else money.quantize(remaining * used / left)
            span_end = month_end(add_months(begin, max(1, min(used, left)) - 1))
        else:
            degressive = remaining * asset.rate * Decimal(used) / 12
            linear = remaining * Decimal(used) / Decimal(left)
            # Switch when the linear annuity on the remaining years reaches the degressive one
            # (BOFiP BOI-BIC-AMT-20-20-30: "lorsque l'annuité dégressive devient inférieure").
            mode = Method.LINEAR if index > 0 and linear >= degressive else Method.DEGRESSIVE
            amount = linear if mode is Method.LINEAR else degressive
            dotation = min(money.quantize(amount), remaining)
            span_end = month_end(add_months(begin, used - 1))
        span = Period(begin, min(span_end, year.end))
        lines.append(_line(asset, year, cumulative, dotation, mode, span))
        cumulative += dotation
        if disposed is not None and disposed <= year.end:
            break
    return lines


def year_line(
    asset: Asset,
    fiscal_years: FiscalCalendar | Sequence[Period],
    fiscal_year: Period,
    *,
    day_count: DayCount = DayCount.DAYS_360,
) -> DepreciationPeriod:
    """The plan's line for one fiscal year (a zero dotation outside the plan)."""
    calendar = _calendar(fiscal_years)
    if calendar.containing(fiscal_year.start) != fiscal_year:
        raise AssetError(f"{fiscal_year} n'est pas un exercice du dossier")
    lines = schedule(asset, calendar, day_count=day_count)
    for line in lines:
        if line.period == fiscal_year:
            return line
    before = [line for line in lines if line.period.end < fiscal_year.start]
    if before:
        cumulative = before[-1].cumulative
    elif asset.takeover is not None and asset.takeover.date >= fiscal_year.end:
        cumulative = asset.takeover.cumulative
    else:
        cumulative = money.ZERO
    return _line(asset, fiscal_year, cumulative, money.ZERO, asset.method, None)


def monthly_schedule(
    asset: Asset,
    fiscal_years: FiscalCalendar | Sequence[Period],
    fiscal_year: Period,
    *,
    day_count: DayCount = DayCount.DAYS_360,
) -> list[DepreciationPeriod]:
    """The fiscal year's annuity split per calendar month of the fiscal year.

    Linear months weigh their depreciated days (in the chosen day count), degressive months one
    each; cumulative rounding makes the months sum exactly to the annuity.
    """
    year = year_line(asset, fiscal_years, fiscal_year, day_count=day_count)
    months: list[Period] = []
    first = fiscal_year.start
    while first <= fiscal_year.end:
        last = min(month_end(first), fiscal_year.end)
        months.append(Period(first, last))
        first = last + ONE_DAY
    weights = [_month_weight(month, year, asset.method, day_count) for month in months]
    total = sum(weights, Decimal(0))
    lines: list[DepreciationPeriod] = []
    cumulative = year.cumulative - year.dotation
    booked = money.ZERO
    running = Decimal(0)
    for month, weight in zip(months, weights, strict=True):
        running += weight
        target = money.quantize(year.dotation * running / total) if total else money.ZERO
        dotation = target - booked
        booked = target
        span = _clip(month, year.span)
        lines.append(_line(asset, month, cumulative, dotation, year.mode, span))
        cumulative += dotation
    return lines


def _clip(month: Period, span: Period | None) -> Period | None:
    if span is None or span.end < month.start or span.start > month.end:
        return None
    return Period(max(month.start, span.start), min(month.end, span.end))


def _month_weight(
    month: Period, year: DepreciationPeriod, method: Method, day_count: DayCount
) -> Decimal:
    part = _clip(month, year.span)
    if part is None:
        return Decimal(0)
    if method is Method.DEGRESSIVE:
        # A degressive plan counts whole months, also in the years it has switched to linear.
        return Decimal(1)
    if day_count is DayCount.DAYS_360:
        return Decimal(days_360(part.start, part.end))
    return Decimal((part.end - part.start).days + 1)


# --- entries --------------------------------------------------------------------------------


def depreciation_entry(
    assets: Iterable[Asset],
    fiscal_years: FiscalCalendar | Sequence[Period],
    period: Period,
    *,
    day_count: DayCount = DayCount.DAYS_360,
    journal: str = "OD",
    dotation_account: str = DOTATION_ACCOUNT,
) -> Entry:
    """The dotation entry of `period` (a fiscal year, or whole months of one): 6811 debit,
    28xx credit grouped per account, dated the period's last day.

    Assets disposed on or before the period's end are left out: their dotation up to the
    disposal goes through `dispose`.
    """
    calendar = _calendar(fiscal_years)
    year = calendar.containing(period.start)
    if period.end > year.end:
        raise AssetError(f"La période {period} déborde de l'exercice {year}")
    whole = period == year
    if not whole and (period.start.day != 1 and period.start != year.start):
        raise AssetError(f"La période {period} ne commence pas un mois")
    if not whole and period.end != year.end and (period.end + ONE_DAY).day != 1:
        raise AssetError(f"La période {period} ne finit pas un mois")
    per_account: dict[str, Decimal] = defaultdict(lambda: money.ZERO)
    for asset in assets:
        if asset.disposed_on is not None and asset.disposed_on <= period.end:
            continue
        if whole:
            amount = year_line(asset, calendar, year, day_count=day_count).dotation
        else:
            amount = sum(
                (
                    line.dotation
                    for line in monthly_schedule(asset, calendar, year, day_count=day_count)
                    if period.start <= line.period.start and line.period.end <= period.end
                ),
                money.ZERO,
            )
        if amount:
            per_account[asset.accumulated_account] += amount
    if not per_account:
        raise AssetError(f"Aucune dotation aux amortissements sur la période {period}")
    total = sum(per_account.values(), money.ZERO)
    label = f"Dotations aux amortissements {period}"
    lines = [debit(dotation_account, total, label)]
    lines += [credit(account, per_account[account], label) for account in sorted(per_account)]
    return Entry(journal=journal, date=period.end, label=label, lines=tuple(lines))


@dataclass(frozen=True)
class Disposal:
    """An asset leaving the register, with the figures of the year and its entries.

    `dotation` is the depreciation of the fiscal year up to the disposal date, `supplement` the
    part of it not booked yet (dotation minus what was already booked this year); `gain` is the
    price minus the net book value (negative: a loss).
    """

    asset: Asset
    date: dt.date
    dotation: Decimal
    supplement: Decimal
    cumulative: Decimal
    net_book_value: Decimal
    price: Decimal
    entries: tuple[Entry, ...]

    @property
    def gain(self) -> Decimal:
        return self.price - self.net_book_value


def disposal_accounts(fiscal_year_start: dt.date) -> tuple[str, str]:
    """(net book value account, proceeds account) for a fiscal year opened on that date."""
    if fiscal_year_start >= PCG_2025_FROM:
        return "657", "757"  # PCG 2025: valeurs comptables / produits des cessions
    return "675", "775"  # PCG before règlement 2022-06


def dispose(
    asset: Asset,
    fiscal_years: FiscalCalendar | Sequence[Period],
    on: dt.date,
    *,
    price: Decimal = money.ZERO,
    vat: Decimal = money.ZERO,
    already_booked: Decimal = money.ZERO,
    receivable_account: str = RECEIVABLE_ON_DISPOSAL,
    day_count: DayCount = DayCount.DAYS_360,
    journal: str = "OD",
    dotation_account: str = DOTATION_ACCOUNT,
) -> Disposal:
    """Dispose of `asset` on `on` for `price` (excluding VAT; zero for a mise au rebut).

    Entries: the dotation supplement (6811 / 28xx), the exit (28xx and 657 debit, 2xx credit at
    gross value), and when there is a price the sale (462 or 512 / 757, VAT on 44571).
    """
    for name, amount in (("price", price), ("vat", vat), ("already_booked", already_booked)):
        if not isinstance(amount, Decimal) or amount != money.quantize(amount) or amount < 0:
            raise AssetError(f"cession : {name} doit être un Decimal positif au centime")
    if asset.disposed_on is not None:
        raise AssetError(f"immobilisation « {asset.label} » déjà sortie le {asset.disposed_on}")
    calendar = _calendar(fiscal_years)
    year = calendar.containing(on)
    if asset.takeover is not None and on <= asset.takeover.date:
        raise AssetError("cession antérieure à la date de reprise du registre")
    disposed = dataclasses.replace(asset, disposed_on=on)
    line = year_line(disposed, calendar, year, day_count=day_count)
    if already_booked > line.dotation:
        raise AssetError(
            f"immobilisation « {asset.label} » : déjà doté {money.format_amount(already_booked)}"
            f", plus que la dotation jusqu'à la cession {money.format_amount(line.dotation)}"
        )
    supplement = line.dotation - already_booked
    cumulative = line.cumulative
    net_book_value = asset.value - cumulative
    nbv_account, proceeds_account = disposal_accounts(year.start)
    accumulated = asset.accumulated_account
    entries: list[Entry] = []
    if supplement:
        label = f"Dotation complémentaire {asset.label}"
        entries.append(
            Entry(
                journal=journal,
                date=on,
                label=label,
                lines=(
                    debit(dotation_account, supplement, label),
                    credit(accumulated, supplement, label),
                ),
            )
        )
    label = f"Sortie {asset.label}"
    exit_lines: list[Line] = []
    if cumulative:
        exit_lines.append(debit(accumulated, cumulative, label))
    if net_book_value:
        exit_lines.append(debit(nbv_account, net_book_value, label))
    exit_lines.append(credit(asset.account, asset.value, label))
    entries.append(Entry(journal=journal, date=on, label=label, lines=tuple(exit_lines)))
    if price:
        label = f"Cession {asset.label}"
        sale = [
            debit(receivable_account, price + vat, label),
            credit(proceeds_account, price, label),
        ]
        if vat:
            sale.append(credit(VAT_COLLECTED, vat, label))
        entries.append(Entry(journal=journal, date=on, label=label, lines=tuple(sale)))
    return Disposal(
        asset=disposed,
        date=on,
        dotation=line.dotation,
        supplement=supplement,
        cumulative=cumulative,
        net_book_value=net_book_value,
        price=price,
        entries=tuple(entries),
    )


# --- register import ------------------------------------------------------------------------

REGISTER_COLUMNS = (
    "account",
    "label",
    "acquired_on",
    "in_service_on",
    "value",
    "residual_value",
    "method",
    "duration_years",
    "prior_depreciation",
)
_OPTIONAL = frozenset({"in_service_on", "residual_value", "prior_depreciation"})
_METHODS = {
    "linear": Method.LINEAR,
    "lineaire": Method.LINEAR,
    "linéaire": Method.LINEAR,
    "l": Method.LINEAR,
    "degressive": Method.DEGRESSIVE,
    "degressif": Method.DEGRESSIVE,
    "dégressif": Method.DEGRESSIVE,
    "d": Method.DEGRESSIVE,
}


@dataclass(frozen=True)
class RegisterImport:
    """What reading a register gave: the assets of the rows without problem, and the problems."""

    assets: tuple[Asset, ...]
    problems: tuple[Problem, ...]


class _RowError(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for layout in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise _RowError(field, f"date illisible : {value!r} (attendu JJ/MM/AAAA)")


def _amount(field: str, value: object) -> Decimal:
    if not isinstance(value, Decimal | int | str) or isinstance(value, bool):
        raise _RowError(field, f"montant illisible : {value!r}")
    try:
        return money.to_money(value)
    except money.MoneyError as exc:
        raise _RowError(field, str(exc)) from exc


def _duration(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = _text(value)
    if text.isdigit():
        return int(text)
    raise _RowError("duration_years", f"durée illisible : {value!r} (nombre entier d'années)")


def _row_fields(row: Mapping[str, object] | Sequence[object]) -> Mapping[str, object]:
    if isinstance(row, Mapping):
        return row
    if len(row) > len(REGISTER_COLUMNS):
        raise _RowError(None, f"{len(row)} colonnes, {len(REGISTER_COLUMNS)} au plus")
    return dict(zip(REGISTER_COLUMNS, row, strict=False))


def _asset_from_row(fields: Mapping[str, object], takeover_date: dt.date, source: Source) -> Asset:
    for name in REGISTER_COLUMNS:
        if name not in _OPTIONAL and _blank(fields.get(name)):
            raise _RowError(name, "valeur obligatoire manquante")
    method = _METHODS.get(_text(fields["method"]).lower())
    if method is None:
        raise _RowError("method", f"mode inconnu : {fields['method']!r} (linéaire ou dégressif)")
    acquired_on = _date("acquired_on", fields["acquired_on"])
    in_service = fields.get("in_service_on")
    residual = fields.get("residual_value")
    prior_value = fields.get("prior_depreciation")
    prior = money.ZERO if _blank(prior_value) else _amount("prior_depreciation", prior_value)
    if acquired_on > takeover_date and prior:
        raise _RowError(
            "prior_depreciation", "amortissements antérieurs sur un bien acquis après la reprise"
        )
    try:
        return Asset(
            account=_text(fields["account"]) or str(fields["account"]),
            label=_text(fields["label"]),
            acquired_on=acquired_on,
            in_service_on=None if _blank(in_service) else _date("in_service_on", in_service),
            value=_amount("value", fields["value"]),
            residual_value=money.ZERO if _blank(residual) else _amount("residual_value", residual),
            method=method,
            duration_years=_duration(fields["duration_years"]),
            takeover=Takeover(takeover_date, prior) if acquired_on <= takeover_date else None,
            source=source,
        )
    except AssetError as exc:
        raise _RowError(None, str(exc)) from exc


def register_import(
    rows: Iterable[Mapping[str, object] | Sequence[object]],
    *,
    takeover_date: dt.date,
    source_name: str = "registre des immobilisations",
    first_line: int = 1,
) -> RegisterImport:
    """Read an existing register (rows as dicts keyed by `REGISTER_COLUMNS`, or tuples in that
    order) whose depreciation was booked elsewhere up to `takeover_date`, a fiscal year end.

    Every row is read; a faulty one gives a problem (with its line) instead of an asset.
    Amounts accept `Decimal`, int or text (`1 234,56`); dates `date` or `JJ/MM/AAAA`.
    """
    assets: list[Asset] = []
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=first_line):
        source = Source(source_name, number)
        try:
            assets.append(_asset_from_row(_row_fields(row), takeover_date, source))
        except _RowError as exc:
            problems.append(Problem(exc.message, exc.field, source))
    return RegisterImport(tuple(assets), tuple(problems))
