"""Bank statements as records: what every statement reader (OFX, CAMT, CFONB 120, MT940, CSV)
returns, whatever the format.

Invariants:
- an amount is a signed `Decimal` quantized to the cent, from the account holder's side: money in
  (a credit on the bank's statement) is positive, money out is negative;
- a line keeps where it came from (`source`: file and line, or file and XML element path);
- a statement's balances are checked, never adjusted: opening balance + movements must equal the
  closing balance to the cent, or `balance_problems` reports the break;
- a line has a stable identity across overlapping files: the bank's own id when the format gives
  one, else `content_key` (account, dates, amount, label, reference, and the rank among identical
  lines of the same file, so two genuine identical movements are not merged).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from tenue.core import money
from tenue.core.problems import Problem, Severity, Source


@dataclass(frozen=True)
class BankLine:
    """One movement of a statement."""

    date: dt.date  # booking date (date d'opération / de comptabilisation)
    amount: Decimal  # signed, + money in, - money out
    label: str
    value_date: dt.date | None = None
    currency: str = "EUR"
    bank_id: str = ""  # the bank's own unique id (OFX FITID, CAMT AcctSvcrRef…), when given
    reference: str = ""  # end-to-end id, cheque number, remittance reference
    counterparty: str = ""
    counterparty_iban: str = ""
    operation_code: str = ""  # CFONB operation code, CAMT bank transaction code, OFX TRNTYPE…
    original_amount: Decimal | None = None  # in `original_currency`, for a foreign payment
    original_currency: str = ""
    source: Source | None = None

    def content_key(self, account: str, rank: int = 0) -> str:
        """A hash naming this movement when the bank gives no id: `rank` counts the identical
        lines before this one in the same file."""
        parts = (
            account,
            self.date.isoformat(),
            (self.value_date or self.date).isoformat(),
            f"{self.amount:.2f}",
            " ".join(self.label.split()).upper(),
            self.reference,
            str(rank),
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Statement:
    """The movements of one account over one period, with the balances the bank states."""

    account: str  # IBAN (compact, upper case) when known, else the bank's account number
    currency: str
    lines: tuple[BankLine, ...]
    opening_date: dt.date | None = None
    opening_balance: Decimal | None = None  # signed like the lines: + in favour of the holder
    closing_date: dt.date | None = None
    closing_balance: Decimal | None = None
    bank_code: str = ""  # BIC, or the French bank code (code banque) when that is all there is
    statement_id: str = ""
    source: Source | None = None

    @property
    def movements(self) -> Decimal:
        return sum((line.amount for line in self.lines), money.ZERO)


@dataclass
class StatementFile:
    """What a statement reader returns: the statements read, the problems met, the guesses made."""

    name: str
    format: str  # "ofx", "camt.053", "camt.052", "camt.054", "cfonb120", "mt940", "mt942", "csv"
    statements: list[Statement] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(len(s.lines) for s in self.statements)


def balance_problems(statement: Statement) -> list[Problem]:
    """A break between the stated balances and the movements, as a problem; none when a balance
    is missing (nothing to check) or when they agree to the cent."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return []
    expected = statement.opening_balance + statement.movements
    if expected == statement.closing_balance:
        return []
    symbol = "€" if statement.currency in ("EUR", "") else statement.currency

    def amount(value: Decimal) -> str:
        return money.format_amount(value, currency=symbol)

    return [
        Problem(
            f"rupture de solde sur le compte {statement.account} : solde initial "
            f"{amount(statement.opening_balance)} + mouvements {amount(statement.movements)} "
            f"= {amount(expected)}, mais le relevé indique {amount(statement.closing_balance)} "
            f"(écart {amount(statement.closing_balance - expected)})",
            "solde",
            statement.source,
            Severity.ERROR,
        )
    ]
