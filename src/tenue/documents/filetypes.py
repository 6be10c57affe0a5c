"""What a file is, from its content, never from its name.

`detect(data)` looks at the first bytes (and, for ZIP and OLE2 containers, at what they hold):
PDF, PNG, JPEG, the Office formats (xlsx/docx in ZIP, xls/doc in OLE2), XML (e-invoices: CII,
UBL), then plain text, told apart as CSV when its first lines split alike on `;`, `,` or tab.
Anything else is `None`: not accepted.
"""

from __future__ import annotations

import io
import zipfile

ACCEPTED = ("pdf", "png", "jpeg", "xls", "xlsx", "doc", "docx", "txt", "csv", "xml")
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "csv": "text/csv",
    "xml": "application/xml",
}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect(data: bytes) -> str | None:
    """The kind of a file (one of ACCEPTED), or None."""
    head = data[:16]
    if data[:1024].lstrip().startswith(b"%PDF-") or head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_zip(data)
    if head.startswith(_OLE2):
        return _ole2(data)
    text = _as_text(data)
    if text is None:
        return None
    stripped = text.lstrip("\ufeff \r\n\t")
    if stripped.startswith("<?xml") or stripped.startswith("<"):
        return "xml"
    return "csv" if _looks_tabular(stripped) else "txt"


def _office_zip(data: bytes) -> str | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _ole2(data: bytes) -> str | None:
    # The stream names are stored in UTF-16 in the directory sectors.
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    return None


def _as_text(data: bytes) -> str | None:
    sample = data[:65536]
    if b"\x00" in sample:
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            return sample.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(sample) - 3:
                return sample[: exc.start].decode("utf-8")  # a character cut by the sample
    return None


def _looks_tabular(text: str) -> bool:
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) < 2:
        return False
    for separator in (";", "\t", ","):
        counts = {line.count(separator) for line in lines}
        if len(counts) == 1 and counts.pop() > 0:
            return True
    return False
