"""From document to posted entry: the time `document_read` takes (file read from storage, reader,
third party, account suggestion, entry laid out, posted), per kind of document.

    .venv/bin/python benchmarks/booking.py [--einvoices 200] [--pdfs 40]          # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tenue_bench \\
        .venv/bin/python benchmarks/booking.py                                    # PostgreSQL

E-invoices: the Factur-X sample of shared/data (akretion, EN 16931) re-numbered and re-dated, as
bare CII XML and as Factur-X PDFs (XML embedded again with the factur-x library); its supplier is
known in the dossier, so each one is posted on its own. Text PDFs: invoices of
`invoice_corpus.py` (new suppliers: proposed for review, the time is to the proposal).
Targets (issue 5): e-invoice to posted entry ≤ 50 ms median; text PDF ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _database import bench_dossier

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "einvoice" / "akretion-factur-x" / "pdf"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"


def variants(count: int, prefix: str = "B") -> list[tuple[str, bytes]]:
    """The sample's XML with numbers B00001… and dates spread over 2026 (in order)."""
    from datetime import date, timedelta

    from lxml import etree

    from tenue.extraction.einvoice import find_embedded_xml

    found = find_embedded_xml((SAMPLE / "invoice_EN16931.pdf").read_bytes())
    assert found is not None
    out = []
    for n in range(count):
        tree = etree.fromstring(found[1])
        tree.find(f"{{{RSM}}}ExchangedDocument/{{{RAM}}}ID").text = f"{prefix}{n:05d}"
        day = date(2026, 1, 1) + timedelta(days=n * 360 // max(count, 1))
        tree.find(
            f"{{{RSM}}}ExchangedDocument/{{{RAM}}}IssueDateTime/{{{UDT}}}DateTimeString"
        ).text = day.strftime("%Y%m%d")
        data = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
        out.append((f"{prefix}{n:05d}", data))
    return out


def summary(name: str, times: list[float], target: float, outcome: str) -> None:
    times = sorted(times)
    median = statistics.median(times) * 1000
    p90 = times[int(len(times) * 0.9) - 1] * 1000
    verdict = "met" if median <= target else "NOT met"
    print(
        f"{name:<28} n={len(times):>4}  median {median:7.1f} ms  p90 {p90:7.1f} ms  "
        f"target ≤ {target:.0f} ms: {verdict}  ({outcome})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--einvoices", type=int, default=200)
    parser.add_argument("--pdfs", type=int, default=40)
    args = parser.parse_args()
    with bench_dossier("tenue-booking-") as company:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import facturx
        from django.db import connection

        from tenue.booking.models import EntryProposal
        from tenue.booking.services import document_read
        from tenue.documents.services import document_ingest
        from tenue.ledger.models import Account, ThirdPartyKind
        from tenue.ledger.services import third_party_create

        supplier = third_party_create(
            company=company,
            kind=ThirdPartyKind.SUPPLIER,
            aux_number="FOURNI",
            name="Le Fournisseur",
            siren="123456782",
        )
        supplier.default_account = Account.objects.get(company=company, number="6226")
        supplier.save()
        print(f"database: {connection.vendor}")

        def timed(name: str, data: bytes, category: str = "purchase") -> tuple[float, str]:
            document = document_ingest(
                company=company, name=name, data=data, category=category, channel="api"
            ).document
            started = time.perf_counter()
            document_read(document=document)
            elapsed = time.perf_counter() - started
            return elapsed, EntryProposal.objects.get(document=document).status

        xml_times, statuses = [], []
        for number, xml in variants(args.einvoices):
            elapsed, status = timed(f"{number}.xml", xml)
            xml_times.append(elapsed)
            statuses.append(status)
        posted = statuses.count("posted")
        summary("e-invoice CII XML → entry", xml_times, 50, f"{posted}/{len(statuses)} posted")

        pdf = (SAMPLE / "invoice_EN16931.pdf").read_bytes()
        pdf_times, statuses = [], []
        for number, xml in variants(max(args.einvoices // 4, 1), prefix="P"):
            data = facturx.generate_from_binary(pdf, xml, check_xsd=False)
            elapsed, status = timed(f"{number}.pdf", data)
            pdf_times.append(elapsed)
            statuses.append(status)
        posted = statuses.count("posted")
        summary("Factur-X PDF → entry", pdf_times, 50, f"{posted}/{len(statuses)} posted")

        again = [  # the first XML invoices again, now as Factur-X PDFs: other files
            timed(f"{n}.pdf", facturx.generate_from_binary(pdf, xml, check_xsd=False))[1]
            for n, xml in variants(args.einvoices)[:20]
        ]
        print(
            f"the same invoices sent again as other files: {again.count('duplicate')}/"
            f"{len(again)} found duplicates, {again.count('posted')} posted twice"
        )

        if args.pdfs <= 0:
            return 0
        try:
            import invoice_corpus
        except ImportError:
            print("text PDFs: invoice_corpus.py not available")
            return 0
        corpus = Path(os.environ["TENUE_HOME"]) / "corpus"
        invoice_corpus.generate(corpus, count=args.pdfs, scans=False)
        text_times, statuses = [], []
        for path in sorted(corpus.glob("*.pdf")):
            elapsed, status = timed(path.name, path.read_bytes())
            text_times.append(elapsed)
            statuses.append(status)
        counts = {s: statuses.count(s) for s in sorted(set(statuses))}
        summary("text PDF → proposal", text_times, 300, f"statuses {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
