"""A statement whose lines are not in date order: each transaction is booked by its own entry
(the entries are numbered in date order, the transactions come in the file's order)."""

from __future__ import annotations

from decimal import Decimal

from tenue.bank.models import BankTransaction
from tenue.bank.services import statement_import
from tests.bank.test_statement_import import camt


def test_each_transaction_gets_its_own_entry_whatever_the_order_of_the_file(company, tmp_path):
    lines = [
        ("2025-03-20", "-300.00", "CHEQUE 0001234", "X1"),
        ("2025-03-03", "-45.10", "PRLV EDF", "X2"),
        ("2025-03-10", "1200.00", "VIR CLIENT DUPONT", "X3"),
    ]
    statement_import(company=company, path=camt(tmp_path, "desordre.xml", lines))
    for tx in BankTransaction.objects.filter(company=company):
        bank_line = tx.entry.lines.get(account__number="512101")
        assert (tx.entry.date, tx.entry.label) == (tx.date, tx.label)
        assert bank_line.debit - bank_line.credit == tx.amount
    numbers = BankTransaction.objects.order_by("date").values_list("entry__number", flat=True)
    assert list(numbers) == [1, 2, 3]
    assert sum(tx.amount for tx in BankTransaction.objects.all()) == Decimal("854.90")
