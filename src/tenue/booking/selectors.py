"""Reads of booking: what was read of a document and what was proposed or posted, as plain data
(the CLI's JSON, the API and the review page share it), and the review queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from tenue.booking.models import DocumentReading, EntryProposal, ProposalStatus
from tenue.core import money
from tenue.documents.models import Document, Status


def document_booking(*, document: Document) -> dict[str, Any]:
    """Every field read (value, confidence, where) and the entry proposed or posted."""
    reading = DocumentReading.objects.filter(document=document).first()
    proposal = (
        EntryProposal.objects.filter(document=document)
        .select_related("entry__journal", "third_party")
        .first()
    )
    data: dict[str, Any] = {
        "id": document.pk,
        "name": document.original_name,
        "kind": document.kind,
        "category": document.category,
        "status": document.status,
        "reading": None,
        "proposal": None,
    }
    if reading is not None:
        data["reading"] = {
            "status": reading.status,
            "method": reading.method,
            "duration_ms": reading.duration_ms,
            "fields": reading.fields,
            "invoice": reading.invoice,
            "problems": reading.problems,
        }
    if proposal is not None:
        entry = proposal.entry
        data["proposal"] = {
            "status": proposal.status,
            "side": proposal.side,
            "journal": proposal.journal,
            "date": proposal.date.isoformat() if proposal.date else None,
            "label": proposal.label,
            "piece_ref": proposal.piece_ref,
            "third_party": proposal.third_party.aux_number if proposal.third_party else None,
            "new_third_party": proposal.new_third_party or None,
            "confidence": proposal.confidence,
            "reasons": proposal.reasons,
            "problems": proposal.problems,
            "lines": proposal.lines,
            "duplicate_of": proposal.duplicate_of_id,
            "posted_how": proposal.posted_how or None,
            "entry": None
            if entry is None
            else {
                "journal": entry.journal.code,
                "number": entry.number,
                "date": entry.date.isoformat(),
                "label": entry.label,
                "lines": [
                    {
                        "account": line.account.number,
                        "aux_number": line.third_party.aux_number if line.third_party else "",
                        "label": line.label,
                        "debit": money.format_plain(line.debit),
                        "credit": money.format_plain(line.credit),
                    }
                    for line in entry.lines.select_related("account", "third_party").order_by(
                        "position"
                    )
                ],
            },
        }
    return data


def review_queue(*, company: Any) -> QuerySet[EntryProposal]:
    """Proposals waiting for the accountant, oldest document first."""
    return (
        EntryProposal.objects.filter(
            company=company, status=ProposalStatus.TO_REVIEW, document__deleted_at__isnull=True
        )
        .exclude(document__status=Status.SPLIT)  # its parts are reviewed, not the whole
        .select_related("document", "third_party")
        .order_by("document_id")
    )
