"""A synthetic, valid, deterministic FEC of any size, for tests and benchmarks.

The file is a twelve-month year of purchases (expense + VAT / supplier), sales (customer /
revenue + VAT) and their payments through the bank, numbered continuously and chronologically
per journal, every entry validated, payments lettered with their invoices (code and date), and,
on request, expense lines split across two analytic axes. Lines are written as they are made:
a file of millions of lines takes no memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from tenue.core.entries import Analytic
from tenue.formats.fec import FecLine, fec_file_name, write_fec

EXPENSES = (
    ("606400", "Fournitures administratives"),
    ("606100", "Fournitures non stockables"),
    ("626000", "Frais postaux et télécommunications"),
    ("613200", "Locations immobilières"),
    ("625100", "Voyages et déplacements"),
    ("607000", "Achats de marchandises"),
)
REVENUES = (("706000", "Prestations de services"), ("707000", "Ventes de marchandises"))
ACTIVITIES = ("Conseil", "Formation", "Édition")
SITES = ("Paris", "Lyon")


@dataclass(frozen=True)
class Generated:
    path: Path
    lines: int
    entries: int
    total: Decimal


def _code(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def generate_fec(
    folder: Path | str,
    *,
    lines: int,
    siren: str = "732829320",
    year_end: date = date(2024, 12, 31),
    seed: int = 2024,
    analytics: bool = False,
    encoding: str = "utf-8",
) -> Generated:
    """Write `<siren>FEC<year_end>.txt` with about `lines` lines (whole entries)."""
    rng = random.Random(seed)
    start = year_end.replace(year=year_end.year - 1) + timedelta(days=1)
    days = (year_end - start).days + 1
    path = Path(folder) / fec_file_name(siren, year_end)
    path.parent.mkdir(parents=True, exist_ok=True)
    numbers = {"AC": 0, "VE": 0, "BQ": 0}
    counts = {"lines": 0, "entries": 0}
    total = [Decimal(0)]
    letter_seq: dict[str, int] = {}

    def entry(
        journal: str,
        label: str,
        day: date,
        piece: str,
        items: list[tuple[str, str, str, str, Decimal, Decimal, str, tuple[Analytic, ...]]],
        valid: date,
        letter: tuple[str, date] | None = None,
    ) -> list[FecLine]:
        numbers[journal] += 1
        journal_lib = {"AC": "Achats", "VE": "Ventes", "BQ": "Banque"}[journal]
        out = []
        for account, account_lib, aux, aux_lib, debit, credit, text, shares in items:
            code, code_date = letter if (letter and aux) else ("", None)
            out.append(
                FecLine(
                    journal,
                    journal_lib,
                    str(numbers[journal]),
                    day,
                    account,
                    account_lib,
                    aux,
                    aux_lib,
                    piece,
                    day,
                    text,
                    debit,
                    credit,
                    code,
                    code_date,
                    valid,
                    None,
                    "",
                    shares,
                )
            )
            total[0] += debit
        counts["entries"] += 1
        counts["lines"] += len(out)
        return out

    Payment = tuple[date, list[Any], tuple[str, date], str, str]

    def make() -> Iterator[FecLine]:
        """The year's lines, day after day (so numbers follow dates in every journal)."""
        # a day brings per_day purchases and sales (3 lines each) and about as many payments
        # (2 lines) of earlier purchases: about 8 lines per unit
        per_day = max(1, -(-lines // (8 * days)))
        pending_payments: list[Payment] = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            valid = min(day + timedelta(days=15), year_end + timedelta(days=60))
            todays: list[FecLine] = []
            for _ in range(per_day):
                supplier = rng.randrange(1, 400)
                aux, name = f"F{supplier:05d}", f"Fournisseur {supplier}"
                account, label = rng.choice(EXPENSES)
                base = Decimal(rng.randint(500, 500_000)) / 100
                vat = (base * Decimal("0.20")).quantize(Decimal("0.01"))
                piece = f"FA{counts['entries']:07d}"
                seq = letter_seq[aux] = letter_seq.get(aux, 0) + 1
                paid = day + timedelta(days=rng.choice((10, 20, 30)))
                letter = (_code(seq), paid) if paid <= year_end else None
                shares: tuple[Analytic, ...] = ()
                if analytics:
                    shares = (
                        Analytic("Activité", rng.choice(ACTIVITIES), base),
                        Analytic("Site", rng.choice(SITES), base),
                    )
                todays += entry(
                    "AC",
                    f"Facture {name}",
                    day,
                    piece,
                    [
                        (account, label, "", "", base, Decimal(0), f"{name} {piece}", shares),
                        ("445660", "TVA déductible", "", "", vat, Decimal(0), f"TVA {piece}", ()),
                        ("401000", "Fournisseurs", aux, name, Decimal(0), base + vat, piece, ()),
                    ],
                    valid,
                    letter,
                )
                if letter:
                    pending_payments.append(
                        (
                            paid,
                            [
                                (
                                    "401000",
                                    "Fournisseurs",
                                    aux,
                                    name,
                                    base + vat,
                                    Decimal(0),
                                    piece,
                                    (),
                                ),
                                ("512000", "Banque", "", "", Decimal(0), base + vat, piece, ()),
                            ],
                            letter,
                            f"Règlement {name}",
                            piece,
                        )
                    )
                customer = rng.randrange(1, 300)
                caux, cname = f"C{customer:05d}", f"Client {customer}"
                raccount, rlabel = rng.choice(REVENUES)
                rbase = Decimal(rng.randint(1000, 900_000)) / 100
                rvat = (rbase * Decimal("0.20")).quantize(Decimal("0.01"))
                rpiece = f"VT{counts['entries']:07d}"
                todays += entry(
                    "VE",
                    f"Facture {cname}",
                    day,
                    rpiece,
                    [
                        ("411000", "Clients", caux, cname, rbase + rvat, Decimal(0), rpiece, ()),
                        (raccount, rlabel, "", "", Decimal(0), rbase, rpiece, ()),
                        ("445710", "TVA collectée", "", "", Decimal(0), rvat, rpiece, ()),
                    ],
                    valid,
                )
            due = [p for p in pending_payments if p[0] == day]
            pending_payments = [p for p in pending_payments if p[0] != day]
            for _, items, letter, text, piece in due:
                todays += entry("BQ", text, day, piece, items, valid, letter)
            yield from todays
            if counts["lines"] >= lines:
                break

    with path.open("w", encoding=encoding, newline="") as out:
        write_fec(make(), out, analytic_axes=2 if analytics else 0)
    return Generated(path, counts["lines"], counts["entries"], total[0])
