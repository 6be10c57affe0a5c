"""Ledger benchmark: bulk posting and the trial balance against plain SQL, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenue_bench \
        .venv/bin/python benchmarks/ledger.py

It creates (and drops at the end) the database named in DATABASE_URL, opens a dossier, then:

1. posting: `entries_post` (the bulk path: every entry checked, numbered per journal in date
   order, written with constraints and indexes) of N entries of 3 lines (default 100 000 /
   300 000) — against the baseline: the same line rows, staged once in a temporary table, copied
   by one `INSERT … SELECT` into an unindexed, unconstrained table. The time to stream the rows
   into the staging table (COPY) is printed too, as the cost of moving the data at all.
2. trial balance: the `trial_balance` selector over the whole year — against the baseline
   `SELECT account, SUM(debit), SUM(credit) … GROUP BY account` on the unindexed table.

Targets (issue #2): posting within 4x the baseline, trial balance within 2x. Both timings are
the best of `--repeat` runs for the reads; the posting is timed once (it is a one-shot write).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal

from _database import benchmark_url, drop, recreate

ACCOUNTS = ("6064", "6061", "607", "6132", "626", "6251", "706", "707", "411", "401", "512")


def build(count: int, seed: int = 7):  # type: ignore[no-untyped-def]
    from tenue.core.entries import Entry, Line

    rng = random.Random(seed)
    start = date(2025, 1, 1)
    entries = []
    for n in range(count):
        day = start + timedelta(days=n * 365 // count)
        base = Decimal(rng.randint(100, 500_000)) / 100
        vat = (base * Decimal("0.20")).quantize(Decimal("0.01"))
        if n % 2:
            lines = (
                Line(account=rng.choice(ACCOUNTS[:6]), debit=base),
                Line(account="44566", debit=vat),
                Line(account="401", credit=base + vat),
            )
            journal = "AC"
        else:
            lines = (
                Line(account="411", debit=base + vat),
                Line(account=rng.choice(ACCOUNTS[6:8]), credit=base),
                Line(account="44571", credit=vat),
            )
            journal = "VE"
        entries.append(Entry(journal=journal, date=day, label=f"Pièce {n}", lines=lines))
    return entries


def _constrained_floor(connection) -> float:  # type: ignore[no-untyped-def]
    """Seconds to copy the posted rows, in plain SQL, into tables shaped like ledger_entry and
    ledger_line: same indexes, checks and (deferred) foreign keys, commit included. No posting
    path that keeps those constraints can beat it."""
    from django.db import transaction

    fks = {
        "floor_entry": [
            ("company_id", "firms_company"),
            ("fiscal_year_id", "ledger_fiscalyear"),
            ("journal_id", "ledger_journal"),
        ],
        "floor_line": [
            ("entry_id", "floor_entry"),
            ("account_id", "ledger_account"),
            ("third_party_id", "ledger_thirdparty"),
        ],
    }
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE floor_entry (LIKE ledger_entry INCLUDING ALL)")
        cursor.execute("CREATE TABLE floor_line (LIKE ledger_line INCLUDING ALL)")
        for table, keys in fks.items():
            for column, target in keys:
                cursor.execute(
                    f"ALTER TABLE {table} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO floor_entry SELECT * FROM ledger_entry")
        cursor.execute("INSERT INTO floor_line SELECT * FROM ledger_line")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    url = benchmark_url()
    if url is None:
        return 2
    recreate(url)

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenue.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tenue.core.periods import Period
    from tenue.firms.services import company_create, firm_create
    from tenue.ledger.services import entries_post
    from tenue.reports.selectors import trial_balance

    try:
        call_command("migrate", verbosity=0)
        firm = firm_create(name="Bench", slug="bench")
        company = company_create(
            firm=firm, name="Bench SA", siren="732829320", slug="bench", year_start=date(2025, 1, 1)
        )
        entries = build(args.entries)
        line_count = sum(len(e.lines) for e in entries)
        print(f"{len(entries)} entries, {line_count} lines, PostgreSQL {connection.pg_version}")

        started = time.perf_counter()
        entries_post(company=company, entries=entries)
        post_seconds = time.perf_counter() - started

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE staging (entry_no int, journal text, day date, "
                "account text, label text, debit numeric(15,2), credit numeric(15,2))"
            )
            cursor.execute(
                "CREATE TABLE baseline (entry_no int, journal text, day date, "
                "account text, label text, debit numeric(15,2), credit numeric(15,2))"
            )
            started = time.perf_counter()
            with cursor.cursor.copy("COPY staging FROM STDIN") as copy:
                for n, entry in enumerate(entries):
                    for line in entry.lines:
                        copy.write_row(
                            (
                                n,
                                entry.journal,
                                entry.date,
                                line.account,
                                entry.label,
                                line.debit,
                                line.credit,
                            )
                        )
            copy_seconds = time.perf_counter() - started
            cursor.execute("ANALYZE staging")
            started = time.perf_counter()
            cursor.execute("INSERT INTO baseline SELECT * FROM staging")
            baseline_post = time.perf_counter() - started
            cursor.execute("ANALYZE")

        floor_seconds = _constrained_floor(connection)

        period = Period(date(2025, 1, 1), date(2025, 12, 31))
        ours, theirs = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = trial_balance(company=company, period=period, page_size=10**6)
            ours.append(time.perf_counter() - started)
            with connection.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(
                    "SELECT account, SUM(debit), SUM(credit) FROM baseline GROUP BY account "
                    "ORDER BY account"
                )
                baseline_rows = cursor.fetchall()
                theirs.append(time.perf_counter() - started)
        assert report.totals.balanced
        assert report.totals.debit == sum(r[1] for r in baseline_rows), "totals differ"

        balance, baseline_balance = min(ours), min(theirs)
        print(
            f"posting      : {post_seconds:8.3f} s  ({len(entries) / post_seconds:,.0f} entries/s)"
        )
        print(f"baseline     : {baseline_post:8.3f} s  INSERT … SELECT into an unindexed table")
        print(f"  (+ COPY of the rows into the staging table: {copy_seconds:.3f} s)")
        print(f"ratio        : {post_seconds / baseline_post:8.2f}x  (target ≤ 4x)")
        print(
            f"floor        : {floor_seconds:8.3f} s  the same stored rows by INSERT … SELECT into "
            "copies of the ledger tables with their indexes, checks and foreign keys"
        )
        print(f"ratio to floor: {post_seconds / floor_seconds:7.2f}x")
        print(
            f"ratio incl. transfer: {post_seconds / (baseline_post + copy_seconds):8.2f}x  "
            "(baseline = COPY + INSERT … SELECT)"
        )
        accounts = len(report.page.items)
        print(f"trial balance: {balance:8.3f} s  (best of {args.repeat}, {accounts} accounts)")
        print(f"baseline     : {baseline_balance:8.3f} s  GROUP BY on the unindexed table")
        print(f"ratio        : {balance / baseline_balance:8.2f}x  (target ≤ 2x)")
        print(f"total debit  : {report.totals.debit} (equal in both)")
    finally:
        connection.close()
        if not args.keep:
            drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
