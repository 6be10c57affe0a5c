"""The bank app's closing check: every bank account reconciled at the fiscal year end.

The bank's balance at the year end is the closing balance of a statement that reaches it,
less the movements after the year end up to that statement's closing date; the ledger's is the
managed account's balance at the year end. They must agree to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Sum

from tenue.bank.models import BankAccount, BankTransaction, StatementImport
from tenue.core import money
from tenue.core.problems import Problem
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear, Line
from tenue.ledger.sums import debit_minus_credit


def bank_balance_at(bank: BankAccount, day: date) -> Decimal | None:
    """The bank's balance at the end of `day`, from the statements; None when no statement
    with a closing balance reaches that day."""
    statement = (
        StatementImport.objects.filter(
            bank_account=bank, closing_balance__isnull=False, closing_date__gte=day
        )
        .order_by("closing_date", "id")
        .first()
    )
    if statement is None:
        return None
    after = BankTransaction.objects.filter(
        bank_account=bank, date__gt=day, date__lte=statement.closing_date
    ).aggregate(total=Sum("amount"))["total"]
    return money.quantize(statement.closing_balance - (after or money.ZERO))


def ledger_balance_at(bank: BankAccount, year: FiscalYear) -> Decimal:
    found = Line.objects.filter(
        account=bank.account, date__gte=year.start, date__lte=year.end
    ).aggregate(balance=debit_minus_credit())["balance"]
    return money.quantize(found)


def banks_reconciled(company: Company, year: FiscalYear) -> list[Problem]:
    problems = []
    for bank in BankAccount.objects.filter(company=company).select_related("account"):
        if not BankTransaction.objects.filter(bank_account=bank, date__lte=year.end).exists():
            continue
        bank_side = bank_balance_at(bank, year.end)
        if bank_side is None:
            problems.append(
                Problem(
                    f"compte bancaire {bank.label} : aucun relevé ne donne le solde au "
                    f"{year.end:%d/%m/%Y} (importez le relevé de fin d'exercice)",
                    "banque",
                )
            )
            continue
        books = ledger_balance_at(bank, year)
        if books != bank_side:
            gap = money.format_amount(bank_side - books)
            problems.append(
                Problem(
                    f"compte bancaire {bank.label} non rapproché au {year.end:%d/%m/%Y} : "
                    f"banque {money.format_amount(bank_side)}, comptabilité "
                    f"{money.format_amount(books)} (écart {gap})",
                    "banque",
                )
            )
    return problems
