"""PDF text layers as positioned lines (pdfplumber), and lines grouped from word boxes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tenue.core.problems import Refused
from tenue.extraction.text import Word, group_lines, has_text_layer, pdf_lines
from tests.conftest import SHARED_DATA

COMPARE = SHARED_DATA / "invoice_pdf" / "invoice2data" / "compare"


def test_a_real_pdf_gives_its_lines_in_reading_order() -> None:
    lines = pdf_lines((COMPARE / "AzureInterior.pdf").read_bytes())
    texts = [line.text for line in lines]
    assert "Invoice INV/2023/03/0008" in texts
    assert any(text.startswith("Total $ 279.84") for text in texts)
    assert all(line.page == 1 for line in lines)
    assert all(line.x0 < line.x1 and line.top < line.bottom for line in lines)
    tops = [line.top for line in lines]
    assert tops == sorted(tops)
    first = lines[0]
    assert first.text == " ".join(word.text for word in first.words)
    assert [w.x0 for w in first.words] == sorted(w.x0 for w in first.words)


def test_every_page_of_a_multi_page_pdf_is_read() -> None:
    lines = pdf_lines((COMPARE / "QualityHosting.pdf").read_bytes())
    assert {line.page for line in lines} == {1, 2}
    assert any("Rechnungsnr. 30064443" in line.text for line in lines if line.page == 1)


def test_a_scan_has_no_text_layer_and_a_text_pdf_has_one() -> None:
    assert has_text_layer((COMPARE / "saeco.pdf").read_bytes())
    buffer = io.BytesIO()
    Image.new("L", (600, 800), 255).save(buffer, format="PDF", resolution=72)
    assert not has_text_layer(buffer.getvalue())
    assert pdf_lines(buffer.getvalue()) == []


def test_a_damaged_pdf_is_refused_in_french() -> None:
    with pytest.raises(Refused, match="PDF illisible"):
        pdf_lines(b"%PDF-1.4 this is not a pdf")
    with pytest.raises(Refused, match="PDF illisible"):
        has_text_layer(b"not a pdf at all")


def test_words_are_grouped_into_lines_across_columns_and_small_offsets() -> None:
    words = [
        Word("1 764,60 €", 400, 101, 460, 111),  # right column, baseline 1 pt lower
        Word("Total", 50, 100, 80, 110),
        Word("TTC", 84, 100, 104, 110),
        Word("Date", 50, 130, 75, 140, confidence=0.5),
    ]
    lines = group_lines(1, words)
    assert [line.text for line in lines] == ["Total TTC 1 764,60 €", "Date"]
    assert lines[0].x0 == 50 and lines[0].x1 == 460
    assert lines[1].confidence == 0.5


def test_letter_spaced_titles_are_read_as_words() -> None:
    letters = []
    x = 100.0
    for char in "NOTE DE FRAIS":
        if char == " ":
            x += 9
            continue
        letters.append(Word(char, x, 50, x + 7, 62))
        x += 10
    assert [line.text for line in group_lines(1, letters)] == ["NOTE DE FRAIS"]
