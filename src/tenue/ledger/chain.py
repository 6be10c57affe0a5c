"""The inalterability chain: what a validated entry's hash covers, computed from plain values.

Each validated entry's `chain_hash` is SHA-256 over the previous validated entry's hash and the
entry's canonical content: dossier (SIREN), journal, fiscal year, number, dates, label, piece,
validation date and sequence, and every line (position, account, auxiliary account, label, piece,
debit, credit, currency). Lettrage is left out: it may change after validation. Validation and
verification read the same fields through the same two functions, from `.values()` rows (no
model instances: a dossier holds hundreds of thousands of entries).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from tenue.core import money
from tenue.ledger.models import Line

GENESIS_HASH = "0" * 64
ENTRY_FIELDS = (
    "id",
    "company_id",
    "company__siren",
    "journal__code",
    "fiscal_year__start",
    "number",
    "date",
    "label",
    "piece_ref",
    "piece_date",
    "valid_date",
    "validation_seq",
    "status",
    "chain_hash",
)
LINE_FIELDS = (
    "entry_id",
    "position",
    "account__number",
    "third_party__aux_number",
    "label",
    "piece_ref",
    "debit",
    "credit",
    "currency_amount",
    "currency",
)


def _iso(value: Any) -> str:
    return value.isoformat() if value else ""


def canonical(head: dict[str, Any], lines: Iterable[Sequence[Any]]) -> bytes:
    payload = [
        head["company__siren"],
        head["journal__code"],
        _iso(head["fiscal_year__start"]),
        head["number"],
        _iso(head["date"]),
        head["label"],
        head["piece_ref"],
        _iso(head["piece_date"]),
        _iso(head["valid_date"]),
        head["validation_seq"],
        [
            [
                position,
                account,
                aux or "",
                label,
                piece_ref,
                money.format_plain(debit),
                money.format_plain(credit),
                money.format_plain(currency_amount) if currency_amount is not None else "",
                currency,
            ]
            for (
                _,
                position,
                account,
                aux,
                label,
                piece_ref,
                debit,
                credit,
                currency_amount,
                currency,
            ) in lines
        ],
    ]
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(previous: str, head: dict[str, Any], lines: Iterable[Sequence[Any]]) -> str:
    return hashlib.sha256(previous.encode() + b"|" + canonical(head, lines)).hexdigest()


def lines_by_entry(entry_ids: Sequence[int]) -> dict[int, list[tuple[Any, ...]]]:
    """The lines of some entries, as LINE_FIELDS tuples in position order."""
    found: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Line.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "position")
        .values_list(*LINE_FIELDS)
    ):
        found[row[0]].append(row)
    return found


def label(head: dict[str, Any]) -> str:
    return f"{head['journal__code']} {head['number']}"
