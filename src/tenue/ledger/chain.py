"""The inalterability chain of a dossier's validated entries.

Two steps, so that the database can do the heavy part:
1. an entry's *content digest*: SHA-256 (hex) of its canonical text — dossier (SIREN), journal,
   fiscal year, number, date, label, piece and piece date, then every line in position order
   (position, account, auxiliary account, label, piece, debit, credit, currency amount,
   currency). Fields are separated by U+001F and lines by U+001E, characters that no field keeps
   (they are removed from the text fields first); amounts are written `1250.50`, dates ISO.
   Lettrage is left out: it may change after validation.
2. the *chain*: `chain_hash = SHA-256(previous chain_hash | digest | valid_date | sequence)`.

`content_digests` computes step 1 for many entries at once: in one SQL statement on PostgreSQL
(its `sha256` function), in Python elsewhere — the same text either way, which a test checks.
Step 2 is sequential by nature and cheap: Python does it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.db import connection

from tenue.core import money
from tenue.ledger.models import Entry, Line

GENESIS_HASH = "0" * 64
FIELD, LINE = "\x1f", "\x1e"
_STRIP = str.maketrans("", "", FIELD + LINE)

HEAD_FIELDS = (
    "id",
    "company__siren",
    "journal__code",
    "fiscal_year__start",
    "number",
    "date",
    "label",
    "piece_ref",
    "piece_date",
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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.translate(_STRIP)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical(head: Sequence[Any], lines: Iterable[Sequence[Any]]) -> str:
    """The canonical text of an entry: `head` in HEAD_FIELDS order (its id first, not hashed),
    `lines` in LINE_FIELDS order (the entry id first, not hashed)."""
    parts = [FIELD.join(_text(v) for v in head[1:])]
    for _, position, account, aux, label, piece, debit, credit, currency_amount, currency in lines:
        parts.append(
            FIELD.join(
                (
                    str(position),
                    _text(account),
                    _text(aux),
                    _text(label),
                    _text(piece),
                    money.format_plain(debit),
                    money.format_plain(credit),
                    "" if currency_amount is None else money.format_plain(currency_amount),
                    _text(currency),
                )
            )
        )
    return LINE.join(parts)


def digest(head: Sequence[Any], lines: Iterable[Sequence[Any]]) -> str:
    return hashlib.sha256(canonical(head, lines).encode()).hexdigest()


def link(previous: str, content: str, valid_date: date, sequence: int) -> str:
    """One link of the chain."""
    text = f"{previous}|{content}|{valid_date.isoformat()}|{sequence}"
    return hashlib.sha256(text.encode()).hexdigest()


# The same canonical text, built by PostgreSQL. `%(ids)s` is the array of entry ids.
_CLEAN = "translate(coalesce({}, ''), E'\\x1f\\x1e', '')"
_PG_DIGESTS = f"""
SELECT e.id, encode(sha256(convert_to(concat_ws(E'\\x1e',
    concat_ws(E'\\x1f', {_CLEAN.format("c.siren")}, {_CLEAN.format("j.code")},
              to_char(y.start, 'YYYY-MM-DD'), e.number::text, to_char(e.date, 'YYYY-MM-DD'),
              {_CLEAN.format("e.label")}, {_CLEAN.format("e.piece_ref")},
              coalesce(to_char(e.piece_date, 'YYYY-MM-DD'), '')),
    (SELECT string_agg(concat_ws(E'\\x1f', l.position::text, {_CLEAN.format("a.number")},
                                 {_CLEAN.format("t.aux_number")}, {_CLEAN.format("l.label")},
                                 {_CLEAN.format("l.piece_ref")}, l.debit::text, l.credit::text,
                                 coalesce(l.currency_amount::text, ''),
                                 {_CLEAN.format("l.currency")}),
                       E'\\x1e' ORDER BY l.position)
     FROM ledger_line l JOIN ledger_account a ON a.id = l.account_id
     LEFT JOIN ledger_thirdparty t ON t.id = l.third_party_id
     WHERE l.entry_id = e.id)
), 'UTF8')), 'hex')
FROM ledger_entry e
JOIN firms_company c ON c.id = e.company_id
JOIN ledger_journal j ON j.id = e.journal_id
JOIN ledger_fiscalyear y ON y.id = e.fiscal_year_id
WHERE e.id = ANY(%(ids)s)
"""


def content_digests(entry_ids: Sequence[int]) -> dict[int, str]:
    """The content digest of each entry (see the module docstring)."""
    if not entry_ids:
        return {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_PG_DIGESTS, {"ids": list(entry_ids)})
            return dict(cursor.fetchall())
    return python_digests(entry_ids)


def python_digests(entry_ids: Sequence[int]) -> dict[int, str]:
    lines: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Line.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "position")
        .values_list(*LINE_FIELDS)
    ):
        lines[row[0]].append(row)
    return {
        head[0]: digest(head, lines[head[0]])
        for head in Entry.objects.filter(pk__in=entry_ids).values_list(*HEAD_FIELDS)
    }


def label(row: dict[str, Any]) -> str:
    return f"{row['journal__code']} {row['number']}"
