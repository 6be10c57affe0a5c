"""Entries (écritures) and their lines, as immutable records, and the checks they must pass.

Invariants checked here, before anything reaches the database:
- a line is a debit or a credit, never both, never negative, never zero on both sides;
- amounts are Decimal quantized to the cent (see `money`);
- an entry has at least two lines and balances exactly: sum(debit) == sum(credit), no tolerance;
- account numbers are well formed (see `pcg.validate`).
An unbalanced entry is reported, never "fixed".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from tenue.core import money, pcg
from tenue.core.problems import Problem, Source

_valid_account = lru_cache(maxsize=8192)(pcg.is_valid)


@dataclass(frozen=True)
class Analytic:
    """A share of a line's amount given to a tag of an analytic axis (FEC `Axe`/`Tag`/`Valeur`)."""

    axis: str
    tag: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Line:
    account: str
    debit: Decimal = money.ZERO
    credit: Decimal = money.ZERO
    label: str = ""
    aux_number: str = ""
    currency_amount: Decimal | None = None
    currency: str = ""
    lettering: str = ""
    lettering_date: dt.date | None = None
    analytics: tuple[Analytic, ...] = ()
    piece_ref: str = ""  # only when it differs from the entry's

    @property
    def balance(self) -> Decimal:
        """Debit minus credit."""
        return self.debit - self.credit


@dataclass(frozen=True)
class Entry:
    journal: str
    date: dt.date
    label: str
    lines: tuple[Line, ...]
    piece_ref: str = ""
    piece_date: dt.date | None = None
    source: Source | None = None
    valid_date: dt.date | None = None  # validated in the software the entry comes from
    external_number: str = ""  # its number there (FEC EcritureNum)

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), money.ZERO)

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), money.ZERO)


def debit(account: str, amount: Decimal | str | int, label: str = "", aux: str = "") -> Line:
    """A debit line; the amount goes through `money.to_money` (no float)."""
    return Line(account=account, debit=money.to_money(amount), label=label, aux_number=aux)


def credit(account: str, amount: Decimal | str | int, label: str = "", aux: str = "") -> Line:
    return Line(account=account, credit=money.to_money(amount), label=label, aux_number=aux)


def check_line(line: Line, index: int, source: Source | None = None) -> list[Problem]:
    where = f"ligne d'écriture {index}"
    problems: list[Problem] = []
    for name in ("debit", "credit"):
        value = getattr(line, name)
        if not isinstance(value, Decimal) or isinstance(value, bool):
            problems.append(Problem(f"{where} : montant non décimal ({value!r})", name, source))
            return problems
        if value != money.quantize(value):
            problems.append(
                Problem(f"{where} : montant au-delà du centime ({value})", name, source)
            )
        if value < 0:
            problems.append(Problem(f"{where} : montant négatif ({value})", name, source))
    if line.debit > 0 and line.credit > 0:
        problems.append(Problem(f"{where} : débit et crédit à la fois", "debit", source))
    if line.debit == 0 and line.credit == 0:
        problems.append(Problem(f"{where} : ni débit ni crédit", "debit", source))
    if not _valid_account(line.account):
        problems.append(
            Problem(f"{where} : numéro de compte invalide « {line.account} »", "account", source)
        )
    if bool(line.lettering) != (line.lettering_date is not None):
        problems.append(
            Problem(f"{where} : code et date de lettrage vont ensemble", "lettering", source)
        )
    if (line.currency_amount is None) != (not line.currency):
        problems.append(
            Problem(f"{where} : montant en devise et devise vont ensemble", "currency", source)
        )
    return problems


def check_entry(entry: Entry) -> list[Problem]:
    """All the problems of one entry (empty list: the entry may be posted)."""
    src = entry.source
    problems: list[Problem] = []
    if not entry.journal:
        problems.append(Problem("code journal manquant", "journal", src))
    if not isinstance(entry.date, dt.date):
        problems.append(Problem("date d'écriture manquante ou invalide", "date", src))
    if not entry.label.strip():
        problems.append(Problem("libellé d'écriture vide", "label", src))
    if len(entry.lines) < 2:
        problems.append(Problem("une écriture a au moins deux lignes", "lines", src))
    for index, line in enumerate(entry.lines, start=1):
        problems.extend(check_line(line, index, src))
    if not problems and entry.total_debit != entry.total_credit:
        problems.append(
            Problem(
                "écriture déséquilibrée : débit "
                f"{money.format_amount(entry.total_debit)} ≠ crédit "
                f"{money.format_amount(entry.total_credit)} "
                f"(écart {money.format_amount(entry.total_debit - entry.total_credit)})",
                "debit",
                src,
            )
        )
    return problems


def is_balanced(lines: Iterable[Line]) -> bool:
    lines = list(lines)
    return sum((x.debit for x in lines), money.ZERO) == sum((x.credit for x in lines), money.ZERO)


def reversed_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of a contre-passation: each debit becomes a credit and the reverse."""
    return tuple(
        Line(
            account=x.account,
            debit=x.credit,
            credit=x.debit,
            label=x.label,
            aux_number=x.aux_number,
            currency_amount=x.currency_amount,
            currency=x.currency,
        )
        for x in lines
    )
