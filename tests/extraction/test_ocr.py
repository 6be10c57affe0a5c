"""OCR by Tesseract: a French invoice drawn with Pillow, turned and tilted, read back.

Each Tesseract run costs about a second on a small machine: two tests run it, the others check
the straightening and the error paths without it.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from tenue.core.problems import Refused
from tenue.extraction import ocr
from tenue.extraction.read import read_image, read_scanned_pdf

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"

PAGE = [
    (200, 200, "Menuiserie Dubois SARL", True),
    (200, 290, "12 rue des Lilas, 69003 Lyon", False),
    (200, 350, "SIRET 732 829 320 00074", False),
    (1400, 560, "Facturé à : Boulangerie Martin", False),
    (200, 800, "FACTURE N° FA-2026-0142", True),
    (200, 900, "Date de facture : 12/03/2026", False),
    (200, 1100, "Pose de fenêtres PVC      1 470,50", False),
    (1250, 1400, "Total HT          1 470,50 €", False),
    (1250, 1470, "TVA 20 %            294,10 €", False),
    (1250, 1540, "Total TTC         1 764,60 €", False),
]


def invoice_page(width: int = 2480, height: int = 1800) -> Image.Image:
    """The top of an A4 page at 300 dpi, black text on white."""
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    regular = ImageFont.truetype(FONT, 40)
    bold = ImageFont.truetype(BOLD, 52)
    for x, y, text, strong in PAGE:
        draw.text((x, y), text, font=bold if strong else regular, fill=0)
    return image


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(300, 300))
    return buffer.getvalue()


def test_a_page_turned_a_quarter_and_tilted_is_read() -> None:
    turned = invoice_page().rotate(92, expand=True, fillcolor=255, resample=Image.BICUBIC)
    reading = read_image(png(turned))
    assert reading.field("total_ttc") is not None
    assert reading.invoice.total_ttc is not None and str(reading.invoice.total_ttc) == "1764.60"
    assert reading.invoice.number == "FA-2026-0142"
    assert reading.invoice.issue_date is not None
    assert reading.invoice.issue_date.isoformat() == "2026-03-12"
    assert reading.invoice.seller.siret == "73282932000074"
    words = [w for line in ocr.ocr_image(png(invoice_page())) for w in line.words]
    assert words and all(0 <= w.confidence <= 1 for w in words)


def test_a_scanned_pdf_upside_down_is_read() -> None:
    buffer = io.BytesIO()
    invoice_page().rotate(180).save(buffer, format="PDF", resolution=300)
    reading = read_scanned_pdf(buffer.getvalue())
    assert reading.pages == 1
    assert reading.invoice.total_ttc is not None and str(reading.invoice.total_ttc) == "1764.60"
    ttc = reading.field("total_ttc")
    assert ttc is not None and ttc.confidence > 0.8
    assert ttc.where.startswith("page 1, ligne")


@pytest.mark.parametrize("angle", [2.0, -1.5])
def test_a_small_tilt_is_measured(angle: float) -> None:
    tilted = invoice_page().rotate(angle, fillcolor=255, resample=Image.BICUBIC)
    found = ocr.estimate_straightening(tilted)
    assert found.quarter_turns == 0
    assert found.skew_degrees == pytest.approx(-angle, abs=0.3)


def test_a_straight_page_is_left_alone_and_a_quarter_turn_is_seen() -> None:
    page = invoice_page()
    assert ocr.estimate_straightening(page) == ocr.Straightening(0, 0.0)
    turned = ocr.estimate_straightening(page.rotate(90, expand=True))
    assert turned.quarter_turns in (1, 3)


def test_tesseract_missing_is_refused_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(Refused, match="Tesseract n'est pas installé"):
        read_image(png(invoice_page(400, 300)))


def test_a_broken_image_is_refused() -> None:
    with pytest.raises(Refused, match="image illisible"):
        read_image(b"\x89PNG not really")


def test_tesseract_tsv_words_keep_their_boxes_and_confidences() -> None:
    tsv = (
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
        "1\t1\t0\t0\t0\t0\t0\t0\t2480\t3508\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t300\t600\t150\t40\t91.5\tTotal\n"
        "5\t1\t1\t1\t1\t2\t470\t600\t90\t40\t45.0\tTTC\n"
    )
    words, mean = ocr._parse_tsv(tsv, dpi=300)
    assert [w.text for w in words] == ["Total", "TTC"]
    assert words[0].x0 == pytest.approx(72.0) and words[0].top == pytest.approx(144.0)
    assert words[0].confidence == pytest.approx(0.915)
    assert 0.45 < mean < 0.92
