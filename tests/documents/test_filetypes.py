import io
import zipfile

from openpyxl import Workbook

from tenue.documents.filetypes import detect
from tests.conftest import SHARED_DATA

EINVOICE = SHARED_DATA / "einvoice"


def test_real_files_are_recognised_by_their_content():
    pdf = next(EINVOICE.rglob("*.pdf"))
    assert detect(pdf.read_bytes()) == "pdf"
    xml = next(EINVOICE.rglob("*.xml"))
    assert detect(xml.read_bytes()) == "xml"
    png = next(SHARED_DATA.rglob("*.png"))
    assert detect(png.read_bytes()) == "png"


def test_office_and_text_files():
    book = io.BytesIO()
    Workbook().save(book)
    assert detect(book.getvalue()) == "xlsx"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert detect(docx.getvalue()) == "docx"
    assert detect(b"Date;Montant\n01/02/2025;12,50\n") == "csv"
    assert detect("Bonjour,\nvoici la facture.\n".encode("cp1252")) == "txt"
    assert detect(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == "jpeg"


def test_unknown_or_disguised_content_is_refused():
    assert detect(b"MZ\x90\x00\x03\x00\x00\x00") is None  # a Windows executable
    assert detect(b"PK\x03\x04garbage") is None  # a zip that is no Office file
    assert detect(bytes(range(256)) * 4) is None
