"""FEC benchmark: check, import and export of a large FEC against plain baselines.

    .venv/bin/pip install -e ".[bench]"      # pandas, for the check's baseline
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenue_bench \\
        .venv/bin/python benchmarks/fec.py [--lines 1000000] [--sqlite]

It writes a valid, deterministic FEC (`formats.fec_generate`, about --lines lines) in a temporary
folder, creates (and drops at the end) the PostgreSQL database of DATABASE_URL, then measures in
one run:
(a) baseline import: COPY of the raw file into an unlogged one-column text table, then one
    INSERT … SELECT splitting and typing the 18 fields into a typed, unindexed table;
(b) `tenue fec check FILE`;
(c) `tenue fec import FILE --dossier …` (a child process: its peak RSS is measured too);
(d) `tenue fec export --dossier … --year … --no-check` (provisional: no validation in the
    timing; the written file's own check is (b)'s work, timed there);
(e) baseline export: COPY (SELECT … ) TO a file, of the typed table of (a);
(f) the floor of any import into the ledger: the imported lines written once more into
    ledger_line (indexes kept, foreign keys checked at once), rolled back;
and reading the file with pandas `read_csv` (all columns as text), the check's baseline.
Targets (issue #3): import ≤ 3× (a), export ≤ 2× (e), check ≤ 1,5× pandas; peak RSS of the
import under 1 GB. With --sqlite, the import is also timed on a fresh SQLite file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _database import benchmark_url, drop, recreate

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
TENUE = [sys.executable, "-m", "tenue.cli"]
# the same command, printing its own peak RSS (kB) on its last stderr line
MEASURED = [
    sys.executable,
    "-c",
    (
        "import resource, sys\n"
        "from tenue.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(code)"
    ),
]

FIELDS = (
    "JournalCode text, JournalLib text, EcritureNum text, EcritureDate date, CompteNum text, "
    "CompteLib text, CompAuxNum text, CompAuxLib text, PieceRef text, PieceDate date, "
    "EcritureLib text, Debit numeric(15,2), Credit numeric(15,2), EcritureLet text, "
    "DateLet date, ValidDate date, Montantdevise numeric(15,2), Idevise text"
)


def typed(i: int, kind: str) -> str:
    cell = f"NULLIF(split_part(line, E'\\t', {i}), '')"
    if kind == "date":
        return f"to_date({cell}, 'YYYYMMDD')"
    if kind.startswith("numeric"):
        return f"replace({cell}, ',', '.')::numeric(15,2)"
    return cell


def run(arguments: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Seconds taken by `tenue ARGUMENTS` in a child process, and its peak RSS in MB."""
    started = time.perf_counter()
    done = subprocess.run([*MEASURED, *arguments], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    if done.returncode not in (0, 1) or not last.startswith("RSS "):
        raise SystemExit(f"tenue {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return seconds, int(last.split()[1]) // 1024


def prepare(env: dict[str, str]) -> None:
    """Migrate the database of `env` and create the benchmark's dossier."""
    subprocess.run([*TENUE, "manage", "migrate", "-v", "0"], env=env, check=True)
    create = ["dossier", "create", "--name", "Bench", "--siren", "732829320", "--slug", "bench"]
    subprocess.run(
        [*TENUE, *create, "--year-start", "2026-01-01"], env=env, check=True, capture_output=True
    )


def _lines_floor(url: str) -> float:
    """Seconds to write the dossier's lines again into ledger_line (positions shifted to stay
    unique), with its indexes and immediate foreign-key checks, rolled back."""
    import psycopg

    columns = (
        "date, label, piece_ref, debit, credit, currency_amount, currency, account_id, "
        "company_id, entry_id, lettering_id, third_party_id"
    )
    with psycopg.connect(url) as db:
        db.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        db.execute(
            f"INSERT INTO ledger_line (position, {columns}) "
            f"SELECT position + 16000, {columns} FROM ledger_line"
        )
        seconds = time.perf_counter() - started
        db.rollback()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true", help="also time the import on SQLite")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    url = benchmark_url()
    if url is None:
        return 2
    import pandas
    import psycopg

    from tenue.formats.fec import COLUMNS
    from tenue.formats.fec_generate import generate_fec

    recreate(url)
    work = Path(tempfile.mkdtemp(prefix="tenue-fec-bench-"))
    env = {**os.environ, "TENUE_HOME": str(work / "home"), "PYTHONPATH": str(ROOT / "src")}
    try:
        started = time.perf_counter()
        generated = generate_fec(work, lines=args.lines)
        size = generated.path.stat().st_size / 1e6
        print(
            f"file: {generated.lines} lines, {generated.entries} entries, {size:.0f} MB "
            f"(generated in {time.perf_counter() - started:.1f} s)"
        )

        # (a) baseline import
        kinds = [f.split()[1] for f in FIELDS.split(", ")]
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("CREATE UNLOGGED TABLE raw_fec (line text)")
            db.execute(f"CREATE TABLE typed_fec ({FIELDS})")
            started = time.perf_counter()
            with db.cursor() as cursor:
                with (
                    cursor.copy(
                        "COPY raw_fec FROM STDIN (FORMAT text, DELIMITER E'\\x01')"
                    ) as copy,
                    generated.path.open("rb") as fh,
                ):
                    fh.readline()
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk.replace(b"\\", b"\\\\"))
                cursor.execute(
                    "INSERT INTO typed_fec SELECT "
                    + ", ".join(typed(i + 1, k) for i, k in enumerate(kinds))
                    + " FROM raw_fec"
                )
            baseline_import = time.perf_counter() - started
            # (e) baseline export
            out = work / "baseline_export.txt"
            started = time.perf_counter()
            with (
                db.cursor() as cursor,
                out.open("wb") as fh,
                cursor.copy(
                    "COPY (SELECT " + ", ".join(COLUMNS) + " FROM typed_fec ORDER BY "
                    "EcritureDate, JournalCode, EcritureNum) TO STDOUT (FORMAT text)"
                ) as copy,
            ):
                for data in copy:
                    fh.write(data)
            baseline_export = time.perf_counter() - started

        # pandas, cells as text: Python objects, or pandas' own string type (backed by Arrow
        # when pyarrow is installed, as it is for tenue); the faster of the two is the baseline
        readings = {}
        for kind in (object, str):
            started = time.perf_counter()
            frame = pandas.read_csv(generated.path, sep="\t", dtype=kind, keep_default_na=False)
            readings[kind.__name__] = time.perf_counter() - started
            assert len(frame) == generated.lines
            del frame
        pandas_seconds = min(readings.values())

        pg_env = {**env, "DATABASE_URL": url}
        prepare(pg_env)
        check_seconds, _ = run(["fec", "check", str(generated.path)], pg_env)
        import_seconds, import_rss = run(
            ["fec", "import", str(generated.path), "--dossier", "bench", "--quiet"], pg_env
        )
        export_seconds, _ = run(
            [
                "fec",
                "export",
                "--dossier",
                "bench",
                "--year",
                "2024",
                "--out",
                str(work / "export"),
                "--no-check",
            ],
            pg_env,
        )

        floor = _lines_floor(url)
        print(f"(a) baseline import : {baseline_import:8.2f} s  COPY raw + INSERT … SELECT typed")
        print(
            f"(b) fec check       : {check_seconds:8.2f} s  "
            f"(pandas read_csv {pandas_seconds:.2f} s → {check_seconds / pandas_seconds:.2f}×, "
            "target ≤ 1,5×; dtype object "
            f"{readings['object']:.2f} s, dtype str {readings['str']:.2f} s)"
        )
        print(
            f"(c) fec import      : {import_seconds:8.2f} s  "
            f"({import_seconds / baseline_import:.2f}× (a), target ≤ 3×; "
            f"peak RSS {import_rss} MB, target < 1024)"
        )
        print(
            f"(d) fec export      : {export_seconds:8.2f} s  "
            f"({export_seconds / baseline_export:.2f}× (e), target ≤ 2×)"
        )
        print(f"(e) baseline export : {baseline_export:8.2f} s  COPY (SELECT …) TO file")
        print(
            f"(f) lines floor     : {floor:8.2f} s  ({floor / baseline_import:.2f}× (a)) the "
            "imported lines written once more into ledger_line by one INSERT … SELECT, its "
            "indexes kept and its foreign keys checked, then rolled back: what any import "
            "into the ledger's tables costs at least"
        )
        print(
            f"    lines/s: check {generated.lines / check_seconds:,.0f}, "
            f"import {generated.lines / import_seconds:,.0f}, "
            f"export {generated.lines / export_seconds:,.0f}"
        )
        if args.sqlite:
            sqlite_env = {**env, "TENUE_HOME": str(work / "sqlite")}
            sqlite_env.pop("DATABASE_URL", None)
            prepare(sqlite_env)
            sqlite_seconds, sqlite_rss = run(
                ["fec", "import", str(generated.path), "--dossier", "bench", "--quiet"], sqlite_env
            )
            print(f"    SQLite import   : {sqlite_seconds:8.2f} s  (peak RSS {sqlite_rss} MB)")
    finally:
        if not args.keep:
            import shutil

            shutil.rmtree(work, ignore_errors=True)
            drop(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
