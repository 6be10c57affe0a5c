"""Reads of the ledger for the VAT returns (CA3, CA12): the records `tenue.core.vat` computes from.

Every selector takes a dossier the caller obtained through the permission service. The number of
queries does not grow with the data: the period's VAT and sales entries (all their lines), the
lettering groups with a payment in the period and their invoices, the 44567 lines behind the
carried credit, and (CA12) the 44581 lines. Amounts are read line by line and summed as Decimal,
exact on SQLite as on PostgreSQL.

Invariants:
- the settlement entries posted by `tenue.reports.services` are left out of what a return reads, so
  a return reads the same before and after its settlement is posted (they do count, as they
  should, in the 44567 balance that feeds line 22 of the next return);
- VAT on receipts: a payment counts from its own entry's date, whatever the date of the lettering;
  an invoice dated after the period is not made due by an advance paid in the period (VERIFY:
  advances on services are taxable when cashed, book them with their own VAT);
- the 44567 balance before a period is read within its fiscal year, opening entries (à-nouveaux)
  included; when the year has no opening entry yet, the previous fiscal year's lines count instead.
  Otherwise opening entries are left out: the VAT balances they carry were declared in the
  previous year. VAT on receipts still pending at the year end and carried by an opening entry
  (a lump 44574 balance) is not followed (VERIFY: keep the invoices and their lettering in the
  books, or transfer that balance by hand when the invoices are paid).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from tenue.core import vat as core
from tenue.core.periods import Period
from tenue.core.problems import Problem, Severity, Source
from tenue.firms.models import Company
from tenue.ledger.models import FiscalYear, JournalKind, Line
from tenue.ledger.sums import to_money
from tenue.reports.models import ServicesExigibility, VatSettings, VatSettlement

_ENTRY_FIELDS = (
    "entry_id",
    "entry__journal__code",
    "entry__number",
    "entry__date",
    "entry__label",
    "entry__piece_ref",
)


def vat_settings(*, company: Company) -> VatSettings:
    """The dossier's VAT settings (the defaults, unsaved, while it has none)."""
    found = VatSettings.objects.filter(company=company).first()
    return found if found is not None else VatSettings(company=company)


def vat_rules(*, company: Company) -> core.VatRules:
    found = vat_settings(company=company)
    return core.VatRules(
        services_on_receipts=found.services_exigibility == ServicesExigibility.RECEIPTS,
        export_accounts=tuple(found.export_accounts),
    )


def settlement_covering(*, company: Company, period: Period) -> VatSettlement | None:
    """The settled return whose period overlaps `period`, if any."""
    return (
        VatSettlement.objects.filter(company=company, start__lte=period.end, end__gte=period.start)
        .select_related("entry__journal")
        .order_by("start")
        .first()
    )


def settlements(*, company: Company) -> QuerySet[VatSettlement]:
    return VatSettlement.objects.filter(company=company).select_related("entry__journal")


def ca3(*, company: Company, period: Period) -> core.VatReturn:
    """The CA3 of a month or a quarter (any period, in fact) from the ledger."""
    return _compute(company, core.Form.CA3, period, None)


def ca12(
    *, company: Company, period: Period, previous_year_vat: Decimal | None = None
) -> core.VatReturn:
    """The CA12 of a fiscal year. The instalments are computed from `previous_year_vat` when
    given (the previous year's net VAT as filed), else from the previous fiscal year's books."""
    if previous_year_vat is None:
        previous_year_vat = _previous_year_base(company, period)
    return _compute(company, core.Form.CA12, period, previous_year_vat)


def vat_return(
    *,
    company: Company,
    form: core.Form,
    period: Period,
    previous_year_vat: Decimal | None = None,
) -> core.VatReturn:
    if form is core.Form.CA12:
        return ca12(company=company, period=period, previous_year_vat=previous_year_vat)
    return ca3(company=company, period=period)


# --- reading ----------------------------------------------------------------------------------


def _compute(
    company: Company, form: core.Form, period: Period, previous_year_base: Decimal | None
) -> core.VatReturn:
    cashings, notes = _cashings(company, period)
    instalments = (
        _entries(_lines_on(company, period, core.INSTALMENTS_PAID).values("entry_id"))
        if form is core.Form.CA12
        else []
    )
    return core.vat_return(
        form=form,
        period=period,
        entries=_entries(_period_entry_ids(company, period)),
        cashings=cashings,
        carried_credit=_carried_credit(company, period),
        instalments_paid=instalments,
        rules=vat_rules(company=company),
        previous_year_base=previous_year_base,
        notes=notes,
    )


def _previous_year_base(company: Company, period: Period) -> Decimal | None:
    previous = FiscalYear.objects.filter(
        company=company, end=period.start - dt.timedelta(days=1)
    ).first()
    if previous is None:
        return None
    last_year = _compute(company, core.Form.CA3, Period(previous.start, previous.end), None)
    return core.instalment_base(last_year)


def _settled(company: Company) -> QuerySet[VatSettlement, dict[str, Any]]:
    return VatSettlement.objects.filter(company=company).values("entry_id")


def _lines_on(company: Company, period: Period, root: str) -> QuerySet[Line]:
    return (
        Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)
        .filter(account__number__startswith=root)
        .exclude(entry_id__in=_settled(company))
    )


def _period_entry_ids(company: Company, period: Period) -> QuerySet[Line, dict[str, Any]]:
    """Entries of the period with a VAT line (445) or a sales line (70), settlements aside, and
    opening entries too: the balances they carry were declared in the previous year."""
    return (
        Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)
        .filter(Q(account__number__startswith="445") | Q(account__number__startswith="70"))
        .exclude(entry_id__in=_settled(company))
        .exclude(entry__journal__kind=JournalKind.OPENING)
        .values("entry_id")
    )


def _ref(row: Iterable[Any]) -> core.EntryRef:
    entry_id, journal, number, day, label, piece = row
    return core.EntryRef(entry_id, journal, number, day, label, piece)


def _entries(entry_ids: Any) -> list[core.VatEntry]:
    """Whole entries (every line, in order), for the ids given as a query or a collection."""
    rows = (
        Line.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "position")
        .values_list(
            *_ENTRY_FIELDS, "account__number", "debit", "credit", "third_party__vat_number"
        )
    )
    refs: dict[int, core.EntryRef] = {}
    lines: dict[int, list[core.LedgerLine]] = defaultdict(list)
    for row in rows:
        entry_id = row[0]
        if entry_id not in refs:
            refs[entry_id] = _ref(row[:6])
        account, debit, credit, vat_number = row[6:]
        lines[entry_id].append(
            core.LedgerLine(account, to_money(debit), to_money(credit), vat_number or "")
        )
    return [core.VatEntry(refs[i], tuple(lines[i])) for i in refs]


@dataclass(frozen=True)
class _GroupLine:
    group: int
    entry: core.EntryRef
    account: str
    debit: Decimal
    credit: Decimal


def _cashings(company: Company, period: Period) -> tuple[list[core.Cashing], list[Problem]]:
    """Invoices with VAT on a pending account (44574, 44564) whose lettering group holds a
    payment dated in the period, with what the group says about their payment."""
    pending_roots = Q(account__number__startswith=core.VAT_COLLECTED_PENDING) | Q(
        account__number__startswith=core.VAT_DEDUCTIBLE_PENDING
    )
    groups = (
        Line.objects.filter(company=company, date__gte=period.start, date__lte=period.end)
        .filter(lettering__isnull=False)
        .filter(Q(account__number__startswith="40") | Q(account__number__startswith="41"))
        .values("lettering_id")
    )
    rows = [
        _GroupLine(row[0], _ref(row[1:7]), row[7], to_money(row[8]), to_money(row[9]))
        for row in Line.objects.filter(lettering_id__in=groups)
        .order_by("lettering_id", "date", "entry_id", "position")
        .values_list("lettering_id", *_ENTRY_FIELDS, "account__number", "debit", "credit")
    ]
    pending = set(
        Line.objects.filter(entry_id__in={r.entry.id for r in rows})
        .filter(pending_roots)
        .exclude(entry_id__in=_settled(company))
        .exclude(entry__journal__kind=JournalKind.OPENING)
        .values_list("entry_id", flat=True)
    )
    documents = {e.ref.id: e for e in _entries(pending) if e.ref.date <= period.end}
    by_group: dict[int, list[_GroupLine]] = defaultdict(list)
    for row in rows:
        by_group[row.group].append(row)
    cashings: list[core.Cashing] = []
    notes: list[Problem] = []
    seen: set[int] = set()
    for items in by_group.values():
        customer = items[0].account.startswith("41")

        def invoiced(x: _GroupLine, customer: bool = customer) -> Decimal:
            return x.debit - x.credit if customer else x.credit - x.debit

        invoices = [x for x in items if x.entry.id in documents]
        payments = [x for x in items if x.entry.id not in pending and x.entry.date <= period.end]
        if not invoices:
            continue
        due = sum((invoiced(x) for x in invoices), core.ZERO)
        paid_before = sum(
            (-invoiced(x) for x in payments if x.entry.date < period.start), core.ZERO
        )
        paid_to_end = sum((-invoiced(x) for x in payments), core.ZERO)
        in_period = tuple(
            {x.entry.id: x.entry for x in payments if x.entry.date in period}.values()
        )
        for entry_id in dict.fromkeys(x.entry.id for x in invoices):
            if entry_id in seen:
                notes.append(
                    Problem(
                        "facture lettrée dans plusieurs groupes : sa TVA sur les encaissements "
                        "n'est comptée que pour le premier",
                        "lettering",
                        Source(str(documents[entry_id].ref)),
                        Severity.WARNING,
                    )
                )
                continue
            seen.add(entry_id)
            cashings.append(
                core.Cashing(documents[entry_id], due, paid_before, paid_to_end, in_period)
            )
    return cashings, notes


def _carried_credit(company: Company, period: Period) -> list[core.VatEntry]:
    """The entries behind the 44567 balance at the start of the period (module docstring)."""
    lines = Line.objects.filter(company=company, account__number__startswith=core.CREDIT_CARRIED)
    year = FiscalYear.objects.filter(
        company=company, start__lte=period.start, end__gte=period.start
    ).first()
    if year is None:
        return _entries(lines.filter(date__lt=period.start).values("entry_id"))
    opening = Q(date=year.start, entry__journal__kind=JournalKind.OPENING)
    before = Q(date__gte=year.start, date__lt=period.start) | opening
    has_opening = Line.objects.filter(company=company).filter(opening).exists()
    if not has_opening:
        previous = FiscalYear.objects.filter(
            company=company, end=year.start - dt.timedelta(days=1)
        ).first()
        if previous is not None:
            before |= Q(date__gte=previous.start, date__lte=previous.end)
    return _entries(lines.filter(before).values("entry_id"))
