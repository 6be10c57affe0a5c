"""Ordinary invoices read end to end: a PDF's text layer, an image, a scanned PDF.

Each function takes the document's bytes and returns one `Reading` (method `PDF_TEXT` or `OCR`);
the e-invoice readers (`extraction.einvoice`) come before these in the dossier's reading order.

Invariants: nothing here guesses silently: a PDF without a text layer is refused by
`read_pdf_text` (read it with `read_scanned_pdf`), a damaged file or a failing Tesseract is
refused with a French `Problem`; `Reading.pages` is the document's page count.
"""

from __future__ import annotations

from dataclasses import replace

from tenue.core.invoices import Method, Reading
from tenue.core.problems import Problem, Refused
from tenue.extraction.fields import find_fields
from tenue.extraction.ocr import ocr_image, ocr_pdf
from tenue.extraction.text import has_text_layer, page_count, pdf_lines


def read_pdf_text(pdf: bytes) -> Reading:
    """The fields of a PDF read from its text layer."""
    lines = pdf_lines(pdf)
    if not lines:
        raise Refused([Problem("Le PDF n'a pas de couche texte : il faut le lire par OCR")])
    return replace(find_fields(lines, method=Method.PDF_TEXT), pages=page_count(pdf))


def read_image(data: bytes) -> Reading:
    """The fields of an image (photo, scan) read by OCR."""
    return find_fields(ocr_image(data), method=Method.OCR)


def read_scanned_pdf(pdf: bytes) -> Reading:
    """The fields of a PDF whose pages are images, read by OCR."""
    return replace(find_fields(ocr_pdf(pdf), method=Method.OCR), pages=page_count(pdf))


def read_pdf(pdf: bytes) -> Reading:
    """A PDF read from its text layer when it has one, else by OCR."""
    return read_pdf_text(pdf) if has_text_layer(pdf) else read_scanned_pdf(pdf)
