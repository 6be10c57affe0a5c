"""API endpoints. Authentication: `Authorization: Bearer <token>` (see `tenue token create`).
Every endpoint goes through the permission service: a dossier the token's user may not see is
404, an action it may not do is 403; a refused request (bad file…) is 400 with its problems."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import File, Form, NinjaAPI, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from ninja.security import HttpBearer

from tenue.core.problems import Refused
from tenue.firms.models import ApiToken
from tenue.firms.permissions import company_for


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hashlib.sha256(token.encode()).hexdigest(), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found.user


api = NinjaAPI(title="tenue", version="1", auth=BearerToken(), urls_namespace="api")


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> Any:
    return api.create_response(
        request,
        {"problems": [{"field": p.field, "message": p.message} for p in exc.problems]},
        status=400,
    )


@api.exception_handler(PermissionDenied)
def denied(request: HttpRequest, exc: PermissionDenied) -> Any:
    return api.create_response(request, {"detail": str(exc) or "Action non autorisée"}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> Any:
    return api.create_response(request, {"detail": str(exc) or "Introuvable"}, status=404)


class DocumentOut(Schema):
    id: int
    name: str
    sha256: str
    kind: str
    category: str
    channel: str
    status: str
    duplicate_of: int | None
    tags: list[str]
    comment: str
    received_at: str


def _out(document: Any) -> dict[str, Any]:
    return {
        "id": document.pk,
        "name": document.original_name,
        "sha256": document.sha256,
        "kind": document.kind,
        "category": document.category,
        "channel": document.channel,
        "status": document.status,
        "duplicate_of": document.duplicate_of_id,
        "tags": document.tags,
        "comment": document.comment,
        "received_at": document.received_at.isoformat(),
    }


@api.post("/dossiers/{slug}/documents", response={201: DocumentOut})
def document_post(
    request: HttpRequest,
    slug: str,
    file: File[UploadedFile],
    category: Form[str],
    channel: Form[str] = "api",
    comment: Form[str] = "",
    tags: Form[str] = "",
) -> Any:
    """Send one file to a dossier (what a mobile app or a partner platform posts)."""
    from tenue.documents.services import document_ingest

    company = company_for(request.auth, slug)
    ingested = document_ingest(
        company=company,
        name=file.name or "fichier",
        data=file.read(),
        category=category,
        channel=channel if channel in ("api", "mobile", "connector") else "api",
        sender=request.auth.get_username(),
        comment=comment,
        tags=[t.strip() for t in tags.split(",") if t.strip()],
        by=request.auth,
    )
    return Status(201, _out(ingested.document))


@api.get("/dossiers/{slug}/documents", response=list[DocumentOut])
def document_list(request: HttpRequest, slug: str, status: str | None = None) -> Any:
    from tenue.documents.models import Document

    company = company_for(request.auth, slug)
    documents = Document.objects.filter(company=company, deleted_at__isnull=True)
    if status:
        documents = documents.filter(status=status)
    return [_out(d) for d in documents.order_by("id")[:1000]]
