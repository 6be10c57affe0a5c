"""From an invoice to the entry it calls for, on the French chart of accounts.

The accounts come from the caller (who decided them from the third party, the history and the
PCG); this module only lays out the lines:
- purchase: expense 6xx (HT, one line per VAT rate) + 44566 (VAT per rate) / 401 supplier (TTC);
- sale: 411 customer (TTC) / revenue 7xx (HT per rate) + 44571 (VAT per rate);
- expense report: 6xx + 44566 / 467 (or 421 for an employee, a dossier setting);
- a credit note is the same entry with debit and credit swapped;
- services under VAT on receipts (encaissements) go to the pending VAT accounts until payment;
- an invoice in a foreign currency is booked in euros at the given rate, each line keeping its
  amount in the currency (FEC Montantdevise / Idevise); the rounding remainder goes to the largest
  line of its side so that the entry balances to the cent.

Invariant: the entry balances exactly or `BookingError` says why; nothing is silently adjusted
except the documented currency rounding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tenue.core import money
from tenue.core.entries import Entry, Line
from tenue.core.invoices import DocumentKind, Invoice, format_rate

VAT_DEDUCTIBLE = "44566"
VAT_COLLECTED = "44571"
# Practice, not PCG text (VERIFY against the dossier's chart): VAT on receipts waits in free
# sub-accounts of 4456 and 4457 until the payment is lettered (SPECS §3.2).
VAT_DEDUCTIBLE_PENDING = "44564"
VAT_COLLECTED_PENDING = "44574"
SUPPLIERS = "401"
CUSTOMERS = "411"


class Side(StrEnum):
    PURCHASE = "purchase"
    SALE = "sale"
    EXPENSE_REPORT = "expense_report"


class BookingError(ValueError):
    """An invoice that cannot become a balanced entry as it is (French message)."""


@dataclass(frozen=True)
class Plan:
    """What the booking decided before the lines are laid out."""

    side: Side
    journal: str
    counterpart: str  # 401, 411, 467, 421 (collective or personal account)
    aux_number: str  # the third party's auxiliary account, "" when none
    accounts: dict[str, str]  # VAT rate key (format_rate) -> expense/revenue account; "" = any
    label: str
    exchange_rate: Decimal | None = None  # euros for one unit of the invoice currency


def _amounts(invoice: Invoice) -> list[tuple[str, Decimal, Decimal, bool]]:
    """(rate key, basis, VAT, on receipts) per rate, from the breakdown or the totals."""
    if invoice.vat:
        return [
            (format_rate(v.rate), v.basis, v.amount, v.on_receipts)
            for v in invoice.vat
            if v.basis or v.amount
        ]
    ttc = invoice.total_ttc if invoice.total_ttc is not None else invoice.amount_due
    if ttc is None:
        raise BookingError("aucun montant TTC lu : l'écriture ne peut pas être proposée")
    vat = invoice.total_vat or money.ZERO
    basis = invoice.total_ht if invoice.total_ht is not None else ttc - vat
    if basis + vat != ttc:
        raise BookingError(
            f"HT {money.format_amount(basis)} + TVA {money.format_amount(vat)} ≠ TTC "
            f"{money.format_amount(ttc)}"
        )
    return [("", basis, vat, False)]


def entry_for(invoice: Invoice, plan: Plan, *, date: dt.date | None = None) -> Entry:
    """The balanced entry of one invoice (see the module docstring for the layout)."""
    day = date or invoice.issue_date
    if day is None:
        raise BookingError("date de la pièce inconnue")
    rows = _amounts(invoice)
    total = sum((basis + vat for _, basis, vat, _ in rows), money.ZERO)
    ttc = invoice.total_ttc
    if ttc is not None and invoice.vat and total != ttc:
        raise BookingError(
            f"la ventilation par taux ({money.format_amount(total)}) ne fait pas le TTC "
            f"({money.format_amount(ttc)})"
        )
    credit_note = invoice.kind is DocumentKind.CREDIT_NOTE
    if total < 0:  # an invoice with negative totals is a credit note in disguise
        credit_note = not credit_note
        rows = [(key, -basis, -vat, pending) for key, basis, vat, pending in rows]
        total = -total
    if total == 0:
        raise BookingError("pièce d'un montant nul : rien à comptabiliser")

    sale = plan.side is Side.SALE
    vat_account = {
        (False, False): VAT_DEDUCTIBLE,
        (False, True): VAT_DEDUCTIBLE_PENDING,
        (True, False): VAT_COLLECTED,
        (True, True): VAT_COLLECTED_PENDING,
    }
    # (account, amount in the invoice currency, label, on the counterpart's side?)
    parts: list[tuple[str, Decimal, str, str]] = []
    for key, basis, vat, pending in rows:
        account = plan.accounts.get(key) or plan.accounts.get("")
        if not account:
            raise BookingError(f"compte de charge ou de produit manquant pour le taux {key} %")
        suffix = f" (TVA {key.replace('.', ',')} %)" if key and len(rows) > 1 else ""
        if basis:
            parts.append((account, basis, f"{plan.label}{suffix}", ""))
        if vat:
            parts.append((vat_account[(sale, pending)], vat, f"TVA {plan.label}{suffix}", ""))
    parts.append((plan.counterpart, total, plan.label, plan.aux_number))

    currency = invoice.currency.upper() if invoice.currency else "EUR"
    foreign = currency != "EUR"
    if foreign and plan.exchange_rate is None:
        raise BookingError(f"facture en {currency} : le taux de change en euros est à saisir")
    euros = [
        _to_euros(amount, plan.exchange_rate) if foreign and plan.exchange_rate else amount
        for _, amount, _, _ in parts
    ]
    # The counterpart (last part) is one side, the others the opposite side: balance them.
    gap = euros[-1] - sum(euros[:-1], money.ZERO)
    if gap:
        if not foreign:
            raise BookingError(f"écart de {money.format_amount(gap)} entre le TTC et ses parts")
        largest = max(range(len(euros) - 1), key=lambda i: abs(euros[i]))
        euros[largest] += gap

    counterpart_debit = sale != credit_note  # sale: 411 debit; purchase: 401 credit
    lines: list[Line] = []
    for index, (account, amount, label, aux) in enumerate(parts):
        value = euros[index]
        is_counterpart = index == len(parts) - 1
        on_debit = counterpart_debit if is_counterpart else not counterpart_debit
        if value < 0:  # a negative basis (discount line) goes to the other side
            on_debit, value, amount = not on_debit, -value, -amount
        lines.append(
            Line(
                account=account,
                debit=value if on_debit else money.ZERO,
                credit=money.ZERO if on_debit else value,
                label=label[:200],
                aux_number=aux,
                currency_amount=amount if foreign else None,
                currency=currency if foreign else "",
            )
        )
    return Entry(
        journal=plan.journal,
        date=day,
        label=plan.label[:200],
        lines=tuple(lines),
        piece_ref=invoice.number[:60],
        piece_date=invoice.issue_date,
    )


def _to_euros(amount: Decimal, rate: Decimal | None) -> Decimal:
    assert rate is not None
    return money.quantize(amount * rate)


def entry_label(invoice: Invoice, third_party_name: str) -> str:
    """`Fournisseur SA — F2026-0012`, the label accountants expect on every line."""
    name = third_party_name or invoice.seller.name or invoice.buyer.name
    return " — ".join(part for part in (name.strip(), invoice.number.strip()) if part)[:200]
