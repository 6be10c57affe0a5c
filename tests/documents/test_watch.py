import pytest

from tenue.core.problems import Refused
from tenue.documents.models import Document, Status
from tenue.documents.services import document_ingest, document_recategorize
from tenue.documents.watch import Watcher
from tests.documents.test_services import PDF


def test_watch_sends_new_files_once_they_stop_growing(company, tmp_path):
    root = tmp_path / "ged"
    (root / "achat" / "2025" / "janvier").mkdir(parents=True)
    (root / "vente").mkdir()
    (root / "achat" / "ancienne.pdf").write_bytes(PDF.read_bytes())
    watcher = Watcher(root=root, company=company)
    watcher.start()
    (root / "achat" / "2025" / "janvier" / "nouvelle.pdf").write_bytes(PDF.read_bytes() + b"%1")
    (root / "vente" / "f.pdf").write_bytes(PDF.read_bytes() + b"%2")
    (root / "a-la-racine.pdf").write_bytes(PDF.read_bytes() + b"%3")
    assert watcher.scan() == []  # first sight: not yet known to be complete
    said = watcher.scan()
    assert len(said) == 3 and any("ignoré" in s and "a-la-racine" in s for s in said)
    documents = dict(Document.objects.values_list("original_name", "category"))
    assert documents == {"nouvelle.pdf": "purchase", "f.pdf": "sale"}  # not the old one
    assert set(Document.objects.values_list("channel", flat=True)) == {"connector"}
    assert watcher.scan() == []  # nothing sent twice


def test_recategorize_in_one_action(company):
    document = document_ingest(
        company=company, name="f.pdf", data=PDF.read_bytes(), category="purchase", channel="upload"
    ).document
    document.status = Status.TO_REVIEW
    document.save()
    document_recategorize(document=document, category="sale")
    document.refresh_from_db()
    assert (document.category, document.status) == ("sale", Status.RECEIVED)
    document.status = Status.BOOKED
    document.save()
    with pytest.raises(Refused, match="contre-passez"):
        document_recategorize(document=document, category="admin")


def _three_pages() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for width in (200, 300, 400):  # three different pages
        writer.add_blank_page(width=width, height=500)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_split_a_scan_by_page_and_by_ranges(company):
    import io

    from pypdf import PdfReader

    from tenue.documents.services import document_split

    original = _three_pages()
    scan = document_ingest(
        company=company,
        name="scan.pdf",
        data=original,
        category="expense_report",
        channel="email",
    ).document
    with pytest.raises(Refused, match="hors du document"):
        document_split(document=scan, ranges=[(1, 2), (3, 4)])
    parts = document_split(document=scan, ranges=[(1, 2), (3, 3)])
    assert [p.original_name for p in parts] == ["scan-p1-2.pdf", "scan-p3.pdf"]
    assert [len(PdfReader(io.BytesIO(p.file.open("rb").read())).pages) for p in parts] == [2, 1]
    assert {(p.category, p.channel, p.split_from_id) for p in parts} == {
        ("expense_report", "email", scan.pk)
    }
    scan.refresh_from_db()
    assert scan.status == Status.SPLIT and scan.file.open("rb").read() == original
    with pytest.raises(Refused, match="déjà découpée"):
        document_split(document=scan)
