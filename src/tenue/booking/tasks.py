"""Background reading of documents: `read_documents` reads each document (e-invoice, PDF text,
OCR), proposes its entry and posts it when sure enough. Idempotent: a document already read is
read again only with `force`, and a posted one is never proposed twice."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from tenue.tasks import task


@task("read_documents")
def read_documents(
    *, progress: Any, document_ids: list[int], user_id: int | None = None, force: bool = False
) -> dict[str, Any]:
    from tenue.booking.models import DocumentReading, EntryProposal
    from tenue.booking.services import document_read
    from tenue.documents.models import Document, Status

    user = get_user_model().objects.get(pk=user_id) if user_id else None
    counts = {"read": 0, "skipped": 0, "failed": 0}
    for done, document in enumerate(
        Document.objects.filter(pk__in=document_ids).select_related("company").order_by("pk")
    ):
        progress("Lecture des pièces", done, len(document_ids))
        posted = EntryProposal.objects.filter(document=document, status="posted").exists()
        already = DocumentReading.objects.filter(document=document).exists()
        if document.duplicate_of_id or posted or (already and not force):
            counts["skipped"] += 1
            continue
        Document.objects.filter(pk=document.pk).update(status=Status.READING)
        reading = document_read(document=document, by=user)
        counts["failed" if reading.status == "failed" else "read"] += 1
    progress("Lecture des pièces", len(document_ids), len(document_ids))
    return counts
