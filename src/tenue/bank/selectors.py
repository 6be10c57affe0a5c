"""Bank reads: accounts with their balances, transactions with what explains them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from tenue.bank.models import BankAccount, BankTransaction, TransactionStatus
from tenue.core import money
from tenue.firms.models import Company


@dataclass(frozen=True)
class AccountRow:
    bank_account: BankAccount
    transactions: int
    waiting: int
    balance: Decimal  # sum of the movements imported


def accounts(*, company: Company) -> list[AccountRow]:
    rows = []
    for bank in BankAccount.objects.filter(company=company).select_related("account", "journal"):
        movements = BankTransaction.objects.filter(bank_account=bank)
        rows.append(
            AccountRow(
                bank,
                movements.count(),
                movements.filter(status=TransactionStatus.WAITING).count(),
                movements.aggregate(total=Sum("amount"))["total"] or money.ZERO,
            )
        )
    return rows


def transactions(
    *,
    company: Company,
    bank_account: BankAccount | None = None,
    status: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[BankTransaction]:
    query = BankTransaction.objects.filter(company=company).select_related(
        "bank_account", "entry__journal"
    )
    if bank_account is not None:
        query = query.filter(bank_account=bank_account)
    if status:
        query = query.filter(status=status)
    if since:
        query = query.filter(date__gte=since)
    if until:
        query = query.filter(date__lte=until)
    return list(query.order_by("date", "id"))


def transaction_dict(tx: BankTransaction) -> dict[str, Any]:
    """A transaction in the JSON form of the command line and the API (amounts as text)."""
    entry = tx.entry
    return {
        "id": tx.pk,
        "account": tx.bank_account.iban,
        "date": tx.date.isoformat(),
        "value_date": tx.value_date.isoformat() if tx.value_date else None,
        "amount": f"{tx.amount:.2f}",
        "currency": tx.currency,
        "label": tx.label,
        "reference": tx.reference,
        "counterparty": tx.counterparty,
        "counterparty_iban": tx.counterparty_iban,
        "status": tx.status,
        "explanation": tx.explanation,
        "match": _match_summary(tx.match),
        "rule": tx.explanation if tx.explanation.startswith("règle") else None,
        "entry": f"{entry.journal.code} {entry.number}" if entry else None,
        "document": tx.document_id,
        "source": tx.source,
    }


def _match_summary(match: dict[str, Any]) -> dict[str, Any] | None:
    """What a match recorded (`bank.matching`): its kind, score, fees and items."""
    if not match:
        return None
    return {key: match[key] for key in ("kind", "score", "fees", "items") if key in match}
