"""Which bank statement format a file is in, and its reading by the right reader.

Told from the content, never from the name alone: OFX (an `OFXHEADER` or `<OFX>`), ISO 20022
camt (an XML document whose message is `BkToCstmr…`), MT940/MT942 (lines opening on SWIFT
tags such as `:20:`, `:61:`, `:86:`), CFONB 120 (records of 120 characters starting with `01`,
`04`, `05`, `07`), else CSV (or a spreadsheet) read with a column layout: the one given, else
the preset whose headers match.
A file no reader recognises is refused with a French problem naming it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tenue.core.bank import StatementFile
from tenue.core.problems import Problem, Source

if TYPE_CHECKING:
    from tenue.formats.bank_csv import CsvLayout

FORMATS = ("ofx", "camt", "mt940", "cfonb120", "csv")

_CFONB_RECORD = re.compile(rb"^(01|04|05|07)\d{5}")
_SWIFT_TAG = re.compile(rb"(?m)^(?:\{1:[^}]*\}.*)?:(?:\d\d[A-Z]?|NS):")


def detect_format(path: Path) -> str | None:
    """The format of a statement file, or None when nothing fits."""
    with path.open("rb") as fh:
        head = fh.read(1 << 14)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    upper = text[:4096].upper()
    if upper.startswith(b"OFXHEADER") or b"<OFX>" in upper:
        return "ofx"
    if text.startswith(b"<") and b"BKTOCSTMR" in upper:
        return "camt"
    if _SWIFT_TAG.search(text):
        return "mt940"
    records = [r for r in re.split(rb"\r?\n", text) if r.strip()]
    if records and all(_CFONB_RECORD.match(r) for r in records[:20]):
        return "cfonb120"
    if len(text) >= 240 and b"\n" not in text[:240] and _CFONB_RECORD.match(text):
        return "cfonb120"  # records glued without line breaks
    if path.suffix.lower() in (".csv", ".txt", ".xlsx", ".tsv"):
        return "csv"
    return None


def read_statement(
    path: Path,
    *,
    name: str | None = None,
    layout: CsvLayout | None = None,
) -> StatementFile:
    """The statements of a file, whatever its format (see the module docstring). Each reader is
    loaded when a file needs it: some of their libraries are slow to import."""
    name = name or path.name
    kind = "csv" if layout is not None else detect_format(path)
    if kind == "ofx":
        from tenue.formats import ofx

        return ofx.read_ofx(path, name=name)
    if kind == "camt":
        from tenue.formats import camt

        return camt.read_camt(path, name=name)
    if kind == "mt940":
        from tenue.formats import mt940

        return mt940.read_mt940(path, name=name)
    if kind == "cfonb120":
        from tenue.formats import cfonb120

        return cfonb120.read_cfonb120(path, name=name)
    if kind == "csv":
        from tenue.formats import bank_csv

        chosen = layout or bank_csv.detect_layout(path)
        if chosen is not None:
            return bank_csv.read_bank_csv(path, layout=chosen, name=name)
        return StatementFile(
            name,
            "csv",
            problems=[
                Problem(
                    "colonnes non reconnues : choisissez la banque d'origine ou décrivez les "
                    "colonnes (date, libellé, montant ou débit/crédit)",
                    None,
                    Source(name, 1),
                )
            ],
        )
    return StatementFile(
        name,
        "inconnu",
        problems=[
            Problem(
                "format de relevé non reconnu (OFX, camt.053, MT940, CFONB 120 ou CSV attendus)",
                None,
                Source(name),
            )
        ],
    )
