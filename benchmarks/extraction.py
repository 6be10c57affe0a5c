"""Extraction benchmark: how many fields the readers get right, and how fast, on four corpora.

    .venv/bin/python benchmarks/extraction.py [--count 200] [--ocr-count 40] [--out DIR] [--json]

Corpora, each reported apart:
- e-invoices: every file of shared/data/einvoice/ that has an expected JSON in
  tests/extraction/expected/ (`read_einvoice_xml` for XML, `read_facturx_pdf` for PDF);
  target 100 % of fields;
- text PDFs: the generated French invoices (`invoice_corpus.py`, --count of them) through
  `read_pdf_text`; target ≥ 97 % for every field;
- OCR images: the scans of the first --ocr-count generated documents through `read_image`;
  target ≥ 90 % on totals (TTC, HT, TVA), date, number and supplier; in the same run each image
  also goes through the plain `tesseract IMAGE stdout -l fra`, and the ratio of the two times is
  printed (target ≤ 1,2×);
- real PDFs: shared/data/invoice_pdf/invoice2data/compare/*.pdf with their JSON (issuer, amount,
  date, invoice_number, currency, mapped to seller.name, total_ttc, issue_date, number, currency)
  through `read_pdf_text`. They are not French invoices: no target, reported as they come.

How a field is judged: the truth's value against the reading's `Invoice`, after normalisation:
- amounts as `Decimal` (1234.5 = 1234.50); dates as `date`; VAT breakdown as the set of
  (rate, basis, amount) triples;
- identifiers (SIREN, SIRET, VAT number, IBAN) compact: spaces, dots and dashes removed, upper
  case; invoice numbers with spaces removed, upper case;
- names: Unicode NFKC, case-folded, dots dropped (S.A.R.L. → sarl), other punctuation as spaces,
  legal forms dropped (SAS, SASU, SARL, EURL, SA, SCI, SNC, EI, SELARL, Ltd, Inc, GmbH, AG, BV…),
  whitespace collapsed; then equal;
- the supplier ("seller" line) is right when the reading's SIREN (or the one inside its SIRET or
  VAT number) equals the truth's, or its VAT number does, or its name does;
- a field the truth has but the reading lacks counts as wrong; a field the reading found that the
  truth does not have is ignored.
"Booking fields all right" is the share of documents whose number, issue date, supplier, total HT,
TVA and TTC are all right (those of them the truth has).

A reader not written yet (ImportError) is reported as « lecteur pas encore disponible »; no
figure is made up for it. A reader that raises on a document counts that document's fields wrong
and the error is counted and shown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import invoice_corpus

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
EINVOICES = DATA / "einvoice"
EXPECTED = ROOT / "tests" / "extraction" / "expected"
REAL_PDFS = DATA / "invoice_pdf" / "invoice2data" / "compare"

BOOKING_FIELDS = ("number", "issue_date", "seller", "total_ht", "total_vat", "total_ttc")
OCR_FIELDS = ("total_ttc", "total_ht", "total_vat", "issue_date", "number", "seller")
AMOUNTS = {"total_ht", "total_vat", "total_ttc", "prepaid", "amount_due"}
DATES = {"issue_date", "due_date"}
IDENTIFIERS = {"siren", "siret", "vat_number", "iban"}
NOT_FIELDS = {"file", "layout", "scan"}  # what a truth file says about itself
LEGAL_FORMS = {
    *("sas", "sasu", "sarl", "eurl", "sa", "sci", "snc", "ei", "eirl", "selarl", "selas", "scp"),
    *("sca", "gie", "scop", "ltd", "limited", "inc", "llc", "plc", "gmbh", "ag", "bv", "nv"),
    *("spa", "srl"),
}
REAL_MAPPING = {
    "issuer": "seller.name",
    "amount": "total_ttc",
    "date": "issue_date",
    "invoice_number": "number",
    "currency": "currency",
}


class Unavailable(Exception):
    """A corpus or a reader that cannot be measured yet; its message says why."""


# --- judging one field ---------------------------------------------------------------------------


def normal_name(name: str) -> str:
    """The comparison form of a company or person name (see the module docstring)."""
    text = unicodedata.normalize("NFKC", name).casefold().replace(".", "")
    text = re.sub(r"[,;:'’\"()&/\-–]", " ", text)
    return " ".join(word for word in text.split() if word not in LEGAL_FORMS)


def compact(identifier: str) -> str:
    return re.sub(r"[\s.\-]", "", identifier).upper()


def siren_of(party: Any) -> str:
    """The SIREN a party shows, directly or inside its SIRET or French VAT number."""
    if getattr(party, "siren", ""):
        return compact(party.siren)
    if getattr(party, "siret", ""):
        return compact(party.siret)[:9]
    vat = compact(getattr(party, "vat_number", "") or "")
    return vat[4:] if vat.startswith("FR") and len(vat) == 13 else ""


def flatten(truth: dict[str, Any]) -> dict[str, Any]:
    """The truth as field name → expected value (`seller.siren`, `vat`, `total_ttc`…)."""
    fields: dict[str, Any] = {}
    for key, value in truth.items():
        if key in NOT_FIELDS or value in (None, "", [], {}):
            continue
        if isinstance(value, dict):
            fields.update({f"{key}.{k}": v for k, v in value.items() if v not in (None, "")})
        else:
            fields[key] = value
    return fields


def found_value(invoice: Any, name: str) -> Any:
    value = invoice
    for part in name.split("."):
        value = getattr(value, part, None)
    return value


def right(name: str, expected: Any, invoice: Any) -> tuple[bool, Any]:
    """Whether the reading's `invoice` has the expected value of field `name`, and what it has."""
    found = found_value(invoice, name)
    last = name.rsplit(".", 1)[-1]
    if name == "vat":
        want = {(Decimal(v["rate"]), Decimal(v["basis"]), Decimal(v["amount"])) for v in expected}
        got = {(v.rate, v.basis, v.amount) for v in (found or ())}
        return want == got, sorted(got)
    if found in (None, "", ()):
        return False, None
    if name in AMOUNTS:
        return Decimal(str(expected)) == found, found
    if name in DATES:
        return dt.date.fromisoformat(expected) == found, found
    if last in IDENTIFIERS:
        return compact(expected) == compact(found), found
    if last == "name":
        return normal_name(expected) == normal_name(found), found
    if name == "number":
        return compact_number(expected) == compact_number(found), found
    if name == "currency":
        return str(expected).upper() == str(found).upper(), found
    return str(expected) == str(getattr(found, "value", found)), found


def compact_number(number: str) -> str:
    return re.sub(r"\s", "", str(number)).upper()


def seller_right(truth: dict[str, Any], invoice: Any) -> bool:
    """The supplier is identified: same SIREN, or same VAT number, or same name."""
    want, got = truth.get("seller") or {}, invoice.seller
    if want.get("siren") and siren_of(got) == want["siren"]:
        return True
    if want.get("siret") and siren_of(got) == want["siret"][:9]:
        return True
    if want.get("vat_number") and compact(got.vat_number or "") == compact(want["vat_number"]):
        return True
    return bool(want.get("name")) and normal_name(got.name) == normal_name(want["name"])


# --- one corpus ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One document read: which fields were right, how long it took, what went wrong."""

    name: str
    group: str  # layout for generated documents, folder otherwise
    seconds: float
    checks: dict[str, bool] = field(default_factory=dict)
    misses: list[tuple[str, Any, Any]] = field(default_factory=list)
    error: str = ""
    booking_right: bool = False


def judge(
    name: str, group: str, truth: dict[str, Any], reading: Any, seconds: float, error: str = ""
) -> Result:
    result = Result(name, group, seconds, error=error)
    invoice = getattr(reading, "invoice", None)
    for field_name, expected in flatten(truth).items():
        ok, found = right(field_name, expected, invoice) if invoice is not None else (False, None)
        result.checks[field_name] = ok
        if not ok:
            result.misses.append((field_name, expected, found))
    if truth.get("seller"):
        result.checks["seller"] = invoice is not None and seller_right(truth, invoice)
        if not result.checks["seller"]:
            result.misses.append(("seller", truth["seller"], getattr(invoice, "seller", None)))
    result.booking_right = all(result.checks.get(f, True) for f in BOOKING_FIELDS)
    return result


def read_file(reader: Callable[[bytes], Any], path: Path) -> Any:
    return reader(path.read_bytes())


def read_all(
    items: list[tuple[str, str, dict[str, Any], Callable[[], Any]]],
) -> list[Result]:
    """Read every (name, group, truth, read) item, timing each `read()`."""
    results = []
    for name, group, truth, read in items:
        started = time.perf_counter()
        try:
            reading, error = read(), ""
        except Exception as exc:  # a reader's crash is a result to report, not a stop
            reading, error = None, f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - started
        if reading is None and not error:
            error = "rien lu (None)"
        results.append(judge(name, group, truth, reading, seconds, error))
    return results


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(
    corpus: str,
    reader: str,
    results: list[Result],
    *,
    target: Decimal | None,
    target_fields: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Figures for one corpus: per field, booking share, timing, errors, misses."""
    names = sorted({n for r in results for n in r.checks}, key=field_order)
    fields = {}
    for name in names:
        judged = [r.checks[name] for r in results if name in r.checks]
        wanted = target if target_fields is None or name in target_fields else None
        fields[name] = {
            "right": sum(judged),
            "total": len(judged),
            "share": round(sum(judged) / len(judged), 4),
            "target": float(wanted) if wanted is not None else None,
        }
    groups: dict[str, list[bool]] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r.booking_right)
    seconds = [r.seconds for r in results]
    return {
        "corpus": corpus,
        "reader": reader,
        "available": True,
        "documents": len(results),
        "fields": fields,
        "booking": {
            "right": sum(r.booking_right for r in results),
            "total": len(results),
            "by_group": {g: [sum(v), len(v)] for g, v in sorted(groups.items())},
        },
        "timing": {
            "median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
            "p90_ms": round(percentile(seconds, 0.9) * 1000, 1) if seconds else None,
        },
        "errors": [[r.name, r.error] for r in results if r.error],
        "misses": sorted(
            (
                [r.name, name, shown(expected), shown(found)]
                for r in results
                for name, expected, found in r.misses
            ),
            key=lambda miss: (miss[1] not in BOOKING_FIELDS, miss[0]),
        ),
    }


def shown(value: Any) -> str:
    """A value as a miss line shows it: a party by its name and identifiers."""
    if isinstance(value, dict):
        return " / ".join(str(v) for v in value.values())
    if hasattr(value, "vat_number"):
        parts = (value.name, value.siren, value.siret, value.vat_number)
        return " / ".join(p for p in parts if p) or "(vide)"
    return str(value)


def field_order(name: str) -> tuple[int, str]:
    first = ("kind", "number", "issue_date", "due_date", "currency", "seller")
    head = name.split(".")[0]
    return (first.index(head) if head in first else len(first), name)


def unavailable(corpus: str, reader: str, why: str) -> dict[str, Any]:
    return {"corpus": corpus, "reader": reader, "available": False, "message": why}


def load(module: str, name: str) -> Callable[..., Any]:
    """A reader function, or `Unavailable` when its module is not written yet."""
    try:
        return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise Unavailable(f"lecteur pas encore disponible ({module}.{name} : {exc})") from exc


# --- the corpora ---------------------------------------------------------------------------------


def einvoice_items() -> list[tuple[str, str, dict[str, Any], Path]]:
    """(name, folder, expected, file) for every e-invoice that has an expected JSON."""
    if not EXPECTED.is_dir() or not any(EXPECTED.glob("*.json")):
        raise Unavailable(f"pas encore de fichiers attendus dans {EXPECTED.relative_to(ROOT)}")
    files = [p for p in EINVOICES.rglob("*") if p.is_file()]
    by_name: dict[str, list[Path]] = {}
    for path in files:
        by_name.setdefault(path.name, []).append(path)
    items = []
    for expected_path in sorted(EXPECTED.glob("*.json")):
        expected = json.loads(expected_path.read_text(encoding="utf-8"))
        source = resolve(expected.get("file", ""), expected_path.stem, files, by_name)
        if source is None:
            print(f"  (attendu sans fichier : {expected_path.name})", file=sys.stderr)
            continue
        folder = source.relative_to(EINVOICES).parts[0]
        items.append((source.name, folder, expected, source))
    return items


def resolve(
    named: str, stem: str, files: list[Path], by_name: dict[str, list[Path]]
) -> Path | None:
    """The e-invoice an expected file names: a path under shared/data or einvoice/, else a name."""
    for base in (DATA, EINVOICES):
        if named and (base / named).is_file():
            return base / named
    candidates = by_name.get(Path(named).name, []) if named else []
    candidates = candidates or [p for p in files if p.stem == stem]
    return candidates[0] if len(candidates) == 1 else None


def run_einvoices() -> dict[str, Any]:
    reader = "einvoice.read_einvoice_xml / read_facturx_pdf"
    try:
        items = einvoice_items()
        read_xml = load("tenue.extraction.einvoice", "read_einvoice_xml")
        read_pdf = load("tenue.extraction.einvoice", "read_facturx_pdf")
    except Unavailable as exc:
        return unavailable("e-invoices", reader, str(exc))
    work = [
        (
            name,
            folder,
            expected,
            functools.partial(
                read_file, read_xml if path.suffix.lower() == ".xml" else read_pdf, path
            ),
        )
        for name, folder, expected, path in items
    ]
    return summary("e-invoices", reader, read_all(work), target=Decimal(1))


def truths(paths: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def run_text_pdfs(corpus: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    reader = "read.read_pdf_text"
    if not corpus:
        return unavailable("text PDFs", reader, "aucun PDF demandé (--count 0)")
    try:
        read_pdf_text = load("tenue.extraction.read", "read_pdf_text")
    except Unavailable as exc:
        return unavailable("text PDFs", reader, str(exc))
    work = [
        (
            truth["file"],
            truth["layout"],
            truth,
            functools.partial(read_file, read_pdf_text, path.with_name(truth["file"])),
        )
        for path, truth in corpus
    ]
    return summary("text PDFs", reader, read_all(work), target=Decimal("0.97"))


def run_ocr(corpus: list[tuple[Path, dict[str, Any]]]) -> dict[str, Any]:
    reader = "read.read_image"
    if not corpus:
        return unavailable("OCR images", reader, "aucune image demandée (--ocr-count 0)")
    try:
        read_image = load("tenue.extraction.read", "read_image")
    except Unavailable as exc:
        return unavailable("OCR images", reader, str(exc))
    tesseract = shutil.which("tesseract")
    work = [
        (
            path.with_suffix(".png").name,
            truth["layout"],
            truth,
            functools.partial(read_file, read_image, path.with_suffix(".png")),
        )
        for path, truth in corpus
    ]
    results = read_all(work)
    report = summary(
        "OCR images", reader, results, target=Decimal("0.90"), target_fields=OCR_FIELDS
    )
    if tesseract is None:
        report["tesseract_cli"] = {"message": "tesseract introuvable : pas de comparaison"}
        return report
    # the plain command as it comes (Tesseract's default threads), and with the one thread
    # tenue gives it: the first is the target's baseline, the second shows tenue's own cost
    plain: list[float] = []
    single: list[float] = []
    one_thread = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    for path, _ in corpus:
        for times, env in ((plain, None), (single, one_thread)):
            started = time.perf_counter()
            subprocess.run(
                [tesseract, str(path.with_suffix(".png")), "stdout", "-l", "fra"],
                capture_output=True,
                check=False,
                env=env,
            )
            times.append(time.perf_counter() - started)
    ours = [r.seconds for r in results]
    report["tesseract_cli"] = {
        "median_ms": round(statistics.median(plain) * 1000, 1),
        "p90_ms": round(percentile(plain, 0.9) * 1000, 1),
        "ratio_total": round(sum(ours) / sum(plain), 3),
        "ratio_median": round(
            statistics.median(o / p for o, p in zip(ours, plain, strict=True)), 3
        ),
        "single_thread_median_ms": round(statistics.median(single) * 1000, 1),
        "ratio_single_thread": round(sum(ours) / sum(single), 3),
        "target": 1.2,
    }
    return report


def real_items() -> list[tuple[str, str, dict[str, Any], Path]]:
    items = []
    for pdf in sorted(REAL_PDFS.glob("*.pdf")):
        label_path = pdf.with_suffix(".json")
        if not label_path.is_file():
            continue
        labels = json.loads(label_path.read_text(encoding="utf-8"), parse_float=Decimal)
        labels = labels[0] if isinstance(labels, list) else labels
        truth: dict[str, Any] = {}
        for key, target in REAL_MAPPING.items():
            if labels.get(key) in (None, ""):
                continue
            value = labels[key]
            if target == "total_ttc":
                value = str(Decimal(str(value)).quantize(Decimal("0.01")))
            if "." in target:
                group, sub = target.split(".")
                truth.setdefault(group, {})[sub] = str(value)
            else:
                truth[target] = str(value)
        items.append((pdf.name, "invoice2data", truth, pdf))
    return items


def run_real() -> dict[str, Any]:
    reader = "read.read_pdf_text"
    try:
        read_pdf_text = load("tenue.extraction.read", "read_pdf_text")
    except Unavailable as exc:
        return unavailable("real PDFs (invoice2data)", reader, str(exc))
    work = [
        (name, group, truth, functools.partial(read_file, read_pdf_text, path))
        for name, group, truth, path in real_items()
    ]
    return summary("real PDFs (invoice2data)", reader, read_all(work), target=None)


# --- output --------------------------------------------------------------------------------------


# The fields the OCR target names: totals, date, number, supplier.
OCR_AIMED = ("total_ht", "total_vat", "total_ttc", "issue_date", "number", "seller")


def percent(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + "\u00a0%"


def print_report(report: dict[str, Any], *, misses: int) -> None:
    title = f"{report['corpus']} — {report['reader']}"
    print(f"\n== {title}")
    if not report["available"]:
        print(f"   {report['message']}")
        return
    print(f"   {report['documents']} documents")
    print(f"   {'champ':<22} {'justes':>10} {'taux':>9}  cible")
    for name, figures in report["fields"].items():
        goal = figures["target"]
        mark = ""
        if goal is not None:
            mark = f"≥ {percent(goal)}" + ("" if figures["share"] >= goal else "  ✗")
        right = f"{figures['right']}/{figures['total']}"
        print(f"   {name:<22} {right:>10} {percent(figures['share']):>9}  {mark}")
    every = [f for name, f in report["fields"].items() if name != "seller"]  # seller: composite
    right, total = sum(f["right"] for f in every), sum(f["total"] for f in every)
    print(
        f"   tous les champs (hors « seller », composé) : {right}/{total} = "
        f"{percent(right / total if total else 0.0)}"
    )
    aimed = [report["fields"][n] for n in OCR_AIMED if n in report["fields"]]
    right, total = sum(f["right"] for f in aimed), sum(f["total"] for f in aimed)
    print(
        f"   totaux, date, numéro, fournisseur ensemble : {right}/{total} = "
        f"{percent(right / total if total else 0.0)}"
    )
    booking = report["booking"]
    share = booking["right"] / booking["total"] if booking["total"] else 0.0
    print(
        f"   champs de comptabilisation tous justes (numéro, date, fournisseur, HT, TVA, TTC) : "
        f"{booking['right']}/{booking['total']} = {percent(share)}"
    )
    if len(booking["by_group"]) > 1:
        print(
            "     par groupe : "
            + ", ".join(f"{g} {r}/{t}" for g, (r, t) in booking["by_group"].items())
        )
    timing = report["timing"]
    print(f"   temps par document : médiane {timing['median_ms']} ms, p90 {timing['p90_ms']} ms")
    cli = report.get("tesseract_cli")
    if cli and "ratio_total" in cli:
        ok = "" if cli["ratio_total"] <= cli["target"] else "  ✗"
        print(
            f"   tesseract IMAGE stdout -l fra : médiane {cli['median_ms']} ms, "
            f"p90 {cli['p90_ms']} ms → rapport OCR / CLI {cli['ratio_total']:.2f}× "
            f"(médiane par page {cli['ratio_median']:.2f}×), cible ≤ 1,2×{ok}"
        )
        print(
            f"   la même commande sur un fil (OMP_THREAD_LIMIT=1, comme tenue) : médiane "
            f"{cli['single_thread_median_ms']} ms → rapport {cli['ratio_single_thread']:.2f}×"
        )
    elif cli:
        print(f"   {cli['message']}")
    if report["errors"]:
        print(f"   {len(report['errors'])} erreur(s) du lecteur, dont :")
        for name, error in report["errors"][:5]:
            print(f"     {name} : {error[:160]}")
    for name, field_name, expected, found in report["misses"][:misses]:
        print(f"     ✗ {name} {field_name} : attendu {expected!s:.60} — lu {found!s:.60}")


def write_scans(corpus: list[tuple[Path, dict[str, Any]]]) -> None:
    """The scan PNG of each document, one process per processor (each takes 1–2 s)."""
    jobs = [(p.with_name(t["file"]), p.with_suffix(".png"), t["scan"]) for p, t in corpus]
    workers = min(os.cpu_count() or 1, len(jobs))
    if workers < 2:
        for job in jobs:
            invoice_corpus.write_scan(*job)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(invoice_corpus.write_scan, *zip(*jobs, strict=True)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="generated text PDFs")
    parser.add_argument("--ocr-count", type=int, default=40, help="generated scans to OCR")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, help="keep the generated corpus in this folder")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--misses", type=int, default=10, help="wrong fields shown per corpus")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="tenue-extraction-"))
    reports = [run_einvoices()]
    try:
        started = time.perf_counter()
        count = max(args.count, args.ocr_count)
        corpus = truths(invoice_corpus.generate(out, count=count, seed=args.seed, scans=False))
        write_scans(corpus[: args.ocr_count])
        generated = time.perf_counter() - started
        if not args.json:
            print(
                f"corpus généré : {count} PDF, {args.ocr_count} scans dans {out} "
                f"({generated:.0f} s)"
            )
        reports.append(run_text_pdfs(corpus[: args.count]))
        reports.append(run_ocr(corpus[: args.ocr_count]))
        reports.append(run_real())
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    if args.json:
        json.dump({"seed": args.seed, "corpora": reports}, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        for report in reports:
            print_report(report, misses=args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
