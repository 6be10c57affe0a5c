"""Writing the lines of checked, numbered entries, one at a time or in bulk.

The callers (`services.entry_post`, `services.entries_post`) have checked and numbered the entries
inside their transaction; this module only writes rows, from plain tuples (building a Django model
instance per row would cost more than the database work). PostgreSQL: ids are reserved from the
sequences in one query each, then entries and lines stream in with COPY, as text the module
formats itself. Other databases: `bulk_create` in batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction
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


class NewLine(NamedTuple):
    entry_id: int
    company_id: int
    date: date
    position: int
    account_id: int
    third_party_id: int | None
    label: str
    debit: Any
    credit: Any
    currency_amount: Any
    currency: str
    piece_ref: str
    lettering_id: int | None


def insert_entries(
    pending: Sequence[tuple[NewEntry, core.Entry]], resolver: _Resolver, *, batch_size: int = 5000
) -> list[int]:
    """Write checked, numbered entries and their lines; the lines' ids, in order."""
    ids = write_entries([new for new, _ in pending], batch_size=batch_size)
    return write_lines(
        (
            NewLine(pk, new.company_id, new.date, *values, None)
            for pk, (new, entry) in zip(ids, pending, strict=True)
            for values in line_values(entry, resolver)
        ),
        batch_size=batch_size,
    )


def write_entries(rows: Sequence[NewEntry], *, batch_size: int = 5000) -> list[int]:
    """Insert entry rows; their ids, in order."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        ids = _reserve_ids(Entry._meta.db_table, len(rows))
        now = _text(timezone.now())
        posted = EntryStatus.POSTED.value
        with connection.cursor() as cursor:
            _copy(
                cursor.cursor,
                Entry._meta.db_table,
                ("id", *NewEntry._fields, "status", "created_at", "chain_hash"),
                (
                    "\t".join(map(_text, (pk, *row, posted))) + f"\t{now}\t\n"
                    for pk, row in zip(ids, rows, strict=True)
                ),
            )
        return ids
    now_dt = timezone.now()
    ids = []
    for start in range(0, len(rows), batch_size):
        created = Entry.objects.bulk_create(
            [
                Entry(**row._asdict(), status=EntryStatus.POSTED, created_at=now_dt)
                for row in rows[start : start + batch_size]
            ],
            batch_size=batch_size,
        )
        ids.extend(e.pk for e in created)
    return ids


def write_lines(rows: Iterable[NewLine], *, batch_size: int = 5000) -> list[int]:
    """Insert line rows as they come (a generator is never held whole); their ids, in order."""
    ids: list[int] = []
    if connection.vendor == "postgresql":
        batch: list[NewLine] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= 50_000:
                ids.extend(_copy_lines(batch))
                batch.clear()
        ids.extend(_copy_lines(batch))
        return ids
    models: list[Line] = []
    for row in rows:
        models.append(Line(**row._asdict()))
        if len(models) >= batch_size:
            ids.extend(x.pk for x in Line.objects.bulk_create(models, batch_size=batch_size))
            models.clear()
    ids.extend(x.pk for x in Line.objects.bulk_create(models, batch_size=batch_size))
    return ids


def _copy_lines(batch: Sequence[NewLine]) -> list[int]:
    """COPY a batch of lines with ids reserved for them first (COPY returns no ids)."""
    if not batch:
        return []
    table = Line._meta.db_table
    ids = _reserve_ids(table, len(batch))
    with connection.cursor() as cursor:
        _copy(
            cursor.cursor,
            table,
            ("id", *NewLine._fields),
            (_line_text(pk, row) for pk, row in zip(ids, batch, strict=True)),
        )
    return ids


def _line_text(pk: int, row: NewLine) -> str:
    """One line row in COPY text form; the same as `_text` per field, written out because this
    runs once per imported line."""
    (
        entry_id,
        company_id,
        day,
        position,
        account_id,
        third_party_id,
        label,
        debit,
        credit,
        currency_amount,
        currency,
        piece_ref,
        lettering_id,
    ) = row
    return (
        f"{pk}\t{entry_id}\t{company_id}\t{day}\t{position}\t{account_id}\t"
        f"{_NULL if third_party_id is None else third_party_id}\t{label.translate(_ESCAPES)}\t"
        f"{debit}\t{credit}\t{_NULL if currency_amount is None else currency_amount}\t"
        f"{currency.translate(_ESCAPES)}\t{piece_ref.translate(_ESCAPES)}\t"
        f"{_NULL if lettering_id is None else lettering_id}\n"
    )


def insert_rows(model: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert plain rows into `model`'s table; their ids, in order (COPY on PostgreSQL)."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=5000
        )
        return [obj.pk for obj in created]
    table = model._meta.db_table
    ids = _reserve_ids(table, len(rows))
    with connection.cursor() as cursor:
        _copy(
            cursor.cursor,
            table,
            ("id", *columns),
            ("\t".join(map(_text, (pk, *row))) + "\n" for pk, row in zip(ids, rows, strict=True)),
        )
    return ids


def _reserve_ids(table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [r[0] for r in cursor.fetchall()]


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"


def _text(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
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


def mark_validated(updates: Sequence[tuple[Any, ...]]) -> None:
    """Mark entries validated: (valid_date, validation_seq, chain_hash, id) each, in one go."""
    table = Entry._meta.db_table
    status = EntryStatus.VALIDATED.value
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tenue_validated (valid_date date, "
                "validation_seq integer, chain_hash text, id bigint) ON COMMIT DROP"
            )
            cursor.execute("TRUNCATE tenue_validated")
            _copy(
                cursor.cursor,
                "tenue_validated",
                ("valid_date", "validation_seq", "chain_hash", "id"),
                ("\t".join(map(_text, v)) + "\n" for v in updates),
            )
            cursor.execute(
                f"UPDATE {table} e SET status = %s, valid_date = v.valid_date, "
                "validation_seq = v.validation_seq, chain_hash = v.chain_hash "
                "FROM tenue_validated v WHERE e.id = v.id",
                [status],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET status = '{status}', valid_date = %s, "
                "validation_seq = %s, chain_hash = %s WHERE id = %s",
                updates,
            )


LEDGER_TABLES = (
    "ledger_entry",
    "ledger_line",
    "ledger_lettering",
    "ledger_account",
    "ledger_thirdparty",
)


def refresh_statistics_after_commit(rows_written: int) -> None:
    """After a large write, have PostgreSQL refresh the ledger tables' statistics once the
    transaction commits: with stale ones, the next reports and exports of those rows get plans
    made for empty tables (measured: a 200 000-line FEC export 2,6× slower)."""
    if connection.vendor != "postgresql" or rows_written < 10_000:
        return

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(LEDGER_TABLES))

    transaction.on_commit(analyze)
