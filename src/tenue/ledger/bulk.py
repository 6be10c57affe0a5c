"""Writing the lines of checked, numbered entries, one at a time or in bulk.

The callers (`services.entry_post`, `services.entries_post`) have checked and numbered the entries
inside their transaction; this module only writes rows, from plain tuples (building a Django model
instance per row would cost more than the database work). PostgreSQL: ids are reserved from the
sequences in one query each, then entries and lines stream in with COPY, as text the module
formats itself. Other databases: `bulk_create` in batches.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection
from django.utils import timezone

from tenue.ledger.models import Entry, EntryStatus, Line

if TYPE_CHECKING:
    from tenue.core import entries as core
    from tenue.ledger.services import _Resolver


class NewEntry(NamedTuple):
    company_id: int
    fiscal_year_id: int
    journal_id: int
    number: int
    date: date
    label: str
    piece_ref: str
    piece_date: date | None
    source: str
    created_by_id: int | None
    external_number: str = ""


LINE_FIELDS = (
    "position",
    "account_id",
    "third_party_id",
    "label",
    "debit",
    "credit",
    "currency_amount",
    "currency",
    "piece_ref",
)


def line_values(entry: core.Entry, resolver: _Resolver) -> Iterator[tuple[Any, ...]]:
    """The values of each line of `entry`, in the order of LINE_FIELDS."""
    accounts, parties = resolver.accounts, resolver.third_parties
    for position, x in enumerate(entry.lines, start=1):
        yield (
            position,
            accounts[x.account].pk,
            parties[x.aux_number].pk if x.aux_number else None,
            x.label or entry.label,
            x.debit,
            x.credit,
            x.currency_amount,
            x.currency,
            x.piece_ref,
        )


def line_models(
    entry_id: int, company_id: int, day: date, entry: core.Entry, resolver: _Resolver
) -> list[Line]:
    return [
        Line(
            entry_id=entry_id,
            company_id=company_id,
            date=day,
            **dict(zip(LINE_FIELDS, v, strict=True)),
        )
        for v in line_values(entry, resolver)
    ]


def insert_entries(
    pending: Sequence[tuple[NewEntry, core.Entry]], resolver: _Resolver, *, batch_size: int
) -> None:
    if not pending:
        return
    if connection.vendor == "postgresql":
        _insert_postgresql(pending, resolver)
        return
    now = timezone.now()
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        rows = Entry.objects.bulk_create(
            [Entry(**new._asdict(), status=EntryStatus.POSTED, created_at=now) for new, _ in chunk],
            batch_size=batch_size,
        )
        lines = [
            line
            for row, (new, entry) in zip(rows, chunk, strict=True)
            for line in line_models(row.pk, new.company_id, new.date, entry, resolver)
        ]
        Line.objects.bulk_create(lines, batch_size=batch_size)


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [r[0] for r in cursor.fetchall()]


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    return str(value)  # int, Decimal, date (ISO), datetime (ISO with offset)


def _copy(raw: Any, table: str, columns: Sequence[str], rows: Iterator[str]) -> None:
    with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buffer: list[str] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= 10_000:
                copy.write("".join(buffer))
                buffer.clear()
        copy.write("".join(buffer))


def _insert_postgresql(pending: Sequence[tuple[NewEntry, core.Entry]], resolver: _Resolver) -> None:
    now = _text(timezone.now())
    posted = EntryStatus.POSTED.value
    ids = _reserve_ids(Entry._meta.db_table, len(pending))
    line_ids = iter(
        _reserve_ids(Line._meta.db_table, sum(len(entry.lines) for _, entry in pending))
    )

    def entry_rows() -> Iterator[str]:
        for pk, (new, _) in zip(ids, pending, strict=True):
            yield "\t".join(map(_text, (pk, *new, posted))) + f"\t{now}\t\n"

    def line_rows() -> Iterator[str]:
        for pk, (new, entry) in zip(ids, pending, strict=True):
            prefix = f"{pk}\t{new.company_id}\t{new.date.isoformat()}\t"
            for values in line_values(entry, resolver):
                yield f"{next(line_ids)}\t{prefix}{chr(9).join(map(_text, values))}\n"

    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor, for COPY
        _copy(
            raw,
            Entry._meta.db_table,
            ("id", *NewEntry._fields, "status", "created_at", "chain_hash"),
            entry_rows(),
        )
        _copy(
            raw,
            Line._meta.db_table,
            ("id", "entry_id", "company_id", "date", *LINE_FIELDS),
            line_rows(),
        )


def mark_validated(rows: Sequence[Entry]) -> None:
    """Write status, ValidDate, sequence and hash of freshly validated entries in one go."""
    values = [
        (EntryStatus.VALIDATED.value, r.valid_date, r.validation_seq, r.chain_hash, r.pk)
        for r in rows
    ]
    table = Entry._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tenue_validated (id bigint, status text, "
                "valid_date date, validation_seq integer, chain_hash text) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE tenue_validated")
            _copy(
                cursor.cursor,
                "tenue_validated",
                ("status", "valid_date", "validation_seq", "chain_hash", "id"),
                ("\t".join(map(_text, v)) + "\n" for v in values),
            )
            cursor.execute(
                f"UPDATE {table} e SET status = v.status, valid_date = v.valid_date, "
                "validation_seq = v.validation_seq, chain_hash = v.chain_hash "
                "FROM tenue_validated v WHERE e.id = v.id"
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET status = %s, valid_date = %s, validation_seq = %s, "
                "chain_hash = %s WHERE id = %s",
                values,
            )
