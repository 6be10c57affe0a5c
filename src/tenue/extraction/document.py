"""One entry point: the bytes of a stored document, read by the best reader for them.

Order (ARCHITECTURE.md): an e-invoice's XML is exact, so it comes first (bare CII/UBL, or the XML
embedded in a Factur-X/ZUGFeRD PDF); an ordinary PDF is read from its text layer; a scanned PDF or
an image goes to OCR. A file no reader takes (a spreadsheet, a Word file) is refused with a reason.
"""

from __future__ import annotations

from tenue.core.invoices import Reading
from tenue.core.problems import Problem, Refused

READABLE = ("pdf", "xml", "png", "jpeg")


def read_document(data: bytes, kind: str) -> Reading:
    """Read a document whose type (`documents.filetypes`) is `kind`."""
    from tenue.extraction import einvoice

    if kind == "xml":
        return einvoice.read_einvoice_xml(data)
    if kind == "pdf":
        found = einvoice.read_facturx_pdf(data)
        if found is not None:
            return found
        from tenue.extraction import read, text

        if text.has_text_layer(data):
            return read.read_pdf_text(data)
        return read.read_scanned_pdf(data)
    if kind in ("png", "jpeg"):
        from tenue.extraction import read

        return read.read_image(data)
    raise Refused(
        [Problem(f"un fichier {kind.upper()} ne se lit pas comme une pièce comptable", "kind")]
    )
