"""The generated invoice corpus tells the truth: deterministic, arithmetic exact, identifiers
valid, the printed text agreeing with the truth file, scans really degraded.

Ten documents (one per layout) are generated once for the module, without scans; one scan is
written for the scan test.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2
import pytest
from PIL import Image
from schwifty import IBAN
from stdnum import iban
from stdnum.fr import siren, siret, tva

from tenue.core.invoices import DocumentKind, Invoice, Party, VatAmount, check_invoice

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import invoice_corpus

COUNT = len(invoice_corpus.LAYOUTS)
DATE_FORMS = ("slash", "dot", "long", "iso")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("corpus")
    paths = invoice_corpus.generate(folder, count=COUNT, scans=False)
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def as_invoice(truth: dict[str, Any]) -> Invoice:
    def amount(key: str) -> Decimal | None:
        return Decimal(truth[key]) if key in truth else None

    seller, buyer = truth["seller"], truth.get("buyer", {})
    return Invoice(
        kind=DocumentKind(truth["kind"]),
        number=truth["number"],
        currency=truth["currency"],
        seller=Party(**seller),
        buyer=Party(**buyer),
        total_ht=amount("total_ht"),
        total_vat=amount("total_vat"),
        total_ttc=amount("total_ttc"),
        prepaid=amount("prepaid"),
        amount_due=amount("amount_due"),
        vat=tuple(
            VatAmount(Decimal(v["rate"]), Decimal(v["basis"]), Decimal(v["amount"]))
            for v in truth.get("vat", [])
        ),
    )


def test_the_same_seed_gives_the_same_truth_byte_for_byte(corpus):
    for index, (path, _) in enumerate(corpus):
        _, truth = invoice_corpus.document(index, 2026)
        written = json.dumps(truth, ensure_ascii=False, indent=2) + "\n"
        assert path.read_text(encoding="utf-8") == written
    assert invoice_corpus.document(3, 2027)[1] != invoice_corpus.document(3, 2026)[1]


def test_one_document_per_layout_and_every_kind_but_the_rarest(corpus):
    truths = [t for _, t in corpus]
    assert {t["layout"] for t in truths} == set(invoice_corpus.LAYOUTS)
    assert {"invoice", "receipt", "expense_report"} <= {t["kind"] for t in truths}
    assert all(t["file"] == p.with_suffix(".pdf").name for p, t in corpus)


def test_every_truth_satisfies_the_invoice_arithmetic(corpus):
    for _, truth in corpus:
        assert check_invoice(as_invoice(truth)) == [], truth["file"]
        assert Decimal(truth["total_ttc"]) > 0


def test_identifiers_in_truths_are_valid_and_the_buyer_is_not_the_seller(corpus):
    for _, truth in corpus:
        for role in ("seller", "buyer"):
            party = truth.get(role, {})
            assert "siren" not in party or siren.is_valid(party["siren"])
            assert "siret" not in party or siret.is_valid(party["siret"])
            assert "siret" not in party or party["siret"].startswith(party["siren"])
            assert "vat_number" not in party or tva.is_valid(party["vat_number"])
        if "iban" in truth:
            assert iban.is_valid(truth["iban"]) and truth["iban"].startswith("FR76")
            assert IBAN(truth["iban"]).compact == truth["iban"]
        if "buyer" in truth:
            assert truth["buyer"]["name"] != truth["seller"]["name"]
            assert truth["buyer"].get("siren", "b") != truth["seller"].get("siren", "s")


def test_the_pdf_text_shows_the_total_number_seller_and_date_of_the_truth(corpus):
    for path, truth in corpus:
        with pdfplumber.open(path.with_suffix(".pdf")) as pdf:
            assert len(pdf.pages) == 1
            text = pdf.pages[0].extract_text()
        flat = re.sub(r"[\s\u00a0\u202f.]", "", text)  # thousands separators of every form
        assert truth["total_ttc"].replace(".", ",") in flat, truth["file"]
        assert truth["number"].replace(" ", "") in flat, truth["file"]
        assert truth["seller"]["name"].casefold() in " ".join(text.split()).casefold()
        day = dt.date.fromisoformat(truth["issue_date"])
        forms = [invoice_corpus.Forms("", "€", form, 0, "'").date(day) for form in DATE_FORMS]
        assert any(form in " ".join(text.split()) for form in forms), truth["file"]


def test_the_scan_is_turned_and_noisy_not_a_clean_render(corpus, tmp_path):
    path, truth = corpus[0]
    settings = truth["scan"]
    png = invoice_corpus.write_scan(path.with_suffix(".pdf"), tmp_path / "scan.png", settings)
    scan = np.asarray(Image.open(png).convert("L"), dtype=np.float32)
    document = pypdfium2.PdfDocument(str(path.with_suffix(".pdf")))
    clean = np.asarray(
        document[0].render(scale=settings["dpi"] / 72).to_pil().convert("L"), dtype=np.float32
    )
    document.close()
    assert 0.5 <= abs(settings["angle"]) <= 3
    assert scan.shape != clean.shape  # turned with its corners filled: the frame grows
    corner = scan[:40, :40]
    assert corner.mean() < 240 and corner.std() > 1  # grey background, with noise
    assert clean[:40, :40].std() == 0
    buffer = io.BytesIO()
    Image.open(png).save(buffer, format="PNG")
    assert buffer.tell() > 100_000  # noise does not compress
