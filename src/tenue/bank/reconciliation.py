"""Reconciliation statements (états de rapprochement bancaire): one bank account at a date.

The arithmetic, exact to the cent (Decimal only):

    ledger balance at D + sum of the items + gap = bank balance at S

- ledger balance at D: sum of debit - credit of the managed 512 account's lines dated on or
  before D. An opening entry (à-nouveaux) counts only in the dossier's first fiscal year: later
  ones repeat the balance of lines already counted.
- bank balance: the closing balance of the latest statement closing on or before D (S is its
  closing date), or the balance the user reads on the bank's own statement at D (S = D).
  Both sides are seen from the account holder: money in the bank is positive, as a debit 512.
- items (suspens), each signed so that it moves the ledger balance towards the bank's:
  - *book only*: a line counted in the ledger balance that is not on the bank statement at S,
    that is not the managed line of a transaction dated on or before S (a cheque issued and not
    cashed yet, a movement booked after S): credit - debit, the bank does not have it yet;
    the lines of opening entries are balances carried forward, already on the bank's side;
  - *bank only*: a transaction dated on or before S whose entry is not counted in the ledger
    balance (not booked yet, e.g. a bank fee): its amount;
  - *manual*: an item the user states (label and signed amount), e.g. a fee read on the paper
    statement and not imported yet.
- gap: what nothing explains; zero when the statement reconciles, shown in red otherwise.

A saved statement (`BankReconciliation`) keeps the items as they were: the books move on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Q

from tenue.bank.models import (
    BankAccount,
    BankBalanceSource,
    BankMerge,
    BankMergeDuplicate,
    BankReconciliation,
    BankTransaction,
    MergeStatus,
    ReconciliationStatus,
    StatementImport,
)
from tenue.core import money
from tenue.core.problems import Problem, Refused
from tenue.firms import audit
from tenue.firms.permissions import Action, require
from tenue.ledger.models import FiscalYear, JournalKind, Line


class ItemKind(StrEnum):
    BOOK_ONLY = "book_only"
    BANK_ONLY = "bank_only"
    MANUAL = "manual"


ITEM_TITLES = {
    ItemKind.BOOK_ONLY: "Opérations comptabilisées, pas encore sur le relevé bancaire",
    ItemKind.BANK_ONLY: "Opérations du relevé bancaire pas encore comptabilisées",
    ItemKind.MANUAL: "Suspens indiqués par l'utilisateur",
}


@dataclass(frozen=True)
class Item:
    """One suspens: `amount` is added to the ledger balance on the way to the bank's."""

    kind: ItemKind
    date: date | None
    label: str
    amount: Decimal
    reference: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {
            "kind": str(self.kind),
            "date": self.date.isoformat() if self.date else None,
            "label": self.label,
            "amount": money.format_plain(self.amount),
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(
            kind=ItemKind(data["kind"]),
            date=date.fromisoformat(data["date"]) if data.get("date") else None,
            label=data.get("label", ""),
            amount=money.parse(data["amount"]),
            reference=data.get("reference", ""),
        )


@dataclass(frozen=True)
class ItemGroup:
    kind: ItemKind
    title: str
    items: tuple[Item, ...]

    @property
    def total(self) -> Decimal:
        return money.quantize(sum((i.amount for i in self.items), money.ZERO))


@dataclass(frozen=True)
class ReconciliationReport:
    bank_account: BankAccount
    date: date
    ledger_balance: Decimal
    bank_balance: Decimal
    bank_balance_source: str  # BankBalanceSource
    statement_date: date
    statement: StatementImport | None
    items: tuple[Item, ...]

    @property
    def items_total(self) -> Decimal:
        return money.quantize(sum((i.amount for i in self.items), money.ZERO))

    @property
    def explained_balance(self) -> Decimal:
        """The ledger balance corrected by the items: what the bank should show."""
        return money.quantize(self.ledger_balance + self.items_total)

    @property
    def gap(self) -> Decimal:
        return money.quantize(self.bank_balance - self.explained_balance)

    @property
    def balanced(self) -> bool:
        return self.gap == 0

    @property
    def bank_balance_source_label(self) -> str:
        return str(BankBalanceSource(self.bank_balance_source).label)

    @property
    def groups(self) -> list[ItemGroup]:
        """The items by kind, in the order of a printed statement; empty kinds left out."""
        out = []
        for kind in ItemKind:
            chosen = tuple(i for i in self.items if i.kind is kind)
            if chosen:
                out.append(ItemGroup(kind, ITEM_TITLES[kind], chosen))
        return out


# --- selectors ------------------------------------------------------------------------------


def latest_statement(*, bank_account: BankAccount, day: date) -> StatementImport | None:
    """The statement with a closing balance that closes last on or before `day`."""
    return (
        StatementImport.objects.filter(
            bank_account=bank_account,
            closing_balance__isnull=False,
            closing_date__isnull=False,
            closing_date__lte=day,
        )
        .order_by("-closing_date", "-id")
        .first()
    )


def reconciliation_compute(
    *,
    bank_account: BankAccount,
    day: date,
    bank_balance: Decimal | None = None,
    manual_items: Sequence[Item] = (),
) -> ReconciliationReport:
    """The reconciliation statement of `bank_account` at `day` (see the module docstring).

    `bank_balance`, when given, is the bank's balance at `day` and wins over the statements;
    without it and without a statement closing on or before `day`, the request is refused."""
    statement = None
    if bank_balance is not None:
        balance, statement_date, source = money.to_money(bank_balance), day, BankBalanceSource.USER
    else:
        statement = latest_statement(bank_account=bank_account, day=day)
        if statement is None:
            raise Refused(
                [
                    Problem(
                        f"aucun relevé importé ne donne le solde du compte {bank_account.label} "
                        f"au {day:%d/%m/%Y} ou avant : indiquez le solde bancaire",
                        "solde_bancaire",
                    )
                ]
            )
        assert statement.closing_balance is not None and statement.closing_date is not None
        balance = money.quantize(statement.closing_balance)
        statement_date, source = statement.closing_date, BankBalanceSource.STATEMENT
    ledger, items = _ledger_side(bank_account, day, statement_date)
    for item in manual_items:
        if item.kind is not ItemKind.MANUAL:
            raise ValueError("only manual items are given by the user")
    return ReconciliationReport(
        bank_account=bank_account,
        date=day,
        ledger_balance=ledger,
        bank_balance=balance,
        bank_balance_source=source,
        statement_date=statement_date,
        statement=statement,
        items=(*items, *manual_items),
    )


def _ledger_side(
    bank_account: BankAccount, day: date, statement_date: date
) -> tuple[Decimal, list[Item]]:
    """The ledger balance at `day` and the items found by comparing the books with the bank's
    transactions up to `statement_date`."""
    first_year = (
        FiscalYear.objects.filter(company=bank_account.company_id).order_by("start").first()
    )
    lines = (
        Line.objects.filter(account=bank_account.account, date__lte=day)
        .exclude(Q(entry__journal__kind=JournalKind.OPENING) & ~Q(entry__fiscal_year=first_year))
        .select_related("entry__journal")
        .order_by("date", "entry_id", "position")
    )
    # A merge of a historical 512 (bank.merge) carried its balance in one entry, a balance
    # brought forward as an opening entry is, and took out the movements the history had
    # booked: those are inside that balance, neither book-only nor bank-only items.
    merges = BankMerge.objects.filter(bank_account=bank_account, status=MergeStatus.APPLIED)
    carried = set(merges.values_list("carry_entry_id", flat=True))
    merged_out = BankMergeDuplicate.objects.filter(merge__in=merges).values("transaction_id")
    on_statement = list(
        BankTransaction.objects.filter(bank_account=bank_account, date__lte=statement_date)
        .exclude(pk__in=merged_out)
        .select_related("statement")
        .order_by("date", "id")
    )
    entries_on_statement = {tx.entry_id for tx in on_statement if tx.entry_id} | carried
    ledger = money.ZERO
    counted: set[int] = set()
    items: list[Item] = []
    for line in lines:
        amount = line.debit - line.credit
        ledger += amount
        counted.add(line.entry_id)
        entry = line.entry
        if entry.journal.kind == JournalKind.OPENING or line.entry_id in entries_on_statement:
            continue
        items.append(
            Item(
                kind=ItemKind.BOOK_ONLY,
                date=line.date,
                label=line.label or entry.label,
                amount=money.quantize(-amount),
                reference=f"{entry.journal.code} n° {entry.number}",
            )
        )
    for tx in on_statement:
        if tx.entry_id is None or tx.entry_id not in counted:
            items.append(
                Item(
                    kind=ItemKind.BANK_ONLY,
                    date=tx.date,
                    label=tx.label,
                    amount=money.quantize(tx.amount),
                    reference=f"relevé {tx.statement.name}" if tx.statement else "",
                )
            )
    return money.quantize(ledger), items


def report_of(saved: BankReconciliation) -> ReconciliationReport:
    """A saved statement as it was when saved."""
    return ReconciliationReport(
        bank_account=saved.bank_account,
        date=saved.date,
        ledger_balance=saved.ledger_balance,
        bank_balance=saved.bank_balance,
        bank_balance_source=saved.bank_balance_source,
        statement_date=saved.statement_date,
        statement=saved.statement,
        items=tuple(Item.from_dict(data) for data in saved.items),
    )


def manual_items_parse(rows: Iterable[tuple[str, str]]) -> list[Item]:
    """Manual items from (label, amount) texts; blank rows are skipped, unreadable amounts are
    refused with the row number."""
    items, problems = [], []
    for index, (label, amount) in enumerate(rows, start=1):
        if not label.strip() and not amount.strip():
            continue
        try:
            value = money.parse(amount)
        except money.MoneyError:
            problems.append(Problem(f"suspens {index} : montant illisible « {amount} »", "montant"))
            continue
        if value == 0:
            problems.append(Problem(f"suspens {index} : montant nul", "montant"))
            continue
        items.append(Item(ItemKind.MANUAL, None, label.strip() or f"Suspens {index}", value))
    if problems:
        raise Refused(problems)
    return items


def reconciliation_dict(report: ReconciliationReport) -> dict[str, Any]:
    """A statement in the JSON form of the command line (amounts as text)."""
    return {
        "account": report.bank_account.iban,
        "ledger_account": report.bank_account.account.number,
        "date": report.date.isoformat(),
        "ledger_balance": money.format_plain(report.ledger_balance),
        "bank_balance": money.format_plain(report.bank_balance),
        "bank_balance_source": report.bank_balance_source,
        "bank_balance_date": report.statement_date.isoformat(),
        "items": [item.as_dict() for item in report.items],
        "items_total": money.format_plain(report.items_total),
        "gap": money.format_plain(report.gap),
        "balanced": report.balanced,
    }


# --- services -------------------------------------------------------------------------------


def reconciliation_save(*, report: ReconciliationReport, by: Any = None) -> BankReconciliation:
    """Keep the statement as it stands (balances and items); a gap is kept too, and said."""
    bank = report.bank_account
    require(by, Action.POST, bank.company)
    with transaction.atomic():
        saved = BankReconciliation.objects.create(
            company=bank.company,
            bank_account=bank,
            date=report.date,
            statement=report.statement,
            statement_date=report.statement_date,
            bank_balance_source=report.bank_balance_source,
            ledger_balance=report.ledger_balance,
            bank_balance=report.bank_balance,
            items_total=report.items_total,
            gap=report.gap,
            status=ReconciliationStatus.BALANCED if report.balanced else ReconciliationStatus.GAP,
            items=[item.as_dict() for item in report.items],
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        audit.record(
            by=by,
            action="bank_reconciliation_save",
            company=bank.company,
            obj=saved,
            date=report.date.isoformat(),
            gap=money.format_plain(report.gap),
        )
    return saved


def reconciliation_pdf(*, saved: BankReconciliation) -> bytes:
    """The saved statement as an A4 PDF (WeasyPrint)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    html = render_to_string(
        "web/bank_reconciliation_pdf.html",
        {"saved": saved, "report": report_of(saved), "company": saved.company},
    )
    return bytes(HTML(string=html).write_pdf())
