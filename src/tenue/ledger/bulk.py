"""Fast insertion of many checked, numbered entries (the bulk path of `entries_post`).

The caller has already checked and numbered the entries inside its transaction; this module only
writes rows. PostgreSQL: ids are reserved from the sequences in one query, then entries and lines
stream in with COPY. Other databases: `bulk_create` in batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import connection

from tenue.ledger.models import Entry, Line

if TYPE_CHECKING:
    from tenue.core import entries as core
    from tenue.ledger.services import _Resolver


def _line_values(entry_id: int, entry: core.Entry, resolver: _Resolver) -> list[tuple[Any, ...]]:
    rows = []
    for position, x in enumerate(entry.lines, start=1):
        third_party = resolver.third_parties[x.aux_number].pk if x.aux_number else None
        rows.append(
            (
                entry_id,
                position,
                resolver.accounts[x.account].pk,
                third_party,
                x.label or entry.label,
                x.debit,
                x.credit,
                x.currency_amount,
                x.currency,
            )
        )
    return rows


LINE_COLUMNS = (
    "entry_id",
    "position",
    "account_id",
    "third_party_id",
    "label",
    "debit",
    "credit",
    "currency_amount",
    "currency",
)
ENTRY_COLUMNS = (
    "id",
    "company_id",
    "fiscal_year_id",
    "journal_id",
    "number",
    "date",
    "label",
    "piece_ref",
    "piece_date",
    "status",
    "source",
    "created_at",
    "created_by_id",
    "chain_hash",
)


def insert_entries(
    pending: Sequence[tuple[Entry, core.Entry]], resolver: _Resolver, *, batch_size: int
) -> None:
    if not pending:
        return
    if connection.vendor == "postgresql":
        _insert_postgresql(pending, resolver)
        return
    for start in range(0, len(pending), batch_size):
        chunk = pending[start : start + batch_size]
        rows = Entry.objects.bulk_create([row for row, _ in chunk], batch_size=batch_size)
        lines = [
            Line(
                entry_id=row.pk,
                position=v[1],
                account_id=v[2],
                third_party_id=v[3],
                label=v[4],
                debit=v[5],
                credit=v[6],
                currency_amount=v[7],
                currency=v[8],
            )
            for row, (_, entry) in zip(rows, chunk, strict=True)
            for v in _line_values(row.pk, entry, resolver)
        ]
        Line.objects.bulk_create(lines, batch_size=batch_size)


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [r[0] for r in cursor.fetchall()]


def _insert_postgresql(pending: Sequence[tuple[Entry, core.Entry]], resolver: _Resolver) -> None:
    from django.utils import timezone

    now = timezone.now()
    ids = _reserve_ids(Entry._meta.db_table, len(pending))
    line_count = sum(len(entry.lines) for _, entry in pending)
    line_ids = iter(_reserve_ids(Line._meta.db_table, line_count))
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor, for COPY
        entry_sql = f"COPY {Entry._meta.db_table} ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
        with raw.copy(entry_sql) as copy:
            for pk, (row, _) in zip(ids, pending, strict=True):
                copy.write_row(
                    (
                        pk,
                        row.company_id,
                        row.fiscal_year_id,
                        row.journal_id,
                        row.number,
                        row.date,
                        row.label,
                        row.piece_ref,
                        row.piece_date,
                        row.status,
                        row.source,
                        now,
                        row.created_by_id,
                        "",
                    )
                )
        line_sql = f"COPY {Line._meta.db_table} (id, {', '.join(LINE_COLUMNS)}) FROM STDIN"
        with raw.copy(line_sql) as copy:
            for pk, (_, entry) in zip(ids, pending, strict=True):
                for values in _line_values(pk, entry, resolver):
                    copy.write_row((next(line_ids), *values))
    for pk, (row, _) in zip(ids, pending, strict=True):
        row.pk = pk
