"""OCR by Tesseract: a French invoice drawn with Pillow, turned and tilted, read back.

Each Tesseract run costs about a second on a small machine: two tests run it (and count that a
turned page is read in one pass), the others check the straightening and the error paths
without it.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from tenue.core.invoices import Method
from tenue.core.problems import Refused
from tenue.extraction import ocr
from tenue.extraction.fields import find_fields
from tenue.extraction.read import read_image, read_scanned_pdf
from tenue.extraction.text import Word

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


def counted_tesseract(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every image given to Tesseract, in order."""
    sizes: list[tuple[int, int]] = []
    real = ocr._tesseract

    def counting(gray: Image.Image, *, page: int, dpi: int) -> tuple[list[Word], float]:
        sizes.append(gray.size)
        return real(gray, page=page, dpi=dpi)

    monkeypatch.setattr(ocr, "_tesseract", counting)
    return sizes


def test_a_page_turned_a_quarter_clockwise_and_tilted_is_read_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turned = invoice_page().rotate(
        -88, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC
    )
    sizes = counted_tesseract(monkeypatch)
    lines = ocr.ocr_image(png(turned))
    assert sizes == [(turned.height, turned.width)]  # one pass, the canvas turned, not enlarged
    reading = find_fields(lines, method=Method.OCR)
    assert reading.field("total_ttc") is not None
    assert reading.invoice.total_ttc is not None and str(reading.invoice.total_ttc) == "1764.60"
    assert reading.invoice.number == "FA-2026-0142"
    assert reading.invoice.issue_date is not None
    assert reading.invoice.issue_date.isoformat() == "2026-03-12"
    assert reading.invoice.seller.siret == "73282932000074"
    words = [w for line in lines for w in line.words]
    assert words and all(0 <= w.confidence <= 1 for w in words)


def test_a_scanned_pdf_upside_down_is_read_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    invoice_page().rotate(180).save(buffer, format="PDF", resolution=300)
    sizes = counted_tesseract(monkeypatch)
    reading = read_scanned_pdf(buffer.getvalue())
    assert len(sizes) == 1
    assert reading.pages == 1
    assert reading.invoice.total_ttc is not None and str(reading.invoice.total_ttc) == "1764.60"
    ttc = reading.field("total_ttc")
    assert ttc is not None and ttc.confidence > 0.8
    assert ttc.where.startswith("page 1, ligne")


@pytest.mark.parametrize("angle", [2.0, -1.5])
def test_a_small_tilt_is_measured(angle: float) -> None:
    tilted = invoice_page().rotate(angle, fillcolor=255, resample=Image.Resampling.BICUBIC)
    found = ocr.estimate_straightening(tilted)
    assert found.quarter_turns == 0
    assert found.skew_degrees == pytest.approx(-angle, abs=0.3)


def test_a_straight_page_is_left_alone_and_every_turn_is_seen() -> None:
    page = invoice_page()
    assert ocr.estimate_straightening(page) == ocr.Straightening(0, 0.0)
    # Pillow turns counter-clockwise: a page turned 90° is put back by three more quarter turns.
    for angle, turns_back in ((90, 3), (180, 2), (270, 1)):
        found = ocr.estimate_straightening(page.rotate(angle, expand=True))
        assert found == ocr.Straightening(turns_back, 0.0), angle


def test_straightening_keeps_the_canvas_and_fills_corners_with_the_paper() -> None:
    grey_paper = Image.eval(invoice_page(), lambda value: 60 + value * 150 // 255)
    straightened = ocr.apply(grey_paper, ocr.Straightening(0, 3.0))
    assert straightened.size == grey_paper.size
    assert straightened.getpixel((0, 0)) == straightened.getpixel((grey_paper.width - 1, 0)) == 210
    turned = ocr.apply(grey_paper, ocr.Straightening(1, 0.0))
    assert turned.size == (grey_paper.height, grey_paper.width)


def test_a_tilt_below_the_deskew_threshold_is_left_alone() -> None:
    page = invoice_page()
    small = ocr.Straightening(0, ocr.DESKEW_MIN_DEGREES / 2)
    assert ocr.apply(page, small) is page


def test_tesseract_missing_is_refused_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "TESSERACT", "/nonexistent/tesseract")
    with pytest.raises(Refused, match="Tesseract n'est pas installé"):
        read_image(png(invoice_page(400, 300)))


def test_tesseract_runs_on_the_threads_the_setting_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, str]] = []
    real_run = ocr.subprocess.run

    def run(command, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["env"])
        return real_run(command, **kwargs)

    monkeypatch.setattr(ocr.subprocess, "run", run)
    monkeypatch.setattr(ocr, "THREADS", "2")
    read_image(png(invoice_page(400, 300)))
    assert seen and all(env["OMP_THREAD_LIMIT"] == "2" for env in seen)
    assert ocr.os.environ.get("OMP_THREAD_LIMIT") != "2"  # the process's own stays as it was


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
