"""Writes on documents: ingest (every channel goes through it), tag, delete (soft) and restore.

`document_ingest` refuses, with a reason the sender sees: an empty file, a file over the size
limit (TENUE_DOCUMENT_MAX_BYTES, 25 MB by default), a type not accepted (detected from the
content). A file already in the dossier is not stored again: the arrival is recorded as a
duplicate of the first. The file is written to storage before its row, inside the transaction,
so that a row never points to a missing file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from tenue.core.problems import Problem, Refused
from tenue.documents import filetypes
from tenue.documents.models import Category, Channel, Document, Status
from tenue.firms import audit
from tenue.firms.models import Company
from tenue.firms.permissions import Action, require
from tenue.tasks import submit


@dataclass(frozen=True)
class Ingested:
    document: Document
    duplicate: bool


def max_bytes() -> int:
    return int(getattr(settings, "TENUE_DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))


def document_ingest(
    *,
    company: Company,
    name: str,
    data: bytes,
    category: str,
    channel: str,
    sender: str = "",
    tags: list[str] | None = None,
    comment: str = "",
    by: Any = None,
) -> Ingested:
    """Store one file as a document of the dossier (see the module docstring)."""
    require(by, Action.VIEW, company)  # the company's own users drop documents too
    problems = []
    if category not in Category.values:
        problems.append(Problem(f"catégorie inconnue « {category} »", "category"))
    if channel not in Channel.values:
        problems.append(Problem(f"canal inconnu « {channel} »", "channel"))
    if not data:
        problems.append(Problem(f"{name} : fichier vide", "file"))
    elif len(data) > max_bytes():
        problems.append(
            Problem(
                f"{name} : {len(data) / 1e6:.1f} Mo, au-delà de la limite de "
                f"{max_bytes() / 1e6:.0f} Mo",
                "file",
            )
        )
    kind = filetypes.detect(data) if data else None
    if data and kind is None:
        problems.append(
            Problem(
                f"{name} : type de fichier non accepté (acceptés : PDF, PNG, JPEG, XLS, XLSX, DOC, "
                "DOCX, TXT, CSV, XML)",
                "file",
            )
        )
    if not problems and kind == "pdf" and not _pdf_readable(data):
        problems.append(Problem(f"{name} : PDF illisible (fichier endommagé ?)", "file"))
    if problems:
        raise Refused(problems)
    assert kind is not None
    digest = hashlib.sha256(data).hexdigest()
    user = by if getattr(by, "is_authenticated", False) else None
    fields = {
        "company": company,
        "sha256": digest,
        "original_name": name[:255],
        "size": len(data),
        "kind": kind,
        "category": category,
        "channel": channel,
        "sender": sender[:255],
        "tags": list(tags or []),
        "comment": comment,
        "created_by": user,
    }
    with transaction.atomic():
        original = Document.objects.filter(
            company=company, sha256=digest, duplicate_of__isnull=True
        ).first()
        if original is not None:
            document = Document.objects.create(
                file=original.file.name, status=Status.DUPLICATE, duplicate_of=original, **fields
            )
            audit.record(
                by=by,
                action="document_duplicate",
                company=company,
                obj=document,
                original=original.pk,
            )
            return Ingested(document, True)
        path = f"{company.slug}/{digest[:2]}/{digest}.{kind}"
        if not default_storage.exists(path):
            path = default_storage.save(path, ContentFile(data))
        try:
            with transaction.atomic():
                document = Document.objects.create(file=path, **fields)
        except IntegrityError:  # the same file arrived at the same moment by another channel
            original = Document.objects.get(
                company=company, sha256=digest, duplicate_of__isnull=True
            )
            document = Document.objects.create(
                file=original.file.name, status=Status.DUPLICATE, duplicate_of=original, **fields
            )
            return Ingested(document, True)
        audit.record(
            by=by,
            action="document_ingest",
            company=company,
            obj=document,
            name=name,
            channel=channel,
        )
        if settings.TENUE_READ_ON_ARRIVAL:
            _read_after_commit(document, user)
    return Ingested(document, False)


def _read_after_commit(document: Document, user: Any, *, again: bool = False) -> None:
    """Reading (booking's `read_documents` task) starts once the document is safely stored;
    `again` reads a document already read (its proposal, never posted, is replaced)."""
    ids, user_id, owner = [document.pk], getattr(user, "pk", None), document.company.slug
    transaction.on_commit(
        lambda: submit(
            "read_documents", owner=owner, document_ids=ids, user_id=user_id, force=again
        )
    )


def _pdf_readable(data: bytes) -> bool:
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        return len(PdfReader(io.BytesIO(data)).pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError):
        return False


def document_delete(*, document: Document, by: Any = None) -> Document:
    """Hide a document; its file stays in storage and the document can be restored."""
    require(by, Action.VIEW, document.company)
    document.deleted_at = timezone.now()
    document.save(update_fields=["deleted_at"])
    audit.record(by=by, action="document_delete", company=document.company, obj=document)
    return document


def document_restore(*, document: Document, by: Any = None) -> Document:
    require(by, Action.VIEW, document.company)
    document.deleted_at = None
    document.save(update_fields=["deleted_at"])
    audit.record(by=by, action="document_restore", company=document.company, obj=document)
    return document


def document_annotate(
    *, document: Document, tags: list[str], comment: str, by: Any = None
) -> Document:
    require(by, Action.VIEW, document.company)
    document.tags = [t.strip() for t in tags if t.strip()]
    document.comment = comment
    document.save(update_fields=["tags", "comment"])
    audit.record(by=by, action="document_annotate", company=document.company, obj=document)
    return document


def document_recategorize(*, document: Document, category: str, by: Any = None) -> Document:
    """Move a document to another category in one action: it goes back to `received` and is
    read again in its new category (its proposal, never posted, is replaced); the file never
    moves. A booked document is refused: its entry must be reversed first."""
    require(by, Action.VIEW, document.company)
    if category not in Category.values:
        raise Refused([Problem(f"catégorie inconnue « {category} »", "category")])
    if document.status == Status.BOOKED:
        raise Refused(
            [Problem("pièce déjà comptabilisée : contre-passez d'abord son écriture", "status")]
        )
    previous = document.category
    document.category = category
    if document.status != Status.DUPLICATE:
        document.status = Status.RECEIVED
    document.save(update_fields=["category", "status"])
    audit.record(
        by=by,
        action="document_recategorize",
        company=document.company,
        obj=document,
        previous=previous,
        category=category,
    )
    if settings.TENUE_READ_ON_ARRIVAL and document.status != Status.DUPLICATE:
        user = by if getattr(by, "is_authenticated", False) else None
        _read_after_commit(document, user, again=True)
    return document


def document_split(
    *, document: Document, ranges: list[tuple[int, int]] | None = None, by: Any = None
) -> list[Document]:
    """One file = one pièce: cut a multi-page PDF into documents, by page (no `ranges`) or by
    the page ranges given (1-based, inclusive). The original is kept, marked `split`; each part
    is a document of the same dossier, category and channel, linked to it."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    require(by, Action.VIEW, document.company)
    if document.kind != "pdf":
        raise Refused([Problem("seul un PDF peut être découpé", "file")])
    if document.status in (Status.BOOKED, Status.SPLIT):
        raise Refused([Problem("pièce déjà comptabilisée ou déjà découpée", "status")])
    try:
        reader = PdfReader(io.BytesIO(document.file.open("rb").read()))
        pages = len(reader.pages)
    except PdfReadError as exc:
        raise Refused([Problem(f"PDF illisible : {exc}", "file")]) from exc
    ranges = ranges or [(n, n) for n in range(1, pages + 1)]
    problems = [
        Problem(f"pages {a}-{b} hors du document ({pages} pages)", "ranges")
        for a, b in ranges
        if not 1 <= a <= b <= pages
    ]
    if len(ranges) < 2 and not problems:
        problems.append(Problem("au moins deux parties sont nécessaires", "ranges"))
    if problems:
        raise Refused(problems)
    stem = document.original_name.rsplit(".", 1)[0]
    parts = []
    with transaction.atomic():
        for first, last in ranges:
            writer = PdfWriter()
            for index in range(first - 1, last):
                writer.add_page(reader.pages[index])
            out = io.BytesIO()
            writer.write(out)
            name = f"{stem}-p{first}.pdf" if first == last else f"{stem}-p{first}-{last}.pdf"
            part = document_ingest(
                company=document.company,
                name=name,
                data=out.getvalue(),
                category=document.category,
                channel=document.channel,
                sender=document.sender,
                by=by,
            ).document
            part.split_from = document
            part.save(update_fields=["split_from"])
            parts.append(part)
        document.status = Status.SPLIT
        document.save(update_fields=["status"])
        audit.record(
            by=by, action="document_split", company=document.company, obj=document, parts=len(parts)
        )
    return parts
