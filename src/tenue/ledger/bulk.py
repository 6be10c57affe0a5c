"""Fast insertion of many checked, numbered entries (the bulk path of `entries_post`).

The caller has already checked and numbered the entries inside its transaction; this module only
writes rows, from plain tuples (building a Django model instance per row would cost more than
the database work). PostgreSQL: ids are reserved from the sequences in one query each, then
entries and lines stream in with COPY. Other databases: `bulk_create` in batches.
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


def _line_values(entry: core.Entry, resolver: _Resolver) -> Iterator[tuple[Any, ...]]:
    """(position, account_id, third_party_id, label, debit, credit, currency_amount, currency)"""
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
        )


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
            Line(
                entry_id=row.pk,
                position=v[0],
                account_id=v[1],
                third_party_id=v[2],
                label=v[3],
                debit=v[4],
                credit=v[5],
                currency_amount=v[6],
                currency=v[7],
            )
            for row, (_, entry) in zip(rows, chunk, strict=True)
            for v in _line_values(entry, resolver)
        ]
        Line.objects.bulk_create(lines, batch_size=batch_size)


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [r[0] for r in cursor.fetchall()]


def _insert_postgresql(pending: Sequence[tuple[NewEntry, core.Entry]], resolver: _Resolver) -> None:
    now = timezone.now()
    ids = _reserve_ids(Entry._meta.db_table, len(pending))
    line_ids = iter(
        _reserve_ids(Line._meta.db_table, sum(len(entry.lines) for _, entry in pending))
    )
    columns = ", ".join(NewEntry._fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor, for COPY
        entry_sql = (
            f"COPY {Entry._meta.db_table} (id, {columns}, status, created_at, chain_hash) "
            "FROM STDIN"
        )
        with raw.copy(entry_sql) as copy:
            for pk, (new, _) in zip(ids, pending, strict=True):
                copy.write_row((pk, *new, EntryStatus.POSTED.value, now, ""))
        line_sql = (
            f"COPY {Line._meta.db_table} (id, entry_id, position, account_id, third_party_id, "
            "label, debit, credit, currency_amount, currency) FROM STDIN"
        )
        with raw.copy(line_sql) as copy:
            for pk, (_, entry) in zip(ids, pending, strict=True):
                for values in _line_values(entry, resolver):
                    copy.write_row((next(line_ids), pk, *values))
