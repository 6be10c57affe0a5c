"""Document ingestion benchmark: 10 000 small PDFs, 10 % of them sent twice, through the service.

    .venv/bin/python benchmarks/ingest.py [--documents 10000]                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenue_bench \\
        .venv/bin/python benchmarks/ingest.py                                 # PostgreSQL

Each PDF is small and valid, its text unique; one in ten is sent a second time (another name,
another channel). Prints documents per second and the duplicates found, which must equal the
duplicates sent. Runs in a temporary TENUE_HOME (documents on the local file system); a
PostgreSQL database named in DATABASE_URL is created and dropped.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from _database import bench_dossier

ROOT = Path(__file__).resolve().parents[1]


def small_pdf(text: str) -> bytes:
    """A one-page PDF showing `text`, with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    args = parser.parse_args()
    with bench_dossier("tenue-ingest-") as company:
        from django.db import connection

        from tenue.documents.services import document_ingest

        rng = random.Random(10)
        files = [
            (f"facture-{n:05d}.pdf", small_pdf(f"Facture {n} montant {rng.random():.6f}"))
            for n in range(args.documents)
        ]
        resent = [
            (f"renvoi-{name}", data) for name, data in rng.sample(files, args.documents // 10)
        ]
        arrivals = files + resent
        rng.shuffle(arrivals)
        started = time.perf_counter()
        duplicates = 0
        for name, data in arrivals:
            result = document_ingest(
                company=company, name=name, data=data, category="purchase", channel="api"
            )
            duplicates += result.duplicate
        seconds = time.perf_counter() - started
        print(
            f"{len(arrivals)} arrivals ({len(files)} files, {len(resent)} sent twice), "
            f"{connection.vendor}"
        )
        print(f"ingested in {seconds:.2f} s: {len(arrivals) / seconds:,.0f} documents/s")
        print(f"duplicates found: {duplicates} (sent: {len(resent)})")
        if duplicates != len(resent):
            print("ERROR: duplicates found differ from duplicates sent")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
