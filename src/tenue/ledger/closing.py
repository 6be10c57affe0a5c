"""Closing: the periodic closing of a period and the year-end closing of a fiscal year.

The order matters, and the screens say it: a *provisional* FEC of year N is written before the
periodic closing validates its entries (a provisional FEC shows entries not yet validated); the
year-end closing then checks, validates what is left, computes the result and opens year N+1.

- Periodic closing (`period_close`): every entry dated up to the date is validated (ValidDate,
  hash chain) and the period is locked: no entry dated inside it can be posted any more
  (`FiscalYear.locked_until`, checked by the posting services).
- Year-end closing (`year_close`): first the checks (`year_close_checks`): the books balance,
  waiting accounts (47x) and internal transfers (580) are nil, and whatever other apps register
  (bank accounts reconciled, no document left to review…); then every entry of the year is
  validated, the result is computed (Σ class 7 − Σ class 6), the year is closed and the next one
  opened with its opening entry in the `AN` journal: classes 1 to 5 carried forward (third-party
  accounts one line per third party), the result on 120 (profit) or 129 (loss), dated the first
  day of the new year. The opening balances of N+1 equal the closing balances of N, to the cent.

Checks from other apps are registered with `register_check` (in their AppConfig.ready), so that
the ledger, below them, does not import them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from tenue.core import entries as core
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.ledger.models import (
    Account,
    Entry,
    EntryStatus,
    FiscalYear,
    FiscalYearStatus,
    Journal,
    JournalKind,
    Line,
)
from tenue.ledger.services import (
    _post_many,
    _Resolver,
    entries_validate_until,
    fiscal_year_create,
)
from tenue.ledger.sums import debit_minus_credit

ClosingCheck = Callable[[Company, FiscalYear], list[Problem]]
_CHECKS: list[tuple[str, ClosingCheck]] = []

CARRIED_CLASSES = "12345"
PROFIT_ACCOUNT, LOSS_ACCOUNT = "120", "129"
MUST_BE_NIL = ("47", "580")


def register_check(name: str, check: ClosingCheck) -> None:
    """Another app's closing check (e.g. « rapprochement bancaire »)."""
    if all(existing != name for existing, _ in _CHECKS):
        _CHECKS.append((name, check))


def period_close(*, company: Company, until: date, by: Any = None) -> int:
    """Validate every entry dated up to `until` and lock the period; the number validated."""
    require(by, Action.VALIDATE, company)
    year = FiscalYear.objects.filter(company=company, start__lte=until, end__gte=until).first()
    if year is None:
        raise Refused([Problem(f"aucun exercice ne couvre le {until:%d/%m/%Y}", "date")])
    if year.status != FiscalYearStatus.OPEN:
        raise Refused([Problem(f"l'exercice {year} est déjà clôturé", "date")])
    if year.locked_until and until <= year.locked_until:
        raise Refused(
            [Problem(f"la période est déjà clôturée jusqu'au {year.locked_until:%d/%m/%Y}", "date")]
        )
    if until > date.today():
        raise Refused(
            [Problem(f"le {until:%d/%m/%Y} n'est pas encore passé : rien à clôturer", "date")]
        )
    with transaction.atomic():
        validated = entries_validate_until(company=company, until=until, valid_date=None, by=by)
        year.locked_until = until
        year.save(update_fields=["locked_until"])
        audit.record(by=by, action="period_close", company=company, until=until.isoformat())
    return validated


def balances_at(company: Company, end: date, *, since: date | None = None) -> dict[str, Decimal]:
    """Debit minus credit of every account over the dates given (all history up to `end`)."""
    lines = Line.objects.filter(company=company, date__lte=end)
    if since is not None:
        lines = lines.filter(date__gte=since)
    rows = lines.values("account__number").annotate(balance=debit_minus_credit()).order_by()
    return {r["account__number"]: money.quantize(r["balance"]) for r in rows}


def year_result(company: Company, year: FiscalYear) -> Decimal:
    """Σ class 7 − Σ class 6 over the fiscal year (credit balances of 7 minus debit of 6)."""
    balances = balances_at(company, year.end, since=year.start)
    return -sum((b for number, b in balances.items() if number[:1] in "67"), money.ZERO)


def year_close_checks(*, company: Company, year: FiscalYear) -> list[Problem]:
    """What stands in the way of closing the year, each with what to do."""
    problems: list[Problem] = []
    if year.end >= date.today():
        problems.append(
            Problem(f"l'exercice se termine le {year.end:%d/%m/%Y} : pas encore clos", "exercice")
        )
    if year.status != FiscalYearStatus.OPEN:
        problems.append(Problem(f"l'exercice {year} est déjà clôturé", "exercice"))
    earlier = FiscalYear.objects.filter(
        company=company, start__lt=year.start, status=FiscalYearStatus.OPEN
    ).first()
    if earlier is not None:
        problems.append(Problem(f"clôturez d'abord l'exercice {earlier}", "exercice"))
    unbalanced = (
        Line.objects.filter(company=company, date__gte=year.start, date__lte=year.end)
        .values("entry_id")
        .annotate(gap=debit_minus_credit())
        .exclude(gap=0)
        .count()
    )
    if unbalanced:
        problems.append(Problem(f"{unbalanced} écriture(s) déséquilibrée(s)", "equilibre"))
    for number, balance in sorted(balances_at(company, year.end, since=year.start).items()):
        if balance and number.startswith(MUST_BE_NIL):
            problems.append(
                Problem(
                    f"le compte {number} n'est pas soldé au {year.end:%d/%m/%Y} "
                    f"({money.format_amount(balance)}) : affectez ces montants avant la clôture",
                    "comptes d'attente",
                )
            )
    for _, check in _CHECKS:
        problems.extend(check(company, year))
    return problems


@dataclass(frozen=True)
class YearClosing:
    year: FiscalYear
    next_year: FiscalYear
    validated: int
    result: Decimal
    opening_entry: Entry | None


def year_close(*, company: Company, year: FiscalYear, by: Any = None) -> YearClosing:
    """Close a fiscal year (see the module docstring); refused with every blocking problem."""
    require(by, Action.VALIDATE, company)
    problems = year_close_checks(company=company, year=year)
    if problems:
        raise Refused(problems)
    with transaction.atomic():
        validated = entries_validate_until(company=company, until=year.end, by=by)
        result = year_result(company, year)
        next_start = year.end + timedelta(days=1)
        next_year = FiscalYear.objects.filter(company=company, start=next_start).first()
        if next_year is None:
            next_year = fiscal_year_create(company=company, start=next_start, by=by)
        carried = _carried_lines(company, year)
        year.status = FiscalYearStatus.CLOSED
        year.locked_until = year.end
        year.save(update_fields=["status", "locked_until"])
        opening = None
        if carried or result:
            entry = core.Entry(
                journal=_opening_journal(company),
                date=next_start,
                label=f"À-nouveaux au {next_start:%d/%m/%Y}",
                lines=tuple([*carried, *_result_lines(company, result)]),
                piece_ref=f"AN-{next_start:%Y}",
            )
            # the opening entry carries the managed bank accounts too: the one entry besides
            # the bank's own that may name them
            resolver = _Resolver(company, managed_accounts_allowed=True)
            [(_, line_ids)] = _post_many(company, [entry], by, 5000, resolver)
            opening = Entry.objects.get(lines__id=line_ids[0])
        audit.record(
            by=by,
            action="year_close",
            company=company,
            year=str(year),
            result=f"{result:.2f}",
            validated=validated,
        )
    return YearClosing(year, next_year, validated, result, opening)


def _carried_lines(company: Company, year: FiscalYear) -> list[core.Line]:
    """Classes 1 to 5 at the year end: one line per account, and per third party on accounts
    that have them. The year's own lines are enough: its opening entry carries the years
    before."""
    rows = (
        Line.objects.filter(company=company, date__gte=year.start, date__lte=year.end)
        .filter(account__number__regex=r"^[1-5]")
        .values("account__number", "third_party__aux_number")
        .annotate(balance=debit_minus_credit())
        .order_by("account__number", "third_party__aux_number")
    )
    lines = []
    for row in rows:
        balance = money.quantize(row["balance"])
        if not balance:
            continue
        lines.append(
            core.Line(
                row["account__number"],
                debit=balance if balance > 0 else money.ZERO,
                credit=-balance if balance < 0 else money.ZERO,
                aux_number=row["third_party__aux_number"] or "",
                label="À-nouveau",
            )
        )
    return lines


def _result_lines(company: Company, result: Decimal) -> list[core.Line]:
    if not result:
        return []
    number = PROFIT_ACCOUNT if result > 0 else LOSS_ACCOUNT
    if not Account.objects.filter(company=company, number=number).exists():
        from tenue.ledger.services import account_create

        account_create(company=company, number=number)
    label = "Résultat de l'exercice (bénéfice)" if result > 0 else "Résultat de l'exercice (perte)"
    if result > 0:
        return [core.Line(number, credit=result, label=label)]
    return [core.Line(number, debit=-result, label=label)]


def _opening_journal(company: Company) -> str:
    journal = Journal.objects.filter(company=company, kind=JournalKind.OPENING).first()
    if journal is None:
        journal = Journal.objects.create(
            company=company, code="AN", label="À-nouveaux", kind=JournalKind.OPENING
        )
    return journal.code


def closing_status(company: Company) -> list[dict[str, Any]]:
    """Each fiscal year with its closing state, for the closing screen."""
    out = []
    for year in FiscalYear.objects.filter(company=company).order_by("start"):
        pending = Entry.objects.filter(
            company=company,
            date__gte=year.start,
            date__lte=year.end,
            status=EntryStatus.POSTED,
        ).count()
        out.append(
            {
                "year": year,
                "closed": year.status == FiscalYearStatus.CLOSED,
                "locked_until": year.locked_until,
                "pending": pending,
            }
        )
    return out


def opening_balances(company: Company, year: FiscalYear) -> dict[tuple[str, str], Decimal]:
    """The balances the opening entry of `year` carries, per (account, aux)."""
    found: dict[tuple[str, str], Decimal] = defaultdict(lambda: money.ZERO)
    for line in Line.objects.filter(
        company=company, date=year.start, entry__journal__kind=JournalKind.OPENING
    ).select_related("account", "third_party"):
        key = (line.account.number, line.third_party.aux_number if line.third_party else "")
        found[key] += line.debit - line.credit
    return dict(found)
