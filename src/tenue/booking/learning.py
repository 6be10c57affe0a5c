"""What tenue learned of a dossier's bookings, kept warm in memory, updated at once.

The examples are the dossier's own purchase and sales entries (posted here or imported from a FEC:
an entry with a 40x/41x third-party line and a class 6/7 line) and the accountant's corrections,
which weigh more. The model (`core.suggest.Suggester`) is built once per dossier and process, then
fed incrementally: entries and corrections newer than the last one it saw are added before each
suggestion, so a correction made in another process is also seen at the next document.
The firm's other dossiers form a second, firm-wide model, used when the dossier has no answer.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Max

from tenue.core.suggest import (
    CORRECTION_WEIGHT,
    Example,
    Suggester,
    combine,
    examples_from_lines,
)


@dataclass
class _Warm:
    suggester: Suggester
    last_line: int
    last_correction: int


_models: dict[tuple[str, int], _Warm] = {}
_lock = threading.RLock()


def forget() -> None:
    """Drop every warm model (tests, or after a restore): the next suggestion rebuilds."""
    with _lock:
        _models.clear()


@dataclass(frozen=True)
class Suggested:
    account: str
    vat_rate: Decimal | None
    reason: str
    score: float


@dataclass(frozen=True)
class _Line:
    """A posted or imported line, as `core.suggest.examples_from_lines` reads ledger lines."""

    journal_code: str
    number: str  # the entry's id: lines sharing it are one entry
    date: date
    account: str
    aux: str
    aux_lib: str
    label: str
    debit: Decimal
    credit: Decimal
    party: str  # the key the booking app learns a third party under (SIREN or name)


def _examples(company_ids: list[int], after_line: int, after_correction: int) -> list[Example]:
    from tenue.booking.identify import party_key
    from tenue.booking.models import Correction
    from tenue.ledger.models import Line

    entries = Line.objects.filter(
        company_id__in=company_ids, pk__gt=after_line, account__number__regex=r"^4[01]"
    ).values("entry_id")
    lines = [
        _Line(
            journal_code="",
            number=str(row["entry_id"]),
            date=row["date"],
            account=row["account__number"],
            aux=row["third_party__aux_number"] or "",
            aux_lib=row["third_party__name"] or "",
            label=row["label"],
            debit=row["debit"],
            credit=row["credit"],
            party=party_key(
                siren=row["third_party__siren"] or "",
                name=row["third_party__name"] or row["label"] or row["account__number"],
            ),
        )
        for row in Line.objects.filter(entry_id__in=entries, account__number__regex=r"^(4|6|7)")
        .order_by("entry_id", "position")
        .values(
            "entry_id",
            "date",
            "account__number",
            "third_party__aux_number",
            "third_party__siren",
            "third_party__name",
            "label",
            "debit",
            "credit",
        )
    ]
    examples = examples_from_lines(lines, third_party_of=lambda line: line.party)  # type: ignore[attr-defined]
    for correction in Correction.objects.filter(
        company_id__in=company_ids, pk__gt=after_correction
    ).order_by("pk"):
        examples.append(
            Example(
                third_party=correction.party_key,
                label=correction.label,
                side=correction.side,
                account=correction.account,
                vat_rate=correction.vat_rate,
                date=correction.created_at.date(),
                weight=CORRECTION_WEIGHT,
            )
        )
    return examples


def _warm(scope: str, key: int, company_ids: list[int]) -> Suggester:
    from tenue.booking.models import Correction
    from tenue.ledger.models import Line

    last_line = Line.objects.filter(company_id__in=company_ids).aggregate(m=Max("pk"))["m"] or 0
    last_correction = (
        Correction.objects.filter(company_id__in=company_ids).aggregate(m=Max("pk"))["m"] or 0
    )
    with _lock:
        warm = _models.get((scope, key))
        if warm is None:
            warm = _Warm(
                Suggester.train(_examples(company_ids, 0, 0), scope=scope),
                last_line,
                last_correction,
            )
            _models[(scope, key)] = warm
        elif last_line < warm.last_line or last_correction < warm.last_correction:
            # Rows it learned from are gone (a rolled-back transaction, a restored base).
            del _models[(scope, key)]
            return _warm(scope, key, company_ids)
        elif last_line > warm.last_line or last_correction > warm.last_correction:
            for example in _examples(company_ids, warm.last_line, warm.last_correction):
                warm.suggester.add(example)
            warm.last_line, warm.last_correction = last_line, last_correction
        return warm.suggester


def suggest(*, company: Any, party_key: str, label: str, side: str) -> Suggested | None:
    """The expense or revenue account for a document: this dossier's history, then the firm's,
    then the PCG nature of the label (`core.suggest.combine`); None when nothing points anywhere.
    """
    from tenue.firms.models import Company

    side = "purchase" if side == "expense_report" else side
    own = _warm("dossier", company.pk, [company.pk])
    others = list(
        Company.objects.filter(firm_id=company.firm_id)
        .exclude(pk=company.pk)
        .values_list("pk", flat=True)
    )
    firm = _warm("firm", company.pk, others) if others else None
    found = combine(own, firm).suggest(
        third_party=party_key,
        label=label,
        side=side,
        top=1,  # type: ignore[arg-type]
    )
    return _suggested(found[0]) if found else None


def _suggested(item: Any) -> Suggested:
    reason = f"autres dossiers du cabinet : {item.reason}" if item.source == "firm" else item.reason
    return Suggested(item.account, item.vat_rate, reason, float(item.score))
