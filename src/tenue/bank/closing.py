"""The bank app's closing check: every bank account reconciled at the fiscal year end.

One rule for the closing and the reconciliation screen (`bank.reconciliation`): at the year end,
ledger balance + the items that explain the difference (cheques not cashed, movements not booked
yet…) must equal the bank's balance, leaving no unexplained gap.
"""

from __future__ import annotations

from tenue.bank.models import BankAccount, BankTransaction
from tenue.bank.reconciliation import reconciliation_compute
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear


def banks_reconciled(company: Company, year: FiscalYear) -> list[Problem]:
    problems = []
    for bank in BankAccount.objects.filter(company=company).select_related("account"):
        if not BankTransaction.objects.filter(bank_account=bank, date__lte=year.end).exists():
            continue
        try:
            report = reconciliation_compute(bank_account=bank, day=year.end)
        except Refused as refused:
            problems.extend(refused.problems)
            continue
        if not report.balanced:
            problems.append(
                Problem(
                    f"compte bancaire {bank.label} non rapproché au {year.end:%d/%m/%Y} : "
                    f"écart inexpliqué de {money.format_amount(report.gap)} (banque "
                    f"{money.format_amount(report.bank_balance)}, comptabilité "
                    f"{money.format_amount(report.ledger_balance)}) — voir l'état de "
                    "rapprochement",
                    "banque",
                )
            )
    return problems
